//! Async tasks on tokio and on `futures::executor`: scopes follow the task,
//! awaits are interruption points that never drop a completed value nor
//! start a future once a request is pending, and critical
//! sections hold across awaits.

mod common;

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::ThreadId;

use common::{STOP_BOUND, join_within, wait_forever};
use gracefully::{Cause, FutureExt, InterruptHandle, ThreadExit, critical, interruptible};

fn multi_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Waits on `task` on `runtime`, failing the test after [`STOP_BOUND`].
fn finish<T: Send + 'static>(
    runtime: &tokio::runtime::Runtime,
    task: tokio::task::JoinHandle<T>,
) -> T {
    runtime
        .block_on(async { tokio::time::timeout(STOP_BOUND, task).await })
        .expect("the task did not stop in time")
        .expect("the task panicked")
}

#[test]
fn a_task_awaiting_a_future_that_never_completes_is_interrupted_on_tokio() {
    let runtime = multi_thread_runtime();
    let handle = InterruptHandle::new();
    let task = runtime.spawn(wait_forever().with_interrupt(handle.clone()));
    std::thread::sleep(std::time::Duration::from_millis(20));
    handle.interrupt();
    let exit = finish(&runtime, task).unwrap_err();
    assert_eq!(exit.cause(), Cause::Interrupted);
}

#[test]
fn a_task_awaiting_a_future_that_never_completes_is_interrupted_on_block_on() {
    // With a scope of its own...
    let handle = InterruptHandle::new();
    let task = handle.clone();
    let worker =
        gracefully::spawn(move || futures::executor::block_on(wait_forever().with_interrupt(task)));
    std::thread::sleep(std::time::Duration::from_millis(20));
    handle.interrupt();
    assert!(join_within(worker, "block_on").unwrap().is_err());

    // ...and in the scope of the thread that runs `block_on`.
    let worker = gracefully::spawn(|| futures::executor::block_on(wait_forever()));
    std::thread::sleep(std::time::Duration::from_millis(20));
    worker.interrupt();
    assert!(join_within(worker, "block_on").unwrap().is_err());
}

/// Records whether it was polled; completes at once.
struct Probe(Arc<AtomicBool>);

impl Future for Probe {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        self.0.store(true, Ordering::SeqCst);
        Poll::Ready(1)
    }
}

#[interruptible]
async fn await_probe(probe: Probe) -> Result<u32, ThreadExit> {
    let value = probe.await;
    Ok(value)
}

#[test]
fn an_await_reached_with_a_request_pending_does_not_poll_its_future() {
    let handle = InterruptHandle::new();
    handle.interrupt();
    let polled = Arc::new(AtomicBool::new(false));
    let task = await_probe(Probe(Arc::clone(&polled))).with_interrupt(handle);
    assert!(futures::executor::block_on(task).is_err());
    assert!(!polled.load(Ordering::SeqCst), "the future was polled");

    let polled = Arc::new(AtomicBool::new(false));
    let task = await_probe(Probe(Arc::clone(&polled))).with_interrupt(InterruptHandle::new());
    assert_eq!(futures::executor::block_on(task), Ok(1));
    assert!(polled.load(Ordering::SeqCst));
}

/// Pending once; then interrupts its scope and completes in the same poll.
struct CompletesWithARequest {
    handle: InterruptHandle,
    polled_once: bool,
}

impl Future for CompletesWithARequest {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if !self.polled_once {
            self.polled_once = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.handle.interrupt();
        Poll::Ready(7)
    }
}

#[interruptible]
async fn value_then_next_await(
    future: CompletesWithARequest,
    value: &mut Option<u32>,
) -> Result<(), ThreadExit> {
    *value = Some(future.await);
    std::future::ready(()).await; // the request is delivered here
    *value = None;
    Ok(())
}

