use gracefully::{interruptible, ThreadExit};

#[interruptible]
fn work(items: &[u32]) -> Result<u32, ThreadExit> {
    #[no_checkpoint]
    let mut total = 0;
    for item in items {
        #[no_checkpoint]
        total += item;
    }
    let each = |x: u32| {
        #[no_checkpoint]
        x + 1
    };
    Ok(each(total))
}

fn main() {}
