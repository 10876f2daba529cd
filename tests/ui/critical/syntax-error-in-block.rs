use interrupt::critical;

fn main() {
    critical! {
        let = 3;
    };
}
