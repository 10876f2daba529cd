//! What a checkpoint costs in a loop, how fast an interrupt wakes a blocked
//! thread, and how long stopping many threads or tasks takes, each beside
//! the hand-written idiom and `tokio_util`'s `CancellationToken` in the same
//! run.
//!
//! `cargo bench --bench checkpoint --all-features` (without the `crossbeam`
//! feature the channel rows are left out).

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use gracefully::{FutureExt, InterruptHandle, ThreadExit, interruptible};
use tokio_util::sync::CancellationToken;

mod sums;
use sums::{
    numbers, sum_chunked, sum_each, sum_every_1024, sum_free_check, sum_hand_written, sum_plain,
    sum_token,
};

/// Iterations per measured call of the loop benchmarks.
const ITERATIONS: u64 = 4096;

/// The ~2 ns loop body: one step of dependent arithmetic.
#[inline]
fn body(acc: u64, i: u64) -> u64 {
    acc.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(5) ^ i
}

/// The ~50 ns loop body: 32 dependent steps (not a loop of the instrumented
/// function: this helper is not instrumented).
#[inline]
fn heavy_body(acc: u64, i: u64) -> u64 {
    (0..32).fold(acc, |acc, k| body(acc, i ^ k))
}

/// A loop body; generic so that each loop below is compiled for each body,
/// with the body inlined.
trait Body: Fn(u64, u64) -> u64 + Copy {}
impl<F: Fn(u64, u64) -> u64 + Copy> Body for F {}

fn unchecked(n: u64, body: impl Body) -> u64 {
    let mut acc = 0;
    for i in 0..n {
        acc = body(acc, i);
    }
    acc
}

fn hand_written(flag: &AtomicBool, n: u64, body: impl Body) -> Result<u64, ()> {
    let mut acc = 0;
    for i in 0..n {
        if flag.load(Ordering::Relaxed) {
            return Err(());
        }
        acc = body(acc, i);
    }
    Ok(acc)
}

fn token_checked(token: &CancellationToken, n: u64, body: impl Body) -> Result<u64, ()> {
    let mut acc = 0;
    for i in 0..n {
        if token.is_cancelled() {
            return Err(());
        }
        acc = body(acc, i);
    }
    Ok(acc)
}

fn free_check(n: u64, body: impl Body) -> Result<u64, ThreadExit> {
    let mut acc = 0;
    for i in 0..n {
        gracefully::check()?;
        acc = body(acc, i);
    }
    Ok(acc)
}

/// The scope is fetched once per call; each iteration loads one flag.
#[interruptible]
fn instrumented(n: u64, body: impl Body) -> Result<u64, ThreadExit> {
    let mut acc = 0;
    for i in 0..n {
        acc = body(acc, i);
    }
    Ok(acc)
}

#[interruptible(every = 1024)]
fn instrumented_every_1024(n: u64, body: impl Body) -> Result<u64, ThreadExit> {
    let mut acc = 0;
    for i in 0..n {
        acc = body(acc, i);
    }
    Ok(acc)
}

/// One group: the loop with `body`, unchecked and with each kind of check.
fn loop_group(c: &mut Criterion, name: &str, body: impl Body) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(ITERATIONS));
    let flag = Arc::new(AtomicBool::new(false));
    let token = CancellationToken::new();
    group.bench_function("no check", |b| {
        b.iter(|| unchecked(black_box(ITERATIONS), body));
    });
    group.bench_function("Arc<AtomicBool> relaxed (hand-written)", |b| {
        b.iter(|| hand_written(&flag, black_box(ITERATIONS), body));
    });
    group.bench_function("CancellationToken::is_cancelled()", |b| {
        b.iter(|| token_checked(&token, black_box(ITERATIONS), body));
    });
    group.bench_function("gracefully::check()", |b| {
        b.iter(|| free_check(black_box(ITERATIONS), body));
    });
    group.bench_function("#[interruptible]", |b| {
        b.iter(|| instrumented(black_box(ITERATIONS), body));
    });
    group.bench_function("#[interruptible(every = 1024)]", |b| {
        b.iter(|| instrumented_every_1024(black_box(ITERATIONS), body));
    });
    group.finish();
}

fn loops(c: &mut Criterion) {
    loop_group(c, "checkpoint loop, ~2 ns body", body);
    loop_group(c, "checkpoint loop, ~50 ns body", heavy_body);
}

