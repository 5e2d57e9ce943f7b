//! The rules' matchers, written out by hand (the `regex` crate and its
//! automata were most of what the core cost to build). Each follows one
//! regular expression of [`super::reference`] exactly: the same leftmost-
//! first, non-overlapping matches, as a property test checks against the
//! `regex` crate itself. Two deliberate differences, both outside ASCII:
//! case-insensitive keywords fold ASCII letters only (not `ſ` or the Kelvin
//! sign), and the word boundary before a JWT counts letters, digits and `_`
//! as word characters (not combining marks).

use std::ops::Range;

/// One match of a rule: the whole match, and the capture the rule hides
/// (the whole match for most rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hit {
    pub whole: Range<usize>,
    pub hidden: Range<usize>,
}

impl Hit {
    fn whole(range: Range<usize>) -> Hit {
        Hit {
            hidden: range.clone(),
            whole: range,
        }
    }
}

/// All matches of one rule, left to right, not overlapping: after a match
/// the search resumes at its end (at the next byte after an empty one).
fn each(text: &str, mut at_start: impl FnMut(&[u8], usize) -> Option<Hit>) -> Vec<Hit> {
    let bytes = text.as_bytes();
    let mut hits = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match at_start(bytes, at) {
            Some(hit) => {
                at = hit.whole.end.max(at + 1);
                hits.push(hit);
            }
            None => at += 1,
        }
    }
    hits
}

fn starts_with_at(bytes: &[u8], at: usize, literal: &[u8]) -> bool {
    bytes.get(at..at + literal.len()) == Some(literal)
}

fn starts_with_at_ci(bytes: &[u8], at: usize, literal: &[u8]) -> bool {
    bytes
        .get(at..at + literal.len())
        .is_some_and(|b| b.eq_ignore_ascii_case(literal))
}

/// Length of the run of bytes at `at` that satisfy `class`, up to `max`.
fn run(bytes: &[u8], at: usize, max: usize, class: impl Fn(u8) -> bool) -> usize {
    bytes[at.min(bytes.len())..]
        .iter()
        .take(max)
        .take_while(|&&b| class(b))
        .count()
}

fn upper_or_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// `(?:[A-Z0-9]+ )*PRIVATE KEY-----` at `at`: where it ends.
fn key_label(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        if starts_with_at(bytes, at, b"PRIVATE KEY-----") {
            return Some(at + b"PRIVATE KEY-----".len());
        }
        let word = run(bytes, at, usize::MAX, upper_or_digit);
        if word == 0 || bytes.get(at + word) != Some(&b' ') {
            return None;
        }
        at += word + 1;
    }
}

/// `-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?s:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|.*)`
pub(super) fn private_key(text: &str) -> Vec<Hit> {
    each(text, |bytes, at| {
        if !starts_with_at(bytes, at, b"-----BEGIN ") {
            return None;
        }
        let body = key_label(bytes, at + b"-----BEGIN ".len())?;
        let end = (body..bytes.len())
            .filter(|&q| starts_with_at(bytes, q, b"-----END "))
            .find_map(|q| key_label(bytes, q + b"-----END ".len()))
            .unwrap_or(bytes.len());
        Some(Hit::whole(at..end))
    })
}

/// `(?:AKIA|ASIA)[A-Z0-9]{16}`
pub(super) fn aws_access_key(text: &str) -> Vec<Hit> {
    each(text, |bytes, at| {
        let prefixed = starts_with_at(bytes, at, b"AKIA") || starts_with_at(bytes, at, b"ASIA");
        (prefixed && run(bytes, at + 4, 16, upper_or_digit) == 16).then(|| Hit::whole(at..at + 20))
    })
}

/// Unicode `\s*` at `at`: where the whitespace ends.
fn skip_whitespace(text: &str, at: usize) -> usize {
    at + text[at..]
        .char_indices()
        .find(|(_, c)| !c.is_whitespace())
        .map_or(text.len() - at, |(i, _)| i)
}

