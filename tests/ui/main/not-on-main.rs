#[gracefully::main]
fn start() {}

fn main() {
    start();
}
