//! The result of a rollout: outcome, event log, every gate's history.

use super::analysis::AnalysisRecord;
use super::clock::{Clock, format_offset};
use super::gate::GateRecord;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How a rollout ended.
///
/// ```
/// use leanvibe_test::deploy::RolloutOutcome;
/// let outcome = RolloutOutcome::RolledBack { reason: "error_rate = 0.1 breaks error_rate<0.02".into() };
/// assert_eq!(serde_json::to_value(&outcome).unwrap()["outcome"], "rolled_back");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RolloutOutcome {
    /// The new version serves all traffic (blue-green), or enough instances
    /// run it (rolling).
    Succeeded,
    /// The rollout was undone, for `reason`.
    RolledBack {
        /// Why: the gate and measurement, the failed health check, ...
        reason: String,
    },
    /// The rollout stopped where it was and waits for a person.
    Paused {
        /// Why.
        reason: String,
    },
    /// The rollout was being undone and undoing failed: the system is in a
    /// mixed state that needs a person now.
    RollbackFailed {
        /// Why the rollout was undone (or, for rolling, why instances were
        /// rolled back).
        reason: String,
        /// Each rollback step that failed.
        failures: Vec<String>,
    },
}

/// One line of the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutEvent {
    /// Clock reading, in milliseconds.
    pub at_ms: u64,
    /// What happened.
    pub message: String,
}

/// What happened to one instance of a rolling rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InstanceStatus {
    /// Runs the new version and is in the load balancer.
    Updated,
    /// Not touched (the rollout stopped before it).
    Untouched,
    /// Its update failed and it was rolled back to the old version.
    Failed {
        /// Why the update failed.
        reason: String,
    },
    /// It had been updated, and was rolled back when the rollout aborted.
    RolledBack,
    /// Rolling it back failed: it may run either version, or be out of the
    /// load balancer.
    RollbackFailed {
        /// What failed.
        reason: String,
    },
}

/// One instance and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceRecord {
    /// Its name.
    pub name: String,
    /// What happened.
    #[serde(flatten)]
    pub status: InstanceStatus,
}

/// Everything a rollout did. Serialisable; attach it to the running test's
/// report with [`attach`](RolloutResult::attach).
///
/// ```
/// # use leanvibe_test::deploy::*;
/// # fn check(result: RolloutResult) {
/// assert_eq!(result.outcome, RolloutOutcome::Succeeded, "{}", result.log());
/// result.attach(); // CTRF `extra.deploy` of this test
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolloutResult {
    /// `blue-green` or `rolling`.
    pub strategy: String,
    /// The package rolled out.
    pub package: String,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: RolloutOutcome,
    /// Clock reading at the start, in milliseconds.
    pub started_ms: u64,
    /// Clock reading at the end, in milliseconds.
    pub finished_ms: u64,
    /// Timestamped event log.
    pub events: Vec<RolloutEvent>,
    /// Every analysis, in order, with every gate's measurements.
    pub analyses: Vec<AnalysisRecord>,
    /// Per instance (rolling only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<InstanceRecord>,
}

impl RolloutResult {
    /// Whether the outcome is [`RolloutOutcome::Succeeded`].
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// # fn f(result: RolloutResult) {
    /// assert!(result.succeeded(), "{}", result.log());
    /// # }
    /// ```
    pub fn succeeded(&self) -> bool {
        self.outcome == RolloutOutcome::Succeeded
    }

    /// Clock time from start to end.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// # fn f(result: RolloutResult) {
    /// assert_eq!(result.elapsed(), std::time::Duration::from_secs(21 * 60));
    /// # }
    /// ```
    pub fn elapsed(&self) -> Duration {
        Duration::from_millis(self.finished_ms - self.started_ms)
    }

    /// The first analysis of a step whose name starts with `step`.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// # fn f(result: RolloutResult) {
    /// let canary = result.analysis("canary").expect("the canary was analysed");
    /// # }
    /// ```
    pub fn analysis(&self, step: &str) -> Option<&AnalysisRecord> {
        self.analyses.iter().find(|a| a.step.starts_with(step))
    }

    /// The analysis whose verdict decided a rollback or pause: the last one
    /// that was not successful.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// # fn f(result: RolloutResult) {
    /// if let Some(failing) = result.deciding_analysis() {
    ///     println!("{} ended {:?}", failing.step, failing.verdict);
    /// }
    /// # }
    /// ```
    pub fn deciding_analysis(&self) -> Option<&AnalysisRecord> {
        self.analyses
            .iter()
            .rev()
            .find(|a| a.verdict != super::Verdict::Successful || a.deadline_exceeded)
    }

    /// Every gate record of every analysis watching `metric`, in order.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// # fn f(result: RolloutResult) {
    /// let error_rate_history: Vec<_> = result.gate_history("error_rate").collect();
    /// # }
    /// ```
    pub fn gate_history<'a>(&'a self, metric: &'a str) -> impl Iterator<Item = &'a GateRecord> {
        self.analyses
            .iter()
            .flat_map(move |a| a.gates.iter().filter(move |g| g.metric == metric))
    }

    /// The event log, one `+MM:SS message` line per event, for assertion
    /// messages.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// # fn f(result: RolloutResult) {
    /// println!("{}", result.log());
    /// # }
    /// ```
    pub fn log(&self) -> String {
        self.events
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    format_offset(Duration::from_millis(e.at_ms)),
                    e.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Attaches this result to the running test's report under `deploy`
    /// (CTRF `extra.deploy`), through [`crate::attach`].
    ///
    /// ```
    /// # fn f(result: leanvibe_test::deploy::RolloutResult) {
    /// result.attach();
    /// # }
    /// ```
    pub fn attach(&self) {
        crate::attach("deploy", self);
    }
}

/// Builds a [`RolloutResult`] as a strategy goes.
pub(crate) struct Recorder<'c> {
    clock: &'c dyn Clock,
    pub(crate) result: RolloutResult,
}

impl<'c> Recorder<'c> {
    pub(crate) fn new(strategy: &str, package: &str, clock: &'c dyn Clock) -> Self {
        let now = clock.now().as_millis() as u64;
        Recorder {
            clock,
            result: RolloutResult {
                strategy: strategy.to_string(),
                package: package.to_string(),
                outcome: RolloutOutcome::Succeeded,
                started_ms: now,
                finished_ms: now,
                events: Vec::new(),
                analyses: Vec::new(),
                instances: Vec::new(),
            },
        }
    }

    pub(crate) fn event(&mut self, message: impl Into<String>) {
        self.result.events.push(RolloutEvent {
            at_ms: self.clock.now().as_millis() as u64,
            message: message.into(),
        });
    }

    pub(crate) fn finish(mut self, outcome: RolloutOutcome) -> RolloutResult {
        let summary = match &outcome {
            RolloutOutcome::Succeeded => "rollout succeeded".to_string(),
            RolloutOutcome::RolledBack { reason } => format!("rolled back: {reason}"),
            RolloutOutcome::Paused { reason } => format!("paused: {reason}"),
            RolloutOutcome::RollbackFailed { reason, failures } => {
                format!("ROLLBACK FAILED ({reason}): {}", failures.join("; "))
            }
        };
        self.event(summary);
        self.result.outcome = outcome;
        self.result.finished_ms = self.clock.now().as_millis() as u64;
        self.result
    }
}
