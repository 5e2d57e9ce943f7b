//! Mutation: after a vector's fixed corpus, payloads are varied the ways
//! filters are got past (encodings, case, padding, nesting, splitting), and
//! a variant that makes an oracle fire is shrunk to the fewest changes that
//! still do. The corpus stays the first line of attack; this finds what a
//! blacklist tuned to the corpus lets through.
//!
//! Each case is a corpus payload (one the fixed run found nothing with)
//! and a list of one to four [`Op`]s applied in order. proptest generates
//! the cases from a seed fixed per vector, so a run repeats, and shrinks a
//! finding by dropping and simplifying operations; the payload it started
//! from stays (a finding is about getting one payload past the filter).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::fmt::Write as _;

/// `LEANVIBE_SECURITY_MUTATIONS`: mutation cases per vector for suites
/// whose attribute sets no `mutations`.
pub const MUTATIONS_ENV: &str = "LEANVIBE_SECURITY_MUTATIONS";

/// Cases per vector: the attribute's `mutations`, else the variable, else
/// none. Off by default: every case is a call of the function under test,
/// and a suite's run time should not grow without being asked.
pub(crate) fn cases(attribute: Option<u32>) -> u32 {
    attribute
        .or_else(|| std::env::var(MUTATIONS_ENV).ok()?.trim().parse().ok())
        .unwrap_or(0)
}

/// One change to a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `<SCRIPT>`.
    Upper,
    /// `<sCrIpT>`.
    AlternateCase,
    /// Every byte outside `[A-Za-z0-9]` as `%XX`.
    UrlEncode,
    /// `%XX` of `%XX`: a filter that decodes once sees the first encoding.
    DoubleUrlEncode,
    /// Every non-alphanumeric character as `&#NN;`.
    HtmlEntities,
    /// Every non-alphanumeric ASCII character as `\uXXXX`.
    UnicodeEscape,
    /// Spaces as tabs, a newline after `<`: what a tokenizer skips.
    Whitespace,
    /// The payload inside itself at its middle (`<scr<script>ipt>`), so
    /// removing one occurrence leaves another.
    Nest,
    /// Split in two, joined by a NUL byte.
    SplitNul,
}

impl Op {
    const ALL: [Op; 9] = [
        Op::Upper,
        Op::AlternateCase,
        Op::UrlEncode,
        Op::DoubleUrlEncode,
        Op::HtmlEntities,
        Op::UnicodeEscape,
        Op::Whitespace,
        Op::Nest,
        Op::SplitNul,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::Upper => "upper-case",
            Op::AlternateCase => "alternate-case",
            Op::UrlEncode => "url-encode",
            Op::DoubleUrlEncode => "double-url-encode",
            Op::HtmlEntities => "html-entities",
            Op::UnicodeEscape => "unicode-escape",
            Op::Whitespace => "whitespace",
            Op::Nest => "nest",
            Op::SplitNul => "split-nul",
        }
    }

    pub(crate) fn apply(self, text: &str) -> String {
        let keep = |c: char| c.is_ascii_alphanumeric();
        match self {
            Op::Upper => text.to_uppercase(),
            Op::AlternateCase => text
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_lowercase()
                    } else {
                        c.to_ascii_uppercase()
                    }
                })
                .collect(),
            Op::UrlEncode => percent(text, keep),
            Op::DoubleUrlEncode => percent(&percent(text, keep), |c| c != '%'),
            Op::HtmlEntities => text
                .chars()
                .map(|c| {
                    if keep(c) {
                        c.to_string()
                    } else {
                        format!("&#{};", u32::from(c))
                    }
                })
                .collect(),
            Op::UnicodeEscape => text
                .chars()
                .map(|c| {
                    if keep(c) || !c.is_ascii() {
                        c.to_string()
                    } else {
                        format!("\\u{:04x}", u32::from(c))
                    }
                })
                .collect(),
            Op::Whitespace => text.replace(' ', "\t").replace('<', "<\n"),
            Op::Nest => {
                let middle = text
                    .char_indices()
                    .nth(text.chars().count() / 2)
                    .map_or(0, |(i, _)| i);
                format!("{}{text}{}", &text[..middle], &text[middle..])
            }
            Op::SplitNul => {
                let middle = text
                    .char_indices()
                    .nth(text.chars().count() / 2)
                    .map_or(0, |(i, _)| i);
                format!("{}\0{}", &text[..middle], &text[middle..])
            }
        }
    }
}