async fn awaits_plain(n: u64, body: impl Body) -> Result<u64, ThreadExit> {
    let mut acc = 0;
    for i in 0..n {
        acc = body(acc, std::future::ready(i).await);
    }
    Ok(acc)
}

/// The same body: every await and every iteration is an interruption point.
#[interruptible]
async fn awaits_instrumented(n: u64, body: impl Body) -> Result<u64, ThreadExit> {
    let mut acc = 0;
    for i in 0..n {
        acc = body(acc, std::future::ready(i).await);
    }
    Ok(acc)
}

/// The plain loop with the checks written by hand where the macro puts
/// them: at the start of each iteration and before each await.
async fn awaits_hand_written(flag: &AtomicBool, n: u64, body: impl Body) -> Result<u64, ()> {
    let mut acc = 0;
    for i in 0..n {
        if flag.load(Ordering::Relaxed) {
            return Err(());
        }
        let ready = std::future::ready(i);
        if flag.load(Ordering::Relaxed) {
            return Err(());
        }
        acc = body(acc, ready.await);
    }
    Ok(acc)
}

/// A body whose iterations are independent but for one add: its cost is
/// throughput, so what each await adds shows (a dependent chain like
/// [`body`] hides it behind its latency).
#[inline]
fn independent_body(acc: u64, i: u64) -> u64 {
    acc.wrapping_add((i ^ 0x9e37_79b9).wrapping_mul(0x2545_f491_4f6c_dd1d) >> 7)
}

/// Polls a future that completes without waiting.
fn run_ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("every awaited future is ready"),
    }
}

fn awaits(c: &mut Criterion) {
    let mut group = c.benchmark_group("async await loop");
    group.throughput(Throughput::Elements(ITERATIONS));
    group.bench_function("async fn", |b| {
        b.iter(|| run_ready(awaits_plain(black_box(ITERATIONS), body)));
    });
    group.bench_function("#[interruptible] async fn", |b| {
        b.iter(|| run_ready(awaits_instrumented(black_box(ITERATIONS), body)));
    });
    group.bench_function("async fn, independent body", |b| {
        b.iter(|| run_ready(awaits_plain(black_box(ITERATIONS), independent_body)));
    });
    group.bench_function("#[interruptible] async fn, independent body", |b| {
        b.iter(|| run_ready(awaits_instrumented(black_box(ITERATIONS), independent_body)));
    });
    let flag = AtomicBool::new(false);
    group.bench_function("async fn, hand-written checks, independent body", |b| {
        b.iter(|| {
            run_ready(awaits_hand_written(
                black_box(&flag),
                black_box(ITERATIONS),
                independent_body,
            ))
        });
    });
    group.finish();
}

fn vectorised(c: &mut Criterion) {
    let data = numbers();
    let flag = AtomicBool::new(false);
    let token = CancellationToken::new();
    let mut group = c.benchmark_group("vectorised sum");
    group.throughput(Throughput::Elements(data.len() as u64));
    group.bench_function("no check", |b| b.iter(|| sum_plain(black_box(&data))));
    group.bench_function("hand-written check per element", |b| {
        b.iter(|| sum_hand_written(&flag, black_box(&data)));
    });
    group.bench_function("CancellationToken::is_cancelled() per element", |b| {
        b.iter(|| sum_token(&token, black_box(&data)));
    });
    group.bench_function("gracefully::check() per element", |b| {
        b.iter(|| sum_free_check(black_box(&data)));
    });
    group.bench_function("#[interruptible], check per element", |b| {
        b.iter(|| sum_each(black_box(&data)));
    });
    group.bench_function("#[interruptible(every = 1024)]", |b| {
        b.iter(|| sum_every_1024(black_box(&data)));
    });
    group.bench_function("#[interruptible], #[no_checkpoint] inner loop", |b| {
        b.iter(|| sum_chunked(black_box(&data)));
    });
    group.finish();
}

/// The hand-written condvar idiom: a flag under a mutex, waited for...
fn wait_for_flag(pair: &(Mutex<bool>, Condvar)) -> MutexGuard<'_, bool> {
    let (flag, condvar) = pair;
    let mut flag = flag.lock().unwrap();
    while !*flag {
        flag = condvar.wait(flag).unwrap();
    }
    flag
}

/// ...and raised.
fn raise_flag(pair: &(Mutex<bool>, Condvar)) {
    *pair.0.lock().unwrap() = true;
    pair.1.notify_all();
}

