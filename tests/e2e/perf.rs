//! `leanvibe_test::perf` from a real run of the `perf` fixture: thresholds
//! judged on the right side of a known latency distribution, coordinated
//! omission corrected by the open-loop load, stress counts, and (below)
//! `cargo bench` gating the example plugin against its committed baseline.

use leanvibe_test_e2e::{Run, cargo, fixture_bin, run, workspace_root};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

struct PerfRun {
    run: Run,
    ctrf: Value,
    _dir: tempfile::TempDir,
}

fn perf_run() -> &'static PerfRun {
    static RUN: OnceLock<PerfRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let report_dir = dir.path().to_str().expect("utf-8 temp path").to_string();
        // One test at a time: the timing tests should not share the two cores.
        let run = run(
            &fixture_bin("perf_checks"),
            &["--test-threads", "1", "--report-dir", &report_dir],
            &[],
        );
        let text = std::fs::read_to_string(dir.path().join("perf_checks.ctrf.json"))
            .unwrap_or_else(|e| panic!("CTRF file written ({e}); stdout:\n{}", run.stdout));
        let ctrf = serde_json::from_str(&text).expect("CTRF parses");
        PerfRun {
            run,
            ctrf,
            _dir: dir,
        }
    })
}

/// The `perf` attachment of a test: one report per run.
fn perf_of(name: &str) -> Vec<Value> {
    let tests = perf_run().ctrf["results"]["tests"]
        .as_array()
        .expect("tests");
    let test = tests
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no test {name} in the CTRF report"));
    test["extra"]["perf"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} has no perf attachment: {test}"))
        .clone()
}

