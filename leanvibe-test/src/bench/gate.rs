//! The gate: runs criterion, reads its results, judges budgets and
//! regressions, writes the files, and says how the process should exit.

use super::baseline::{self, BaselineBench, BaselineFile, BaselineMode};
use super::regression::change_of_mean;
use super::report::{
    BENCH_SCHEMA, BaselineStatus, BenchReport, BenchResult, EstimatesMs, Regression, SampleFigures,
    bench_message,
};
use super::results::{self, Measured};
use crate::perf::Thresholds;
use crate::perf::latency::{Latencies, nearest_rank};
use crate::perf::report::ThresholdVerdict;
use crate::threshold::{MetricName, Threshold};
use criterion::Criterion;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The metrics a bench budget may name: latency only (in ms); a bench has
/// no `success`.
pub const BENCH_METRICS: &[MetricName] = &[
    MetricName {
        name: "avg",
        usage: "avg",
        takes_argument: false,
    },
    MetricName {
        name: "min",
        usage: "min",
        takes_argument: false,
    },
    MetricName {
        name: "max",
        usage: "max",
        takes_argument: false,
    },
    MetricName {
        name: "med",
        usage: "med",
        takes_argument: false,
    },
    MetricName {
        name: "p",
        usage: "p(N)",
        takes_argument: true,
    },
    MetricName {
        name: "rate",
        usage: "rate(>MS)",
        takes_argument: true,
    },
];

type Configure = Box<dyn FnOnce(Criterion) -> Criterion>;

/// A bench target's gate: budgets per benchmark and a regression tolerance.
///
/// ```no_run
/// use leanvibe_test::bench::{BenchGate, criterion::Criterion};
/// use std::hint::black_box;
///
/// fn benches(c: &mut Criterion) {
///     c.bench_function("sum/1000", |b| b.iter(|| (0..black_box(1000u64)).sum::<u64>()));
/// }
///
/// fn main() {
///     BenchGate::new("sums")
///         .budget("sum/1000", ["avg<0.05", "p(95)<0.1"])
///         .tolerance(0.10)
///         .run(benches)
///         .exit();
/// }
/// ```
#[must_use = "a gate does nothing until `.run(benches)`"]
pub struct BenchGate {
    target: String,
    budgets: Vec<(String, Thresholds)>,
    tolerance: f64,
    configure: Option<Configure>,
}

/// What the gate concluded; [`BenchConclusion::exit`] ends the process with its code.
#[derive(Debug)]
#[must_use = "call `.exit()` so a broken budget fails `cargo bench`"]
pub struct BenchConclusion {
    /// The compliance report (also written to [`BenchConclusion::compliance_path`]).
    pub report: BenchReport,
    /// Where the compliance JSON was written (`None` when not measuring).
    pub compliance_path: Option<PathBuf>,
    /// Where the JUnit XML was written (`None` when not measuring).
    pub junit_path: Option<PathBuf>,
}

impl BenchConclusion {
    /// 0 when everything held, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.report.passed { 0 } else { 1 }
    }

    /// Exits the process with [`BenchConclusion::exit_code`].
    pub fn exit(self) -> ! {
        std::process::exit(self.exit_code())
    }
}

impl BenchGate {
    /// A gate for the bench target `target` (its `[[bench]] name`, which
    /// names the baseline and output files).
    pub fn new(target: impl Into<String>) -> BenchGate {
        BenchGate {
            target: target.into(),
            budgets: Vec::new(),
            tolerance: 0.10,
            configure: None,
        }
    }

