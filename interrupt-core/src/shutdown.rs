//! Orderly shutdown: [`shutdown`] requests every scope, waits for the
//! threads made by [`spawn`](crate::spawn) and reports the ones that did not
//! stop.
//!
//! # Invariants
//!
//! 1. Every thread made by `spawn` has a [`ThreadRecord`] in `THREADS` from
//!    before it runs until its closure has returned or unwound; the record
//!    marks itself done and leaves the table then.
//! 2. Once a shutdown has begun, every new registered scope starts with a
//!    request (`Cause::All`): the flag is set before the scopes are
//!    requested, so a scope made meanwhile is either requested by the
//!    shutdown or starts requested.
//! 3. A shutdown waits for every record in `THREADS` until none is left
//!    running, looking again after each change: so a thread spawned during
//!    the shutdown (it starts requested, by invariant 2) is waited for and
//!    counted too. Threads inside a `shutdown` call (`CALLERS`) are never
//!    waited for, so concurrent shutdowns never wait for each other. Every
//!    change a waiter must see (a record finishing, a caller entering)
//!    bumps `CHANGES` under its lock and notifies `CHANGED`; a waiter reads
//!    the count before it looks and waits only while it is unchanged.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::Location;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use crate::exit::Cause;
use crate::handle::interrupt_all_with;
use crate::scope::Scope;
use crate::sync::{Arc, Condvar, Mutex, Ordering, PoisonError, Weak, global, lock};

static SHUTTING_DOWN: global::AtomicBool = global::AtomicBool::new(false);
static THREADS: global::Mutex<BTreeMap<u64, Arc<ThreadRecord>>> =
    global::Mutex::new(BTreeMap::new());
static NEXT_RECORD: global::AtomicU64 = global::AtomicU64::new(0);
/// The threads inside a `shutdown` call (invariant 3).
static CALLERS: global::Mutex<Vec<ThreadId>> = global::Mutex::new(Vec::new());
/// Counts the changes a shutdown waits on (invariant 3).
static CHANGES: global::Mutex<u64> = global::Mutex::new(0);
static CHANGED: global::Condvar = global::Condvar::new();

/// Wakes the shutdowns waiting (invariant 3).
fn changed() {
    *global::lock(&CHANGES) += 1;
    CHANGED.notify_all();
}

/// Has a shutdown begun (invariant 2)?
fn shutting_down() -> bool {
    // Acquire: pairs with the store in `shutdown`.
    SHUTTING_DOWN.load(Ordering::Acquire)
}

/// A new registered scope: every thread's, task's and child's is made
/// here. Once a shutdown has begun it starts requested with `Cause::All`
/// (invariant 2).
pub(crate) fn new_scope() -> Arc<Scope> {
    started(Scope::new_registered())
}

/// Requests a new scope if a shutdown has begun, or while a signal's
/// request is pending on its receiving scope.
fn started(scope: Arc<Scope>) -> Arc<Scope> {
    if shutting_down() {
        scope.request(Cause::All);
    }
    #[cfg(all(unix, feature = "signals"))]
    if let Some(cause) = crate::signals::late_cause() {
        scope.request(cause);
    }
    scope
}

/// A thread made by `spawn`, for `shutdown` and `join_interruptible`.
pub(crate) struct ThreadRecord {
    key: u64,
    name: Option<String>,
    scope: Weak<Scope>,
    /// Set by the thread itself as it starts, so `shutdown` can skip its
    /// caller.
    thread: Mutex<Option<ThreadId>>,
    done: Mutex<bool>,
    changed: Condvar,
}

impl ThreadRecord {
    /// A record for a thread about to be spawned, in the table
    /// (invariant 1).
    pub(crate) fn register(name: Option<String>, scope: &Arc<Scope>) -> Arc<Self> {
        let record = Arc::new(ThreadRecord {
            // Relaxed: keys only need to be unique.
            key: NEXT_RECORD.fetch_add(1, Ordering::Relaxed),
            name,
            scope: Arc::downgrade(scope),
            thread: Mutex::new(None),
            done: Mutex::new(false),
            changed: Condvar::new(),
        });
        global::lock(&THREADS).insert(record.key, Arc::clone(&record));
        record
    }

