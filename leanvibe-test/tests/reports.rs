//! Drives the report sinks with synthetic records through the `RunEvent` API and
//! checks the files against the JUnit XSD and the CTRF schema, with hostile
//! output in every place a test can put text.
//!
//! Under this crate's own harness: the schemas (`../shared/reference`
//! beside the checkout, or `$LEANVIBE_REFERENCE_DIR`) and `xmllint` are
//! prerequisites, so a test whose own checks passed but could not validate
//! against them is reported as skipped with the reason (a failure in CI).

use leanvibe_test::budget::Budget;
use leanvibe_test::report::ctrf::CtrfReport;
use leanvibe_test::report::files::ReportPaths;
use leanvibe_test::report::{
    Attempt, Failure, FailureKind, Measurements, Status, TestOutcome, TestRecord,
};
use leanvibe_test::report::{ReportOptions, Reporter, RunEvent, RunInfo, RunSummary, junit, merge};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

const AWS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const GH_TOKEN: &str = "ghp_R2d2C3poLuke0Leia1Han2Solo3Chewie4Yo";

const ALL_KINDS: &[FailureKind] = &[
    FailureKind::Panic,
    FailureKind::Error,
    FailureKind::ShouldPanic,
    FailureKind::Timeout,
    FailureKind::Crash,
    FailureKind::BudgetTime,
    FailureKind::BudgetMemory,
    FailureKind::BudgetRss,
    FailureKind::BudgetStats,
    FailureKind::Setup,
    FailureKind::Security,
    FailureKind::Harness,
    FailureKind::Interrupted,
];

/// Everything a badly behaved test can print.
fn hostile() -> Vec<u8> {
    let mut bytes =
        b"\x1b[1;31mred\x1b[0m \x1b]0;title\x07 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ ".to_vec();
    bytes.extend(0u8..0x20);
    bytes.extend("\u{fffe}\u{ffff} ".as_bytes());
    bytes.extend(b"\xff\xfe\xc3 ]]> </system-out> </failure> <![CDATA[ x ]]> & \"quoted\" ");
    bytes
        .extend(format!("aws {AWS_KEY} github {GH_TOKEN} password=\"Xk9#mQ2$vL7pZ\"\n").as_bytes());
    bytes
}

fn record(name: &str, module: &str, status: Status, attempts: u32) -> TestRecord {
    TestRecord {
        name: name.into(),
        module: module.into(),
        file: "tests/suite.rs".into(),
        line: 7,
        tags: vec!["fast".into()],
        kind: "unit".into(),
        budget: Budget {
            max_ms: Some(50.0),
            p95_ms: Some(10.0),
            ..Budget::NONE
        },
        outcome: TestOutcome {
            status,
            duration_ms: 12.5,
            measurements: Measurements {
                runs_ms: vec![3.0, 9.0, 12.0],
                peak_heap_bytes: Some(4096),
                peak_rss_bytes: None,
                attempts,
            },
            earlier_attempts: Vec::new(),
            extra: serde_json::from_str(
                r#"{"perf":{"note":"\u001b[32mok\u001b[0m AKIAIOSFODNN7EXAMPLE"}}"#,
            )
            .unwrap(),
        },
        stdout: hostile(),
        stderr: hostile(),
    }
}

/// One failing test per kind (hostile message), a pass, a flaky pass, an
/// ignored test, and one test with 5 MiB of output.
fn hostile_records() -> Vec<TestRecord> {
    let mut records = Vec::new();
    for (i, kind) in ALL_KINDS.iter().enumerate() {
        let message = format!(
            "{} went wrong\n{}at tests/suite.rs:7:5",
            kind.as_str(),
            String::from_utf8_lossy(&hostile())
        );
        let module = if i % 2 == 0 { "" } else { "nested::deeper" };
        records.push(record(
            &format!("kind_{}", kind.as_str().replace('.', "_")),
            module,
            Status::Failed(Failure::new(*kind, message)),
            1,
        ));
    }
    records.push(record("plain_pass", "unit", Status::Passed, 1));
    records.extend(retried_records());
    records.push(record(
        "ignored_one",
        "unit",
        Status::Ignored {
            reason: Some(format!("later {AWS_KEY} \x1b[1m")),
        },
        1,
    ));
    let mut huge = record("huge_output", "unit", Status::Passed, 1);
    huge.stdout = "0123456789abcdef".repeat(5 * 1024 * 1024 / 16).into_bytes();
    huge.stdout.extend(hostile());
    records.push(huge);
    records
}

