use leanvibe_test::plugin_test;

#[plugin_test(max_ms = -5)]
fn negative() {}

#[plugin_test(max_mb = 0)]
fn zero() {}

#[plugin_test(iterations = 0)]
fn no_runs() {}

fn main() {}
