// `critical!` is a block: its value, `return`, `?` and `break` work.

use gracefully::{critical, ThreadExit};

fn value() -> u32 {
    critical! { 40 + 2 }
}

fn early_return(flag: bool) -> u32 {
    critical! {
        if flag {
            return 1;
        }
    }
    2
}

fn question_mark(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n = critical! { input.parse::<u32>()? };
    Ok(n)
}

fn break_out() -> u32 {
    let mut n = 0;
    loop {
        critical! {
            n += 1;
            if n == 3 {
                break;
            }
        }
    }
    n
}

fn nested_sections_and_checks() -> Result<(), ThreadExit> {
    critical! {
        critical! { gracefully::check()? };
        gracefully::check()?;
    }
    gracefully::check()
}

fn main() {
    assert_eq!(value(), 42);
    assert_eq!(early_return(true), 1);
    assert_eq!(early_return(false), 2);
    assert_eq!(question_mark("7"), Ok(7));
    assert!(question_mark("x").is_err());
    assert_eq!(break_out(), 3);
    assert!(nested_sections_and_checks().is_ok());
}