/// A failed attempt with hostile text and output.
fn attempt(kind: FailureKind, duration_ms: f64) -> Attempt {
    Attempt {
        failure: Failure {
            kind,
            message: format!(
                "attempt {} went wrong\n{}",
                kind.as_str(),
                String::from_utf8_lossy(&hostile())
            ),
            location: Some("tests/suite.rs:9:5".into()),
        },
        duration_ms,
        stdout: [b"attempt stdout ".as_slice(), &hostile()].concat(),
        stderr: [b"attempt stderr ".as_slice(), &hostile()].concat(),
    }
}

/// Retried tests: one flaky (a crash, a panic, then a pass), one that
/// never passed (a timeout, a panic, a panic), and one flaky that the run
/// failed (`--flaky-result fail`).
fn retried_records() -> Vec<TestRecord> {
    let mut flaky = record("flaky_pass", "unit", Status::Passed, 3);
    flaky.outcome.earlier_attempts = vec![
        attempt(FailureKind::Crash, 4.0),
        attempt(FailureKind::Panic, 3.0),
    ];
    let mut never = record(
        "never_passes",
        "unit",
        Status::Failed(Failure::new(FailureKind::Panic, "still broken")),
        3,
    );
    never.outcome.earlier_attempts = vec![
        attempt(FailureKind::Timeout, 5.0),
        attempt(FailureKind::Panic, 2.0),
    ];
    let mut failed_flaky = record(
        "flaky_failed_run",
        "unit",
        Status::Failed(Failure::new(
            FailureKind::Flaky,
            "flaky: passed on attempt 2 after panic: attempt panic went wrong",
        )),
        2,
    );
    failed_flaky.outcome.earlier_attempts = vec![attempt(FailureKind::Panic, 1.0)];
    vec![flaky, never, failed_flaky]
}

/// A run that selected `records`' tests and filtered out `filtered_out`.
fn run_info(partition: Option<&str>, records: &[TestRecord], filtered_out: usize) -> RunInfo {
    RunInfo {
        run_id: leanvibe_test::report::new_run_id(),
        binary_name: "suite".into(),
        tests: records.iter().map(|r| r.name.clone()).collect(),
        filtered_out,
        started_at: SystemTime::now(),
        selection: leanvibe_test::report::Selection {
            partition: partition.map(str::to_owned),
            ..Default::default()
        },
        workers: 2,
        pipeline: None,
        partitioned_out: 0,
    }
}

/// Runs `records` through the three file sinks of `dir`, as the runner does.
fn run(dir: &Path, info: &RunInfo, records: &[TestRecord], options: &ReportOptions) -> ReportPaths {
    let paths = ReportPaths::in_dir(dir, &info.binary_name);
    let mut sinks = paths.reporters(options).unwrap();
    let mut summary = RunSummary {
        filtered_out: info.filtered_out,
        ..RunSummary::default()
    };
    let mut emit = |event: RunEvent<'_>| {
        for sink in sinks.iter_mut() {
            sink.on_event(&event).unwrap();
        }
    };
    emit(RunEvent::RunStarted(info));
    for record in records {
        emit(RunEvent::TestStarted { name: &record.name });
        emit(RunEvent::TestFinished(record));
        summary.count(record);
    }
    emit(RunEvent::RunFinished {
        summary: &summary,
        elapsed_s: 0.5,
        end: &leanvibe_test::report::RunEnd::Completed,
    });
    for sink in &sinks {
        assert!(sink.written_paths().iter().all(|p| p.exists()));
    }
    paths
}

/// Parses the XML with quick-xml and returns (testcases, failures, errors, skipped).
fn parse_junit(path: &Path) -> (usize, usize, usize, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    for c in text.chars() {
        let legal = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}');
        assert!(
            legal,
            "character U+{:04X} is not legal in XML 1.0",
            c as u32
        );
    }
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut counts = (0, 0, 0, 0);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                match e.name().as_ref() {
                    b"testcase" => counts.0 += 1,
                    b"failure" => counts.1 += 1,
                    b"error" => counts.2 += 1,
                    b"skipped" => counts.3 += 1,
                    _ => {}
                }
            }
            Ok(quick_xml::events::Event::Text(t)) => {
                let raw = t.decode().expect("text decodes");
                quick_xml::escape::unescape(&raw).expect("text unescapes");
            }
            Ok(_) => {}
            Err(e) => panic!(
                "{} does not parse at {}: {e}",
                path.display(),
                reader.buffer_position()
            ),
        }
    }
    counts
}

