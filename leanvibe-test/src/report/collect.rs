//! Builds the [`CtrfReport`] model from run events, cleaning every string on
//! the way in. The CTRF and JUnit sinks both hold one [`Collector`].

use super::ctrf::*;
use super::{ReportOptions, RunEnd, RunEvent, RunInfo};
use crate::json::{Map, Value};
use crate::record::{FailureKind, Status, TestRecord};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (0 before it).
pub(crate) fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Accumulates cleaned test entries; returns the finished document at
/// [`RunEvent::RunFinished`].
#[derive(Debug)]
pub(crate) struct Collector {
    options: ReportOptions,
    run: RunExtra,
    shard_id: Option<String>,
    start_ms: u64,
    started: HashMap<String, u64>,
    tests: Vec<CtrfTest>,
    /// Cleaned forms of strings many tests share (files, modules, kinds,
    /// tags): cleaning means a scan for credentials, worth doing once.
    cleaned: HashMap<String, String>,
}

impl Collector {
    pub(crate) fn new(options: ReportOptions) -> Self {
        Collector {
            options,
            run: RunExtra {
                schema: EXTRA_SCHEMA,
                binary: "tests".into(),
                ..RunExtra::default()
            },
            shard_id: None,
            start_ms: epoch_ms(SystemTime::now()),
            started: HashMap::new(),
            tests: Vec::new(),
            cleaned: HashMap::new(),
        }
    }

    pub(crate) fn on_event(&mut self, event: &RunEvent<'_>) -> Option<CtrfReport> {
        match event {
            RunEvent::RunStarted(info) => self.start(info),
            RunEvent::TestStarted { name } => {
                self.started
                    .insert((*name).to_owned(), epoch_ms(SystemTime::now()));
            }
            RunEvent::TestFinished(record) => {
                let test = self.test_entry(record);
                self.tests.push(test);
            }
            RunEvent::RunFinished { end, .. } => {
                self.run.completed = end.is_completed();
                if let RunEnd::Stopped { reason, not_run } = end {
                    self.run.not_run = *not_run as u64;
                    self.run.stop_reason = Some(self.options.clean_text(reason));
                }
                return Some(self.finish());
            }
        }
        None
    }

    fn start(&mut self, info: &RunInfo) {
        self.start_ms = epoch_ms(info.started_at);
        self.run.binary = self.options.clean_text(&info.binary_name);
        self.run.hostname = Some(self.options.clean_text(&hostname()));
        self.run.run_id = info.run_id.clone();
        self.run.pipeline = info.pipeline.as_deref().map(|p| self.options.clean_text(p));
        self.run.commit =
            crate::ci_env::commit(&crate::ci_env::process_env).map(|c| self.options.clean_text(&c));
        self.run.filtered_out = info.filtered_out as u64;
        self.run.partitioned_out = info.partitioned_out as u64;
        self.run.workers = info.workers as u64;
        let selection = &info.selection;
        self.run.selection = super::Selection {
            filters: selection
                .filters
                .iter()
                .map(|f| self.options.clean_text(f))
                .collect(),
            skip: selection
                .skip
                .iter()
                .map(|f| self.options.clean_text(f))
                .collect(),
            partition: selection
                .partition
                .as_deref()
                .map(|p| self.options.clean_text(p)),
            ..selection.clone()
        };
        self.shard_id = selection
            .partition
            .as_deref()
            .map(|p| self.options.clean_text(p));
        self.run.partition = selection.partition.as_deref().and_then(|p| p.parse().ok());
    }

    /// [`ReportOptions::clean_text`] for strings that repeat across tests.
    fn clean_shared(&mut self, text: &str) -> String {
        if let Some(clean) = self.cleaned.get(text) {
            return clean.clone();
        }
        let clean = self.options.clean_text(text);
        self.cleaned.insert(text.to_owned(), clean.clone());
        clean
    }