fn failure_kind(name: &str) -> String {
    let tests = perf_run().ctrf["results"]["tests"]
        .as_array()
        .expect("tests");
    let test = tests.iter().find(|t| t["name"] == name).expect("test");
    test["extra"]["leanvibe"]["failureKind"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// `(threshold, measured, passed)` of a report's first run.
fn verdicts(report: &Value) -> Vec<(String, f64, bool)> {
    report["runs"][0]["thresholds"]
        .as_array()
        .expect("thresholds")
        .iter()
        .map(|t| {
            (
                t["threshold"].as_str().unwrap().to_string(),
                t["measured"].as_f64().expect("measured"),
                t["passed"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn known_distribution_passes_thresholds_on_the_passing_side() {
    let name = "sleep_meets_thresholds_on_the_passing_side";
    assert_eq!(perf_run().run.status_of(name), "ok");
    let reports = perf_of(name);
    assert_eq!(reports[0]["schema"], 1);
    assert_eq!(reports[0]["kind"], "compliance");
    assert_eq!(reports[0]["passed"], true);
    let v = verdicts(&reports[0]);
    assert_eq!(v.len(), 6);
    assert!(v.iter().all(|(_, _, passed)| *passed), "{v:?}");
    // Exactly 4 of the 40 sleeps were the 60 ms ones.
    assert_eq!(v[4].0, "rate(>40)>=0.1");
    assert!((v[4].1 - 0.1).abs() < 1e-9, "{v:?}");
}

#[test]
fn known_distribution_fails_thresholds_on_the_failing_side() {
    let name = "sleep_breaks_thresholds_on_the_failing_side";
    let run = &perf_run().run;
    assert_eq!(run.status_of(name), "FAILED");
    assert_eq!(failure_kind(name), "performance");
    let report = &perf_of(name)[0];
    assert_eq!(report["passed"], false);
    let v = verdicts(report);
    let passed: Vec<(&str, bool)> = v.iter().map(|(t, _, p)| (t.as_str(), *p)).collect();
    assert_eq!(
        passed,
        [
            ("med<40", true),
            ("avg<10", false),
            ("p(95)<50", false),
            ("max<60", false),
            ("rate(>40)<0.05", false),
        ]
    );
    // The message lists each threshold with its measured value and verdict.
    let section = run.section(name);
    assert!(section.contains("failure (performance)"), "{section}");
    for (threshold, measured, ok) in &v {
        let mark = if *ok { "✓" } else { "✗" };
        let line = format!("{mark} {threshold}: measured {measured:.3}");
        assert!(section.contains(&line), "no `{line}` in:\n{section}");
    }
}

#[test]
fn a_threshold_typo_names_it_and_lists_the_metrics() {
    let name = "threshold_typo_is_an_error_at_the_call_site";
    let run = &perf_run().run;
    assert_eq!(run.status_of(name), "FAILED");
    let section = run.section(name);
    assert!(
        section.contains(
            "bad threshold `p95<40`: unknown metric `p95`; known: avg, min, max, med, p(N), rate(>MS), success"
        ),
        "{section}"
    );
    // The panic points at the test's own line, not inside the library.
    assert!(
        section.contains("tests/fixtures/perf/tests/perf_checks.rs:"),
        "{section}"
    );
}

#[test]
fn open_loop_load_shows_a_stall_that_closed_loop_hides() {
    let name = "stall_shows_in_open_loop_p99_only";
    assert_eq!(perf_run().run.status_of(name), "ok");
    let reports = perf_of(name);
    let (open, closed) = (&reports[0]["runs"][0], &reports[1]["runs"][0]);
    assert_eq!(reports[0]["kind"], "load");
    assert_eq!(reports[1]["kind"], "compliance");
    let open_p99 = open["latency_ms"]["p99"].as_f64().unwrap();
    let closed_p99 = closed["latency_ms"]["p99"].as_f64().unwrap();
    eprintln!("open-loop p99 {open_p99:.1} ms, closed-loop p99 {closed_p99:.1} ms");
    // ~40 requests were due during the 200 ms stall (10 % of 400): the
    // open loop's p99 falls among them. The closed loop saw the stall once
    // (its max), which is 1 of 400 samples: its p99 is a normal call.
    assert!(open_p99 >= 150.0, "open-loop p99 {open_p99} ms");
    assert!(closed_p99 < 100.0, "closed-loop p99 {closed_p99} ms");
    assert!(closed["latency_ms"]["max"].as_f64().unwrap() >= 200.0);
    assert_eq!(open["operations"], 400);
    assert_eq!(open["dropped"], 0);
    let load = &open["load"];
    assert_eq!(load["target_rate_per_s"], 200.0);
    let achieved = load["achieved_rate_per_s"].as_f64().unwrap();
    assert!((achieved - 200.0).abs() < 20.0, "achieved {achieved}/s");
    assert!(load["max_in_flight"].as_u64().unwrap() >= 20, "{load}");
}

#[test]
fn stress_reports_the_success_rate_of_an_op_failing_every_tenth_call() {
    let name = "stress_reports_a_ten_percent_failure_rate";
    assert_eq!(perf_run().run.status_of(name), "ok");
    let report = &perf_of(name)[0];
    let levels: Vec<&Value> = report["runs"].as_array().unwrap().iter().collect();
    assert_eq!(levels.len(), 3);
    for (level, expected) in levels.iter().zip([10, 50, 200]) {
        assert_eq!(level["concurrency"], expected);
        assert_eq!(level["label"], format!("concurrency {expected}"));
        assert_eq!(level["operations"], 1000);
        assert_eq!(level["errors"], 100);
        assert_eq!(level["panics"], 0);
        assert_eq!(level["success_rate"], 0.9);
    }
}

#[test]
fn stress_fails_on_the_level_that_breaks_a_threshold() {
    let name = "stress_fails_a_level_threshold";
    let run = &perf_run().run;
    assert_eq!(run.status_of(name), "FAILED");
    assert_eq!(failure_kind(name), "performance");
    let section = run.section(name);
    for level in [
        "concurrency 10: 500 ops, 450 ok, 50 errors",
        "concurrency 200: 500 ops, 450 ok, 50 errors",
    ] {
        assert!(section.contains(level), "no `{level}` in:\n{section}");
    }
    assert_eq!(
        section.matches("✗ success>0.95: measured 0.900").count(),
        2,
        "{section}"
    );
}

#[test]
fn stress_counts_panics_apart_from_errors() {
    let name = "stress_counts_panics";
    assert_eq!(perf_run().run.status_of(name), "FAILED");
    let level = &perf_of(name)[0]["runs"][0];
    assert_eq!(level["panics"], 40);
    assert_eq!(level["errors"], 0);
    assert_eq!(level["success_rate"], 0.96);
    let v = verdicts(&perf_of(name)[0]);
    assert_eq!(
        v,
        [
            ("success>0.95".into(), 0.96, true),
            ("panics==0".into(), 40.0, false)
        ]
    );
}

/// Runs `cargo bench` on the example plugin's `process` bench (dev profile,
/// so it reuses the outer build; its baseline is `process.debug.json`).
fn cargo_bench(slow: bool, baseline_mode: &str) -> (Run, Value, String) {
    let output = Command::new(cargo())
        .current_dir(workspace_root())
        .args([
            "bench",
            "--profile",
            "dev",
            "-p",
            "data-plugin",
            "--bench",
            "process",
        ])
        .env("LEANVIBE_BENCH_BASELINE", baseline_mode)
        .env("LEANVIBE_EXAMPLE_SLOW", if slow { "1" } else { "0" })
        .env("NO_COLOR", "1")
        .output()
        .expect("cargo runs");
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    // `gate passed: <compliance.json> and <junit.xml>`
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("gate "))
        .unwrap_or_else(|| panic!("no gate line:\n{}\nstderr:\n{}", run.stdout, run.stderr));
    let (_, paths) = line.split_once(": ").expect("gate line has paths");
    let (json, xml) = paths.split_once(" and ").expect("two paths");
    let (json, xml) = (PathBuf::from(json), PathBuf::from(xml));
    assert!(
        json.starts_with(target_dir()),
        "{json:?} under the target dir"
    );
    let report = serde_json::from_str(&std::fs::read_to_string(&json).expect("compliance file"))
        .expect("compliance JSON");
    let junit = std::fs::read_to_string(&xml).expect("JUnit file");
    (run, report, junit)
}

/// The outer build's target directory: where this test binary lives.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    exe.ancestors()
        .find(|d| d.join("CACHEDIR.TAG").is_file())
        .expect("the test runs from a cargo target dir")
        .to_path_buf()
}

/// Puts the committed baseline back however the test ends.
struct RestoreOnDrop {
    path: PathBuf,
    committed: Vec<u8>,
}

impl Drop for RestoreOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.path, &self.committed);
    }
}

/// The committed baseline was measured on another machine; comparing this
/// machine against it would test the machine. So the test records a
/// baseline here first (`update`), then gates a normal run and a slowed
/// one against it, and puts the committed file back.
#[test]
fn cargo_bench_gates_the_example_against_a_baseline_recorded_here() {
    let baseline =
        workspace_root().join("examples/data-plugin/benches/baselines/process.debug.json");
    let committed = std::fs::read(&baseline).expect("the baseline is committed");
    let _restore = RestoreOnDrop {
        path: baseline.clone(),
        committed,
    };

    let (update, report, _) = cargo_bench(false, "update");
    assert_eq!(update.code, Some(0), "recording failed:\n{}", update.stdout);
    assert_eq!(report["baseline"]["status"], "updated", "{report}");
    let recorded = std::fs::read(&baseline).unwrap();

    let (normal, report, junit) = cargo_bench(false, "compare");
    assert_eq!(
        normal.code,
        Some(0),
        "normal bench fails the gate:\n{}",
        normal.stdout
    );
    assert_eq!(report["schema"], 1);
    assert_eq!(report["kind"], "bench");
    assert_eq!(report["target"], "process");
    assert_eq!(report["passed"], true);
    assert_eq!(report["baseline"]["status"], "compared");
    let bench = &report["benches"][0];
    assert_eq!(bench["id"], "process_data/100");
    assert_eq!(bench["status"], "passed");
    assert_eq!(bench["samples_ms"]["count"], 10);
    assert_eq!(bench["regression"]["significant"], false);
    assert!(
        junit.contains(r#"<testcase name="process_data/100" classname="process""#),
        "{junit}"
    );
    assert!(!junit.contains("<failure"), "{junit}");

    let (slow, report, junit) = cargo_bench(true, "compare");
    assert_ne!(
        slow.code,
        Some(0),
        "the slowed bench passed the gate:\n{}",
        slow.stdout
    );
    assert_eq!(report["passed"], false);
    let bench = &report["benches"][0];
    assert_eq!(bench["status"], "failed");
    // The budget still holds (a 15 ms sleep is under 25 ms): the regression
    // against the baseline is what fails.
    assert!(
        bench["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["passed"] == true),
        "{bench}"
    );
    let regression = &bench["regression"];
    assert_eq!(regression["significant"], true);
    assert!(
        regression["change"]["lower"].as_f64().unwrap() > 2.0,
        "{regression}"
    );
    assert!(junit.contains(r#"type="performance""#), "{junit}");
    assert!(
        junit.contains("bench `process_data/100` failed: regression"),
        "{junit}"
    );
    assert!(
        slow.stdout.contains("✗ regression: mean +"),
        "{}",
        slow.stdout
    );

    // Gating never rewrites the baseline.
    assert_eq!(std::fs::read(&baseline).unwrap(), recorded);
}
