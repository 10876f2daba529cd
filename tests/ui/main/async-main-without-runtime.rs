#[interrupt::main]
async fn main() {}
