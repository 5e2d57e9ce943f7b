use leanvibe_test::prelude::*;

#[plugin_test]
fn round_trips(#[any] n: u32) {
    assert_eq!(n.to_string().parse::<u32>().unwrap(), n);
}

leanvibe_test::main!();
