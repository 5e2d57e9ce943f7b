use leanvibe_test::plugin_test;

#[plugin_test(p95_ms = 5)]
fn one_run() {}

fn main() {}
