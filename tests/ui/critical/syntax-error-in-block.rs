use gracefully::critical;

fn main() {
    critical! {
        let = 3;
    };
}
