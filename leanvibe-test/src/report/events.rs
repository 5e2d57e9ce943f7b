//! The streaming event log: one JSON object per line, written and flushed as
//! each event happens, so a run that is killed still leaves a readable record
//! up to that point. The line format follows libtest's `--format json`:
//!
//! ```text
//! {"type":"suite","event":"started","test_count":3,"binary":"suite",...}
//! {"type":"test","event":"started","name":"unit::adds"}
//! {"type":"test","event":"ok","name":"unit::adds","exec_time":0.001,...}
//! {"type":"test","event":"failed","name":"unit::breaks","failure_kind":"panic","message":"...",...}
//! {"type":"test","event":"ignored","name":"unit::later","message":"reason"}
//! {"type":"suite","event":"failed","passed":1,"failed":1,"ignored":1,...}
//! ```
//!
//! Unlike the JUnit and CTRF files this one cannot be written atomically: it
//! grows line by line. Each line goes to the file in a single `write` call.

use super::{Event, ReportOptions, Reporter};
use crate::record::Status;
use serde_json::{Map, Value, json};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `<binary>.events.jsonl` as the run goes.
///
/// ```
/// use leanvibe_test::report::{Event, ReportOptions, Reporter, events::EventsReporter};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("suite.events.jsonl");
/// let mut sink = EventsReporter::new(path.clone(), ReportOptions::default()).unwrap();
/// sink.on_event(&Event::TestStarted { name: "a" }).unwrap();
/// let text = std::fs::read_to_string(&path).unwrap();
/// assert_eq!(text, "{\"type\":\"test\",\"event\":\"started\",\"name\":\"a\"}\n");
/// ```
#[derive(Debug)]
pub struct EventsReporter {
    path: PathBuf,
    file: File,
    options: ReportOptions,
}

impl EventsReporter {
    /// Creates (or truncates) the file at `path`, and its directory.
    ///
    /// ```
    /// # use leanvibe_test::report::{ReportOptions, Reporter, events::EventsReporter};
    /// let dir = tempfile::tempdir().unwrap();
    /// let sink = EventsReporter::new(dir.path().join("a/b.events.jsonl"), ReportOptions::default()).unwrap();
    /// assert!(sink.written_path().unwrap().exists());
    /// ```
    pub fn new(path: PathBuf, options: ReportOptions) -> io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = File::create(&path)?;
        Ok(EventsReporter {
            path,
            file,
            options,
        })
    }

    fn line(&self, event: &Event<'_>) -> Value {
        let o = &self.options;
        match event {
            Event::RunStarted(info) => json!({
                "type": "suite",
                "event": "started",
                "test_count": info.selected,
                "binary": o.clean_text(&info.binary_name),
                "filtered_out": info.filtered_out,
                "partition": info.partition.as_deref().map(|p| o.clean_text(p)),
                "workers": info.workers,
                "timestamp": humantime::format_rfc3339_millis(info.started_at).to_string(),
            }),
            Event::TestStarted { name } => {
                json!({"type": "test", "event": "started", "name": o.clean_text(name)})
            }
            Event::TestFinished(record) => {
                let outcome = &record.outcome;
                let mut line = Map::new();
                line.insert("type".into(), "test".into());
                let event = match &outcome.status {
                    Status::Passed => "ok",
                    Status::Failed(_) => "failed",
                    Status::Ignored { .. } => "ignored",
                };
                line.insert("event".into(), event.into());
                line.insert("name".into(), o.clean_text(&record.name).into());
                if let Status::Ignored { reason } = &outcome.status {
                    if let Some(reason) = reason {
                        line.insert("message".into(), o.clean_text(reason).into());
                    }
                    return Value::Object(line);
                }
                line.insert("exec_time".into(), json!(outcome.duration_ms / 1000.0));
                line.insert("duration_ms".into(), json!(outcome.duration_ms));
                let m = &outcome.measurements;
                line.insert("attempts".into(), m.attempts.max(1).into());
                if record.is_flaky() {
                    line.insert("flaky".into(), true.into());
                }
                if !m.runs_ms.is_empty()
                    || m.peak_heap_bytes.is_some()
                    || m.peak_rss_bytes.is_some()
                {
                    line.insert(
                        "measurements".into(),
                        json!({
                            "runs_ms": m.runs_ms,
                            "peak_heap_bytes": m.peak_heap_bytes,
                            "peak_rss_bytes": m.peak_rss_bytes,
                        }),
                    );
                }
                if let Status::Failed(failure) = &outcome.status {
                    line.insert("failure_kind".into(), failure.kind.as_str().into());
                    line.insert("message".into(), o.clean_text(&failure.message).into());
                    // Like libtest, captured output only for failures.
                    if !record.stdout.is_empty() {
                        line.insert("stdout".into(), o.clean_output(&record.stdout).into());
                    }
                    if !record.stderr.is_empty() {
                        line.insert("stderr".into(), o.clean_output(&record.stderr).into());
                    }
                }
                Value::Object(line)
            }
            Event::RunFinished { summary, elapsed_s } => json!({
                "type": "suite",
                "event": if summary.failed == 0 { "ok" } else { "failed" },
                "passed": summary.passed,
                "failed": summary.failed,
                "ignored": summary.ignored,
                "measured": 0,
                "filtered_out": summary.filtered_out,
                "flaky": summary.flaky,
                "exec_time": elapsed_s,
            }),
        }
    }
}

impl Reporter for EventsReporter {
    fn on_event(&mut self, event: &Event<'_>) -> io::Result<()> {
        let mut bytes = serde_json::to_vec(&self.line(event))?;
        bytes.push(b'\n');
        self.file.write_all(&bytes)?;
        self.file.flush()
    }

    fn written_path(&self) -> Option<&Path> {
        Some(&self.path)
    }
}
