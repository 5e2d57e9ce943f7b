use leanvibe_test::plugin_test;

#[plugin_test(ignore = "slow")]
#[ignore]
fn ignored_twice() {}

fn main() {}
