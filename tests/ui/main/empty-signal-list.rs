#[gracefully::main(signals = [])]
fn main() {}
