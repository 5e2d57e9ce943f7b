use leanvibe_test::plugin_test;

#[plugin_test(should_panic)]
fn result_and_panic() -> Result<(), String> {
    panic!("boom")
}

fn main() {}
