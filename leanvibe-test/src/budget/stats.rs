//! Summary statistics over the measured runs of a test.
//!
//! Percentiles use the **nearest-rank** method, computed exactly over every
//! sample (no interpolation, no sketches): the p-th percentile of `n` sorted
//! samples is the sample at 1-based rank `ceil(p / 100 × n)`, with rank 1 for
//! `p = 0`. So it is always one of the measured values; with 20 runs, p95 is
//! the 19th fastest and p99 the slowest.

/// Minimum, maximum, mean and nearest-rank percentiles of a set of samples.
///
/// The samples are a test's measured run times in milliseconds wherever the
/// crate uses this, which is what the serialised names (in the CTRF report's
/// `extra.leanvibe.stats`) say: `runs`, `min_ms`, ..., `p99_ms`.
///
/// ```
/// use leanvibe_test::budget::stats::SampleStats;
/// let s = SampleStats::of(&[3.0, 1.0, 2.0, 4.0]).unwrap();
/// assert_eq!((s.min, s.max, s.mean, s.p50), (1.0, 4.0, 2.5, 2.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SampleStats {
    /// How many samples.
    #[serde(rename = "runs")]
    pub count: usize,
    /// The smallest sample.
    #[serde(rename = "min_ms")]
    pub min: f64,
    /// The largest sample.
    #[serde(rename = "max_ms")]
    pub max: f64,
    /// The arithmetic mean.
    #[serde(rename = "mean_ms")]
    pub mean: f64,
    /// Nearest-rank 50th percentile (the lower median for an even count).
    #[serde(rename = "p50_ms")]
    pub p50: f64,
    /// Nearest-rank 95th percentile.
    #[serde(rename = "p95_ms")]
    pub p95: f64,
    /// Nearest-rank 99th percentile.
    #[serde(rename = "p99_ms")]
    pub p99: f64,
}

impl SampleStats {
    /// Summarises `samples` (in any order); `None` when there are none.
    ///
    /// ```
    /// use leanvibe_test::budget::stats::SampleStats;
    /// assert!(SampleStats::of(&[]).is_none());
    /// assert_eq!(SampleStats::of(&[7.5]).unwrap().p99, 7.5);
    /// ```
    pub fn of(samples: &[f64]) -> Option<SampleStats> {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(SampleStats {
            count: sorted.len(),
            min: *sorted.first()?,
            max: *sorted.last()?,
            mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
            p50: percentile(&sorted, 50.0)?,
            p95: percentile(&sorted, 95.0)?,
            p99: percentile(&sorted, 99.0)?,
        })
    }
}

/// The nearest-rank `p`-th percentile (`0.0..=100.0`) of samples **already
/// sorted** ascending; `None` for no samples or `p` out of range.
///
/// ```
/// use leanvibe_test::budget::stats::percentile;
/// let sorted = [15.0, 20.0, 35.0, 40.0, 50.0];
/// assert_eq!(percentile(&sorted, 30.0), Some(20.0));
/// assert_eq!(percentile(&sorted, 40.0), Some(20.0));
/// assert_eq!(percentile(&sorted, 50.0), Some(35.0));
/// assert_eq!(percentile(&sorted, 100.0), Some(50.0));
/// ```
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let n = sorted.len();
    // Exact in integers: rank = ceil(p * n / 100), p given to 1e-9.
    let scaled = (p * 1e9).round() as u128 * n as u128;
    let denominator = 100 * 1_000_000_000u128;
    let rank = scaled.div_ceil(denominator).max(1) as usize;
    sorted.get(rank.min(n) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_wikipedia_examples() {
        // The worked examples of the nearest-rank method.
        let a = [15.0, 20.0, 35.0, 40.0, 50.0];
        assert_eq!(percentile(&a, 5.0), Some(15.0));
        assert_eq!(percentile(&a, 30.0), Some(20.0));
        assert_eq!(percentile(&a, 40.0), Some(20.0));
        assert_eq!(percentile(&a, 50.0), Some(35.0));
        assert_eq!(percentile(&a, 100.0), Some(50.0));
        let b = [3.0, 6.0, 7.0, 8.0, 8.0, 10.0, 13.0, 15.0, 16.0, 20.0];
        assert_eq!(percentile(&b, 25.0), Some(7.0));
        assert_eq!(percentile(&b, 50.0), Some(8.0));
        assert_eq!(percentile(&b, 75.0), Some(15.0));
        assert_eq!(percentile(&b, 100.0), Some(20.0));
    }

    #[test]
    fn rank_boundaries_are_exact() {
        // 1..=100: the p-th percentile is exactly p (no float drift at 95 %).
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        for p in [1.0, 50.0, 95.0, 99.0, 100.0] {
            assert_eq!(percentile(&hundred, p), Some(p));
        }
        assert_eq!(percentile(&hundred, 0.0), Some(1.0));
        // 20 runs: p95 is the 19th, p99 the 20th.
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&twenty, 95.0), Some(19.0));
        assert_eq!(percentile(&twenty, 99.0), Some(20.0));
        assert_eq!(percentile(&twenty, 101.0), None);
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn summary_sorts_its_input() {
        let s = SampleStats::of(&[9.0, 1.0, 5.0, 3.0, 7.0]).unwrap();
        assert_eq!(s.count, 5);
        assert_eq!((s.min, s.max), (1.0, 9.0));
        assert_eq!(s.mean, 5.0);
        assert_eq!((s.p50, s.p95, s.p99), (5.0, 9.0, 9.0));
    }
}