/// `(?i)aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})`
pub(super) fn aws_secret_key(text: &str) -> Vec<Hit> {
    each(text, |bytes, at| {
        let underscore = |at: usize| at + usize::from(bytes.get(at) == Some(&b'_'));
        if !starts_with_at_ci(bytes, at, b"aws") {
            return None;
        }
        let mut p = underscore(at + 3);
        if !starts_with_at_ci(bytes, p, b"secret") {
            return None;
        }
        p = underscore(p + 6);
        if starts_with_at_ci(bytes, p, b"access") {
            let after = underscore(p + 6);
            // `(?:access_?)?` gives way when no `key` follows it.
            if starts_with_at_ci(bytes, after, b"key") {
                p = after;
            }
        }
        if !starts_with_at_ci(bytes, p, b"key") {
            return None;
        }
        p += 3;
        if matches!(bytes.get(p), Some(b'"' | b'\'')) {
            p += 1;
        }
        p = skip_whitespace(text, p);
        if !matches!(bytes.get(p), Some(b':' | b'=')) {
            return None;
        }
        p = skip_whitespace(text, p + 1);
        if matches!(bytes.get(p), Some(b'"' | b'\'')) {
            p += 1;
        }
        let key = |b: u8| b.is_ascii_alphanumeric() || b == b'/' || b == b'+';
        (run(bytes, p, 40, key) == 40).then(|| Hit {
            whole: at..p + 40,
            hidden: p..p + 40,
        })
    })
}

/// `(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})`
pub(super) fn github_token(text: &str) -> Vec<Hit> {
    each(text, |bytes, at| {
        if starts_with_at(bytes, at, b"gh")
            && matches!(bytes.get(at + 2), Some(b'p' | b'o' | b'u' | b's' | b'r'))
            && bytes.get(at + 3) == Some(&b'_')
        {
            let n = run(bytes, at + 4, 255, |b| b.is_ascii_alphanumeric());
            if n >= 36 {
                return Some(Hit::whole(at..at + 4 + n));
            }
        }
        if starts_with_at(bytes, at, b"github_pat_") {
            let n = run(bytes, at + 11, 255, |b| {
                b.is_ascii_alphanumeric() || b == b'_'
            });
            if n >= 22 {
                return Some(Hit::whole(at..at + 11 + n));
            }
        }
        None
    })
}

/// `xox[abposr]-[A-Za-z0-9-]{10,}`
pub(super) fn slack_token(text: &str) -> Vec<Hit> {
    each(text, |bytes, at| {
        if !(starts_with_at(bytes, at, b"xox")
            && matches!(
                bytes.get(at + 3),
                Some(b'a' | b'b' | b'p' | b'o' | b's' | b'r')
            )
            && bytes.get(at + 4) == Some(&b'-'))
        {
            return None;
        }
        let n = run(bytes, at + 5, usize::MAX, |b| {
            b.is_ascii_alphanumeric() || b == b'-'
        });
        (n >= 10).then(|| Hit::whole(at..at + 5 + n))
    })
}

/// `https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_+-]+`
pub(super) fn slack_webhook(text: &str) -> Vec<Hit> {
    const HOST: &[u8] = b"https://hooks.slack.com/";
    each(text, |bytes, at| {
        if !starts_with_at(bytes, at, HOST) {
            return None;
        }
        let p = at + HOST.len();
        let kind = [&b"services/"[..], b"workflows/", b"triggers/"]
            .into_iter()
            .find(|kind| starts_with_at(bytes, p, kind))?;
        let p = p + kind.len();
        let n = run(bytes, p, usize::MAX, |b| {
            b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'+' | b'-')
        });
        (n > 0).then(|| Hit::whole(at..p + n))
    })
}

/// `(?:sk_live|rk_live|sk_test)_[A-Za-z0-9]{10,}`
pub(super) fn stripe_key(text: &str) -> Vec<Hit> {
    each(text, |bytes, at| {
        let prefixed = [&b"sk_live_"[..], b"rk_live_", b"sk_test_"]
            .into_iter()
            .any(|prefix| starts_with_at(bytes, at, prefix));
        if !prefixed {
            return None;
        }
        let n = run(bytes, at + 8, usize::MAX, |b| b.is_ascii_alphanumeric());
        (n >= 10).then(|| Hit::whole(at..at + 8 + n))
    })
}

