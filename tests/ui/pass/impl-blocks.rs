// The attribute on impl blocks, trait impls and single methods.

use gracefully::{interruptible, ThreadExit};

struct Counter {
    n: u32,
}

trait Drain {
    fn drain(&mut self) -> Result<u32, ThreadExit>;
}

#[interruptible]
impl Counter {
    fn new() -> Self {
        Counter { n: 0 }
    }

    fn count_to(&mut self, limit: u32) -> Result<u32, ThreadExit> {
        while self.n < limit {
            self.n += 1;
        }
        Ok(self.n)
    }

    #[interruptible(unwind)]
    fn count_down(&mut self) -> u32 {
        while self.n > 0 {
            self.n -= 1;
        }
        self.n
    }
}

#[interruptible]
impl Drain for Counter {
    fn drain(&mut self) -> Result<u32, ThreadExit> {
        let mut drained = 0;
        loop {
            if self.n == 0 {
                return Ok(drained);
            }
            self.n -= 1;
            drained += 1;
        }
    }
}

impl Counter {
    #[interruptible]
    fn boxed(self: Box<Self>) -> Result<u32, ThreadExit> {
        let mut n = self.n;
        for _ in 0..2 {
            n += 1;
        }
        Ok(n)
    }
}

fn main() {
    let mut counter = Counter::new();
    assert_eq!(counter.count_to(5).unwrap(), 5);
    assert_eq!(counter.drain().unwrap(), 5);
    counter.n = 3;
    assert_eq!(counter.count_down(), 0);
    assert_eq!(Box::new(counter).boxed().unwrap(), 2);
}
