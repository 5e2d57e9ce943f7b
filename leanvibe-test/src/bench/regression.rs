//! The change of a benchmark's mean against its baseline, with a bootstrap
//! confidence interval.

use serde::{Deserialize, Serialize};

/// Bootstrap resamples: enough for stable 2.5 % / 97.5 % bounds.
const RESAMPLES: usize = 10_000;

/// The relative change of the mean (`new / baseline - 1`) and its 95 %
/// confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Point estimate of `mean(new) / mean(baseline) - 1`.
    pub point: f64,
    /// 2.5th percentile of the bootstrap distribution.
    pub lower: f64,
    /// 97.5th percentile of the bootstrap distribution.
    pub upper: f64,
}

/// Bootstraps the relative change of the mean between two sets of
/// per-iteration times: each resample draws, with replacement, as many
/// values as each set has, from each set independently. Deterministic (a
/// fixed seed), so the same files give the same verdict. `None` when either
/// set is empty.
pub(crate) fn change_of_mean(baseline: &[f64], new: &[f64]) -> Option<Change> {
    if baseline.is_empty() || new.is_empty() {
        return None;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let point = mean(new) / mean(baseline) - 1.0;
    let mut rng = SplitMix64(0x5EED_1EA4_u64);
    let mut resample_mean = |v: &[f64]| {
        let sum: f64 = (0..v.len()).map(|_| v[rng.below(v.len())]).sum();
        sum / v.len() as f64
    };
    let mut changes: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let b = resample_mean(baseline);
            resample_mean(new) / b - 1.0
        })
        .collect();
    changes.sort_by(f64::total_cmp);
    Some(Change {
        point,
        lower: crate::perf::latency::nearest_rank(&changes, 2.5),
        upper: crate::perf::latency::nearest_rank(&changes, 97.5),
    })
}

/// A small, well-known PRNG (Steele, Lea & Flood 2014); statistical
/// quality is ample for resampling indices.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is below 2^-50 for our n.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_sets_have_an_interval_around_zero() {
        let base: Vec<f64> = (0..20).map(|i| 100.0 + (i % 5) as f64).collect();
        let c = change_of_mean(&base, &base).unwrap();
        assert_eq!(c.point, 0.0);
        assert!(c.lower < 0.0 && c.upper > 0.0, "{c:?}");
    }

    #[test]
    fn a_doubling_is_found_with_a_tight_interval() {
        let base: Vec<f64> = (0..20).map(|i| 100.0 + (i % 5) as f64).collect();
        let slow: Vec<f64> = base.iter().map(|x| x * 2.0).collect();
        let c = change_of_mean(&base, &slow).unwrap();
        assert!((c.point - 1.0).abs() < 1e-12);
        assert!(c.lower > 0.9 && c.upper < 1.1, "{c:?}");
        assert!(change_of_mean(&[], &slow).is_none());
    }
}
