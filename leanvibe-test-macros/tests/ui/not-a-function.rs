use leanvibe_test::plugin_test;

#[plugin_test]
struct NotATest;

fn main() {}