/// A reference schema: `$LEANVIBE_REFERENCE_DIR/schemas/NAME`, else
/// `../shared/reference/schemas/NAME` beside the checkout.
fn schema(name: &str) -> PathBuf {
    let reference = std::env::var_os("LEANVIBE_REFERENCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference"));
    let path = reference.join("schemas").join(name);
    if !path.is_file() {
        leanvibe_test::prerequisite_missing(format!(
            "other checks passed, but the reference schema {} is absent (put shared/ beside the checkout, or set LEANVIBE_REFERENCE_DIR)",
            path.display()
        ));
    }
    path
}

/// Validates a JUnit file with xmllint against the Jenkins XSD and a CTRF
/// file with the `jsonschema` crate against the CTRF schema. Called last in
/// a test: a missing prerequisite skips what the test checked before it.
fn validate_against_schemas(junit: &Path, ctrf: &Path) {
    let xsd = schema("jenkins-xunit-junit-10.xsd");
    let ctrf_schema = schema("ctrf.schema.json");
    let instance = read_json(ctrf);
    let ctrf_schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ctrf_schema).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&ctrf_schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} is not valid CTRF:\n{}",
        ctrf.display(),
        errors.join("\n")
    );
    let output = match Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(junit)
        .output()
    {
        Ok(output) => output,
        Err(e) => leanvibe_test::prerequisite_missing(format!(
            "other checks passed, but xmllint cannot run ({e}): install libxml2-utils"
        )),
    };
    assert!(
        output.status.success(),
        "xmllint rejects {}: {}",
        junit.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    validate_as_surefire(junit);
}

/// Surefire's own schema takes one `<testsuite>` per file, where ours has a
/// `<testsuites>` root for several binaries, and it declares no `hostname`
/// (Jenkins' does). Each suite, without that attribute, must validate: the
/// flaky and rerun elements are written in the order Surefire requires.
fn validate_as_surefire(junit: &Path) {
    let xsd = schema("surefire-test-report.xsd");
    let xml = std::fs::read_to_string(junit).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut rest = xml.as_str();
    let mut suites = 0;
    while let Some(start) = rest.find("<testsuite ") {
        let end = rest[start..].find("</testsuite>").expect("a closed suite") + start;
        let suite = &rest[start..end + "</testsuite>".len()];
        rest = &rest[end..];
        let without_host = match suite.find(" hostname=\"") {
            Some(at) => {
                let close = suite[at + 11..].find('"').unwrap() + at + 12;
                format!("{}{}", &suite[..at], &suite[close..])
            }
            None => suite.to_owned(),
        };
        let file = dir.path().join(format!("suite-{suites}.xml"));
        std::fs::write(
            &file,
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{without_host}\n"),
        )
        .unwrap();
        let output = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&xsd)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "Surefire's XSD rejects suite {suites} of {}: {}",
            junit.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        suites += 1;
    }
    assert!(suites > 0, "no <testsuite> in {}", junit.display());
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn assert_no_secrets(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for secret in [AWS_KEY, GH_TOKEN, "IOSFODNN7", "Luke0Leia", "Xk9#mQ2"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into {}",
            path.display()
        );
    }
    assert!(!bytes.contains(&0x1b), "raw ESC in {}", path.display());
    assert!(
        !text.contains("\\u001b"),
        "escaped ESC in {}",
        path.display()
    );
}

