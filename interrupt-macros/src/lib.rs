//! Procedural macros of the [`interrupt`](https://docs.rs/interrupt) crate.
//!
//! Use them through the facade crate, which re-exports them; the generated
//! code names the runtime as `::interrupt::__private`.
//!
//! The crate holds no `unsafe` code.

#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]
