//! The rules as regular expressions, run by the `regex` crate: the
//! specification the hand-written matchers of [`super::scan`] must agree
//! with, checked over generated texts below. (Test-only; `regex` is a
//! dev-dependency of the core.)

use super::{KINDS, MIN_ASSIGNED_LEN, SecretDetector, SecretFinding, shannon_entropy};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use proptest::prelude::*;
use regex::{Captures, Regex};
use std::ops::Range;

/// In [`KINDS`] order.
const PATTERNS: &[&str] = &[
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?s:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|.*)",
    r"(?:AKIA|ASIA)[A-Z0-9]{16}",
    r#"(?i)aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})"#,
    r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})",
    r"xox[abposr]-[A-Za-z0-9-]{10,}",
    r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_+-]+",
    r"(?:sk_live|rk_live|sk_test)_[A-Za-z0-9]{10,}",
    r"\b(ey[JA][A-Za-z0-9_-]*={0,2})\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]*={0,2}",
    r#"(?i)[a-z0-9_.-]*(?:password|passwd|api[_-]?key|secret|token)[a-z0-9_.-]*["']?[ \t]*[:=][ \t]*(?:"([^"\r\n]+)"|'([^'\r\n]+)'|([^\s"',;&]+))"#,
];

fn extract(kind: &str, caps: &Captures<'_>, detector: &SecretDetector) -> Option<Range<usize>> {
    match kind {
        "aws-secret-key" => caps.get(1).map(|m| m.range()),
        "jwt" => {
            static BASE64URL: GeneralPurpose = GeneralPurpose::new(
                &base64::alphabet::URL_SAFE,
                GeneralPurposeConfig::new()
                    .with_decode_padding_mode(DecodePaddingMode::Indifferent),
            );
            let header = BASE64URL.decode(caps.get(1)?.as_str()).ok()?;
            let header: crate::json::Value = crate::json::from_slice(&header).ok()?;
            header.get("alg")?;
            caps.get(0).map(|m| m.range())
        }
        "credential-assignment" => {
            let value = caps
                .get(1)
                .or_else(|| caps.get(2))
                .or_else(|| caps.get(3))?;
            let text = value.as_str();
            (text.chars().count() >= MIN_ASSIGNED_LEN
                && !text.starts_with("[REDACTED")
                && shannon_entropy(text) >= detector.min_entropy)
                .then(|| value.range())
        }
        _ => caps.get(0).map(|m| m.range()),
    }
}

/// What the detector finds, computed with the regular expressions.
fn find(detector: &SecretDetector, text: &str) -> Vec<SecretFinding> {
    let mut found: Vec<(SecretFinding, usize)> = Vec::new();
    for (index, (kind, pattern)) in KINDS.iter().zip(PATTERNS).enumerate() {
        for caps in Regex::new(pattern).unwrap().captures_iter(text) {
            if let Some(range) = extract(kind, &caps, detector) {
                found.push((SecretFinding { kind, range }, index));
            }
        }
    }
    // Joining overlaps is not what this reference checks: the matchers are.
    super::merge_overlapping(found)
}

/// Secrets of every rule, their parts, and near misses.
const FRAGMENTS: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "ASIAY34FZKBOKMUTVV7A",
    "AKIAIOSFODNN7EXAMP",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWSSecretKey\"=\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYmore",
    "aws_secret_access_",
    "key: ",
    "ghp_R2d2C3poLuke0Leia1Han2Solo3Chewie4Yo1234",
    "ghp_short",
    "github_pat_11ABCDEFG0123456789abcdefghij",
    "xoxb-0123456789ab",
    "xoxp-",
    "https://hooks.slack.com/services/T000/B000/XXXX",
    "https://hooks.slack.com/triggers/",
    "sk_live_0123456789abcdef",
    "rk_live_0123456789abcdef",
    "sk_test_",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.c2ln",
    "eyJhbGciOiJub25lIn0=.e30.",
    "eyJub3QiOiJhIGp3dCJ9.eyJ4IjoxfQ.sig",
    "eyA.x.",
    "eyJhbGciOiJIUzI1NiJ9",
    ".",
    "==",
    "password=Xk9#mQ2$vL7pZ",
    "PASSWD: 'Xk9#mQ2$vL7pZ'",
    "Api-Key=\"Xk9#mQ2$vL7pZ\"",
    "token='Xk9#mQ2$vL7pZ'",
    "client_secret: Xk9#mQ2$vL7pZ",
    "db.password\t=\t\"\"",
    "secret='unterminated",
    "token=changeme",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl",
    "-----END PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----",
    "-----BEGIN rsa PRIVATE KEY-----",
    "AKIA",
    "ghp_",
    "token",
    "eyJ",
    " ",
    "\t",
    "\n",
    "\r\n",
    "=",
    ":",
    "\"",
    "'",
    ",",
    "&",
    "_",
    "\u{a0}",
    "é",
];

/// Texts made of fragments and arbitrary characters (leaving out `ſ`, the
/// Kelvin sign and combining marks, where the matchers fold and classify
/// more narrowly than `regex`; see [`super::scan`]).
fn texts() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => "[ -~\t\r\n\u{a0}\u{2003}éß中😀]{0,12}",
    ];
    (
        proptest::collection::vec(piece, 0..7),
        proptest::collection::vec(any::<proptest::sample::Index>(), 0..4),
    )
        .prop_map(|(parts, flips)| {
            let mut chars: Vec<char> = parts.concat().chars().collect();
            if !chars.is_empty() {
                for flip in &flips {
                    let at = flip.index(chars.len());
                    let c = &mut chars[at];
                    *c = if c.is_ascii_uppercase() {
                        c.to_ascii_lowercase()
                    } else {
                        c.to_ascii_uppercase()
                    };
                }
            }
            chars.into_iter().collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// The hand-written matchers find exactly what the regular expressions
    /// find, with either entropy threshold.
    #[test]
    fn the_matchers_agree_with_the_regular_expressions(text in texts(), strict in any::<bool>()) {
        let detector = if strict { SecretDetector::new().with_min_entropy(2.0) } else { SecretDetector::new() };
        prop_assert_eq!(detector.find_with_rules(&text), find(&detector, &text), "{:?}", text);
    }
}

#[test]
fn base64url_decoding_agrees_with_the_base64_crate() {
    let reference = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let alphabet = b"AJw-_=";
    // Every string up to six symbols long over a small alphabet.
    let mut texts = vec![String::new()];
    for _ in 0..6 {
        let longer: Vec<String> = texts
            .iter()
            .filter(|t| t.len() == texts.last().unwrap().len())
            .flat_map(|t| alphabet.iter().map(move |&c| format!("{t}{}", c as char)))
            .collect();
        texts.extend(longer);
    }
    for text in texts {
        assert_eq!(
            super::decode_base64url(&text),
            reference.decode(&text).ok(),
            "{text:?}"
        );
    }
}