    /// Called on the thread as it starts.
    pub(crate) fn started(&self) {
        *lock(&self.thread) = Some(thread::current().id());
    }

    /// Marks the thread done and takes the record out of the table; also
    /// for a thread that could not be spawned.
    pub(crate) fn finish(&self) {
        global::lock(&THREADS).remove(&self.key);
        *lock(&self.done) = true;
        self.changed.notify_all();
        changed();
    }

    fn is_done(&self) -> bool {
        *lock(&self.done)
    }

    /// Is the thread inside a `shutdown` call now (invariant 3)?
    fn in_shutdown(&self, callers: &[ThreadId]) -> bool {
        lock(&self.thread).is_some_and(|thread| callers.contains(&thread))
    }

    /// The `done` flag and its condvar, for waiting on the thread.
    pub(crate) fn done(&self) -> (&Mutex<bool>, &Condvar) {
        (&self.done, &self.changed)
    }
}

/// Interrupts every scope, waits up to `grace` for every thread made by
/// [`spawn`](crate::spawn) to finish, and reports the ones that did not.
///
/// From the moment it is called, every new scope (a thread's, a task's, a
/// child's) starts already requested with [`Cause::All`](crate::Cause::All),
/// so work started during the shutdown stops at once. The calling thread's
/// own scope is requested too, and the caller is not waited for. Waiting is
/// not an interruption point: a shutdown runs to its end.
///
/// Threads made by `spawn` while it waits (a flusher started by a stopping
/// worker, say) start requested and are waited for and counted too.
/// Threads that are themselves inside a `shutdown` call are not waited for,
/// so concurrent shutdowns on several threads never wait for each other;
/// each returns its own report.
///
/// Threads made with `std::thread::spawn` are interrupted but not waited
/// for (there is no handle to them here).
///
/// # Panics
///
/// With the first panic of an [`on_interrupt`](crate::InterruptHandle::on_interrupt)
/// callback that the requests ran, after every scope has been requested and
/// the threads have been waited for, as without the panic.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let worker = gracefully::Builder::new()
///     .name("poller".into())
///     .spawn(|| gracefully::sleep(Duration::from_secs(60)))?;
/// let report = gracefully::shutdown(Duration::from_secs(5));
/// assert!(report.is_clean(), "{report}");
/// assert!(worker.join().unwrap().is_err());
/// // From now on, new scopes start interrupted.
/// assert!(gracefully::InterruptHandle::new().is_interrupted());
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "the report says which threads did not stop"]
pub fn shutdown(grace: Duration) -> ShutdownReport {
    // Release: pairs with `shutting_down`; set before the requests
    // (invariant 2).
    SHUTTING_DOWN.store(true, Ordering::Release);
    let me = thread::current().id();
    global::lock(&CALLERS).push(me);
    changed(); // a shutdown waiting for this thread stops waiting
    // The threads to wait for, taken before the requests: a thread that
    // stops at once still counts as one that was asked.
    let mut records: BTreeMap<u64, Arc<ThreadRecord>> = running_records();
    let asked = Instant::now();
    drop(crate::current::current_arc()); // the caller's scope is requested too
    // A panicking callback does not stop the requests (fan-out invariant
    // 1); its panic is passed on once the threads have been waited for.
    let panic = interrupt_all_with(Cause::All, None);
    // `None`: a grace too long to represent waits for as long as it takes.
    let deadline = asked.checked_add(grace);
    let (stragglers, threads) = loop {
        let seen = *global::lock(&CHANGES);
        // Threads spawned since are waited for too (invariant 3).
        records.extend(running_records());
        let callers = global::lock(&CALLERS).clone();
        let waited: Vec<&Arc<ThreadRecord>> = records
            .values()
            .filter(|record| !record.in_shutdown(&callers))
            .collect();
        let running: Vec<&Arc<ThreadRecord>> = waited
            .iter()
            .copied()
            .filter(|record| !record.is_done())
            .collect();
        if running.is_empty() {
            break (Vec::new(), waited.len());
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            let stragglers = running
                .iter()
                .map(|record| Straggler::of(record, asked.elapsed()))
                .collect();
            break (stragglers, waited.len());
        }
        let mut changes = global::lock(&CHANGES);
        while *changes == seen {
            changes = match deadline {
                None => CHANGED
                    .wait(changes)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    let (changes, timeout) = CHANGED
                        .wait_timeout(changes, left)
                        .unwrap_or_else(PoisonError::into_inner);
                    if timeout.timed_out() {
                        break;
                    }
                    changes
                }
            };
        }
    };
    global::lock(&CALLERS).retain(|caller| *caller != me);
    if let Some(payload) = panic {
        std::panic::resume_unwind(payload);
    }
    ShutdownReport {
        threads,
        grace,
        stragglers,
    }
}

