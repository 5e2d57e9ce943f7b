//! What `#[fixture]` companions and `#[plugin_test]` parameters call at run
//! time: the traits a fixture's companion implements, the guards that turn a
//! failing fixture into a setup error, and the worker's own tokio runtime for
//! worker-scope async fixtures.
//!
//! The user-facing rules are documented on the `leanvibe_test::fixture` attribute; everything
//! here is reached through `__private` by generated code only.

use crate::__private::{KindedFailure, SetupFailure, fail_setup};
use crate::skip::Skipped;
use std::any::Any;
use std::fmt::Debug;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::sync::OnceLock;
use std::task::Poll;

/// Implemented by the hidden companion of every `#[fixture]` (a struct with
/// the fixture's name) for the parameter type it provides: `T` for a
/// per-test fixture returning `T` (or `Result<T, E>`), `&T` for a
/// worker-scope one.
#[diagnostic::on_unimplemented(
    message = "fixture `{Self}` does not provide a `{P}`",
    label = "`{Self}` provides another type",
    note = "a per-test fixture is taken by value (`db: Db`), a worker-scope fixture \
            (`#[fixture(scope = \"worker\")]`) by shared reference (`pool: &Pool`), \
            with the type the fixture returns (the `Ok` type if it returns a `Result`)"
)]
pub trait Fixture<P> {
    /// Builds the value for one test, awaiting it if the fixture is async.
    fn setup() -> impl Future<Output = P>;

    /// Builds the value without a runtime. Called only through
    /// [`setup_sync`], whose [`SyncSetup`] bound keeps per-test async
    /// fixtures (which cannot do this) out.
    fn setup_sync() -> P;
}

/// Marks fixtures that a sync test (or sync fixture) can use: every sync
/// fixture, and worker-scope async ones (they run on the worker's runtime).
#[diagnostic::on_unimplemented(
    message = "fixture `{Self}` is async, so only an async test or async fixture can use it",
    label = "needs an `async fn`",
    note = "make the test (or the fixture using `{Self}`) an `async fn`; a per-test async \
            fixture runs on the test's own tokio runtime, which a sync test does not have"
)]
pub trait SyncSetup {}

/// Setup of parameter `P` from fixture `F` in a sync test or fixture.
pub fn setup_sync<F: Fixture<P> + SyncSetup, P>() -> P {
    F::setup_sync()
}

/// Setup of parameter `P` from fixture `F` in an async test or fixture.
pub fn setup_async<F: Fixture<P>, P>() -> impl Future<Output = P> {
    F::setup()
}

/// Runs the body of fixture `name`; a panic in it becomes a setup error
/// naming the fixture. A setup error from a fixture it depends on passes
/// through unchanged, so the message names the fixture that failed.
pub fn build<T>(name: &str, body: impl FnOnce() -> T) -> T {
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => reraise(name, payload),
    }
}

/// [`build`] for an async fixture body.
pub async fn build_async<T>(name: &str, body: impl Future<Output = T>) -> T {
    match catch_unwind(body).await {
        Ok(value) => value,
        Err(payload) => reraise(name, payload),
    }
}

/// Awaits `future`, returning a panic in any of its polls as `Err` with the
/// payload, as `catch_unwind` does for a closure.
pub(crate) async fn catch_unwind<F: Future>(future: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut future = pin!(future);
    std::future::poll_fn(|cx| {
        match panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    })
    .await
}

/// The value of a fixture returning `Result`; an `Err` is a setup error.
pub fn ok<T, E: Debug>(name: &str, result: Result<T, E>) -> T {
    result.unwrap_or_else(|error| fail_setup(format!("fixture `{name}` failed: {error:?}")))
}

fn reraise(name: &str, payload: Box<dyn Any + Send>) -> ! {
    // A dependency's setup error keeps its own name; a skip or a typed
    // failure raised inside a fixture keeps its meaning.
    if payload.is::<SetupFailure>() || payload.is::<Skipped>() || payload.is::<KindedFailure>() {
        panic::resume_unwind(payload);
    }
    let message = crate::runner::execute::payload_text(payload.as_ref());
    fail_setup(format!("fixture `{name}` panicked: {message}"))
}

/// The runtime of worker-scope async fixtures: one per worker process, built
/// on first use and never shut down, so tasks such a fixture spawns (a server
/// its tests talk to) keep running across the tests of the worker. It is
/// independent of each async test's own runtime, which ends with the test.
fn worker_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("leanvibe-worker-fixtures")
            .enable_all()
            .build()
            .unwrap_or_else(|e| fail_setup(format!("could not build the worker runtime: {e}")))
    })
}

/// Runs a worker-scope async fixture body on the worker runtime and awaits
/// it from the test's runtime.
pub async fn on_worker_runtime<T: Send + 'static>(
    name: &'static str,
    body: impl Future<Output = T> + Send + 'static,
) -> T {
    match worker_runtime().spawn(build_async(name, body)).await {
        Ok(value) => value,
        Err(error) => match error.try_into_panic() {
            Ok(payload) => panic::resume_unwind(payload),
            Err(error) => fail_setup(format!("fixture `{name}` did not finish: {error}")),
        },
    }
}

/// Runs a worker-scope async fixture body on the worker runtime and blocks
/// the calling thread until it is done. Works from a sync test and from
/// inside another runtime (the body runs on the worker runtime's thread).
pub fn on_worker_runtime_blocking<T: Send + 'static>(
    name: &'static str,
    body: impl Future<Output = T> + Send + 'static,
) -> T {
    let (sender, receiver) = std::sync::mpsc::channel();
    worker_runtime().spawn(async move {
        let result = catch_unwind(build_async(name, body)).await;
        // The receiver waits below until this arrives.
        let _ = sender.send(result);
    });
    match receiver.recv() {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(_) => fail_setup(format!("fixture `{name}` did not finish")),
    }
}

/// Where a worker-scope fixture keeps its value: one per process, that is,
/// per worker. Built by the first test that needs it; a build that fails is
/// retried by the next test that needs it, so each reports the real error.
/// The value is never dropped (see the `leanvibe_test::fixture` docs).
pub struct WorkerCell<T>(OnceLock<T>);

impl<T> WorkerCell<T> {
    /// An empty cell, for a `static`.
    pub const fn new() -> Self {
        WorkerCell(OnceLock::new())
    }
}

impl<T> Default for WorkerCell<T> {
    fn default() -> Self {
        WorkerCell::new()
    }
}

impl<T: Send + Sync> WorkerCell<T> {
    /// The value, built with `build` if this is the first use.
    pub fn get_or_build(&'static self, build: impl FnOnce() -> T) -> &'static T {
        if let Some(value) = self.0.get() {
            return value;
        }
        // Not `get_or_init(build)`: `build` may unwind with a setup error,
        // and a worker runs one test, so one setup, at a time anyway.
        let value = build();
        self.0.get_or_init(|| value)
    }

    /// [`WorkerCell::get_or_build`] for an async build.
    pub async fn get_or_build_async(&'static self, build: impl Future<Output = T>) -> &'static T {
        if let Some(value) = self.0.get() {
            return value;
        }
        let value = build.await;
        self.0.get_or_init(|| value)
    }
}
