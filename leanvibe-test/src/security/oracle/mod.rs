//! The oracles: what counts as a flaw, judged from what a call did (files
//! read, commands run, expressions evaluated, requests made, time taken,
//! memory used, the structure of what it built), not only from whether the
//! payload was echoed.

mod ldap;
pub(crate) mod memory;
mod prototype;

use super::Vector;
use super::exec::{Ended, Observed, Reply};
use super::finding::{SecurityFinding, Warning, escape, excerpt};
use super::outcome::Response;
use super::probe::Probe;
use crate::secrets::SecretDetector;
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Limits a call is judged against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Per-payload wall time; beyond it the call counts as hung.
    pub(crate) payload_ms: u64,
    /// Peak heap growth of one call.
    pub(crate) heap: Option<memory::HeapLimit>,
}

/// What the run loop knows beyond the call itself.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    /// Requests that reached the loopback listener during the call.
    pub(crate) hits: u64,
    /// Whether the `command_injection` marker file appeared.
    pub(crate) marker_created: bool,
}

/// What a benign call produced, for the oracles that judge a payload's
/// output against it.
#[derive(Debug, Default)]
pub(crate) struct Baseline {
    /// Active-markup matches, ignored by the `xss` oracle (a function whose
    /// output is a page legitimately has tags).
    pub(crate) markup: Vec<String>,
    pub(crate) elapsed_ms: f64,
    /// The LDAP filter the function builds from a benign value: the
    /// structure `ldap_injection` payloads must keep.
    pub(crate) ldap: Option<ldap::Located>,
    /// Merge-followed key paths of the benign output, not findings of
    /// `prototype_pollution`.
    pub(crate) polluting: Vec<String>,
}

impl Baseline {
    /// The parts of a benign call's reply that `vector`'s oracles compare
    /// against.
    pub(crate) fn from_reply(vector: Vector, reply: Option<&Reply>, elapsed_ms: f64) -> Baseline {
        let output = reply.and_then(|r| match &r.response {
            Response::Accepted { output } => Some(output.as_str()),
            Response::Rejected { .. } => None,
        });
        Baseline {
            markup: reply.map_or_else(Vec::new, |r| markup_matches(r.response.text())),
            elapsed_ms,
            ldap: match vector {
                Vector::LdapInjection => output
                    .and_then(ldap::locate)
                    .filter(ldap::Located::is_filter),
                _ => None,
            },
            polluting: match (vector, reply) {
                (Vector::PrototypePollution, Some(reply)) => polluting_paths(reply),
                _ => Vec::new(),
            },
        }
    }
}

/// The merge-followed key paths of an accepted reply's JSON: its structured
/// value, else its output text if that is a JSON document.
fn polluting_paths(reply: &Reply) -> Vec<String> {
    let Response::Accepted { output } = &reply.response else {
        return Vec::new();
    };
    match &reply.value {
        Some(value) => prototype::polluting_paths(value),
        None => prototype::json_document(output)
            .map(|value| prototype::polluting_paths(&value))
            .unwrap_or_default(),
    }
}

/// Judges one call, pushing findings and warnings.
pub(crate) struct Judge<'a> {
    pub(crate) probe: &'a Probe,
    pub(crate) limits: Limits,
    pub(crate) baseline: &'a Baseline,
    pub(crate) detector: &'a SecretDetector,
    pub(crate) findings: &'a mut Vec<SecurityFinding>,
    pub(crate) warnings: &'a mut Vec<Warning>,
}