/// Starts `n` threads blocked in `block`, then measures, `iters` times,
/// `wake` plus joining them all.
fn fan_out_once<T>(
    n: usize,
    spawn: impl Fn() -> T,
    wake: impl Fn(&[T]),
    join: impl Fn(Vec<T>),
) -> Duration {
    let threads: Vec<T> = (0..n).map(|_| spawn()).collect();
    // Long enough for every thread to be parked in the kernel.
    thread::sleep(Duration::from_millis(20 + n as u64 / 20));
    let start = Instant::now();
    wake(&threads);
    join(threads);
    start.elapsed()
}

/// Joins threads that a request stopped.
fn join_interrupted(threads: Vec<gracefully::JoinHandle<Result<(), ThreadExit>>>) {
    for thread in threads {
        assert!(thread.join().unwrap().is_err());
    }
}

fn park_until_interrupted() -> Result<(), ThreadExit> {
    loop {
        gracefully::park()?;
    }
}

/// Set in the environment of a child process of this benchmark binary, the
/// number of parked threads whose `shutdown` the child times. A shutdown
/// cannot be undone (every later scope starts interrupted), so each round
/// runs in a process of its own.
const SHUTDOWN_CHILD: &str = "INTERRUPT_BENCH_SHUTDOWN_THREADS";

/// In the child: times `shutdown` plus joining `n` parked threads, as
/// [`fan_out_once`] does for the other rows, and prints the nanoseconds.
fn shutdown_child(n: usize) {
    let elapsed = fan_out_once(
        n,
        || gracefully::spawn(park_until_interrupted),
        |_| {
            let report = gracefully::shutdown(Duration::from_secs(10));
            assert!(report.is_clean(), "{report}");
        },
        join_interrupted,
    );
    println!("{}", elapsed.as_nanos());
}

/// `iters` child processes, each timing one shutdown of `n` threads.
fn shutdown_rounds(iters: u64, n: usize) -> Duration {
    (0..iters)
        .map(|_| {
            let output = std::process::Command::new(std::env::current_exe().unwrap())
                .env(SHUTDOWN_CHILD, n.to_string())
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            Duration::from_nanos(stdout.trim().parse().unwrap())
        })
        .sum()
}

/// `iters` rounds of [`fan_out_once`]: `n` threads run a worker made for
/// the round by `make`, and `interrupt_all` stops them.
fn interrupt_all_rounds<W>(iters: u64, n: usize, make: impl Fn() -> W) -> Duration
where
    W: Fn() -> Result<(), ThreadExit> + Clone + Send + 'static,
{
    let elapsed = (0..iters)
        .map(|_| {
            let worker = make();
            fan_out_once(
                n,
                || gracefully::spawn(worker.clone()),
                |_| gracefully::interrupt_all(),
                join_interrupted,
            )
        })
        .sum();
    gracefully::clear(); // this thread was interrupted too
    elapsed
}

fn fan_out(c: &mut Criterion) {
    let mut group = c.benchmark_group("fan-out: stop N parked threads and join them");
    group.sample_size(10);
    for n in [8, 64, 512, 2048] {
        group.bench_function(format!("hand-written flag + unpark, {n} threads"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        fan_out_once(
                            n,
                            || {
                                let flag = Arc::new(AtomicBool::new(false));
                                let seen = Arc::clone(&flag);
                                let thread = thread::spawn(move || {
                                    while !seen.load(Ordering::Acquire) {
                                        thread::park();
                                    }
                                });
                                (flag, thread)
                            },
                            |threads| {
                                for (flag, thread) in threads {
                                    flag.store(true, Ordering::Release);
                                    thread.thread().unpark();
                                }
                            },
                            |threads| {
                                for (_, thread) in threads {
                                    thread.join().unwrap();
                                }
                            },
                        )
                    })
                    .sum()
            });
        });
        group.bench_function(format!("interrupt_all, {n} threads"), |b| {
            b.iter_custom(|iters| interrupt_all_rounds(iters, n, || park_until_interrupted));
        });
        group.bench_function(format!("shutdown, {n} threads"), |b| {
            b.iter_custom(|iters| shutdown_rounds(iters, n));
        });
    }
    group.finish();
}

