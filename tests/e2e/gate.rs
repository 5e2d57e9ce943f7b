//! `leanvibe-report gate`, the readiness gate for CI, on the reports of real
//! fixture runs: a budget failure blocks, a clean run passes. Also a rollout
//! test on the simulated fleet, whose result lands in the CTRF report.

use leanvibe_test_e2e::{Run, fixture_bin, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Runs `fixture` with `args` and `--report-dir DIR`; returns the directory.
fn report(dir: &Path, name: &str, fixture: &str, args: &[&str], expect_code: i32) -> PathBuf {
    let out = dir.join(name);
    let out_str = out.to_str().unwrap();
    let mut all = args.to_vec();
    all.extend_from_slice(&["--report-dir", out_str]);
    let ran = run(&fixture_bin(fixture), &all, &[]);
    assert_eq!(
        ran.code,
        Some(expect_code),
        "{}\n{}",
        ran.stdout,
        ran.stderr
    );
    out
}

fn gate(args: &[&str]) -> Run {
    run(&fixture_bin("leanvibe-report"), args, &[])
}

#[test]
fn a_budget_failure_is_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let reports = report(
        dir.path(),
        "over",
        "budgets",
        &["--exact", "over_time"],
        101,
    );
    let summary = dir.path().join("summary.md");
    let ran = gate(&[
        "gate",
        reports.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.starts_with("## ❌ Not ready to deploy\n"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("| Failure kinds | ❌ fail | 1 forbidden: `over_time` (budget.time) |"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("| `over_time` | budget.time |  | yes (forbidden kind) |"),
        "{}",
        ran.stdout
    );
    // The same Markdown is appended to the summary file.
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), ran.stdout);

    // A tag allowance does not excuse a forbidden kind; forbidding other
    // kinds instead does let it through (the test itself still blocks).
    let ran = gate(&[
        "gate",
        reports.to_str().unwrap(),
        "--forbid-kind",
        "security",
    ]);
    assert_eq!(ran.code, Some(1), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("| Failure kinds | ✅ pass |"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("| Tests | ❌ fail | 0 passed, 1 failed (0 allowed by tag), 0 skipped |"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_clean_run_is_ready() {
    let dir = tempfile::tempdir().unwrap();
    let reports = report(
        dir.path(),
        "within",
        "budgets",
        &["--exact", "within_time"],
        0,
    );
    // One test of the suite is not the suite.
    let ran = gate(&["gate", reports.to_str().unwrap()]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains(
            "covers only part of the suite (filters within_time); run it whole, merge the shards, or allow partial runs (--allow-partial)"
        ),
        "{}",
        ran.stderr
    );
    let ran = gate(&["gate", reports.to_str().unwrap(), "--allow-partial"]);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.starts_with("## ✅ Ready to deploy\n"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("| Tests | ✅ pass | 1 passed, 0 failed (0 allowed by tag), 0 skipped |"),
        "{}",
        ran.stdout
    );

    // Policy from a file: a coverage minimum the figure does not reach.
    let coverage = dir.path().join("coverage.txt");
    std::fs::write(&coverage, "72.5\n").unwrap();
    let policy = dir.path().join("readiness.toml");
    std::fs::write(
        &policy,
        "coverage_file = \"coverage.txt\"\nmin_coverage = 80\n",
    )
    .unwrap();
    let ran = gate(&[
        "gate",
        reports.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--allow-partial",
    ]);
    assert_eq!(ran.code, Some(1), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("| Coverage | ❌ fail | 72.5% < minimum 80% |"),
        "{}",
        ran.stdout
    );
    let ran = gate(&[
        "gate",
        reports.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--min-coverage",
        "70",
        "--allow-partial",
    ]);
    assert_eq!(ran.code, Some(0), "{}", ran.stdout);

    // Unreadable input is an error, not a verdict.
    let ran = gate(&[
        "gate",
        dir.path().join("missing.ctrf.json").to_str().unwrap(),
    ]);
    assert_eq!(ran.code, Some(2), "{}", ran.stdout);
    assert!(ran.stderr.contains("cannot read"), "{}", ran.stderr);
}

#[test]
fn a_rollout_test_attaches_its_result_to_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let reports = report(dir.path(), "deploy", "deploy", &[], 0);
    let file = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".ctrf.json"))
        .expect("a CTRF report");
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let test = &doc["results"]["tests"][0];
    assert_eq!(test["status"], "passed");
    let deploy = &test["extra"]["deploy"];
    assert_eq!(deploy["strategy"], "blue-green");
    assert_eq!(deploy["outcome"], "rolled_back");
    assert_eq!(deploy["finished_ms"], 480_000);
    assert_eq!(deploy["analyses"][2]["step"], "traffic 50%");
    assert_eq!(
        deploy["analyses"][2]["gates"][0]["measurements"][0]["value"],
        0.05
    );

    let ran = gate(&["gate", reports.to_str().unwrap()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stdout);
}

/// Runs the `interrupted` fixture whole and kills it with SIGKILL while its
/// second test runs: no code of the harness runs after that.
fn killed_run(reports: &Path) {
    let pids = reports.with_extension("pids");
    let mut child = std::process::Command::new(fixture_bin("interrupted"))
        .args([
            "--test-threads",
            "1",
            "--report-dir",
            reports.to_str().unwrap(),
        ])
        .env("LEANVIBE_LIFECYCLE_PIDS", &pids)
        .env_remove("NEXTEST")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !pids.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the fixture never got to its second test"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The worker dies with the harness; the `sleep` its test started is the
    // test's own business, and no harness code ran to stop it.
    let text = std::fs::read_to_string(&pids).unwrap();
    if let Some(grandchild) = text.split_whitespace().nth(1) {
        // SAFETY: SIGKILL to the fixture's `sleep`.
        unsafe { libc::kill(grandchild.parse().unwrap(), libc::SIGKILL) };
    }
}

#[test]
fn the_gate_refuses_unfinished_stale_and_disagreeing_reports() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let file = |name: &str| reports.join(format!("interrupted.{name}"));
    let whole_args = ["--skip", "b_waits_for_a_signal"];
    report(dir.path(), "reports", "interrupted", &whole_args, 0);
    let ready = gate(&["gate", reports.to_str().unwrap(), "--allow-partial"]);
    assert_eq!(ready.code, Some(0), "{}\n{}", ready.stdout, ready.stderr);
    let good_ctrf = std::fs::read(file("ctrf.json")).unwrap();
    let good_junit = std::fs::read(file("junit.xml")).unwrap();

    // A later run of the binary is killed: it removed the old CTRF and
    // JUnit files when it started, and wrote none.
    killed_run(&reports);
    assert!(!file("ctrf.json").exists() && !file("junit.xml").exists());
    let ran = gate(&["gate", reports.to_str().unwrap(), "--allow-partial"]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr
            .contains("interrupted.events.jsonl: the last run (")
            && ran
                .stderr
                .contains(") did not finish (killed?), so it wrote no report"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stdout.starts_with("## ❌ Not ready to deploy"),
        "{}",
        ran.stdout
    );

    // The old files come back (a CI cache restores them): stale.
    std::fs::write(file("ctrf.json"), &good_ctrf).unwrap();
    std::fs::write(file("junit.xml"), &good_junit).unwrap();
    let ran = gate(&["gate", reports.to_str().unwrap(), "--allow-partial"]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr
            .contains("interrupted.ctrf.json: stale: it is from run ")
            && ran
                .stderr
                .contains("(it did not finish, so it wrote no report)"),
        "{}",
        ran.stderr
    );

    // A finished run, then a JUnit file of another run copied beside it.
    report(dir.path(), "reports", "interrupted", &whole_args, 0);
    let ran = gate(&["gate", reports.to_str().unwrap(), "--allow-partial"]);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    std::fs::write(file("junit.xml"), &good_junit).unwrap();
    let ran = gate(&["gate", reports.to_str().unwrap(), "--allow-partial"]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains("interrupted.junit.xml: its run id ")
            && ran.stderr.contains(" disagrees with "),
        "{}",
        ran.stderr
    );

    // A later run killed before its first line reached the disk: an empty
    // event stream still means the files beside it are not current.
    std::fs::write(file("events.jsonl"), "").unwrap();
    let ran = gate(&["gate", reports.to_str().unwrap(), "--allow-partial"]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr
            .contains("the binary's last run is one that stopped before it started"),
        "{}",
        ran.stderr
    );
    std::fs::remove_file(file("ctrf.json")).unwrap();
    std::fs::remove_file(file("junit.xml")).unwrap();
    let ran = gate(&["gate", reports.to_str().unwrap(), "--allow-partial"]);
    assert!(
        ran.stderr
            .contains("interrupted.events.jsonl: the last run was stopped before it started"),
        "{}",
        ran.stderr
    );
    report(dir.path(), "reports", "interrupted", &whole_args, 0);
    std::fs::write(file("junit.xml"), &good_junit).unwrap();

    // merge refuses the same files, with the same reason.
    let merged = dir.path().join("merged");
    let ran = gate(&[
        "merge",
        reports.to_str().unwrap(),
        "-o",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(ran.stderr.contains(" disagrees with "), "{}", ran.stderr);
}
