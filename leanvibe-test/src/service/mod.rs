//! Real services for integration tests: start a server process on a free
//! loopback port, wait until it is ready, keep its log, kill it on drop.
//!
//! ```no_run,standalone_crate
//! use leanvibe_test::prelude::*;
//! use leanvibe_test::service::{self, ServiceFixture};
//!
//! #[plugin_test(tags = ["integration"])]
//! fn caches_in_redis() {
//!     // Skips the test (reported as skipped) when redis-server is absent.
//!     let redis = service::require!(ServiceFixture::redis());
//!     let url = redis.url("redis"); // redis://127.0.0.1:<port>
//!     // ... connect to `url` ...
//! }
//! # leanvibe_test::main!();
//! ```
//!
//! When the program is not installed, [`require!`] ends the test as skipped
//! (`ignored, redis-server not installed` on the console, `skipped` in the
//! reports): never a silent pass. Set `LEANVIBE_TEST_REQUIRE_SERVICES=1` (as
//! CI does, where it installs the services) to make a missing program a
//! failure instead.

mod builder;
mod fixture;
mod listener;
mod postgres;
mod process;
mod require;
#[cfg(test)]
mod tests;

pub use builder::{Readiness, ServiceBuilder};
pub use fixture::ServiceFixture;
pub use postgres::{KEEP_DB_ENV, Migrations, POSTGRES_BINDIR_ENV, PgDatabase, PgServer};
pub use require::{require, started_or_skip};

use std::time::Duration;

/// How long [`ServiceBuilder::start`] waits for readiness by default.
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The environment variable that makes [`require!`] fail instead of
/// skipping when the program is missing (as `CI=true` does too); see
/// [`prerequisite_missing`](crate::prerequisite_missing).
pub const REQUIRE_SERVICES_ENV: &str = crate::REQUIRE_PREREQUISITES_ENV;
