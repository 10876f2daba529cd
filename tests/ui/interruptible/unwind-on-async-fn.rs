use gracefully::interruptible;

#[interruptible(unwind)]
async fn fetch() -> u32 {
    loop {}
}

fn main() {}
