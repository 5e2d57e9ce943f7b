//! Which failed attempts are run again: a test's `retries`, narrowed by
//! `--only-rerun` patterns (pytest-rerunfailures' option of that name).
//!
//! The worker applies the filter to failures it sees in-process; the pool
//! applies it to crashes and timeouts, which end a worker and are retried
//! in a fresh one, as nextest retries a crashed test's process.

use crate::record::{Failure, FailureKind};

/// The `--only-rerun` patterns: a failure is retried only if one of them
/// matches `<kind>: <message>` (for example `timeout: timed out ...` or
/// `panic: panicked at src/lib.rs:3:9:\nconnection reset`). Without
/// patterns, every failure is retried while retries are left.
#[derive(Debug, Clone, Default)]
pub(crate) struct RetryFilter {
    /// The patterns joined into one alternation, as sent to workers.
    source: Option<String>,
    regex: Option<regex_lite::Regex>,
}

impl RetryFilter {
    /// A filter from the patterns as given; an invalid one is named in a
    /// one-line error.
    pub(crate) fn new(patterns: &[String]) -> Result<RetryFilter, String> {
        for pattern in patterns {
            if let Err(e) = regex_lite::Regex::new(pattern) {
                let first = e.to_string();
                let reason = first.lines().last().unwrap_or("invalid pattern").trim();
                return Err(format!(
                    "invalid value '{pattern}' for '--only-rerun <REGEX>': {reason}"
                ));
            }
        }
        if patterns.is_empty() {
            return Ok(RetryFilter::default());
        }
        let joined = patterns
            .iter()
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        Ok(RetryFilter::from_source(Some(&joined)))
    }

    /// The filter a worker was sent ([`source`](Self::source)).
    pub(crate) fn from_source(source: Option<&str>) -> RetryFilter {
        let regex = source.and_then(|s| regex_lite::Regex::new(s).ok());
        RetryFilter {
            source: regex.as_ref().map(|r| r.as_str().to_owned()),
            regex,
        }
    }

    /// The joined patterns, to send to a worker.
    pub(crate) fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// `true` when a test that failed this way may run again, retries
    /// allowing. An interrupted run, a harness error (the test never ran),
    /// a flaky verdict and a security finding (a flaw a payload found, which
    /// a lucky retry must not hide) are never retried.
    pub(crate) fn allows(&self, failure: &Failure) -> bool {
        if matches!(
            failure.kind,
            FailureKind::Interrupted
                | FailureKind::Harness
                | FailureKind::Flaky
                | FailureKind::Security
        ) {
            return false;
        }
        match &self.regex {
            None => true,
            Some(regex) => regex.is_match(&format!(
                "{}: {}",
                failure.kind.as_str(),
                failure.full_text()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(kind: FailureKind, message: &str) -> Failure {
        Failure::new(kind, message)
    }

    #[test]
    fn without_patterns_every_retryable_failure_is_retried() {
        let filter = RetryFilter::new(&[]).unwrap();
        assert_eq!(filter.source(), None);
        assert!(filter.allows(&failure(FailureKind::Panic, "boom")));
        assert!(filter.allows(&failure(FailureKind::Crash, "killed by signal 11")));
        assert!(!filter.allows(&failure(FailureKind::Interrupted, "SIGTERM")));
        assert!(!filter.allows(&failure(FailureKind::Harness, "not run")));
        assert!(!filter.allows(&failure(FailureKind::Security, "sqli: leaked")));
    }

    #[test]
    fn patterns_match_the_kind_and_the_whole_message() {
        let filter = RetryFilter::new(&[
            "^timeout".to_owned(),
            "connection (reset|refused)".to_owned(),
        ])
        .unwrap();
        assert!(filter.allows(&failure(FailureKind::Timeout, "timed out after 5 ms")));
        let reset = Failure {
            kind: FailureKind::Panic,
            message: "first line\nconnection reset by peer".into(),
            location: Some("src/lib.rs:1:1".into()),
        };
        assert!(filter.allows(&reset));
        assert!(!filter.allows(&failure(FailureKind::Panic, "assertion failed")));
        // `^timeout` is anchored to the kind, not to any line of a message.
        assert!(!filter.allows(&failure(FailureKind::Error, "timeout")));
        // A worker rebuilds the same filter from what it is sent.
        let sent = RetryFilter::from_source(filter.source());
        assert!(sent.allows(&reset));
        assert!(!sent.allows(&failure(FailureKind::Panic, "assertion failed")));
    }

    #[test]
    fn an_invalid_pattern_is_named_in_one_line() {
        let error = RetryFilter::new(&["ok".to_owned(), "(unclosed".to_owned()]).unwrap_err();
        assert!(error.starts_with("invalid value '(unclosed' for '--only-rerun <REGEX>': "));
        assert!(!error.contains('\n'), "{error}");
    }
}
