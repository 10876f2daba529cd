//! The wake list of a scope: how a request reaches its waits, tasks,
//! callbacks and signal-mode thread.
//!
//! # Invariants
//!
//! (Numbered with those of `scope/mod.rs`.)
//!
//! 2. A request sets the flag (a read-modify-write) before it takes the
//!    `waiters` lock and runs the wake actions. A wait adds its wake action
//!    under that lock and reads the flag after releasing it. Either the
//!    requester's lock comes second and it finds the action, or the wait's
//!    lock comes second and it finds the flag: no wake-up is lost.
//! 3. A [`Wake::Notify`] entry points to a condvar borrowed by a running wait
//!    call. The call removes the entry (under the lock, in a guard's `Drop`,
//!    so also on unwind) before it returns. The pointer is used only by a
//!    requester that found the entry under the lock and raised `notifying`
//!    there; it notifies after releasing the lock (so the woken wait does not
//!    find the lock taken) and then lowers `notifying`. A wait that removed a
//!    `Notify` entry returns only once `notifying` is zero: it yields while
//!    the notifier runs on another CPU, and sleeps when the notifier last
//!    raised the count on its own CPU (the wake-up preempted the notifier,
//!    which may stay busy once it resumes): it sets `notifying`'s
//!    [`SLEEPER`] bit under the [`NOTIFIED`] lock and waits on its condvar,
//!    and the notifier whose lowering takes the count to zero with the bit
//!    set clears it and notifies that condvar under the lock. A
//!    [`Wake::NotifyShared`] entry (a wait on a `gracefully::Condvar`) holds
//!    its condvar by `Arc`: the requester clones it under the lock and
//!    notifies the clone after releasing it, without `notifying`, so its
//!    wait returns as soon as it is woken, whatever the notifying call is
//!    still doing. The fan-out notifies each such condvar once, however
//!    many of its scopes have waits on it (fan-out invariant 4).
//! 4. A condvar wait reads the flag while holding the user's mutex, then
//!    enters `Condvar::wait`, which releases it. A notification sent between
//!    the two is lost to the wait, and the runtime cannot take the user's
//!    mutex to exclude it (a guard does not give its mutex back, and the
//!    requester may hold that mutex itself). So after notifying a condvar the
//!    requester watches the wait's entry for up to [`CONFIRM_WINDOW`]: a
//!    woken wait removes it. If it is still there, the requester notifies
//!    once more (a wait that was about to block has blocked by then) and has
//!    the timer thread notify again, after growing delays, for as long as the
//!    entry is present (its wait may be blocked on its mutex, held by the
//!    requester itself). The requester, not the timer, does the first round
//!    because waking a third thread would compete for the CPU with the wait
//!    being woken.
//! 5. A task pending on a scope has a [`Wake::Task`] entry of its own, an
//!    `AtomicWaker` added once under the lock, so that any number of tasks
//!    share a scope and each later poll registers its waker without a lock.
//!    A poll registers its waker before it reads the flag; a request wakes
//!    every task entry after it sets the flag.
//! 6. (Waits keep entries of their own kinds rather than boxed callbacks:
//!    a wait then allocates nothing, its wake-up runs outside the lock
//!    without a `Running` hand-off, and a condvar gets the confirmation of
//!    invariant 4.) An `on_interrupt` callback is taken out of the list by
//!    the requester that runs it, under the lock, when its turn comes, and
//!    replaced by a `Running` entry until it returns; so it runs exactly
//!    once, and the guard's `Drop` can tell "never ran" (entry present:
//!    remove it, and it never starts), "running on another thread" (wait
//!    for the entry to go) and "done" (no entry). The requester runs the
//!    callbacks it found when it set the flag one at a time, each marked
//!    only as it starts. Registering reads the flag under the lock, so a
//!    request either finds the callback or the registration finds the
//!    request and runs the callback itself.
//! 8. A thread in signal mode (`io::signal_on_interrupt`, Linux) has a
//!    `Signal` entry naming it. A request sends the signal outside the lock
//!    under `notifying`, as for condvars, and the timer sends it again, after
//!    growing delays, while the entry is present and the request pending (a
//!    signal that lands just before a system call is entered does not end
//!    it); a request already pending when the entry is added starts the
//!    re-sends at once. The thread removes its entry before it exits,
//!    waiting out `notifying`, so a signal never goes to a thread that has
//!    exited. `clear` waits out `notifying` too (after taking the lock, so
//!    that a re-send that saw the flag first is counted), then has the
//!    kernel deliver a signal still pending on the calling thread: a
//!    cleared request sends nothing more.
//! 9. A request that finds a critical section open leaves the waits alone
//!    (unpark, notify, signal, task and poke entries: nothing is deliverable to
//!    them); its children and callbacks are reached at once. The close of
//!    the outermost section, seeing the request, wakes the waits. Both
//!    decisions read the state word in one read-modify-write each, so in
//!    its modification order exactly one of them sees "requested, no
//!    section open" after the other and wakes. Waits register inside
//!    critical sections too: the section that defers the request may be
//!    another thread's, on a scope shared through `enter`.
//! 10. A [`Wake::Level`] entry (a `WakeFd`) is raised while a request is
//!     deliverable and lowered by `clear`. Every raise is decided under the
//!     lock, seeing the flag set there, and made outside it under
//!     `notifying`, as signals are sent (so a woken event loop that clears
//!     at once does not find the lock taken): by a requester, by the close
//!     of a critical section, by registering with a request deliverable.
//!     `clear` resets the flag, waits out `notifying` (after taking the
//!     lock, so every raise decided before the reset is counted), lowers
//!     the levels, and takes the lock again: a raise decided after that is
//!     made after the lowering, and one decided before it set the flag
//!     first, which `clear` then sees and raises the levels again for.

