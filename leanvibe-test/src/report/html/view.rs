//! What the page reads from CTRF documents: our `extra.leanvibe` data and
//! the topics tests attach (`perf`, `security`, `deploy`), each read into a
//! small local shape. Reading JSON rather than the optional modules' own
//! types keeps the page in the core build and lets `leanvibe-report html`
//! render reports of any feature set; a topic in an unexpected shape is
//! left out, never an error.

use crate::json::{Map, Value};
use crate::report::ctrf::{CtrfReport, CtrfStatus, CtrfTest, EXTRA_KEY, RunExtra};
use serde::Deserialize;

/// One test with the report it came from. What each section asks of every
/// test (is it failed, does it have a budget, which topics did it attach)
/// is found in one pass when the view is made: a page of 10,000 passing
/// tests must cost little more than their table rows.
pub(super) struct TestView<'a> {
    pub(super) binary: &'a str,
    pub(super) test: &'a CtrfTest,
    /// `extra.leanvibe`.
    ours: Option<&'a Map>,
    topics: Topics,
}

/// Which attached topics a test has.
#[derive(Default, Clone, Copy)]
struct Topics {
    perf: bool,
    security: bool,
    deploy: bool,
}

impl<'a> TestView<'a> {
    pub(super) fn all(reports: &'a [CtrfReport]) -> Vec<TestView<'a>> {
        reports
            .iter()
            .flat_map(|report| {
                let binary = binary_of(report);
                report
                    .results
                    .tests
                    .iter()
                    .map(move |test| TestView::of(binary, test))
            })
            .collect()
    }

    fn of(binary: &'a str, test: &'a CtrfTest) -> TestView<'a> {
        let mut view = TestView {
            binary,
            test,
            ours: None,
            topics: Topics::default(),
        };
        for (key, value) in &test.extra {
            match (key.as_str(), value) {
                (EXTRA_KEY, Value::Object(map)) => view.ours = Some(map),
                ("perf", _) => view.topics.perf = true,
                ("security", _) => view.topics.security = true,
                ("deploy", _) => view.topics.deploy = true,
                _ => {}
            }
        }
        view
    }

    pub(super) fn failed(&self) -> bool {
        self.test.status == CtrfStatus::Failed
    }

    pub(super) fn flaky(&self) -> bool {
        self.test.flaky == Some(true)
    }

    fn ours_map(&self, key: &str) -> Option<&'a Map> {
        match self.ours?.get(key)? {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    pub(super) fn failure_kind(&self) -> Option<&'a str> {
        self.ours?.get("failureKind")?.as_str()
    }

    /// An attached topic read into `T`, if present and in that shape.
    pub(super) fn topic<T: for<'de> Deserialize<'de>>(&self, name: &str) -> Option<T> {
        crate::json::from_value(self.test.extra.get(name)?.clone()).ok()
    }

    /// Whether the test attached perf results.
    pub(super) fn has_perf(&self) -> bool {
        self.topics.perf
    }

    /// Whether the test attached a security report.
    pub(super) fn has_security(&self) -> bool {
        self.topics.security
    }

    /// Whether the test attached a rollout.
    pub(super) fn has_deploy(&self) -> bool {
        self.topics.deploy
    }

    /// Whether the test ran its body more than once (statistical budgets).
    pub(super) fn has_several_runs(&self) -> bool {
        matches!(
            self.ours_map("measurements").and_then(|m| m.get("runs_ms")),
            Some(Value::Array(runs)) if runs.len() > 1
        )
    }

    /// Every budget with what was measured against it.
    pub(super) fn budgets(&self) -> Vec<BudgetUse> {
        let Some(budget) = self.ours_map("budget") else {
            return Vec::new();
        };
        let number = |map: Option<&Map>, key: &str| map?.get(key).and_then(Value::as_f64);
        let measurements = self.ours_map("measurements");
        let stats = self.ours_map("stats");
        let runs = self.runs_ms();
        let slowest = runs
            .iter()
            .copied()
            .reduce(f64::max)
            .unwrap_or(self.test.duration as f64);
        // One measured run has no `stats`: that run is every statistic.
        let stat = |key: &str| number(stats, key).or_else(|| runs.first().copied());
        const MIB: f64 = 1024.0 * 1024.0;
        let measured: [(&'static str, &'static str, f64, Option<f64>); 7] = [
            ("max_ms", "ms", 1.0, Some(slowest)),
            (
                "max_heap_bytes",
                "MiB heap",
                MIB,
                number(measurements, "peak_heap_bytes"),
            ),
            (
                "max_rss_bytes",
                "MiB RSS",
                MIB,
                number(measurements, "peak_rss_bytes"),
            ),
            ("mean_ms", "ms mean", 1.0, stat("mean_ms")),
            ("p50_ms", "ms p50", 1.0, stat("p50_ms")),
            ("p95_ms", "ms p95", 1.0, stat("p95_ms")),
            ("p99_ms", "ms p99", 1.0, stat("p99_ms")),
        ];
        measured
            .into_iter()
            .filter_map(|(key, unit, scale, value)| {
                let limit = number(Some(budget), key)?;
                Some(BudgetUse {
                    key,
                    unit,
                    limit: limit / scale,
                    measured: value.map(|v| v / scale),
                })
            })
            .collect()
    }

