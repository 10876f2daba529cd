#[interrupt::main(grace = "soon", grace = 5)]
fn main() {}
