//! Termination signals as requests (unix, feature `signals`):
//! [`install`] and the [`Signals`] builder.
//!
//! On Windows there is no such module yet: Ctrl-C there ends the process as
//! usual. Call [`interrupt_all`](crate::interrupt_all) from a console
//! handler of your own to get the same effect.
//!
//! # Invariants
//!
//! 1. The signal handlers do only async-signal-safe work: `signal-hook`'s
//!    self-pipe write, an atomic load, and `_exit`. Requesting the scopes
//!    happens on the `gracefully-signals` thread.
//! 2. Handlers are chained through `signal-hook-registry`: handlers that
//!    other code installed before or after keep running.
//! 3. A signal that was ignored when `install` ran (`nohup`, `trap '' HUP`)
//!    stays ignored, unless `override_ignored(true)`: no handler is
//!    installed for it, and the handle lists it (`ignored()`).
//! 4. Every handled signal is counted in its handler (`Arming::unhandled`,
//!    one atomic add), so signals that arrive together are each seen even
//!    when the signal thread is woken once for them. A signal is a second
//!    one when another is still unhandled before it, or while a request is
//!    pending on the receiving scope (`Arming::receiver`, one atomic load:
//!    the `deliver_to` handle's scope, or else the installer's); `clear()`
//!    on that scope re-arms.
//! 5. One installation at a time: installing again with the same
//!    configuration (signals, target, `override_ignored`, kind of
//!    second-signal action) adds a handle to it, any other is an error; the handlers go with the last
//!    handle's `uninstall`.
//! 6. After `fork()` the child has the handlers but not the signal thread:
//!    its signals are counted (a second one still exits, with
//!    `SecondSignal::Exit`) but request nothing until the child calls
//!    `install` again, which drops the parent's installation (its handlers
//!    are unregistered, its thread and self-pipe left alone, as they are
//!    the parent's) and installs anew.
//! 7. A first signal requests the receiving scope first; then, when the
//!    requests go to every scope, it records that scope (`late`) before it
//!    takes the registry's snapshot for `interrupt_all`. A scope made
//!    later reads the record after registering, so each scope is either in
//!    the snapshot or sees the record, and starts requested with the
//!    receiving scope's cause while that is pending. Once the receiving
//!    scope is cleared, new scopes start as usual. The request to every
//!    scope leaves the receiving scope out: it was requested first, and
//!    may have been cleared since.

use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;
use std::thread;

use signal_hook::SigId;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals as SignalStream;
use signal_hook::iterator::backend::Handle as StreamHandle;
use signal_hook::low_level;

use crate::current::current_arc;
use crate::exit::Cause;
use crate::fanout::Fanout;
use crate::handle::{InterruptHandle, interrupt_all_with};
use crate::scope::Scope;
use crate::sync::global::{AtomicBool, Mutex, lock};
use crate::sync::{Arc, AtomicUsize, Ordering};

/// Installs the default handling: SIGINT, SIGTERM and SIGHUP request every
/// live scope with [`Cause::Signal`] (and scopes made later start
/// requested, until the installing thread's scope is cleared); a second
/// one of them, while the first is being handled, exits the process at
/// once with status 128 + its number (130 for SIGINT). Signals that were
/// ignored at start stay ignored ([`SignalsHandle::ignored`] lists them).
/// The same as `Signals::new().install()`.
///
/// # Errors
///
/// The operating system's error if a handler or the signal thread cannot be
/// set up.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
///
/// fn main() -> std::io::Result<()> {
///     let _signals = gracefully::signals::install()?;
///     let worker = gracefully::spawn(|| loop {
///         gracefully::sleep(Duration::from_secs(1))?; // Ctrl-C ends this
///     });
///     let stopped: Result<(), gracefully::ThreadExit> = worker.join().unwrap();
///     println!("worker stopped: {}", stopped.unwrap_err());
///     Ok(())
/// }
/// ```
pub fn install() -> io::Result<SignalsHandle> {
    Signals::new().install()
}

/// What a second signal does: one that arrives while the request of an
/// earlier one is still pending on the receiving scope (the installing
/// thread's, or the [`deliver_to`](Signals::deliver_to) handle's; after
/// that scope calls `clear()`, the next signal is a first one again), or
/// together with an earlier one that has not been handled yet.
#[non_exhaustive]
pub enum SecondSignal {
    /// Exit at once, from the signal handler, with status 128 + the
    /// signal's number (130 for SIGINT, 143 for SIGTERM). The default.
    Exit,
    /// Nothing more: the shutdown goes on.
    Ignore,
    /// Call this on the signal thread, with the signal's number: to
    /// escalate in your own way (a supervisor kills its children, say).
    /// The closure, and what it captured, is dropped when the handlers are
    /// uninstalled (and lives on with the process if they never are).
    Run(Box<dyn Fn(i32) + Send + Sync>),
}

