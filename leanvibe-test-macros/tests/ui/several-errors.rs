use leanvibe_test::plugin_test;

#[plugin_test(timeout = 5, max_ms = 0, tags = "slow", flavor = "multi_thread", p99_ms = 3)]
fn many_mistakes(input: u32) {
    let _ = input;
}

fn main() {}
