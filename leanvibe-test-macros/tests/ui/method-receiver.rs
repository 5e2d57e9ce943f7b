use leanvibe_test::plugin_test;

struct Suite;

impl Suite {
    #[plugin_test]
    fn method(&self) {}
}

fn main() {}
