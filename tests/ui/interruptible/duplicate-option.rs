use gracefully::interruptible;

#[interruptible(unwind, every = 4, unwind, every = 8)]
fn work() {
    loop {}
}

fn main() {}
