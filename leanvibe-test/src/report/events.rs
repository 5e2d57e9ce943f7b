//! The streaming event log: one JSON object per line, written and flushed as
//! each event happens, so a run that is killed still leaves a readable record
//! up to that point.
//!
//! The lines are the events of libtest-json, the JSON output of libtest2
//! (the harness Cargo plans to ship), so a tool written for it reads ours:
//! `event` names the event, and `name`, `kind`, `message` and `elapsed_s`
//! mean what they mean there. What we add sits in one object, `leanvibe`,
//! which every line has and which holds at least the run id:
//!
//! ```text
//! {"event":"discover_start","elapsed_s":"0","leanvibe":{"run_id":"9f2c...","binary":"suite","timestamp":"...",...}}
//! {"event":"discover_case","name":"unit::adds","elapsed_s":"0.000012","leanvibe":{"run_id":"9f2c..."}}
//! {"event":"discover_complete","elapsed_s":"0.000031","leanvibe":{"run_id":"9f2c...","test_count":2,"filtered_out":0}}
//! {"event":"run_start","elapsed_s":"0.000035","leanvibe":{"run_id":"9f2c...","workers":2}}
//! {"event":"case_start","name":"unit::adds","elapsed_s":"0.0031","leanvibe":{"run_id":"9f2c..."}}
//! {"event":"case_complete","name":"unit::adds","elapsed_s":"0.0154","leanvibe":{"run_id":"9f2c...","status":"passed","duration_ms":12.3,"attempts":1}}
//! {"event":"case_start","name":"unit::breaks","elapsed_s":"0.0032","leanvibe":{"run_id":"9f2c..."}}
//! {"event":"case_message","name":"unit::breaks","kind":"error","message":"...","elapsed_s":"0.02","leanvibe":{"run_id":"9f2c...","failure_kind":"panic",...}}
//! {"event":"case_complete","name":"unit::breaks","elapsed_s":"0.02","leanvibe":{"run_id":"9f2c...","status":"failed",...}}
//! {"event":"run_complete","elapsed_s":"0.5","leanvibe":{"run_id":"9f2c...","completed":true,"passed":1,"failed":1,...}}
//! ```
//!
//! The last line says whether the run `completed` (every selected test ran)
//! and, if not, why (`stop_reason`) and how many tests did not run
//! (`not_run`). A stream that ends without `run_complete` belongs to a run
//! that was killed. `docs/reports.md` ("Event stream") maps each event to
//! when we write it and lists our fields, with where we depart from libtest2.
//!
//! Unlike the JUnit and CTRF files this one cannot be written atomically: it
//! grows line by line. Lines are buffered and written out whole when the
//! runner calls [`Reporter::flush`] (whenever it is about to wait) and at the
//! end of the run.

use super::{ReportOptions, Reporter, RunEnd, RunEvent, RunInfo, Selection};
use crate::record::{Status, TestRecord};
use serde::Serialize;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Writes `<binary>.events.jsonl` as the run goes.
///
/// ```
/// use leanvibe_test::json::{self, Value};
/// use leanvibe_test::report::{RunEvent, RunInfo, ReportOptions, Reporter, events::EventsReporter};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("suite.events.jsonl");
/// let info = RunInfo {
///     run_id: "r1".into(), binary_name: "suite".into(), tests: vec!["a".into()],
///     filtered_out: 0, partitioned_out: 0, started_at: std::time::SystemTime::now(),
///     selection: Default::default(), workers: 0, pipeline: None,
/// };
/// let mut sink = EventsReporter::new(path.clone(), ReportOptions::default()).unwrap();
/// sink.on_event(&RunEvent::RunStarted(&info)).unwrap();
/// sink.on_event(&RunEvent::TestStarted { name: "a" }).unwrap();
/// sink.flush().unwrap(); // the runner does this whenever it waits
/// let text = std::fs::read_to_string(&path).unwrap();
/// let lines: Vec<Value> = text.lines().map(|l| json::from_str(l).unwrap()).collect();
/// let events: Vec<_> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
/// assert_eq!(events, ["discover_start", "discover_case", "discover_complete", "run_start", "case_start"]);
/// assert_eq!(lines[4]["name"].as_str(), Some("a"));
/// assert!(lines.iter().all(|l| l["leanvibe"]["run_id"].as_str() == Some("r1")));
/// ```
#[derive(Debug)]
pub struct EventsReporter {
    path: PathBuf,
    /// Buffered; the runner flushes it whenever it is about to wait (before a
    /// test that may hang, while tests run), so a killed run leaves every line
    /// up to that moment, each whole.
    file: io::BufWriter<File>,
    options: ReportOptions,
    run_id: String,
    /// What `elapsed_s` counts from: the run's start.
    start: Instant,
    /// Tests with a `case_start` line and no `case_complete` yet. A test
    /// that finishes without having started (an ignored one, one the
    /// harness could not run) gets its `case_start` then, as libtest-json
    /// readers expect one for every case.
    open: HashSet<String>,
}

