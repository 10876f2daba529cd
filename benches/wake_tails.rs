//! Wake-up latency with its tail: the median and the 90th and 99th
//! percentiles of each kind of interrupted wait, beside raw `park`/`unpark`
//! in the same run, with the requester yielding after the request and with
//! it keeping its CPU busy (as a busy program does after `interrupt_all`).
//!
//! `cargo bench --bench wake_tails` (`-- --rounds N`, default 600;
//! `-- --only NAME,NAME` measures only those kinds beside the raw ones;
//! with `--features crossbeam`, the channel kinds too). Each
//! round blocks every kind's waiter, sends each its wake-up 1 ms after it
//! blocked, and takes the time from the call to the waiter running again,
//! stamped by the waiter; the kinds are interleaved, in a new order each
//! round.
//! Criterion's estimates are means; this prints the percentiles a tail
//! needs.
//!
//! On Linux with two CPUs or more, the requester runs on CPU 0, and each
//! table is measured twice: with the waiters on CPU 1, and with them on
//! CPU 0 beside the requester (as in a program with more busy threads
//! than CPUs). Left to the scheduler, the placement would decide the tail.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The kind every ratio is taken to unless it names another.
const RAW_PARK: &str = "raw park/unpark";

/// What wakes a waiter, given its thread.
type Wake = Box<dyn Fn(&gracefully::JoinHandle<()>)>;

/// One kind of wait: what the waiter blocks in, and what wakes it.
struct Kind {
    name: &'static str,
    /// The raw kind its ratios are taken to.
    against: &'static str,
    block: Arc<dyn Fn() + Send + Sync>,
    wake: Wake,
}

impl Kind {
    /// Takes the kind's ratios to the raw kind named `raw`.
    fn against(self, raw: &'static str) -> Self {
        Self {
            against: raw,
            ..self
        }
    }
}

/// A waiter thread of one kind, blocking once per `go`.
struct Waiter {
    go: mpsc::Sender<()>,
    woke: mpsc::Receiver<Instant>,
    handle: gracefully::JoinHandle<()>,
}

fn start(kind: &Kind, cpu: usize) -> Waiter {
    let (go, rounds) = mpsc::channel::<()>();
    let (report, woke) = mpsc::channel::<Instant>();
    let block = Arc::clone(&kind.block);
    let handle = gracefully::spawn(move || {
        pin_to(cpu);
        while rounds.recv().is_ok() {
            block();
            report.send(Instant::now()).unwrap();
        }
    });
    Waiter { go, woke, handle }
}

fn kinds() -> Vec<Kind> {
    let mut kinds = Vec::new();
    let flag = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&flag);
    kinds.push(Kind {
        against: RAW_PARK,
        name: RAW_PARK,
        block: Arc::new(move || {
            while !seen.swap(false, Ordering::Acquire) {
                thread::park();
            }
        }),
        wake: Box::new(move |waiter| {
            flag.store(true, Ordering::Release);
            waiter.thread().unpark();
        }),
    });
    // What `sleep` parks with: a deadline, so `park_timeout`.
    let flag = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&flag);
    kinds.push(Kind {
        against: RAW_PARK,
        name: "raw park_timeout/unpark",
        block: Arc::new(move || {
            while !seen.swap(false, Ordering::Acquire) {
                thread::park_timeout(Duration::from_hours(1));
            }
        }),
        wake: Box::new(move |waiter| {
            flag.store(true, Ordering::Release);
            waiter.thread().unpark();
        }),
    });
    kinds.push(interrupted_on("sleep", (), |()| {
        assert!(gracefully::sleep(Duration::from_hours(1)).is_err());
    }));
    kinds.push(interrupted_on("park", (), |()| {
        while gracefully::park().is_ok() {}
    }));
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let shared = Arc::clone(&pair);
    kinds.push(Kind {
        against: RAW_PARK,
        name: "raw condvar notify",
        block: Arc::new(move || {
            let (ready, condvar) = &*shared;
            let mut ready = ready.lock().unwrap();
            while !*ready {
                ready = condvar.wait(ready).unwrap();
            }
            *ready = false;
        }),
        wake: Box::new(move |_| {
            *pair.0.lock().unwrap() = true;
            pair.1.notify_all();
        }),
    });
    kinds.push(condvar_kind::<Condvar>("wait", |(lock, condvar)| {
        let mut guard = lock.lock().unwrap();
        while let Ok(next) = gracefully::wait(condvar, guard) {
            guard = next;
        }
    }));
    kinds.push(condvar_kind::<Condvar>(
        "wait_timeout",
        |(lock, condvar)| {
            let mut guard = lock.lock().unwrap();
            while let Ok((next, _)) =
                gracefully::wait_timeout(condvar, guard, Duration::from_hours(1))
            {
                guard = next;
            }
        },
    ));
    kinds.push(condvar_kind::<Condvar>("wait_while", |(lock, condvar)| {
        let guard = lock.lock().unwrap();
        assert!(gracefully::wait_while(condvar, guard, |ready| !*ready).is_err());
    }));
    kinds.extend(own_condvar_kinds());
    #[cfg(unix)]
    kinds.extend(io_kinds());
    #[cfg(feature = "crossbeam")]
    kinds.extend(channel_kinds());
    kinds
}

