//! What a rollout does when an analysis is inconclusive.

use super::analysis::AnalysisRecord;
use serde::{Deserialize, Serialize};

/// The choice when an analysis ends [`Inconclusive`](super::Verdict::Inconclusive)
/// (no data, or too little traffic to judge).
///
/// ```
/// use leanvibe_test::deploy::InconclusivePolicy;
/// assert_eq!(InconclusivePolicy::default(), InconclusivePolicy::RollBack);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InconclusivePolicy {
    /// Roll back: the safe choice when no one is watching, as in CI.
    #[default]
    RollBack,
    /// Ask the rollout's [`Judge`]; without one, stop where the rollout is
    /// and report it [`Paused`](super::RolloutOutcome::Paused) for a person to decide.
    Pause,
    /// Treat it as a success and carry on.
    Proceed,
}

/// A judge's decision on an inconclusive analysis.
///
/// ```
/// use leanvibe_test::deploy::Judgement;
/// assert_ne!(Judgement::Proceed, Judgement::RollBack);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    /// Carry on with the rollout.
    Proceed,
    /// Roll back.
    RollBack,
    /// Leave it paused for a person.
    Pause,
}

/// Decides what to do with an inconclusive analysis under
/// [`InconclusivePolicy::Pause`]: a person behind a chat button, a script
/// that looks at other dashboards, or a test double.
///
/// ```
/// use leanvibe_test::deploy::{AnalysisRecord, Judge, Judgement};
/// use leanvibe_test::plugin::async_trait;
///
/// struct LowTrafficIsFine;
///
/// #[async_trait]
/// impl Judge for LowTrafficIsFine {
///     async fn judge(&self, analysis: &AnalysisRecord) -> Judgement {
///         if analysis.step.starts_with("canary") { Judgement::Proceed } else { Judgement::Pause }
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait Judge: Send + Sync {
    /// The decision on `analysis`, whose verdict is inconclusive.
    async fn judge(&self, analysis: &AnalysisRecord) -> Judgement;
}