use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::time::Duration;

use super::Scope;
use crate::exit::{Cause, ThreadExit};
use crate::fanout::Fanout;
use crate::sync::thread::{self, Thread, ThreadId};
use crate::sync::{
    Arc, AtomicWaker, Condvar, Mutex, MutexGuard, Ordering, PoisonError, Weak, lock,
};
#[cfg(target_os = "linux")]
use crate::thread_signal::ThreadSignal;
#[cfg(not(loom))]
use crate::timer;

/// How long a requester watches a notified condvar wait for it to wake
/// (invariant 4).
#[cfg(not(loom))]
pub(crate) const CONFIRM_WINDOW: Duration = Duration::from_micros(50);

/// How a requester watches the waits it is confirming: this many yields,
/// then a look every `CONFIRM_POLL`.
pub(crate) const CONFIRM_YIELDS: u32 = 16;
pub(crate) const CONFIRM_POLL: Duration = Duration::from_micros(10);

/// Delays before the timer thread notifies a condvar wait again (invariant 4);
/// the last one repeats.
#[cfg(not(loom))]
const RENOTIFY_DELAYS: [Duration; 4] = [
    Duration::from_micros(50),
    Duration::from_micros(250),
    Duration::from_millis(1),
    Duration::from_millis(10),
];

/// `notifying`'s top bit: a thread sleeps until the count is zero
/// (invariant 3).
pub(super) const SLEEPER: usize = 1 << (usize::BITS - 1);

/// Where threads waiting out `notifying` sleep (invariant 3). Shared by all
/// scopes: a wait preempting its own notifier is rare.
#[cfg(not(loom))]
static NOTIFIED: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());

#[cfg(loom)]
loom::lazy_static! {
    static ref NOTIFIED: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());
}

/// The CPU the calling thread runs on, or [`UNKNOWN_CPU`] where that
/// cannot be known.
fn current_cpu() -> u32 {
    #[cfg(all(target_os = "linux", not(loom)))]
    {
        // SAFETY: `sched_getcpu` takes no arguments and has no
        // preconditions; it returns -1 on failure.
        let cpu = unsafe { libc::sched_getcpu() };
        u32::try_from(cpu).unwrap_or(UNKNOWN_CPU)
    }
    // Under loom every thread shares one CPU, so the models take the
    // sleeping path.
    #[cfg(loom)]
    {
        0
    }
    #[cfg(not(any(target_os = "linux", loom)))]
    {
        UNKNOWN_CPU
    }
}

