//! `io::signal_on_interrupt` (Linux): plain blocking system calls end with
//! `EINTR` on a request, never inside a critical section, and nothing is
//! signalled after the mode is off or the thread is gone.

#![cfg(target_os = "linux")]

mod common;

use std::io::{self, Read, Write};
use std::time::Duration;

use common::{Rng, join_within};
use gracefully::ThreadExit;
use gracefully::io::signal_on_interrupt;

#[test]
fn a_plain_std_read_ends_with_eintr_on_a_request() {
    let (mut reader, _writer) = io::pipe().unwrap();
    let worker = gracefully::spawn(move || {
        signal_on_interrupt(true).unwrap();
        let plain = reader.read(&mut [0; 8]);
        (plain.map_err(|e| e.kind()), gracefully::check())
    });
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    let (plain, check) = join_within(worker, "reader").unwrap();
    assert_eq!(plain, Err(io::ErrorKind::Interrupted));
    assert!(check.is_err());
}

#[test]
fn a_request_at_any_moment_ends_a_loop_of_plain_reads() {
    let mut rng = Rng::new(23);
    for _ in 0..200 {
        let (mut reader, writer) = io::pipe().unwrap();
        let worker = gracefully::spawn(move || -> Result<(), ThreadExit> {
            signal_on_interrupt(true).unwrap();
            loop {
                // As C code would: retry until told to stop.
                if let Err(error) = reader.read(&mut [0; 8]) {
                    assert_eq!(error.kind(), io::ErrorKind::Interrupted);
                }
                gracefully::check()?;
            }
        });
        rng.spin(20_000);
        worker.interrupt();
        assert!(join_within(worker, "reader").unwrap().is_err());
        drop(writer);
    }
}

#[test]
fn a_read_inside_a_critical_section_runs_to_its_end() {
    let (mut reader, mut writer) = io::pipe().unwrap();
    let worker = gracefully::spawn(move || {
        signal_on_interrupt(true).unwrap();
        let section = gracefully::critical_section();
        let mut buffer = [0; 8];
        let read = reader.read(&mut buffer).map(|n| buffer[..n].to_vec());
        drop(section);
        (read.map_err(|e| e.kind()), gracefully::check())
    });
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    std::thread::sleep(Duration::from_millis(50)); // signals are re-sent meanwhile
    writer.write_all(b"data").unwrap();
    let (read, check) = join_within(worker, "reader").unwrap();
    assert_eq!(read, Ok(b"data".to_vec()));
    assert!(check.is_err(), "delivered after the section");
}

#[test]
fn nothing_is_signalled_once_the_mode_is_off_or_the_thread_is_gone() {
    let (mut reader, mut writer) = io::pipe().unwrap();
    let worker = gracefully::spawn(move || {
        signal_on_interrupt(true).unwrap();
        signal_on_interrupt(false).unwrap();
        let mut buffer = [0; 8];
        reader.read(&mut buffer).map(|n| buffer[..n].to_vec())
    });
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    std::thread::sleep(Duration::from_millis(50));
    writer.write_all(b"late").unwrap();
    assert_eq!(join_within(worker, "reader").unwrap().unwrap(), b"late");

    let exited = gracefully::spawn(|| signal_on_interrupt(true).unwrap());
    let handle = exited.handle().clone();
    join_within(exited, "exiting thread").unwrap();
    handle.interrupt(); // the thread removed its entry as it exited
}

#[test]
fn signal_mode_in_a_thread_local_destructor_is_off_and_cannot_be_turned_on() {
    struct ToggleOnDrop;
    impl Drop for ToggleOnDrop {
        fn drop(&mut self) {
            assert!(signal_on_interrupt(false).is_ok());
            assert!(signal_on_interrupt(true).is_err());
        }
    }
    thread_local! {
        static LATE: std::cell::RefCell<Option<ToggleOnDrop>> = const { std::cell::RefCell::new(None) };
    }
    let worker = std::thread::spawn(|| {
        // Registered before the runtime's own thread-locals, so destroyed
        // after them (destructors run in reverse order).
        LATE.with_borrow_mut(|late| *late = Some(ToggleOnDrop));
        signal_on_interrupt(true).unwrap();
    });
    worker
        .join()
        .expect("signal mode in a thread-local destructor panicked");
}

