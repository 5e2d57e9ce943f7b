//! `crate = "..."` makes generated code name that path instead of
//! `::leanvibe_test`. Cargo refuses one package under two dependency names,
//! so the path here is a module re-exporting the runtime, whose `run_sync`,
//! `run_async` and fixture `build` count their calls: the counts prove the expansion went
//! through this path.

use std::sync::atomic::{AtomicUsize, Ordering};

static SYNC_CALLS: AtomicUsize = AtomicUsize::new(0);
static ASYNC_CALLS: AtomicUsize = AtomicUsize::new(0);
static FIXTURE_BUILDS: AtomicUsize = AtomicUsize::new(0);

mod renamed {
    pub mod __private {
        pub use ::leanvibe_test::__private::*;
        use std::future::Future;
        use std::sync::atomic::Ordering;

        pub fn run_sync(body: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
            crate::SYNC_CALLS.fetch_add(1, Ordering::SeqCst);
            ::leanvibe_test::__private::run_sync(body)
        }

        pub fn run_async<F>(config: AsyncConfig, body: impl FnOnce() -> F) -> Result<(), String>
        where
            F: Future<Output = Result<(), String>>,
        {
            crate::ASYNC_CALLS.fetch_add(1, Ordering::SeqCst);
            ::leanvibe_test::__private::run_async(config, body)
        }

        pub fn build<T>(name: &str, body: impl FnOnce() -> T) -> T {
            crate::FIXTURE_BUILDS.fetch_add(1, Ordering::SeqCst);
            ::leanvibe_test::__private::build(name, body)
        }
    }
}

#[leanvibe_test::plugin_test(crate = "crate::renamed", tags = ["renamed"])]
fn through_renamed_path() {}

#[leanvibe_test::plugin_test(crate = "crate::renamed", flavor = "multi_thread")]
async fn async_through_renamed_path() {}

#[leanvibe_test::fixture(crate = "crate::renamed")]
fn answer() -> u32 {
    42
}

#[leanvibe_test::plugin_test(crate = "crate::renamed")]
fn takes_fixture_through_renamed_path(answer: u32) {
    assert_eq!(answer, 42);
}

fn main() {
    let case = leanvibe_test::__private::registry::all()
        .find(|case| case.name == "through_renamed_path")
        .expect("registered through the renamed path");
    assert_eq!(case.attrs.tags, ["renamed"]);
    assert_eq!((case.body)(), Ok(()));
    assert_eq!(SYNC_CALLS.load(Ordering::SeqCst), 1);

    let case = leanvibe_test::__private::registry::all()
        .find(|case| case.name == "async_through_renamed_path")
        .expect("registered through the renamed path");
    assert_eq!((case.body)(), Ok(()));
    assert_eq!(ASYNC_CALLS.load(Ordering::SeqCst), 1);

    let case = leanvibe_test::__private::registry::all()
        .find(|case| case.name == "takes_fixture_through_renamed_path")
        .expect("registered through the renamed path");
    assert_eq!((case.body)(), Ok(()));
    assert_eq!(FIXTURE_BUILDS.load(Ordering::SeqCst), 1);
    assert_eq!(SYNC_CALLS.load(Ordering::SeqCst), 2);
}