impl fmt::Debug for SecondSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecondSignal::Exit => f.write_str("Exit"),
            SecondSignal::Ignore => f.write_str("Ignore"),
            SecondSignal::Run(_) => f.write_str("Run(..)"),
        }
    }
}

/// Chooses the signals and what a second one does; then [`install`](Signals::install).
///
/// # Examples
///
/// ```
/// use gracefully::signals::{SecondSignal, Signals};
///
/// const SIGTERM: i32 = 15;
/// let handle = Signals::new()
///     .signals(&[SIGTERM])
///     .on_second(SecondSignal::Run(Box::new(|signal| eprintln!("signal {signal} again"))))
///     .install()?;
/// handle.uninstall();
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "nothing is installed until `install` is called"]
pub struct Signals {
    list: Vec<i32>,
    second: SecondSignal,
    target: Option<InterruptHandle>,
    override_ignored: bool,
}

impl Default for Signals {
    /// The same as [`Signals::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl Signals {
    /// SIGINT, SIGTERM and SIGHUP; a second one exits.
    ///
    /// # Examples
    ///
    /// ```
    /// let signals = gracefully::signals::Signals::new();
    /// # drop(signals);
    /// ```
    pub fn new() -> Self {
        Self {
            list: vec![SIGINT, SIGTERM, SIGHUP],
            second: SecondSignal::Exit,
            target: None,
            override_ignored: false,
        }
    }

    /// Handles these signals instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let signals = gracefully::signals::Signals::new().signals(&[2, 15]); // SIGINT, SIGTERM
    /// # drop(signals);
    /// ```
    pub fn signals(mut self, signals: &[i32]) -> Self {
        self.list = signals.to_vec();
        self
    }

    /// What a second signal does while the first is being handled.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::signals::{SecondSignal, Signals};
    ///
    /// let signals = Signals::new().on_second(SecondSignal::Ignore);
    /// # drop(signals);
    /// ```
    pub fn on_second(mut self, second: SecondSignal) -> Self {
        self.second = second;
        self
    }

    /// Sends the requests to `handle`'s scope (and so to its children)
    /// instead of every scope: "Ctrl-C stops the producer; the workers
    /// drain the queue", or a supervisor that directs its shutdown itself.
    ///
    /// `handle` is then the receiving scope: a signal is a second one while
    /// a request is pending on it, and a `clear()` there re-arms. Scopes
    /// made later are not requested (its children are, as children).
    ///
    /// # Examples
    ///
    /// ```
    /// let producer = gracefully::InterruptHandle::new();
    /// let signals = gracefully::signals::Signals::new()
    ///     .deliver_to(&producer)
    ///     .install()?;
    /// signals.uninstall();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn deliver_to(mut self, handle: &InterruptHandle) -> Self {
        self.target = Some(handle.clone());
        self
    }

    /// Handles the signals that were ignored when [`install`](Signals::install)
    /// runs, too. By default they stay ignored: a program started in the
    /// background by a shell script ignores SIGINT, and one started by
    /// `nohup` ignores SIGHUP, on purpose. [`SignalsHandle::ignored`] lists
    /// the ones left alone.
    ///
    /// # Examples
    ///
    /// ```
    /// let signals = gracefully::signals::Signals::new().override_ignored(true);
    /// # drop(signals);
    /// ```
    pub fn override_ignored(mut self, handle_them: bool) -> Self {
        self.override_ignored = handle_them;
        self
    }

    /// Installs the handlers and starts the `gracefully-signals` thread.
    ///
    /// Unless [`deliver_to`](Signals::deliver_to) names another, the
    /// calling thread's current scope is the receiving scope: while a
    /// request is pending on it, a signal counts as a second one, and
    /// scopes made after a signal's request start requested with its cause.
    /// Installing while an installation with the same configuration (the
    /// same signals, target, `override_ignored` and kind of
    /// [`on_second`](Signals::on_second) action) is active changes nothing
    /// and returns another handle to it; the handlers stay until every
    /// handle has been uninstalled. Signals ignored at this moment stay
    /// ignored unless [`override_ignored`](Signals::override_ignored), and
    /// the handle says which ([`SignalsHandle::ignored`]).
    ///
    /// # Errors
    ///
    /// The operating system's error if a handler or the thread cannot be set
    /// up; an error of kind `AlreadyExists` that says what is installed when
    /// an installation with another configuration (or a
    /// [`SecondSignal::Run`] action, which cannot be compared) is active.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = gracefully::signals::Signals::new().install()?;
    /// handle.uninstall();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn install(self) -> io::Result<SignalsHandle> {
        let mut state = lock(state());
        if let Some(stale) = state
            .active
            .take_if(|active| active.process != crate::pid::id())
        {
            // Forked: that installation's thread is the parent's (invariant 6).
            stale.forget_in_child();
            state.handles = 0;
        }
        if let Some(active) = &state.active {
            if !active.same_as(&self) {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "signal handling is already installed ({active:?}); uninstall it first"
                    ),
                ));
            }
            let ignored = active.ignored.clone();
            state.handles += 1;
            return Ok(SignalsHandle { ignored });
        }
        // An earlier `uninstall` left default-action emulations behind for
        // some signals: take those out first.
        state.emulations.retain(|&(signal, id)| {
            let handled = self.list.contains(&signal);
            if handled {
                low_level::unregister(id);
            }
            !handled
        });
        let installation = Installation::new(self)?;
        let ignored = installation.ignored.clone();
        state.active = Some(installation);
        state.handles = 1;
        Ok(SignalsHandle { ignored })
    }
}

