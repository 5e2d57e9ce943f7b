//! Budget verdicts: compare what a test measured with its limits.

use super::rss;
use super::stats::SampleStats;
use crate::record::{Failure, FailureKind, Measurements};
use crate::registry::Budget;

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;

/// The first budget `measurements` break, in this order: `max_ms` (each run),
/// heap (`max_mb`/`max_kb`), `max_rss_mb`, then `mean_ms`, `p50_ms`, `p95_ms`,
/// `p99_ms` over the measured runs. `None` when every budget holds.
///
/// A heap budget without the tracking allocator, or an RSS budget where RSS
/// cannot be measured, is a failure saying so, never a silent pass. Memory
/// figures are printed in MiB, or in KiB when the limit is not a whole number
/// of MiB (as with most `max_kb` budgets: `Budget` keeps bytes, not the unit).
///
/// ```
/// use leanvibe_test::budget::check;
/// use leanvibe_test::report::{FailureKind, Measurements};
/// use leanvibe_test::budget::Budget;
///
/// let budget = Budget { max_ms: Some(50.0), ..Budget::NONE };
/// let slow = Measurements { runs_ms: vec![63.24], ..Default::default() };
/// let failure = check(&budget, &slow).unwrap();
/// assert_eq!(failure.kind, FailureKind::BudgetTime);
/// assert_eq!(failure.message, "time budget exceeded: 63.2 ms > 50 ms");
/// ```
pub fn check(budget: &Budget, measurements: &Measurements) -> Option<Failure> {
    check_time(budget, measurements)
        .or_else(|| check_heap(budget, measurements))
        .or_else(|| check_rss(budget, measurements))
        .or_else(|| check_stats(budget, measurements))
}

fn failure(kind: FailureKind, message: String) -> Option<Failure> {
    Some(Failure::new(kind, message))
}

fn check_time(budget: &Budget, m: &Measurements) -> Option<Failure> {
    let limit = budget.max_ms?;
    let (index, worst) = m
        .runs_ms
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    if worst <= limit {
        return None;
    }
    let mut message = format!(
        "time budget exceeded: {} ms > {} ms",
        above(worst, limit),
        limit
    );
    if m.runs_ms.len() > 1 {
        message += &format!(" (run {} of {})", index + 1, m.runs_ms.len());
    }
    failure(FailureKind::BudgetTime, message)
}

fn check_heap(budget: &Budget, m: &Measurements) -> Option<Failure> {
    let limit = budget.max_heap_bytes?;
    let Some(peak) = m.peak_heap_bytes else {
        return failure(
            FailureKind::BudgetMemory,
            "max_mb needs the tracking allocator: use leanvibe_test::main!()".to_string(),
        );
    };
    (peak > limit).then(|| {
        Failure::new(
            FailureKind::BudgetMemory,
            format!(
                "memory budget exceeded: peak heap +{}",
                over_in_unit_of_limit(peak, limit)
            ),
        )
    })
}

fn check_rss(budget: &Budget, m: &Measurements) -> Option<Failure> {
    let limit = budget.max_rss_bytes?;
    let Some(peak) = m.peak_rss_bytes else {
        let reason = rss::unsupported_reason().map_or_else(
            || "max_rss_mb could not be measured for this test".to_string(),
            |e| e.to_string(),
        );
        return failure(FailureKind::BudgetRss, reason);
    };
    (peak > limit).then(|| {
        Failure::new(
            FailureKind::BudgetRss,
            format!(
                "rss budget exceeded: peak RSS +{}",
                over_in_unit_of_limit(peak, limit)
            ),
        )
    })
}

fn check_stats(budget: &Budget, m: &Measurements) -> Option<Failure> {
    let summary = SampleStats::of(&m.runs_ms)?;
    let limits = [
        ("mean", budget.mean_ms, summary.mean),
        ("p50", budget.p50_ms, summary.p50),
        ("p95", budget.p95_ms, summary.p95),
        ("p99", budget.p99_ms, summary.p99),
    ];
    limits.into_iter().find_map(|(name, limit, value)| {
        let limit = limit?;
        (value > limit).then(|| {
            Failure::new(
                FailureKind::BudgetStats,
                format!(
                    "{name} budget exceeded: {name} {} ms > {limit} ms over {} runs",
                    above(value, limit),
                    summary.count
                ),
            )
        })
    })
}

/// `measured` with one decimal, or as many more (up to six) as it takes to
/// print a number greater than `limit`: `0.5 ms > 0.5 ms` helps nobody.
fn above(measured: f64, limit: f64) -> String {
    for decimals in 1..=6 {
        let text = format!("{measured:.decimals$}");
        if text.parse::<f64>().is_ok_and(|shown| shown > limit) {
            return text;
        }
    }
    format!("{measured}")
}

