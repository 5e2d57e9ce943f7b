//! Gates: one metric, one threshold, measured on a schedule, in the spirit
//! of Argo Rollouts' analysis runs.
//!
//! Each measurement is judged [`Verdict::Successful`] (the threshold holds),
//! [`Verdict::Failed`] (it does not), [`Verdict::Inconclusive`] (no data, or
//! fewer requests than [`MetricGate::min_requests`]) or [`Verdict::Error`] (the
//! metrics provider failed). The gate's verdict is the worst limit it
//! crossed: more failures than `failure_limit`, more errors in a row than
//! `consecutive_error_limit`, more inconclusive measurements than
//! `inconclusive_limit`. Errors are retried after the interval and do not
//! use up the `count`.

use super::environment::{EnvError, MetricSample};
use crate::errors::ThresholdError;
use crate::threshold::{MetricName, Threshold};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The metrics a gate may name: `error_rate`, `avg`, `p(95)`, `memory_mb`,
/// `requests` (see [`MetricSample`]). Latencies are in milliseconds and
/// named as in perf and bench thresholds (`avg`, `p(N)`); a deployment's
/// metrics store reports the 95th percentile only, so [`MetricGate::new`]
/// accepts `p(95)` and no other percentile.
///
/// ```
/// use leanvibe_test::{deploy::DEPLOY_METRICS, threshold::Threshold};
/// assert!(Threshold::parse_in("error_rate<0.02", DEPLOY_METRICS).is_ok());
/// assert!(Threshold::parse_in("p(95)<40", DEPLOY_METRICS).is_ok());
/// assert!(Threshold::parse_in("p95_ms<40", DEPLOY_METRICS).is_err());
/// ```
pub const DEPLOY_METRICS: &[MetricName] = &[
    MetricName {
        name: "error_rate",
        usage: "error_rate",
        takes_argument: false,
    },
    MetricName {
        name: "avg",
        usage: "avg",
        takes_argument: false,
    },
    MetricName {
        name: "p",
        usage: "p(95)",
        takes_argument: true,
    },
    MetricName {
        name: "memory_mb",
        usage: "memory_mb",
        takes_argument: false,
    },
    MetricName {
        name: "requests",
        usage: "requests",
        takes_argument: false,
    },
];

/// The judgement of a measurement or of a whole run, ordered from best to
/// worst: `Successful < Inconclusive < Error < Failed`.
///
/// ```
/// use leanvibe_test::deploy::Verdict;
/// assert!(Verdict::Successful < Verdict::Inconclusive);
/// assert!(Verdict::Inconclusive < Verdict::Error);
/// assert!(Verdict::Error < Verdict::Failed);
/// assert_eq!([Verdict::Error, Verdict::Inconclusive].into_iter().max(), Some(Verdict::Error));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The threshold held.
    Successful,
    /// No data, or too little traffic to judge.
    Inconclusive,
    /// The metrics provider failed.
    Error,
    /// The threshold did not hold.
    Failed,
}

/// A metric with a threshold, measured `count` times, every `interval`.
///
/// ```
/// use leanvibe_test::deploy::MetricGate;
/// use std::time::Duration;
/// let gate = MetricGate::new("error_rate<0.02")?
///     .interval(Duration::from_secs(30))
///     .count(10)
///     .failure_limit(1)
///     .consecutive_error_limit(2);
/// assert_eq!(gate.duration(), Duration::from_secs(300));
/// assert!(MetricGate::new("latency<5").is_err()); // not in the vocabulary
/// # Ok::<(), leanvibe_test::errors::ThresholdError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MetricGate {
    /// What must hold, over [`DEPLOY_METRICS`].
    pub threshold: Threshold,
    /// Time between measurements, and the window each one covers. Default 60 s.
    pub interval: Duration,
    /// Measurements to take (errors not counted). Default 1.
    pub count: u32,
    /// Failed measurements tolerated. Default 0.
    pub failure_limit: u32,
    /// Inconclusive measurements tolerated. Default 0.
    pub inconclusive_limit: u32,
    /// Provider errors in a row tolerated. Default 4, as in Argo Rollouts.
    pub consecutive_error_limit: u32,
    /// Fewer requests than this in the window makes a measurement
    /// inconclusive. Default 1.
    pub min_requests: u64,
    /// Record the measurements but never act on them. Default false.
    pub dry_run: bool,
}