fn fan_out_condvar(c: &mut Criterion) {
    let mut group = c.benchmark_group("fan-out: stop N threads in condvar waits and join them");
    group.sample_size(10);
    for n in [8, 64, 512, 2048] {
        group.bench_function(
            format!("hand-written flag + notify_all, {n} threads"),
            |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| {
                            let pair = Arc::new((Mutex::new(false), Condvar::new()));
                            fan_out_once(
                                n,
                                || {
                                    let pair = Arc::clone(&pair);
                                    thread::spawn(move || drop(wait_for_flag(&pair)))
                                },
                                |_| raise_flag(&pair),
                                |threads| {
                                    for thread in threads {
                                        thread.join().unwrap();
                                    }
                                },
                            )
                        })
                        .sum()
                });
            },
        );
        // Each round's threads share one condvar, as the hand-written ones do.
        group.bench_function(format!("interrupt_all, {n} threads"), |b| {
            b.iter_custom(|iters| {
                interrupt_all_rounds(iters, n, || {
                    let pair = Arc::new((Mutex::new(()), Condvar::new()));
                    move || -> Result<(), ThreadExit> {
                        let (lock, condvar) = &*pair;
                        drop(gracefully::wait_while(
                            condvar,
                            lock.lock().unwrap(),
                            |()| true,
                        )?);
                        Ok(())
                    }
                })
            });
        });
        group.bench_function(
            format!("interrupt_all, gracefully::Condvar, {n} threads"),
            |b| {
                b.iter_custom(|iters| {
                    interrupt_all_rounds(iters, n, || {
                        let pair = Arc::new((Mutex::new(()), gracefully::Condvar::new()));
                        move || -> Result<(), ThreadExit> {
                            let (lock, condvar) = &*pair;
                            drop(condvar.wait_while(lock.lock().unwrap(), |()| true)?);
                            Ok(())
                        }
                    })
                });
            },
        );
    }
    group.finish();
}

/// Awaits nothing that ever completes; only a request ends it.
#[interruptible]
async fn pending_until_interrupted() -> Result<(), ThreadExit> {
    std::future::pending::<()>().await;
    Ok(())
}

const TASKS: usize = 10_000;

/// Spawns [`TASKS`] tasks made by `task`, lets them all reach their pending
/// await, then measures `stop` plus awaiting every task's end.
async fn stop_tasks<T: Send + 'static>(
    task: impl Fn() -> tokio::task::JoinHandle<T>,
    stop: impl FnOnce(),
    check: impl Fn(T),
) -> Duration {
    let tasks: Vec<_> = (0..TASKS).map(|_| task()).collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let start = Instant::now();
    stop();
    for task in tasks {
        check(task.await.unwrap());
    }
    start.elapsed()
}

fn task_fan_out(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("async fan-out: stop 10,000 pending tokio tasks");
    group.sample_size(10);
    group.bench_function("CancellationToken + select!", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let token = CancellationToken::new();
                    runtime.block_on(stop_tasks(
                        || {
                            let token = token.clone();
                            tokio::spawn(async move {
                                tokio::select! {
                                    () = token.cancelled() => {}
                                    () = std::future::pending() => {}
                                }
                            })
                        },
                        || token.cancel(),
                        |()| {},
                    ))
                })
                .sum()
        });
    });
    group.bench_function("InterruptHandle::child + #[interruptible] async fn", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let parent = InterruptHandle::new();
                    runtime.block_on(stop_tasks(
                        || tokio::spawn(pending_until_interrupted().with_interrupt(parent.child())),
                        || {
                            parent.interrupt();
                        },
                        |result| assert!(result.is_err()),
                    ))
                })
                .sum()
        });
    });
    group.bench_function("interrupt_all + #[interruptible] async fn", |b| {
        b.iter_custom(|iters| {
            let elapsed = (0..iters)
                .map(|_| {
                    runtime.block_on(stop_tasks(
                        || {
                            tokio::spawn(
                                pending_until_interrupted().with_interrupt(InterruptHandle::new()),
                            )
                        },
                        gracefully::interrupt_all,
                        |result| assert!(result.is_err()),
                    ))
                })
                .sum();
            gracefully::clear(); // this thread was interrupted too
            elapsed
        });
    });
    group.finish();
}

