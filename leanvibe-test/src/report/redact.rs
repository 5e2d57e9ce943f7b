//! Finds credentials in text and replaces them with `[REDACTED:<kind>]`.
//!
//! Reports leave the machine (CI artefacts, dashboards), and tests print
//! whatever they handle. Every string a report writer puts in a file goes
//! through [`SecretDetector::redact`] first, unless the run was started with
//! `--no-redact`. The security suite uses the same detector to look for leaks,
//! so this module is public as [`leanvibe_test::secrets`](crate::secrets).
//!
//! | kind | what matches |
//! |---|---|
//! | `aws-access-key` | `AKIA`/`ASIA` followed by 16 upper-case letters or digits |
//! | `aws-secret-key` | a 40-character key assigned to `aws_secret_access_key` and similar names |
//! | `github-token` | `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36 or more characters, `github_pat_` + 22 or more |
//! | `slack-token` | `xoxa-`, `xoxb-`, `xoxp-`, `xoxo-`, `xoxs-`, `xoxr-` tokens |
//! | `slack-webhook` | `https://hooks.slack.com/services/...` (and `workflows`, `triggers`) |
//! | `stripe-key` | `sk_live_`, `rk_live_`, `sk_test_` keys |
//! | `private-key` | a PEM `-----BEGIN ... PRIVATE KEY-----` block, whole (to the end of the text if it never ends) |
//! | `jwt` | three base64url parts whose first decodes to a JSON object with an `"alg"` key |
//! | `credential-assignment` | the value in `password=...`, `passwd: ...`, `api_key=...`, `secret: ...`, `token=...` (any name containing those words, quoted or not, `=` or `:`) when it is at least [`MIN_ASSIGNED_LEN`] characters long and its Shannon entropy is at least [`DEFAULT_MIN_ENTROPY`] bits per character |
//!
//! For assignments only the value is replaced, so `password=[REDACTED:credential-assignment]`
//! still tells the reader which setting leaked.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use regex::{Captures, Regex, RegexSet};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

/// Shannon entropy, in bits per character, an assigned value must reach to be
/// treated as a secret. Placeholders such as `changeme` (2.75) stay; random
/// keys of a dozen characters or more score above 3.5.
pub const DEFAULT_MIN_ENTROPY: f64 = 3.0;

/// Shortest assigned value that can be a secret; shorter ones (`true`,
/// `none`, `1234`) are left alone.
pub const MIN_ASSIGNED_LEN: usize = 8;

/// Every kind the detector reports, in priority order: when two findings
/// overlap, the one whose kind comes first names the merged range.
pub const KINDS: &[&str] = &[
    "private-key",
    "aws-access-key",
    "aws-secret-key",
    "github-token",
    "slack-token",
    "slack-webhook",
    "stripe-key",
    "jwt",
    "credential-assignment",
];

/// A secret found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// One of [`KINDS`], e.g. `aws-access-key`.
    pub kind: &'static str,
    /// Byte range of the secret in the text searched.
    pub range: Range<usize>,
}

