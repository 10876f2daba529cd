#[gracefully::main]
async fn main() {}