/// Measures, `iters` times, the time from `wake()` on this thread to the
/// moment a worker blocked in `block()` runs again.
fn wake_latency(
    iters: u64,
    block: impl Fn() + Send + 'static,
    wake: impl Fn(&gracefully::JoinHandle<()>),
) -> Duration {
    let (go, rounds) = mpsc::channel::<()>();
    let (report, wake_times) = mpsc::channel::<Instant>();
    let worker = gracefully::spawn(move || {
        while rounds.recv().is_ok() {
            block();
            report.send(Instant::now()).unwrap();
        }
    });
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        go.send(()).unwrap();
        // Long enough for the worker to be asleep in the kernel.
        thread::sleep(Duration::from_micros(300));
        let start = Instant::now();
        wake(&worker);
        total += wake_times.recv().unwrap() - start;
    }
    drop(go);
    worker.join().unwrap();
    total
}

fn wake_ups(c: &mut Criterion) {
    let mut group = c.benchmark_group("wake-up latency");
    group.sample_size(20);

    group.bench_function("raw park/unpark", |b| {
        b.iter_custom(|iters| {
            let flag = Arc::new(AtomicBool::new(false));
            let seen = Arc::clone(&flag);
            wake_latency(
                iters,
                move || {
                    while !seen.swap(false, Ordering::Acquire) {
                        thread::park();
                    }
                },
                |worker| {
                    flag.store(true, Ordering::Release);
                    worker.thread().unpark();
                },
            )
        });
    });
    group.bench_function("gracefully::sleep interrupted", |b| {
        b.iter_custom(|iters| {
            wake_latency(
                iters,
                || {
                    assert!(gracefully::sleep(Duration::from_hours(1)).is_err());
                    gracefully::clear();
                },
                |worker| {
                    worker.interrupt();
                },
            )
        });
    });
    group.bench_function("gracefully::park interrupted", |b| {
        b.iter_custom(|iters| {
            wake_latency(
                iters,
                || {
                    while gracefully::park().is_ok() {}
                    gracefully::clear();
                },
                |worker| {
                    worker.interrupt();
                },
            )
        });
    });

    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    group.bench_function("raw condvar notify", |b| {
        b.iter_custom(|iters| {
            let shared = Arc::clone(&pair);
            wake_latency(
                iters,
                move || *wait_for_flag(&shared) = false,
                |_| raise_flag(&pair),
            )
        });
    });
    group.bench_function("gracefully::wait interrupted", |b| {
        b.iter_custom(|iters| {
            let shared = Arc::clone(&pair);
            wake_latency(
                iters,
                move || {
                    let (ready, condvar) = &*shared;
                    let mut guard = ready.lock().unwrap();
                    while let Ok(next) = gracefully::wait(condvar, guard) {
                        guard = next;
                    }
                    gracefully::clear();
                },
                |worker| {
                    worker.interrupt();
                },
            )
        });
    });
    #[cfg(unix)]
    io_wake_ups(&mut group);
    #[cfg(unix)]
    event_loop_wake_ups(&mut group);
    #[cfg(feature = "crossbeam")]
    channel_wake_ups(&mut group);
    group.finish();
}

#[cfg(unix)]
fn io_wake_ups(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    use gracefully::io::Interruptible;
    use rustix::event::{EventfdFlags, PollFd, PollFlags, eventfd, poll};
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};

    group.bench_function("raw eventfd write -> poll", |b| {
        b.iter_custom(|iters| {
            let fd = Arc::new(eventfd(0, EventfdFlags::CLOEXEC).unwrap());
            let waiting = Arc::clone(&fd);
            wake_latency(
                iters,
                move || {
                    let mut fds = [PollFd::new(&*waiting, PollFlags::IN)];
                    poll(&mut fds, None).unwrap();
                    let mut count = [0u8; 8];
                    rustix::io::read(&*waiting, &mut count).unwrap();
                },
                |_| {
                    rustix::io::write(&*fd, &1u64.to_ne_bytes()).unwrap();
                },
            )
        });
    });
    group.bench_function("Interruptible<UdpSocket> recv_from interrupted", |b| {
        b.iter_custom(|iters| {
            let socket = Arc::new(std::net::UdpSocket::bind("127.0.0.1:0").unwrap());
            let waiting = Arc::clone(&socket);
            wake_latency(
                iters,
                move || {
                    let mut buffer = [0; 16];
                    assert!(
                        Interruptible::new(&*waiting)
                            .recv_from(&mut buffer)
                            .is_err()
                    );
                    gracefully::clear();
                },
                |worker| {
                    worker.interrupt();
                },
            )
        });
    });
    group.bench_function("Interruptible<TcpStream> read interrupted", |b| {
        b.iter_custom(|iters| {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (server, _) = listener.accept().unwrap();
            let latency = wake_latency(
                iters,
                move || {
                    let mut buffer = [0; 16];
                    assert!(Interruptible::new(&server).read(&mut buffer).is_err());
                    gracefully::clear();
                },
                |worker| {
                    worker.interrupt();
                },
            );
            drop(client);
            latency
        });
    });
}

