//! The JUnit XML report, valid against the Jenkins xunit `junit-10.xsd`.
//!
//! The XML is rendered from the same [`CtrfReport`] model the CTRF sink
//! writes, so both files agree and a merged CTRF document renders to a merged
//! JUnit file. Strings in the model are already cleaned (see
//! [`sanitize`](super::sanitize)), so they are legal XML 1.0 characters;
//! quick-xml escapes markup (`<`, `&`, `]]>` becomes `]]&gt;`).
//!
//! Mapping (see `docs/reports.md`):
//! - one `<testsuite>` per test binary, with `<properties>` for the run
//!   (run id, whether it completed, selection, partition, filtered-out
//!   count) and for each test's budget, measurements
//!   and attempts, since the XSD allows no `<properties>` in a `<testcase>`;
//! - `classname` is the module path, or the binary name for a test at the
//!   root;
//! - failures of kind `crash`, `timeout`, `setup`, `harness` and `interrupted` (the test
//!   could not run to a verdict) are `<error>`, every other kind is
//!   `<failure>`; `type` is the kind, `message` the first line, the body the
//!   whole message (with budget and measured figures for `budget.*` kinds);
//! - an ignored test has `<skipped message="reason"/>`;
//! - a retried test stays one `<testcase>` (one per attempt would turn
//!   dashboards red for a test that passed): its earlier attempts are
//!   Surefire's `<flakyFailure>`/`<flakyError>` when it passed in the end,
//!   `<rerunFailure>`/`<rerunError>` when it never did, each with its
//!   `message`, `type`, `stackTrace` (opened by the attempt's time) and
//!   output; the verdict element is the last attempt's, as in CTRF and the
//!   console, and a `<name>.attempts` property gives the count.

use super::ctrf::{CtrfAttempt, CtrfReport, CtrfStatus, CtrfTest, RunExtra, TestExtra};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event as Xml};
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

/// Failure kinds reported as `<error>` rather than `<failure>`: the test did
/// not run to a verdict of its own.
pub const ERROR_KINDS: &[&str] = &["crash", "timeout", "setup", "harness", "interrupted"];

/// Longest `message` attribute; the element body always has the whole text.
const MESSAGE_ATTR_MAX: usize = 1024;

/// `true` when a failure of this kind is written as `<error>`.
///
/// ```
/// use leanvibe_test::report::junit::is_error_kind;
/// assert!(is_error_kind("timeout"));
/// assert!(!is_error_kind("budget.time"));
/// ```
pub fn is_error_kind(kind: &str) -> bool {
    ERROR_KINDS.contains(&kind)
}

/// Renders `report` as JUnit XML into `path`, atomically.
///
/// ```no_run
/// # use leanvibe_test::report::{ctrf::CtrfReport, junit};
/// let report = CtrfReport::read("merged.ctrf.json".as_ref())?;
/// junit::write_file(&report, "merged.junit.xml".as_ref())?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_file(report: &CtrfReport, path: &Path) -> io::Result<()> {
    super::atomic::write_atomically(path, |out| render(report, out))
}

