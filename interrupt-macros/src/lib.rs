//! Procedural macros of the [`gracefully`](https://docs.rs/gracefully) crate:
//! [`macro@interruptible`], [`critical!`] and [`macro@main`].
//!
//! Use them through `gracefully`, which re-exports them; the generated
//! code names the runtime as `::gracefully::__private` (or `path::__private`
//! with the `crate = path` option).
//!
//! The crate holds no `unsafe` code.

#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

mod args;
mod critical;
mod diag;
mod entry;
mod expand;
mod item;
mod rewrite;
mod validate;

use proc_macro::TokenStream;

/// Inserts a checkpoint at the start of every iteration of every loop of a
/// function, so that it stops when its scope is interrupted.
///
/// Goes on a `fn`, an `async fn`, a method, or an `impl` block (then on each
/// of its methods). Every `loop`, `while`, `while let` and `for` in the body
/// checks for a pending request at the start of each iteration, and returns
/// `Err(ThreadExit)` through `?` when there is one. The scope is looked up
/// once per call, so a checkpoint costs one relaxed atomic load.
///
/// There is no checkpoint on function entry. A body with no loop is emitted
/// unchanged. Closures, `async` blocks, `const` contexts and items nested in
/// the body are left alone: their control flow is not the function's. Loops
/// inside macro invocations (`vec![..]`, your own macros, and `critical!`,
/// where a checkpoint could not deliver anyway) are invisible to the
/// attribute and get no checkpoint.
///
/// # `async fn`
///
/// In an `async fn` every `.await` of the body is an interruption point too,
/// on the scope the task runs in (see
/// `FutureExt::with_interrupt`):
///
/// - an await reached with a request pending returns `Err` through `?`
///   without polling the awaited future at all: nothing is begun;
/// - once it has polled the future, a completion wins over a request that
///   arrived meanwhile: nothing is lost, and the request fires at the next
///   interruption point;
/// - a future still pending when a request arrives is dropped, as
///   `select!` would drop it, and the function returns `Err`. A request
///   wakes the task, so this happens at once.
///
/// Awaits inside closures, `async` blocks and macro invocations (`select!`,
/// `join!`, `critical!`) are left alone.
///
/// ## Cancellation safety
///
/// Dropping a pending future is harmless when it holds nothing that would
/// be lost: a timer, an `accept`, tokio's `mpsc::Receiver::recv`, a `read`
/// into your own buffer. It is harmful when the future does part of its
/// work before it completes: `write_all` (some bytes written, and you cannot
/// tell how many), `read_exact`, a multi-step protocol exchange. Put those
/// inside `critical!`: its awaits are not interruption points, and the
/// section holds across them even when the task moves between threads.
///
/// ```
/// use std::future::Future;
/// use std::pin::{Pin, pin};
/// use std::task::{Context, Poll, Waker};
/// use gracefully::{FutureExt, InterruptHandle, ThreadExit, critical, interruptible};
///
/// /// Pending once, then ready: stands for any I/O.
/// struct Io(bool);
/// impl Future for Io {
///     type Output = ();
///     fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
///         if self.0 {
///             return Poll::Ready(());
///         }
///         self.0 = true;
///         cx.waker().wake_by_ref();
///         Poll::Pending
///     }
/// }
///
/// /// Not cancellation-safe: dropped halfway, it leaves half a record.
/// async fn write_record(out: &mut Vec<&'static str>) {
///     out.push("begin");
///     Io(false).await;
///     out.push("end");
/// }
///
/// #[interruptible]
/// async fn writer(out: &mut Vec<&'static str>) -> Result<(), ThreadExit> {
///     loop {
///         Io(false).await; // an interruption point: a fine place to stop
///         critical! { write_record(out).await } // never cut in half
///     }
/// }
///
/// let handle = InterruptHandle::new();
/// let mut out = Vec::new();
/// let result = {
///     let mut task = pin!(writer(&mut out).with_interrupt(handle.clone()));
///     let mut cx = Context::from_waker(Waker::noop());
///     for _ in 0..4 {
///         assert!(task.as_mut().poll(&mut cx).is_pending());
///     }
///     handle.interrupt(); // the task is inside `write_record` now
///     loop {
///         if let Poll::Ready(result) = task.as_mut().poll(&mut cx) {
///             break result;
///         }
///     }
/// };
/// assert!(result.is_err());
/// assert_eq!(out, ["begin", "end", "begin", "end"]);
/// ```
///
/// # Return type
///
/// Checkpoints use `?`, so the function must return a type that accepts a
/// `ThreadExit` through `?`: `Result<T, ThreadExit>`, `Result<T, E>` with
/// `E: From<ThreadExit>`, `std::io::Result<T>`, or an `anyhow`-style result.
/// A function without a return type is rejected: return a `Result`, or use
/// `unwind`.
///
/// # Options
///
/// - `unwind`: checkpoints unwind with a `ThreadExit` payload instead (no
///   panic message is printed), so any return type works; catch the unwind
///   with `gracefully::catch_exit`, or let `JoinHandle::join` report it as
///   `JoinError::Interrupted`. Needs `panic = "unwind"`; not for `async fn`.
///   A checkpoint reached while the thread is already unwinding (in a
///   destructor run by the unwind) does not unwind again, which would abort
///   the process: the request stays pending. For the same reason `unwind`
///   is refused on an `impl Drop`.
/// - `every = N`: each loop checks once per `N` iterations, for hot loops.
/// - `crate = path`: the runtime is at `path` instead of `::gracefully` (for
///   crates that rename or re-export it).
///
/// Mark a loop with `#[no_checkpoint]` to leave it alone; the attribute
/// removes the marker.
///
/// # Hot loops and vectorisation
///
/// Any check inside a loop, even a countdown, stops LLVM from vectorising
/// it: a `&[u32]` sum runs several times slower with one. Keep the inner
/// loop clean with `#[no_checkpoint]` and let the outer loop check, once per
/// chunk:
///
/// ```
/// use gracefully::{ThreadExit, interruptible};
///
/// #[interruptible]
/// fn sum(data: &[u32]) -> Result<u64, ThreadExit> {
///     let mut total = 0u64;
///     for chunk in data.chunks(4096) {
///         // checked once per chunk
///         #[no_checkpoint]
///         for &x in chunk {
///             total += u64::from(x);
///         }
///     }
///     Ok(total)
/// }
///
/// assert_eq!(sum(&[1, 2, 3]), Ok(6));
/// ```
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gracefully::{ThreadExit, interruptible};
///
/// #[interruptible]
/// fn count(limit: u64) -> Result<u64, ThreadExit> {
///     let mut n = 0;
///     while n < limit {
///         // inserted here: `__interrupt_checkpoint.check()?;`
///         n += 1;
///         std::thread::yield_now();
///     }
///     Ok(n)
/// }
///
/// assert_eq!(count(3), Ok(3));
/// let worker = gracefully::spawn(|| count(u64::MAX));
/// std::thread::sleep(Duration::from_millis(10));
/// worker.interrupt();
/// assert!(worker.join().unwrap().is_err());
/// ```
///
/// It expands to roughly:
///
/// ```
/// # use gracefully::ThreadExit;
/// fn count(limit: u64) -> Result<u64, ThreadExit> {
///     let __interrupt_checkpoint = ::gracefully::__private::Checkpoint::current();
///     let mut n = 0;
///     while n < limit {
///         __interrupt_checkpoint.check()?;
///         n += 1;
///         std::thread::yield_now();
///     }
///     Ok(n)
/// }
/// # let worker = gracefully::spawn(|| count(u64::MAX));
/// # worker.interrupt();
/// # assert!(worker.join().unwrap().is_err());
/// ```
///
/// With `unwind`, any return type:
///
/// ```
/// use gracefully::{JoinError, interruptible};
///
/// struct Pump;
///
/// #[interruptible(unwind, every = 64)]
/// impl Pump {
///     fn run(&mut self, limit: u64) -> u64 {
///         let mut pumped = 0;
///         while pumped < limit {
///             pumped += 1;
///             std::thread::yield_now();
///         }
///         pumped
///     }
/// }
///
/// assert_eq!(Pump.run(100), 100);
/// let worker = gracefully::spawn(|| Pump.run(u64::MAX));
/// worker.interrupt();
/// assert!(matches!(worker.join(), Err(JoinError::Interrupted(_))));
/// ```
#[proc_macro_attribute]
pub fn interruptible(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::interruptible(args.into(), input.into()).into()
}

