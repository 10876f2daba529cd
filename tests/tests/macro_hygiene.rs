//! Generated code names everything by absolute path and keeps its locals
//! to itself: shadowed `core`, `Result` and look-alike locals do not
//! disturb it, and it stacks with other attributes.

#![allow(dead_code)]

mod core {}

mod interrupt_like {
    // A module with the runtime's name segments, to catch relative paths.
    pub(crate) mod __private {}
}

type Result<T> = ::std::result::Result<T, ::gracefully::ThreadExit>;

use gracefully::{critical, interruptible};

#[interruptible]
fn with_shadowed_names(n: u32) -> Result<u32> {
    let __interrupt_checkpoint = 5u32; // the user's own, not ours
    let mut total = 0;
    for _ in 0..n {
        total += __interrupt_checkpoint;
    }
    Ok(total)
}

#[interruptible(every = 2)]
fn countdown_look_alike(n: u32) -> Result<u32> {
    let __interrupt_countdown_0 = 1u32;
    let mut total = 0;
    while total < n {
        total += __interrupt_countdown_0;
    }
    Ok(total)
}

#[interruptible]
#[inline]
#[must_use = "stacked attributes stay"]
fn stacked_with_other_attributes() -> Result<u8> {
    let mut n = 0;
    while n < 1 {
        n += 1;
    }
    Ok(n)
}

#[cfg_attr(all(), interruptible)]
fn through_cfg_attr() -> Result<u8> {
    let mut last = 9;
    for n in 0..2 {
        last = n;
    }
    Ok(last)
}

fn critical_with_a_shadowed_result() -> Result<u32> {
    let __interrupt_section = 3; // the user's own, not the guard
    Ok(critical! { gracefully::check()?; __interrupt_section + 1 })
}

#[test]
#[interruptible(unwind)]
fn stacked_under_test() {
    let mut n = 0;
    while n < 3 {
        n += 1;
    }
    assert_eq!(n, 3);
}

#[test]
fn shadowed_names_do_not_change_the_results() {
    assert_eq!(with_shadowed_names(3).unwrap(), 15);
    assert_eq!(countdown_look_alike(4).unwrap(), 4);
    assert_eq!(stacked_with_other_attributes().unwrap(), 1);
    assert_eq!(through_cfg_attr().unwrap(), 1);
    assert_eq!(critical_with_a_shadowed_result().unwrap(), 4);
}