/// Renders `report` as JUnit XML.
///
/// ```
/// # use leanvibe_test::report::{ctrf::CtrfReport, junit};
/// let report: CtrfReport = leanvibe_test::json::from_str(r#"{"reportFormat":"CTRF","specVersion":"0.0.0",
///   "results":{"tool":{"name":"x"},"summary":{"tests":1,"passed":1,"failed":0,"skipped":0,
///   "pending":0,"other":0,"start":0,"stop":1500},
///   "tests":[{"name":"a::b","status":"passed","duration":3,"suite":["suite","a"]}]}}"#).unwrap();
/// let mut xml = Vec::new();
/// junit::render(&report, &mut xml).unwrap();
/// let xml = String::from_utf8(xml).unwrap();
/// assert!(xml.contains(r#"<testcase name="a::b" classname="a" time="0.003"/>"#));
/// ```
pub fn render(report: &CtrfReport, out: &mut dyn Write) -> io::Result<()> {
    let run = report.run_extra().unwrap_or_default();
    let fallback = if run.binary.is_empty() {
        "tests".to_owned()
    } else {
        run.binary.clone()
    };
    // Group tests by binary (suite[0]), keeping first-seen order.
    let mut suites: Vec<(String, Vec<&CtrfTest>)> = Vec::new();
    for test in &report.results.tests {
        let binary = test
            .suite
            .first()
            .cloned()
            .unwrap_or_else(|| fallback.clone());
        match suites.iter_mut().find(|(name, _)| *name == binary) {
            Some((_, tests)) => tests.push(test),
            None => suites.push((binary, vec![test])),
        }
    }
    if suites.is_empty() {
        suites.push((fallback, Vec::new()));
    }

    let summary = &report.results.summary;
    let all: Vec<&CtrfTest> = report.results.tests.iter().collect();
    let (failures, errors) = count_failures(&all);
    let time = seconds(summary.stop.saturating_sub(summary.start));

    let mut xml = Writer::new_with_indent(out, b' ', 2);
    xml.write_event(Xml::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let root = BytesStart::new("testsuites").with_attributes([
        ("name", "leanvibe-test"),
        ("tests", all.len().to_string().as_str()),
        ("failures", failures.to_string().as_str()),
        ("errors", errors.to_string().as_str()),
        ("time", time.as_str()),
    ]);
    xml.write_event(Xml::Start(root))?;
    for (binary, tests) in &suites {
        write_suite(&mut xml, report, &run, binary, tests)?;
    }
    xml.write_event(Xml::End(BytesEnd::new("testsuites")))?;
    xml.get_mut().write_all(b"\n")
}

fn write_suite(
    xml: &mut Writer<&mut dyn Write>,
    report: &CtrfReport,
    run: &RunExtra,
    binary: &str,
    tests: &[&CtrfTest],
) -> io::Result<()> {
    let summary = &report.results.summary;
    let (failures, errors) = count_failures(tests);
    let skipped = tests
        .iter()
        .filter(|t| t.status == CtrfStatus::Skipped)
        .count();
    let timestamp =
        humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(summary.start));
    let mut start = BytesStart::new("testsuite").with_attributes([
        ("name", binary),
        ("tests", tests.len().to_string().as_str()),
        ("failures", failures.to_string().as_str()),
        ("errors", errors.to_string().as_str()),
        ("skipped", skipped.to_string().as_str()),
        (
            "time",
            seconds(summary.stop.saturating_sub(summary.start)).as_str(),
        ),
        ("timestamp", timestamp.to_string().as_str()),
    ]);
    if let Some(host) = &run.hostname {
        start.push_attribute(("hostname", attribute_text(host).as_str()));
    }
    xml.write_event(Xml::Start(start))?;

    let properties = suite_properties(run, tests);
    xml.write_event(Xml::Start(BytesStart::new("properties")))?;
    for (name, value) in &properties {
        let property = BytesStart::new("property").with_attributes([
            ("name", attribute_text(name).as_str()),
            ("value", attribute_text(value).as_str()),
        ]);
        xml.write_event(Xml::Empty(property))?;
    }
    xml.write_event(Xml::End(BytesEnd::new("properties")))?;

    for test in tests {
        write_case(xml, binary, test)?;
    }
    xml.write_event(Xml::End(BytesEnd::new("testsuite")))
}

