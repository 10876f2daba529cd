use gracefully::interruptible;

#[derive(Debug)]
struct MyError;

#[interruptible]
fn work() -> Result<(), MyError> {
    loop {
        return Err(MyError);
    }
}

fn main() {}
