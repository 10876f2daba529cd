#[gracefully::main(second = "twice", exit = "one", signals = [SIGINT, SIGKILL])]
fn main() {}
