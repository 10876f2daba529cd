use gracefully::interruptible;

#[interruptible]
struct Worker;

#[interruptible]
enum State {
    Idle,
}

#[interruptible]
trait Job {
    fn run(&self);
}

#[interruptible]
const LIMIT: u32 = 10;

#[interruptible]
static NAME: &str = "worker";

fn main() {}