struct State {
    active: Option<Installation>,
    /// Handles to `active` not yet uninstalled (invariant 5).
    handles: usize,
    /// Default actions emulated after an `uninstall` (see `Installation::remove`).
    emulations: Vec<(i32, SigId)>,
}

fn state() -> &'static Mutex<State> {
    static STATE: OnceLock<Mutex<State>> = OnceLock::new();
    STATE.get_or_init(|| {
        Mutex::new(State {
            active: None,
            handles: 0,
            emulations: Vec::new(),
        })
    })
}

/// Lets a program take its handlers out again; dropping it leaves them in.
///
/// # Examples
///
/// ```
/// let handle = gracefully::signals::install()?;
/// handle.uninstall(); // SIGINT ends the process again, as before
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct SignalsHandle {
    ignored: Vec<i32>,
}

impl SignalsHandle {
    /// The signals asked for that were ignored when the handlers were
    /// installed, and are left ignored (see [`Signals::override_ignored`]):
    /// empty unless the program was started with some of them ignored, as
    /// `nohup` does with SIGHUP and a shell does with SIGINT for a job it
    /// starts in the background.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = gracefully::signals::install()?;
    /// for signal in handle.ignored() {
    ///     eprintln!("signal {signal} was ignored at start and stays ignored");
    /// }
    /// handle.uninstall();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn ignored(&self) -> &[i32] {
        &self.ignored
    }

    /// Gives this handle up; with the last one, removes the handlers and
    /// stops the signal thread. A signal whose action was the default
    /// before [`install`] gets its default action back; handlers of other
    /// code stay.
    ///
    /// # Examples
    ///
    /// ```
    /// gracefully::signals::install()?.uninstall();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn uninstall(self) {
        let mut state = lock(state());
        state.handles = state.handles.saturating_sub(1);
        if state.handles > 0 {
            return; // another handle still wants the handlers (invariant 5)
        }
        if let Some(installation) = state.active.take() {
            let emulations = installation.remove();
            state.emulations.extend(emulations);
        }
    }
}

/// What the handlers and the signal thread share (invariant 4).
struct Arming {
    /// Signals counted by the handlers and not yet handled by the thread.
    unhandled: AtomicUsize,
    /// The receiving scope: the `deliver_to` handle's, or the installer's.
    /// While a request is pending on it, a signal is a second one.
    receiver: Arc<Scope>,
}

/// The kind of an installation's second-signal action, to compare a later
/// `install` with.
#[derive(Debug)]
enum SecondKind {
    Exit,
    Ignore,
    Run,
}

struct Installation {
    /// The process it was made in (invariant 6).
    process: u32,
    /// The signals asked for, sorted.
    signals: Vec<i32>,
    second: SecondKind,
    /// The `deliver_to` scope, if any.
    target: Option<Arc<Scope>>,
    override_ignored: bool,
    /// The signals asked for that were ignored and are left so.
    ignored: Vec<i32>,
    registered: Vec<SigId>,
    stream: StreamHandle,
    thread: Option<thread::JoinHandle<()>>,
    /// Signals whose action was the default before installing.
    defaults: Vec<i32>,
}