/// How a rule turns a regex match into the range to hide, or rejects it.
type Extract = fn(&Captures<'_>, &SecretDetector) -> Option<Range<usize>>;

struct Rule {
    kind: &'static str,
    pattern: &'static str,
    extract: Extract,
}

fn whole(caps: &Captures<'_>, _: &SecretDetector) -> Option<Range<usize>> {
    caps.get(0).map(|m| m.range())
}

fn group_one(caps: &Captures<'_>, _: &SecretDetector) -> Option<Range<usize>> {
    caps.get(1).map(|m| m.range())
}

fn jwt(caps: &Captures<'_>, _: &SecretDetector) -> Option<Range<usize>> {
    static BASE64URL: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let header = BASE64URL.decode(caps.get(1)?.as_str()).ok()?;
    let header: serde_json::Value = serde_json::from_slice(&header).ok()?;
    header.get("alg")?;
    caps.get(0).map(|m| m.range())
}

fn assignment(caps: &Captures<'_>, detector: &SecretDetector) -> Option<Range<usize>> {
    let value = caps
        .get(1)
        .or_else(|| caps.get(2))
        .or_else(|| caps.get(3))?;
    let text = value.as_str();
    let long_enough = text.chars().count() >= MIN_ASSIGNED_LEN;
    let already_hidden = text.starts_with("[REDACTED");
    (long_enough && !already_hidden && shannon_entropy(text) >= detector.min_entropy)
        .then(|| value.range())
}

const RULES: &[Rule] = &[
    Rule {
        kind: "private-key",
        pattern: r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?s:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|.*)",
        extract: whole,
    },
    Rule {
        kind: "aws-access-key",
        pattern: r"(?:AKIA|ASIA)[A-Z0-9]{16}",
        extract: whole,
    },
    Rule {
        kind: "aws-secret-key",
        pattern: r#"(?i)aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})"#,
        extract: group_one,
    },
    Rule {
        kind: "github-token",
        pattern: r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})",
        extract: whole,
    },
    Rule {
        kind: "slack-token",
        pattern: r"xox[abposr]-[A-Za-z0-9-]{10,}",
        extract: whole,
    },
    Rule {
        kind: "slack-webhook",
        pattern: r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_+-]+",
        extract: whole,
    },
    Rule {
        kind: "stripe-key",
        pattern: r"(?:sk_live|rk_live|sk_test)_[A-Za-z0-9]{10,}",
        extract: whole,
    },
    Rule {
        kind: "jwt",
        pattern: r"\b(ey[JA][A-Za-z0-9_-]*={0,2})\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]*={0,2}",
        extract: jwt,
    },
    Rule {
        kind: "credential-assignment",
        pattern: r#"(?i)[a-z0-9_.-]*(?:password|passwd|api[_-]?key|secret|token)[a-z0-9_.-]*["']?[ \t]*[:=][ \t]*(?:"([^"\r\n]+)"|'([^'\r\n]+)'|([^\s"',;&]+))"#,
        extract: assignment,
    },
];

/// Literals one of which every rule needs (matched without regard to ASCII
/// case, so a superset of what the rules accept): a text holding none of
/// them holds no secret, and most texts (test names, paths, ordinary
/// output) are cleared by one pass of this automaton without the regexes
/// being compiled or run.
const TRIGGERS: &[&str] = &[
    "private key",
    "akia",
    "asia",
    "secret",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xox",
    "hooks.slack.com/",
    "sk_live_",
    "rk_live_",
    "sk_test_",
    "eyj",
    "eya",
    "password",
    "passwd",
    "api_key",
    "api-key",
    "apikey",
    "token",
];

static TRIGGER_SCAN: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(TRIGGERS)
        .expect("the trigger literals build an automaton")
});

/// Whether `text` holds a literal some rule needs (see [`TRIGGERS`]).
fn may_hold_secret(text: &str) -> bool {
    TRIGGER_SCAN.is_match(text)
}

/// The rules compiled once per process: a set to learn cheaply which rules
/// match at all, and each rule's own regex to find where.
struct Compiled {
    set: RegexSet,
    regexes: Vec<Regex>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let patterns = RULES.iter().map(|rule| rule.pattern);
    Compiled {
        set: RegexSet::new(patterns.clone()).expect("secret patterns are valid"),
        regexes: patterns
            .map(|p| Regex::new(p).expect("secret pattern is valid"))
            .collect(),
    }
});

/// Finds and hides credentials in text. Cheap to create; the patterns are
/// compiled once per process.
///
/// ```
/// use leanvibe_test::secrets::SecretDetector;
/// let detector = SecretDetector::new();
/// let text = "key AKIAIOSFODNN7EXAMPLE leaked";
/// assert_eq!(detector.find(text)[0].kind, "aws-access-key");
/// assert_eq!(detector.redact(text), "key [REDACTED:aws-access-key] leaked");
/// ```
#[derive(Debug, Clone)]
pub struct SecretDetector {
    min_entropy: f64,
}

impl Default for SecretDetector {
    fn default() -> Self {
        SecretDetector::new()
    }
}

impl SecretDetector {
    /// A detector with [`DEFAULT_MIN_ENTROPY`].
    ///
    /// ```
    /// let detector = leanvibe_test::secrets::SecretDetector::new();
    /// assert!(detector.find("nothing to see").is_empty());
    /// ```
    pub fn new() -> Self {
        SecretDetector {
            min_entropy: DEFAULT_MIN_ENTROPY,
        }
    }

    /// Changes the entropy (bits per character) an assigned value needs to be
    /// reported as `credential-assignment`.
    ///
    /// ```
    /// use leanvibe_test::secrets::SecretDetector;
    /// let strict = SecretDetector::new().with_min_entropy(2.0);
    /// assert_eq!(strict.find("password=changeme").len(), 1);
    /// assert!(SecretDetector::new().find("password=changeme").is_empty());
    /// ```
    pub fn with_min_entropy(mut self, bits_per_char: f64) -> Self {
        self.min_entropy = bits_per_char;
        self
    }

