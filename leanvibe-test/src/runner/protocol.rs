//! The messages between the harness and its workers, one JSON object per
//! line: commands on the worker's fd 4, results on its fd 3.
//!
//! Standard input, output and error are left to the tests: stdin is
//! `/dev/null`, stdout and stderr go to the capture files (or the terminal
//! with `--nocapture`), so nothing a test reads or prints can corrupt the
//! protocol.

use crate::record::Outcome;
use crate::registry::Budget;
use serde::{Deserialize, Serialize};

/// The fd a worker writes results to.
pub(crate) const RESULTS_FD: i32 = 3;
/// The fd a worker reads commands from.
pub(crate) const COMMANDS_FD: i32 = 4;
/// Set in a worker's environment; its value is the protocol version.
pub(crate) const WORKER_ENV: &str = "__LEANVIBE_WORKER";
/// Protocol version: a worker refuses a harness speaking another.
pub(crate) const VERSION: &str = "1";

/// Harness to worker: run this test.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RunTest {
    /// Position in the registry.
    pub index: usize,
    /// Full name, checked by the worker against the registry entry.
    pub name: String,
    /// Effective budget (attributes over profile).
    pub budget: Budget,
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
    pub outcome: Outcome,
}