/// The records in the table now. The caller's own is among them, and is
/// not waited for: the caller is in `CALLERS` (invariant 3).
fn running_records() -> BTreeMap<u64, Arc<ThreadRecord>> {
    global::lock(&THREADS).clone()
}

/// What [`shutdown`] found: the threads that did not stop in time.
///
/// Its `Display` is a readable summary, one line per straggler.
///
/// # Examples
///
/// ```
/// let report = gracefully::shutdown(std::time::Duration::from_millis(100));
/// if !report.is_clean() {
///     eprintln!("{report}");
/// }
/// ```
#[derive(Clone, Debug)]
pub struct ShutdownReport {
    threads: usize,
    grace: Duration,
    stragglers: Vec<Straggler>,
}

impl ShutdownReport {
    /// Did every thread made by `spawn` stop within the grace period?
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(gracefully::shutdown(std::time::Duration::from_secs(1)).is_clean());
    /// ```
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.stragglers.is_empty()
    }

    /// The threads that were still running when the grace period ended.
    ///
    /// # Examples
    ///
    /// ```
    /// let report = gracefully::shutdown(std::time::Duration::from_secs(1));
    /// for straggler in report.stragglers() {
    ///     eprintln!("{} did not stop", straggler.name().unwrap_or("a thread"));
    /// }
    /// ```
    #[must_use]
    pub fn stragglers(&self) -> &[Straggler] {
        &self.stragglers
    }
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            return write!(f, "shutdown: all {} threads stopped", self.threads);
        }
        write!(
            f,
            "shutdown: {} of {} threads did not stop within {:?}:",
            self.stragglers.len(),
            self.threads,
            self.grace
        )?;
        for straggler in &self.stragglers {
            write!(f, "\n  - {straggler}")?;
        }
        Ok(())
    }
}

