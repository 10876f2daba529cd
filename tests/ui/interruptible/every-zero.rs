use gracefully::{interruptible, ThreadExit};

#[interruptible(every = 0)]
fn work() -> Result<(), ThreadExit> {
    loop {}
}

fn main() {}