impl EventsReporter {
    /// Creates (or truncates) the file at `path`, and its directory.
    ///
    /// ```
    /// # use leanvibe_test::report::{ReportOptions, Reporter, events::EventsReporter};
    /// let dir = tempfile::tempdir().unwrap();
    /// let sink = EventsReporter::new(dir.path().join("a/b.events.jsonl"), ReportOptions::default()).unwrap();
    /// assert!(sink.written_paths()[0].exists());
    /// ```
    pub fn new(path: PathBuf, options: ReportOptions) -> io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = io::BufWriter::with_capacity(64 * 1024, File::create(&path)?);
        Ok(EventsReporter {
            path,
            file,
            options,
            run_id: String::new(),
            start: Instant::now(),
            open: HashSet::new(),
        })
    }
}

/// Seconds since `start`, as libtest-json writes its `Elapsed`: a string
/// holding the decimal number.
fn elapsed_since(start: Instant) -> String {
    start.elapsed().as_secs_f64().to_string()
}

/// The `discover_start` line: the run's facts, fixed when it starts.
fn discover_start<'a>(
    info: &RunInfo,
    o: &ReportOptions,
    run_id: &'a str,
    elapsed_s: String,
) -> Line<'a> {
    Line {
        leanvibe: Extra {
            binary: Some(o.clean_text(&info.binary_name)),
            timestamp: Some(humantime::format_rfc3339_millis(info.started_at).to_string()),
            selection: (info.selection != Selection::default())
                .then(|| clean_selection(&info.selection, o)),
            pipeline: info.pipeline.as_deref().map(|p| o.clean_text(p)),
            ..Extra::new(run_id)
        },
        ..Line::new("discover_start", elapsed_s, run_id)
    }
}

fn clean_selection(selection: &Selection, o: &ReportOptions) -> Selection {
    Selection {
        filters: selection.filters.iter().map(|f| o.clean_text(f)).collect(),
        skip: selection.skip.iter().map(|f| o.clean_text(f)).collect(),
        partition: selection.partition.as_deref().map(|p| o.clean_text(p)),
        ..selection.clone()
    }
}

/// The `case_message` line of a failed or ignored test, if it has one.
fn case_message<'a>(
    record: &TestRecord,
    o: &ReportOptions,
    run_id: &'a str,
    elapsed_s: String,
) -> Option<Line<'a>> {
    let (kind, message, leanvibe) = match &record.outcome.status {
        Status::Passed => return None,
        Status::Ignored { reason } => (
            "ignored",
            reason.as_deref().map(|r| o.clean_text(r)),
            Extra::new(run_id),
        ),
        Status::Failed(failure) => (
            "error",
            Some(o.clean_text(&failure.message)),
            Extra {
                failure_kind: Some(failure.kind.as_str()),
                location: failure.location.as_deref().map(|l| o.clean_text(l)),
                // Like libtest, captured output only for failures.
                stdout: (!record.stdout.is_empty()).then(|| o.clean_output(&record.stdout)),
                stderr: (!record.stderr.is_empty()).then(|| o.clean_output(&record.stderr)),
                ..Extra::new(run_id)
            },
        ),
    };
    Some(Line {
        name: Some(o.clean_text(&record.name)),
        kind: Some(kind),
        message,
        leanvibe,
        ..Line::new("case_message", elapsed_s, run_id)
    })
}