fn base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// `[A-Za-z0-9_-]*={0,2}` (or `+` with `min` 1) at `at`: where it ends.
fn jwt_part(bytes: &[u8], at: usize, min: usize) -> Option<usize> {
    let n = run(bytes, at, usize::MAX, base64url);
    (n >= min).then(|| at + n + run(bytes, at + n, 2, |b| b == b'='))
}

/// `\b(ey[JA][A-Za-z0-9_-]*={0,2})\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]*={0,2}`;
/// the capture is the header, which the rule then decodes.
pub(super) fn jwt(text: &str) -> Vec<Hit> {
    each(text, |bytes, at| {
        if !(starts_with_at(bytes, at, b"eyJ") || starts_with_at(bytes, at, b"eyA")) {
            return None;
        }
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let header = jwt_part(bytes, at + 3, 0)?;
        if bytes.get(header) != Some(&b'.') {
            return None;
        }
        let payload = jwt_part(bytes, header + 1, 1)?;
        if bytes.get(payload) != Some(&b'.') {
            return None;
        }
        let signature = jwt_part(bytes, payload + 1, 0)?;
        Some(Hit {
            whole: at..signature,
            hidden: at..header,
        })
    })
}

fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// Whether a setting's name says it holds a credential.
fn names_a_credential(name: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"password",
        b"passwd",
        b"apikey",
        b"api_key",
        b"api-key",
        b"secret",
        b"token",
    ];
    (0..name.len()).any(|i| WORDS.iter().any(|word| starts_with_at_ci(name, i, word)))
}

/// `(?i)[a-z0-9_.-]*(?:password|passwd|api[_-]?key|secret|token)[a-z0-9_.-]*["']?[ \t]*[:=][ \t]*(?:"([^"\r\n]+)"|'([^'\r\n]+)'|([^\s"',;&]+))`;
/// the capture is the value.
///
/// The name is a whole run of name characters (anything shorter would be
/// followed by another name character, which the rest cannot match), so a
/// match starts where a run holding a keyword starts, or not in that run.
pub(super) fn credential_assignment(text: &str) -> Vec<Hit> {
    let bytes = text.as_bytes();
    let mut hits = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let name = run(bytes, at, usize::MAX, name_char);
        if name == 0 {
            at += 1;
            continue;
        }
        let hit = names_a_credential(&bytes[at..at + name])
            .then(|| assigned_value(text, at, at + name))
            .flatten();
        match hit {
            Some(hit) => {
                at = hit.whole.end;
                hits.push(hit);
            }
            None => at += name,
        }
    }
    hits
}

/// The rest of an assignment after a credential name `start..end`.
fn assigned_value(text: &str, start: usize, end: usize) -> Option<Hit> {
    let bytes = text.as_bytes();
    let blanks = |at: usize| at + run(bytes, at, usize::MAX, |b| b == b' ' || b == b'\t');
    let mut p = end;
    if matches!(bytes.get(p), Some(b'"' | b'\'')) {
        p += 1;
    }
    p = blanks(p);
    if !matches!(bytes.get(p), Some(b':' | b'=')) {
        return None;
    }
    p = blanks(p + 1);
    if let Some(&quote @ (b'"' | b'\'')) = bytes.get(p) {
        let n = run(bytes, p + 1, usize::MAX, |b| {
            !matches!(b, b'\r' | b'\n') && b != quote
        });
        if n > 0 && bytes.get(p + 1 + n) == Some(&quote) {
            return Some(Hit {
                whole: start..p + 2 + n,
                hidden: p + 1..p + 1 + n,
            });
        }
    }
    let n = text[p..]
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '&'))
        .map_or(text.len() - p, |(i, _)| i);
    (n > 0).then(|| Hit {
        whole: start..p + n,
        hidden: p..p + n,
    })
}
