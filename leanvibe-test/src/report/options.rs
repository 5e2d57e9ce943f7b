//! Settings shared by the file sinks.

/// How the file sinks treat what they write.
///
/// ```
/// use leanvibe_test::report::ReportOptions;
/// let options = ReportOptions { redact: false, ..ReportOptions::default() };
/// assert_eq!(options.output_cap, 1024 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Replace credentials with `[REDACTED:<kind>]` (on by default; the
    /// runner's `--no-redact` turns it off).
    pub redact: bool,
    /// Bytes kept of each test's stdout and of its stderr, and of each
    /// failure message, after cleaning; the head and tail are kept. `0` means
    /// no cap.
    pub output_cap: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            redact: true,
            output_cap: 1024 * 1024,
        }
    }
}

impl ReportOptions {
    /// Cleans captured output: [`clean_bytes`](super::sanitize::clean_bytes),
    /// then redaction, then [`cap_text`](super::sanitize::cap_text).
    ///
    /// Redaction comes before the cap so that a secret cut in half by the cap
    /// is still hidden whole.
    ///
    /// ```
    /// use leanvibe_test::report::ReportOptions;
    /// let text = ReportOptions::default().clean_output(b"\x1b[1mkey AKIAIOSFODNN7EXAMPLE\x1b[0m");
    /// assert_eq!(text, "key [REDACTED:aws-access-key]");
    /// ```
    pub fn clean_output(&self, raw: &[u8]) -> String {
        if raw.is_empty() {
            return String::new();
        }
        let clean = super::sanitize::clean_bytes(raw);
        let clean = if self.redact {
            match crate::secrets::SecretDetector::new().redact(&clean) {
                std::borrow::Cow::Borrowed(_) => clean,
                std::borrow::Cow::Owned(redacted) => redacted,
            }
        } else {
            clean
        };
        super::sanitize::cap_text(clean, self.output_cap)
    }

    /// Cleans a message or name the same way as [`clean_output`](Self::clean_output).
    ///
    /// ```
    /// use leanvibe_test::report::ReportOptions;
    /// assert_eq!(ReportOptions::default().clean_text("a\u{7}b"), "a\\x07b");
    /// ```
    pub fn clean_text(&self, text: &str) -> String {
        self.clean_output(text.as_bytes())
    }
}
