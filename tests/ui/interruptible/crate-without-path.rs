use interrupt::{interruptible, ThreadExit};

#[interruptible(crate =)]
fn work() -> Result<(), ThreadExit> {
    loop {}
}

fn main() {}
