use gracefully::{interruptible, ThreadExit};

#[interruptible(every)]
fn work() -> Result<(), ThreadExit> {
    loop {}
}

fn main() {}
