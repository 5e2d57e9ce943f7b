//! Blue-green with a canary and a gradual traffic shift.

use super::analysis::{Analysis, AnalysisRecord};
use super::clock::{Clock, format_offset};
use super::environment::{Environment, Target};
use super::gate::Verdict;
use super::health::HealthCheck;
use super::policy::{InconclusivePolicy, Judge, Judgement};
use super::result::{Recorder, RolloutOutcome, RolloutResult};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// One step of the traffic shift: send `percent` of the traffic to the new
/// environment, then run `analysis` against it.
///
/// ```
/// use leanvibe_test::deploy::{Analysis, TrafficStep};
/// let half = TrafficStep::new(50, Analysis::guide(std::time::Duration::from_secs(60), 2));
/// assert_eq!(half.percent, 50);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficStep {
    /// Share of the traffic for the new environment, 0 to 100.
    pub percent: u8,
    /// The gates watched before the next step.
    pub analysis: Analysis,
}

impl TrafficStep {
    /// A step to `percent` (capped at 100) with its gates.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// assert_eq!(TrafficStep::new(150, Analysis::default()).percent, 100);
    /// ```
    pub fn new(percent: u8, analysis: Analysis) -> TrafficStep {
        TrafficStep {
            percent: percent.min(100),
            analysis,
        }
    }
}

/// A blue-green rollout: deploy to the idle environment, check its health,
/// shift traffic step by step with a gate after each, then clean up the old
/// environment. A failed gate, a failed operation or the progress deadline
/// rolls back: all traffic back to the old environment, the new one cleaned.
///
/// The defaults are the guide's ([`BlueGreen::default`]):
///
/// | step | traffic | gates (`error_rate<0.02`, `avg<=50`, `memory_mb<=80`) | virtual time |
/// |---|---|---|---|
/// | health check | 0% | 3 probes, 10 s apart | 0 when healthy at once |
/// | canary | 5% | every 60 s, 5 times | 5 min |
/// | shift | 25%, 50%, 75% | every 60 s, twice each | 2 min each |
/// | monitoring | 100% | every 60 s, 10 times | 10 min |
///
/// A clean rollout therefore ends at exactly 21 virtual minutes
/// ([`BlueGreen::expected_duration`]). The progress deadline is 60 minutes.
///
/// ```
/// use leanvibe_test::deploy::{BlueGreen, InconclusivePolicy, RolloutOutcome, SimFleet, VirtualClock};
/// use std::time::Duration;
/// # leanvibe_test::tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = VirtualClock::new();
/// let fleet = SimFleet::blue_green(&clock);
/// let result = BlueGreen::default()
///     .inconclusive(InconclusivePolicy::RollBack)
///     .run(&fleet, &clock, "v2")
///     .await;
/// assert_eq!(result.outcome, RolloutOutcome::Succeeded, "{}", result.log());
/// assert_eq!(clock.now(), Duration::from_secs(21 * 60));
/// assert_eq!(fleet.traffic("green"), 100);
/// # });
/// ```
#[derive(Clone)]
pub struct BlueGreen {
    /// Health check of the new environment after the deploy.
    pub health: HealthCheck,
    /// The traffic shift; the first step below 100% is the canary.
    pub steps: Vec<TrafficStep>,
    /// The whole rollout must end within this; `None` for no limit.
    pub progress_deadline: Option<Duration>,
    /// What an inconclusive analysis leads to.
    pub inconclusive: InconclusivePolicy,
    /// Asked under [`InconclusivePolicy::Pause`].
    pub judge: Option<Arc<dyn Judge>>,
    /// Clean up the old environment after a success. Default true.
    pub clean_up_old: bool,
}

impl Default for BlueGreen {
    fn default() -> Self {
        let minute = Duration::from_secs(60);
        BlueGreen {
            health: HealthCheck::default(),
            steps: vec![
                TrafficStep::new(5, Analysis::guide(minute, 5)),
                TrafficStep::new(25, Analysis::guide(minute, 2)),
                TrafficStep::new(50, Analysis::guide(minute, 2)),
                TrafficStep::new(75, Analysis::guide(minute, 2)),
                TrafficStep::new(100, Analysis::guide(minute, 10)),
            ],
            progress_deadline: Some(Duration::from_secs(60 * 60)),
            inconclusive: InconclusivePolicy::RollBack,
            judge: None,
            clean_up_old: true,
        }
    }
}

