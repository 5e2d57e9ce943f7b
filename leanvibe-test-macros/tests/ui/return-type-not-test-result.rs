use leanvibe_test::plugin_test;

#[plugin_test]
fn returns_number() -> i32 {
    42
}

#[plugin_test]
async fn returns_text() -> &'static str {
    "done"
}

fn main() {}
