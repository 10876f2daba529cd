//! A `#[gracefully::main]` program with every signal option, for
//! `tests/main_exit.rs`: it handles SIGUSR1 and SIGTERM only, calls
//! `on_second` for a second signal, and after a clean stop caused by a
//! signal ends by that signal. It waits for a signal, reports it, waits
//! until a second one has been seen, and returns `Ok`. With the argument
//! `now` it returns at once instead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static SECOND: AtomicBool = AtomicBool::new(false);

fn on_second(signal: i32) {
    println!("second signal: {signal}");
    SECOND.store(true, Ordering::SeqCst);
}

#[gracefully::main(grace = "10s", second = on_second, exit = "signal", signals = [SIGUSR1, SIGTERM])]
fn main() {
    if std::env::args().nth(1).as_deref() == Some("now") {
        println!("done");
        return;
    }
    println!("ready");
    let stopped = loop {
        if let Err(exit) = gracefully::sleep(Duration::from_mins(1)) {
            break exit;
        }
    };
    println!("stopped: {stopped}");
    let start = Instant::now();
    while !SECOND.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(1));
    }
}