    /// Declares the benchmark `id` (criterion's full id, `group/function`)
    /// with its budget in [`BENCH_METRICS`] (milliseconds). Only declared
    /// benchmarks are gated. A threshold that does not parse panics here.
    #[track_caller]
    pub fn budget<I>(mut self, id: impl Into<String>, thresholds: I) -> BenchGate
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        match Thresholds::parse_in(thresholds, BENCH_METRICS) {
            Ok(t) => self.budgets.push((id.into(), t)),
            Err(e) => panic!("{e}"),
        }
        self
    }

    /// The allowed slowdown of the mean against the baseline (default 0.10,
    /// i.e. 10 %). A regression fails only when the whole 95 % interval of
    /// the change lies above it.
    pub fn tolerance(mut self, tolerance: f64) -> BenchGate {
        self.tolerance = tolerance;
        self
    }

    /// Adjusts criterion's configuration (sample size, measurement time)
    /// before the command line is applied.
    pub fn configure(
        mut self,
        configure: impl FnOnce(Criterion) -> Criterion + 'static,
    ) -> BenchGate {
        self.configure = Some(Box::new(configure));
        self
    }

    /// Runs `benches` with criterion, then judges and writes the files.
    ///
    /// Without `--bench` on the command line (`cargo test --benches` runs
    /// bench targets in criterion's test mode), nothing is measured and the
    /// gate passes without writing files.
    pub fn run(self, benches: impl FnOnce(&mut Criterion)) -> BenchConclusion {
        let target_dir = target_dir();
        let criterion_dir = std::env::var_os("CRITERION_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| target_dir.join("criterion"));
        // Filesystem timestamps can be coarse: allow a little slack.
        let since = SystemTime::now() - Duration::from_secs(2);
        let start_ms = epoch_ms();
        let mut criterion = Criterion::default().output_directory(&criterion_dir);
        if let Some(configure) = self.configure {
            criterion = configure(criterion);
        }
        let mut criterion = criterion.configure_from_args();
        benches(&mut criterion);
        criterion.final_summary();
        let measuring = std::env::args().any(|a| a == "--bench")
            && !std::env::args().any(|a| a == "--list" || a == "--test");
        let gate = Judge {
            target: self.target,
            budgets: self.budgets,
            tolerance: self.tolerance,
        };
        if !measuring {
            println!("leanvibe bench gate: not measuring (no --bench), nothing judged");
            return BenchConclusion {
                report: gate.empty_report(&criterion_dir),
                compliance_path: None,
                junit_path: None,
            };
        }
        let report = gate.judge(&criterion_dir, since);
        let out = target_dir.join("leanvibe").join("bench");
        let compliance = out.join(format!("{}.compliance.json", report.target));
        let junit = out.join(format!("{}.junit.xml", report.target));
        if let Err(e) = report.write_json(&compliance) {
            eprintln!(
                "leanvibe bench gate: cannot write {}: {e}",
                compliance.display()
            );
        }
        if let Err(e) = report.write_junit(&junit, start_ms, epoch_ms()) {
            eprintln!("leanvibe bench gate: cannot write {}: {e}", junit.display());
        }
        print_summary(&report, &compliance, &junit);
        BenchConclusion {
            report,
            compliance_path: Some(compliance),
            junit_path: Some(junit),
        }
    }
}

/// The judging half of the gate, separate from running criterion so it can
/// be tested on files.
pub(crate) struct Judge {
    pub target: String,
    pub budgets: Vec<(String, Thresholds)>,
    pub tolerance: f64,
}

impl Judge {
    fn empty_report(&self, criterion_dir: &Path) -> BenchReport {
        BenchReport {
            schema: BENCH_SCHEMA,
            kind: "bench".into(),
            target: self.target.clone(),
            passed: true,
            criterion_dir: criterion_dir.display().to_string(),
            baseline: BaselineStatus {
                path: baseline::path_for(&self.target).display().to_string(),
                mode: "compare".into(),
                status: "missing".into(),
                message: "not measuring".into(),
            },
            benches: Vec::new(),
        }
    }

    /// Reads criterion's results written since `since` and judges them.
    pub(crate) fn judge(&self, criterion_dir: &Path, since: SystemTime) -> BenchReport {
        let path = baseline::path_for(&self.target);
        self.judge_with(criterion_dir, since, &path, BaselineMode::from_env())
    }

