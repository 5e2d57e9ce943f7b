//! Run identity: whether a CTRF report describes its binary's latest,
//! finished run, and agrees with the JUnit file and event stream beside it.
//!
//! Every run writes its run id into all three files (CTRF
//! `extra.leanvibe.runId`, the JUnit property `leanvibe.run_id`, the
//! `leanvibe.run_id` of every line of the event stream). A run removes its
//! binary's old JUnit and CTRF files when it starts and writes new ones when
//! it ends; the event stream is rewritten from its first line. So, for the
//! files of one binary in one directory:
//!
//! - a CTRF report that says `completed: false` is from a run that was
//!   stopped;
//! - a CTRF report whose run id differs from the event stream's is older
//!   than the binary's last run (that run was killed before it could write,
//!   or ran under nextest, which leaves a marker line in the stream);
//! - a JUnit file whose run id differs from the CTRF report's disagrees
//!   with it (one of them was copied in or edited by hand).
//!
//! `leanvibe-report gate` and `merge` refuse such reports with the reason.
//! A CTRF report without our run data (another tool wrote it) is taken as
//! it is: there is nothing to check it against.

use super::ctrf::CtrfReport;
use crate::errors::IdentityError;
use std::path::{Path, PathBuf};

pub(crate) fn describe_latest(runner: Option<&str>) -> String {
    match runner {
        Some("nextest") => {
            " (a `cargo nextest run`, which writes no leanvibe reports: use nextest's JUnit, or run the suite with `cargo test`)".to_string()
        }
        _ => " (it did not finish, so it wrote no report)".to_string(),
    }
}

/// The event stream and JUnit file that belong beside `ctrf`
/// (`suite.ctrf.json` → `suite.events.jsonl`, `suite.junit.xml`), if it
/// has the standard name.
fn siblings(ctrf: &Path) -> Option<(PathBuf, PathBuf)> {
    let name = ctrf.file_name()?.to_str()?;
    let stem = name.strip_suffix(".ctrf.json")?;
    Some((
        ctrf.with_file_name(format!("{stem}.events.jsonl")),
        ctrf.with_file_name(format!("{stem}.junit.xml")),
    ))
}

/// Checks that `report` (read from `path`) is complete and current, and
/// agrees with the files beside it.
///
/// ```
/// use leanvibe_test::report::{ctrf::CtrfReport, identity};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("suite.ctrf.json");
/// let report: CtrfReport = leanvibe_test::json::from_str(r#"{"reportFormat":"CTRF","specVersion":"0.0.0",
///   "results":{"tool":{"name":"leanvibe-test"},"summary":{"tests":0,"passed":0,"failed":0,
///   "skipped":0,"pending":0,"other":0,"start":0,"stop":0},"tests":[]},
///   "extra":{"leanvibe":{"schema":1,"runId":"r1","completed":false,"notRun":3,
///   "stopReason":"interrupted by SIGTERM","binary":"suite","filteredOut":0}}}"#).unwrap();
/// let refused = identity::verify(&path, &report).unwrap_err();
/// assert!(refused.to_string().ends_with("the run did not complete (interrupted by SIGTERM; 3 test(s) did not run)"));
/// ```
pub fn verify(path: &Path, report: &CtrfReport) -> Result<(), IdentityError> {
    let Some(run) = report.run_extra() else {
        return Ok(());
    };
    if run.run_id.is_empty() {
        return Err(IdentityError::NoRunId {
            path: path.to_path_buf(),
        });
    }
    if !run.completed {
        return Err(IdentityError::Incomplete {
            path: path.to_path_buf(),
            reason: run
                .stop_reason
                .unwrap_or_else(|| "no reason recorded".into()),
            not_run: run.not_run,
        });
    }
    let Some((events, junit)) = siblings(path) else {
        return Ok(());
    };
    if let Some(latest) = latest_run(&events)
        && latest.run_id != run.run_id
    {
        return Err(IdentityError::Superseded {
            path: path.to_path_buf(),
            report_run: run.run_id,
            latest_run: latest.run_id,
            latest_runner: latest.runner,
        });
    }
    if let Ok(xml) = std::fs::read(&junit) {
        let junit_run = junit_run_id(&xml).unwrap_or_default();
        if junit_run != run.run_id {
            return Err(IdentityError::Disagree {
                path: path.to_path_buf(),
                report_run: run.run_id,
                junit,
                junit_run,
            });
        }
    }
    Ok(())
}