#[test]
fn a_value_that_completes_with_a_request_is_returned_and_the_request_fires_next() {
    let handle = InterruptHandle::new();
    let future = CompletesWithARequest {
        handle: handle.clone(),
        polled_once: false,
    };
    let mut value = None;
    let result = futures::executor::block_on(
        value_then_next_await(future, &mut value).with_interrupt(handle),
    );
    assert!(result.is_err());
    assert_eq!(value, Some(7), "the completed value was not lost");
}

#[interruptible]
async fn yield_rounds(rounds: u32, me: InterruptHandle) -> Result<u32, ThreadExit> {
    let mut done = 0;
    while done < rounds {
        assert_eq!(gracefully::current(), me, "polled outside its own scope");
        tokio::task::yield_now().await;
        done += 1;
    }
    Ok(done)
}

#[test]
fn two_tasks_on_one_worker_thread_keep_separate_scopes() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let stopped = InterruptHandle::new();
    let running = InterruptHandle::new();
    let (first, second) = runtime.block_on(async {
        let first = tokio::spawn(wait_forever().with_interrupt(stopped.clone()));
        let second =
            tokio::spawn(yield_rounds(500, running.clone()).with_interrupt(running.clone()));
        tokio::task::yield_now().await;
        stopped.interrupt();
        (first.await.unwrap(), second.await.unwrap())
    });
    assert!(first.is_err());
    assert_eq!(second, Ok(500));
    assert!(!running.is_interrupted());
}

#[interruptible]
async fn critical_across_awaits(
    handle: InterruptHandle,
    progress: Arc<AtomicU32>,
    threads: Arc<Mutex<HashSet<ThreadId>>>,
) -> Result<(), ThreadExit> {
    critical! {
        for round in 0..200 {
            threads.lock().unwrap().insert(std::thread::current().id());
            if round == 10 {
                handle.interrupt();
            }
            gracefully::check()?; // inside the section: passes
            tokio::task::yield_now().await;
            progress.fetch_add(1, Ordering::SeqCst);
        }
    }
    std::future::ready(()).await; // delivered here
    progress.store(u32::MAX, Ordering::SeqCst);
    Ok(())
}

