use gracefully::interruptible;

#[interruptible(unwind)]
extern "C" fn callback(n: u32) -> u32 {
    let mut i = 0;
    while i < n {
        i += 1;
    }
    i
}

fn main() {}