/// The `case_complete` line: the verdict and what was measured.
fn case_complete<'a>(
    record: &TestRecord,
    o: &ReportOptions,
    run_id: &'a str,
    elapsed_s: String,
) -> Line<'a> {
    let outcome = &record.outcome;
    let m = &outcome.measurements;
    let mut leanvibe = Extra {
        status: Some(match outcome.status {
            Status::Passed => "passed",
            Status::Failed(_) => "failed",
            Status::Ignored { .. } => "ignored",
        }),
        ..Extra::new(run_id)
    };
    if !matches!(outcome.status, Status::Ignored { .. }) {
        leanvibe.duration_ms = Some(outcome.duration_ms);
        leanvibe.attempts = Some(m.attempts.max(1));
        leanvibe.flaky = record.is_flaky().then_some(true);
        if !m.runs_ms.is_empty() || m.peak_heap_bytes.is_some() || m.peak_rss_bytes.is_some() {
            leanvibe.measurements = Some(Measured {
                peak_heap_bytes: m.peak_heap_bytes,
                peak_rss_bytes: m.peak_rss_bytes,
                runs_ms: m.runs_ms.clone(),
            });
        }
    }
    Line {
        name: Some(o.clean_text(&record.name)),
        leanvibe,
        ..Line::new("case_complete", elapsed_s, run_id)
    }
}

/// The one line that stands for a `cargo nextest run` of this binary (see
/// [`ReportPaths::record_nextest_run`](super::files::ReportPaths::record_nextest_run)):
/// a `discover_start` with `"runner":"nextest"`, and nothing after it.
pub(crate) fn nextest_marker(info: &RunInfo, o: &ReportOptions) -> String {
    let mut line = discover_start(info, o, &info.run_id, "0".to_string());
    line.leanvibe.runner = Some("nextest");
    crate::json::to_string(&line).unwrap_or_default()
}

/// One line of the stream: libtest-json's fields in its order, absent ones
/// omitted, then ours under `leanvibe`.
#[derive(Debug, Serialize)]
struct Line<'a> {
    event: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// `error` or `ignored` (libtest-json's `MessageKind`).
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    elapsed_s: String,
    leanvibe: Extra<'a>,
}

impl<'a> Line<'a> {
    fn new(event: &'static str, elapsed_s: String, run_id: &'a str) -> Self {
        Line {
            event,
            name: None,
            kind: None,
            message: None,
            elapsed_s,
            leanvibe: Extra::new(run_id),
        }
    }
}

/// Our fields of a line, each written only on the events it belongs to.
#[derive(Debug, Default, Serialize)]
struct Extra<'a> {
    /// On every line.
    run_id: &'a str,
    // `discover_start`: the run's facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    runner: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    binary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    selection: Option<Selection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pipeline: Option<String>,
    // `discover_complete` (and `run_complete`'s counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    test_count: Option<usize>,
    // `run_start`.
    #[serde(skip_serializing_if = "Option::is_none")]
    workers: Option<usize>,
    // `case_message` of a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stdout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stderr: Option<String>,
    // `case_complete`.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flaky: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    measurements: Option<Measured>,
    // `run_complete`.
    #[serde(skip_serializing_if = "Option::is_none")]
    completed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_run: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    passed: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ignored: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flaky_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filtered_out: Option<usize>,
}

impl<'a> Extra<'a> {
    fn new(run_id: &'a str) -> Self {
        Extra {
            run_id,
            ..Extra::default()
        }
    }
}

/// A test's `measurements` member (keys in alphabetical order, as readers of
/// earlier streams saw them).
#[derive(Debug, Serialize)]
struct Measured {
    peak_heap_bytes: Option<u64>,
    peak_rss_bytes: Option<u64>,
    runs_ms: Vec<f64>,
}

