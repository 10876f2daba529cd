//! A `#[gracefully::main]` program for the exit-status tests in
//! `tests/main_exit.rs`. It waits for a signal, then returns the error its
//! first argument names: `exit`, `io` or `chain` (a `ThreadExit` boxed
//! directly, inside an `io::Error`, or at the end of a `source` chain),
//! `other` (an error that is not a stop), `straggler` (the same, with a
//! thread that ignores requests), or `where` (stragglers in a sleep and a
//! read inside critical sections, in a critical section, and running; it
//! prints where each was opened).

use std::error::Error;
use std::fmt;
use std::time::Duration;

use gracefully::{ThreadExit, critical};

/// An error whose `source` is the `io::Error` it wraps.
#[derive(Debug)]
struct Wrapped(std::io::Error);

impl fmt::Display for Wrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the job failed")
    }
}

impl Error for Wrapped {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

fn wait_for_a_request() -> ThreadExit {
    loop {
        if let Err(exit) = gracefully::sleep(Duration::from_mins(1)) {
            return exit;
        }
    }
}

#[gracefully::main(grace = "200ms")]
fn main() -> Result<(), Box<dyn Error>> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    if mode == "where" {
        gracefully::Builder::new()
            .name("waiting".into())
            .spawn(|| {
                critical! {
                    println!("wait at line {}", line!() + 1);
                    let _ = gracefully::sleep(Duration::from_secs(5));
                }
            })?;
        gracefully::Builder::new().name("saving".into()).spawn(|| {
            println!("section at line {}", line!() + 1);
            critical! {
                std::thread::sleep(Duration::from_secs(5));
            }
        })?;
        let (stream, peer) = std::os::unix::net::UnixStream::pair()?;
        gracefully::Builder::new()
            .name("reading".into())
            .spawn(move || {
                let _peer = peer; // open, silent
                let mut stream = gracefully::io::Interruptible::new(stream);
                critical! {
                    println!("read at line {}", line!() + 1);
                    let _ = std::io::Read::read(&mut stream, &mut [0; 8]);
                }
            })?;
        gracefully::Builder::new()
            .name("busy".into())
            .spawn(|| std::thread::sleep(Duration::from_secs(5)))?;
    }
    if mode == "straggler" {
        let _stubborn = gracefully::spawn(|| std::thread::sleep(Duration::from_secs(5)));
    }
    println!("ready");
    let stopped = wait_for_a_request();
    match mode.as_str() {
        "exit" => Err(Box::new(stopped)),
        "io" => Err(Box::new(std::io::Error::from(stopped))),
        "chain" => Err(Box::new(Wrapped(std::io::Error::from(stopped)))),
        _ => Err("disk full".into()),
    }
}
