use leanvibe_test::plugin_test;

#[plugin_test(flavor = "multi_thread")]
fn not_async() {}

fn main() {}