/// A critical section around a block: interruption waits until it ends.
///
/// `critical! { ... }` is an expression with the block's value. While it
/// runs, interruption points on the current scope behave as if nothing were
/// pending; a request made meanwhile is delivered at the first interruption
/// point after the outermost section. `return`, `?` and `break` inside
/// leave the section cleanly: it expands to a block that holds a guard, not
/// to a closure. `critical! { crate = path; ... }` names the runtime.
///
/// # Examples
///
/// A record is written whole or not at all:
///
/// ```
/// use std::io::Write;
/// use gracefully::{critical, ThreadExit};
///
/// fn write_record(out: &mut Vec<u8>, fields: &[&str]) -> Result<usize, ThreadExit> {
///     gracefully::check()?; // may stop before the record...
///     let written = critical! {
///         let mut n = 0;
///         for field in fields {
///             gracefully::check()?; // ...but never in the middle of it
///             n += out.write(field.as_bytes()).unwrap();
///         }
///         n
///     };
///     Ok(written)
/// }
///
/// let mut out = Vec::new();
/// gracefully::current().interrupt();
/// assert!(write_record(&mut out, &["a", "b"]).is_err()); // stopped before
/// gracefully::clear();
/// assert_eq!(write_record(&mut out, &["a", "b"]), Ok(2));
/// ```
///
/// It expands to roughly:
///
/// ```
/// # fn work() {}
/// {
///     let __interrupt_section = ::gracefully::__private::critical_section();
///     work()
/// }
/// # ;
/// ```
#[proc_macro]
pub fn critical(input: TokenStream) -> TokenStream {
    critical::critical(input.into()).into()
}