impl fmt::Debug for BlueGreen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlueGreen")
            .field("health", &self.health)
            .field("steps", &self.steps)
            .field("progress_deadline", &self.progress_deadline)
            .field("inconclusive", &self.inconclusive)
            .field("judge", &self.judge.as_ref().map(|_| "dyn Judge"))
            .field("clean_up_old", &self.clean_up_old)
            .finish()
    }
}

impl BlueGreen {
    /// Replaces the traffic steps.
    ///
    /// ```
    /// use leanvibe_test::deploy::*;
    /// use std::time::Duration;
    /// let quick = BlueGreen::default().steps(vec![
    ///     TrafficStep::new(10, Analysis::guide(Duration::from_secs(30), 2)),
    ///     TrafficStep::new(100, Analysis::guide(Duration::from_secs(30), 4)),
    /// ]);
    /// assert_eq!(quick.expected_duration(), Duration::from_secs(180));
    /// ```
    pub fn steps(mut self, steps: Vec<TrafficStep>) -> BlueGreen {
        self.steps = steps;
        self
    }

    /// Sets the progress deadline.
    ///
    /// ```
    /// let bg = leanvibe_test::deploy::BlueGreen::default().progress_deadline(None);
    /// ```
    pub fn progress_deadline(mut self, deadline: Option<Duration>) -> BlueGreen {
        self.progress_deadline = deadline;
        self
    }

    /// Sets the inconclusive policy.
    ///
    /// ```
    /// use leanvibe_test::deploy::{BlueGreen, InconclusivePolicy};
    /// let bg = BlueGreen::default().inconclusive(InconclusivePolicy::Proceed);
    /// ```
    pub fn inconclusive(mut self, policy: InconclusivePolicy) -> BlueGreen {
        self.inconclusive = policy;
        self
    }

    /// Sets the judge asked under [`InconclusivePolicy::Pause`].
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// # use leanvibe_test::plugin::async_trait;
    /// struct Yes;
    /// #[async_trait]
    /// impl Judge for Yes { async fn judge(&self, _: &AnalysisRecord) -> Judgement { Judgement::Proceed } }
    /// let bg = BlueGreen::default().inconclusive(InconclusivePolicy::Pause).judge(Yes);
    /// ```
    pub fn judge(mut self, judge: impl Judge + 'static) -> BlueGreen {
        self.judge = Some(Arc::new(judge));
        self
    }

    /// Sets the health check.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// let bg = BlueGreen::default().health(HealthCheck { attempts: 5, ..HealthCheck::default() });
    /// ```
    pub fn health(mut self, health: HealthCheck) -> BlueGreen {
        self.health = health;
        self
    }

    /// Virtual time of a clean rollout: health at once, no provider errors,
    /// every gate passing: the sum of the steps' analysis durations.
    ///
    /// ```
    /// use leanvibe_test::deploy::BlueGreen;
    /// assert_eq!(BlueGreen::default().expected_duration().as_secs(), 21 * 60);
    /// ```
    pub fn expected_duration(&self) -> Duration {
        self.steps.iter().map(|s| s.analysis.duration()).sum()
    }

    /// Runs the rollout of `package` on `env`, timed by `clock`. Never
    /// panics: every failure ends in the result's [`RolloutOutcome`].
    pub async fn run(
        &self,
        env: &dyn Environment,
        clock: &dyn Clock,
        package: &str,
    ) -> RolloutResult {
        let mut rec = Recorder::new("blue-green", package, clock);
        let deadline = self.progress_deadline.map(|d| clock.now() + d);
        let slots = match env.slots().await {
            Ok(slots) => slots,
            Err(e) => {
                return rec.finish(RolloutOutcome::RolledBack {
                    reason: format!("cannot tell the active environment: {e}; nothing was changed"),
                });
            }
        };
        let (old, new) = (slots.active.clone(), slots.idle.clone());
        let target = Target::environment(&new);
        rec.event(format!("deploying {package} to {new} ({old} is active)"));
        if let Err(e) = env.deploy(&target, package).await {
            return roll_back(env, rec, &new, format!("deploy to {new} failed: {e}")).await;
        }
        if let Err(reason) = self
            .health
            .run(env, clock, &target, deadline, &mut rec.result.events)
            .await
        {
            return roll_back(env, rec, &new, reason).await;
        }
        rec.event(format!("{new} is healthy"));
        let canary = self.steps.len() > 1 && self.steps.first().is_some_and(|s| s.percent < 100);
        for (index, step) in self.steps.iter().enumerate() {
            let name = if index == 0 && canary {
                format!("canary {}%", step.percent)
            } else {
                format!("traffic {}%", step.percent)
            };
            if let Err(e) = env.set_traffic(&new, step.percent).await {
                let reason = format!("{name}: setting traffic failed: {e}");
                return roll_back(env, rec, &new, reason).await;
            }
            rec.event(format!("{name}: {}% of traffic on {new}", step.percent));
            let analysis = step
                .analysis
                .run(&name, env, clock, &target, deadline)
                .await;
            let decision = self.decide(&analysis).await;
            let line = format!("{name}: analysis {:?}", analysis.verdict).to_lowercase();
            rec.event(line);
            rec.result.analyses.push(analysis);
            match decision {
                Decision::Continue => {}
                Decision::RollBack(reason) => return roll_back(env, rec, &new, reason).await,
                Decision::Pause(reason) => return rec.finish(RolloutOutcome::Paused { reason }),
            }
        }
        if self.clean_up_old {
            match env.clean_up(&old).await {
                Ok(()) => rec.event(format!("cleaned up {old}")),
                Err(e) => rec.event(format!("WARNING: clean-up of {old} failed: {e}")),
            }
        }
        rec.finish(RolloutOutcome::Succeeded)
    }

