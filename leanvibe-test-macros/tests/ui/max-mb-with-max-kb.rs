use leanvibe_test::plugin_test;

#[plugin_test(max_mb = 2, max_kb = 512)]
fn both_units() {}

fn main() {}
