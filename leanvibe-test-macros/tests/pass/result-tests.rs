//! Tests returning `Result` pass on `Ok` and fail on `Err` with its `Debug`
//! form, sync and async.

use leanvibe_test::plugin_test;
use leanvibe_test::__private::registry::{self, TestCase};

#[plugin_test]
fn ok_string() -> Result<(), String> {
    Ok(())
}

#[plugin_test]
fn err_string() -> Result<(), String> {
    Err("went wrong".to_string())
}

#[plugin_test]
fn err_io() -> std::io::Result<()> {
    Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no plugin.toml"))
}

#[plugin_test]
fn err_boxed() -> Result<(), Box<dyn std::error::Error>> {
    let parsed: u32 = "x".parse()?;
    let _ = parsed;
    Ok(())
}

#[plugin_test]
async fn async_err() -> Result<(), &'static str> {
    leanvibe_test::tokio::task::yield_now().await;
    Err("async failure")
}

#[plugin_test]
async fn async_ok() {}

fn case(name: &str) -> &'static TestCase {
    registry::all()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("`{name}` is not registered"))
}

fn main() {
    assert_eq!((case("ok_string").body)(), Ok(()));
    assert_eq!(
        (case("err_string").body)(),
        Err("Error: \"went wrong\"".to_string())
    );
    let io = (case("err_io").body)().unwrap_err();
    assert!(io.starts_with("Error: Custom"), "{io}");
    assert!(io.contains("no plugin.toml"), "{io}");
    let boxed = (case("err_boxed").body)().unwrap_err();
    assert!(boxed.contains("InvalidDigit"), "{boxed}");
    assert_eq!(
        (case("async_err").body)(),
        Err("Error: \"async failure\"".to_string())
    );
    assert_eq!((case("async_ok").body)(), Ok(()));
}