impl MetricGate {
    /// A gate on `threshold` (`error_rate<0.02`, `avg<=50`, ...) with the
    /// defaults above.
    ///
    /// ```
    /// use leanvibe_test::deploy::MetricGate;
    /// let gate = MetricGate::new("memory_mb<=80").unwrap();
    /// assert_eq!(gate.count, 1);
    /// let err = MetricGate::new("p(99)<40").unwrap_err();
    /// assert!(err.to_string().contains("p(95)"), "{err}");
    /// ```
    pub fn new(threshold: &str) -> Result<MetricGate, ThresholdError> {
        let threshold = Threshold::parse_in(threshold, DEPLOY_METRICS)?;
        if threshold.metric == "p" && threshold.numeric_argument() != Some(95.0) {
            return Err(ThresholdError {
                text: threshold.source,
                problem: "deployment metrics carry one percentile, p(95)".into(),
            });
        }
        Ok(MetricGate {
            threshold,
            interval: Duration::from_secs(60),
            count: 1,
            failure_limit: 0,
            inconclusive_limit: 0,
            consecutive_error_limit: 4,
            min_requests: 1,
            dry_run: false,
        })
    }

    /// Sets [`interval`](MetricGate::interval).
    ///
    /// ```
    /// # let gate = leanvibe_test::deploy::MetricGate::new("avg<50").unwrap();
    /// let gate = gate.interval(std::time::Duration::from_secs(10));
    /// ```
    pub fn interval(mut self, interval: Duration) -> MetricGate {
        self.interval = interval;
        self
    }

    /// Sets [`count`](MetricGate::count).
    ///
    /// ```
    /// # let gate = leanvibe_test::deploy::MetricGate::new("avg<50").unwrap();
    /// let gate = gate.count(5);
    /// ```
    pub fn count(mut self, count: u32) -> MetricGate {
        self.count = count;
        self
    }

    /// Sets [`failure_limit`](MetricGate::failure_limit).
    ///
    /// ```
    /// # let gate = leanvibe_test::deploy::MetricGate::new("avg<50").unwrap();
    /// let gate = gate.failure_limit(1);
    /// ```
    pub fn failure_limit(mut self, limit: u32) -> MetricGate {
        self.failure_limit = limit;
        self
    }

    /// Sets [`inconclusive_limit`](MetricGate::inconclusive_limit).
    ///
    /// ```
    /// # let gate = leanvibe_test::deploy::MetricGate::new("avg<50").unwrap();
    /// let gate = gate.inconclusive_limit(2);
    /// ```
    pub fn inconclusive_limit(mut self, limit: u32) -> MetricGate {
        self.inconclusive_limit = limit;
        self
    }

    /// Sets [`consecutive_error_limit`](MetricGate::consecutive_error_limit).
    ///
    /// ```
    /// # let gate = leanvibe_test::deploy::MetricGate::new("avg<50").unwrap();
    /// let gate = gate.consecutive_error_limit(2);
    /// ```
    pub fn consecutive_error_limit(mut self, limit: u32) -> MetricGate {
        self.consecutive_error_limit = limit;
        self
    }

    /// Sets [`min_requests`](MetricGate::min_requests).
    ///
    /// ```
    /// # let gate = leanvibe_test::deploy::MetricGate::new("avg<50").unwrap();
    /// let gate = gate.min_requests(100);
    /// ```
    pub fn min_requests(mut self, requests: u64) -> MetricGate {
        self.min_requests = requests;
        self
    }

    /// Sets [`dry_run`](MetricGate::dry_run).
    ///
    /// ```
    /// # let gate = leanvibe_test::deploy::MetricGate::new("avg<50").unwrap();
    /// let gate = gate.dry_run(true);
    /// ```
    pub fn dry_run(mut self, dry_run: bool) -> MetricGate {
        self.dry_run = dry_run;
        self
    }

    /// How long the gate runs when the provider never fails:
    /// `interval × count`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let gate = leanvibe_test::deploy::MetricGate::new("avg<50").unwrap().count(3);
    /// assert_eq!(gate.duration(), Duration::from_secs(180));
    /// ```
    pub fn duration(&self) -> Duration {
        self.interval * self.count
    }