/// An event loop of one's own: `poll` on an idle socket and on what ends
/// the wait, a raw eventfd beside a `wake_fd`.
#[cfg(unix)]
fn event_loop_wake_ups(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
) {
    use rustix::event::{EventfdFlags, PollFd, PollFlags, eventfd, poll};

    group.bench_function("poll loop on a raw eventfd, written", |b| {
        b.iter_custom(|iters| {
            let fd = Arc::new(eventfd(0, EventfdFlags::CLOEXEC).unwrap());
            let waiting = Arc::clone(&fd);
            let (_idle, other) = std::os::unix::net::UnixStream::pair().unwrap();
            wake_latency(
                iters,
                move || {
                    // The loop's own descriptor stays idle; the eventfd ends it.
                    let mut fds = [
                        PollFd::new(&other, PollFlags::IN),
                        PollFd::new(&*waiting, PollFlags::IN),
                    ];
                    poll(&mut fds, None).unwrap();
                    let mut count = [0u8; 8];
                    rustix::io::read(&*waiting, &mut count).unwrap();
                },
                |_| {
                    rustix::io::write(&*fd, &1u64.to_ne_bytes()).unwrap();
                },
            )
        });
    });
    group.bench_function("poll loop on a wake_fd, interrupted", |b| {
        b.iter_custom(|iters| {
            let (_idle, other) = std::os::unix::net::UnixStream::pair().unwrap();
            // Made on the worker, once: a loop keeps its wake descriptor.
            let wake = std::sync::OnceLock::new();
            wake_latency(
                iters,
                move || {
                    let wake = wake.get_or_init(|| gracefully::current().wake_fd().unwrap());
                    let mut fds = [
                        PollFd::new(&other, PollFlags::IN),
                        PollFd::new(wake, PollFlags::IN),
                    ];
                    poll(&mut fds, None).unwrap();
                    gracefully::clear();
                },
                |worker| {
                    worker.interrupt();
                },
            )
        });
    });
}

#[cfg(feature = "crossbeam")]
fn channel_wake_ups(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.bench_function("raw crossbeam send -> recv", |b| {
        b.iter_custom(|iters| {
            let (tx, rx) = crossbeam_channel::bounded::<()>(1);
            wake_latency(iters, move || rx.recv().unwrap(), |_| tx.send(()).unwrap())
        });
    });
    group.bench_function("channel::recv interrupted", |b| {
        b.iter_custom(|iters| {
            let (tx, rx) = crossbeam_channel::bounded::<()>(1);
            let latency = wake_latency(
                iters,
                move || {
                    assert!(gracefully::channel::recv(&rx).is_err());
                    gracefully::clear();
                },
                |worker| {
                    worker.interrupt();
                },
            );
            drop(tx);
            latency
        });
    });
}

/// A time limit around an operation that is ready at once: what a protocol
/// pays to wrap each read in a limit, beside the bare read and the
/// hand-written socket timeout.
fn limits(c: &mut Criterion) {
    let mut group = c.benchmark_group("time limit around a ready operation");
    let limit = Duration::from_secs(10);
    #[cfg(unix)]
    {
        use std::io::{Read, Write};
        use std::os::unix::net::UnixStream;

        let (mut writer, reader) = UnixStream::pair().unwrap();
        let mut ready_read = move |reader: &mut dyn Read| {
            writer.write_all(&[1]).unwrap();
            let mut byte = [0; 1];
            reader.read_exact(&mut byte).unwrap();
            byte[0]
        };
        let mut plain = reader.try_clone().unwrap();
        group.bench_function("ready read (bare)", |b| b.iter(|| ready_read(&mut plain)));
        group.bench_function(
            "ready read, set_read_timeout each time (hand-written)",
            |b| {
                b.iter(|| {
                    plain.set_read_timeout(Some(limit)).unwrap();
                    let byte = ready_read(&mut plain);
                    plain.set_read_timeout(None).unwrap();
                    byte
                });
            },
        );
        let mut wrapped = gracefully::io::Interruptible::new(reader);
        group.bench_function("ready Interruptible read (bare)", |b| {
            b.iter(|| ready_read(&mut wrapped));
        });
        group.bench_function("ready Interruptible read in gracefully::within", |b| {
            b.iter(|| gracefully::within(limit, || ready_read(&mut wrapped)));
        });
    }
    group.bench_function("nothing in gracefully::within", |b| {
        b.iter(|| gracefully::within(limit, || black_box(1)));
    });

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    group.bench_function("ready future (bare)", |b| {
        b.iter(|| runtime.block_on(async { std::future::ready(black_box(1)).await }));
    });
    group.bench_function("ready future in tokio::time::timeout", |b| {
        b.iter(|| {
            runtime.block_on(async {
                tokio::time::timeout(limit, std::future::ready(black_box(1))).await
            })
        });
    });
    group.bench_function("ready future .within()", |b| {
        b.iter(|| runtime.block_on(async { std::future::ready(black_box(1)).within(limit).await }));
    });
    group.finish();
}

