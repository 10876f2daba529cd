fn on_second() {}

#[gracefully::main(second = on_second)]
fn main() {}