/// What [`current_cpu`] returns where the CPU cannot be known: never taken
/// to be the same CPU as another thread's.
pub(super) const UNKNOWN_CPU: u32 = u32::MAX;

pub(super) struct Waiters {
    pub(super) next_id: u64,
    pub(super) entries: Vec<(u64, Wake)>,
}

impl Waiters {
    /// Adds an entry; returns its id.
    pub(super) fn push(&mut self, wake: Wake) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push((id, wake));
        id
    }
}

/// How to wake a wait that is blocked on a scope.
pub(super) enum Wake {
    /// `thread::park` / `park_timeout` on this thread.
    Unpark(Thread),
    /// `Condvar::wait` on this condvar, borrowed (invariant 3).
    Notify(CondvarRef),
    /// `Condvar::wait` on this condvar, shared with its owner (invariant 3).
    NotifyShared(Arc<Condvar>),
    /// An `on_interrupt` callback, to run once (invariant 6).
    Callback(Callback),
    /// A callback that a requester is running on this thread right now.
    Running(ThreadId),
    /// A child scope, requested with its parent's cause (invariant 7).
    Child(Weak<Scope>),
    /// A thread in signal mode, sent its signal (invariant 8).
    #[cfg(target_os = "linux")]
    Signal(ThreadSignal),
    /// A task pending on this scope: its latest waker (invariant 5).
    Task(Arc<AtomicWaker>),
    /// A blocking call of this crate that wakes itself through its own
    /// channel or descriptor: poked like any wait (invariant 9), and a
    /// late poke is harmless (the call drains its channel first).
    Poke(Poke),
    /// Something raised while a request is deliverable and lowered by
    /// `clear` (invariant 10).
    Level(Arc<dyn Level>),
}

/// A level that follows the scope's deliverable request (invariant 10): a
/// `WakeFd`'s descriptor, readable while raised.
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) trait Level: Send + Sync {
    /// Makes it raised; raising a raised one changes nothing.
    fn raise(&self);
    /// Makes it lowered.
    fn lower(&self);
}

/// Which of a scope's entries a request wakes ([`Scope::wake`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Everything: waits, children and callbacks.
    All,
    /// Waits only: at the close of the outermost critical section, after a
    /// request that left them alone (invariant 9).
    Waits,
    /// Children and callbacks: a request while a critical section is open.
    Others,
}

/// What a requester does outside the lock, with `notifying` raised
/// (invariants 3 and 8).
#[derive(Clone)]
enum Outside {
    Notify(CondvarRef),
    #[cfg(target_os = "linux")]
    Signal(ThreadSignal),
    Raise(Arc<dyn Level>),
}

impl Outside {
    /// # Safety
    ///
    /// As for [`CondvarRef::notify_all`] and [`ThreadSignal::send`]: the
    /// caller raised `notifying` under the lock while the entry was present,
    /// and has not lowered it yet.
    unsafe fn perform(self) {
        match self {
            // SAFETY: this function's contract is the callee's.
            Outside::Notify(condvar) => unsafe { condvar.notify_all() },
            #[cfg(target_os = "linux")]
            // SAFETY: as above.
            Outside::Signal(thread) => unsafe { thread.send() },
            Outside::Raise(level) => level.raise(),
        }
    }
}

type Callback = Box<dyn FnOnce() + Send>;

/// What a [`Wake::Poke`] entry runs, outside the lock, as often as the
/// scope's waits are woken.
pub(crate) type Poke = Arc<dyn Fn() + Send + Sync>;

/// A condvar borrowed by a running wait call (invariant 3).
#[derive(Clone, Copy)]
pub(super) struct CondvarRef(NonNull<Condvar>);

// SAFETY: `Condvar` is `Sync`, so using it from the thread that holds this
// pointer is sound while the pointee lives; invariant 3 bounds every use by
// the lifetime of the borrow it was made from.
unsafe impl Send for CondvarRef {}

impl CondvarRef {
    /// # Safety
    ///
    /// The caller raised `notifying` on the scope whose entry this is while
    /// holding its `waiters` lock with the entry present, and has not
    /// lowered it yet (invariant 3).
    unsafe fn notify_all(self) {
        // SAFETY: by this function's contract the wait call that lent the
        // borrow cannot have returned, so the condvar is alive.
        unsafe { self.0.as_ref() }.notify_all();
    }
}