/// Spawning 8 threads that borrow a slice and joining them: what a group's
/// child scopes, outcomes and records add to `std::thread::scope`.
fn thread_groups(c: &mut Criterion) {
    const THREADS: u64 = 8;
    let data: Vec<u64> = (0..1024).collect();
    let mut group = c.benchmark_group("spawn and join 8 scoped threads");
    group.bench_function("std::thread::scope", |b| {
        b.iter(|| {
            thread::scope(|s| {
                let handles: Vec<_> = (0..THREADS)
                    .map(|n| {
                        let data = &data;
                        s.spawn(move || data.iter().map(|x| x ^ n).sum::<u64>())
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
            })
        });
    });
    group.bench_function("gracefully::group", |b| {
        b.iter(|| {
            gracefully::group(|g| {
                for n in 0..THREADS {
                    let data = &data;
                    g.spawn(move || Ok::<_, ThreadExit>(data.iter().map(|x| x ^ n).sum::<u64>()));
                }
            })
            .into_outcomes()
            .into_iter()
            .filter_map(gracefully::Outcome::ok)
            .sum::<u64>()
        });
    });
    group.finish();
}

/// How many members the task-group rows run; the one at `GROUP_TASKS / 2`
/// fails at once.
const GROUP_TASKS: u32 = 10_000;

/// The errgroup idiom on tokio: a `JoinSet` of tasks that each race a
/// `CancellationToken`, cancelled on the first error, and drained.
async fn join_set_until_first_error() -> Result<(), u32> {
    let token = CancellationToken::new();
    let mut set = tokio::task::JoinSet::new();
    for n in 0..GROUP_TASKS {
        let token = token.clone();
        set.spawn(async move {
            if n == GROUP_TASKS / 2 {
                return Err(n);
            }
            token.cancelled().await;
            Ok(())
        });
    }
    let mut first = None;
    while let Some(joined) = set.join_next().await {
        if let Err(n) = joined.expect("no task panics") {
            token.cancel();
            first.get_or_insert(n);
        }
    }
    first.map_or(Ok(()), Err)
}

/// The same members in a `TaskGroup`.
async fn task_group_until_first_error() -> Result<(), u32> {
    let mut tasks = gracefully::TaskGroup::<(), u32>::new();
    for n in 0..GROUP_TASKS {
        tasks.add(async move {
            if n == GROUP_TASKS / 2 {
                return Err(n);
            }
            gracefully::interrupted().await;
            Err(u32::MAX) // a stop, which the group tells from the failure
        });
    }
    tasks.await.into_result()
}

fn task_groups(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("task group: 10,000 futures, one fails");
    group.sample_size(20);
    group.bench_function("JoinSet + CancellationToken", |b| {
        b.iter(|| {
            let result = runtime.block_on(join_set_until_first_error());
            assert_eq!(result, Err(GROUP_TASKS / 2));
        });
    });
    group.bench_function("gracefully::TaskGroup", |b| {
        b.iter(|| {
            let result = runtime.block_on(task_group_until_first_error());
            assert_eq!(result, Err(GROUP_TASKS / 2));
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = loops, awaits, limits, wake_ups, vectorised, fan_out, fan_out_condvar, task_fan_out,
        thread_groups, task_groups
}
fn main() {
    if let Ok(threads) = std::env::var(SHUTDOWN_CHILD) {
        shutdown_child(threads.parse().expect("a thread count"));
        return;
    }
    // What `criterion_main!(benches)` expands to.
    benches();
    Criterion::default().configure_from_args().final_summary();
}