/// A thread that did not stop within a shutdown's grace period, and where
/// it is: the interruptible wait it is blocked in ([`sleep`](crate::sleep),
/// [`park`](crate::park), a condvar wait, a `channel`
/// operation, an `io::Interruptible` call, a child-process wait) and where
/// that was called (for a read made through `std::io::Read`'s provided
/// methods, such as `read_exact`, the place in std that made it), the
/// critical section it is in and where it was opened (a `critical!`
/// block, or the [`critical_section`](crate::critical_section) call), or
/// that it is running and has reached no interruption point since the
/// request. (A thread in an interruptible wait outside critical sections
/// wakes at the request; one still there is usually inside a section, or
/// in [`cleanup`](crate::cleanup).)
///
/// # Examples
///
/// ```
/// let report = gracefully::shutdown(std::time::Duration::from_secs(1));
/// for straggler in report.stragglers() {
///     // e.g. `flusher (in a critical section opened at src/main.rs:12:9, asked 1.0s ago)`
///     println!("{straggler}");
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Straggler {
    name: Option<String>,
    in_critical: bool,
    requested_for: Duration,
    /// The interruptible wait it is in, and where it was called.
    wait: Option<(&'static str, &'static Location<'static>)>,
    /// Where its outermost critical section was opened, when in one.
    critical_at: Option<&'static Location<'static>>,
    /// Is the request still pending on its scope?
    pending: bool,
}

impl Straggler {
    /// Where the thread of `record` is now (scope invariant 11).
    fn of(record: &ThreadRecord, requested_for: Duration) -> Self {
        let scope = record.scope.upgrade();
        let scope = scope.as_deref();
        let in_critical = scope.is_some_and(Scope::in_critical);
        Straggler {
            name: record.name.clone(),
            in_critical,
            requested_for,
            wait: scope
                .and_then(Scope::wait_site)
                .map(|(kind, at)| (kind.name(), at)),
            critical_at: scope.filter(|_| in_critical).and_then(Scope::critical_site),
            pending: scope.is_some_and(Scope::is_requested),
        }
    }

    /// The interruptible wait it is blocked in (`"sleep"`, `"park"`, `"a
    /// condvar wait"`, `"a channel operation"`, `"an I/O call"`, `"a wait
    /// for a child process"`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # let report = gracefully::shutdown(std::time::Duration::from_secs(1));
    /// for straggler in report.stragglers() {
    ///     if let (Some(wait), Some(at)) = (straggler.wait(), straggler.location()) {
    ///         eprintln!("stuck in {wait} at {at}");
    ///     }
    /// }
    /// ```
    #[must_use]
    pub fn wait(&self) -> Option<&'static str> {
        self.wait.map(|(wait, _)| wait)
    }

    /// Where it is: the call of the wait it is blocked in, or else where
    /// its critical section was opened (a `critical!` block, or a
    /// [`critical_section`](crate::critical_section) call).
    ///
    /// # Examples
    ///
    /// ```
    /// # let report = gracefully::shutdown(std::time::Duration::from_secs(1));
    /// let places: Vec<String> = report
    ///     .stragglers()
    ///     .iter()
    ///     .filter_map(|s| s.location().map(|at| format!("{}:{}", at.file(), at.line())))
    ///     .collect();
    /// # assert!(places.is_empty());
    /// ```
    #[must_use]
    pub fn location(&self) -> Option<&'static Location<'static>> {
        self.wait.map(|(_, at)| at).or(self.critical_at)
    }

    /// The thread's name, if it was given one with
    /// [`Builder::name`](crate::Builder::name).
    ///
    /// # Examples
    ///
    /// ```
    /// # let report = gracefully::shutdown(std::time::Duration::from_secs(1));
    /// let names: Vec<&str> = report.stragglers().iter().filter_map(|s| s.name()).collect();
    /// # assert!(names.is_empty());
    /// ```
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Was it inside a critical section when the report was made?
    ///
    /// # Examples
    ///
    /// ```
    /// # let report = gracefully::shutdown(std::time::Duration::from_secs(1));
    /// let busy = report.stragglers().iter().filter(|s| s.in_critical()).count();
    /// # assert_eq!(busy, 0);
    /// ```
    #[must_use]
    pub fn in_critical(&self) -> bool {
        self.in_critical
    }

    /// How long ago it was asked to stop, when the report was made.
    ///
    /// # Examples
    ///
    /// ```
    /// # let report = gracefully::shutdown(std::time::Duration::from_secs(1));
    /// let longest = report.stragglers().iter().map(|s| s.requested_for()).max();
    /// # assert!(longest.is_none());
    /// ```
    #[must_use]
    pub fn requested_for(&self) -> Duration {
        self.requested_for
    }
}

impl fmt::Display for Straggler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name.as_deref().unwrap_or("<unnamed thread>"))?;
        f.write_str(" (")?;
        if let Some((wait, at)) = self.wait {
            write!(f, "in {wait} at {at}, ")?;
        }
        if self.in_critical {
            f.write_str("in a critical section")?;
            if let Some(at) = self.critical_at {
                write!(f, " opened at {at}")?;
            }
            f.write_str(", ")?;
        } else if self.wait.is_none() {
            f.write_str(if self.pending {
                "running, no interruption point reached since the request, "
            } else {
                "running, the request cleared, "
            })?;
        }
        write!(f, "asked {:.1?} ago)", self.requested_for)
    }
}
