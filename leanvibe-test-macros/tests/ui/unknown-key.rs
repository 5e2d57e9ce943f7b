use leanvibe_test::plugin_test;

#[plugin_test(timeout = 5000)]
fn misspelled() {}

fn main() {}