fn write_case(xml: &mut Writer<&mut dyn Write>, binary: &str, test: &CtrfTest) -> io::Result<()> {
    let ours = test.test_extra().unwrap_or_default();
    let classname = match test.suite.get(1..) {
        Some(modules) if !modules.is_empty() => modules.join("::"),
        _ => binary.to_owned(),
    };
    let case = BytesStart::new("testcase").with_attributes([
        ("name", test.name.as_str()),
        ("classname", classname.as_str()),
        ("time", seconds(test.duration).as_str()),
    ]);
    let stdout = joined(&test.stdout);
    let stderr = joined(&test.stderr);
    let verdict = test.status == CtrfStatus::Failed || test.status == CtrfStatus::Skipped;
    let earlier = test.retry_attempts.split_last().map_or(&[][..], |(_, e)| e);
    if !verdict && earlier.is_empty() && stdout.is_empty() && stderr.is_empty() {
        return xml.write_event(Xml::Empty(case));
    }
    xml.write_event(Xml::Start(case))?;
    // The verdict: `<failure>` or `<error>`, and the earlier attempts.
    // Surefire's schema wants each failure-like element in a set order
    // (failure, rerunFailure, flakyFailure, skipped, error, rerunError,
    // flakyError); Jenkins' takes any order, so this one suits both.
    let kind = ours
        .failure_kind
        .clone()
        .unwrap_or_else(|| "failure".to_owned());
    let verdict_element = match test.status {
        CtrfStatus::Failed if is_error_kind(&kind) => Some("error"),
        CtrfStatus::Failed => Some("failure"),
        _ => None,
    };
    // A test that passed in the end (flaky, even when the run failed it
    // for that) has flaky attempts; one that never passed has reruns.
    let passed_last = test.retry_attempts.last().map(|a| a.status) == Some(CtrfStatus::Passed);
    let total = test.retry_attempts.len();
    for error_group in [false, true] {
        if verdict_element == Some(if error_group { "error" } else { "failure" }) {
            let mut body = test.full_message().unwrap_or_default().to_owned();
            if kind.starts_with("budget.") {
                body.push_str(&budget_text(&ours));
            }
            let message = attribute_text(test.message.as_deref().unwrap_or(&kind));
            let start = BytesStart::new(verdict_element.expect("matched above"))
                .with_attributes([("message", message.as_str()), ("type", kind.as_str())]);
            text_element(xml, start, &body)?;
        }
        for prefix in ["rerun", "flaky"] {
            if (prefix == "flaky") != passed_last {
                continue;
            }
            for attempt in earlier {
                let attempt_kind = attempt.failure_kind().unwrap_or_else(|| "failure".into());
                if is_error_kind(&attempt_kind) != error_group {
                    continue;
                }
                let suffix = if error_group { "Error" } else { "Failure" };
                write_attempt(
                    xml,
                    &format!("{prefix}{suffix}"),
                    attempt,
                    &attempt_kind,
                    total,
                )?;
            }
        }
        if !error_group && test.status == CtrfStatus::Skipped {
            let mut skipped = BytesStart::new("skipped");
            if let Some(reason) = &test.message {
                skipped.push_attribute(("message", attribute_text(reason).as_str()));
            }
            xml.write_event(Xml::Empty(skipped))?;
        }
    }
    if !stdout.is_empty() {
        text_element(xml, BytesStart::new("system-out"), &stdout)?;
    }
    if !stderr.is_empty() {
        text_element(xml, BytesStart::new("system-err"), &stderr)?;
    }
    xml.write_event(Xml::End(BytesEnd::new("testcase")))
}

/// One earlier attempt as Surefire writes a rerun: `message` and `type`
/// attributes, then `stackTrace`, `system-out` and `system-err`. Neither
/// schema has a `time` on these elements, so the attempt's time opens its
/// `stackTrace`.
fn write_attempt(
    xml: &mut Writer<&mut dyn Write>,
    element: &str,
    attempt: &CtrfAttempt,
    kind: &str,
    total: usize,
) -> io::Result<()> {
    let message = attribute_text(attempt.message.as_deref().unwrap_or(kind));
    let start =
        BytesStart::new(element).with_attributes([("message", message.as_str()), ("type", kind)]);
    xml.write_event(Xml::Start(start))?;
    let text = attempt
        .trace
        .as_deref()
        .or(attempt.message.as_deref())
        .unwrap_or(kind);
    let trace = format!(
        "attempt {} of {total} failed after {} s\n{text}",
        attempt.attempt,
        seconds(attempt.duration.unwrap_or(0))
    );
    text_element(xml, BytesStart::new("stackTrace"), &trace)?;
    let stdout = joined(&attempt.stdout);
    if !stdout.is_empty() {
        text_element(xml, BytesStart::new("system-out"), &stdout)?;
    }
    let stderr = joined(&attempt.stderr);
    if !stderr.is_empty() {
        text_element(xml, BytesStart::new("system-err"), &stderr)?;
    }
    xml.write_event(Xml::End(BytesEnd::new(element.to_owned())))
}

