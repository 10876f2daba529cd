//! Interruptible waits for child processes (unix): [`wait`] and
//! [`wait_timeout`].
//!
//! On Linux the wait polls a pidfd of the child (readable once it has
//! exited) beside the thread's wake-up descriptor, so it takes no tick and
//! a request ends it at once. Elsewhere, and on Linux kernels older than
//! 5.3 (no `pidfd_open`), it checks the child with `try_wait` after pauses
//! that grow from 1 ms to 50 ms, each an interruptible sleep: a request
//! still ends it at once, and the child's exit is seen within 50 ms.

use std::io;
use std::panic::Location;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use crate::current::{with_current, with_current_at};
use crate::scope::WaitKind;

/// The longest pause between two checks of the fallback.
const LONGEST_PAUSE: Duration = Duration::from_millis(50);

/// Waits for `child` to exit, like [`Child::wait`], or returns the request
/// as an error when the current scope is interrupted.
///
/// A child that has exited already is reaped at once, even with a request
/// pending. After an interrupt the child is untouched: still running, not
/// killed (call [`Child::kill`] for that), and waitable again. Inside a
/// critical section it is a plain wait.
///
/// # Errors
///
/// The errors of `Child::wait`, and an [`io::Error`] carrying the
/// [`ThreadExit`](crate::ThreadExit) on a request (see
/// [`ThreadExit::from_io`](crate::ThreadExit::from_io)).
///
/// # Examples
///
/// ```
/// use std::process::Command;
///
/// let supervisor = gracefully::spawn(|| -> std::io::Result<()> {
///     let mut child = Command::new("sleep").arg("60").spawn()?;
///     let waited = gracefully::process::wait(&mut child);
///     // Asked to stop: stop the child too, then reap it.
///     child.kill()?;
///     child.wait()?;
///     waited.map(drop)
/// });
/// std::thread::sleep(std::time::Duration::from_millis(20));
/// supervisor.interrupt();
/// let error = supervisor.join().unwrap().unwrap_err();
/// assert!(gracefully::ThreadExit::from_io(&error).is_some());
/// ```
#[track_caller]
pub fn wait(child: &mut Child) -> io::Result<ExitStatus> {
    match wait_until(child, None)? {
        Some(status) => Ok(status),
        // Without a deadline there is no timeout.
        None => child.wait(),
    }
}

/// [`wait`] for at most `timeout`: `Ok(None)` if the child is still running
/// then.
///
/// # Errors
///
/// As [`wait`].
///
/// # Examples
///
/// ```
/// use std::process::Command;
/// use std::time::Duration;
///
/// let mut child = Command::new("sleep").arg("60").spawn()?;
/// assert_eq!(gracefully::process::wait_timeout(&mut child, Duration::from_millis(10))?, None);
/// child.kill()?;
/// assert!(gracefully::process::wait_timeout(&mut child, Duration::from_secs(60))?.is_some());
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn wait_timeout(child: &mut Child, timeout: Duration) -> io::Result<Option<ExitStatus>> {
    match Instant::now().checked_add(timeout) {
        Some(until) => wait_until(child, Some(until)),
        None => wait(child).map(Some),
    }
}

/// Waits until `child` exits (`Some`), `until` passes (`None`) or a request
/// is deliverable.
#[track_caller]
fn wait_until(child: &mut Child, until: Option<Instant>) -> io::Result<Option<ExitStatus>> {
    with_current_at(WaitKind::Process, Location::caller(), |_| {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        #[cfg(target_os = "linux")]
        if let Some(waited) = pidfd_wait(child, until) {
            return waited;
        }
        fallback_wait(child, until)
    })
}

/// The wait on a pidfd; `None` if the kernel has no `pidfd_open`.
#[cfg(target_os = "linux")]
fn pidfd_wait(child: &mut Child, until: Option<Instant>) -> Option<io::Result<Option<ExitStatus>>> {
    use std::os::fd::AsFd;

    use rustix::event::PollFlags;
    use rustix::process::{Pid, PidfdFlags, pidfd_open};

    use crate::io::wakeup::{Waited, wait_for};

    let pidfd = pidfd_open(Pid::from_child(child), PidfdFlags::empty()).ok()?;
    let waited = with_current(|scope| {
        wait_for(
            scope,
            pidfd.as_fd(),
            PollFlags::IN,
            until,
            !scope.in_critical(),
        )
    });
    Some(match waited {
        // Readable: it has exited, and `wait` reaps it without blocking.
        Ok(Waited::Ready) => child.wait().map(Some),
        Ok(Waited::TimedOut) => Ok(None),
        Err(error) => Err(error),
    })
}

/// `try_wait` after growing pauses, each an interruptible sleep.
fn fallback_wait(child: &mut Child, until: Option<Instant>) -> io::Result<Option<ExitStatus>> {
    let mut pause = Duration::from_millis(1);
    loop {
        let left = until.map(|until| until.saturating_duration_since(Instant::now()));
        if left == Some(Duration::ZERO) {
            return Ok(None);
        }
        // Unmarked: the report names the process wait.
        let this_pause = left.map_or(pause, |left| left.min(pause));
        with_current(|scope| crate::sleep::sleep_in(scope, this_pause))?;
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_reaps_a_child_and_times_out() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 0.02"])
            .spawn()
            .unwrap();
        let status = fallback_wait(&mut child, None).unwrap();
        assert!(status.is_some_and(|status| status.success()));
        let mut child = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .unwrap();
        let until = Instant::now() + Duration::from_millis(10);
        assert_eq!(fallback_wait(&mut child, Some(until)).unwrap(), None);
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
