use leanvibe_test::plugin_test;

#[plugin_test(should_panic = "boom")]
#[should_panic(expected = "boom")]
fn panics_twice() {
    panic!("boom")
}

fn main() {}