    /// Every secret in `text`, sorted by position, overlapping findings merged.
    ///
    /// ```
    /// use leanvibe_test::secrets::SecretDetector;
    /// let found = SecretDetector::new().find("token: ghp_0123456789abcdefghijklmnopqrstuvwxyz");
    /// assert_eq!(found.len(), 1);
    /// assert_eq!(found[0].kind, "github-token");
    /// assert_eq!(found[0].range, 7..47);
    /// ```
    pub fn find(&self, text: &str) -> Vec<Finding> {
        if !may_hold_secret(text) {
            return Vec::new();
        }
        self.find_with_rules(text)
    }

    /// [`find`](SecretDetector::find) without the literal pre-filter.
    fn find_with_rules(&self, text: &str) -> Vec<Finding> {
        let compiled = &*COMPILED;
        let mut found: Vec<(Finding, usize)> = Vec::new();
        for index in compiled.set.matches(text).iter() {
            let rule = &RULES[index];
            for caps in compiled.regexes[index].captures_iter(text) {
                if let Some(range) = (rule.extract)(&caps, self) {
                    found.push((
                        Finding {
                            kind: rule.kind,
                            range,
                        },
                        index,
                    ));
                }
            }
        }
        found.sort_by_key(|(finding, priority)| (finding.range.start, *priority));
        let mut merged: Vec<Finding> = Vec::with_capacity(found.len());
        for (finding, _) in found {
            match merged.last_mut() {
                Some(last) if finding.range.start < last.range.end => {
                    last.range.end = last.range.end.max(finding.range.end);
                }
                _ => merged.push(finding),
            }
        }
        merged
    }

    /// `text` with every finding replaced by `[REDACTED:<kind>]`; borrowed
    /// when nothing was found.
    ///
    /// ```
    /// use leanvibe_test::secrets::SecretDetector;
    /// let detector = SecretDetector::new();
    /// assert_eq!(detector.redact("api_key = 'f9A2kQ7xLm3Zp8Rt'"), "api_key = '[REDACTED:credential-assignment]'");
    /// assert!(matches!(detector.redact("clean"), std::borrow::Cow::Borrowed(_)));
    /// ```
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let findings = self.find(text);
        if findings.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for finding in findings {
            out.push_str(&text[at..finding.range.start]);
            out.push_str("[REDACTED:");
            out.push_str(finding.kind);
            out.push(']');
            at = finding.range.end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }
}

