use leanvibe_test::plugin_test;

#[plugin_test(timeout_ms = 100, tags = ["a"], timeout_ms = 200)]
fn twice() {}

fn main() {
    // The function is still emitted on error, so callers keep compiling.
    twice();
}
