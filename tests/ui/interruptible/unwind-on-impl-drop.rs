use gracefully::interruptible;

struct Flusher(Vec<u8>);

#[interruptible(unwind)]
impl Drop for Flusher {
    fn drop(&mut self) {
        for _ in self.0.drain(..) {}
    }
}

fn main() {}
