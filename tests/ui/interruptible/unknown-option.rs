use gracefully::{interruptible, ThreadExit};

#[interruptible(evry = 10)]
fn work() -> Result<(), ThreadExit> {
    loop {}
}

fn main() {}