impl Scope {
    /// Wakes what `reach` says of the scope's entries, for a request that
    /// has set the flag: waits are unparked, notified, signalled or woken
    /// outside the lock; children go to the fan-out's list; callbacks run
    /// one at a time (invariant 6). No user code runs under the lock, and a
    /// woken wait never finds the lock taken when it deregisters.
    pub(crate) fn wake(self: &Arc<Self>, fanout: &mut Fanout, reach: Reach) {
        let waits = reach != Reach::Others;
        // What children are requested with: the parent's own cause.
        let cause = self.cause().unwrap_or(Cause::Interrupted);
        let others = reach != Reach::Waits;
        let mut unpark = Vec::new();
        let mut notify = Vec::new();
        let mut shared = Vec::new();
        let mut tasks = Vec::new();
        let mut pokes = Vec::new();
        let mut callbacks = Vec::new();
        #[cfg(target_os = "linux")]
        let mut signals = Vec::new();
        let mut levels = Vec::new();
        let waiters = lock(&self.waiters);
        for (id, wake) in &waiters.entries {
            match wake {
                Wake::Unpark(thread) if waits => unpark.push(thread.clone()),
                Wake::Notify(condvar) if waits => notify.push((*id, *condvar)),
                Wake::NotifyShared(condvar) if waits => shared.push((*id, Arc::clone(condvar))),
                Wake::Task(waker) if waits => tasks.push(Arc::clone(waker)),
                Wake::Poke(poke) if waits => pokes.push(Arc::clone(poke)),
                // Not once the request is cleared: `clear` waits only for
                // signals sent under a flag it had not reset (invariant 8).
                #[cfg(target_os = "linux")]
                Wake::Signal(thread) if waits && self.is_requested() => {
                    signals.push((*id, *thread));
                }
                // Not once the request is cleared (invariant 10).
                Wake::Level(level) if waits && self.is_requested() => {
                    levels.push(Arc::clone(level));
                }
                Wake::Child(child) if others => fanout.add_child(child.clone(), cause),
                // Only these: a callback registered after a `clear` belongs
                // to the next request.
                Wake::Callback(_) if others => callbacks.push(*id),
                _ => {}
            }
        }
        // Taken before the notifications, so that a wait leaving right after
        // one is seen leaving (invariant 4).
        let departures = self.departures.load(Ordering::Acquire);
        #[cfg(not(target_os = "linux"))]
        let signals: [(u64, ()); 0] = [];
        let outside = notify.iter().map(|&(_, condvar)| Outside::Notify(condvar));
        #[cfg(target_os = "linux")]
        let outside = outside.chain(signals.iter().map(|&(_, thread)| Outside::Signal(thread)));
        let outside = outside.chain(levels.into_iter().map(Outside::Raise));
        self.outside_lock(waiters, outside);
        for &(id, _) in &signals {
            renotify_later(Arc::downgrade(self), id, 0);
        }
        for thread in unpark {
            thread.unpark();
        }
        for task in tasks {
            task.wake();
        }
        for poke in pokes {
            poke();
        }
        for (id, _) in notify {
            fanout.notified(Arc::clone(self), id, departures);
        }
        for (id, condvar) in shared {
            fanout.notify_shared(condvar);
            fanout.notified(Arc::clone(self), id, departures);
        }
        if !callbacks.is_empty() {
            fanout.notify_collected();
        }
        for id in callbacks {
            if let Some(callback) = self.take_callback(id) {
                let outcome = panic::catch_unwind(AssertUnwindSafe(callback));
                self.deregister(id);
                callback_done();
                if let Err(payload) = outcome {
                    fanout.panicked(payload);
                }
            }
        }
    }

    /// Takes callback `id` to run it, marking its entry `Running` on this
    /// thread; `None` if its guard removed it meanwhile (invariant 6).
    fn take_callback(&self, id: u64) -> Option<Callback> {
        let mut waiters = lock(&self.waiters);
        let (_, wake) = waiters.entries.iter_mut().find(|(entry, _)| *entry == id)?;
        if !matches!(wake, Wake::Callback(_)) {
            return None;
        }
        match std::mem::replace(wake, Wake::Running(thread::current().id())) {
            Wake::Callback(callback) => Some(callback),
            _ => None,
        }
    }

