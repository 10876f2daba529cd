// `crate = path` for a crate that reaches the runtime under another name.

mod runtime {
    pub use gracefully::*;
}

#[gracefully::interruptible(crate = crate::runtime)]
fn work(n: u32) -> Result<u32, runtime::ThreadExit> {
    let mut i = 0;
    while i < n {
        i += 1;
    }
    Ok(i)
}

fn main() {
    assert_eq!(work(3).unwrap(), 3);
    let value = gracefully::critical! { crate = crate::runtime; 5 };
    assert_eq!(value, 5);
}
