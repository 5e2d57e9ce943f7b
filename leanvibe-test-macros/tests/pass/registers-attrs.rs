//! Every key lands in the registered `TestAttrs`, converted right.

use leanvibe_test::plugin_test;
use leanvibe_test::__private::registry::{self, Budget, Ignore, ShouldPanic, TestCase};

const PLAIN_LINE: u32 = line!() + 4;
#[plugin_test(
    tags = ["fast"],
)]
fn plain() {}

#[plugin_test(
    ignore = "needs network",
    should_panic = "index out of bounds",
    timeout_ms = 2500,
    tags = ["slow", "network"],
    max_ms = 250,
    max_mb = 1.5,
    max_rss_mb = 64,
    iterations = 20,
    warmup = 3,
    mean_ms = 2.5,
    p50_ms = 2,
    p95_ms = 5.5,
    p99_ms = 10,
    retries = 2
)]
fn everything() {
    let v: Vec<u8> = Vec::new();
    let _ = v[1];
}

#[plugin_test(ignore, should_panic, max_kb = 512)]
fn flags_and_kib() {
    panic!("any message")
}

fn case(name: &str) -> &'static TestCase {
    let mut found = registry::all().filter(|case| case.name == name);
    let case = found.next().unwrap_or_else(|| panic!("`{name}` is not registered"));
    assert!(found.next().is_none(), "`{name}` is registered twice");
    case
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
    assert_eq!(registry::all().count(), 3);

    let plain = case("plain");
    assert_eq!(plain.module_path, module_path!());
    assert_eq!(plain.full_name(), "plain");
    assert!(plain.file.ends_with("registers-attrs.rs"), "{}", plain.file);
    assert_eq!(plain.line, PLAIN_LINE, "line of the fn name, not of the attribute");
    assert!(std::path::Path::new(plain.manifest_dir).join("Cargo.toml").is_file());
    assert_eq!(plain.attrs.ignore, Ignore::No);
    assert_eq!(plain.attrs.should_panic, ShouldPanic::No);
    assert_eq!(plain.attrs.timeout_ms, None);
    assert_eq!(plain.attrs.tags, ["fast"]);
    assert_eq!(plain.attrs.kind, "unit");
    assert_eq!(plain.attrs.budget, Budget::NONE);
    assert_eq!((plain.body)(), Ok(()));

    let all = case("everything");
    assert_eq!(all.attrs.ignore, Ignore::Because("needs network"));
    assert_eq!(
        all.attrs.should_panic,
        ShouldPanic::WithMessage("index out of bounds")
    );
    assert_eq!(all.attrs.timeout_ms, Some(2500));
    assert_eq!(all.attrs.tags, ["slow", "network"]);
    assert_eq!(all.attrs.kind, "unit");
    assert_eq!(
        all.attrs.budget,
        Budget {
            max_ms: Some(250.0),
            max_heap_bytes: Some(1_572_864),
            max_rss_bytes: Some(64 * 1024 * 1024),
            iterations: Some(20),
            warmup: Some(3),
            mean_ms: Some(2.5),
            p50_ms: Some(2.0),
            p95_ms: Some(5.5),
            p99_ms: Some(10.0),
            retries: Some(2),
        }
    );
    let panic = expect_panic(all.body);
    let message = panic.downcast_ref::<String>().expect("a formatted panic");
    assert!(message.contains("index out of bounds"), "{message}");

    let flags = case("flags_and_kib");
    assert_eq!(flags.attrs.ignore, Ignore::Yes);
    assert_eq!(flags.attrs.should_panic, ShouldPanic::Yes);
    assert_eq!(flags.attrs.budget.max_heap_bytes, Some(512 * 1024));
    assert_eq!(flags.attrs.budget.max_rss_bytes, None);
    assert_eq!(flags.attrs.tags, [] as [&str; 0]);
}
