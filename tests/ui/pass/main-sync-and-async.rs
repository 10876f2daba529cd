// `#[gracefully::main]` on a sync `main` returning a `Result`, and (in a
// module, as a second program would be) on an `async fn main` under a
// runtime's attribute.

use std::time::Duration;

mod asynchronous {
    #[gracefully::main(grace = "1s")]
    #[tokio::main(flavor = "current_thread")]
    pub async fn main() -> Result<(), std::io::Error> {
        tokio::task::yield_now().await;
        Ok(())
    }
}

#[gracefully::main(grace = "500ms")]
fn main() -> Result<(), gracefully::ThreadExit> {
    let worker = gracefully::spawn(|| -> Result<(), gracefully::ThreadExit> {
        loop {
            gracefully::sleep(Duration::from_millis(5))?;
        }
    });
    drop(worker); // the shutdown after the body stops it
    Ok(())
}