#[leanvibe_test::plugin_test]
fn hostile_output_gives_valid_redacted_reports() {
    let dir = tempfile::tempdir().unwrap();
    let records = hostile_records();
    let info = run_info(None, &records, 2);
    let paths = run(dir.path(), &info, &records, &ReportOptions::default());

    let (cases, failures, errors, skipped) = parse_junit(&paths.junit);
    assert_eq!(cases, records.len());
    assert_eq!(
        errors, 5,
        "crash, timeout, setup, harness, interrupted are <error>"
    );
    assert_eq!(
        failures,
        ALL_KINDS.len() - 5 + 2,
        "never_passes and flaky_failed_run are <failure>"
    );
    assert_eq!(skipped, 1);

    let ctrf = read_json(&paths.ctrf);
    let summary = &ctrf["results"]["summary"];
    assert_eq!(summary["tests"], records.len());
    assert_eq!(summary["failed"], ALL_KINDS.len() + 2);
    assert_eq!(summary["passed"], 3);
    assert_eq!(summary["skipped"], 1);
    assert_eq!(summary["flaky"], 2, "flaky_pass and flaky_failed_run");
    let flaky = ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "flaky_pass")
        .unwrap();
    assert_eq!(flaky["flaky"], true);
    assert_eq!(flaky["retries"], 2);
    assert_eq!(flaky["extra"]["leanvibe"]["attempts"], 3);
    let attempts = flaky["retryAttempts"].as_array().unwrap();
    let statuses: Vec<&str> = attempts
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["failed", "failed", "passed"]);
    assert_eq!(attempts[0]["extra"]["leanvibe"]["failureKind"], "crash");
    assert_eq!(attempts[0]["message"], "attempt crash went wrong");
    assert_eq!(attempts[0]["duration"], 4);
    assert_eq!(attempts[1]["duration"], 3);
    assert_eq!(
        attempts[2]["duration"], 6,
        "the last attempt: 12.5 - 4 - 3 ms"
    );
    assert!(
        attempts[0]["stdout"][0]
            .as_str()
            .unwrap()
            .starts_with("attempt stdout ")
    );
    assert!(
        attempts[2].get("stdout").is_none(),
        "the last attempt's output is the test's"
    );
    let timeout = ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "kind_timeout")
        .unwrap();
    assert_eq!(timeout["extra"]["leanvibe"]["failureKind"], "timeout");
    assert_eq!(timeout["extra"]["leanvibe"]["budget"]["max_ms"], 50.0);
    assert_eq!(timeout["extra"]["leanvibe"]["stats"]["p95_ms"], 12.0);
    assert_eq!(
        timeout["suite"],
        serde_json::json!(["suite", "nested", "deeper"])
    );
    assert!(
        timeout["extra"]["perf"]["note"]
            .as_str()
            .unwrap()
            .contains("[REDACTED:aws-access-key]")
    );

    for path in [&paths.junit, &paths.ctrf, &paths.events] {
        assert_no_secrets(path);
    }
    let xml = std::fs::read_to_string(&paths.junit).unwrap();
    assert!(xml.contains("bytes elided: output over the 1 MiB cap"));
    assert!(xml.contains("\\xff\\xfe\\xc3") && xml.contains("\\u{fffe}") && xml.contains("\\x07"));
    assert!(xml.contains("]]&gt;") && xml.contains("&lt;/system-out&gt;"));
    assert!(xml.contains("[REDACTED:github-token]"));
    assert!(
        xml.contains(r#"classname="suite""#),
        "root tests use the binary name"
    );
    let count = |element: &str| xml.matches(&format!("<{element} ")).count();
    assert_eq!(
        [
            count("flakyFailure"),
            count("flakyError"),
            count("rerunFailure"),
            count("rerunError"),
        ],
        [2, 1, 1, 1],
        "flaky_pass: crash and panic; flaky_failed_run: panic; never_passes: timeout and panic"
    );
    assert!(xml.contains(r#"<flakyError message="attempt crash went wrong" type="crash">"#));
    assert!(
        xml.contains("<stackTrace>attempt 1 of 3 failed after 0.004 s\nattempt crash went wrong")
    );
    assert!(xml.contains(r#"<failure message="flaky: passed on attempt 2 after panic"#));
    // Two 1 MiB outputs for the 5 MiB test, plus small ones: well under 5 MiB.
    assert!(std::fs::metadata(&paths.junit).unwrap().len() < 4 * 1024 * 1024);

    for line in std::fs::read_to_string(&paths.events).unwrap().lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    validate_against_schemas(&paths.junit, &paths.ctrf);
}

#[leanvibe_test::plugin_test]
fn no_redact_keeps_secrets_but_still_sanitises() {
    let dir = tempfile::tempdir().unwrap();
    let records = vec![record(
        "leaky",
        "",
        Status::Failed(Failure::new(FailureKind::Panic, format!("{AWS_KEY}\u{7}"))),
        1,
    )];
    let options = ReportOptions {
        redact: false,
        ..ReportOptions::default()
    };
    let paths = run(dir.path(), &run_info(None, &records, 0), &records, &options);
    let xml = std::fs::read_to_string(&paths.junit).unwrap();
    assert!(xml.contains(AWS_KEY));
    assert!(xml.contains("\\x07"));
    parse_junit(&paths.junit);
    validate_against_schemas(&paths.junit, &paths.ctrf);
}

#[leanvibe_test::plugin_test]
fn killed_run_leaves_a_readable_event_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.events.jsonl");
    let records = hostile_records();
    let info = run_info(None, &records, 0);
    {
        let mut sink = leanvibe_test::report::events::EventsReporter::new(
            path.clone(),
            ReportOptions::default(),
        )
        .unwrap();
        sink.on_event(&RunEvent::RunStarted(&info)).unwrap();
        for record in &records[..3] {
            sink.on_event(&RunEvent::TestStarted { name: &record.name })
                .unwrap();
            sink.on_event(&RunEvent::TestFinished(record)).unwrap();
        }
        sink.on_event(&RunEvent::TestStarted {
            name: &records[3].name,
        })
        .unwrap();
        // Dropped here without RunFinished, as if the harness were killed.
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    // Discovery and the start, three failed tests (start, message,
    // complete), the fourth test's start, and no `run_complete`.
    let mut expected = vec!["discover_start"];
    expected.extend(vec!["discover_case"; records.len()]);
    expected.extend(["discover_complete", "run_start"]);
    for _ in 0..3 {
        expected.extend(["case_start", "case_message", "case_complete"]);
    }
    expected.push("case_start");
    assert_eq!(events, expected);
    assert!(
        lines
            .iter()
            .all(|l| l["leanvibe"]["run_id"] == info.run_id.as_str()),
        "the run id is on every line"
    );
    let discovered = &lines[records.len() + 1];
    assert_eq!(discovered["leanvibe"]["test_count"], records.len());
    let failure = &lines[records.len() + 4];
    assert_eq!(failure["kind"], "error");
    assert_eq!(failure["leanvibe"]["failure_kind"], "panic");
    assert_eq!(lines.last().unwrap()["name"], records[3].name.as_str());
    assert_no_secrets(&path);
}

/// Writes a shard's reports for `records` into `dir`.
/// A shard's reports: `records` of the `cut_from` tests the selection kept
/// before partitioning, of `total` in the binary.
fn shard(
    dir: &Path,
    partition: &str,
    records: &[TestRecord],
    cut_from: usize,
    total: usize,
) -> PathBuf {
    let mut info = run_info(Some(partition), records, total - records.len());
    info.partitioned_out = cut_from - records.len();
    run(dir, &info, records, &ReportOptions::default()).ctrf
}

fn names(report: &CtrfReport) -> Vec<String> {
    let mut names: Vec<String> = report
        .results
        .tests
        .iter()
        .map(|t| t.name.clone())
        .collect();
    names.sort();
    names
}

#[leanvibe_test::plugin_test]
fn shards_merge_into_the_unsharded_run() {
    let root = tempfile::tempdir().unwrap();
    let records = hostile_records();
    let total = records.len() + 1; // one more filtered out by name in every run
    let whole = run(
        &root.path().join("whole"),
        &run_info(None, &records, 1),
        &records,
        &ReportOptions::default(),
    );
    let whole = CtrfReport::read(&whole.ctrf).unwrap();

    let (odd, even): (Vec<_>, Vec<_>) = records
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 2 == 1);
    let odd: Vec<_> = odd.into_iter().map(|(_, r)| r).collect();
    let even: Vec<_> = even.into_iter().map(|(_, r)| r).collect();
    let one = shard(
        &root.path().join("s1"),
        "hash:1/2",
        &even,
        records.len(),
        total,
    );
    let two = shard(
        &root.path().join("s2"),
        "hash:2/2",
        &odd,
        records.len(),
        total,
    );

    let merged = merge::merge_files(&[two.clone(), one.clone()]).unwrap();
    assert_eq!(names(&merged), names(&whole));
    let (m, w) = (&merged.results.summary, &whole.results.summary);
    assert_eq!(
        (m.tests, m.passed, m.failed, m.skipped, m.flaky),
        (w.tests, w.passed, w.failed, w.skipped, w.flaky)
    );
    let run = merged.run_extra().unwrap();
    assert_eq!(run.filtered_out, 1);
    assert_eq!(run.merged_from, ["hash:1/2", "hash:2/2"]);
    assert!(run.partition.is_none());

    // The CLI writes both files, valid and with the unsharded run's counts.
    let out = root.path().join("merged");
    let status = Command::new(env!("CARGO_BIN_EXE_leanvibe-report"))
        .arg("merge")
        .arg(root.path().join("s1"))
        .arg(root.path().join("s2"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(String::from_utf8_lossy(&status.stdout).starts_with("reports: "));
    let junit_path = out.join("suite.junit.xml");
    let ctrf = read_json(&out.join("suite.ctrf.json"));
    assert_eq!(ctrf["results"]["summary"]["tests"], records.len());
    let (cases, failures, errors, skipped) = parse_junit(&junit_path);
    assert_eq!(
        (cases, failures + errors, skipped),
        (records.len(), ALL_KINDS.len() + 2, 1),
        "every kind, never_passes and flaky_failed_run fail"
    );
    let xml = std::fs::read_to_string(&junit_path).unwrap();
    assert!(xml.contains(r#"<property name="leanvibe.merged_from" value="hash:1/2,hash:2/2"/>"#));
    assert_eq!(
        xml.matches("<flakyFailure ").count(),
        2,
        "earlier attempts survive the merge"
    );

    // Rendering the merge directly agrees with the CLI's file.
    let mut direct = Vec::new();
    junit::render(&merged, &mut direct).unwrap();
    assert_eq!(parse_counts(&direct), (cases, failures, errors, skipped));
    validate_against_schemas(&junit_path, &out.join("suite.ctrf.json"));
}

fn parse_counts(xml: &[u8]) -> (usize, usize, usize, usize) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), xml).unwrap();
    parse_junit(file.path())
}

#[leanvibe_test::plugin_test]
fn overlapping_shards_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let records = hostile_records();
    let total = records.len();
    let one = shard(
        &root.path().join("s1"),
        "hash:1/2",
        &records[..5],
        records.len(),
        total,
    );
    let two = shard(
        &root.path().join("s2"),
        "hash:2/2",
        &records[4..],
        records.len(),
        total,
    );
    let err = merge::merge_files(&[one, two]).unwrap_err();
    assert!(
        matches!(err, leanvibe_test::errors::MergeError::Overlap { .. }),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains(&format!("test `{}`", records[4].name)),
        "{message}"
    );
    assert!(!message.contains('\n'));

    let output = Command::new(env!("CARGO_BIN_EXE_leanvibe-report"))
        .args(["merge", "--ctrf"])
        .arg(root.path().join("out.json"))
        .arg(root.path().join("s1"))
        .arg(root.path().join("s2"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("leanvibe-report: error: shards overlap"),
        "{stderr}"
    );
    assert!(!root.path().join("out.json").exists());
}

#[leanvibe_test::plugin_test]
fn missing_shard_is_named() {
    let root = tempfile::tempdir().unwrap();
    let records = hostile_records();
    let total = records.len();
    let one = shard(
        &root.path().join("s1"),
        "hash:1/3",
        &records[..4],
        records.len(),
        total,
    );
    let three = shard(
        &root.path().join("s3"),
        "hash:3/3",
        &records[8..],
        records.len(),
        total,
    );
    let err = merge::merge_files(&[one.clone(), three]).unwrap_err();
    assert!(
        matches!(
            err,
            leanvibe_test::errors::MergeError::MissingShard {
                index: 2,
                total: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("shard 2 of 3"), "{err}");

    let again = merge::merge_files(&[one.clone(), one.clone()]).unwrap_err();
    assert!(
        matches!(
            again,
            leanvibe_test::errors::MergeError::DuplicateShard { .. }
        ),
        "{again}"
    );

    let other = shard(
        &root.path().join("c2"),
        "count:2/3",
        &records[4..8],
        records.len(),
        total,
    );
    let mixed = merge::merge_files(&[one, other]).unwrap_err();
    assert!(
        matches!(
            mixed,
            leanvibe_test::errors::MergeError::MixedPartitions { .. }
        ),
        "{mixed}"
    );
}

leanvibe_test::main!();