/// The start of a binary's latest run, read from its event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestRun {
    /// Its run id.
    pub run_id: String,
    /// `nextest` for a `cargo nextest run`.
    pub runner: Option<String>,
    /// The stream's last line is `run_complete`: the run finished.
    pub finished: bool,
}

/// Reads the first and last lines of an event stream. `None` when there is
/// no stream. A stream that is empty, or does not start with a
/// `discover_start` line, is a run that began and stopped before it said
/// anything: an unfinished run with an empty run id.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("suite.events.jsonl");
/// let start = r#"{"event":"discover_start","elapsed_s":"0","leanvibe":{"run_id":"r2"}}"#;
/// std::fs::write(&path, format!("{start}\n")).unwrap();
/// let latest = leanvibe_test::report::identity::latest_run(&path).unwrap();
/// assert_eq!((latest.run_id.as_str(), latest.finished), ("r2", false));
/// let end = r#"{"event":"run_complete","elapsed_s":"0.5","leanvibe":{"run_id":"r2"}}"#;
/// std::fs::write(&path, format!("{start}\n{end}\n")).unwrap();
/// assert!(leanvibe_test::report::identity::latest_run(&path).unwrap().finished);
/// ```
pub fn latest_run(events: &Path) -> Option<LatestRun> {
    let bytes = std::fs::read(events).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines
        .next()
        .and_then(|l| crate::json::from_str::<crate::json::Value>(l).ok())
        .filter(|first| first["event"].as_str() == Some("discover_start"));
    let Some(first) = first else {
        return Some(LatestRun {
            run_id: String::new(),
            runner: None,
            finished: false,
        });
    };
    let finished = lines
        .next_back()
        .and_then(|l| crate::json::from_str::<crate::json::Value>(l).ok())
        .is_some_and(|last| last["event"].as_str() == Some("run_complete"));
    let ours = &first["leanvibe"];
    Some(LatestRun {
        run_id: ours["run_id"].as_str().unwrap_or_default().to_string(),
        runner: ours["runner"].as_str().map(str::to_string),
        finished,
    })
}

/// The `leanvibe.run_id` property of a JUnit file we wrote.
fn junit_run_id(xml: &[u8]) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Eof => return None,
            Event::Empty(e) | Event::Start(e) if e.name().as_ref() == b"property" => {
                let mut name = None;
                let mut value = None;
                for attr in e.attributes().flatten() {
                    let text = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .ok()?
                        .into_owned();
                    match attr.key.as_ref() {
                        b"name" => name = Some(text),
                        b"value" => value = Some(text),
                        _ => {}
                    }
                }
                if name.as_deref() == Some("leanvibe.run_id") {
                    return value;
                }
            }
            _ => {}
        }
        buf.clear();
    }
}

/// For a directory of reports: event streams of binaries whose latest run
/// left no CTRF report, with a one-line reason each. A binary run with
/// `--no-report` writes no stream and is not listed.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("suite.events.jsonl"),
///     "{\"event\":\"discover_start\",\"leanvibe\":{\"run_id\":\"r3\"}}\n").unwrap();
/// let missing = leanvibe_test::report::identity::runs_without_report(dir.path()).unwrap();
/// assert_eq!(missing.len(), 1);
/// assert!(missing[0].contains("suite.events.jsonl: the last run (r3) did not finish"));
/// ```
pub fn runs_without_report(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for events in entries {
        let Some(stem) = events
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".events.jsonl"))
        else {
            continue;
        };
        if events.with_file_name(format!("{stem}.ctrf.json")).exists() {
            continue;
        }
        let Some(latest) = latest_run(&events) else {
            continue;
        };
        let why = match latest.runner.as_deref() {
            Some("nextest") => format!(
                "the last run ({}) was a `cargo nextest run`, which writes no leanvibe reports (use nextest's JUnit, or run the suite with `cargo test`)",
                latest.run_id
            ),
            _ if latest.finished => format!(
                "the last run ({}) finished but its CTRF report is missing",
                latest.run_id
            ),
            _ if latest.run_id.is_empty() => {
                "the last run was stopped before it started (its event stream is empty), so it wrote no report".to_string()
            }
            _ => format!(
                "the last run ({}) did not finish (killed?), so it wrote no report",
                latest.run_id
            ),
        };
        found.push(format!("{}: {why}", events.display()));
    }
    Ok(found)
}