/// An interrupted wait that `block` makes, given what it waits on.
fn interrupted_on<T: Send + Sync + 'static>(name: &'static str, on: T, block: fn(&T)) -> Kind {
    Kind {
        against: RAW_PARK,
        name,
        block: Arc::new(move || {
            block(&on);
            gracefully::clear();
        }),
        wake: Box::new(|waiter| {
            waiter.interrupt();
        }),
    }
}

/// Reads and sockets: a raw eventfd written and polled, beside interrupted
/// `Interruptible` reads of idle sockets.
#[cfg(unix)]
fn io_kinds() -> Vec<Kind> {
    use gracefully::io::Interruptible;
    use rustix::event::{EventfdFlags, PollFd, PollFlags, eventfd, poll};
    use std::io::Read;

    const RAW_EVENTFD: &str = "raw eventfd write → poll";
    let fd = Arc::new(eventfd(0, EventfdFlags::CLOEXEC).unwrap());
    let waiting = Arc::clone(&fd);
    let raw = Kind {
        against: RAW_EVENTFD,
        name: RAW_EVENTFD,
        block: Arc::new(move || {
            let mut fds = [PollFd::new(&*waiting, PollFlags::IN)];
            poll(&mut fds, None).unwrap();
            rustix::io::read(&*waiting, &mut [0; 8]).unwrap();
        }),
        wake: Box::new(move |_| {
            rustix::io::write(&*fd, &1u64.to_ne_bytes()).unwrap();
        }),
    };
    let (stream, peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    vec![
        raw,
        interrupted_on(
            "Interruptible<UnixStream> read",
            (stream, peer),
            |(stream, _)| {
                assert!(Interruptible::new(stream).read(&mut [0; 16]).is_err());
            },
        )
        .against(RAW_EVENTFD),
        interrupted_on("Interruptible<UdpSocket> recv_from", udp, |udp| {
            assert!(Interruptible::new(udp).recv_from(&mut [0; 16]).is_err());
        })
        .against(RAW_EVENTFD),
    ]
}

/// A raw crossbeam send → recv beside an interrupted `channel::recv`.
#[cfg(feature = "crossbeam")]
fn channel_kinds() -> Vec<Kind> {
    const RAW_CROSSBEAM: &str = "raw crossbeam send → recv";
    let (sender, receiver) = crossbeam_channel::unbounded::<()>();
    let (idle_sender, idle) = crossbeam_channel::unbounded::<()>();
    let (idle_raw_sender, idle_raw) = crossbeam_channel::unbounded::<()>();
    let (signal_sender, signal) = crossbeam_channel::bounded::<()>(1);
    vec![
        Kind {
            against: RAW_CROSSBEAM,
            name: RAW_CROSSBEAM,
            block: Arc::new(move || receiver.recv().unwrap()),
            wake: Box::new(move |_| sender.send(()).unwrap()),
        },
        // What `channel::recv` blocks in: a `select!` of the receiver, a
        // channel of its own that a request sends on, and a timer.
        Kind {
            against: RAW_CROSSBEAM,
            name: "raw crossbeam select! of 3, send",
            block: Arc::new(move || {
                let _connected = &idle_raw_sender;
                let never = crossbeam_channel::never::<()>();
                crossbeam_channel::select! {
                    recv(idle_raw) -> _ => unreachable!("nothing is sent on it"),
                    recv(signal) -> message => message.unwrap(),
                    recv(never) -> _ => unreachable!("never"),
                }
            }),
            wake: Box::new(move |_| signal_sender.send(()).unwrap()),
        },
        interrupted_on("channel::recv", (idle_sender, idle), |(_, idle)| {
            assert!(gracefully::channel::recv(idle).is_err());
        })
        .against(RAW_CROSSBEAM),
    ]
}

/// The interrupted waits of a `gracefully::Condvar`.
fn own_condvar_kinds() -> Vec<Kind> {
    vec![
        condvar_kind::<gracefully::Condvar>("Condvar::wait", |(lock, condvar)| {
            let mut guard = lock.lock().unwrap();
            while let Ok(next) = condvar.wait(guard) {
                guard = next;
            }
        }),
        condvar_kind::<gracefully::Condvar>("Condvar::wait_timeout", |(lock, condvar)| {
            let mut guard = lock.lock().unwrap();
            while let Ok((next, _)) = condvar.wait_timeout(guard, Duration::from_hours(1)) {
                guard = next;
            }
        }),
        condvar_kind::<gracefully::Condvar>("Condvar::wait_while", |(lock, condvar)| {
            let guard = lock.lock().unwrap();
            assert!(condvar.wait_while(guard, |ready| !*ready).is_err());
        }),
        condvar_kind::<gracefully::Condvar>("Condvar::wait_timeout_while", |(lock, condvar)| {
            let guard = lock.lock().unwrap();
            let waited =
                condvar.wait_timeout_while(guard, Duration::from_hours(1), |ready| !*ready);
            assert!(waited.is_err());
        }),
    ]
}

/// An interrupted condvar wait on a condvar of type `C`, `block`ing on a
/// pair of its own.
fn condvar_kind<C: Default + Send + Sync + 'static>(
    name: &'static str,
    block: fn(&(Mutex<bool>, C)),
) -> Kind {
    interrupted_on(name, (Mutex::new(false), C::default()), block)
}