#[test]
fn a_critical_section_holds_across_awaits_on_a_task_that_moves_between_threads() {
    let runtime = multi_thread_runtime();
    let handle = InterruptHandle::new();
    let progress = Arc::new(AtomicU32::new(0));
    let threads = Arc::new(Mutex::new(HashSet::new()));
    // Busy neighbours make the workers steal the task from each other.
    let neighbours: Vec<_> = (0..4)
        .map(|_| {
            runtime.spawn(async {
                for _ in 0..2_000 {
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    let task = runtime.spawn(
        critical_across_awaits(handle.clone(), Arc::clone(&progress), Arc::clone(&threads))
            .with_interrupt(handle),
    );
    assert!(finish(&runtime, task).is_err());
    assert_eq!(
        progress.load(Ordering::SeqCst),
        200,
        "the section ran to its end"
    );
    for neighbour in neighbours {
        finish(&runtime, neighbour);
    }
    println!("the task ran on {} threads", threads.lock().unwrap().len());
}

/// Pending once (waking itself), then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[interruptible]
async fn section_then_await(handle: InterruptHandle) -> Result<u32, ThreadExit> {
    let rounds = critical! {
        let mut rounds = 0;
        while rounds < 4 {
            YieldOnce(false).await;
            rounds += 1;
            if rounds == 2 {
                handle.interrupt();
            }
            gracefully::check()?;
        }
        rounds
    };
    YieldOnce(false).await;
    Ok(rounds)
}

#[test]
fn a_critical_section_holds_when_the_task_is_moved_to_another_thread_by_hand() {
    let handle = InterruptHandle::new();
    let mut task = Box::pin(section_then_await(handle.clone()).with_interrupt(handle));
    let mut cx = Context::from_waker(Waker::noop());
    // Two polls on this thread, the rest on another: the section's depth
    // lives in the task's scope, not in a thread.
    for _ in 0..2 {
        assert!(task.as_mut().poll(&mut cx).is_pending());
    }
    let result = std::thread::spawn(move || {
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(result) = task.as_mut().poll(&mut cx) {
                return result;
            }
        }
    })
    .join()
    .unwrap();
    assert!(result.is_err(), "delivered at the await after the section");
}

#[test]
fn thousands_of_tasks_interrupted_at_once_all_finish() {
    let runtime = multi_thread_runtime();
    let handles: Vec<_> = (0..5_000).map(|_| InterruptHandle::new()).collect();
    let tasks: Vec<_> = handles
        .iter()
        .map(|handle| runtime.spawn(wait_forever().with_interrupt(handle.clone())))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(50));
    for handle in &handles {
        handle.interrupt();
    }
    let results = runtime.block_on(async {
        tokio::time::timeout(STOP_BOUND, futures::future::join_all(tasks))
            .await
            .expect("the tasks did not stop in time")
    });
    assert_eq!(results.len(), 5_000);
    assert!(results.into_iter().all(|result| result.unwrap().is_err()));
}

#[test]
fn check_and_interruption_requested_act_on_the_task_scope() {
    let handle = InterruptHandle::new();
    handle.interrupt();
    let inside = futures::executor::block_on(
        async {
            (
                gracefully::interruption_requested(),
                gracefully::check().is_err(),
            )
        }
        .with_interrupt(handle),
    );
    assert_eq!(inside, (true, true));
    assert!(
        !gracefully::interruption_requested(),
        "the test thread's own scope"
    );
}

trait Fetch {
    async fn fetch(&mut self, n: u32) -> Result<u32, ThreadExit>;
}

struct Source {
    fetched: u32,
}

#[interruptible]
impl Fetch for Source {
    async fn fetch(&mut self, n: u32) -> Result<u32, ThreadExit> {
        while self.fetched < n {
            std::future::ready(()).await;
            self.fetched += 1;
        }
        std::future::pending::<()>().await;
        Ok(self.fetched)
    }
}

struct Pipe;

#[interruptible]
impl Pipe {
    async fn drain(&self, items: &mut Vec<u32>) -> Result<usize, ThreadExit> {
        let mut drained = 0;
        while items.pop().is_some() {
            tokio::task::yield_now().await;
            drained += 1;
        }
        std::future::pending::<()>().await;
        Ok(drained)
    }
}

#[test]
fn async_methods_in_impl_blocks_and_trait_impls_are_interruptible() {
    let runtime = multi_thread_runtime();
    let handle = InterruptHandle::new();
    let task = runtime.spawn(
        async {
            let mut source = Source { fetched: 0 };
            let fetched = source.fetch(3).await;
            (fetched, source.fetched)
        }
        .with_interrupt(handle.clone()),
    );
    std::thread::sleep(std::time::Duration::from_millis(20));
    handle.interrupt();
    let (fetched, count) = finish(&runtime, task);
    assert!(fetched.is_err());
    assert_eq!(count, 3);

    let handle = InterruptHandle::new();
    let task = runtime
        .spawn(async { Pipe.drain(&mut vec![1, 2, 3]).await }.with_interrupt(handle.clone()));
    std::thread::sleep(std::time::Duration::from_millis(20));
    handle.interrupt();
    assert!(finish(&runtime, task).is_err());
}

#[test]
fn every_task_sharing_one_handle_is_woken_on_tokio() {
    let runtime = multi_thread_runtime();
    let handle = InterruptHandle::new();
    let tasks: Vec<_> = (0..4)
        .map(|_| runtime.spawn(wait_forever().with_interrupt(handle.clone())))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(50)); // all pending
    handle.interrupt();
    for task in tasks {
        assert!(finish(&runtime, task).is_err());
    }
}

#[test]
fn every_task_sharing_one_handle_is_woken_on_a_futures_local_pool() {
    use futures::task::LocalSpawnExt;
    let handle = InterruptHandle::new();
    let requester = {
        let handle = handle.clone();
        gracefully::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50)); // all pending
            handle.interrupt();
        })
    };
    let worker = gracefully::spawn(move || {
        // Tasks of their own, each with its own waker.
        let mut pool = futures::executor::LocalPool::new();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                pool.spawner()
                    .spawn_local_with_handle(wait_forever().with_interrupt(handle.clone()))
                    .unwrap()
            })
            .collect();
        pool.run_until(futures::future::join_all(tasks))
    });
    let results = join_within(worker, "the tasks").unwrap();
    join_within(requester, "the requester").unwrap();
    assert!(results.iter().all(Result::is_err), "{results:?}");
}