    /// Makes a request wake the task whose waker `waker` holds
    /// (invariant 5); returns the entry's id, for [`Scope::deregister`].
    /// Makes a request (or the close of the critical section that deferred
    /// it) run `poke`; returns the entry's id, for [`Scope::deregister`].
    /// Register before reading the flag.
    pub(crate) fn add_poke(&self, poke: Poke) -> u64 {
        self.register(Wake::Poke(poke))
    }

    pub(crate) fn add_task(&self, waker: Arc<AtomicWaker>) -> u64 {
        self.register(Wake::Task(waker))
    }

    /// Adds a level that follows the deliverable request (invariant 10),
    /// raised at once if one is deliverable; returns the entry's id, for
    /// [`Scope::deregister`].
    pub(crate) fn add_level(&self, level: Arc<dyn Level>) -> u64 {
        let mut waiters = lock(&self.waiters);
        let id = waiters.push(Wake::Level(Arc::clone(&level)));
        if self.pending().is_some() {
            self.outside_lock(waiters, std::iter::once(Outside::Raise(level)));
        }
        id
    }

    /// For `clear`, once it has reset the flag and waited out `notifying`:
    /// lowers every level, then raises them again if, under the lock, a
    /// new request is deliverable (invariant 10).
    pub(crate) fn lower_levels(&self) {
        let levels: Vec<Arc<dyn Level>> = lock(&self.waiters)
            .entries
            .iter()
            .filter_map(|(_, wake)| match wake {
                Wake::Level(level) => Some(Arc::clone(level)),
                _ => None,
            })
            .collect();
        if levels.is_empty() {
            return;
        }
        for level in &levels {
            level.lower();
        }
        let waiters = lock(&self.waiters);
        if self.pending().is_some() {
            self.outside_lock(waiters, levels.into_iter().map(Outside::Raise));
        }
    }

    /// Registers `callback` to run once when the scope is requested; runs it
    /// at once (and returns `None`) when a request is already pending.
    pub(crate) fn add_callback(&self, callback: Callback) -> Option<u64> {
        let mut waiters = lock(&self.waiters);
        // Invariant 6: the flag is read under the lock.
        if self.is_requested() {
            drop(waiters);
            callback();
            return None;
        }
        Some(waiters.push(Wake::Callback(callback)))
    }

    /// Removes callback `id`: returns once it is sure never to run, or has
    /// finished running on another thread (invariant 6). From inside the
    /// callback itself it returns at once.
    pub(crate) fn remove_callback(&self, id: u64) {
        let me = thread::current().id();
        // Taken only to wait, and then held while checking, so that the
        // runner's `callback_done` cannot slip in between check and wait.
        let mut done: Option<MutexGuard<'_, ()>> = None;
        loop {
            let mut waiters = lock(&self.waiters);
            let Some(index) = waiters.entries.iter().position(|(entry, _)| *entry == id) else {
                return; // it ran
            };
            match &waiters.entries[index].1 {
                Wake::Running(runner) if *runner != me => {
                    drop(waiters);
                    done = Some(match done.take() {
                        None => lock(&CALLBACK_DONE.0),
                        Some(guard) => CALLBACK_DONE
                            .1
                            .wait(guard)
                            .unwrap_or_else(PoisonError::into_inner),
                    });
                }
                Wake::Running(_) => return, // called from the callback itself
                _ => {
                    waiters.entries.swap_remove(index);
                    return;
                }
            }
        }
    }

    /// Makes a request signal `thread` until [`Scope::remove_signal`]
    /// (invariant 8).
    #[cfg(target_os = "linux")]
    pub(crate) fn add_signal(self: &Arc<Self>, thread: ThreadSignal) -> u64 {
        let mut waiters = lock(&self.waiters);
        let id = waiters.push(Wake::Signal(thread));
        // A request made before the entry existed sent no signal: start
        // the re-sends now, so the thread's next blocking call is ended.
        let requested = self.is_requested();
        drop(waiters);
        if requested {
            renotify_later(Arc::downgrade(self), id, 0);
        }
        id
    }