/// `93.4 MiB > 80 MiB`, in KiB when the limit is not a whole number of MiB
/// (it was given with `max_kb`; `Budget` keeps bytes only).
fn over_in_unit_of_limit(measured: u64, limit: u64) -> String {
    let (unit, name) = if limit.is_multiple_of(MIB) {
        (MIB, "MiB")
    } else {
        (KIB, "KiB")
    };
    let limit_in_unit = limit as f64 / unit as f64;
    format!(
        "{} {name} > {limit_in_unit} {name}",
        above(measured as f64 / unit as f64, limit_in_unit)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(runs_ms: &[f64]) -> Measurements {
        Measurements {
            runs_ms: runs_ms.to_vec(),
            peak_heap_bytes: Some(0),
            peak_rss_bytes: Some(0),
            attempts: 1,
        }
    }

    fn message(budget: Budget, m: &Measurements) -> (FailureKind, String) {
        let f = check(&budget, m).expect("a budget should be broken");
        (f.kind, f.message)
    }

    #[test]
    fn time_budget_names_the_run() {
        let budget = Budget {
            max_ms: Some(50.0),
            ..Budget::NONE
        };
        assert_eq!(
            message(budget, &runs(&[63.24])),
            (
                FailureKind::BudgetTime,
                "time budget exceeded: 63.2 ms > 50 ms".into()
            )
        );
        assert_eq!(
            message(budget, &runs(&[10.0, 70.0, 20.0])).1,
            "time budget exceeded: 70.0 ms > 50 ms (run 2 of 3)"
        );
        assert!(check(&budget, &runs(&[50.0, 49.9])).is_none());
        // Precision grows until the figure is visibly over the limit.
        let tight = Budget {
            max_ms: Some(0.5),
            ..Budget::NONE
        };
        assert_eq!(
            message(tight, &runs(&[0.5312])).1,
            "time budget exceeded: 0.53 ms > 0.5 ms"
        );
    }

    #[test]
    fn memory_budget_in_mib_and_kib() {
        let budget = Budget {
            max_heap_bytes: Some(80 * MIB),
            ..Budget::NONE
        };
        let mut m = runs(&[1.0]);
        m.peak_heap_bytes = Some((93.4 * MIB as f64) as u64);
        assert_eq!(
            message(budget, &m),
            (
                FailureKind::BudgetMemory,
                "memory budget exceeded: peak heap +93.4 MiB > 80 MiB".into()
            )
        );
        let small = Budget {
            max_heap_bytes: Some(300 * KIB),
            ..Budget::NONE
        };
        m.peak_heap_bytes = Some(400 * KIB + 512);
        assert_eq!(
            message(small, &m).1,
            "memory budget exceeded: peak heap +400.5 KiB > 300 KiB"
        );
        m.peak_heap_bytes = Some(300 * KIB);
        assert!(check(&small, &m).is_none());
    }

    #[test]
    fn memory_budget_without_the_allocator_fails() {
        let budget = Budget {
            max_heap_bytes: Some(MIB),
            ..Budget::NONE
        };
        let mut m = runs(&[1.0]);
        m.peak_heap_bytes = None;
        assert_eq!(
            message(budget, &m),
            (
                FailureKind::BudgetMemory,
                "max_mb needs the tracking allocator: use leanvibe_test::main!()".into()
            )
        );
    }

    #[test]
    fn rss_budget_and_unmeasured_rss() {
        let budget = Budget {
            max_rss_bytes: Some(10 * MIB),
            ..Budget::NONE
        };
        let mut m = runs(&[1.0]);
        m.peak_rss_bytes = Some(12 * MIB);
        assert_eq!(
            message(budget, &m),
            (
                FailureKind::BudgetRss,
                "rss budget exceeded: peak RSS +12.0 MiB > 10 MiB".into()
            )
        );
        m.peak_rss_bytes = None;
        let (kind, text) = message(budget, &m);
        assert_eq!(kind, FailureKind::BudgetRss);
        assert!(text.starts_with("max_rss_mb "), "{text}");
    }

    #[test]
    fn stats_budgets_in_order() {
        // 20 runs 1..=20 ms: mean 10.5, p50 10, p95 19, p99 20.
        let samples: Vec<f64> = (1..=20).map(f64::from).collect();
        let m = runs(&samples);
        let p95 = Budget {
            p95_ms: Some(18.0),
            ..Budget::NONE
        };
        assert_eq!(
            message(p95, &m),
            (
                FailureKind::BudgetStats,
                "p95 budget exceeded: p95 19.0 ms > 18 ms over 20 runs".into()
            )
        );
        let mean_and_p99 = Budget {
            mean_ms: Some(10.0),
            p99_ms: Some(5.0),
            ..Budget::NONE
        };
        assert_eq!(
            message(mean_and_p99, &m).1,
            "mean budget exceeded: mean 10.5 ms > 10 ms over 20 runs"
        );
        let holds = Budget {
            mean_ms: Some(10.5),
            p50_ms: Some(10.0),
            p95_ms: Some(19.0),
            p99_ms: Some(20.0),
            ..Budget::NONE
        };
        assert!(check(&holds, &m).is_none());
    }

    #[test]
    fn time_is_checked_before_memory() {
        let budget = Budget {
            max_ms: Some(1.0),
            max_heap_bytes: Some(MIB),
            ..Budget::NONE
        };
        let mut m = runs(&[2.0]);
        m.peak_heap_bytes = Some(2 * MIB);
        assert_eq!(message(budget, &m).0, FailureKind::BudgetTime);
    }
}
