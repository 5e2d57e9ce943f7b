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

#[cfg(test)]
mod reference;
mod scan;

use scan::Hit;
use std::borrow::Cow;
use std::ops::Range;

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
pub struct SecretFinding {
    /// One of [`KINDS`], e.g. `aws-access-key`.
    pub kind: &'static str,
    /// Byte range of the secret in the text searched.
    pub range: Range<usize>,
}

/// How a rule turns a match into the range to hide, or rejects it.
type Extract = fn(&Hit, &str, &SecretDetector) -> Option<Range<usize>>;

struct Rule {
    kind: &'static str,
    find: fn(&str) -> Vec<Hit>,
    extract: Extract,
}

fn hidden(hit: &Hit, _: &str, _: &SecretDetector) -> Option<Range<usize>> {
    Some(hit.hidden.clone())
}

fn jwt(hit: &Hit, text: &str, _: &SecretDetector) -> Option<Range<usize>> {
    let header = decode_base64url(&text[hit.hidden.clone()])?;
    let header: crate::json::Value = crate::json::from_slice(&header).ok()?;
    header.get("alg")?;
    Some(hit.whole.clone())
}

fn assignment(hit: &Hit, text: &str, detector: &SecretDetector) -> Option<Range<usize>> {
    let value = &text[hit.hidden.clone()];
    let long_enough = value.chars().count() >= MIN_ASSIGNED_LEN;
    let already_hidden = value.starts_with("[REDACTED");
    (long_enough && !already_hidden && shannon_entropy(value) >= detector.min_entropy)
        .then(|| hit.hidden.clone())
}

/// Base64url as the `base64` crate decodes it with padding "indifferent":
/// `=` only at the end of the last group of four (or fewer), after at least
/// two symbols of it; unused bits zero.
fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let last_group = match bytes.len() % 4 {
        0 => bytes.len().saturating_sub(4),
        partial => bytes.len() - partial,
    };
    let symbols = &bytes[..bytes[last_group..]
        .iter()
        .position(|&b| b == b'=')
        .map_or(bytes.len(), |i| last_group + i)];
    let padding = &bytes[symbols.len()..];
    if padding.iter().any(|&b| b != b'=') || !bytes.is_empty() && symbols.len() - last_group < 2 {
        return None;
    }
    let sextet = |b: u8| match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(symbols.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0u32);
    for &b in symbols {
        bits = bits << 6 | u32::from(sextet(b)?);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    (bits == 0).then_some(out)
}

/// In [`KINDS`] order.
const RULES: &[Rule] = &[
    Rule {
        kind: "private-key",
        find: scan::private_key,
        extract: hidden,
    },
    Rule {
        kind: "aws-access-key",
        find: scan::aws_access_key,
        extract: hidden,
    },
    Rule {
        kind: "aws-secret-key",
        find: scan::aws_secret_key,
        extract: hidden,
    },
    Rule {
        kind: "github-token",
        find: scan::github_token,
        extract: hidden,
    },
    Rule {
        kind: "slack-token",
        find: scan::slack_token,
        extract: hidden,
    },
    Rule {
        kind: "slack-webhook",
        find: scan::slack_webhook,
        extract: hidden,
    },
    Rule {
        kind: "stripe-key",
        find: scan::stripe_key,
        extract: hidden,
    },
    Rule {
        kind: "jwt",
        find: scan::jwt,
        extract: jwt,
    },
    Rule {
        kind: "credential-assignment",
        find: scan::credential_assignment,
        extract: assignment,
    },
];

/// Literals one of which every rule needs (matched without regard to ASCII
/// case, so a superset of what the rules accept): a text holding none of
/// them holds no secret, and most texts (test names, paths, ordinary
/// output) are cleared by one pass over their bytes.
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

/// Whether `text` holds a literal some rule needs (see [`TRIGGERS`]).
///
/// Runs over every captured byte, in the unoptimised builds `cargo test`
/// makes too, so each byte costs one table lookup, and only a byte that
/// starts some trigger is compared further, with that trigger alone.
fn may_hold_secret(text: &str) -> bool {
    const _: () = assert!(TRIGGERS.len() <= 64, "STARTS holds a bit per trigger");
    // For each byte, the triggers it starts (bit `i` for `TRIGGERS[i]`),
    // in either ASCII case.
    const STARTS: [u64; 256] = {
        let mut starts = [0u64; 256];
        let mut i = 0;
        while i < TRIGGERS.len() {
            let first = TRIGGERS[i].as_bytes()[0];
            starts[first.to_ascii_lowercase() as usize] |= 1 << i;
            starts[first.to_ascii_uppercase() as usize] |= 1 << i;
            i += 1;
        }
        starts
    };
    let bytes = text.as_bytes();
    for at in 0..bytes.len() {
        let mut candidates = STARTS[bytes[at] as usize];
        while candidates != 0 {
            let trigger = TRIGGERS[candidates.trailing_zeros() as usize].as_bytes();
            candidates &= candidates - 1;
            if bytes.len() - at >= trigger.len()
                && bytes[at..at + trigger.len()].eq_ignore_ascii_case(trigger)
            {
                return true;
            }
        }
    }
    false
}

/// Finds and hides credentials in text. Cheap to create.
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
    pub fn find(&self, text: &str) -> Vec<SecretFinding> {
        if !may_hold_secret(text) {
            return Vec::new();
        }
        self.find_with_rules(text)
    }

    /// [`find`](SecretDetector::find) without the literal pre-filter.
    fn find_with_rules(&self, text: &str) -> Vec<SecretFinding> {
        let mut found: Vec<(SecretFinding, usize)> = Vec::new();
        for (index, rule) in RULES.iter().enumerate() {
            for hit in (rule.find)(text) {
                if let Some(range) = (rule.extract)(&hit, text, self) {
                    found.push((
                        SecretFinding {
                            kind: rule.kind,
                            range,
                        },
                        index,
                    ));
                }
            }
        }
        merge_overlapping(found)
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

/// Findings in text order, overlapping ones joined into one; where two start
/// at the same byte, the rule listed first (the lower `priority`) names it.
fn merge_overlapping(mut found: Vec<(SecretFinding, usize)>) -> Vec<SecretFinding> {
    found.sort_by_key(|(finding, priority)| (finding.range.start, *priority));
    let mut merged: Vec<SecretFinding> = Vec::with_capacity(found.len());
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
