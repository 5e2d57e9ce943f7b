use leanvibe_test::plugin_test;

#[plugin_test(warmup = 10)]
fn only_warmup() {}

fn main() {}
