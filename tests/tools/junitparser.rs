//! Retried tests as `junitparser` (the Python library behind many JUnit CI
//! reporters) reads them in Surefire's dialect: one case per test, failed
//! attempts as flaky or rerun elements with their type, message, trace and
//! output.

use leanvibe_test::prelude::*;
use leanvibe_test_e2e::{fixture_bin, run, workspace_root};
use serde_json::Value;
use std::process::Command;

/// `junitparser_readback.py` over `file`: what junitparser sees per case.
fn read_back(file: &std::path::Path) -> Value {
    let has_module = Command::new("python3")
        .args(["-c", "import junitparser"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_module {
        leanvibe_test::prerequisite_missing(
            "python3 with the junitparser module is not installed (pip install junitparser)",
        );
    }
    let script = workspace_root().join("tests/tools/junitparser_readback.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(file)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "junitparser failed: {stderr}");
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}

#[plugin_test(timeout_ms = 120_000)]
fn junitparser_reads_flaky_and_rerun_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    let reports = dir.path().join("reports");
    let ran = run(
        &fixture_bin("model"),
        &[
            "--exact",
            "t00",
            "t01",
            "t02",
            "t03",
            "t04",
            "--report-dir",
            reports.to_str().unwrap(),
        ],
        &[
            ("LEANVIBE_MODEL_SUITE", "flaky,abort_once,panic,abort,pass"),
            ("LEANVIBE_MODEL_STATE", state.to_str().unwrap()),
        ],
    );
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    let cases = read_back(&reports.join("model.junit.xml"));
    let case = |name: &str| &cases[name];
    let count = |name: &str, key: &str| case(name)[key].as_array().unwrap().len();

    // Flaky: passed in the end, the failed attempt kept.
    for (name, key, kind) in [
        ("t00", "flaky_failures", "panic"),
        ("t01", "flaky_errors", "crash"),
    ] {
        assert_eq!(case(name)["is_passed"], true, "{name}: {}", case(name));
        assert_eq!(case(name)["is_flaky"], true, "{name}");
        assert_eq!(count(name, key), 1, "{name}");
        let attempt = &case(name)[key][0];
        assert_eq!(attempt["type"], kind, "{name}");
        let trace = attempt["stack_trace"].as_str().unwrap();
        assert!(
            trace.starts_with("attempt 1 of 2 failed after "),
            "{name}: {trace}"
        );
        assert_eq!(attempt["system_out"], format!("marker {name}\n"), "{name}");
    }
    assert_eq!(
        case("t00")["flaky_failures"][0]["message"],
        "model flaky t00 fails its first attempt"
    );

    // Never passed: the verdict, and the other attempt as a rerun.
    for (name, verdict, key, kind) in [
        ("t02", "Failure", "rerun_failures", "panic"),
        ("t03", "Error", "rerun_errors", "crash"),
    ] {
        assert_eq!(case(name)["result"], serde_json::json!([verdict]), "{name}");
        assert_eq!(case(name)["is_rerun"], true, "{name}");
        assert_eq!(case(name)["is_flaky"], false, "{name}");
        assert_eq!(count(name, key), 1, "{name}");
        assert_eq!(case(name)[key][0]["type"], kind, "{name}");
    }

    let plain = case("t04");
    assert_eq!(plain["is_passed"], true);
    assert_eq!(
        (plain["is_flaky"].clone(), plain["is_rerun"].clone()),
        (Value::Bool(false), Value::Bool(false))
    );
}