    pub(crate) fn judge_with(
        &self,
        criterion_dir: &Path,
        since: SystemTime,
        baseline_path: &Path,
        mode: Result<BaselineMode, crate::errors::BaselineModeError>,
    ) -> BenchReport {
        let mut passed = true;
        let (mode, mode_error) = match mode {
            Ok(m) => (m, None),
            Err(e) => (BaselineMode::Compare, Some(e)),
        };
        let loaded = baseline::read(baseline_path);
        let (baseline, mut status) = match (&mode_error, loaded) {
            (Some(e), _) => {
                passed = false;
                (None, status("invalid", e.to_string()))
            }
            (None, Err(e)) => {
                passed = false;
                (None, status("invalid", e))
            }
            (None, Ok(None)) => {
                let message = format!(
                    "no baseline at {}: regressions not checked; record one with {}=update",
                    baseline_path.display(),
                    baseline::BASELINE_ENV
                );
                if mode == BaselineMode::Require {
                    passed = false;
                }
                (None, status("missing", message))
            }
            (None, Ok(Some(file))) => (Some(file), status("compared", String::new())),
        };
        status.path = baseline_path.display().to_string();
        status.mode = match mode {
            BaselineMode::Compare => "compare",
            BaselineMode::Update => "update",
            BaselineMode::Require => "require",
        }
        .into();

        let mut benches = Vec::new();
        let mut updated = baseline.clone().unwrap_or_else(|| BaselineFile {
            schema: baseline::BASELINE_SCHEMA,
            target: self.target.clone(),
            ..BaselineFile::default()
        });
        for (id, thresholds) in &self.budgets {
            let Some(dir) = results::find_new_dir(criterion_dir, id, since) else {
                benches.push(BenchResult {
                    id: id.clone(),
                    status: "not_run".into(),
                    estimates_ms: None,
                    samples_ms: None,
                    thresholds: Vec::new(),
                    regression: None,
                    notes: vec![format!(
                        "criterion did not run `{id}` in this run (filtered out, or the id is misspelt)"
                    )],
                });
                continue;
            };
            let measured = match results::read(&dir) {
                Ok(m) => m,
                Err(e) => {
                    passed = false;
                    benches.push(BenchResult {
                        id: id.clone(),
                        status: "failed".into(),
                        estimates_ms: None,
                        samples_ms: None,
                        thresholds: Vec::new(),
                        regression: None,
                        notes: vec![e.to_string()],
                    });
                    continue;
                }
            };
            let mut notes = Vec::new();
            let verdicts = judge_thresholds(thresholds, &measured);
            let regression = match (mode, baseline.as_ref().and_then(|b| b.benches.get(id))) {
                (BaselineMode::Update, _) => None,
                (_, Some(base)) => self.regression(base, &measured),
                (_, None) => {
                    if baseline.is_some() {
                        notes.push(format!(
                            "the baseline has no entry for `{id}`; record one with {}=update",
                            baseline::BASELINE_ENV
                        ));
                        if mode == BaselineMode::Require {
                            passed = false;
                        }
                    }
                    None
                }
            };
            let ok =
                verdicts.iter().all(|v| v.passed) && !regression.is_some_and(|r| r.significant);
            passed &= ok;
            if mode == BaselineMode::Update {
                updated
                    .benches
                    .insert(id.clone(), baseline_entry(&measured));
            }
            benches.push(BenchResult {
                id: id.clone(),
                status: if ok { "passed" } else { "failed" }.into(),
                estimates_ms: Some(estimates_ms(&measured)),
                samples_ms: sample_figures(&measured.per_iteration_ns),
                thresholds: verdicts,
                regression,
                notes,
            });
        }
        if mode == BaselineMode::Update && mode_error.is_none() {
            updated.schema = baseline::BASELINE_SCHEMA;
            updated.target = self.target.clone();
            match baseline::write(baseline_path, &updated) {
                Ok(()) => {
                    status.status = "updated".into();
                    status.message = format!("baseline written to {}", baseline_path.display());
                }
                Err(e) => {
                    passed = false;
                    status.status = "invalid".into();
                    status.message = e;
                }
            }
        }
        BenchReport {
            schema: BENCH_SCHEMA,
            kind: "bench".into(),
            target: self.target.clone(),
            passed,
            criterion_dir: criterion_dir.display().to_string(),
            baseline: status,
            benches,
        }
    }

    fn regression(&self, base: &BaselineBench, measured: &Measured) -> Option<Regression> {
        let change = change_of_mean(&base.per_iteration_ns, &measured.per_iteration_ns)?;
        Some(Regression {
            tolerance: self.tolerance,
            baseline_mean_ms: base.mean_ns / 1e6,
            change,
            significant: change.lower > self.tolerance,
        })
    }
}

fn status(status: &str, message: String) -> BaselineStatus {
    BaselineStatus {
        path: String::new(),
        mode: String::new(),
        status: status.into(),
        message,
    }
}

