//! Async tests run on the runtime their keys ask for.

use leanvibe_test::plugin_test;
use leanvibe_test::__private::registry::{self, TestCase};
use leanvibe_test::tokio;
use std::time::Duration;
use tokio::runtime::{Handle, RuntimeFlavor};

#[plugin_test]
async fn default_runtime() {
    assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::CurrentThread);
}

#[plugin_test(flavor = "current_thread")]
async fn explicit_current_thread() {
    assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::CurrentThread);
}

#[plugin_test(flavor = "multi_thread")]
async fn multi_thread() {
    assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::MultiThread);
}

#[plugin_test(flavor = "multi_thread", worker_threads = 3)]
async fn three_workers() -> Result<(), String> {
    assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::MultiThread);
    match Handle::current().metrics().num_workers() {
        3 => Ok(()),
        n => Err(format!("{n} workers")),
    }
}

#[plugin_test(start_paused = true)]
async fn paused_clock() {
    // With the clock paused, tokio advances it to the next timer at once: an
    // hour's sleep returns without waiting an hour.
    let virtual_start = tokio::time::Instant::now();
    let real_start = std::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(virtual_start.elapsed() >= Duration::from_secs(3600));
    assert!(real_start.elapsed() < Duration::from_secs(3600));
}

#[plugin_test(flavor = "multi_thread")]
async fn fails_on_runtime() {
    assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::CurrentThread);
}

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
    for name in [
        "default_runtime",
        "explicit_current_thread",
        "multi_thread",
        "three_workers",
        "paused_clock",
    ] {
        assert_eq!((case(name).body)(), Ok(()), "{name}");
    }
    // The assertions above really run inside the body: a wrong one panics.
    expect_panic(case("fails_on_runtime").body);
}