    /// The measured runs of the body (several for statistical budgets).
    pub(super) fn runs_ms(&self) -> Vec<f64> {
        match self.ours_map("measurements").and_then(|m| m.get("runs_ms")) {
            Some(Value::Array(runs)) => runs.iter().filter_map(Value::as_f64).collect(),
            _ => Vec::new(),
        }
    }
}

/// The binary a report is of: ours, else the environment's report name,
/// else the tool's name.
pub(super) fn binary_of(report: &CtrfReport) -> &str {
    report
        .extra
        .get(EXTRA_KEY)
        .and_then(|e| e.get("binary"))
        .and_then(Value::as_str)
        .or_else(|| report.results.environment.as_ref()?.report_name.as_deref())
        .unwrap_or(&report.results.tool.name)
}

/// Run-level facts, when the report has ours.
pub(super) fn run_extra(report: &CtrfReport) -> Option<RunExtra> {
    report.run_extra()
}

/// One limit and its measured value, in the limit's unit.
pub(super) struct BudgetUse {
    pub(super) key: &'static str,
    pub(super) unit: &'static str,
    pub(super) limit: f64,
    pub(super) measured: Option<f64>,
}

impl BudgetUse {
    /// measured / limit; unknown measurements count as 0.
    pub(super) fn ratio(&self) -> f64 {
        match self.measured {
            Some(m) if self.limit > 0.0 => m / self.limit,
            Some(m) if m > 0.0 => f64::INFINITY,
            _ => 0.0,
        }
    }
}

/// A `perf` attachment entry (`docs/perf.md`).
#[derive(Deserialize)]
pub(super) struct PerfView {
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) passed: bool,
    pub(super) runs: Vec<PerfRunView>,
}

#[derive(Deserialize)]
pub(super) struct PerfRunView {
    #[serde(default)]
    pub(super) label: Option<String>,
    pub(super) operations: u64,
    pub(super) errors: u64,
    pub(super) throughput_per_s: f64,
    pub(super) latency_ms: LatencyView,
    #[serde(default)]
    pub(super) latency_curve_ms: Vec<[f64; 2]>,
    #[serde(default)]
    pub(super) thresholds: Vec<ThresholdView>,
}

#[derive(Deserialize)]
pub(super) struct LatencyView {
    pub(super) min: f64,
    pub(super) mean: f64,
    pub(super) p50: f64,
    pub(super) p90: f64,
    pub(super) p95: f64,
    pub(super) p99: f64,
    pub(super) max: f64,
}

impl LatencyView {
    /// The summary as curve points, for reports written before the curve.
    pub(super) fn points(&self) -> Vec<[f64; 2]> {
        vec![
            [0.0, self.min],
            [50.0, self.p50],
            [90.0, self.p90],
            [95.0, self.p95],
            [99.0, self.p99],
            [100.0, self.max],
        ]
    }
}

#[derive(Deserialize)]
pub(super) struct ThresholdView {
    pub(super) threshold: String,
    pub(super) measured: Option<f64>,
    pub(super) passed: bool,
}

/// The `security` attachment (`docs/security.md`).
#[derive(Deserialize)]
pub(super) struct SecurityView {
    pub(super) vector: String,
    pub(super) function: String,
    pub(super) payloads: u64,
    #[serde(default)]
    pub(super) findings: Vec<FindingView>,
    #[serde(default)]
    pub(super) warnings: Vec<WarningView>,
}

#[derive(Deserialize)]
pub(super) struct FindingView {
    #[serde(default)]
    pub(super) payload_id: String,
    #[serde(default)]
    pub(super) payload: String,
    #[serde(default)]
    pub(super) oracle: String,
    #[serde(default)]
    pub(super) evidence: String,
    #[serde(default)]
    pub(super) fix: String,
}

#[derive(Deserialize)]
pub(super) struct WarningView {
    #[serde(default)]
    pub(super) payload_id: String,
    #[serde(default)]
    pub(super) message: String,
}

/// The `deploy` attachment: a rollout's result.
#[derive(Deserialize)]
pub(super) struct DeployView {
    pub(super) strategy: String,
    pub(super) package: String,
    pub(super) outcome: String,
    #[serde(default)]
    pub(super) reason: Option<String>,
    pub(super) started_ms: u64,
    pub(super) finished_ms: u64,
    #[serde(default)]
    pub(super) events: Vec<EventView>,
    #[serde(default)]
    pub(super) analyses: Vec<AnalysisView>,
}

#[derive(Deserialize)]
pub(super) struct EventView {
    pub(super) at_ms: u64,
    pub(super) message: String,
}

#[derive(Deserialize)]
pub(super) struct AnalysisView {
    pub(super) step: String,
    pub(super) finished_ms: u64,
    pub(super) verdict: String,
}