fn percent(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for c in text.chars() {
        if keep(c) {
            out.push(c);
        } else {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// A payload of the corpus with operations applied.
#[derive(Debug, Clone)]
pub(crate) struct Mutant {
    /// Index into the candidates.
    pub(crate) source: usize,
    pub(crate) ops: Vec<Op>,
}

impl Mutant {
    pub(crate) fn text(&self, source: &str) -> String {
        self.ops
            .iter()
            .fold(source.to_string(), |text, op| op.apply(&text))
    }

    /// `url-encode, upper-case`.
    pub(crate) fn describe(&self) -> String {
        self.ops
            .iter()
            .map(|op| op.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn strategy(candidates: usize) -> impl Strategy<Value = Mutant> {
    let op = proptest::sample::select(Op::ALL.to_vec());
    // The source does not shrink: the finding is about this payload.
    (
        (0..candidates).no_shrink(),
        proptest::collection::vec(op, 1..=4),
    )
        .prop_map(|(source, ops)| Mutant { source, ops })
}

/// What one mutant's call came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// No oracle fired.
    Quiet,
    /// An oracle fired.
    Fired,
    /// The call did not return in time; its thread is still running.
    Hung,
}

/// What the search found.
#[derive(Debug, Clone)]
pub(crate) enum Found {
    /// A mutant that fired, shrunk.
    Shrunk(Mutant),
    /// The mutant whose call hung, as it was: no call follows a hang (the
    /// thread still runs, and every shrinking step would wait out the time
    /// limit again).
    Hung(Mutant),
}

/// Runs `cases` mutants of `candidates` through `try_one` (which calls the
/// function and judges the call); the first finding, shrunk unless its
/// call hung. The seed is fixed per vector, so runs repeat.
pub(crate) fn search(
    vector: &str,
    candidates: &[String],
    cases: u32,
    mut try_one: impl FnMut(&Mutant) -> Verdict,
) -> Option<Found> {
    if candidates.is_empty() || cases == 0 {
        return None;
    }
    let mut seed = [0u8; 32];
    for (lane, chunk) in seed.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &xxhash_rust::xxh64::xxh64(vector.as_bytes(), lane as u64).to_le_bytes(),
        );
    }
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: cases.saturating_mul(4).max(64),
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let state = std::cell::RefCell::new((&mut try_one, None::<Mutant>));
    let result = runner.run(&strategy(candidates.len()), |mutant| {
        let (try_one, hung) = &mut *state.borrow_mut();
        if hung.is_some() {
            // Shrinking after a hang: no more calls; nothing simpler fails.
            return Ok(());
        }
        match try_one(&mutant) {
            Verdict::Quiet => Ok(()),
            Verdict::Fired => Err(TestCaseError::fail("an oracle fired")),
            Verdict::Hung => {
                *hung = Some(mutant);
                Err(TestCaseError::fail("the call hung"))
            }
        }
    });
    if let Some(mutant) = state.into_inner().1 {
        return Some(Found::Hung(mutant));
    }
    match result {
        Err(TestError::Fail(_, mutant)) => Some(Found::Shrunk(mutant)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_changes_a_payload_as_named() {
        let text = "<a b>";
        assert_eq!(Op::Upper.apply(text), "<A B>");
        assert_eq!(Op::AlternateCase.apply("script"), "sCrIpT");
        assert_eq!(Op::UrlEncode.apply(text), "%3Ca%20b%3E");
        assert_eq!(Op::DoubleUrlEncode.apply("<"), "%253C");
        assert_eq!(Op::HtmlEntities.apply("<a"), "&#60;a");
        assert_eq!(Op::UnicodeEscape.apply("<a"), "\\u003ca");
        assert_eq!(Op::Whitespace.apply(text), "<\na\tb>");
        assert_eq!(Op::Nest.apply("abcd"), "ababcdcd");
        assert_eq!(Op::SplitNul.apply("abcd"), "ab\0cd");
        assert_eq!(Op::Nest.apply("é✓"), "éé✓✓", "splits on characters");
    }

    #[test]
    fn a_finding_is_shrunk_to_the_operation_that_matters() {
        // A "filter" that blocks `<` but decodes after: only url-encoding
        // (or double) gets through; shrinking drops every other operation.
        let candidates = vec!["<script>".to_string()];
        let found = search("xss", &candidates, 64, |mutant| {
            let text = mutant.text(&candidates[mutant.source]);
            if !text.contains('<') && text.contains("%3C") {
                Verdict::Fired
            } else {
                Verdict::Quiet
            }
        });
        let Some(Found::Shrunk(found)) = found else {
            panic!("{found:?}")
        };
        assert_eq!(found.ops, vec![Op::UrlEncode], "{found:?}");
        assert_eq!(found.describe(), "url-encode");
    }

    #[test]
    fn nothing_found_when_no_case_fires_and_runs_repeat() {
        assert!(search("xss", &["<x>".into()], 32, |_| Verdict::Quiet).is_none());
        let mut first = Vec::new();
        search("sql", &["a".into(), "b".into()], 8, |m| {
            first.push(m.describe());
            Verdict::Quiet
        });
        let mut second = Vec::new();
        search("sql", &["a".into(), "b".into()], 8, |m| {
            second.push(m.describe());
            Verdict::Quiet
        });
        assert_eq!(first, second, "the seed is fixed per vector");
    }

    #[test]
    fn no_call_follows_a_hang_and_the_hung_mutant_is_not_shrunk() {
        let candidates = vec!["<script>".to_string()];
        let mut calls_after_hang = 0;
        let mut first_hung: Option<Vec<Op>> = None;
        let found = search("xss", &candidates, 64, |mutant| {
            if first_hung.is_some() {
                calls_after_hang += 1;
            }
            // Hangs on every mutant that encodes: shrinking would call again.
            if mutant.ops.contains(&Op::UrlEncode) {
                first_hung.get_or_insert_with(|| mutant.ops.clone());
                Verdict::Hung
            } else {
                Verdict::Quiet
            }
        });
        let Some(Found::Hung(mutant)) = found else {
            panic!("{found:?}")
        };
        assert_eq!(calls_after_hang, 0);
        assert_eq!(Some(mutant.ops), first_hung, "reported as it was found");
    }
}
