//! Expansions compile without a warning under strict lints (and under the
//! workspace's clippy `pedantic` set, which CI runs on this file).

#![deny(warnings, unused_qualifications, unused_results, unreachable_pub)]

use gracefully::{ThreadExit, critical, interruptible};

#[interruptible]
fn default_mode(items: &[u32]) -> Result<u32, ThreadExit> {
    let mut total = 0;
    for item in items {
        total += item;
    }
    Ok(total)
}

#[interruptible(unwind)]
fn unwind_mode(n: u32) -> u32 {
    let mut i = 0;
    while i < n {
        i += 1;
    }
    i
}

#[interruptible(every = 8, unwind)]
fn every_mode(n: u32) -> u32 {
    let mut i = 0;
    loop {
        if i == n {
            break i;
        }
        i += 1;
    }
}

#[interruptible(every = 8)]
fn every_with_a_compiled_out_loop() -> Result<u32, ThreadExit> {
    #[cfg(any())]
    for _ in 0..1 {}
    let mut i = 0;
    while i < 2 {
        i += 1;
    }
    Ok(i)
}

#[interruptible(crate = ::gracefully)]
fn explicit_crate(n: u32) -> Result<u32, ThreadExit> {
    let mut i = 0;
    while i < n {
        i += 1;
    }
    Ok(i)
}

#[interruptible]
fn no_loop() -> u32 {
    7
}

#[interruptible]
async fn async_fn_with_a_loop(n: u32) -> Result<u32, ThreadExit> {
    let mut i = 0;
    while i < n {
        i += std::future::ready(1).await;
    }
    Ok(i)
}

struct Pump {
    step: u32,
}

#[interruptible(unwind)]
impl Pump {
    fn run(&self, n: u32) -> u32 {
        let mut i = 0;
        for _ in 0..n {
            i += self.step;
        }
        i
    }
}

fn section() -> Result<u32, ThreadExit> {
    let value = critical! {
        gracefully::check()?;
        1
    };
    Ok(value)
}

#[test]
fn expansions_run() {
    assert_eq!(default_mode(&[1, 2]).unwrap(), 3);
    assert_eq!(unwind_mode(2), 2);
    assert_eq!(every_mode(20), 20);
    assert_eq!(every_with_a_compiled_out_loop().unwrap(), 2);
    assert_eq!(explicit_crate(2).unwrap(), 2);
    assert_eq!(no_loop(), 7);
    drop(async_fn_with_a_loop(1));
    assert_eq!(Pump { step: 1 }.run(3), 3);
    assert_eq!(section().unwrap(), 1);
}
