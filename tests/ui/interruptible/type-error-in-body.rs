use gracefully::{interruptible, ThreadExit};

#[interruptible]
fn work() -> Result<u32, ThreadExit> {
    let mut total: u32 = 0;
    for word in ["a", "b"] {
        total += word;
    }
    Ok(total)
}

fn main() {}
