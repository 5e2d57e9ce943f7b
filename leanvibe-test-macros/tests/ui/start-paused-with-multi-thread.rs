use leanvibe_test::plugin_test;

#[plugin_test(flavor = "multi_thread", start_paused = true)]
async fn paused() {}

fn main() {}
