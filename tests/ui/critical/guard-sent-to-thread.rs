fn main() {
    let section = interrupt::critical_section();
    std::thread::spawn(move || drop(section));
}
