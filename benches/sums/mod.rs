//! The vectorised-sum loops, shared by the `checkpoint` benchmarks and by
//! `sum_instructions`, which runs one of them for an instruction count.

use std::sync::atomic::{AtomicBool, Ordering};

use gracefully::{ThreadExit, interruptible};
use tokio_util::sync::CancellationToken;

/// 64 Ki numbers to sum: a loop LLVM vectorises when nothing checks in it.
pub(crate) fn numbers() -> Vec<u32> {
    (0..65_536)
        .map(|n: u32| n.wrapping_mul(2_654_435_761) >> 7)
        .collect()
}

pub(crate) fn sum_plain(data: &[u32]) -> u64 {
    let mut total = 0;
    for &x in data {
        total += u64::from(x);
    }
    total
}

pub(crate) fn sum_hand_written(flag: &AtomicBool, data: &[u32]) -> Result<u64, ()> {
    let mut total = 0;
    for &x in data {
        if flag.load(Ordering::Relaxed) {
            return Err(());
        }
        total += u64::from(x);
    }
    Ok(total)
}

/// A checkpoint per element: the loop no longer vectorises.
#[interruptible]
pub(crate) fn sum_each(data: &[u32]) -> Result<u64, ThreadExit> {
    let mut total = 0;
    for &x in data {
        total += u64::from(x);
    }
    Ok(total)
}

pub(crate) fn sum_free_check(data: &[u32]) -> Result<u64, ThreadExit> {
    let mut total = 0;
    for &x in data {
        gracefully::check()?;
        total += u64::from(x);
    }
    Ok(total)
}

pub(crate) fn sum_token(token: &CancellationToken, data: &[u32]) -> Result<u64, ()> {
    let mut total = 0;
    for &x in data {
        if token.is_cancelled() {
            return Err(());
        }
        total += u64::from(x);
    }
    Ok(total)
}

#[interruptible(every = 1024)]
pub(crate) fn sum_every_1024(data: &[u32]) -> Result<u64, ThreadExit> {
    let mut total = 0;
    for &x in data {
        total += u64::from(x);
    }
    Ok(total)
}

/// The documented layout: the inner loop left alone, a check per chunk.
#[interruptible]
pub(crate) fn sum_chunked(data: &[u32]) -> Result<u64, ThreadExit> {
    let mut total = 0;
    for chunk in data.chunks(4096) {
        #[no_checkpoint]
        for &x in chunk {
            total += u64::from(x);
        }
    }
    Ok(total)
}