impl fmt::Debug for Installation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Installation")
            .field("signals", &self.signals)
            .field("on_second", &self.second)
            .field("deliver_to", &self.target.as_ref().map(|scope| scope.id()))
            .field("override_ignored", &self.override_ignored)
            .finish_non_exhaustive()
    }
}

impl Installation {
    /// Would installing `config` install the same (invariant 5)?
    fn same_as(&self, config: &Signals) -> bool {
        let wanted = sorted(&config.list);
        let same_target = match (&self.target, &config.target) {
            (None, None) => true,
            (Some(scope), Some(handle)) => Arc::ptr_eq(scope, handle.scope()),
            _ => false,
        };
        self.signals == wanted
            && same_target
            && self.override_ignored == config.override_ignored
            && matches!(
                (&self.second, &config.second),
                (SecondKind::Exit, SecondSignal::Exit) | (SecondKind::Ignore, SecondSignal::Ignore)
            )
    }

    fn new(config: Signals) -> io::Result<Self> {
        let Signals {
            list: signals,
            second,
            target,
            override_ignored,
        } = config;
        let signals = sorted(&signals);
        let mut defaults = Vec::new();
        let mut handled = Vec::new();
        let mut ignored = Vec::new();
        for &signal in &signals {
            match disposition(signal)? {
                Disposition::Ignored if !override_ignored => ignored.push(signal), // invariant 3
                Disposition::Default => {
                    defaults.push(signal);
                    handled.push(signal);
                }
                Disposition::Ignored | Disposition::Handled => handled.push(signal),
            }
        }
        let target = target.map(InterruptHandle::into_scope);
        let arming = Arc::new(Arming {
            unhandled: AtomicUsize::new(0),
            receiver: target.clone().unwrap_or_else(current_arc),
        });
        let exit_on_second = matches!(second, SecondSignal::Exit);
        let mut registered = Vec::new();
        // Registered before the stream, so a signal is counted before the
        // signal thread hears of it (invariant 4).
        for &signal in &handled {
            let arming = Arc::clone(&arming);
            let count = move || {
                // SeqCst: one order of counts and requests for all threads.
                let earlier = arming.unhandled.fetch_add(1, Ordering::SeqCst);
                if exit_on_second && (earlier > 0 || arming.receiver.is_requested()) {
                    low_level::exit(128 + signal);
                }
            };
            // SAFETY: the handler only adds to an atomic, loads one (the
            // scope's state word) and calls `_exit`: all async-signal-safe
            // (invariant 1).
            registered.push(unsafe { low_level::register(signal, count) }?);
        }
        let second_kind = match &second {
            SecondSignal::Exit => SecondKind::Exit,
            SecondSignal::Ignore => SecondKind::Ignore,
            SecondSignal::Run(_) => SecondKind::Run,
        };
        let mut stream = SignalStream::new(&handled)?;
        let handle = stream.handle();
        let to_every_scope = target.is_none();
        let thread = thread::Builder::new()
            .name("gracefully-signals".into())
            .spawn(move || {
                for signal in stream.forever() {
                    // Signals that came together may wake this thread once:
                    // each counted one is handled (invariant 4).
                    let count = arming.unhandled.swap(0, Ordering::SeqCst);
                    for earlier in 0..count {
                        if earlier == 0 && !arming.receiver.is_requested() {
                            deliver(&arming.receiver, to_every_scope, Cause::Signal(signal));
                        } else if let SecondSignal::Run(action) = &second {
                            // Likewise for a panicking action.
                            drop(panic::catch_unwind(AssertUnwindSafe(|| action(signal))));
                        }
                    }
                }
            })?;
        Ok(Self {
            process: crate::pid::id(),
            signals,
            second: second_kind,
            target,
            override_ignored,
            ignored,
            registered,
            stream: handle,
            thread: Some(thread),
            defaults,
        })
    }

    /// In a forked child: unregisters the counting handlers and leaves the
    /// rest alone: the thread does not exist here, and the self-pipe is
    /// shared with the parent (invariant 6).
    fn forget_in_child(mut self) {
        for id in self.registered.drain(..) {
            low_level::unregister(id);
        }
        late::forget();
        std::mem::forget(self);
    }

    /// Takes the handlers out; returns the default-action emulations it
    /// registered in their place.
    fn remove(mut self) -> Vec<(i32, SigId)> {
        for id in self.registered.drain(..) {
            low_level::unregister(id);
        }
        late::forget();
        self.stream.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // The registry keeps its own handler installed: emulate the default
        // action behind it, as if nothing had been installed.
        let always = Arc::new(AtomicBool::new(true));
        self.defaults
            .iter()
            .filter_map(|&signal| {
                signal_hook::flag::register_conditional_default(signal, Arc::clone(&always))
                    .ok()
                    .map(|id| (signal, id))
            })
            .collect()
    }
}

