//! A property test registers one test, named after its function, with its
//! generated arguments taken off the signature the harness calls.

use leanvibe_test::__private::registry;
use leanvibe_test::plugin_test;
use leanvibe_test::proptest::prelude::*;

#[plugin_test(cases = 16, seed = 3, max_ms = 50)]
fn holds_for_pairs(#[strategy(0u8..10)] a: u8, #[any] b: bool) {
    assert!(a < 10 || b);
}

#[plugin_test(cases = 4)]
async fn holds_async(#[strategy(prop::collection::vec(any::<u8>(), 0..4))] bytes: Vec<u8>) {
    assert!(bytes.len() < 4);
}

fn main() {
    let names: Vec<&str> = registry::all().map(|case| case.name).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"holds_for_pairs") && names.contains(&"holds_async"));
    let pair = registry::all().find(|case| case.name == "holds_for_pairs").unwrap();
    assert_eq!(pair.attrs.budget.max_ms, Some(50.0));
    // The function itself is still an ordinary function.
    holds_for_pairs(3, false);
}