    /// Removes signal entry `id`, waiting out a signal being sent.
    #[cfg(target_os = "linux")]
    pub(crate) fn remove_signal(&self, id: u64) {
        self.deregister(id);
    }

    /// Is entry `id` still registered?
    pub(crate) fn has_entry(&self, id: u64) -> bool {
        lock(&self.waiters)
            .entries
            .iter()
            .any(|(entry, _)| *entry == id)
    }

    /// Releases `waiters`, then performs `actions`, all found in it
    /// (invariants 3 and 8).
    fn outside_lock(
        &self,
        waiters: MutexGuard<'_, Waiters>,
        actions: impl Iterator<Item = Outside>,
    ) {
        let mut actions = actions.peekable();
        if actions.peek().is_none() {
            return;
        }
        // Relaxed: raised under the lock, which orders it before any later
        // deregistration's read.
        self.notifier_cpu.store(current_cpu(), Ordering::Relaxed);
        self.notifying.fetch_add(1, Ordering::Relaxed);
        drop(waiters);
        for action in actions {
            // SAFETY: `notifying` was raised under the lock while the entry
            // was present, and is lowered only below.
            unsafe { action.perform() };
        }
        // Release: the actions happen before a deregistering wait's acquire
        // load sees the count drop.
        if self.notifying.fetch_sub(1, Ordering::Release) == SLEEPER | 1 {
            // The last notifier, with a thread asleep until it is done.
            self.notifying.fetch_and(!SLEEPER, Ordering::Relaxed);
            let _notified = lock(&NOTIFIED.0);
            NOTIFIED.1.notify_all();
        }
    }

    /// Returns once no notification or signal is in flight (invariant 3).
    pub(super) fn wait_out_notifying(&self) {
        // Acquire: pairs with the release that lowers the count.
        while self.notifying.load(Ordering::Acquire) & !SLEEPER != 0 {
            // Relaxed: a stale CPU only picks the other way of waiting.
            let cpu = current_cpu();
            if cpu != UNKNOWN_CPU && self.notifier_cpu.load(Ordering::Relaxed) == cpu {
                self.sleep_out_notifying();
                return;
            }
            thread::yield_now();
        }
    }

    /// Sleeps until `notifying`'s count is zero (invariant 3).
    fn sleep_out_notifying(&self) {
        let mut notified = lock(&NOTIFIED.0);
        loop {
            // Acquire: as in `wait_out_notifying`. Set under the lock, so
            // that a lowering that sees the bit notifies after this thread
            // waits.
            let now = self.notifying.fetch_or(SLEEPER, Ordering::Acquire);
            if now & !SLEEPER == 0 {
                // Nobody left to wake this thread: take the bit off again
                // (a thread asleep for an earlier count was woken, or will
                // be, by the lowering that saw the bit).
                self.notifying.fetch_and(!SLEEPER, Ordering::Relaxed);
                return;
            }
            notified = NOTIFIED
                .1
                .wait(notified)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Notifies the condvar of entry `id` again, or signals its thread again
    /// while a request is pending; `false` once there is nothing to do.
    pub(crate) fn renotify(&self, id: u64) -> bool {
        let waiters = lock(&self.waiters);
        let Some((_, wake)) = waiters.entries.iter().find(|(entry, _)| *entry == id) else {
            return false;
        };
        let action = match wake {
            // Shared: notified without `notifying` (invariant 3).
            Wake::NotifyShared(condvar) => {
                let condvar = Arc::clone(condvar);
                drop(waiters);
                condvar.notify_all();
                return true;
            }
            Wake::Notify(condvar) => Some(Outside::Notify(*condvar)),
            #[cfg(target_os = "linux")]
            Wake::Signal(thread) if self.is_requested() => Some(Outside::Signal(*thread)),
            _ => None,
        };
        let found = action.is_some();
        self.outside_lock(waiters, action.into_iter());
        found
    }

    fn register(&self, wake: Wake) -> u64 {
        lock(&self.waiters).push(wake)
    }

    /// Removes entry `id`, waiting out a notification or signal in flight
    /// to it (invariants 3 and 8).
    pub(crate) fn deregister(&self, id: u64) {
        let mut waiters = lock(&self.waiters);
        let Some(index) = waiters.entries.iter().position(|(entry, _)| *entry == id) else {
            return;
        };
        let (_, wake) = waiters.entries.swap_remove(index);
        drop(waiters);
        if matches!(wake, Wake::Notify(_) | Wake::NotifyShared(_)) {
            // Release: the entry's removal happens before a confirming
            // requester's acquire load sees the count change.
            self.departures.fetch_add(1, Ordering::Release);
        }
        let outside = matches!(wake, Wake::Notify(_));
        #[cfg(target_os = "linux")]
        let outside = outside || matches!(wake, Wake::Signal(_));
        if outside {
            // Invariants 3 and 8: a requester may still be notifying the
            // condvar or signalling the thread. It is inside one call, so
            // this is a short wait.
            self.wait_out_notifying();
        }
    }

    /// Starts an interruptible wait on the calling thread: registers how a
    /// request wakes it (notify `condvar`, or unpark the thread when `None`)
    /// until the guard is dropped; then delivers a request that is already
    /// pending (invariant 2).
    ///
    /// Inside a critical section the wait is registered too: nothing is
    /// deliverable then, and a request leaves it alone, but the close of
    /// the outermost section wakes it (invariant 9), which matters when the
    /// section was opened on another thread that shares the scope.
    pub(crate) fn start_wait<'a>(
        &'a self,
        condvar: Option<&'a Condvar>,
    ) -> Result<Registration<'a>, ThreadExit> {
        self.start(match condvar {
            Some(condvar) => Wake::Notify(CondvarRef(NonNull::from(condvar))),
            None => Wake::Unpark(thread::current()),
        })
    }

