//! libtest-style console output: `test name ... ok` lines (or terse dots),
//! the failures section with captured output, and libtest's summary line.
//! A live progress line goes to stderr when it is a terminal.

use super::stdio::{RawStderr, RawStdout};
use super::{Reporter, RunEnd, RunEvent, RunInfo, RunSummary};
use crate::cli::Format;
use crate::record::{FailureKind, Status, TestRecord};
use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

/// How the console prints.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// `pretty` or `terse`.
    pub format: Format,
    /// Use ANSI colours.
    pub color: bool,
    /// Show captured output of passing tests too (`--show-output`).
    pub show_output: bool,
    /// Draw a live progress line on stderr (a terminal, and not `--nocapture`).
    pub progress: bool,
    /// Show the tests closest to their budgets at the end.
    pub show_budgets: bool,
    /// Replace credentials in output and messages with `[REDACTED:<kind>]`.
    pub redact: bool,
    /// Captured output shown per stream and test, head and tail kept.
    pub output_cap: usize,
}

/// Prints a run the way libtest does.
pub struct Console {
    options: ConsoleOptions,
    /// Buffered: a line per test as a separate write is most of the console's
    /// cost in a large suite. Flushed when the runner waits and at the end.
    out: io::BufWriter<RawStdout>,
    total: usize,
    done: usize,
    failed_so_far: usize,
    terse_column: usize,
    failures: Vec<TestRecord>,
    successes_with_output: Vec<TestRecord>,
    flaky: Vec<TestRecord>,
    near_budget: Vec<(f64, String)>,
    started: Instant,
    progress_drawn: bool,
    last_draw: Option<Instant>,
    running: Option<String>,
}

/// libtest's terse format breaks its line of dots every 88 tests.
const TERSE_WIDTH: usize = 88;

impl Console {
    /// A console reporter writing to standard output.
    pub fn new(options: ConsoleOptions) -> Console {
        Console {
            options,
            out: io::BufWriter::with_capacity(64 * 1024, RawStdout),
            total: 0,
            done: 0,
            failed_so_far: 0,
            terse_column: 0,
            failures: Vec::new(),
            successes_with_output: Vec::new(),
            flaky: Vec::new(),
            near_budget: Vec::new(),
            started: Instant::now(),
            progress_drawn: false,
            last_draw: None,
            running: None,
        }
    }

