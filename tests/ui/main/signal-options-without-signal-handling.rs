// The ui cases are built against `gracefully` without default features, so
// without signal handling: each option that needs it is an error there.
#[gracefully::main(second = "ignore", exit = "signal", signals = [SIGINT])]
fn main() {}
