use gracefully::{interruptible, ThreadExit};

#[interruptible(crate =)]
fn work() -> Result<(), ThreadExit> {
    loop {}
}

fn main() {}
