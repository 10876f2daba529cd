use gracefully::{interruptible, ThreadExit};

#[interruptible]
const fn spin(n: u32) -> Result<u32, ThreadExit> {
    let mut i = 0;
    while i < n {
        i += 1;
    }
    Ok(i)
}

fn main() {}
