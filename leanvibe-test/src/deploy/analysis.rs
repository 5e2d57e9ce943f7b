//! An analysis: several gates measured side by side during one step of a
//! rollout, and the verdict they add up to.

use super::clock::Clock;
use super::environment::{Environment, Target};
use super::gate::{GateRecord, GateRun, MetricGate, Verdict};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The gates watched during one step. Each measures on its own schedule:
/// first at `start + interval` over the window just ended, then every
/// `interval`. Gates due at the same instant with the same window share one
/// query to the metrics provider.
///
/// The analysis stops as soon as a gate that is not in dry-run crosses a
/// limit; its verdict is the worst verdict of those gates
/// (`successful < inconclusive < error < failed`). An analysis without
/// gates succeeds at once.
///
/// ```
/// use leanvibe_test::deploy::Analysis;
/// use std::time::Duration;
/// let monitoring = Analysis::guide(Duration::from_secs(60), 10);
/// assert_eq!(monitoring.gates.len(), 3);
/// assert_eq!(monitoring.duration(), Duration::from_secs(600));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// The gates, in the order their measurements are taken at a tie.
    pub gates: Vec<MetricGate>,
}

impl Analysis {
    /// An analysis of these gates.
    ///
    /// ```
    /// use leanvibe_test::deploy::{Analysis, MetricGate};
    /// let analysis = Analysis::new(vec![MetricGate::new("p(95)<200")?.count(3)]);
    /// # Ok::<(), leanvibe_test::errors::ThresholdError>(())
    /// ```
    pub fn new(gates: Vec<MetricGate>) -> Analysis {
        Analysis { gates }
    }

    /// The guide's standards, each measured `count` times every `interval`:
    /// `error_rate<0.02`, `avg<=50` and `memory_mb<=80`.
    ///
    /// ```
    /// use leanvibe_test::deploy::Analysis;
    /// let canary = Analysis::guide(std::time::Duration::from_secs(60), 5);
    /// assert_eq!(canary.gates[1].threshold.to_string(), "avg<=50");
    /// ```
    pub fn guide(interval: Duration, count: u32) -> Analysis {
        let gate = |text: &str| {
            MetricGate::new(text)
                .expect("the guide's thresholds are in the deploy vocabulary")
                .interval(interval)
                .count(count)
        };
        Analysis::new(vec![
            gate("error_rate<0.02"),
            gate("avg<=50"),
            gate("memory_mb<=80"),
        ])
    }

    /// How long the analysis takes when the provider never fails and every
    /// gate passes: the longest gate's `interval × count`.
    ///
    /// ```
    /// assert_eq!(leanvibe_test::deploy::Analysis::default().duration(), std::time::Duration::ZERO);
    /// ```
    pub fn duration(&self) -> Duration {
        self.gates
            .iter()
            .map(MetricGate::duration)
            .max()
            .unwrap_or_default()
    }

    /// Runs the analysis against `target` from the clock's current time.
    /// With a `deadline` (a clock reading), a measurement due after it is not
    /// taken: the analysis sleeps until the deadline and reports it exceeded.
    pub(crate) async fn run(
        &self,
        step: &str,
        env: &dyn Environment,
        clock: &dyn Clock,
        target: &Target,
        deadline: Option<Duration>,
    ) -> AnalysisRecord {
        let started = clock.now();
        let mut runs: Vec<GateRun<'_>> = self
            .gates
            .iter()
            .map(|g| GateRun::new(g, started))
            .collect();
        let mut deadline_exceeded = false;
        while let Some(due) = runs
            .iter()
            .filter(|r| !r.is_done())
            .map(|r| r.next_due)
            .min()
        {
            if let Some(deadline) = deadline.filter(|d| due > *d) {
                let now = clock.now();
                if deadline > now {
                    clock.sleep(deadline - now).await;
                }
                deadline_exceeded = true;
                break;
            }
            let now = clock.now();
            if due > now {
                clock.sleep(due - now).await;
            }
            let now = clock.now();
            let mut windows: Vec<Duration> = Vec::new();
            for run in runs.iter().filter(|r| !r.is_done() && r.next_due <= now) {
                if !windows.contains(&run.gate.interval) {
                    windows.push(run.gate.interval);
                }
            }
            for window in windows {
                let answer = env.metrics(target, window).await;
                for run in runs
                    .iter_mut()
                    .filter(|r| !r.is_done() && r.next_due <= now && r.gate.interval == window)
                {
                    run.record(now, &answer);
                }
            }
            if runs
                .iter()
                .any(|r| !r.gate.dry_run && r.verdict() != Verdict::Successful)
            {
                break;
            }
        }
        let gates: Vec<GateRecord> = runs.into_iter().map(GateRun::into_record).collect();
        let verdict = gates
            .iter()
            .filter(|g| !g.dry_run)
            .map(|g| g.verdict)
            .max()
            .unwrap_or(Verdict::Successful);
        AnalysisRecord {
            step: step.to_string(),
            target: target.clone(),
            started_ms: started.as_millis() as u64,
            finished_ms: clock.now().as_millis() as u64,
            verdict,
            deadline_exceeded,
            gates,
        }
    }
}

/// What one analysis measured and decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisRecord {
    /// The step it belonged to (`canary 5%`, `traffic 50%`, `instance web-3`).
    pub step: String,
    /// What was measured.
    pub target: Target,
    /// Clock reading at its start, in milliseconds.
    pub started_ms: u64,
    /// Clock reading at its end, in milliseconds.
    pub finished_ms: u64,
    /// The worst verdict of its gates that are not in dry-run.
    pub verdict: Verdict,
    /// Whether the rollout's progress deadline cut it short.
    pub deadline_exceeded: bool,
    /// Every gate's history.
    pub gates: Vec<GateRecord>,
}

impl AnalysisRecord {
    /// The history of the gate watching `metric`, if there is one.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// # let record: AnalysisRecord = serde_json::from_value(serde_json::json!({"step":"s",
    /// #   "target":{"kind":"environment","name":"green"},"started_ms":0,"finished_ms":0,
    /// #   "verdict":"successful","deadline_exceeded":false,"gates":[]})).unwrap();
    /// assert!(record.gate("error_rate").is_none());
    /// ```
    pub fn gate(&self, metric: &str) -> Option<&GateRecord> {
        self.gates.iter().find(|g| g.metric == metric)
    }
}