#[test]
fn interruptible_tasks_without_a_scope_of_their_own_all_stop_with_their_worker_threads() {
    // Tasks spawned as they are, in the scope of the worker thread that
    // first polls them: interrupting the workers' scopes stops every task.
    let runtime = multi_thread_runtime();
    let (scopes, seen) = std::sync::mpsc::channel();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let scopes = scopes.clone();
            runtime.spawn(async move {
                scopes.send(gracefully::current()).unwrap();
                wait_forever().await
            })
        })
        .collect();
    let workers: Vec<InterruptHandle> = (0..10)
        .map(|_| seen.recv_timeout(STOP_BOUND).unwrap())
        .collect::<Vec<_>>();
    std::thread::sleep(std::time::Duration::from_millis(50)); // all pending
    for worker in &workers {
        worker.interrupt();
    }
    for task in tasks {
        assert!(finish(&runtime, task).is_err());
    }
}

#[test]
fn many_interrupted_futures_on_one_scope_all_resolve() {
    let runtime = multi_thread_runtime();
    let handle = InterruptHandle::new();
    let waiters: Vec<_> = (0..50)
        .map(|_| runtime.spawn(handle.interrupted()))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(50)); // all pending
    handle.interrupt();
    for waiter in waiters {
        assert_eq!(finish(&runtime, waiter).cause(), Cause::Interrupted);
    }
}

#[test]
fn a_select_loop_with_interrupted_stops_at_once() {
    // A loop that waits on a channel and a timer: macros are opaque to
    // `#[interruptible]`, so `interrupted()` is what ends it.
    let runtime = multi_thread_runtime();
    let handle = InterruptHandle::new();
    let (_keep, mut rx) = tokio::sync::mpsc::channel::<u32>(1);
    let task = runtime.spawn(
        async move {
            let mut ticks = 0_u32;
            loop {
                tokio::select! {
                    exit = gracefully::interrupted() => return (ticks, exit),
                    _ = rx.recv() => {}
                    () = tokio::time::sleep(std::time::Duration::from_millis(1)) => ticks += 1,
                }
            }
        }
        .with_interrupt(handle.clone()),
    );
    std::thread::sleep(std::time::Duration::from_millis(30));
    handle.interrupt();
    let (ticks, exit) = finish(&runtime, task);
    assert!(ticks > 0, "the loop ran before the request");
    assert_eq!(exit.cause(), Cause::Interrupted);
}

#[test]
fn run_until_interrupted_returns_the_output_or_the_request() {
    let handle = InterruptHandle::new();
    assert_eq!(
        futures::executor::block_on(handle.run_until_interrupted(async { 7 })),
        Ok(7)
    );
    let stuck = gracefully::spawn({
        let handle = handle.clone();
        move || {
            futures::executor::block_on(handle.run_until_interrupted(std::future::pending::<u32>()))
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(20));
    handle.interrupt();
    let result = join_within(stuck, "the task").unwrap();
    assert_eq!(result.map_err(|e| e.cause()), Err(Cause::Interrupted));
}

#[test]
fn interrupted_waits_for_the_end_of_a_critical_section() {
    let handle = InterruptHandle::new();
    let section = handle.enter(gracefully::critical_section);
    let waiter = gracefully::spawn({
        let interrupted = handle.interrupted();
        move || futures::executor::block_on(interrupted)
    });
    handle.interrupt();
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert!(
        !waiter.is_finished(),
        "resolved inside the critical section"
    );
    drop(section);
    let exit = join_within(waiter, "the waiter").unwrap();
    assert_eq!(exit.cause(), Cause::Interrupted);
}