    async fn decide(&self, analysis: &AnalysisRecord) -> Decision {
        if analysis.deadline_exceeded {
            return Decision::RollBack(format!(
                "{}: progress deadline of {} exceeded",
                analysis.step,
                format_offset(self.progress_deadline.unwrap_or_default())
            ));
        }
        match analysis.verdict {
            Verdict::Successful => Decision::Continue,
            Verdict::Failed | Verdict::Error => Decision::RollBack(describe(analysis)),
            Verdict::Inconclusive => match self.inconclusive {
                InconclusivePolicy::RollBack => Decision::RollBack(describe(analysis)),
                InconclusivePolicy::Proceed => Decision::Continue,
                InconclusivePolicy::Pause => match &self.judge {
                    None => Decision::Pause(format!("{}; waiting for a judge", describe(analysis))),
                    Some(judge) => match judge.judge(analysis).await {
                        Judgement::Proceed => Decision::Continue,
                        Judgement::RollBack => Decision::RollBack(format!(
                            "{}; the judge said roll back",
                            describe(analysis)
                        )),
                        Judgement::Pause => {
                            Decision::Pause(format!("{}; the judge said pause", describe(analysis)))
                        }
                    },
                },
            },
        }
    }
}

enum Decision {
    Continue,
    RollBack(String),
    Pause(String),
}

/// `canary 5%: gate error_rate<0.02 failed at +03:00: error_rate = 0.1 breaks error_rate<0.02`.
pub(crate) fn describe(analysis: &AnalysisRecord) -> String {
    let Some(gate) = analysis
        .gates
        .iter()
        .filter(|g| !g.dry_run && g.verdict == analysis.verdict)
        .min_by_key(|g| g.measurements.last().map(|m| m.at_ms))
    else {
        return format!("{}: analysis {:?}", analysis.step, analysis.verdict);
    };
    let kind = match gate.verdict {
        Verdict::Failed => "failed",
        Verdict::Error => "errored",
        Verdict::Inconclusive => "was inconclusive",
        Verdict::Successful => "passed",
    };
    let last = gate
        .measurements
        .iter()
        .rev()
        .find(|m| m.verdict == gate.verdict);
    match last {
        Some(m) => format!(
            "{}: gate {} {kind} at {}: {}",
            analysis.step,
            gate.gate,
            format_offset(Duration::from_millis(m.at_ms)),
            m.note.as_deref().unwrap_or("")
        ),
        None => format!("{}: gate {} {kind}", analysis.step, gate.gate),
    }
}

/// Sends all traffic back to the old environment and cleans the new one.
async fn roll_back(
    env: &dyn Environment,
    mut rec: Recorder<'_>,
    new: &str,
    reason: String,
) -> RolloutResult {
    rec.event(format!("rolling back: {reason}"));
    let mut failures = Vec::new();
    match env.set_traffic(new, 0).await {
        Ok(()) => rec.event(format!(
            "all traffic back on the old environment (0% on {new})"
        )),
        Err(e) => failures.push(format!("sending traffic back from {new} failed: {e}")),
    }
    match env.clean_up(new).await {
        Ok(()) => rec.event(format!("cleaned up {new}")),
        Err(e) => failures.push(format!("clean-up of {new} failed: {e}")),
    }
    if failures.is_empty() {
        rec.finish(RolloutOutcome::RolledBack { reason })
    } else {
        rec.finish(RolloutOutcome::RollbackFailed { reason, failures })
    }
}