/// What the requester does between the wake-up call and collecting the
/// stamp.
#[derive(Clone, Copy)]
enum Requester {
    /// Blocks at once (the stamp's channel).
    Yields,
    /// Computes for 300 µs first.
    Busy,
}

/// How many CPUs the process may use, read before any thread is pinned (a
/// pinned thread's `available_parallelism` counts only its own CPU).
static CPUS: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| thread::available_parallelism().map_or(1, usize::from));

/// Runs the calling thread on `cpu` only (Linux, when there is more than
/// one CPU); elsewhere does nothing.
fn pin_to(cpu: usize) {
    #[cfg(target_os = "linux")]
    if *CPUS > cpu.max(1) {
        // SAFETY: `cpu_set_t` is a plain C bit set for which all zeroes is
        // valid (the empty set); `CPU_SET` writes inside it, and
        // `sched_setaffinity` only reads it for the calling thread (pid 0).
        let pinned = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &raw const set)
        };
        assert_eq!(
            pinned,
            0,
            "sched_setaffinity to CPU {cpu}: {}",
            std::io::Error::last_os_error()
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cpu;
}

fn spin_for(duration: Duration) {
    let start = Instant::now();
    let mut x = 1_u64;
    while start.elapsed() < duration {
        for _ in 0..64 {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).rotate_left(7));
        }
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[index]
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// Fisher–Yates with a xorshift generator: the same orders in every run.
fn shuffle(order: &mut [usize], state: &mut u64) {
    for i in (1..order.len()).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        #[allow(clippy::cast_possible_truncation, reason = "taken modulo a usize")]
        let j = (*state % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}

fn measure(kinds: &[Kind], rounds: usize, requester: Requester, cpu: usize) -> Vec<Vec<Duration>> {
    let waiters: Vec<Waiter> = kinds.iter().map(|kind| start(kind, cpu)).collect();
    let mut samples = vec![Vec::with_capacity(rounds); kinds.len()];
    // Each round takes the kinds in a new order: in one fixed order, the
    // first interrupted kind after a raw one was measured up to 0.6× slower
    // than the same kind after another interrupted one.
    let mut order: Vec<usize> = (0..kinds.len()).collect();
    let mut random = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..rounds {
        shuffle(&mut order, &mut random);
        for &n in &order {
            let (kind, waiter) = (&kinds[n], &waiters[n]);
            waiter.go.send(()).unwrap();
            thread::sleep(Duration::from_millis(1)); // blocked in the kernel by now
            let start = Instant::now();
            (kind.wake)(&waiter.handle);
            if let Requester::Busy = requester {
                spin_for(Duration::from_micros(300));
            }
            let woke = waiter.woke.recv().unwrap();
            samples[n].push(woke.saturating_duration_since(start));
        }
    }
    for waiter in waiters {
        drop(waiter.go);
        waiter.handle.join().unwrap();
    }
    for kind in &mut samples {
        kind.sort_unstable();
    }
    samples
}

fn main() {
    let option = |name: &str| std::env::args().skip_while(|arg| arg != name).nth(1);
    let rounds = option("--rounds").map_or(600, |rounds| rounds.parse().expect("--rounds N"));
    let only = option("--only");
    // The runtime's timer thread starts on its first job and inherits the
    // affinity of the thread that schedules it: start it before pinning.
    drop(gracefully::InterruptHandle::new().interrupt_after(Duration::from_hours(1)));
    std::sync::LazyLock::force(&CPUS);
    pin_to(0);
    let mut kinds = kinds();
    if let Some(only) = only {
        let names: Vec<&str> = only.split(',').collect();
        for name in &names {
            assert!(
                kinds.iter().any(|kind| kind.name == *name),
                "--only: no kind named {name:?}"
            );
        }
        kinds.retain(|kind| kind.name.starts_with("raw") || names.contains(&kind.name));
    }
    println!(
        "{rounds} rounds per kind, kinds interleaved; times from the call to the waiter running again"
    );
    let placements: &[(&str, usize)] = if *CPUS > 1 {
        &[
            ("waiters on CPU 1", 1),
            ("waiters on CPU 0, the requester's", 0),
        ]
    } else {
        &[("one CPU", 0)]
    };
    for &(placement, cpu) in placements {
        for requester in [Requester::Yields, Requester::Busy] {
            let samples = measure(&kinds, rounds, requester, cpu);
            let raw = |name| {
                let index = kinds.iter().position(|kind| kind.name == name).unwrap();
                let sorted = &samples[index];
                (
                    percentile(sorted, 0.5),
                    percentile(sorted, 0.9),
                    percentile(sorted, 0.99),
                )
            };
            let label = match requester {
                Requester::Yields => "requester yields after the call",
                Requester::Busy => "requester busy for 300 µs after the call",
            };
            println!("\n{placement}, {label}");
            println!(
                "| kind | median | p90 | p99 | ratio to | median ratio | p90 ratio | p99 ratio |"
            );
            println!("|---|---|---|---|---|---|---|---|");
            for (kind, sorted) in kinds.iter().zip(&samples) {
                let (median, p90, p99) = (
                    percentile(sorted, 0.5),
                    percentile(sorted, 0.9),
                    percentile(sorted, 0.99),
                );
                let (raw_median, raw_p90, raw_p99) = raw(kind.against);
                println!(
                    "| {} | {:.2} µs | {:.2} µs | {:.2} µs | {} | {:.2} | {:.2} | {:.2} |",
                    kind.name,
                    micros(median),
                    micros(p90),
                    micros(p99),
                    kind.against,
                    micros(median) / micros(raw_median),
                    micros(p90) / micros(raw_p90),
                    micros(p99) / micros(raw_p99),
                );
            }
        }
    }
}
