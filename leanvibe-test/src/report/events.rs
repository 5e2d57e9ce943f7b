//! The streaming event log: one JSON object per line, written and flushed as
//! each event happens, so a run that is killed still leaves a readable record
//! up to that point. The line format follows libtest's `--format json`:
//!
//! ```text
//! {"type":"suite","event":"started","run_id":"9f2c...","test_count":3,"binary":"suite",...}
//! {"type":"test","event":"started","name":"unit::adds"}
//! {"type":"test","event":"ok","name":"unit::adds","exec_time":0.001,...}
//! {"type":"test","event":"failed","name":"unit::breaks","failure_kind":"panic","message":"...",...}
//! {"type":"test","event":"ignored","name":"unit::later","message":"reason"}
//! {"type":"suite","event":"failed","run_id":"9f2c...","completed":true,"passed":1,"failed":1,"ignored":1,...}
//! ```
//!
//! Every line of the suite carries the run id; the last one says whether
//! the run `completed` (every selected test ran) and, if not, why
//! (`stop_reason`) and how many tests did not run (`not_run`). A stream that
//! ends without a `suite` end line belongs to a run that was killed.
//!
//! Unlike the JUnit and CTRF files this one cannot be written atomically: it
//! grows line by line. Lines are buffered and written out whole when the
//! runner calls [`Reporter::flush`] (whenever it is about to wait) and at the
//! end of the run.

use super::{ReportOptions, Reporter, RunEnd, RunEvent, RunInfo, Selection};
use crate::record::Status;
use serde::Serialize;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `<binary>.events.jsonl` as the run goes.
///
/// ```
/// use leanvibe_test::report::{RunEvent, ReportOptions, Reporter, events::EventsReporter};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("suite.events.jsonl");
/// let mut sink = EventsReporter::new(path.clone(), ReportOptions::default()).unwrap();
/// sink.on_event(&RunEvent::TestStarted { name: "a" }).unwrap();
/// sink.flush().unwrap(); // the runner does this whenever it waits
/// let text = std::fs::read_to_string(&path).unwrap();
/// assert_eq!(text, "{\"type\":\"test\",\"event\":\"started\",\"name\":\"a\"}\n");
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
        })
    }

    fn line(&mut self, event: &RunEvent<'_>) -> Line {
        if let RunEvent::RunStarted(info) = event {
            self.run_id = info.run_id.clone();
        }
        let o = &self.options;
        match event {
            RunEvent::RunStarted(info) => started_line(info, o),
            RunEvent::TestStarted { name } => Line {
                kind: "test",
                event: "started",
                name: Some(o.clean_text(name)),
                ..Line::default()
            },
            RunEvent::TestFinished(record) => {
                let outcome = &record.outcome;
                let m = &outcome.measurements;
                let mut line = Line {
                    kind: "test",
                    event: match &outcome.status {
                        Status::Passed => "ok",
                        Status::Failed(_) => "failed",
                        Status::Ignored { .. } => "ignored",
                    },
                    name: Some(o.clean_text(&record.name)),
                    ..Line::default()
                };
                if let Status::Ignored { reason } = &outcome.status {
                    line.message = reason.as_deref().map(|r| o.clean_text(r));
                    return line;
                }
                line.exec_time = Some(outcome.duration_ms / 1000.0);
                line.duration_ms = Some(outcome.duration_ms);
                line.attempts = Some(m.attempts.max(1));
                line.flaky = record.is_flaky().then_some(true);
                if !m.runs_ms.is_empty()
                    || m.peak_heap_bytes.is_some()
                    || m.peak_rss_bytes.is_some()
                {
                    line.measurements = Some(Measured {
                        peak_heap_bytes: m.peak_heap_bytes,
                        peak_rss_bytes: m.peak_rss_bytes,
                        runs_ms: m.runs_ms.clone(),
                    });
                }
                if let Status::Failed(failure) = &outcome.status {
                    line.failure_kind = Some(failure.kind.as_str());
                    line.message = Some(o.clean_text(&failure.message));
                    line.location = failure.location.as_deref().map(|l| o.clean_text(l));
                    // Like libtest, captured output only for failures.
                    line.stdout =
                        (!record.stdout.is_empty()).then(|| o.clean_output(&record.stdout));
                    line.stderr =
                        (!record.stderr.is_empty()).then(|| o.clean_output(&record.stderr));
                }
                line
            }
            RunEvent::RunFinished {
                summary,
                elapsed_s,
                end,
            } => {
                let (not_run, stop_reason) = match end {
                    RunEnd::Completed => (None, None),
                    RunEnd::Stopped { reason, not_run } => {
                        (Some(*not_run), Some(o.clean_text(reason)))
                    }
                };
                Line {
                    kind: "suite",
                    event: if summary.failed == 0 && end.is_completed() {
                        "ok"
                    } else {
                        "failed"
                    },
                    run_id: Some(self.run_id.clone()),
                    completed: Some(end.is_completed()),
                    not_run,
                    stop_reason,
                    passed: Some(summary.passed),
                    failed: Some(summary.failed),
                    ignored: Some(summary.ignored),
                    measured: Some(0),
                    filtered_out: Some(summary.filtered_out),
                    flaky_count: Some(summary.flaky),
                    exec_time: Some(*elapsed_s),
                    ..Line::default()
                }
            }
        }
    }
}

/// The `suite started` line.
fn started_line(info: &RunInfo, o: &ReportOptions) -> Line {
    Line {
        kind: "suite",
        event: "started",
        run_id: Some(info.run_id.clone()),
        test_count: Some(info.selected),
        binary: Some(o.clean_text(&info.binary_name)),
        filtered_out: Some(info.filtered_out),
        selection: (info.selection != Selection::default())
            .then(|| clean_selection(&info.selection, o)),
        workers: Some(info.workers),
        timestamp: Some(humantime::format_rfc3339_millis(info.started_at).to_string()),
        ..Line::default()
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

/// The one line that stands for a `cargo nextest run` of this binary (see
/// [`ReportPaths::record_nextest_run`](super::files::ReportPaths::record_nextest_run)).
pub(crate) fn nextest_marker(info: &RunInfo, o: &ReportOptions) -> String {
    let line = Line {
        runner: Some("nextest"),
        ..started_line(info, o)
    };
    crate::json::to_string(&line).unwrap_or_default()
}

/// One line of the stream; fields in libtest's order, absent ones omitted.
#[derive(Debug, Default, Serialize)]
struct Line {
    #[serde(rename = "type")]
    kind: &'static str,
    event: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    runner: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_run: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    binary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    selection: Option<Selection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workers: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    passed: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ignored: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    measured: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filtered_out: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exec_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flaky: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flaky_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    measurements: Option<Measured>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stdout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stderr: Option<String>,
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
        let line = self.line(event);
        crate::json::to_writer(&mut self.file, &line)?;
        self.file.write_all(b"\n")?;
        // The first line goes to disk at once: it is what tells a reader
        // that this run started, even if it is killed before its first
        // flush (the old JUnit and CTRF files are already gone).
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
