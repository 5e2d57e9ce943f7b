//! A payload that takes the process down (a stack overflow, an abort, a
//! segfault, `std::process::exit`) is a finding of the `crash` oracle.
//!
//! Before each call the suite saves a [`checkpoint`](crate::runner::checkpoint)
//! holding its [`Progress`]: the payload about to run and everything found
//! so far. If the call crashes the worker, the harness runs the vector's
//! test again in a fresh worker with that checkpoint; the suite then records
//! the crash as a finding of the payload in flight, with how the worker
//! ended, and runs the payloads after it. Findings from before and after the
//! crash end in the one report.
//!
//! Each call's output is captured into named files in the test's temporary
//! directory (see `capture`), so the resumed run finds what the crashed call
//! printed: Rust's "has overflowed its stack" is how a stack overflow is
//! told from another abort. The resumed run replays that output into the
//! test's own, then removes the crashed run's directory, which no `Drop`
//! got to remove.

use super::Vector;
use super::finding::{SecurityFinding, Warning};
use crate::runner::checkpoint;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The fix hint of a `crash` finding.
pub const CRASH_FIX: &str = "bound recursion depth and sizes before parsing, and return an \
                             error: never abort, exit or overflow the stack on input";

/// Where a vector's run is, saved before each payload's call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Progress {
    /// The vector, so a checkpoint is never read by another test.
    pub vector: Vector,
    /// The run's temporary directory.
    pub dir: PathBuf,
    /// The position in the plan of the payload about to run.
    pub position: usize,
    /// Payloads run so far, this one included.
    pub run: usize,
    /// The payload's id.
    pub payload_id: String,
    /// The payload, escaped and cut as a finding shows it.
    pub payload: String,
    /// Every finding so far.
    pub findings: Vec<SavedFinding>,
    /// Every warning about a payload so far.
    pub warnings: Vec<Warning>,
}

/// A [`SecurityFinding`] as a checkpoint holds it: its fix hint is the
/// vector's, or [`CRASH_FIX`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SavedFinding {
    payload_id: String,
    payload: String,
    oracle: String,
    evidence: String,
}

impl SavedFinding {
    pub(crate) fn save(finding: &SecurityFinding) -> SavedFinding {
        SavedFinding {
            payload_id: finding.payload_id.clone(),
            payload: finding.payload.clone(),
            oracle: finding.oracle.to_string(),
            evidence: finding.evidence.clone(),
        }
    }

    fn restore(self, vector: Vector) -> SecurityFinding {
        let oracle = oracle_name(&self.oracle);
        SecurityFinding {
            payload_id: self.payload_id,
            payload: self.payload,
            oracle,
            evidence: self.evidence,
            fix: if oracle == "crash" {
                CRASH_FIX
            } else {
                vector.fix_hint()
            },
        }
    }
}

/// Every oracle name a finding can carry.
const ORACLES: [&str; 22] = [
    "canary",
    "command-token",
    "marker-file",
    "template-product",
    "listener-hit",
    "active-markup",
    "sql-echo",
    "sql-delay",
    "raw-control",
    "secret-value",
    "secret-detector",
    "ldap-filter",
    "prototype-key",
    "oversize",
    "amplification",
    "auth-accepted",
    "panic",
    "hang",
    "memory",
    "time",
    "rejection",
    "crash",
];

/// The `'static` name of an oracle read back from a checkpoint.
fn oracle_name(name: &str) -> &'static str {
    match ORACLES.iter().find(|known| **known == name) {
        Some(known) => known,
        // A name missing from the list still reads right; it costs a few
        // bytes once per resumption.
        None => Box::leak(name.to_string().into_boxed_str()),
    }
}

/// What a vector's run starts from: nothing, or what it had found when a
/// payload crashed its worker, with that crash as a finding.
pub(crate) struct Start {
    /// The plan position to start at.
    pub position: usize,
    /// Payloads already run.
    pub run: usize,
    pub findings: Vec<SecurityFinding>,
    pub warnings: Vec<Warning>,
}

/// The start of `vector`'s run: after the payload that crashed, if this
/// test is being resumed from one of its own checkpoints.
pub(crate) fn start(vector: Vector) -> Start {
    let fresh = Start {
        position: 0,
        run: 0,
        findings: Vec::new(),
        warnings: Vec::new(),
    };
    let Some(resume) = checkpoint::take_resume() else {
        return fresh;
    };
    let Ok(progress) = crate::json::from_value::<Progress>(resume.state) else {
        return fresh;
    };
    if progress.vector != vector {
        return fresh;
    }
    let mut findings: Vec<SecurityFinding> = progress
        .findings
        .into_iter()
        .map(|saved| saved.restore(vector))
        .collect();
    let stderr = replay_and_clean_up(&progress.dir);
    findings.push(SecurityFinding {
        payload_id: progress.payload_id,
        payload: progress.payload,
        oracle: "crash",
        evidence: evidence(&resume.ended, &stderr),
        fix: CRASH_FIX,
    });
    Start {
        position: progress.position + 1,
        run: progress.run,
        findings,
        warnings: progress.warnings,
    }
}

