#[interrupt::main]
fn start() {}

fn main() {
    start();
}
