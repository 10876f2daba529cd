//! A `#[gracefully::main(second = "ignore")]` program, for
//! `tests/main_exit.rs`: it waits for a signal, reports it, then reads a
//! line from stdin (more signals may come meanwhile), reports that it
//! finished, and returns.

use std::time::Duration;

#[gracefully::main(second = "ignore")]
fn main() {
    println!("ready");
    let stopped = loop {
        if let Err(exit) = gracefully::sleep(Duration::from_mins(1)) {
            break exit;
        }
    };
    println!("stopped: {stopped}");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    println!("finished");
}