/// What the crash finding says: how the worker ended (with "stack
/// overflow" when the call's stderr says so) and the call's last line on
/// stderr.
fn evidence(ended: &str, stderr: &str) -> String {
    let mut evidence = ended.to_string();
    if stderr.contains("has overflowed its stack") && !ended.contains("stack overflow") {
        evidence.push_str(": stack overflow");
    }
    if let Some(last) = stderr.lines().rev().find(|l| !l.trim().is_empty()) {
        evidence.push_str(&format!(
            "; the call's last line on stderr: {}",
            super::finding::escape(last.trim(), 160)
        ));
    }
    evidence.push_str("; the payloads after it ran in a fresh worker");
    evidence
}

/// Writes what the crashed call printed into this test's output, removes
/// the crashed run's directory and returns the call's stderr.
fn replay_and_clean_up(dir: &Path) -> String {
    let capture = dir.join("capture");
    let read = |name| std::fs::read(capture.join(name)).unwrap_or_default();
    let (stdout, stderr) = (read("stdout"), read("stderr"));
    let _ = std::io::stdout().write_all(&stdout);
    let _ = std::io::stderr().write_all(&stderr);
    // Only a directory this suite made: the state came through a file a
    // test could write to.
    let ours = dir.parent() == Some(std::env::temp_dir().as_path())
        && dir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("leanvibe-security-"));
    if ours {
        let _ = std::fs::remove_dir_all(dir);
    }
    String::from_utf8_lossy(&stderr).into_owned()
}

/// Saves `progress` before its payload's call: the checkpoint the harness
/// resumes from if the call takes the worker down.
pub(crate) fn save(progress: &Progress) {
    let note = format!(
        "{} payload [{}] {}",
        progress.vector, progress.payload_id, progress.payload
    );
    if let Ok(state) = crate::json::to_value(progress) {
        checkpoint::save(&note, state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stack_overflow_is_told_from_another_abort_by_the_calls_stderr() {
        let ended = "the worker process running the test was killed by signal 6 (SIGABRT)";
        let overflow = evidence(
            ended,
            "\nthread 'security-nested-array-100k' has overflowed its stack\n\
             fatal runtime error: stack overflow, aborting\n",
        );
        assert!(
            overflow.starts_with(&format!("{ended}: stack overflow; the call's last line")),
            "{overflow}"
        );
        assert!(overflow.contains("fatal runtime error"), "{overflow}");
        let abort = evidence(ended, "");
        assert_eq!(
            abort,
            format!("{ended}; the payloads after it ran in a fresh worker")
        );
    }

    #[test]
    fn a_saved_finding_reads_back_with_its_static_oracle_and_fix() {
        let finding = SecurityFinding {
            payload_id: "xss-script".into(),
            payload: "\"<script>\"".into(),
            oracle: "active-markup",
            evidence: "a <script> tag".into(),
            fix: Vector::Xss.fix_hint(),
        };
        let value = crate::json::to_value(&SavedFinding::save(&finding)).unwrap();
        let saved: SavedFinding = crate::json::from_value(value).unwrap();
        assert_eq!(saved.restore(Vector::Xss), finding);
        let crash = SavedFinding {
            oracle: "crash".into(),
            ..SavedFinding::save(&finding)
        };
        assert_eq!(crash.restore(Vector::Xss).fix, CRASH_FIX);
    }

    /// One test: the checkpoint state is per process.
    #[test]
    fn a_resumed_run_starts_after_the_crashed_payload_with_its_finding() {
        let fresh = start(Vector::Xss);
        assert_eq!((fresh.position, fresh.run), (0, 0));
        assert!(fresh.findings.is_empty());
        let earlier = SecurityFinding {
            payload_id: "xss-script".into(),
            payload: "\"<script>\"".into(),
            oracle: "active-markup",
            evidence: "a <script> tag".into(),
            fix: Vector::Xss.fix_hint(),
        };
        let progress = Progress {
            vector: Vector::Xss,
            dir: PathBuf::from("/nonexistent/leanvibe-security-test"),
            position: 3,
            run: 4,
            payload_id: "xss-svg-onload".into(),
            payload: "\"<svg/onload=alert('XSS')>\"".into(),
            findings: vec![SavedFinding::save(&earlier)],
            warnings: Vec::new(),
        };
        let resume = |vector| checkpoint::Resume {
            state: crate::json::to_value(&Progress {
                vector,
                ..progress.clone()
            })
            .unwrap(),
            note: "xss payload [xss-svg-onload]".into(),
            ended: "the worker process running the test was killed by signal 6 (SIGABRT)".into(),
            count: 1,
        };
        let resumed = {
            checkpoint::begin_in_worker(0, Some(resume(Vector::Xss)));
            let started = start(Vector::Xss);
            checkpoint::end();
            started
        };
        assert_eq!((resumed.position, resumed.run), (4, 4));
        assert_eq!(resumed.findings[0], earlier);
        let crash = &resumed.findings[1];
        assert_eq!(crash.oracle, "crash");
        assert_eq!(crash.payload_id, "xss-svg-onload");
        assert!(
            crash.evidence.contains("signal 6 (SIGABRT)"),
            "{}",
            crash.evidence
        );
        // Another vector's checkpoint is not this run's.
        checkpoint::begin_in_worker(0, Some(resume(Vector::Ssrf)));
        let other = start(Vector::Xss);
        checkpoint::end();
        assert_eq!((other.position, other.findings.len()), (0, 0));
    }
}