/// Makes `fn main` shut down in order: installs the signal handlers, runs
/// the body, then calls `gracefully::shutdown(grace)` before the process
/// ends.
///
/// SIGINT, SIGTERM and SIGHUP then request every scope (with the default
/// `signals` feature, on unix); a second one exits at once. Whether the
/// body returns `Ok`, returns `Err` or panics, the shutdown runs (an
/// ending `main` would otherwise kill every thread mid-work), and then
/// `main` ends as the body would have: the same value, the same error, the
/// same panic. Two exceptions:
///
/// - An error that carries a `ThreadExit` caused by a signal (the error
///   itself, inside an `io::Error`, or in a boxed error's `source()`
///   chain) is a clean stop: nothing is printed and the exit status is 0
///   (see `exit` below).
/// - If threads are still running when the grace period ends, the shutdown
///   report goes to stderr and the exit status is 1; an error `main`
///   returned is printed first, as `main` would print it (`Error: …`).
///
/// Options:
///
/// - `grace = "5s"`: how long the shutdown waits (the default; also
///   `"500ms"`, `"2m"`, `"1h"`).
/// - `second = "exit" | "ignore" | path::to::fn`: what a second signal does
///   while the first is being handled: exit at once with 128 + its number
///   (the default), nothing (a supervisor that must handle its children
///   first), or call a `fn(i32)` with the signal's number on the signal
///   thread.
/// - `exit = "zero" | "signal"`: after a clean stop caused by a signal,
///   exit 0 (the default), or end by the signal's default action, so that a
///   shell running the program in a script sees it killed by SIGINT and
///   stops the script too.
/// - `signals = [SIGINT, SIGTERM]`: the signals to handle instead of
///   SIGINT, SIGTERM and SIGHUP: `SIGHUP`, `SIGINT`, `SIGQUIT`, `SIGTERM`,
///   `SIGUSR1`, `SIGUSR2`, `SIGALRM`, or numbers.
/// - `crate = path`: where the `gracefully` crate is.
///
/// `second`, `exit = "signal"` and `signals` need signal handling (unix,
/// the `signals` feature); elsewhere they are a compile error. For
/// `async fn main`, put your runtime's attribute below this one:
/// `#[gracefully::main] #[tokio::main] async fn main()`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// #[gracefully::main(grace = "2s")]
/// fn main() -> Result<(), gracefully::ThreadExit> {
///     let worker = gracefully::spawn(|| -> Result<(), gracefully::ThreadExit> {
///         loop {
///             gracefully::sleep(Duration::from_millis(10))?; // stops on Ctrl-C, or at the end
///         }
///     });
///     std::thread::sleep(Duration::from_millis(30));
///     drop(worker); // the shutdown after the body stops and waits for it
///     Ok(())
/// }
/// ```
///
/// With options:
///
/// ```no_run
/// fn on_second_signal(signal: i32) {
///     eprintln!("signal {signal} again: still stopping the children");
/// }
///
/// #[gracefully::main(grace = "10s", second = on_second_signal, exit = "signal", signals = [SIGINT, SIGTERM])]
/// fn main() {
///     // ...
/// }
/// ```
///
/// It expands to roughly:
///
/// ```
/// # fn body() -> Result<(), gracefully::ThreadExit> { Ok(()) }
/// fn main() -> Result<(), gracefully::ThreadExit> {
///     let options = ::gracefully::__private::Main::new().start();
///     let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
///         || -> Result<(), gracefully::ThreadExit> { body() },
///     ));
///     options.finish(outcome, std::time::Duration::from_millis(2000), |value| {
///         // A `Result` is looked into for a signal's `ThreadExit`.
///         # #[allow(unused_imports)]
///         use ::gracefully::__private::{ClassifyOther as _, ClassifyResult as _};
///         (&&::gracefully::__private::MainValue(value)).classify()
///     })
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, input: TokenStream) -> TokenStream {
    entry::main(args.into(), input.into()).into()
}
