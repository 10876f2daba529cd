#[gracefully::main(grace = "soon", grace = 5)]
fn main() {}