fn text_element(
    xml: &mut Writer<&mut dyn Write>,
    start: BytesStart<'_>,
    text: &str,
) -> io::Result<()> {
    let end = BytesEnd::new(
        start
            .name()
            .as_ref()
            .iter()
            .map(|&b| b as char)
            .collect::<String>(),
    );
    xml.write_event(Xml::Start(start))?;
    xml.write_event(Xml::Text(BytesText::new(text)))?;
    xml.write_event(Xml::End(end))
}

/// Suite properties: the run's, then each test's budget, measurements and
/// attempts (`<test name>.budget`, `.measured`, `.attempts`).
fn suite_properties(run: &RunExtra, tests: &[&CtrfTest]) -> Vec<(String, String)> {
    let mut props = vec![
        ("leanvibe.schema".to_owned(), run.schema.max(1).to_string()),
        ("leanvibe.run_id".to_owned(), run.run_id.clone()),
        ("leanvibe.completed".to_owned(), run.completed.to_string()),
    ];
    if let Some(reason) = &run.stop_reason {
        props.push(("leanvibe.stop_reason".into(), reason.clone()));
        props.push(("leanvibe.not_run".into(), run.not_run.to_string()));
    }
    if !run.selection.is_whole() {
        props.push(("leanvibe.selection".into(), run.selection.describe()));
    }
    if let Some(partition) = &run.partition {
        props.push(("leanvibe.partition".into(), partition.to_string()));
    }
    if let Some(pipeline) = &run.pipeline {
        props.push(("leanvibe.pipeline".into(), pipeline.clone()));
    }
    if !run.merged_from.is_empty() {
        props.push(("leanvibe.merged_from".into(), run.merged_from.join(",")));
    }
    props.push(("leanvibe.filtered_out".into(), run.filtered_out.to_string()));
    props.push(("leanvibe.workers".into(), run.workers.to_string()));
    for test in tests {
        let Some(ours) = test.test_extra() else {
            continue;
        };
        if !ours.budget.is_empty() {
            props.push((format!("{}.budget", test.name), key_values(&ours.budget)));
        }
        let measured = measured_text(&ours);
        if !measured.is_empty() {
            props.push((format!("{}.measured", test.name), measured));
        }
        if ours.attempts > 1 {
            props.push((format!("{}.attempts", test.name), ours.attempts.to_string()));
        }
    }
    props
}