    /// [`Scope::start_wait`] for a wait on the shared `condvar` of a
    /// `gracefully::Condvar` (invariant 3).
    pub(crate) fn start_shared_wait(
        &self,
        condvar: &Arc<Condvar>,
    ) -> Result<Registration<'_>, ThreadExit> {
        self.start(Wake::NotifyShared(Arc::clone(condvar)))
    }

    fn start(&self, wake: Wake) -> Result<Registration<'_>, ThreadExit> {
        let registration = Registration {
            id: self.register(wake),
            scope: self,
            _condvar: PhantomData,
        };
        match self.pending() {
            Some(exit) => Err(exit),
            None => Ok(registration),
        }
    }
}

/// Woken whenever a callback finishes, for `remove_callback` waiting on
/// one (invariant 6). Shared by all scopes: callbacks finishing while a
/// guard is being dropped on another thread are rare.
#[cfg(not(loom))]
static CALLBACK_DONE: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());

#[cfg(loom)]
loom::lazy_static! {
    static ref CALLBACK_DONE: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());
}

fn callback_done() {
    let _done = lock(&CALLBACK_DONE.0);
    CALLBACK_DONE.1.notify_all();
}

#[cfg(not(loom))]
pub(crate) fn renotify_later(scope: Weak<Scope>, id: u64, attempt: usize) {
    let delay = RENOTIFY_DELAYS[attempt.min(RENOTIFY_DELAYS.len() - 1)];
    timer::schedule(
        delay,
        Box::new(move || {
            if let Some(scope) = scope.upgrade()
                && scope.renotify(id)
            {
                renotify_later(Arc::downgrade(&scope), id, attempt + 1);
            }
        }),
    );
}

/// loom has no clock or timer thread: the calling thread makes the re-sends
/// itself, back to back, until the entry is gone.
#[cfg(loom)]
#[expect(
    clippy::needless_pass_by_value,
    reason = "the signature of the timer's version"
)]
pub(crate) fn renotify_later(scope: Weak<Scope>, id: u64, _attempt: usize) {
    if let Some(scope) = scope.upgrade() {
        while scope.renotify(id) {
            thread::yield_now();
        }
    }
}

/// A wake action registered on a scope; removed on drop (invariant 3).
///
/// Internal only: the runtime never leaks one, which invariant 3 relies on.
pub(crate) struct Registration<'a> {
    scope: &'a Scope,
    id: u64,
    _condvar: PhantomData<&'a Condvar>,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.scope.deregister(self.id);
    }
}
