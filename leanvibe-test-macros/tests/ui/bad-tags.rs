use leanvibe_test::plugin_test;

#[plugin_test(tags = ["net", "", "net", slow])]
fn tagged() {}

fn main() {}
