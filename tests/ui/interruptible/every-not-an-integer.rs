use gracefully::{interruptible, ThreadExit};

#[interruptible(every = "x")]
fn quoted() -> Result<(), ThreadExit> {
    loop {}
}

const N: u32 = 8;

#[interruptible(every = N)]
fn named_constant() -> Result<(), ThreadExit> {
    loop {}
}

fn main() {}
