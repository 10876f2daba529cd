//! The facade names every public item of the runtime and the macros.

#![allow(unused_imports)]

use gracefully::{
    Builder, Cause, CriticalGuard, Deadline, FutureExt, InterruptHandle, JoinError, JoinHandle,
    JoinInterrupted, OnInterrupt, ShutdownReport, Straggler, ThreadExit, WithInterrupt, catch_exit,
    check, clear, critical, critical_section, current, interrupt_all, interruptible,
    interruption_requested, live_scopes, park, park_timeout, shutdown, sleep, spawn, wait,
    wait_timeout, wait_while,
};

#[cfg(unix)]
use gracefully::io::Interruptible;
#[cfg(target_os = "linux")]
use gracefully::io::signal_on_interrupt;

#[cfg(all(unix, feature = "signals"))]
use gracefully::signals::{SecondSignal, Signals, SignalsHandle, install};

#[cfg(feature = "crossbeam")]
use gracefully::channel::{RecvError, RecvTimeoutError, recv, recv_timeout};

#[test]
fn every_public_item_is_reachable_from_the_facade() {
    // Naming the items above is the test; this checks one of each kind.
    let _: fn() -> InterruptHandle = current;
    let _: Option<(
        Deadline,
        OnInterrupt,
        JoinInterrupted<()>,
        ShutdownReport,
        Straggler,
    )> = None;
}
