fn main() {
    let section = gracefully::critical_section();
    std::thread::spawn(move || drop(section));
}
