//! What one operation returned: success, error or panic.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// What an operation's output says about success. Implemented for `()`
/// (always a success), `bool`, `Result<T, E>` (`Ok` is a success) and the
/// plugin contract's [`TaskResult`](crate::plugin::TaskResult) (its
/// `success` flag).
///
/// ```
/// use leanvibe_test::perf::OpResult;
/// assert!(().succeeded());
/// assert!(!Err::<(), &str>("down").succeeded());
/// ```
pub trait OpResult {
    /// Whether the operation succeeded.
    fn succeeded(&self) -> bool;
}

impl OpResult for () {
    fn succeeded(&self) -> bool {
        true
    }
}

impl OpResult for bool {
    fn succeeded(&self) -> bool {
        *self
    }
}

impl<T, E> OpResult for Result<T, E> {
    fn succeeded(&self) -> bool {
        self.is_ok()
    }
}

#[cfg(feature = "plugin")]
impl OpResult for crate::plugin::TaskResult {
    fn succeeded(&self) -> bool {
        self.success
    }
}

/// How one operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    Success,
    Error,
    Panic,
}

/// Tallies of how operations ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub successes: u64,
    pub errors: u64,
    pub panics: u64,
}

impl Tally {
    pub(crate) fn add(&mut self, ended: Ended) {
        match ended {
            Ended::Success => self.successes += 1,
            Ended::Error => self.errors += 1,
            Ended::Panic => self.panics += 1,
        }
    }

    pub(crate) fn merge(&mut self, other: Tally) {
        self.successes += other.successes;
        self.errors += other.errors;
        self.panics += other.panics;
    }

    pub(crate) fn total(&self) -> u64 {
        self.successes + self.errors + self.panics
    }
}

/// Awaits `future`, catching a panic in it, and times it from the start of
/// this call.
pub(crate) async fn run_one<F>(future: F) -> (Ended, Duration)
where
    F: Future,
    F::Output: OpResult,
{
    let start = Instant::now();
    let ended = match (CatchUnwind {
        inner: Box::pin(future),
    })
    .await
    {
        Ok(output) if output.succeeded() => Ended::Success,
        Ok(_) => Ended::Error,
        Err(()) => Ended::Panic,
    };
    (ended, start.elapsed())
}

/// A future that turns a panic while polling `inner` into `Err(())`.
struct CatchUnwind<F: Future> {
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The operation is abandoned after a panic (never polled again), so
        // no broken invariant inside it can be observed: asserting unwind
        // safety is sound here.
        match catch_unwind(AssertUnwindSafe(|| self.inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(_) => Poll::Ready(Err(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successes_errors_and_panics_are_told_apart() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            assert_eq!(run_one(async {}).await.0, Ended::Success);
            assert_eq!(run_one(async { Err::<(), _>("no") }).await.0, Ended::Error);
            assert_eq!(run_one(async { false }).await.0, Ended::Error);
            let panicking = async {
                if true {
                    panic!("operation panicked on purpose");
                }
            };
            assert_eq!(run_one(panicking).await.0, Ended::Panic);
        });
    }
}
