//! Sync fixtures: built for each run of a test, injected by parameter name,
//! dropped after the body whether it passes or panics; worker-scope values
//! built once per process and shared; dependencies between fixtures.

use leanvibe_test::__private::SetupFailure;
use leanvibe_test::__private::registry::{self, TestCase};
use leanvibe_test::{fixture, plugin_test};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

static BUILT: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);
static POOLS_BUILT: AtomicUsize = AtomicUsize::new(0);

struct Db {
    id: usize,
}

impl Drop for Db {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, SeqCst);
    }
}

#[fixture]
fn db() -> Db {
    Db {
        id: BUILT.fetch_add(1, SeqCst) + 1,
    }
}

struct Pool {
    size: usize,
}

#[fixture(scope = "worker")]
fn pool() -> Pool {
    POOLS_BUILT.fetch_add(1, SeqCst);
    Pool { size: 4 }
}

/// Depends on a per-test and a worker-scope fixture.
#[fixture]
fn session(db: Db, pool: &Pool) -> (usize, usize) {
    (db.id, pool.size)
}

#[derive(Debug)]
struct Config {
    name: &'static str,
}

#[fixture]
fn config() -> Result<Config, String> {
    Ok(Config { name: "plugin" })
}

#[fixture]
fn broken_config() -> Result<Config, std::io::Error> {
    Err(std::io::Error::other("no plugin.toml"))
}

#[fixture]
fn exploding() -> u32 {
    panic!("disk on fire")
}

#[plugin_test]
fn uses_db(db: Db) {
    assert!(db.id >= 1);
}

#[plugin_test]
fn panics_with_db(db: Db) {
    let _ = db;
    panic!("test body fails");
}

#[plugin_test]
fn uses_pool(pool: &Pool) {
    assert_eq!(pool.size, 4);
}

#[plugin_test]
fn uses_pool_too(pool: &Pool, mut db: Db) -> Result<(), String> {
    db.id += pool.size;
    Ok(())
}

#[plugin_test]
fn uses_session(session: (usize, usize)) {
    assert_eq!(session.1, 4);
}

#[plugin_test]
fn uses_config(config: Config) {
    assert_eq!(config.name, "plugin");
}

#[plugin_test]
fn uses_broken_config(db: Db, broken_config: Config) {
    let _ = (db, broken_config);
    unreachable!("the body does not run when a fixture fails");
}

#[plugin_test]
fn uses_exploding(exploding: u32) {
    let _ = exploding;
    unreachable!("the body does not run when a fixture panics");
}

mod elsewhere {
    use super::db;
    use leanvibe_test::plugin_test;

    /// A fixture imported with `use` is found like any other item.
    #[plugin_test]
    fn imported(db: super::Db) {
        assert!(db.id >= 1);
    }
}

fn case(name: &str) -> &'static TestCase {
    registry::all()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("`{name}` is not registered"))
}

/// Runs `body`, which must unwind, without printing the expected panic.
fn expect_unwind(body: fn() -> Result<(), String>) -> Box<dyn std::any::Any + Send> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(body);
    std::panic::set_hook(hook);
    result.expect_err("the body unwinds")
}

fn setup_failure(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast::<SetupFailure>()
        .expect("a SetupFailure payload")
        .message
}

fn main() {
    // Per-test: built once per run of the body, dropped after it.
    assert_eq!((case("uses_db").body)(), Ok(()));
    assert_eq!((BUILT.load(SeqCst), DROPPED.load(SeqCst)), (1, 1));
    assert_eq!((case("uses_db").body)(), Ok(()));
    assert_eq!((BUILT.load(SeqCst), DROPPED.load(SeqCst)), (2, 2));

    // A panicking body still drops its fixtures, and the panic is the test's
    // own, not a setup error.
    let payload = expect_unwind(case("panics_with_db").body);
    assert!(!payload.is::<SetupFailure>());
    assert_eq!((BUILT.load(SeqCst), DROPPED.load(SeqCst)), (3, 3));

    // Worker scope: one value for the whole process, across tests.
    assert_eq!(POOLS_BUILT.load(SeqCst), 0, "built on first use only");
    assert_eq!((case("uses_pool").body)(), Ok(()));
    assert_eq!((case("uses_pool_too").body)(), Ok(()));
    assert_eq!((case("uses_pool").body)(), Ok(()));
    assert_eq!(POOLS_BUILT.load(SeqCst), 1);
    assert_eq!((BUILT.load(SeqCst), DROPPED.load(SeqCst)), (4, 4));

    // A fixture depending on fixtures.
    assert_eq!((case("uses_session").body)(), Ok(()));
    assert_eq!((BUILT.load(SeqCst), DROPPED.load(SeqCst)), (5, 5));
    assert_eq!(POOLS_BUILT.load(SeqCst), 1);

    assert_eq!((case("uses_config").body)(), Ok(()));
    assert_eq!((case("imported").body)(), Ok(()));
    assert_eq!((BUILT.load(SeqCst), DROPPED.load(SeqCst)), (6, 6));

    // An `Err` is a setup error naming the fixture; the fixture built before
    // it is dropped on the way out.
    let message = setup_failure(expect_unwind(case("uses_broken_config").body));
    assert!(
        message.starts_with("fixture `broken_config` failed: "),
        "{message}"
    );
    assert!(message.contains("no plugin.toml"), "{message}");
    assert_eq!((BUILT.load(SeqCst), DROPPED.load(SeqCst)), (7, 7));

    // So is a panic.
    let message = setup_failure(expect_unwind(case("uses_exploding").body));
    assert_eq!(message, "fixture `exploding` panicked: disk on fire");
}
