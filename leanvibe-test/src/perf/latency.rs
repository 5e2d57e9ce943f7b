//! Latency samples and the statistics thresholds read from them.
//!
//! Closed-loop runs (compliance, throughput, stress) keep every sample and
//! use exact nearest-rank percentiles. Open-loop load records into an HDR
//! histogram in microseconds with 3 significant digits, so its figures are
//! within 0.1 % of the recorded values.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Largest latency the load histogram holds: one hour, in microseconds.
/// Longer values are recorded as one hour.
const HDR_MAX_US: u64 = 3_600_000_000;

/// The latencies of one run.
#[derive(Debug, Clone)]
pub(crate) enum Latencies {
    /// Every sample in milliseconds, sorted.
    Exact(Vec<f64>),
    /// An HDR histogram of microseconds.
    Hdr(Histogram<u64>),
}

impl Latencies {
    /// Exact latencies from durations, in any order.
    pub(crate) fn exact(durations: impl IntoIterator<Item = Duration>) -> Self {
        let mut ms: Vec<f64> = durations
            .into_iter()
            .map(|d| d.as_secs_f64() * 1e3)
            .collect();
        ms.sort_by(f64::total_cmp);
        Latencies::Exact(ms)
    }

    /// An empty HDR histogram for [`Latencies::record_hdr`].
    pub(crate) fn hdr() -> Self {
        Latencies::Hdr(new_histogram())
    }

    /// Records one latency into an HDR histogram (no-op on exact samples).
    pub(crate) fn record_hdr(&mut self, latency: Duration) {
        if let Latencies::Hdr(h) = self {
            h.saturating_record(duration_us(latency));
        }
    }

    /// Number of samples.
    pub(crate) fn count(&self) -> u64 {
        match self {
            Latencies::Exact(v) => v.len() as u64,
            Latencies::Hdr(h) => h.len(),
        }
    }

    /// Arithmetic mean in ms.
    pub(crate) fn mean(&self) -> Option<f64> {
        if self.count() == 0 {
            return None;
        }
        Some(match self {
            Latencies::Exact(v) => v.iter().sum::<f64>() / v.len() as f64,
            Latencies::Hdr(h) => h.mean() / 1e3,
        })
    }

    /// Smallest sample in ms.
    pub(crate) fn min(&self) -> Option<f64> {
        if self.count() == 0 {
            return None;
        }
        Some(match self {
            Latencies::Exact(v) => v[0],
            Latencies::Hdr(h) => h.min() as f64 / 1e3,
        })
    }

    /// Largest sample in ms.
    pub(crate) fn max(&self) -> Option<f64> {
        if self.count() == 0 {
            return None;
        }
        Some(match self {
            Latencies::Exact(v) => v[v.len() - 1],
            Latencies::Hdr(h) => h.max() as f64 / 1e3,
        })
    }

    /// The `p`th percentile (0 < p <= 100) in ms: nearest rank for exact
    /// samples, the histogram's value at that quantile otherwise.
    pub(crate) fn percentile(&self, p: f64) -> Option<f64> {
        if self.count() == 0 {
            return None;
        }
        Some(match self {
            Latencies::Exact(v) => nearest_rank(v, p),
            Latencies::Hdr(h) => h.value_at_quantile(p / 100.0) as f64 / 1e3,
        })
    }

    /// Share of samples strictly over `ms` (0..=1).
    pub(crate) fn share_over(&self, ms: f64) -> Option<f64> {
        let count = self.count();
        if count == 0 {
            return None;
        }
        let over = match self {
            Latencies::Exact(v) => v.iter().filter(|&&x| x > ms).count() as u64,
            Latencies::Hdr(h) => {
                let limit_us = ms * 1e3;
                h.iter_recorded()
                    .filter(|step| h.median_equivalent(step.value_iterated_to()) as f64 > limit_us)
                    .map(|step| step.count_at_value())
                    .sum()
            }
        };
        Some(over as f64 / count as f64)
    }

    /// The usual figures, for reports.
    /// `[percentile, ms]` at [`CURVE_PERCENTILES`], as HDR Histogram's
    /// percentile distribution steps through them: each step halves the
    /// distance to 100.
    pub(crate) fn curve(&self) -> Vec<[f64; 2]> {
        if self.count() == 0 {
            return Vec::new();
        }
        CURVE_PERCENTILES
            .iter()
            .filter_map(|&p| {
                let ms = if p == 0.0 {
                    self.min()
                } else {
                    self.percentile(p)
                };
                Some([p, ms?])
            })
            .collect()
    }

    pub(crate) fn summary(&self) -> LatencySummary {
        let get = |v: Option<f64>| v.unwrap_or(0.0);
        LatencySummary {
            count: self.count(),
            min: get(self.min()),
            mean: get(self.mean()),
            p50: get(self.percentile(50.0)),
            p90: get(self.percentile(90.0)),
            p95: get(self.percentile(95.0)),
            p99: get(self.percentile(99.0)),
            max: get(self.max()),
        }
    }
}

/// Where [`Latencies::curve`] samples the distribution.
const CURVE_PERCENTILES: &[f64] = &[
    0.0, 50.0, 75.0, 87.5, 93.75, 96.875, 98.4375, 99.0, 99.21875, 99.609375, 99.8046875, 99.9,
    100.0,
];

/// Latency figures of a run in milliseconds (all 0 when there were no samples).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Samples.
    pub count: u64,
    /// Fastest.
    pub min: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

/// A histogram for microsecond latencies, 1 µs to one hour, 3 significant digits.
pub(crate) fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HDR_MAX_US, 3).expect("valid histogram bounds")
}

/// A duration in whole microseconds, at least 1 (the histogram's floor).
pub(crate) fn duration_us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// Nearest-rank percentile of sorted values (the same rule as the harness's
/// `p95_ms` budgets).
pub(crate) fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let index = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[index.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn exact_percentiles_are_nearest_rank() {
        let l = Latencies::exact(ms(&(1..=100).rev().collect::<Vec<_>>()));
        assert_eq!(l.percentile(95.0), Some(95.0));
        assert_eq!(l.percentile(50.0), Some(50.0));
        assert_eq!(l.percentile(100.0), Some(100.0));
        assert_eq!(l.min(), Some(1.0));
        assert_eq!(l.max(), Some(100.0));
        assert_eq!(l.mean(), Some(50.5));
        assert_eq!(l.share_over(90.0), Some(0.10));
    }

    #[test]
    fn hdr_agrees_with_exact_within_its_precision() {
        let values: Vec<u64> = (1..=1000).collect();
        let exact = Latencies::exact(ms(&values));
        let mut hdr = Latencies::hdr();
        for d in ms(&values) {
            hdr.record_hdr(d);
        }
        for p in [50.0, 90.0, 99.0, 100.0] {
            let (a, b) = (exact.percentile(p).unwrap(), hdr.percentile(p).unwrap());
            assert!((a - b).abs() / a < 0.002, "p{p}: exact {a}, hdr {b}");
        }
        assert!((hdr.share_over(900.0).unwrap() - 0.1).abs() < 0.002);
        assert_eq!(hdr.count(), 1000);
    }

    #[test]
    fn empty_latencies_have_no_figures() {
        let l = Latencies::exact([]);
        assert_eq!(l.percentile(50.0), None);
        assert_eq!(l.share_over(1.0), None);
        assert_eq!(l.summary().count, 0);
    }
}