    fn test_entry(&mut self, record: &TestRecord) -> CtrfTest {
        let mut suite = vec![self.run.binary.clone()];
        for module in record.module.split("::").filter(|m| !m.is_empty()) {
            suite.push(self.clean_shared(module));
        }
        let tags: Vec<String> = record.tags.iter().map(|t| self.clean_shared(t)).collect();
        let kind = (!record.kind.is_empty()).then(|| self.clean_shared(&record.kind));
        let file_path = (!record.file.is_empty()).then(|| self.clean_shared(&record.file));
        let o = &self.options;
        let outcome = &record.outcome;
        let attempts = outcome.measurements.attempts.max(1);
        // The headline is the failure's first line (the assertion, the
        // error), never a bare location: it is all many CI pages show.
        let (status, failure_kind, message, trace) = match &outcome.status {
            Status::Passed => (CtrfStatus::Passed, None, None, None),
            Status::Failed(f) => {
                let full = o.clean_text(&f.full_text());
                let headline = o.clean_text(f.headline());
                let trace = (full != headline).then_some(full);
                (
                    CtrfStatus::Failed,
                    Some(f.kind.as_str().to_owned()),
                    Some(headline),
                    trace,
                )
            }
            Status::Ignored { reason } => (
                CtrfStatus::Skipped,
                None,
                reason.as_deref().map(|r| o.clean_text(r)),
                None,
            ),
        };
        let retry_attempts = if attempts > 1 {
            self.retry_attempts(record, message.clone(), trace.clone())
        } else {
            Vec::new()
        };
        let ours = TestExtra {
            schema: EXTRA_SCHEMA,
            failure_kind,
            attempts,
            budget: without_nulls(crate::json::to_value(&record.budget).unwrap_or_default()),
            measurements: measurements(record),
            // One run's statistics would only repeat `runs_ms`.
            stats: (outcome.measurements.runs_ms.len() > 1)
                .then(|| crate::budget::stats::SampleStats::of(&outcome.measurements.runs_ms))
                .flatten(),
        };
        let mut extra = Map::new();
        extra.insert(
            EXTRA_KEY.into(),
            crate::json::to_value(&ours).unwrap_or_default(),
        );
        for (topic, value) in &outcome.extra {
            if topic != EXTRA_KEY {
                extra.insert(o.clean_text(topic), clean_json(value, o));
            }
        }
        let stop = epoch_ms(SystemTime::now());
        CtrfTest {
            name: o.clean_text(&record.name),
            status,
            duration: ms(outcome.duration_ms),
            start: self.started.remove(&record.name),
            stop: Some(stop),
            suite,
            message,
            trace,
            line: (record.line > 0).then_some(record.line),
            tags,
            kind,
            file_path,
            retries: (attempts > 1).then_some(attempts - 1),
            retry_attempts,
            flaky: record.is_flaky().then_some(true),
            stdout: lines(o.clean_output(&record.stdout)),
            stderr: lines(o.clean_output(&record.stderr)),
            extra,
        }
    }

    /// `retryAttempts`: each earlier attempt with its failure and output,
    /// then the last, whose output is the test's own.
    fn retry_attempts(
        &self,
        record: &TestRecord,
        last_message: Option<String>,
        last_trace: Option<String>,
    ) -> Vec<CtrfAttempt> {
        let o = &self.options;
        let outcome = &record.outcome;
        let earlier = &outcome.earlier_attempts;
        let kind_extra = |kind: &str| {
            let mut ours = Map::new();
            ours.insert("failureKind".into(), Value::String(kind.to_owned()));
            let mut extra = Map::new();
            extra.insert(EXTRA_KEY.into(), Value::Object(ours));
            extra
        };
        let mut attempts: Vec<CtrfAttempt> = earlier
            .iter()
            .zip(1..)
            .map(|(attempt, number)| {
                let f = &attempt.failure;
                let full = o.clean_text(&f.full_text());
                let headline = o.clean_text(f.headline());
                CtrfAttempt {
                    attempt: number,
                    status: CtrfStatus::Failed,
                    duration: Some(ms(attempt.duration_ms)),
                    trace: (full != headline).then_some(full),
                    message: Some(headline),
                    stdout: lines(o.clean_output(&attempt.stdout)),
                    stderr: lines(o.clean_output(&attempt.stderr)),
                    extra: kind_extra(f.kind.as_str()),
                }
            })
            .collect();
        let earlier_ms: f64 = earlier.iter().map(|a| a.duration_ms).sum();
        let duration = Some(ms((outcome.duration_ms - earlier_ms).max(0.0)));
        let number = outcome.measurements.attempts.max(earlier.len() as u32 + 1);
        let last = match &outcome.status {
            // A flaky test that the run failed (`--flaky-result fail`) did
            // pass its last attempt.
            Status::Failed(f) if f.kind != FailureKind::Flaky => CtrfAttempt {
                attempt: number,
                status: CtrfStatus::Failed,
                duration,
                message: last_message,
                trace: last_trace,
                stdout: Vec::new(),
                stderr: Vec::new(),
                extra: kind_extra(f.kind.as_str()),
            },
            // A skip on a retry (`leanvibe_test::skip`) is the last attempt.
            Status::Ignored { .. } => CtrfAttempt {
                attempt: number,
                status: CtrfStatus::Skipped,
                duration,
                message: last_message,
                trace: None,
                stdout: Vec::new(),
                stderr: Vec::new(),
                extra: Map::new(),
            },
            _ => CtrfAttempt {
                attempt: number,
                status: CtrfStatus::Passed,
                duration,
                message: None,
                trace: None,
                stdout: Vec::new(),
                stderr: Vec::new(),
                extra: Map::new(),
            },
        };
        attempts.push(last);
        attempts
    }

