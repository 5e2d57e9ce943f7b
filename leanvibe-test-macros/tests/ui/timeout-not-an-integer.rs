use leanvibe_test::plugin_test;

#[plugin_test(timeout_ms = "5s")]
fn quoted() {}

fn main() {}
