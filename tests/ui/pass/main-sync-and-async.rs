// `#[interrupt::main]` on a sync `main` returning a `Result`, and (in a
// module, as a second program would be) on an `async fn main` under a
// runtime's attribute.

use std::time::Duration;

mod asynchronous {
    #[interrupt::main(grace = "1s")]
    #[tokio::main(flavor = "current_thread")]
    pub async fn main() -> Result<(), std::io::Error> {
        tokio::task::yield_now().await;
        Ok(())
    }
}

#[interrupt::main(grace = "500ms")]
fn main() -> Result<(), interrupt::ThreadExit> {
    let worker = interrupt::spawn(|| -> Result<(), interrupt::ThreadExit> {
        loop {
            interrupt::sleep(Duration::from_millis(5))?;
        }
    });
    drop(worker); // the shutdown after the body stops it
    Ok(())
}
