use gracefully::interruptible;

#[interruptible]
fn no_return_type() {
    loop {}
}

#[interruptible]
fn unit_return_type() -> () {
    for _ in 0..10 {}
}

#[interruptible]
fn option_return_type() -> Option<u32> {
    while std::env::args().len() > 10 {}
    None
}

// Without a loop there is no checkpoint, and no requirement.
#[interruptible]
fn no_loop() {}

fn main() {}