/// Shannon entropy of the characters of `text`, in bits per character.
///
/// ```
/// use leanvibe_test::secrets::shannon_entropy;
/// assert_eq!(shannon_entropy("aaaa"), 0.0);
/// assert_eq!(shannon_entropy("abcd"), 2.0);
/// ```
pub fn shannon_entropy(text: &str) -> f64 {
    let mut counts = std::collections::HashMap::<char, usize>::new();
    let mut total = 0usize;
    for c in text.chars() {
        *counts.entry(c).or_default() += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    counts
        .values()
        .map(|&n| n as f64 / total)
        .map(|p| -p * p.log2())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<&'static str> {
        SecretDetector::new()
            .find(text)
            .into_iter()
            .map(|f| f.kind)
            .collect()
    }

    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

    #[test]
    fn finds_each_kind() {
        assert_eq!(kinds("id=AKIAIOSFODNN7EXAMPLE"), ["aws-access-key"]);
        assert_eq!(kinds("ASIAY34FZKBOKMUTVV7A"), ["aws-access-key"]);
        assert_eq!(
            kinds("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            ["aws-secret-key"]
        );
        assert_eq!(
            kinds("ghs_16C7e42F292c6912E7710c838347Ae178B4a"),
            ["github-token"]
        );
        assert_eq!(
            kinds("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"),
            ["github-token"]
        );
        assert_eq!(kinds("xoxb-123456789012-abcdefghijkl"), ["slack-token"]);
        assert_eq!(
            kinds("https://hooks.slack.com/services/T000/B000/XXXXXXXX"),
            ["slack-webhook"]
        );
        assert_eq!(kinds("sk_live_4eC39HqLyjWDarjtT1zdp7dc"), ["stripe-key"]);
        assert_eq!(kinds("rk_live_4eC39HqLyjWDarjtT1zdp7dc"), ["stripe-key"]);
        assert_eq!(kinds(&format!("Authorization: Bearer {JWT}")), ["jwt"]);
        assert_eq!(
            kinds("PASSWORD: \"Xk9#mQ2$vL7p\""),
            ["credential-assignment"]
        );
        assert_eq!(kinds("db_passwd='Xk9mQ2vL7pZ'"), ["credential-assignment"]);
        assert_eq!(
            kinds(r#"{"client_secret": "Xk9mQ2vL7pZ4"}"#),
            ["credential-assignment"]
        );
    }

    #[test]
    fn pem_block_is_hidden_whole_even_unterminated() {
        let pem = "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----\nafter";
        assert_eq!(
            SecretDetector::new().redact(pem),
            "before\n[REDACTED:private-key]\nafter"
        );
        let cut = "x -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXkt\n";
        assert_eq!(
            SecretDetector::new().redact(cut),
            "x [REDACTED:private-key]"
        );
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for text in [
            "password=changeme",
            "token=true",
            "secret: aaaaaaaaaaaa",
            "www.example.com is fine",
            "eyJub3QiOiJhIGp3dCJ9.eyJ4IjoxfQ.sig", // header has no "alg"
            "AKIA is a prefix",
            "tokens counted: 12",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }

    #[test]
    fn overlapping_findings_merge_under_the_more_specific_kind() {
        let text = "GITHUB_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
        assert_eq!(
            SecretDetector::new().redact(text),
            "GITHUB_TOKEN=[REDACTED:github-token]"
        );
    }

    #[test]
    fn redacting_twice_changes_nothing() {
        let once = SecretDetector::new()
            .redact("password=Xk9mQ2vL7pZ4 AKIAIOSFODNN7EXAMPLE")
            .into_owned();
        assert_eq!(SecretDetector::new().redact(&once), once);
    }
}

#[cfg(test)]
mod quoted_assignment {
    use super::*;

    #[test]
    fn a_token_inside_a_quoted_assignment_is_redacted() {
        let text = r#"Error: "password=ghp_R8x2Lq9Vn4Tz7Kp1Wm6Yc3Hb5Jd0Fs8Ga2Ue""#;
        let redacted = SecretDetector::new().redact(text);
        assert!(!redacted.contains("ghp_R8x2"), "{redacted}");
    }
}

#[cfg(test)]
mod prefilter {
    use super::*;
    use proptest::prelude::*;

    /// One secret of each rule, and pieces that almost make one.
    const FRAGMENTS: &[&str] = &[
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAY34FZKBOKMUTVV7A",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "ghp_R2d2C3poLuke0Leia1Han2Solo3Chewie4Yo1234",
        "github_pat_11ABCDEFG0123456789abcdefghij",
        "xoxb-0123456789ab",
        "https://hooks.slack.com/services/T000/B000/XXXX",
        "sk_live_0123456789abcdef",
        "rk_live_0123456789abcdef",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.c2ln",
        "password=Xk9#mQ2$vL7pZ",
        "PASSWD: 'Xk9#mQ2$vL7pZ'",
        "Api-Key=\"Xk9#mQ2$vL7pZ\"",
        "token='Xk9#mQ2$vL7pZ'",
        "client_secret: Xk9#mQ2$vL7pZ",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl",
        "AKIA",
        "ghp_",
        "token",
        "eyJ",
        " ",
        "\n",
        "=",
    ];

    proptest! {
        /// The literal pre-filter never hides a secret the rules would find:
        /// over texts made of secrets of every rule, near misses and
        /// arbitrary text, with the ASCII case of some letters flipped.
        #[test]
        fn the_prefilter_never_changes_a_finding(
            parts in proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
                    "\\PC{0,12}",
                ],
                0..5,
            ),
            flips in proptest::collection::vec(any::<proptest::sample::Index>(), 0..4),
        ) {
            let mut text = parts.concat();
            if !text.is_empty() {
                let mut chars: Vec<char> = text.chars().collect();
                for flip in &flips {
                    let at = flip.index(chars.len());
                    let c = &mut chars[at];
                    *c = if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() };
                }
                text = chars.into_iter().collect();
            }
            let detector = SecretDetector::new();
            prop_assert_eq!(detector.find(&text), detector.find_with_rules(&text));
        }
    }
}