    /// Judges one answer of the metrics provider.
    ///
    /// ```
    /// use leanvibe_test::deploy::{EnvError, MetricGate, MetricSample, Verdict};
    /// let gate = MetricGate::new("avg<=50").unwrap().min_requests(10);
    /// let sample = |requests, avg_ms| MetricSample { requests, error_rate: 0.0, avg_ms, p95_ms: 0.0, memory_mb: 0.0 };
    /// assert_eq!(gate.judge(&Ok(Some(sample(100, 50.0)))).0, Verdict::Successful);
    /// assert_eq!(gate.judge(&Ok(Some(sample(100, 50.1)))).0, Verdict::Failed);
    /// assert_eq!(gate.judge(&Ok(Some(sample(9, 20.0)))).0, Verdict::Inconclusive);
    /// assert_eq!(gate.judge(&Ok(None)).0, Verdict::Inconclusive);
    /// assert_eq!(gate.judge(&Err(EnvError::new("503"))).0, Verdict::Error);
    /// ```
    pub fn judge(
        &self,
        answer: &Result<Option<MetricSample>, EnvError>,
    ) -> (Verdict, Option<f64>, Option<String>) {
        match answer {
            Err(e) => (Verdict::Error, None, Some(format!("provider error: {e}"))),
            Ok(None) => (Verdict::Inconclusive, None, Some("no data".into())),
            Ok(Some(sample)) if sample.requests < self.min_requests => (
                Verdict::Inconclusive,
                sample.value(&self.threshold.measure()),
                Some(format!(
                    "{} requests, fewer than the {} needed",
                    sample.requests, self.min_requests
                )),
            ),
            Ok(Some(sample)) => match sample.value(&self.threshold.measure()) {
                Some(value) if self.threshold.holds(value) => {
                    (Verdict::Successful, Some(value), None)
                }
                Some(value) => (
                    Verdict::Failed,
                    Some(value),
                    Some(format!(
                        "{} = {value} breaks {}",
                        self.threshold.measure(),
                        self.threshold
                    )),
                ),
                None => (
                    Verdict::Inconclusive,
                    None,
                    Some(format!("no `{}` in the sample", self.threshold.metric)),
                ),
            },
        }
    }
}

/// One measurement of a gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Clock reading when it was taken, in milliseconds.
    pub at_ms: u64,
    /// How it was judged.
    pub verdict: Verdict,
    /// The metric's value, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Requests in the window, when the provider answered with data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<u64>,
    /// Why it was not successful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A gate's history within one analysis, as the result shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateRecord {
    /// The threshold as written (`error_rate<0.02`).
    pub gate: String,
    /// The metric it watches.
    pub metric: String,
    /// Whether it was in dry-run mode (recorded, never acted on).
    pub dry_run: bool,
    /// Its verdict.
    pub verdict: Verdict,
    /// Whether it took all its measurements (false when the analysis was cut
    /// short by another gate or the deadline, or this gate crossed a limit).
    pub complete: bool,
    /// Every measurement, in order.
    pub measurements: Vec<Measurement>,
}

/// The counting state of one gate during an analysis.
#[derive(Debug)]
pub(crate) struct GateRun<'g> {
    pub(crate) gate: &'g MetricGate,
    /// When the next measurement is due.
    pub(crate) next_due: Duration,
    measurements: Vec<Measurement>,
    counted: u32,
    failed: u32,
    inconclusive: u32,
    consecutive_errors: u32,
    worst_error_streak: u32,
}

impl<'g> GateRun<'g> {
    pub(crate) fn new(gate: &'g MetricGate, start: Duration) -> Self {
        GateRun {
            gate,
            next_due: start + gate.interval,
            measurements: Vec::new(),
            counted: 0,
            failed: 0,
            inconclusive: 0,
            consecutive_errors: 0,
            worst_error_streak: 0,
        }
    }

    /// Records the provider's answer taken at `at`.
    pub(crate) fn record(&mut self, at: Duration, answer: &Result<Option<MetricSample>, EnvError>) {
        let (verdict, value, note) = self.gate.judge(answer);
        match verdict {
            Verdict::Error => {
                self.consecutive_errors += 1;
                self.worst_error_streak = self.worst_error_streak.max(self.consecutive_errors);
            }
            other => {
                self.consecutive_errors = 0;
                self.counted += 1;
                match other {
                    Verdict::Failed => self.failed += 1,
                    Verdict::Inconclusive => self.inconclusive += 1,
                    _ => {}
                }
            }
        }
        let requests = answer.as_ref().ok().and_then(|s| s.map(|s| s.requests));
        self.measurements.push(Measurement {
            at_ms: at.as_millis() as u64,
            verdict,
            value,
            requests,
            note,
        });
        self.next_due = at + self.gate.interval;
    }

    /// The worst limit crossed so far.
    pub(crate) fn verdict(&self) -> Verdict {
        if self.failed > self.gate.failure_limit {
            Verdict::Failed
        } else if self.worst_error_streak > self.gate.consecutive_error_limit {
            Verdict::Error
        } else if self.inconclusive > self.gate.inconclusive_limit {
            Verdict::Inconclusive
        } else {
            Verdict::Successful
        }
    }

    /// All measurements taken, or a limit crossed (the verdict cannot get
    /// better, so measuring on would only delay the decision).
    pub(crate) fn is_done(&self) -> bool {
        self.counted >= self.gate.count || self.verdict() != Verdict::Successful
    }

    pub(crate) fn into_record(self) -> GateRecord {
        GateRecord {
            gate: self.gate.threshold.to_string(),
            metric: self.gate.threshold.measure(),
            dry_run: self.gate.dry_run,
            verdict: self.verdict(),
            complete: self.counted >= self.gate.count,
            measurements: self.measurements,
        }
    }
}
