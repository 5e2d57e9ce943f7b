//! `#[ignore]` and `#[should_panic]` beside `#[plugin_test]` work as with
//! `#[test]`, and the function stays callable by other code.

use leanvibe_test::plugin_test;
use leanvibe_test::__private::registry::{self, Ignore, ShouldPanic, TestCase};

#[plugin_test]
#[ignore]
fn ignored() {}

#[plugin_test(tags = ["slow"])]
#[ignore = "takes a minute"]
fn ignored_because() {}

#[plugin_test]
#[should_panic]
fn panics() {
    panic!("anything")
}

#[plugin_test]
#[should_panic(expected = "divide by zero")]
fn panics_with_message() {
    let zero = std::hint::black_box(0);
    let _ = 1 / zero;
}

#[plugin_test]
#[should_panic = "short form"]
fn panics_short_form() {
    panic!("short form")
}

#[ignore = "placed before the macro"]
#[plugin_test]
fn attribute_first() {}

fn case(name: &str) -> &'static TestCase {
    registry::all()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("`{name}` is not registered"))
}

/// Runs `body`, which must panic, without printing the expected panic.
fn expect_panic<R>(body: impl FnOnce() -> R + std::panic::UnwindSafe) -> Box<dyn std::any::Any + Send> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(body);
    std::panic::set_hook(hook);
    result.err().expect("the body panics")
}

fn main() {
    assert_eq!(case("ignored").attrs.ignore, Ignore::Yes);
    assert_eq!(case("ignored").attrs.should_panic, ShouldPanic::No);
    let because = case("ignored_because");
    assert_eq!(because.attrs.ignore, Ignore::Because("takes a minute"));
    assert_eq!(because.attrs.tags, ["slow"]);
    assert_eq!(case("panics").attrs.should_panic, ShouldPanic::Yes);
    assert_eq!(case("panics").attrs.ignore, Ignore::No);
    assert_eq!(
        case("panics_with_message").attrs.should_panic,
        ShouldPanic::WithMessage("divide by zero")
    );
    assert_eq!(
        case("panics_short_form").attrs.should_panic,
        ShouldPanic::WithMessage("short form")
    );
    assert_eq!(
        case("attribute_first").attrs.ignore,
        Ignore::Because("placed before the macro")
    );

    // The functions are emitted as written: other code can call them.
    ignored();
    ignored_because();
    expect_panic(panics_with_message);
    expect_panic(case("panics").body);
}