    fn paint(&self, text: &str, color: &str) -> String {
        if self.options.color {
            format!("\x1b[{color}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn run_started(&mut self, info: &RunInfo) -> io::Result<()> {
        let selected = info.selected();
        self.total = selected;
        self.started = Instant::now();
        let noun = if selected == 1 { "test" } else { "tests" };
        match self.options.format {
            Format::Pretty => writeln!(self.out, "\nrunning {selected} {noun}"),
            Format::Terse => writeln!(self.out, "\nrunning {selected} {noun}"),
        }
    }

    fn test_finished(&mut self, record: &TestRecord) -> io::Result<()> {
        self.clear_progress();
        self.done += 1;
        let (word, color, terse) = match &record.outcome.status {
            Status::Passed => ("ok".to_string(), "32", '.'),
            Status::Failed(_) => ("FAILED".to_string(), "31", 'F'),
            Status::Ignored {
                reason: Some(reason),
            } => (format!("ignored, {reason}"), "33", 'i'),
            Status::Ignored { reason: None } => ("ignored".to_string(), "33", 'i'),
        };
        match self.options.format {
            Format::Pretty => {
                let word = self.paint(&word, color);
                let flaky = if record.is_flaky() {
                    format!(
                        " (flaky: passed on attempt {})",
                        record.outcome.measurements.attempts
                    )
                } else {
                    String::new()
                };
                writeln!(self.out, "test {} ... {word}{flaky}", record.name)?;
            }
            Format::Terse => {
                let mark = self.paint(&terse.to_string(), color);
                write!(self.out, "{mark}")?;
                self.terse_column += 1;
                if self.terse_column.is_multiple_of(TERSE_WIDTH) {
                    writeln!(self.out, " {}/{}", self.terse_column, self.total)?;
                }
            }
        }
        if let Some(ratio) = budget_ratio(record) {
            self.near_budget.push((ratio, budget_line(record)));
        }
        if record.is_flaky() {
            self.flaky.push(record.clone());
        }
        match &record.outcome.status {
            Status::Failed(_) => {
                self.failed_so_far += 1;
                self.failures.push(record.clone());
            }
            Status::Passed if self.options.show_output => {
                self.successes_with_output.push(record.clone())
            }
            _ => {}
        }
        Ok(())
    }

    fn run_finished(
        &mut self,
        summary: &RunSummary,
        elapsed_s: f64,
        end: &RunEnd,
    ) -> io::Result<()> {
        self.clear_progress();
        if self.options.format == Format::Terse && !self.terse_column.is_multiple_of(TERSE_WIDTH) {
            writeln!(self.out)?;
        }
        if !self.successes_with_output.is_empty() {
            writeln!(self.out, "\nsuccesses:\n")?;
            for record in std::mem::take(&mut self.successes_with_output) {
                self.write_output(&record)?;
                self.successes_with_output.push(record);
            }
            writeln!(self.out, "\nsuccesses:")?;
            for record in &self.successes_with_output {
                writeln!(self.out, "    {}", record.name)?;
            }
        }
        if !self.failures.is_empty() {
            writeln!(self.out, "\nfailures:\n")?;
            for record in std::mem::take(&mut self.failures) {
                self.write_earlier_attempts(&record)?;
                self.write_output(&record)?;
                self.write_failure(&record)?;
                self.failures.push(record);
            }
            writeln!(self.out, "\nfailures:")?;
            for record in &self.failures {
                writeln!(self.out, "    {}", record.name)?;
            }
        }
        if !self.flaky.is_empty() {
            writeln!(self.out, "\nflaky (passed after a retry):")?;
            for record in &self.flaky {
                let attempts = record.outcome.measurements.attempts;
                writeln!(self.out, "    {} (attempt {attempts})", record.name)?;
            }
        }
        let show_budgets = self.options.show_budgets
            || (self.options.format == Format::Pretty && !self.near_budget.is_empty());
        if show_budgets && !self.near_budget.is_empty() {
            self.near_budget.sort_by(|a, b| b.0.total_cmp(&a.0));
            writeln!(self.out, "\nclosest to budget:")?;
            for (_, line) in self.near_budget.iter().take(10) {
                writeln!(self.out, "    {line}")?;
            }
        }
        if let RunEnd::Stopped { reason, not_run } = end {
            let noun = if *not_run == 1 { "test" } else { "tests" };
            writeln!(
                self.out,
                "\nerror: the run did not complete ({reason}); {not_run} {noun} did not run"
            )?;
        }
        let verdict = if summary.failed == 0 && end.is_completed() {
            self.paint("ok", "32")
        } else {
            self.paint("FAILED", "31")
        };
        writeln!(
            self.out,
            "\ntest result: {verdict}. {} passed; {} failed; {} ignored; 0 measured; {} filtered out; finished in {elapsed_s:.2}s\n",
            summary.passed, summary.failed, summary.ignored, summary.filtered_out
        )?;
        self.out.flush()
    }

    fn write_output(&mut self, record: &TestRecord) -> io::Result<()> {
        let attempts = record.outcome.measurements.attempts;
        let label = if record.outcome.earlier_attempts.is_empty() {
            record.name.clone()
        } else {
            format!("{} (attempt {attempts} of {attempts})", record.name)
        };
        self.write_streams(&label, &record.stdout, &record.stderr)
    }

    /// A retried test's earlier attempts, as nextest shows them: each one's
    /// output, then its failure unless the panic hook already printed it.
    fn write_earlier_attempts(&mut self, record: &TestRecord) -> io::Result<()> {
        let total = record.outcome.measurements.attempts;
        for (attempt, number) in record.outcome.earlier_attempts.iter().zip(1..) {
            let label = format!("{} (attempt {number} of {total})", record.name);
            self.write_streams(&label, &attempt.stdout, &attempt.stderr)?;
            let failure = &attempt.failure;
            if failure.kind == FailureKind::Panic && !attempt.stderr.is_empty() {
                continue;
            }
            writeln!(
                self.out,
                "---- {label} failure ({}) ----",
                failure.kind.as_str()
            )?;
            let message = self.shown(&failure.full_text());
            writeln!(self.out, "{message}\n")?;
        }
        Ok(())
    }

    fn write_streams(&mut self, label: &str, stdout: &[u8], stderr: &[u8]) -> io::Result<()> {
        for (stream, bytes) in [("stdout", stdout), ("stderr", stderr)] {
            if bytes.is_empty() {
                continue;
            }
            writeln!(self.out, "---- {label} {stream} ----")?;
            let shown = self.shown(&String::from_utf8_lossy(bytes));
            self.out.write_all(shown.as_bytes())?;
            if !shown.ends_with('\n') {
                writeln!(self.out)?;
            }
        }
        Ok(())
    }

    fn write_failure(&mut self, record: &TestRecord) -> io::Result<()> {
        let Status::Failed(failure) = &record.outcome.status else {
            return Ok(());
        };
        // The panic hook already printed a panic into the captured stderr.
        if failure.kind == FailureKind::Panic && !record.stderr.is_empty() {
            return Ok(());
        }
        writeln!(
            self.out,
            "---- {} failure ({}) ----",
            record.name,
            failure.kind.as_str()
        )?;
        let message = self.shown(&failure.full_text());
        writeln!(self.out, "{message}")?;
        writeln!(self.out)
    }

    /// Output or a message as the console shows it: colours and control
    /// characters kept for the terminal, credentials redacted, floods capped.
    fn shown(&self, text: &str) -> String {
        let text = if self.options.redact {
            crate::secrets::SecretDetector::new()
                .redact(text)
                .into_owned()
        } else {
            text.to_string()
        };
        crate::report::sanitize::cap_text(text, self.options.output_cap)
    }

    fn draw_progress(&mut self) {
        if !self.options.progress {
            return;
        }
        let now = Instant::now();
        let due = self
            .last_draw
            .is_none_or(|t| now - t >= Duration::from_millis(100));
        if now - self.started < Duration::from_millis(500) || !due {
            return;
        }
        self.last_draw = Some(now);
        let running = self.running.as_deref().unwrap_or("");
        let failed = if self.failed_so_far > 0 {
            format!(", {} failed", self.failed_so_far)
        } else {
            String::new()
        };
        let _ = self.out.flush();
        let line = format!("[{}/{}{failed}] {running}", self.done, self.total);
        let line: String = line
            .chars()
            .take(terminal_width().saturating_sub(1))
            .collect();
        let _ = write!(RawStderr, "\r\x1b[2K{line}");
        self.progress_drawn = true;
    }

    fn clear_progress(&mut self) {
        if self.progress_drawn {
            let _ = write!(RawStderr, "\r\x1b[2K");
            self.progress_drawn = false;
        }
    }
}

impl Reporter for Console {
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn on_event(&mut self, event: &RunEvent<'_>) -> io::Result<()> {
        match event {
            RunEvent::RunStarted(info) => self.run_started(info),
            RunEvent::TestStarted { name } => {
                self.running = Some(name.to_string());
                self.draw_progress();
                Ok(())
            }
            RunEvent::TestFinished(record) => {
                self.test_finished(record)?;
                self.draw_progress();
                Ok(())
            }
            RunEvent::RunFinished {
                summary,
                elapsed_s,
                end,
            } => self.run_finished(summary, *elapsed_s, end),
        }
    }
}

/// Whether to colour, from `--color` and the environment.
pub fn use_color(choice: crate::cli::ColorChoice) -> bool {
    use crate::cli::ColorChoice;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && io::stdout().is_terminal(),
    }
}

/// The larger of measured/limit over the time and heap budgets a test had.
fn budget_ratio(record: &TestRecord) -> Option<f64> {
    let m = &record.outcome.measurements;
    let time = record
        .budget
        .max_ms
        .zip(m.runs_ms.iter().copied().reduce(f64::max))
        .map(|(limit, worst)| worst / limit);
    let heap = record
        .budget
        .max_heap_bytes
        .zip(m.peak_heap_bytes)
        .map(|(limit, peak)| peak as f64 / limit as f64);
    match (time, heap) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// `handles_task  41.8/50 ms  62.0/80 MiB`.
fn budget_line(record: &TestRecord) -> String {
    let m = &record.outcome.measurements;
    let mut line = record.name.clone();
    if let (Some(limit), Some(worst)) = (
        record.budget.max_ms,
        m.runs_ms.iter().copied().reduce(f64::max),
    ) {
        line.push_str(&format!("  {worst:.1}/{limit} ms"));
    }
    if let (Some(limit), Some(peak)) = (record.budget.max_heap_bytes, m.peak_heap_bytes) {
        const MIB: f64 = 1024.0 * 1024.0;
        line.push_str(&format!(
            "  {:.1}/{} MiB",
            peak as f64 / MIB,
            limit as f64 / MIB
        ));
    }
    line
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}
