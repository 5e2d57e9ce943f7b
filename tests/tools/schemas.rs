//! The reports of real fixture runs, validated by real tools against the
//! reference schemas: the Jenkins xunit XSD with `xmllint`, the CTRF schema
//! with Python's `jsonschema` (the validator most CTRF tooling uses).

use leanvibe_test::prelude::*;
use leanvibe_test_e2e::{fixture_bin, reference_dir, reports_of, run};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A reference schema, or a skip (a failure in CI) naming where it was
/// looked for.
fn schema(name: &str) -> PathBuf {
    let path = reference_dir().join("schemas").join(name);
    if !path.is_file() {
        leanvibe_test::prerequisite_missing(format!(
            "the reference schema {} is absent (put shared/ beside the checkout, or set LEANVIBE_REFERENCE_DIR)",
            path.display()
        ));
    }
    path
}

fn xmllint(xsd: &Path, file: &Path) {
    let output = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(file)
        .output()
    {
        Ok(output) => output,
        Err(e) => leanvibe_test::prerequisite_missing(format!(
            "xmllint cannot run ({e}): install libxml2-utils"
        )),
    };
    assert!(
        output.status.success(),
        "xmllint rejects {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn python_jsonschema(schema: &Path, file: &Path) {
    let has_module = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_module {
        leanvibe_test::prerequisite_missing(
            "python3 with the jsonschema module is not installed (pip install jsonschema)",
        );
    }
    let script = "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))";
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(schema)
        .arg(file)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{} is not valid CTRF: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Hostile output (ANSI codes, control characters, invalid UTF-8, `]]>`,
/// floods, credentials) and failures of several kinds.
#[plugin_test(timeout_ms = 120_000)]
fn hostile_reports_validate_against_the_reference_schemas() {
    let (xsd, ctrf) = (
        schema("jenkins-xunit-junit-10.xsd"),
        schema("ctrf.schema.json"),
    );
    let dir = reports_of("hostile", &["--test-threads", "2"]);
    xmllint(&xsd, &dir.path().join("hostile.junit.xml"));
    python_jsonschema(&ctrf, &dir.path().join("hostile.ctrf.json"));
}

/// Every way a test can end (crashes, timeouts, skips, flaky retries,
/// floods) in the model fixture's reports.
#[plugin_test(timeout_ms = 120_000)]
fn model_reports_validate_against_the_reference_schemas() {
    let (xsd, ctrf) = (
        schema("jenkins-xunit-junit-10.xsd"),
        schema("ctrf.schema.json"),
    );
    let dir = tempfile::tempdir().unwrap();
    let suite = "pass,assert,panic,err,abort,segv,exit:0,exit:3,overflow,hang,flood,skip,flaky";
    let ran = run(
        &fixture_bin("model"),
        &[
            "--exact",
            "t00",
            "t01",
            "t02",
            "t03",
            "t04",
            "t05",
            "t06",
            "t07",
            "t08",
            "t09",
            "t10",
            "t11",
            "t12",
            "--report-dir",
            dir.path().to_str().unwrap(),
        ],
        &[("LEANVIBE_MODEL_SUITE", suite)],
    );
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    xmllint(&xsd, &dir.path().join("model.junit.xml"));
    python_jsonschema(&ctrf, &dir.path().join("model.ctrf.json"));
}
