use leanvibe_test::{fixture, plugin_test};

#[fixture]
fn pair() -> (u32, u32) {
    (1, 2)
}

#[plugin_test]
fn uses_pair((a, b): (u32, u32)) {
    assert!(a < b);
}

#[fixture]
fn derived(_: (u32, u32)) -> u32 {
    1
}

fn main() {}