impl Reporter for EventsReporter {
    fn on_event(&mut self, event: &RunEvent<'_>) -> io::Result<()> {
        if let RunEvent::RunStarted(info) = event {
            self.run_id.clone_from(&info.run_id);
            self.start = Instant::now();
        }
        let (o, run_id, start) = (&self.options, self.run_id.as_str(), self.start);
        let file = &mut self.file;
        let mut write = |line: Line<'_>| -> io::Result<()> {
            crate::json::to_writer(&mut *file, &line)?;
            file.write_all(b"\n")
        };
        let elapsed = || elapsed_since(start);
        match event {
            RunEvent::RunStarted(info) => {
                write(discover_start(info, o, run_id, elapsed()))?;
                for name in &info.tests {
                    write(Line {
                        name: Some(o.clean_text(name)),
                        ..Line::new("discover_case", elapsed(), run_id)
                    })?;
                }
                write(Line {
                    leanvibe: Extra {
                        test_count: Some(info.selected()),
                        filtered_out: Some(info.filtered_out),
                        ..Extra::new(run_id)
                    },
                    ..Line::new("discover_complete", elapsed(), run_id)
                })?;
                write(Line {
                    leanvibe: Extra {
                        workers: Some(info.workers),
                        ..Extra::new(run_id)
                    },
                    ..Line::new("run_start", elapsed(), run_id)
                })?;
            }
            RunEvent::TestStarted { name } => {
                self.open.insert(name.to_string());
                write(Line {
                    name: Some(o.clean_text(name)),
                    ..Line::new("case_start", elapsed(), run_id)
                })?;
            }
            RunEvent::TestFinished(record) => {
                if !self.open.remove(&record.name) {
                    write(Line {
                        name: Some(o.clean_text(&record.name)),
                        ..Line::new("case_start", elapsed(), run_id)
                    })?;
                }
                if let Some(line) = case_message(record, o, run_id, elapsed()) {
                    write(line)?;
                }
                write(case_complete(record, o, run_id, elapsed()))?;
            }
            RunEvent::RunFinished { summary, end, .. } => {
                let (not_run, stop_reason) = match end {
                    RunEnd::Completed => (None, None),
                    RunEnd::Stopped { reason, not_run } => {
                        (Some(*not_run), Some(o.clean_text(reason)))
                    }
                };
                write(Line {
                    leanvibe: Extra {
                        completed: Some(end.is_completed()),
                        not_run,
                        stop_reason,
                        passed: Some(summary.passed),
                        failed: Some(summary.failed),
                        ignored: Some(summary.ignored),
                        flaky_count: Some(summary.flaky),
                        filtered_out: Some(summary.filtered_out),
                        ..Extra::new(run_id)
                    },
                    ..Line::new("run_complete", elapsed(), run_id)
                })?;
            }
        }
        // The start goes to disk at once: it is what tells a reader that
        // this run started, even if it is killed before its first flush
        // (the old JUnit and CTRF files are already gone).
        if let RunEvent::RunStarted(_) | RunEvent::RunFinished { .. } = event {
            self.file.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    fn written_paths(&self) -> Vec<&Path> {
        vec![&self.path]
    }
}

#[cfg(test)]
mod tests {
    //! The stream against libtest-json's own definitions: every line we
    //! write must read as one of its events, with nothing of ours outside
    //! `leanvibe`, and the events must come in the order its readers expect.

    use super::*;
    use crate::record::{Failure, FailureKind, Measurements, TestOutcome};
    use crate::report::RunSummary;
    use serde::Deserialize;
    use std::collections::HashMap;
    use std::time::{Duration, SystemTime};

