//! Eight workers loop until they are asked to stop.
//!
//! After a moment the first four are interrupted one by one, then the rest
//! all at once with `interrupt_all`. Each worker stops at its next
//! interruption point (even while sleeping), never in the middle of a job,
//! runs its cleanup, and is joined.
//!
//! Run it with `cargo run --example workers`.

use std::time::Duration;

use gracefully::{JoinError, ThreadExit, critical, interruptible};

/// The worker's resources: released by `Drop` however the worker stops.
struct Desk {
    id: usize,
    jobs: u64,
}

impl Drop for Desk {
    fn drop(&mut self) {
        println!("worker {}: cleaned up after {} jobs", self.id, self.jobs);
    }
}

#[interruptible]
fn work(id: usize) -> Result<(), ThreadExit> {
    let mut desk = Desk { id, jobs: 0 };
    loop {
        // `#[interruptible]` checks for a request here, each time round.

        // Waiting for the next job: an interrupt ends the wait at once.
        gracefully::sleep(Duration::from_millis(10 + 3 * id as u64))?;

        // A job is never cut in half: interruption waits for it to end.
        critical! {
            gracefully::sleep(Duration::from_millis(5))?; // runs to its end in here
            desk.jobs += 1;
        }
    }
}

fn main() {
    let workers: Vec<_> = (0..8)
        .map(|id| {
            gracefully::Builder::new()
                .name(format!("worker-{id}"))
                .spawn(move || work(id))
                .expect("the OS refused to start a thread")
        })
        .collect();

    std::thread::sleep(Duration::from_millis(300));
    println!("main: interrupting workers 0 to 3");
    for worker in &workers[..4] {
        worker.interrupt();
    }

    std::thread::sleep(Duration::from_millis(300));
    println!("main: interrupting everyone left");
    gracefully::interrupt_all();

    for (id, worker) in workers.into_iter().enumerate() {
        match worker.join() {
            Ok(Err(exit)) => println!("worker {id}: stopped ({exit})"),
            Ok(Ok(())) => println!("worker {id}: finished on its own"),
            Err(JoinError::Interrupted(exit)) => println!("worker {id}: unwound ({exit})"),
            Err(JoinError::Panicked(_)) => println!("worker {id}: panicked"),
        }
    }
    println!("main: all workers joined");
}
