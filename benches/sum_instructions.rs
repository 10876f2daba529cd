//! Runs one vectorised-sum variant 1,000 times, for counting the
//! instructions it executes, which unlike its time does not depend on the
//! machine's load or on where the linker placed the loop:
//!
//! ```sh
//! cargo bench --bench sum_instructions --no-run
//! valgrind --tool=callgrind target/release/deps/sum_instructions-* chunked
//! ```
//!
//! Variants: `none` (the set-up alone), `plain`, `hand-written`, `token`,
//! `check`, `each`, `every-1024`, `chunked`. Under `cargo bench` (no variant
//! named) it does nothing.

use std::hint::black_box;
use std::sync::atomic::AtomicBool;

use tokio_util::sync::CancellationToken;

mod sums;
use sums::{
    numbers, sum_chunked, sum_each, sum_every_1024, sum_free_check, sum_hand_written, sum_plain,
    sum_token,
};

const RUNS: usize = 1_000;

/// One variant, set up.
type Sum<'a> = Box<dyn Fn(&[u32]) -> u64 + 'a>;

fn main() {
    let Some(variant) = std::env::args().nth(1) else {
        return;
    };
    let data = numbers();
    let flag = AtomicBool::new(false);
    let token = CancellationToken::new();
    let sum: Sum<'_> = match variant.as_str() {
        "none" => Box::new(|_| 0),
        "plain" => Box::new(sum_plain),
        "hand-written" => Box::new(|data| sum_hand_written(&flag, data).unwrap()),
        "token" => Box::new(|data| sum_token(&token, data).unwrap()),
        "check" => Box::new(|data| sum_free_check(data).unwrap()),
        "each" => Box::new(|data| sum_each(data).unwrap()),
        "every-1024" => Box::new(|data| sum_every_1024(data).unwrap()),
        "chunked" => Box::new(|data| sum_chunked(data).unwrap()),
        // `cargo bench` passes `--bench`.
        _ => return,
    };
    let total = (0..RUNS).fold(0u64, |total, _| total.wrapping_add(sum(black_box(&data))));
    println!("{variant}: {total}");
}
