//! Findings and warnings of one vector's test, and how they are reported:
//! the failure message (console, JUnit) and the `security` attachment (CTRF
//! `extra`).

use super::Vector;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One flaw the suite observed.
///
/// ```
/// use leanvibe_test::security::SecurityFinding;
///
/// let finding = SecurityFinding {
///     payload_id: "pt-parent".into(),
///     payload: "\"../x\"".into(),
///     oracle: "canary",
///     evidence: "canary token in the output".into(),
///     fix: "canonicalise the path",
/// };
/// assert!(finding.line().starts_with("[pt-parent]"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityFinding {
    /// The corpus id of the payload.
    pub payload_id: String,
    /// The payload, escaped and shortened for display.
    pub payload: String,
    /// Which oracle fired (`canary`, `command-token`, `marker-file`,
    /// `template-product`, `listener-hit`, `active-markup`, `sql-echo`,
    /// `sql-delay`, `raw-control`, `secret-value`, `secret-detector`,
    /// `ldap-filter`, `prototype-key`, `oversize`, `amplification`,
    /// `auth-accepted`, `panic`, `hang`, `memory`, `time`, `rejection`,
    /// `crash`).
    pub oracle: &'static str,
    /// What was seen: an excerpt around the match, a path, a count, a time.
    pub evidence: String,
    /// A one-line fix hint.
    pub fix: &'static str,
}

impl SecurityFinding {
    /// The finding as one line of the failure message.
    pub fn line(&self) -> String {
        format!(
            "[{}] {} -- {}: {} -- fix: {}",
            self.payload_id, self.payload, self.oracle, self.evidence, self.fix
        )
    }
}

/// Something worth a look that is not a flaw by itself (an internal address
/// accepted without a hit on the listener, payloads skipped after a hang).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The corpus id of the payload, if the warning is about one.
    pub payload_id: String,
    /// What to look at.
    pub message: String,
}

/// What one vector's test observed, attached to the test's report under
/// `security`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The vector.
    pub vector: Vector,
    /// The function under test.
    pub function: String,
    /// Payloads run.
    pub payloads: usize,
    /// Every finding, in payload order.
    pub findings: Vec<SecurityFinding>,
    /// Every warning.
    pub warnings: Vec<Warning>,
}

impl Report {
    /// The failure message: a header line, then one line per finding and
    /// per warning.
    ///
    /// ```
    /// use leanvibe_test::security::{Report, Vector};
    /// let report = Report {
    ///     vector: Vector::Xss, function: "render".into(), payloads: 14,
    ///     findings: vec![], warnings: vec![],
    /// };
    /// assert!(report.message().starts_with("security: `render` has 0 finding(s)"));
    /// ```
    pub fn message(&self) -> String {
        let mut out = format!(
            "security: `{}` has {} finding(s) for `{}` ({} payloads)\n",
            self.function,
            self.findings.len(),
            self.vector,
            self.payloads
        );
        for finding in &self.findings {
            let _ = writeln!(out, "  - {}", finding.line());
        }
        for warning in &self.warnings {
            let _ = writeln!(
                out,
                "  warning: [{}] {}",
                warning.payload_id, warning.message
            );
        }
        out
    }
}

/// `text` Rust-escaped and quoted, cut to about `max` characters (the cut
/// is marked with the full length).
///
/// ```
/// use leanvibe_test::security::finding::escape;
/// assert_eq!(escape("a\r\nb", 80), r#""a\r\nb""#);
/// assert!(escape(&"x".repeat(500), 10).ends_with("(500 bytes)"));
/// ```
pub fn escape(text: &str, max: usize) -> String {
    let cut = floor_char_boundary(text, max);
    let shown: String = text[..cut].escape_debug().collect();
    if cut < text.len() {
        format!("\"{shown}\"... ({} bytes)", text.len())
    } else {
        format!("\"{shown}\"")
    }
}

/// The escaped neighbourhood of `range` in `text`: 40 bytes either side.
///
/// ```
/// use leanvibe_test::security::finding::excerpt;
/// let text = format!("{}TOKEN{}", "a".repeat(100), "b".repeat(100));
/// let shown = excerpt(&text, 100..105);
/// assert!(shown.contains("TOKEN") && shown.starts_with("...\""));
/// ```
pub fn excerpt(text: &str, range: std::ops::Range<usize>) -> String {
    let start = floor_char_boundary(text, range.start.saturating_sub(40));
    let end = floor_char_boundary(text, (range.end + 40).min(text.len()));
    let end = if end < range.end.min(text.len()) {
        text.len()
    } else {
        end
    };
    let inner: String = text[start..end].escape_debug().collect();
    let before = if start > 0 { "..." } else { "" };
    let after = if end < text.len() { "..." } else { "" };
    format!("{before}\"{inner}\"{after}")
}

fn floor_char_boundary(text: &str, index: usize) -> usize {
    if index >= text.len() {
        return text.len();
    }
    (0..=index)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0)
}
