//! Stress and leak tests: 100,000 threads interrupted at random moments,
//! and 1,000,000 requests racing critical sections.
//!
//! One test per concern, run one after the other in a single test: the
//! registry count and the process's memory are process-wide.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use common::{Rng, STOP_BOUND, join_within};
use gracefully::ThreadExit;

/// The process's resident set, in KiB (Linux), for a leak check.
fn resident_kib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4)
}

fn hundred_thousand_threads(rng: &mut Rng) {
    const THREADS: usize = 100_000;
    const BATCH: usize = 50;
    let _ = gracefully::current();
    let before = gracefully::live_scopes();
    let mut warmed = None;
    for batch in 0..THREADS / BATCH {
        let workers: Vec<_> = (0..BATCH)
            .map(|n| {
                gracefully::spawn(move || -> Result<(), ThreadExit> {
                    // A little work, then a wait: requests land in either.
                    for _ in 0..n * 20 {
                        gracefully::check()?;
                        std::hint::spin_loop();
                    }
                    gracefully::sleep(std::time::Duration::from_hours(1))
                })
            })
            .collect();
        for worker in workers {
            rng.spin(200);
            worker.interrupt();
            assert!(join_within(worker, "worker").unwrap().is_err());
        }
        if batch == 200 {
            warmed = resident_kib(); // after 10,000 threads
        }
    }
    assert_eq!(
        gracefully::live_scopes(),
        before,
        "the registry is back at its size"
    );
    if let (Some(warmed), Some(after)) = (warmed, resident_kib()) {
        // Flat: 90,000 more threads may not add more than a few MiB.
        assert!(
            after.saturating_sub(warmed) < 16 * 1024,
            "resident memory grew from {warmed} KiB to {after} KiB"
        );
    }
}

fn a_million_requests_racing_critical_sections() {
    const REQUESTS: u64 = 1_000_000;
    let delivered = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let (seen, finished) = (Arc::clone(&delivered), Arc::clone(&done));
    let worker = gracefully::spawn(move || {
        let mut count = 0;
        while !finished.load(Ordering::Acquire) || gracefully::interruption_requested() {
            {
                let _section = gracefully::critical_section();
                assert!(gracefully::check().is_ok(), "delivered inside a section");
            }
            let was_requested = gracefully::interruption_requested();
            if gracefully::check().is_err() {
                assert!(gracefully::clear().is_some());
                count += 1;
                seen.store(count, Ordering::Release);
            } else {
                assert!(!was_requested, "not delivered at the first point outside");
            }
        }
        count
    });
    let handle = worker.handle().clone();
    let deadline = Instant::now() + STOP_BOUND * 3;
    for sent in 1..=REQUESTS {
        // The previous request was delivered and cleared: this one sets
        // the flag anew, so every request is counted once.
        while delivered.load(Ordering::Acquire) < sent - 1 {
            assert!(Instant::now() < deadline, "request {} was lost", sent - 1);
            std::hint::spin_loop();
        }
        handle.interrupt();
    }
    done.store(true, Ordering::Release);
    assert_eq!(join_within(worker, "sections").unwrap(), REQUESTS);
}

#[test]
fn stress() {
    let mut rng = Rng::new(31);
    hundred_thousand_threads(&mut rng);
    a_million_requests_racing_critical_sections();
}
