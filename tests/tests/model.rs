//! A property test: random sequences of requests, checks, clears, queries
//! and critical sections on one scope behave as a small reference model of
//! the rules says they must (a request is delivered at the first check
//! outside every critical section, and never lost).

use proptest::prelude::*;

use gracefully::{Cause, CriticalGuard};

#[derive(Clone, Debug)]
enum Op {
    Request,
    Check,
    Clear,
    Query,
    Enter,
    Exit,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Request),
        Just(Op::Check),
        Just(Op::Clear),
        Just(Op::Query),
        Just(Op::Enter),
        Just(Op::Exit),
    ]
}

/// What the rules say: a sticky flag, reset only by `clear`, delivered by
/// `check` only when no critical section is open.
#[derive(Default)]
struct Model {
    requested: bool,
    depth: usize,
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let handle = gracefully::InterruptHandle::new();
    handle.enter(|| {
        let mut model = Model::default();
        let mut sections: Vec<CriticalGuard> = Vec::new();
        for op in ops {
            match op {
                Op::Request => {
                    handle.interrupt();
                    model.requested = true;
                }
                Op::Check => {
                    let delivered = gracefully::check();
                    let expected = model.requested && model.depth == 0;
                    prop_assert_eq!(delivered.is_err(), expected);
                    if let Err(exit) = delivered {
                        prop_assert_eq!(exit.cause(), Cause::Interrupted);
                    }
                }
                Op::Clear => {
                    prop_assert_eq!(gracefully::clear().is_some(), model.requested);
                    model.requested = false;
                }
                Op::Query => {
                    prop_assert_eq!(gracefully::interruption_requested(), model.requested);
                    prop_assert_eq!(handle.is_interrupted(), model.requested);
                }
                Op::Enter => {
                    sections.push(gracefully::critical_section());
                    model.depth += 1;
                }
                Op::Exit => {
                    if sections.pop().is_some() {
                        model.depth -= 1;
                    }
                }
            }
        }
        Ok(())
    })
}

proptest! {
    #[test]
    fn check_clear_and_critical_sections_follow_the_rules(ops in proptest::collection::vec(op(), 0..64)) {
        run(&ops)?;
    }
}
