use leanvibe_test::plugin_test;

#[plugin_test(crate = "not a path")]
fn renamed() {}

fn main() {}
