//! `TaskGroup`: the first failing future stops the others, on tokio and on
//! `futures::executor`.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use gracefully::{
    Cause, FutureExt, InterruptHandle, Outcome, TaskGroup, ThreadExit, interruptible,
};

/// Sleeps on tokio's timer in an `#[interruptible] async fn`: its awaits
/// are interruption points.
#[interruptible]
async fn tick_until_stopped() -> Result<u32, ThreadExit> {
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits for the request of the member's own scope, on any executor.
async fn wait_until_stopped() -> Result<u32, String> {
    Err(gracefully::interrupted().await.to_string())
}

/// A bound on how long a group may take to stop, so that a lost wake-up
/// fails instead of hanging.
async fn within_bound<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .expect("the group did not finish within 20 s")
}

#[test]
fn on_futures_executor_one_error_stops_the_others() {
    let mut tasks = TaskGroup::new();
    for _ in 0..3 {
        tasks.add(wait_until_stopped());
    }
    tasks.add(async { Err("bad record".to_owned()) });
    tasks.add(wait_until_stopped());
    let result = futures::executor::block_on(tasks);
    assert_eq!(result.failure().map(|(index, _)| index), Some(3));
    for n in [0, 1, 2, 4] {
        assert!(
            matches!(&result.outcomes()[n], Outcome::Stopped(error) if error == "interrupted"),
            "{n}: {:?}",
            result.outcomes()[n]
        );
    }
    assert_eq!(result.into_result(), Err("bad record".to_owned()));
}

#[test]
fn on_tokio_interruptible_awaits_see_the_stop() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        let group = tokio::spawn(async {
            let mut tasks = TaskGroup::new();
            for _ in 0..4 {
                tasks.add(tick_until_stopped());
            }
            tasks.add(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(ThreadExit::new(Cause::Deadline))
            });
            tasks.await
        });
        within_bound(group).await.unwrap()
    });
    let (index, failure) = result.failure().expect("a failure");
    assert_eq!(index, 4);
    assert!(matches!(failure, Outcome::Err(exit) if exit.cause() == Cause::Deadline));
    assert!(result.outcomes()[..4].iter().all(Outcome::is_stopped));
}

#[test]
fn a_panicking_member_is_the_failure() {
    let mut tasks = TaskGroup::new();
    tasks.add(wait_until_stopped());
    tasks.add(async { panic!("member broke") });
    let result = futures::executor::block_on(tasks);
    let (index, failure) = result.failure().expect("a failure");
    assert_eq!(index, 1);
    let Outcome::Panicked(payload) = failure else {
        panic!("{failure:?}");
    };
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"member broke"));
    assert!(result.outcomes()[0].is_stopped());
}

#[test]
fn interrupting_the_task_stops_its_group() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let task = InterruptHandle::new();
    let stop = task.clone();
    let result = runtime.block_on(async move {
        let group = async {
            // Made inside the task's scope: a child of it.
            let mut tasks = TaskGroup::new();
            tasks.add(tick_until_stopped());
            tasks.add(tick_until_stopped());
            tasks.await
        }
        .with_interrupt(task);
        let stopper = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            stop.interrupt();
        };
        within_bound(async { tokio::join!(group, stopper).0 }).await
    });
    assert!(result.is_ok(), "a stop from outside is not a failure");
    assert!(result.outcomes().iter().all(Outcome::is_stopped));
}

#[test]
fn members_borrow_and_all_finish() {
    let words = ["one", "three", "five"];
    let total = AtomicUsize::new(0);
    let mut tasks = TaskGroup::new();
    for word in &words {
        let total = &total;
        tasks.add(async move {
            total.fetch_add(word.len(), Ordering::Relaxed);
            Ok::<_, ThreadExit>(word.len())
        });
    }
    let result = futures::executor::block_on(tasks);
    assert!(result.is_ok());
    assert_eq!(total.into_inner(), 12);
    let lengths: Vec<usize> = result
        .into_outcomes()
        .into_iter()
        .filter_map(Outcome::ok)
        .collect();
    assert_eq!(lengths, [3, 5, 4]);
}

#[test]
fn one_failure_among_thousands_stops_them_all() {
    let mut tasks = TaskGroup::new();
    for n in 0..5_000_u32 {
        tasks.add(async move {
            if n == 2_500 {
                return Err(format!("member {n}"));
            }
            wait_until_stopped().await
        });
    }
    let result = futures::executor::block_on(tasks);
    let stopped = result.outcomes().iter().filter(|o| o.is_stopped()).count();
    assert_eq!(stopped, 4_999);
    assert_eq!(result.into_result(), Err("member 2500".to_owned()));
}

/// A future that wakes itself and returns `Pending` `n` times, then `Ok`.
struct Yields(u32);

impl Future for Yields {
    type Output = Result<u32, String>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        if self.0 == 0 {
            return std::task::Poll::Ready(Ok(0));
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

#[test]
fn a_member_is_polled_only_when_it_was_woken() {
    let polls = AtomicUsize::new(0);
    let mut tasks = TaskGroup::new();
    // Woken only by the group's stop: polled when the group starts and
    // once after the stop.
    tasks.add(std::future::poll_fn(|_| {
        polls.fetch_add(1, Ordering::Relaxed);
        if gracefully::interruption_requested() {
            std::task::Poll::Ready(Err("stopped".to_owned()))
        } else {
            std::task::Poll::Pending
        }
    }));
    // Wakes itself 1,000 times.
    tasks.add(Yields(1_000));
    let stop = tasks.handle().clone();
    let mut tasks = std::pin::pin!(tasks);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    for _ in 0..2_000 {
        assert!(tasks.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(polls.load(Ordering::Relaxed), 1);
    stop.interrupt();
    let std::task::Poll::Ready(result) = tasks.as_mut().poll(&mut cx) else {
        panic!("the stopped group did not finish");
    };
    assert_eq!(polls.load(Ordering::Relaxed), 2);
    assert!(result.is_ok());
    assert!(result.outcomes()[0].is_stopped());
    assert!(matches!(result.outcomes()[1], Outcome::Ok(0)));
}