#[test]
fn no_signal_lands_after_clear_returned() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static DELIVERED: AtomicUsize = AtomicUsize::new(0);
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let (done_tx, done) = std::sync::mpsc::channel::<()>();
    let worker = gracefully::spawn(move || {
        signal_on_interrupt(true).unwrap();
        // Chained behind the runtime's handler: counts the deliveries to
        // this thread (other tests' threads get the signal too).
        // SAFETY: `pthread_self` has no preconditions.
        let me = unsafe { libc::pthread_self() };
        let signal = libc::SIGRTMAX() - 3;
        // SAFETY: the handler only calls `pthread_self` and adds to an
        // atomic, both async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                if libc::pthread_self() == me {
                    DELIVERED.fetch_add(1, Ordering::SeqCst);
                }
            })
        }
        .unwrap();
        ready_tx.send(gracefully::current()).unwrap();
        let mut late = 0;
        for _ in 0..20_000 {
            while !gracefully::interruption_requested() {
                std::hint::spin_loop();
            }
            gracefully::clear();
            let after_clear = DELIVERED.load(Ordering::SeqCst);
            // Past the first re-send delays: a signal still on its way
            // would land here.
            std::thread::sleep(Duration::from_micros(100));
            if DELIVERED.load(Ordering::SeqCst) != after_clear {
                late += 1;
            }
            done_tx.send(()).unwrap(); // ready for the next request
        }
        late
    });
    let handle = ready.recv().unwrap();
    for _ in 0..20_000 {
        handle.interrupt();
        done.recv().unwrap();
    }
    let late = join_within(worker, "worker").unwrap();
    assert_eq!(late, 0, "signals landed after clear returned");
}

/// Spawned from inside a critical section of a thread in signal mode, a
/// thread inherits the signal blocked; `with_thread` makes the new thread
/// one way or another. Its own signal mode must still end a plain read.
fn a_thread_spawned_in_a_section_is_interrupted(
    with_thread: fn(Box<dyn FnOnce() + Send>),
    what: &str,
) {
    let (mut reader, mut writer) = io::pipe().unwrap();
    let (result_tx, result) = std::sync::mpsc::channel();
    let (handle_tx, handle) = std::sync::mpsc::channel();
    let spawner = gracefully::spawn(move || {
        signal_on_interrupt(true).unwrap();
        let _section = gracefully::critical_section();
        with_thread(Box::new(move || {
            signal_on_interrupt(true).unwrap();
            handle_tx.send(gracefully::current()).unwrap();
            let plain = reader.read(&mut [0; 8]).map_err(|e| e.kind());
            result_tx.send(plain).unwrap();
        }));
    });
    join_within(spawner, "spawner").unwrap();
    let reader_scope = handle.recv().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    reader_scope.interrupt();
    // Written long after the request: a read the signal cannot reach ends
    // with this data instead.
    let late = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(3));
        let _ = writer.write_all(b"late");
    });
    let plain = result.recv_timeout(common::STOP_BOUND).unwrap();
    assert_eq!(plain, Err(io::ErrorKind::Interrupted), "{what}");
    late.join().unwrap();
}

#[test]
fn a_thread_spawned_inside_a_critical_section_is_interrupted_in_signal_mode() {
    a_thread_spawned_in_a_section_is_interrupted(
        |f| drop(gracefully::spawn(f)),
        "gracefully::spawn",
    );
    a_thread_spawned_in_a_section_is_interrupted(
        |f| drop(std::thread::spawn(f)),
        "std::thread::spawn",
    );
}