impl Judge<'_> {
    fn find(&mut self, oracle: &'static str, evidence: String) {
        self.findings.push(SecurityFinding {
            payload_id: self.probe.payload_id().to_string(),
            payload: escape(self.probe.payload(), 120),
            oracle,
            evidence,
            fix: self.probe.vector().fix_hint(),
        });
    }

    fn warn(&mut self, message: String) {
        self.warnings.push(Warning {
            payload_id: self.probe.payload_id().to_string(),
            message,
        });
    }

    /// Every oracle that applies to this vector, over `observed`.
    pub(crate) fn judge(&mut self, observed: &Observed, effects: &Effects) {
        let vector = self.probe.vector();
        let streams = [observed.stdout.as_str(), observed.stderr.as_str()];
        if let Some(growth) = observed.heap_growth {
            if let Some(evidence) = self.limits.heap.and_then(|limit| limit.exceeded(growth)) {
                self.find("memory", evidence);
            }
            if vector == Vector::Oversize
                && let Some(evidence) = memory::amplification(growth, self.probe.payload().len())
            {
                self.find("amplification", evidence);
            }
        }
        let reply = match &observed.ended {
            Ended::Hung => {
                self.find(
                    "hang",
                    format!(
                        "no answer within {} ms; the remaining payloads were not run",
                        self.limits.payload_ms
                    ),
                );
                None
            }
            Ended::Panicked(message) => {
                let location = panic_location(&observed.stderr);
                self.find(
                    "panic",
                    format!("panicked{location}: {}", escape(message, 160)),
                );
                None
            }
            Ended::Returned(reply) => Some(reply),
        };
        // Leak oracles look at the answer and at everything printed.
        let text = reply.map_or("", |r| r.response.text());
        let everywhere = [text, streams[0], streams[1]];
        self.secret_values(&everywhere);
        match vector {
            Vector::PathTraversal => self.canary(&everywhere),
            Vector::Xxe => {
                self.canary(&everywhere);
                self.listener(effects.hits, reply.map(|r| &r.response));
            }
            Vector::CommandInjection => self.command(&everywhere, effects),
            Vector::TemplateInjection => self.template(&everywhere),
            Vector::Ssrf => self.listener(effects.hits, reply.map(|r| &r.response)),
            Vector::LogInjection => self.raw_control(&everywhere),
            Vector::HeaderInjection => self.raw_control(&[text]),
            Vector::Secrets => self.detector(&everywhere),
            _ => {}
        }
        let Some(reply) = reply else { return };
        match &reply.response {
            Response::Rejected { message, code } => {
                if message.trim().is_empty() {
                    self.find("rejection", "rejected without a message".into());
                }
                if reply.has_code && code.as_deref().is_none_or(|c| c.trim().is_empty()) {
                    self.find("rejection", "rejected without an error code".into());
                }
                if vector == Vector::Oversize && !SIZE_WORDS.is_match(message) {
                    self.find(
                        "oversize",
                        format!(
                            "rejected, but the message does not name a size or limit: {}",
                            escape(message, 160)
                        ),
                    );
                }
            }
            Response::Accepted { output } => match vector {
                Vector::Xss => self.markup(output),
                Vector::SqlInjection => self.sql_echo(output),
                Vector::LdapInjection => self.ldap_structure(output),
                Vector::PrototypePollution => self.prototype_keys(reply),
                Vector::AuthBypass => self.find(
                    "auth-accepted",
                    format!(
                        "invalid credentials were accepted; output: {}",
                        escape(output, 120)
                    ),
                ),
                _ => {}
            },
        }
    }

    fn canary(&mut self, texts: &[&str]) {
        let token = self.probe.context().canary_token.clone();
        if let Some(evidence) = search(texts, &token) {
            self.find(
                "canary",
                format!("the canary file outside the sandbox root was read: {evidence}"),
            );
        } else if let Some(evidence) = search(texts, "root:x:0:0:") {
            self.find("canary", format!("/etc/passwd was read: {evidence}"));
        }
    }

    fn command(&mut self, texts: &[&str], effects: &Effects) {
        let token = self.probe.context().command_token.clone();
        if let Some(evidence) = search(texts, &token) {
            self.find(
                "command-token",
                format!("a shell ran the payload's `echo`: {evidence}"),
            );
        }
        if effects.marker_created {
            let marker = self.probe.context().marker.display().to_string();
            self.find(
                "marker-file",
                format!("a shell ran the payload's `touch`: {marker} exists"),
            );
        }
    }

    fn template(&mut self, texts: &[&str]) {
        let product = self.probe.context().product.clone();
        if let Some(evidence) = search(texts, &product) {
            self.find(
                "template-product",
                format!("the template expression was evaluated: {evidence}"),
            );
        }
    }

    fn listener(&mut self, hits: u64, response: Option<&Response>) {
        if hits > 0 {
            self.find(
                "listener-hit",
                format!("{hits} request(s) reached the loopback listener"),
            );
        } else if self.probe.vector() == Vector::Ssrf
            && matches!(response, Some(Response::Accepted { .. }))
        {
            self.warn(
                "an internal address was accepted; no request reached the listener, but check \
                 the function would not fetch it"
                    .into(),
            );
        }
    }

    fn raw_control(&mut self, texts: &[&str]) {
        for needle in control_tails(self.probe.payload()) {
            if let Some(evidence) = search(texts, &needle) {
                self.find(
                    "raw-control",
                    format!("a raw CR, LF or ESC from the payload is in the output: {evidence}"),
                );
                return;
            }
        }
    }

    fn secret_values(&mut self, texts: &[&str]) {
        let secrets = self.probe.context().secrets.clone();
        for (kind, value) in secrets {
            if let Some(evidence) = search(texts, &value) {
                self.find(
                    "secret-value",
                    format!(
                        "the {} handed to the function leaked: {evidence}",
                        kind.name()
                    ),
                );
            }
        }
    }

    fn detector(&mut self, texts: &[&str]) {
        for text in texts {
            for found in self.detector.find(text) {
                // The generated values are reported by `secret_values`.
                let matched = &text[found.range.clone()];
                let known = self
                    .probe
                    .context()
                    .secrets
                    .iter()
                    .any(|(_, v)| matched.contains(v.as_str()) || v.contains(matched));
                if !known {
                    let evidence = excerpt(text, found.range.clone());
                    self.find(
                        "secret-detector",
                        format!("a {} is in the output: {evidence}", found.kind),
                    );
                }
            }
        }
    }

    fn markup(&mut self, output: &str) {
        for pattern in MARKUP.iter() {
            for found in pattern.find_iter(output) {
                if self.baseline.markup.iter().any(|m| m == found.as_str()) {
                    continue;
                }
                let evidence = excerpt(output, found.range());
                self.find(
                    "active-markup",
                    format!("active markup survived unescaped: {evidence}"),
                );
                return;
            }
        }
    }

    fn ldap_structure(&mut self, output: &str) {
        let Some(intended) = &self.baseline.ldap else {
            return;
        };
        let changes = ldap::changes(intended, ldap::locate(output).as_ref(), output);
        if !changes.is_empty() {
            self.find(
                "ldap-filter",
                format!(
                    "the filter's structure changed: {}; output {}",
                    changes.join("; "),
                    escape(output, 120)
                ),
            );
        }
    }

    fn prototype_keys(&mut self, reply: &Reply) {
        let paths = polluting_paths(reply);
        if let Some(evidence) = prototype::evidence(&paths, &self.baseline.polluting) {
            self.find("prototype-key", evidence);
        }
    }

    fn sql_echo(&mut self, output: &str) {
        let payload = self.probe.payload();
        // Without a quote or a statement/comment terminator a value cannot
        // change a query's structure, so echoing it proves nothing.
        let breaks_out = ["'", "\"", ";", "--", "#", "/*"]
            .iter()
            .any(|m| payload.contains(m));
        if breaks_out && let Some(evidence) = search(&[output], payload) {
            self.find(
                "sql-echo",
                format!("the payload reached the output unchanged: {evidence}"),
            );
        }
    }
}