/// `signals` sorted, each once: how an installation keeps its list.
fn sorted(signals: &[i32]) -> Vec<i32> {
    let mut sorted = signals.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
}

/// Makes a first signal's request: to the receiving scope, then, unless
/// the requests go to one handle, to every scope, and to those made later
/// (invariant 7). Every scope is requested even if a callback panics; the
/// panic hook has reported the panic, and the signal thread must live on.
fn deliver(receiver: &Arc<Scope>, to_every_scope: bool, cause: Cause) {
    let mut fanout = Fanout::default();
    fanout.request(receiver, cause);
    drop(fanout.finish());
    if to_every_scope {
        late::remember(receiver);
        // Not the receiving scope again: its owner may have cleared the
        // request by now, and a second one would make its next signal a
        // second signal (invariant 4).
        drop(interrupt_all_with(cause, Some(receiver)));
    }
}

/// Scopes made after a signal's request start requested (invariant 7).
mod late {
    use crate::exit::Cause;
    use crate::scope::Scope;
    use crate::sync::global::{AtomicBool, Mutex, lock};
    use crate::sync::{Arc, Ordering, Weak};

    /// The receiving scope of the latest signal delivered to every scope.
    static RECEIVER: Mutex<Option<Weak<Scope>>> = Mutex::new(None);
    /// Whether `RECEIVER` may hold a requested scope: set and reset under
    /// its lock, read without it by every new scope.
    static SET: AtomicBool = AtomicBool::new(false);

    /// After a signal's request on `receiver`, before the other scopes'.
    pub(super) fn remember(receiver: &Arc<Scope>) {
        let mut late = lock(&RECEIVER);
        *late = Some(Arc::downgrade(receiver));
        // SeqCst: ordered before the registry snapshot that follows, so a
        // scope registered after it sees the flag.
        SET.store(true, Ordering::SeqCst);
    }

    /// Once the installation is gone.
    pub(super) fn forget() {
        let mut late = lock(&RECEIVER);
        *late = None;
        SET.store(false, Ordering::SeqCst);
    }

    /// The cause a scope made now starts requested with: the receiving
    /// scope's, while its request is pending.
    pub(crate) fn cause() -> Option<Cause> {
        // SeqCst: pairs with `remember`, after the new scope's registration.
        if !SET.load(Ordering::SeqCst) {
            return None;
        }
        let late = lock(&RECEIVER);
        let cause = late
            .as_ref()
            .and_then(Weak::upgrade)
            .and_then(|scope| scope.cause());
        if cause.is_none() {
            // Cleared (or gone): scopes made from now on start as usual.
            SET.store(false, Ordering::SeqCst);
        }
        cause
    }
}

pub(crate) use late::cause as late_cause;

/// Ends the process as `signal`'s default action does, after flushing
/// stdout and stderr: for `#[gracefully::main(exit = "signal")]`, so that
/// a shell running the program sees it killed by the signal. Exits with
/// 128 + `signal` if the default action does not end the process.
pub(crate) fn die_by(signal: i32) -> ! {
    use std::io::Write;
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    // SAFETY: `sigaction` and `sigset_t` are plain C structs for which all
    // zeroes is valid; they are initialized (`sa_sigaction`, `sigemptyset`)
    // before use, and the calls only read them. Restoring the default
    // action and unblocking the signal on this thread make `raise` deliver
    // it with that action.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&raw mut action.sa_mask);
        libc::sigaction(signal, &raw const action, std::ptr::null_mut());
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&raw mut set);
        libc::sigaddset(&raw mut set, signal);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &raw const set, std::ptr::null_mut());
        libc::raise(signal);
    }
    std::process::exit(128 + signal)
}

enum Disposition {
    Default,
    Ignored,
    Handled,
}

/// The current action of `signal`.
fn disposition(signal: i32) -> io::Result<Disposition> {
    // SAFETY: `sigaction` is a plain C struct for which all zeroes is a
    // valid value; it is only an out-parameter here.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only reads the current one into `action`,
    // a valid, writable struct.
    if unsafe { libc::sigaction(signal, std::ptr::null(), &raw mut action) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(match action.sa_sigaction {
        libc::SIG_DFL => Disposition::Default,
        libc::SIG_IGN => Disposition::Ignored,
        _ => Disposition::Handled,
    })
}
