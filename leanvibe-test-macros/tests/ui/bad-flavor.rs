use leanvibe_test::plugin_test;

#[plugin_test(flavor = "multi")]
async fn typo() {}

fn main() {}
