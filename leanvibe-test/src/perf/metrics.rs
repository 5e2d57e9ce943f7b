//! The perf threshold vocabulary on top of [`crate::threshold`].
//!
//! | metric | meaning | unit |
//! |---|---|---|
//! | `avg` | mean latency | ms |
//! | `min` | fastest operation | ms |
//! | `max` | slowest operation | ms |
//! | `med` | median latency (same as `p(50)`) | ms |
//! | `p(N)` | Nth percentile latency, 0 < N <= 100 | ms |
//! | `rate(>MS)` | share of latencies strictly over MS ms | 0..1 |
//! | `success` | share of operations that succeeded | 0..1 |
//! | `errors` | operations that returned an error | count |
//! | `panics` | operations that panicked | count |
//! | `dropped` | load requests not sent: the in-flight cap was reached | count |
//! | `throughput` | completed operations per second | 1/s |

use super::latency::Latencies;
use crate::errors::ThresholdError;
use crate::threshold::{MetricName, Threshold};

/// Every metric a perf threshold may name.
pub const METRICS: &[MetricName] = &[
    metric("avg", "avg", false),
    metric("min", "min", false),
    metric("max", "max", false),
    metric("med", "med", false),
    metric("p", "p(N)", true),
    metric("rate", "rate(>MS)", true),
    metric("success", "success", false),
    metric("errors", "errors", false),
    metric("panics", "panics", false),
    metric("dropped", "dropped", false),
    metric("throughput", "throughput", false),
];

const fn metric(name: &'static str, usage: &'static str, takes_argument: bool) -> MetricName {
    MetricName {
        name,
        usage,
        takes_argument,
    }
}

/// A list of parsed perf thresholds.
///
/// ```
/// use leanvibe_test::perf::Thresholds;
/// let t = Thresholds::parse(["avg<25", "p(95)<40", "rate(>40)<0.05"]).unwrap();
/// assert_eq!(t.len(), 3);
/// let err = Thresholds::parse(["p95<40"]).unwrap_err().to_string();
/// assert!(err.contains("unknown metric `p95`"), "{err}");
/// assert!(err.contains("p(N), rate(>MS), success"), "{err}");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds(Vec<Threshold>);

impl Thresholds {
    /// Parses each text against [`METRICS`]; the first bad one is the error.
    pub fn parse<I>(texts: I) -> Result<Thresholds, ThresholdError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::parse_in(texts, METRICS)
    }

    /// Parses against a subset of [`METRICS`] (benches know no `success`).
    pub(crate) fn parse_in<I>(
        texts: I,
        vocabulary: &[MetricName],
    ) -> Result<Thresholds, ThresholdError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        texts
            .into_iter()
            .map(|text| parse_one(text.as_ref(), vocabulary))
            .collect::<Result<Vec<_>, _>>()
            .map(Thresholds)
    }

    /// The thresholds, in the order given.
    pub fn iter(&self) -> std::slice::Iter<'_, Threshold> {
        self.0.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses at the call site, panicking with the parse error there.
    #[track_caller]
    pub(crate) fn parse_or_panic<I>(texts: I) -> Thresholds
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        match Self::parse(texts) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }
}

fn parse_one(text: &str, vocabulary: &[MetricName]) -> Result<Threshold, ThresholdError> {
    let threshold = Threshold::parse_in(text, vocabulary)?;
    let bad = |problem: &str| ThresholdError {
        text: text.to_string(),
        problem: problem.to_string(),
    };
    match threshold.metric.as_str() {
        "p" => match threshold.numeric_argument() {
            Some(n) if n > 0.0 && n <= 100.0 => {}
            _ => return Err(bad("the percentile in p(N) must be a number in (0, 100]")),
        },
        "rate" => {
            let limit = threshold
                .argument
                .as_deref()
                .and_then(|a| a.trim().strip_prefix('>'))
                .and_then(|ms| ms.trim().parse::<f64>().ok());
            if !matches!(limit, Some(ms) if ms.is_finite() && ms >= 0.0) {
                return Err(bad(
                    "rate takes `>MS`, a latency in milliseconds, as in rate(>40)<0.05",
                ));
            }
        }
        _ => {}
    }
    Ok(threshold)
}

/// What thresholds are judged against: the latencies and counts of one run.
#[derive(Debug)]
pub(crate) struct Observed<'a> {
    pub latencies: &'a Latencies,
    /// Operations attempted, dropped ones included.
    pub attempted: u64,
    pub successes: u64,
    pub errors: u64,
    pub panics: u64,
    pub dropped: u64,
    /// Completed operations per second, if the run measures it.
    pub throughput: Option<f64>,
}

impl Observed<'_> {
    /// The measured value of `threshold`'s metric, or `None` when the run has
    /// nothing to measure it on (no samples, or no throughput).
    pub(crate) fn value_of(&self, threshold: &Threshold) -> Option<f64> {
        let l = self.latencies;
        match threshold.metric.as_str() {
            "avg" => l.mean(),
            "min" => l.min(),
            "max" => l.max(),
            "med" => l.percentile(50.0),
            "p" => l.percentile(threshold.numeric_argument()?),
            "rate" => {
                let ms = threshold.argument.as_deref()?.trim().strip_prefix('>')?;
                l.share_over(ms.trim().parse().ok()?)
            }
            "success" => {
                (self.attempted > 0).then(|| self.successes as f64 / self.attempted as f64)
            }
            "errors" => Some(self.errors as f64),
            "panics" => Some(self.panics as f64),
            "dropped" => Some(self.dropped as f64),
            "throughput" => self.throughput,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn arguments_are_checked() {
        for (text, problem) in [
            ("p(0)<1", "(0, 100]"),
            ("p(101)<1", "(0, 100]"),
            ("p(x)<1", "(0, 100]"),
            ("rate(40)<0.1", "`>MS`"),
            ("rate(>x)<0.1", "`>MS`"),
            ("avg(3)<1", "takes no argument"),
            ("p<1", "needs an argument: p(N)"),
        ] {
            let err = Thresholds::parse([text]).unwrap_err().to_string();
            assert!(err.contains(problem), "{text}: {err}");
            assert!(err.contains(text), "{text}: {err}");
        }
    }

    #[test]
    fn every_metric_measures_what_it_says() {
        let latencies = Latencies::exact((1..=10).map(Duration::from_millis));
        let observed = Observed {
            latencies: &latencies,
            attempted: 20,
            successes: 17,
            errors: 2,
            panics: 1,
            dropped: 0,
            throughput: Some(123.0),
        };
        let t = Thresholds::parse([
            "avg<1",
            "min<1",
            "max<1",
            "med<1",
            "p(90)<1",
            "rate(>8)<1",
            "success<1",
            "errors<1",
            "panics<1",
            "dropped<1",
            "throughput<1",
        ])
        .unwrap();
        let values: Vec<f64> = t.iter().map(|t| observed.value_of(t).unwrap()).collect();
        assert_eq!(
            values,
            [5.5, 1.0, 10.0, 5.0, 9.0, 0.2, 0.85, 2.0, 1.0, 0.0, 123.0]
        );
    }
}