/// `avg` and `med` are criterion's mean and median estimates; `min`, `max`,
/// `p(N)` and `rate(>MS)` are over the per-iteration sample times.
fn judge_thresholds(thresholds: &Thresholds, m: &Measured) -> Vec<ThresholdVerdict> {
    let samples = Latencies::exact(
        m.per_iteration_ns
            .iter()
            .map(|ns| Duration::from_secs_f64(ns / 1e9)),
    );
    thresholds
        .iter()
        .map(|t: &Threshold| {
            let measured = match t.metric.as_str() {
                "avg" => Some(m.mean.point_estimate / 1e6),
                "med" => Some(m.median.point_estimate / 1e6),
                "min" => samples.min(),
                "max" => samples.max(),
                "p" => t.numeric_argument().and_then(|p| samples.percentile(p)),
                "rate" => t
                    .argument
                    .as_deref()
                    .and_then(|a| a.trim().strip_prefix('>'))
                    .and_then(|ms| ms.trim().parse().ok())
                    .and_then(|ms| samples.share_over(ms)),
                _ => None,
            };
            ThresholdVerdict {
                threshold: t.source.clone(),
                measured,
                passed: measured.is_some_and(|v| t.holds(v)),
            }
        })
        .collect()
}

fn estimates_ms(m: &Measured) -> EstimatesMs {
    EstimatesMs {
        mean: m.mean.point_estimate / 1e6,
        mean_ci: [
            m.mean.confidence_interval.lower_bound / 1e6,
            m.mean.confidence_interval.upper_bound / 1e6,
        ],
        median: m.median.point_estimate / 1e6,
        std_dev: m.std_dev.point_estimate / 1e6,
    }
}

fn sample_figures(per_iteration_ns: &[f64]) -> Option<SampleFigures> {
    if per_iteration_ns.is_empty() {
        return None;
    }
    let mut ms: Vec<f64> = per_iteration_ns.iter().map(|ns| ns / 1e6).collect();
    ms.sort_by(f64::total_cmp);
    Some(SampleFigures {
        count: ms.len(),
        min: ms[0],
        p50: nearest_rank(&ms, 50.0),
        p95: nearest_rank(&ms, 95.0),
        max: ms[ms.len() - 1],
    })
}

fn baseline_entry(m: &Measured) -> BaselineBench {
    BaselineBench {
        mean_ns: m.mean.point_estimate,
        mean_ci_ns: [
            m.mean.confidence_interval.lower_bound,
            m.mean.confidence_interval.upper_bound,
        ],
        median_ns: m.median.point_estimate,
        per_iteration_ns: m.per_iteration_ns.clone(),
    }
}

fn print_summary(report: &BenchReport, compliance: &Path, junit: &Path) {
    println!();
    println!("leanvibe bench gate `{}`", report.target);
    if !report.baseline.message.is_empty() {
        println!("baseline: {}", report.baseline.message);
    }
    for bench in &report.benches {
        println!("{}", bench_message(bench));
    }
    println!(
        "gate {}: {} and {}",
        if report.passed { "passed" } else { "FAILED" },
        compliance.display(),
        junit.display()
    );
}

