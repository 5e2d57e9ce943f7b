use leanvibe_test::plugin_test;

#[plugin_test(worker_threads = 4)]
async fn default_flavor() {}

#[plugin_test(flavor = "current_thread", worker_threads = 4)]
async fn current_thread() {}

fn main() {}
