//! The messages between the harness and its workers.
//!
//! - Commands, harness to worker: one JSON object per line on the worker's
//!   fd 4, a pipe.
//! - Results, worker to harness: one JSON object per line appended to a
//!   file on the worker's fd 3, written before the worker reads its next
//!   command: a [`Ready`] once it has started (so a slow start-up under
//!   load does not count toward the first test's timeout), a
//!   [`RetryingAttempt`] for each failed attempt that is retried, a
//!   [`CheckpointLine`] for each checkpoint a test saves (see
//!   [`checkpoint`](super::checkpoint)), a [`TestDone`] per test, or a [`Retire`] when the worker stops on its own between
//!   tests. A result written to a file survives the worker: when a worker
//!   dies, every test it finished is in the file, so the first queued test
//!   without a result is the one that was running. Nothing is guessed.
//! - Wake-ups, worker to harness: a byte on fd 5, a pipe, when the worker
//!   has appended results the harness has not been told about. Writing a
//!   result costs one `write` to a file and wakes nobody; the harness is woken
//!   once per batch (see `worker::Outbox`). The pipe's end of file is how the
//!   harness learns the worker has exited.
//!
//! Standard input, output and error are left to the tests: stdin is
//! `/dev/null`, stdout and stderr go to the capture files (or the terminal
//! with `--nocapture`), so nothing a test reads or prints can corrupt the
//! protocol.

use super::checkpoint::{CheckpointLine, Resume};
use crate::record::{Attempt, TestOutcome};
use crate::registry::Budget;
use serde::{Deserialize, Serialize};

/// The fd a worker appends results to (a regular file).
pub(crate) const RESULTS_FD: i32 = 3;
/// The fd a worker reads commands from (a pipe).
pub(crate) const COMMANDS_FD: i32 = 4;
/// The fd a worker writes wake-up bytes to (a pipe).
pub(crate) const WAKE_FD: i32 = 5;
/// Set in a worker's environment; its value is the protocol version.
pub(crate) const WORKER_ENV: &str = "__LEANVIBE_WORKER";
/// Protocol version: a worker refuses a harness speaking another.
pub(crate) const VERSION: &str = "5";

/// Harness to worker: run this test.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RunTest {
    /// Position in the registry.
    pub index: usize,
    /// Full name, checked by the worker against the registry entry.
    pub name: String,
    /// Effective budget (attributes over profile).
    pub budget: Budget,
    /// Attempts of this test that ran in workers that crashed or timed out:
    /// they count against its retries.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts_before: u32,
    /// The `--only-rerun` patterns, joined (see `retry::RetryFilter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_rerun: Option<String>,
    /// The test's worker crashed after it saved a checkpoint: it carries on
    /// from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Resume>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A line of the results file.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Report {
    /// The worker has started (exec, loader, registry) and is about to read
    /// its first command: the first test's clock starts now.
    Ready {
        /// The worker's pid (see [`Ready`]); only its presence matters.
        #[allow(dead_code)]
        ready: serde::de::IgnoredAny,
    },
    /// The worker stops on its own, between tests (its command pipe ended
    /// or a test broke one of its descriptors): the tests queued behind
    /// did not start and are not at fault.
    Retire {
        /// Why.
        retire: String,
    },
    /// An attempt of the running test failed and it runs again.
    Retrying {
        /// Which attempt, and where its output ends.
        retrying: RetryingAttempt,
    },
    /// The running test saved a checkpoint.
    Checkpoint {
        /// The checkpoint.
        checkpoint: CheckpointLine,
    },
    /// A test finished.
    Done(TestDone),
}

/// The `retrying` line: written before the next attempt starts, so a
/// failed attempt is kept even if a later one takes the worker down.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RetryingAttempt {
    /// Position in the registry of the test.
    pub index: usize,
    /// Size of the stdout capture file when the attempt ended.
    pub stdout_end: u64,
    /// Size of the stderr capture file when the attempt ended.
    pub stderr_end: u64,
    /// The attempt (its output is cut from the capture files).
    pub attempt: Attempt,
}

/// The `ready` line, as the worker writes it.
#[derive(Debug, Serialize)]
pub(crate) struct Ready {
    /// The worker's pid.
    pub ready: u32,
}

/// The `retire` line, as the worker writes it.
#[derive(Debug, Serialize)]
pub(crate) struct Retire<'a> {
    /// Why the worker stops.
    pub retire: &'a str,
}

/// Worker to harness: the test finished.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TestDone {
    /// Position in the registry.
    pub index: usize,
    /// Size of the stdout capture file after the test (0 without capture).
    pub stdout_end: u64,
    /// Size of the stderr capture file after the test (0 without capture).
    pub stderr_end: u64,
    /// What happened.
    pub outcome: TestOutcome,
}