    fn finish(&mut self) -> CtrfReport {
        let stop = epoch_ms(SystemTime::now()).max(self.start_ms);
        let tests = std::mem::take(&mut self.tests);
        let mut extra = Map::new();
        extra.insert(
            EXTRA_KEY.into(),
            crate::json::to_value(&self.run).unwrap_or_default(),
        );
        CtrfReport {
            report_format: "CTRF".into(),
            spec_version: SPEC_VERSION.into(),
            timestamp: Some(humantime::format_rfc3339_millis(SystemTime::now()).to_string()),
            generated_by: Some(format!("leanvibe-test {}", env!("CARGO_PKG_VERSION"))),
            results: CtrfResults {
                tool: tool(),
                summary: summarize(&tests, self.start_ms, stop, 1),
                tests,
                environment: Some(CtrfEnvironment {
                    report_name: Some(self.run.binary.clone()),
                    os_platform: Some(std::env::consts::OS.into()),
                    shard_id: self.shard_id.clone(),
                }),
            },
            extra,
        }
    }
}

/// `results.tool` for reports we write.
pub(crate) fn tool() -> CtrfTool {
    CtrfTool {
        name: "leanvibe-test".into(),
        version: Some(env!("CARGO_PKG_VERSION").into()),
    }
}

/// Counts `tests` by status.
pub(crate) fn summarize(tests: &[CtrfTest], start: u64, stop: u64, suites: u64) -> CtrfSummary {
    let mut summary = CtrfSummary {
        tests: tests.len() as u64,
        start,
        stop,
        duration: Some(stop.saturating_sub(start)),
        suites: Some(suites),
        flaky: Some(tests.iter().filter(|t| t.flaky == Some(true)).count() as u64),
        ..CtrfSummary::default()
    };
    for test in tests {
        match test.status {
            CtrfStatus::Passed => summary.passed += 1,
            CtrfStatus::Failed => summary.failed += 1,
            CtrfStatus::Skipped => summary.skipped += 1,
            CtrfStatus::Pending => summary.pending += 1,
            CtrfStatus::Other => summary.other += 1,
        }
    }
    summary
}

/// Milliseconds as CTRF's integer, never negative.
fn ms(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        value.round() as u64
    } else {
        0
    }
}

fn measurements(record: &TestRecord) -> Map {
    let m = &record.outcome.measurements;
    let mut map = Map::new();
    if !m.runs_ms.is_empty() {
        map.insert(
            "runs_ms".into(),
            crate::json::to_value(&m.runs_ms).unwrap_or_default(),
        );
    }
    if let Some(bytes) = m.peak_heap_bytes {
        map.insert("peak_heap_bytes".into(), bytes.into());
    }
    if let Some(bytes) = m.peak_rss_bytes {
        map.insert("peak_rss_bytes".into(), bytes.into());
    }
    map
}

fn without_nulls(value: Value) -> Map {
    match value {
        Value::Object(map) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => Map::new(),
    }
}

/// Cleans every string (keys included) inside data a test attached.
fn clean_json(value: &Value, options: &ReportOptions) -> Value {
    match value {
        Value::String(s) => Value::String(options.clean_text(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| clean_json(v, options)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (options.clean_text(k), clean_json(v, options)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// CTRF stores output as lines; a final newline does not add an empty one.
fn lines(text: String) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let body = text.strip_suffix('\n').unwrap_or(&text);
    body.split('\n').map(str::to_owned).collect()
}

/// This machine's name, as `hostname` prints it.
fn hostname() -> String {
    let mut name = [0u8; 256];
    // SAFETY: the buffer is valid for its length; on success the name is
    // NUL-terminated unless it was truncated, which the search allows for.
    let ok = unsafe { libc::gethostname(name.as_mut_ptr().cast(), name.len()) } == 0;
    let len = if ok {
        name.iter().position(|&b| b == 0).unwrap_or(name.len())
    } else {
        0
    };
    String::from_utf8_lossy(&name[..len]).into_owned()
}