/// Active markup: script tags, event-handler attributes, `javascript:` URLs
/// in attributes, frames and plugins.
static MARKUP: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(?i)<\s*script\b",
        r#"(?i)<[a-z][^<>]*?[\s/"']on[a-z]+\s*="#,
        r#"(?i)<[a-z][^<>]*?=\s*["']?\s*javascript:"#,
        r"(?i)<\s*(iframe|object|embed)\b",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid markup pattern"))
    .collect()
});

/// Words a size rejection uses.
static SIZE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)size|large|long|limit|exceed|too (big|many|deep)|max|depth|nest|bytes|length|capacity")
        .expect("valid size pattern")
});

/// The active-markup matches of `output`, for the baseline.
fn markup_matches(output: &str) -> Vec<String> {
    MARKUP
        .iter()
        .flat_map(|p| p.find_iter(output).map(|m| m.as_str().to_string()))
        .collect()
}

/// The first of `texts` that contains `needle`, as an excerpt naming where.
fn search(texts: &[&str], needle: &str) -> Option<String> {
    const WHERE: [&str; 3] = ["output", "stdout", "stderr"];
    if needle.is_empty() {
        return None;
    }
    texts.iter().enumerate().find_map(|(i, text)| {
        text.find(needle).map(|at| {
            format!(
                "{} {}",
                WHERE.get(i).copied().unwrap_or("output"),
                excerpt(text, at..at + needle.len())
            )
        })
    })
}