fn key_values(map: &crate::json::Map) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn measured_text(ours: &TestExtra) -> String {
    let mut parts = Vec::new();
    if let Some(stats) = &ours.stats {
        parts.push(format!(
            "runs={}, mean_ms={:.3}, p50_ms={:.3}, p95_ms={:.3}, p99_ms={:.3}, max_ms={:.3}",
            stats.count, stats.mean, stats.p50, stats.p95, stats.p99, stats.max
        ));
    }
    for key in ["peak_heap_bytes", "peak_rss_bytes"] {
        if let Some(value) = ours.measurements.get(key) {
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join(", ")
}

fn budget_text(ours: &TestExtra) -> String {
    let mut text = String::new();
    if !ours.budget.is_empty() {
        text.push_str(&format!("\n\nbudget: {}", key_values(&ours.budget)));
    }
    let measured = measured_text(ours);
    if !measured.is_empty() {
        text.push_str(&format!("\nmeasured: {measured}"));
    }
    text
}

fn count_failures(tests: &[&CtrfTest]) -> (usize, usize) {
    let mut failures = 0;
    let mut errors = 0;
    for test in tests.iter().filter(|t| t.status == CtrfStatus::Failed) {
        let kind = test
            .test_extra()
            .and_then(|e| e.failure_kind)
            .unwrap_or_default();
        if is_error_kind(&kind) {
            errors += 1
        } else {
            failures += 1
        }
    }
    (failures, errors)
}

/// Milliseconds as JUnit seconds with three decimals (`SUREFIRE_TIME`).
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

fn joined(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        lines.join("\n") + "\n"
    }
}

/// An attribute value: one line, tabs and CRs as spaces (parsers would
/// normalise them anyway), at most [`MESSAGE_ATTR_MAX`] bytes.
fn attribute_text(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut value: String = line
        .chars()
        .map(|c| if c == '\t' || c == '\r' { ' ' } else { c })
        .collect();
    if value.len() > MESSAGE_ATTR_MAX {
        let mut cut = MESSAGE_ATTR_MAX;
        while !value.is_char_boundary(cut) {
            cut -= 1;
        }
        value.truncate(cut);
        value.push_str(" [...]");
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{
        Attempt, Failure, FailureKind, Measurements, Status, TestOutcome, TestRecord,
    };
    use crate::report::collect::Collector;
    use crate::report::sanitize::tests::{hostile_bytes, is_xml_char};
    use crate::report::{ReportOptions, RunEnd, RunEvent, RunInfo, RunSummary, Selection};
    use proptest::prelude::*;
    use quick_xml::events::Event;

    /// Text as a test or the harness could hand it over: any characters,
    /// controls and noncharacters among them, or any bytes read lossily.
    fn hostile_text() -> impl Strategy<Value = String> {
        prop_oneof![
            hostile_bytes().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            "[\\x00-\\x1f\\x7f-\\x9f\u{fffe}\u{ffff}<>&\"' a]{0,12}",
        ]
    }

    fn failure() -> impl Strategy<Value = Failure> {
        (
            proptest::sample::select(vec![
                FailureKind::Panic,
                FailureKind::Timeout,
                FailureKind::BudgetTime,
                FailureKind::Crash,
                FailureKind::Flaky,
            ]),
            hostile_text(),
            proptest::option::of(hostile_text()),
        )
            .prop_map(|(kind, message, location)| Failure {
                kind,
                message,
                location,
            })
    }

    fn record() -> impl Strategy<Value = TestRecord> {
        let status = prop_oneof![
            Just(Status::Passed),
            failure().prop_map(Status::Failed),
            proptest::option::of(hostile_text()).prop_map(|reason| Status::Ignored { reason }),
        ];
        let attempts = proptest::collection::vec(
            (failure(), hostile_bytes(), hostile_bytes()).prop_map(|(failure, stdout, stderr)| {
                Attempt {
                    failure,
                    duration_ms: 1.0,
                    stdout,
                    stderr,
                }
            }),
            0..3,
        );
        (
            (hostile_text(), hostile_text(), hostile_text()),
            proptest::collection::vec(hostile_text(), 0..2),
            status,
            attempts,
            (hostile_bytes(), hostile_bytes()),
            proptest::option::of(1.0f64..100.0),
        )
            .prop_map(
                |(
                    (name, module, file),
                    tags,
                    status,
                    earlier_attempts,
                    (stdout, stderr),
                    max_ms,
                )| {
                    TestRecord {
                        name,
                        module,
                        file,
                        line: 1,
                        tags,
                        kind: "unit".into(),
                        budget: crate::registry::Budget {
                            max_ms,
                            ..crate::registry::Budget::NONE
                        },
                        outcome: TestOutcome {
                            status,
                            duration_ms: 3.0,
                            measurements: Measurements {
                                runs_ms: vec![1.0, 2.0],
                                attempts: earlier_attempts.len() as u32 + 1,
                                ..Measurements::default()
                            },
                            earlier_attempts,
                            extra: Default::default(),
                        },
                        stdout,
                        stderr,
                    }
                },
            )
    }

    /// The JUnit file of a run of `records`, through the collector that
    /// cleans every string, as the report sink does.
    fn junit_of(
        records: &[TestRecord],
        binary: &str,
        stop: &str,
        options: ReportOptions,
    ) -> String {
        let info = RunInfo {
            run_id: "0".repeat(32),
            binary_name: binary.to_string(),
            tests: records.iter().map(|r| r.name.clone()).collect(),
            filtered_out: 0,
            partitioned_out: 0,
            started_at: std::time::SystemTime::now(),
            selection: Selection {
                filters: vec![stop.to_string()],
                partition: Some(stop.to_string()),
                ..Selection::default()
            },
            workers: 1,
            pipeline: Some(stop.to_string()),
        };
        let mut collector = Collector::new(options);
        collector.on_event(&RunEvent::RunStarted(&info));
        for record in records {
            collector.on_event(&RunEvent::TestStarted { name: &record.name });
            collector.on_event(&RunEvent::TestFinished(record));
        }
        let end = RunEnd::Stopped {
            reason: stop.to_string(),
            not_run: 1,
        };
        let report = collector
            .on_event(&RunEvent::RunFinished {
                summary: &RunSummary::default(),
                elapsed_s: 0.0,
                end: &end,
            })
            .expect("the report at the end of the run");
        let mut xml = Vec::new();
        render(&report, &mut xml).unwrap();
        String::from_utf8(xml).expect("the writer writes UTF-8")
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Whatever the names, messages and output hold, the file parses,
        /// every character in it and in what it decodes to is one XML 1.0
        /// allows, and every test is one `<testcase>`.
        #[test]
        fn junit_is_well_formed_xml_of_legal_characters(
            records in proptest::collection::vec(record(), 0..4),
            binary in hostile_text(),
            stop in hostile_text(),
            redact in any::<bool>(),
            output_cap in prop_oneof![Just(0usize), 1usize..64],
        ) {
            let xml = junit_of(&records, &binary, &stop, ReportOptions { redact, output_cap });
            let bad = xml.chars().find(|&c| !is_xml_char(c));
            prop_assert_eq!(bad, None, "{}", xml);

            let mut reader = quick_xml::Reader::from_str(&xml);
            reader.config_mut().check_end_names = true;
            let mut testcases = 0;
            let mut depth = 0usize;
            loop {
                let event = reader
                    .read_event()
                    .map_err(|e| TestCaseError::fail(format!("{e} at {}:\n{xml}", reader.buffer_position())))?;
                let mut decoded = Vec::new();
                match &event {
                    Event::Start(e) | Event::Empty(e) => {
                        if e.name().as_ref() == b"testcase" {
                            testcases += 1;
                        }
                        if matches!(event, Event::Start(_)) {
                            depth += 1;
                        }
                        for attribute in e.attributes() {
                            let attribute = attribute.map_err(|e| TestCaseError::fail(format!("{e}:\n{xml}")))?;
                            decoded.push(attribute.normalized_value(quick_xml::XmlVersion::Explicit1_0).map_err(|e| TestCaseError::fail(format!("{e}:\n{xml}")))?.into_owned());
                        }
                    }
                    Event::End(_) => depth -= 1,
                    Event::Text(t) => decoded.push(t.decode().map_err(|e| TestCaseError::fail(format!("{e}")))?.into_owned()),
                    Event::GeneralRef(r) => {
                        let name = r.decode().map_err(|e| TestCaseError::fail(format!("{e}")))?;
                        prop_assert!(["lt", "gt", "amp", "quot", "apos"].contains(&name.as_ref()), "&{};", name);
                    }
                    Event::Eof => break,
                    _ => {}
                }
                for text in decoded {
                    let bad = text.chars().find(|&c| !is_xml_char(c));
                    prop_assert_eq!(bad, None, "{:?} in {}", text, xml);
                }
            }
            prop_assert_eq!(depth, 0, "unclosed elements: {}", xml);
            prop_assert_eq!(testcases, records.len(), "{}", xml);
        }
    }
}
