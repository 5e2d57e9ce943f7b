use leanvibe_test::plugin_test;

#[plugin_test]
fn generic<T: Default>() {
    let _ = T::default();
}

fn main() {}
