//! [`require!`]: a service, or the test skipped because its program is not
//! installed (a failure where services are required, as in CI).

use crate::errors::ServiceError;

/// Starts a service or skips the test: evaluates to the
/// [`ServiceFixture`](super::ServiceFixture)
/// (or [`PgServer`](super::PgServer), or anything else started with a
/// [`ServiceError`] for an error).
/// When the program is not installed, the test ends as skipped with
/// `<program> not installed` (see [`crate::skip`]); with
/// [`REQUIRE_SERVICES_ENV`] set (not `0`), as CI sets it where it installs the
/// services, a missing program fails the test instead. A service that fails
/// to start fails the test with its log tail.
///
/// ```no_run
/// use leanvibe_test::service::{self, ServiceFixture};
///
/// fn test() -> Result<(), String> {
///     let redis = service::require!(ServiceFixture::redis());
///     assert_ne!(redis.port(), 0);
///     Ok(())
/// }
/// ```
pub use crate::__service_require as require;

#[doc(hidden)]
#[macro_export]
macro_rules! __service_require {
    ($start:expr $(,)?) => {
        $crate::service::started_or_skip($start)
    };
}

/// What [`require!`] does, as a function: the service, or a skip (not
/// installed), or a panic with the reason (failed to start, or not installed
/// while [`REQUIRE_SERVICES_ENV`] is set).
///
/// ```no_run
/// use leanvibe_test::service::{started_or_skip, ServiceFixture};
/// let redis = started_or_skip(ServiceFixture::redis());
/// ```
pub fn started_or_skip<T>(started: Result<T, ServiceError>) -> T {
    started_or_skip_unless(started, services_required())
}

pub(super) fn started_or_skip_unless<T>(started: Result<T, ServiceError>, required: bool) -> T {
    match started {
        Ok(service) => service,
        Err(ServiceError::NotInstalled { program }) if !required => {
            eprintln!("skipped: {program} not installed");
            crate::skip(format!("{program} not installed"))
        }
        Err(ServiceError::NotInstalled { program }) => {
            crate::skip::fail_missing(&format!("{program} not installed"))
        }
        Err(e) => panic!("{e}"),
    }
}

fn services_required() -> bool {
    crate::skip::prerequisites_required()
}