/// The cargo target directory of this bench binary: the nearest ancestor of
/// the executable holding cargo's `CACHEDIR.TAG`, else `CARGO_TARGET_DIR`,
/// else `target`.
fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|dir| dir.join("CACHEDIR.TAG").is_file())
                .map(Path::to_path_buf)
        })
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"))
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes criterion's three files for `id` with the given per-iteration
    /// times (ns) and returns the criterion directory.
    fn criterion_dir(root: &Path, id: &str, per_iteration_ns: &[f64]) -> PathBuf {
        let new = root.join("criterion").join(id).join("new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            serde_json::json!({"group_id": id, "function_id": null, "value_str": null,
                "throughput": null, "full_id": id, "directory_name": id, "title": id})
            .to_string(),
        )
        .unwrap();
        let mean = per_iteration_ns.iter().sum::<f64>() / per_iteration_ns.len() as f64;
        let est = serde_json::json!({"confidence_interval": {"confidence_level": 0.95,
            "lower_bound": mean * 0.95, "upper_bound": mean * 1.05},
            "point_estimate": mean, "standard_error": 1.0});
        std::fs::write(
            new.join("estimates.json"),
            serde_json::json!({"mean": est, "median": est, "median_abs_dev": est,
                "slope": null, "std_dev": est})
            .to_string(),
        )
        .unwrap();
        let iters: Vec<f64> = (1..=per_iteration_ns.len()).map(|i| i as f64).collect();
        let times: Vec<f64> = per_iteration_ns
            .iter()
            .zip(&iters)
            .map(|(t, i)| t * i)
            .collect();
        std::fs::write(
            new.join("sample.json"),
            serde_json::json!({"sampling_mode": "Linear", "iters": iters, "times": times})
                .to_string(),
        )
        .unwrap();
        root.join("criterion")
    }

    fn judge(tolerance: f64) -> Judge {
        Judge {
            target: "t".into(),
            budgets: vec![(
                "op".into(),
                Thresholds::parse_in(["avg<10", "p(95)<2"], BENCH_METRICS).unwrap(),
            )],
            tolerance,
        }
    }

    const ONE_MS: [f64; 10] = [
        0.9e6, 1.0e6, 0.95e6, 0.92e6, 0.97e6, 0.93e6, 0.96e6, 0.91e6, 0.94e6, 0.98e6,
    ];

    fn since() -> SystemTime {
        SystemTime::now() - Duration::from_secs(60)
    }

    #[test]
    fn a_missing_baseline_is_a_note_unless_required() {
        let root = tempfile::tempdir().unwrap();
        let dir = criterion_dir(root.path(), "op", &ONE_MS);
        let path = root.path().join("baselines/t.json");
        let report = judge(0.1).judge_with(&dir, since(), &path, Ok(BaselineMode::Compare));
        assert!(report.passed, "{report:?}");
        assert_eq!(report.baseline.status, "missing");
        assert!(
            report
                .baseline
                .message
                .contains("LEANVIBE_BENCH_BASELINE=update")
        );
        assert_eq!(report.benches[0].thresholds.len(), 2);
        let required = judge(0.1).judge_with(&dir, since(), &path, Ok(BaselineMode::Require));
        assert!(!required.passed);
    }

    #[test]
    fn update_writes_a_baseline_that_later_runs_compare_against() {
        let root = tempfile::tempdir().unwrap();
        let dir = criterion_dir(root.path(), "op", &ONE_MS);
        let path = root.path().join("baselines/t.json");
        let updated = judge(0.1).judge_with(&dir, since(), &path, Ok(BaselineMode::Update));
        assert_eq!(updated.baseline.status, "updated");
        let file = baseline::read(&path).unwrap().unwrap();
        assert_eq!(file.benches["op"].per_iteration_ns.len(), 10);

        let same = judge(0.1).judge_with(&dir, since(), &path, Ok(BaselineMode::Compare));
        assert!(same.passed, "{same:?}");
        assert!(!same.benches[0].regression.unwrap().significant);

        // 30 % slower: significant against a 10 % tolerance, not against 50 %.
        let slower: Vec<f64> = ONE_MS.iter().map(|x| x * 1.3).collect();
        let dir = criterion_dir(root.path(), "op", &slower);
        let regressed = judge(0.1).judge_with(&dir, since(), &path, Ok(BaselineMode::Compare));
        assert!(!regressed.passed);
        let r = regressed.benches[0].regression.unwrap();
        assert!(r.significant && r.change.lower > 0.1, "{r:?}");
        let tolerated = judge(0.5).judge_with(&dir, since(), &path, Ok(BaselineMode::Compare));
        assert!(tolerated.passed, "{tolerated:?}");
    }

    #[test]
    fn a_broken_budget_fails_and_an_unrun_bench_is_reported() {
        let root = tempfile::tempdir().unwrap();
        let slow: Vec<f64> = ONE_MS.iter().map(|x| x * 3.0).collect();
        let dir = criterion_dir(root.path(), "op", &slow);
        let path = root.path().join("none.json");
        let report = judge(0.1).judge_with(&dir, since(), &path, Ok(BaselineMode::Compare));
        assert!(!report.passed);
        let verdicts: Vec<bool> = report.benches[0]
            .thresholds
            .iter()
            .map(|t| t.passed)
            .collect();
        assert_eq!(verdicts, [true, false]);

        let mut other = judge(0.1);
        other.budgets[0].0 = "missing/id".into();
        let report = other.judge_with(&dir, since(), &path, Ok(BaselineMode::Compare));
        assert!(report.passed);
        assert_eq!(report.benches[0].status, "not_run");
    }

    #[test]
    fn a_bad_mode_fails_the_gate() {
        let root = tempfile::tempdir().unwrap();
        let dir = criterion_dir(root.path(), "op", &ONE_MS);
        let mode = BaselineMode::parse("save");
        let report = judge(0.1).judge_with(&dir, since(), &root.path().join("b.json"), mode);
        assert!(!report.passed);
        assert_eq!(report.baseline.status, "invalid");
    }
}