    /// libtest-json 0.0.2's `Event` (`crates/libtest-json/src/event.rs` in
    /// assert-rs/libtest2), field for field, except that every event also
    /// has our `leanvibe` object and no other field is accepted.
    #[derive(Debug, Deserialize)]
    #[serde(tag = "event", rename_all = "snake_case")]
    enum Event {
        DiscoverStart(DiscoverStart),
        DiscoverCase(DiscoverCase),
        DiscoverComplete(DiscoverComplete),
        RunStart(RunStart),
        CaseStart(CaseStart),
        CaseMessage(CaseMessage),
        CaseComplete(CaseComplete),
        RunComplete(RunComplete),
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct DiscoverStart {
        elapsed_s: Option<Elapsed>,
        leanvibe: Ours,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct DiscoverCase {
        name: String,
        #[serde(default)]
        mode: RunMode,
        #[serde(default = "selected_by_default")]
        selected: bool,
        elapsed_s: Option<Elapsed>,
        leanvibe: Ours,
    }

    fn selected_by_default() -> bool {
        true
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct DiscoverComplete {
        elapsed_s: Option<Elapsed>,
        leanvibe: Ours,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RunStart {
        elapsed_s: Option<Elapsed>,
        leanvibe: Ours,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct CaseStart {
        name: String,
        elapsed_s: Option<Elapsed>,
        leanvibe: Ours,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct CaseMessage {
        name: String,
        kind: MessageKind,
        message: Option<String>,
        elapsed_s: Option<Elapsed>,
        leanvibe: Ours,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct CaseComplete {
        name: String,
        elapsed_s: Option<Elapsed>,
        leanvibe: Ours,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RunComplete {
        elapsed_s: Option<Elapsed>,
        leanvibe: Ours,
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum RunMode {
        #[default]
        Test,
        Bench,
    }

    /// In libtest-json's order, which is its precedence: a case's status
    /// is the greatest kind among its messages.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum MessageKind {
        Error,
        Ignored,
    }

    /// libtest-json's `Elapsed`: seconds as a decimal number in a string.
    #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Deserialize)]
    #[serde(try_from = "String")]
    struct Elapsed(Duration);

    impl TryFrom<String> for Elapsed {
        type Error = String;
        fn try_from(text: String) -> Result<Self, String> {
            let secs: f64 = text.parse().map_err(|e| format!("{text:?}: {e}"))?;
            Duration::try_from_secs_f64(secs)
                .map(Elapsed)
                .map_err(|e| format!("{text:?}: {e}"))
        }
    }

    /// What of `leanvibe` this test needs; the rest is ours to change.
    #[derive(Debug, Deserialize)]
    struct Ours {
        run_id: String,
        status: Option<String>,
    }

    impl Event {
        fn parts(&self) -> (Option<&str>, Option<Elapsed>, &Ours) {
            match self {
                Event::DiscoverStart(e) => (None, e.elapsed_s, &e.leanvibe),
                Event::DiscoverCase(e) => (Some(&e.name), e.elapsed_s, &e.leanvibe),
                Event::DiscoverComplete(e) => (None, e.elapsed_s, &e.leanvibe),
                Event::RunStart(e) => (None, e.elapsed_s, &e.leanvibe),
                Event::CaseStart(e) => (Some(&e.name), e.elapsed_s, &e.leanvibe),
                Event::CaseMessage(e) => (Some(&e.name), e.elapsed_s, &e.leanvibe),
                Event::CaseComplete(e) => (Some(&e.name), e.elapsed_s, &e.leanvibe),
                Event::RunComplete(e) => (None, e.elapsed_s, &e.leanvibe),
            }
        }
    }

    fn record(name: &str, status: Status, attempts: u32) -> TestRecord {
        TestRecord {
            name: name.into(),
            module: String::new(),
            file: "tests/suite.rs".into(),
            line: 1,
            tags: vec![],
            kind: "unit".into(),
            budget: Default::default(),
            outcome: TestOutcome {
                status,
                duration_ms: 2.5,
                measurements: Measurements {
                    attempts,
                    runs_ms: vec![2.5],
                    ..Measurements::default()
                },
                earlier_attempts: vec![],
                extra: Default::default(),
            },
            stdout: b"out".to_vec(),
            stderr: vec![],
        }
    }

    fn failed(message: &str) -> Status {
        Status::Failed(Failure {
            location: Some("tests/suite.rs:3:5".into()),
            ..Failure::new(FailureKind::Panic, message)
        })
    }

    /// A run with every kind of line: tests that overlap, pass, fail, pass
    /// on a retry, are ignored before running or skip while running, one
    /// that finishes without having started, and one that never runs
    /// because the run is stopped.
    fn stream_of_a_stopped_run() -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("suite.events.jsonl");
        let names = [
            "a_passes",
            "b_fails",
            "c_ignored",
            "d_flaky",
            "e_skips",
            "f_lost",
            "g_not_run",
        ];
        let info = RunInfo {
            run_id: "0123456789abcdef0123456789abcdef".into(),
            binary_name: "suite".into(),
            tests: names.iter().map(|n| n.to_string()).collect(),
            filtered_out: 2,
            partitioned_out: 0,
            started_at: SystemTime::now(),
            selection: Selection {
                filters: vec!["_".into()],
                ..Selection::default()
            },
            workers: 2,
            pipeline: Some("ci-42".into()),
        };
        let ignored = |reason: Option<&str>| Status::Ignored {
            reason: reason.map(str::to_string),
        };
        let records = HashMap::from([
            ("a_passes", record("a_passes", Status::Passed, 1)),
            ("b_fails", record("b_fails", failed("boom"), 1)),
            ("c_ignored", record("c_ignored", ignored(Some("later")), 0)),
            ("d_flaky", record("d_flaky", Status::Passed, 2)),
            ("e_skips", record("e_skips", ignored(None), 1)),
            ("f_lost", record("f_lost", failed("not run: no worker"), 1)),
        ]);
        let mut sink = EventsReporter::new(path.clone(), ReportOptions::default()).unwrap();
        let mut summary = RunSummary {
            filtered_out: 2,
            ..RunSummary::default()
        };
        let mut emit = |event: RunEvent<'_>| sink.on_event(&event).unwrap();
        emit(RunEvent::RunStarted(&info));
        let mut finish = |name: &str, emit: &mut dyn FnMut(RunEvent<'_>)| {
            summary.count(&records[name]);
            emit(RunEvent::TestFinished(&records[name]));
        };
        finish("c_ignored", &mut emit);
        emit(RunEvent::TestStarted { name: "a_passes" });
        emit(RunEvent::TestStarted { name: "b_fails" });
        finish("b_fails", &mut emit);
        finish("a_passes", &mut emit);
        for name in ["d_flaky", "e_skips"] {
            emit(RunEvent::TestStarted { name });
            finish(name, &mut emit);
        }
        finish("f_lost", &mut emit);
        emit(RunEvent::RunFinished {
            summary: &summary,
            elapsed_s: 0.5,
            end: &RunEnd::Stopped {
                reason: "interrupted by SIGTERM".into(),
                not_run: 1,
            },
        });
        sink.flush().unwrap();
        std::fs::read_to_string(&path).unwrap()
    }

    /// Where a case is in libtest-json's order.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Case {
        Discovered,
        Started,
        Completed,
    }

    #[test]
    fn every_line_is_a_libtest_json_event_in_its_order() {
        let text = stream_of_a_stopped_run();
        let events: Vec<Event> = text
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a libtest-json event ({e}): {line}"))
            })
            .collect();

        // discover_start, discover_case*, discover_complete, run_start,
        // then the cases, then run_complete.
        let phases: Vec<&str> = events
            .iter()
            .map(|e| match e {
                Event::DiscoverStart(_) => "discover_start",
                Event::DiscoverCase(_) => "discover_case",
                Event::DiscoverComplete(_) => "discover_complete",
                Event::RunStart(_) => "run_start",
                Event::CaseStart(_) | Event::CaseMessage(_) | Event::CaseComplete(_) => "case",
                Event::RunComplete(_) => "run_complete",
            })
            .collect();
        let mut expected = vec!["discover_start"];
        expected.extend(["discover_case"; 7]);
        expected.extend(["discover_complete", "run_start"]);
        expected.extend(vec!["case"; phases.len() - expected.len() - 1]);
        expected.push("run_complete");
        assert_eq!(phases, expected, "{text}");

        // Per case: discovered, started, messages, completed, each once.
        // The status a libtest-json reader infers from the messages is the
        // one we write under `leanvibe`.
        let mut cases: HashMap<&str, (Case, Option<MessageKind>)> = HashMap::new();
        for event in &events {
            match event {
                Event::DiscoverCase(e) => {
                    assert_eq!((e.mode == RunMode::Test, e.selected), (true, true));
                    let fresh = cases.insert(&e.name, (Case::Discovered, None));
                    assert!(fresh.is_none(), "{} discovered twice", e.name);
                }
                Event::CaseStart(e) => {
                    let case = cases.get_mut(e.name.as_str()).expect("a discovered case");
                    assert_eq!(case.0, Case::Discovered, "{} started twice", e.name);
                    case.0 = Case::Started;
                }
                Event::CaseMessage(e) => {
                    let case = cases.get_mut(e.name.as_str()).expect("a discovered case");
                    assert_eq!(
                        case.0,
                        Case::Started,
                        "{}: a message outside its case",
                        e.name
                    );
                    // As libtest2's summary decides (`find_run_status`).
                    case.1 = case.1.max(Some(e.kind));
                    if e.kind == MessageKind::Error {
                        assert!(e.message.as_deref().is_some_and(|m| !m.is_empty()));
                    }
                }
                Event::CaseComplete(e) => {
                    let case = cases.get_mut(e.name.as_str()).expect("a discovered case");
                    assert_eq!(case.0, Case::Started, "{} completed unstarted", e.name);
                    case.0 = Case::Completed;
                    let inferred = match case.1 {
                        None => "passed",
                        Some(MessageKind::Error) => "failed",
                        Some(MessageKind::Ignored) => "ignored",
                    };
                    assert_eq!(e.leanvibe.status.as_deref(), Some(inferred), "{}", e.name);
                }
                _ => {}
            }
        }
        let mut states: Vec<(&str, Case, Option<MessageKind>)> =
            cases.into_iter().map(|(n, (c, k))| (n, c, k)).collect();
        states.sort_by_key(|s| s.0);
        use Case::*;
        use MessageKind::*;
        assert_eq!(
            states,
            [
                ("a_passes", Completed, None),
                ("b_fails", Completed, Some(Error)),
                ("c_ignored", Completed, Some(Ignored)),
                ("d_flaky", Completed, None),
                ("e_skips", Completed, Some(Ignored)),
                ("f_lost", Completed, Some(Error)),
                ("g_not_run", Discovered, None),
            ]
        );

        // Every line: our run id, and a clock that never goes back.
        let mut last = Duration::ZERO;
        for event in &events {
            let (name, elapsed_s, ours) = event.parts();
            assert_eq!(ours.run_id, "0123456789abcdef0123456789abcdef", "{name:?}");
            let Elapsed(elapsed) = elapsed_s.expect("every line has elapsed_s");
            assert!(elapsed >= last, "{name:?}: {elapsed:?} before {last:?}");
            last = elapsed;
        }
    }

    #[test]
    fn our_fields_sit_under_leanvibe_on_the_events_they_describe() {
        let text = stream_of_a_stopped_run();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let find = |event: &str, name: Option<&str>| {
            lines
                .iter()
                .find(|l| l["event"] == event && name.is_none_or(|n| l["name"] == n))
                .unwrap_or_else(|| panic!("no {event} {name:?} in\n{text}"))
        };
        let start = &find("discover_start", None)["leanvibe"];
        assert_eq!(
            (
                &start["binary"],
                &start["pipeline"],
                &start["selection"]["filters"][0]
            ),
            (&"suite".into(), &"ci-42".into(), &"_".into())
        );
        assert!(
            start["timestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        let discovered = &find("discover_complete", None)["leanvibe"];
        assert_eq!(
            (&discovered["test_count"], &discovered["filtered_out"]),
            (&7.into(), &2.into())
        );
        assert_eq!(find("run_start", None)["leanvibe"]["workers"], 2);

        let failure = find("case_message", Some("b_fails"));
        assert_eq!(
            (&failure["kind"], &failure["message"]),
            (&"error".into(), &"boom".into())
        );
        let ours = &failure["leanvibe"];
        assert_eq!(
            (&ours["failure_kind"], &ours["location"], &ours["stdout"]),
            (&"panic".into(), &"tests/suite.rs:3:5".into(), &"out".into())
        );
        let skipped = find("case_message", Some("c_ignored"));
        assert_eq!(
            (&skipped["kind"], &skipped["message"]),
            (&"ignored".into(), &"later".into())
        );
        assert!(
            find("case_message", Some("e_skips"))
                .get("message")
                .is_none()
        );

        let flaky = &find("case_complete", Some("d_flaky"))["leanvibe"];
        assert_eq!(
            (&flaky["attempts"], &flaky["flaky"]),
            (&2.into(), &true.into())
        );
        assert_eq!(flaky["measurements"]["runs_ms"][0], 2.5);
        assert_eq!(
            find("case_complete", Some("b_fails"))["leanvibe"]["duration_ms"],
            2.5
        );

        let end = &find("run_complete", None)["leanvibe"];
        assert_eq!(
            (&end["completed"], &end["not_run"]),
            (&false.into(), &1.into())
        );
        assert_eq!(end["stop_reason"], "interrupted by SIGTERM");
        let counts = [
            ("passed", 2),
            ("failed", 2),
            ("ignored", 2),
            ("flaky_count", 1),
            ("filtered_out", 2),
        ];
        for (key, count) in counts {
            assert_eq!(end[key], count, "{key}");
        }
    }

    #[test]
    fn the_nextest_marker_is_a_discover_start_alone() {
        let info = RunInfo {
            run_id: "nextest-run".into(),
            binary_name: "suite".into(),
            tests: vec!["a".into()],
            filtered_out: 0,
            partitioned_out: 0,
            started_at: SystemTime::now(),
            selection: Selection::default(),
            workers: 0,
            pipeline: None,
        };
        let line = nextest_marker(&info, &ReportOptions::default());
        let Event::DiscoverStart(start) = serde_json::from_str(&line).unwrap() else {
            panic!("{line}");
        };
        assert_eq!(start.leanvibe.run_id, "nextest-run");
        assert!(line.contains(r#""runner":"nextest""#), "{line}");
    }
}