/// What must not appear if CR, LF and ESC are neutralised: from the first
/// such character of the payload (as given, and percent-decoded once and
/// twice) up to 24 bytes on.
pub(crate) fn control_tails(payload: &str) -> Vec<String> {
    let once = percent_decode(payload);
    let twice = percent_decode(&once);
    let mut tails = Vec::new();
    for variant in [Cow::Borrowed(payload), Cow::Owned(once), Cow::Owned(twice)] {
        let Some(start) = variant.find(['\r', '\n', '\u{1b}']) else {
            continue;
        };
        let mut end = (start + 24).min(variant.len());
        while !variant.is_char_boundary(end) {
            end -= 1;
        }
        let tail = variant[start..end].to_string();
        if tail.len() >= 2 && !tails.contains(&tail) {
            tails.push(tail);
        }
    }
    tails
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// ` at src/x.rs:3:5` from the default panic message in `stderr`.
fn panic_location(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|line| line.split_once("panicked at ").map(|(_, rest)| rest))
        .map(|rest| format!(" at {}", rest.trim_end_matches(':')))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_tails_cover_encoded_forms() {
        assert_eq!(control_tails("a\nb"), vec!["\nb".to_string()]);
        let tails = control_tails("%0d%0aSet-Cookie:x");
        assert_eq!(tails, vec!["\r\nSet-Cookie:x".to_string()]);
        let tails = control_tails("%250aX");
        assert_eq!(tails, vec!["\nX".to_string()]);
        assert!(control_tails("plain").is_empty());
    }

    #[test]
    fn markup_patterns_catch_the_classics_but_not_escaped_text() {
        for active in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<sVg/oNloAd=alert()//>",
            "<a href=\"jAvAsCrIpT:alert(1)\">",
            "<iframe src=x>",
        ] {
            assert!(!markup_matches(active).is_empty(), "{active}");
        }
        for inert in [
            "&lt;script&gt;alert(1)&lt;&#x2F;script&gt;",
            "javascript:alert(1)",
            "a < b and c > d onload=1",
        ] {
            assert!(markup_matches(inert).is_empty(), "{inert}");
        }
    }

    #[test]
    fn size_words() {
        assert!(SIZE_WORDS.is_match("input of 65536 bytes exceeds the limit"));
        assert!(SIZE_WORDS.is_match("PAYLOAD TOO LARGE"));
        assert!(!SIZE_WORDS.is_match("invalid input"));
    }

    #[test]
    fn panic_locations_come_from_the_default_message() {
        let stderr = "\nthread 'x' panicked at src/lib.rs:3:5:\nboom\n";
        assert_eq!(panic_location(stderr), " at src/lib.rs:3:5");
    }
}
