use gracefully::interruptible;

// An `.await` is an interruption point, so the function needs a return
// type that takes `?`, even without a loop.
#[interruptible]
async fn fetch() -> u32 {
    std::future::ready(1).await
}

// Without a loop or an await there is no requirement.
#[interruptible]
async fn nothing_to_check() -> u32 {
    1
}

fn main() {}
