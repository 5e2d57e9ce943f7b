//! Attributes in a lexed source: where each `#[…]` is, its path and its
//! arguments, as token indices the converter can edit by.

use super::lexer::{Source, TokenKind};
use std::ops::Range;

/// One `#[path args]` or `#![path args]`.
///
/// ```ignore
/// let source = Source::new("#[tokio::test(flavor = \"multi_thread\")] fn t() {}");
/// let attribute = &attributes(&source)[0];
/// assert_eq!(attribute.path, ["tokio", "test"]);
/// assert_eq!(source.text(attribute.args.start), "(");
/// ```
#[derive(Debug)]
pub struct Attribute {
    /// `#![…]`, which applies to the enclosing item (the crate, at the top
    /// of a root file).
    pub inner: bool,
    /// From the `#` to the closing `]`, as token indices.
    pub tokens: Range<usize>,
    /// The path's tokens (a leading `::` included).
    pub path_tokens: Range<usize>,
    /// The path's segments, without `::` (`["tokio", "test"]`).
    pub path: Vec<String>,
    /// What follows the path, up to the closing `]`: a delimited group, `=
    /// value`, or nothing.
    pub args: Range<usize>,
}

impl Attribute {
    /// Whether the path is exactly `segments`, with or without a leading `::`.
    pub fn is(&self, segments: &[&str]) -> bool {
        self.path == segments
    }

    /// The string of `#[name = "value"]`, if that is this attribute's form.
    pub fn string_value(&self, source: &Source) -> Option<String> {
        let args = self.args.clone();
        if args.len() == 2 && source.is_punct(args.start, '=') {
            let literal = args.start + 1;
            if source.tokens[literal].kind == TokenKind::Literal {
                return super::lexer::string_value(source.text(literal));
            }
        }
        None
    }
}

/// Every attribute in `source`, in order, wherever it is (in macro bodies
/// too). An `#[` whose `]` is missing is skipped.
pub fn attributes(source: &Source) -> Vec<Attribute> {
    let mut found = Vec::new();
    for hash in 0..source.tokens.len() {
        if !source.is_punct(hash, '#') {
            continue;
        }
        let inner = source.is_punct(hash + 1, '!');
        let open = hash + 1 + usize::from(inner);
        if !source.is_punct(open, '[') {
            continue;
        }
        let Some(close) = source.partner[open] else {
            continue;
        };
        let (path_tokens, path) = path_at(source, open + 1, close);
        if path.is_empty() {
            continue; // `#[$meta]` in a macro, and the like
        }
        found.push(Attribute {
            inner,
            tokens: hash..close + 1,
            args: path_tokens.end..close,
            path_tokens,
            path,
        });
    }
    found
}

/// The path starting at token `start` (before `end`): `a`, `::a`, `a::b`.
pub fn path_at(source: &Source, start: usize, end: usize) -> (Range<usize>, Vec<String>) {
    let mut at = start;
    if source.is_path_sep(at) {
        at += 2;
    }
    let mut segments = Vec::new();
    while at < end && source.tokens[at].kind == TokenKind::Ident {
        segments.push(source.text(at).to_string());
        at += 1;
        if at + 1 < end && source.is_path_sep(at) && source.tokens[at + 2].kind == TokenKind::Ident
        {
            at += 2;
        } else {
            break;
        }
    }
    if segments.is_empty() {
        return (start..start, segments);
    }
    (start..at, segments)
}

/// The items of a delimited group at token `open`, split at its top-level
/// commas, as token ranges (empty items dropped): for `(a, b(c, d),)`,
/// `a` and `b(c, d)`.
pub fn comma_items(source: &Source, open: usize) -> Vec<Range<usize>> {
    let Some(close) = source.partner.get(open).copied().flatten() else {
        return Vec::new();
    };
    let mut items = Vec::new();
    let mut start = open + 1;
    let mut at = open + 1;
    while at < close {
        if source.is_punct(at, ',') {
            if at > start {
                items.push(start..at);
            }
            start = at + 1;
            at += 1;
        } else {
            // Step over a nested group whole.
            at = match source.partner[at] {
                Some(partner) if partner > at => partner + 1,
                _ => at + 1,
            };
        }
    }
    if close > start {
        items.push(start..close);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example() {
        let source = Source::new("#[tokio::test(flavor = \"multi_thread\")] fn t() {}");
        let attribute = &attributes(&source)[0];
        assert_eq!(attribute.path, ["tokio", "test"]);
        assert_eq!(source.text(attribute.args.start), "(");
    }

    #[test]
    fn finds_paths_and_args() {
        let source = Source::new(
            "#![allow(x)] #[test] #[ ::tokio :: test (flavor = \"x\") ] #[path = \"a.rs\"] #[$m]",
        );
        let found = attributes(&source);
        let paths: Vec<_> = found.iter().map(|a| a.path.join("::")).collect();
        assert_eq!(paths, ["allow", "test", "tokio::test", "path"]);
        assert!(found[0].inner && !found[1].inner);
        assert!(found[1].args.is_empty());
        assert_eq!(source.text(found[2].args.start), "(");
        assert_eq!(found[3].string_value(&source).as_deref(), Some("a.rs"));
    }

    #[test]
    fn splits_top_level_commas() {
        let source = Source::new("(a, b(c, d), [e, f],)");
        let items: Vec<_> = comma_items(&source, 0)
            .into_iter()
            .map(|r| {
                source.text[source.tokens[r.start].span.start..source.tokens[r.end - 1].span.end]
                    .to_string()
            })
            .collect();
        assert_eq!(items, ["a", "b(c, d)", "[e, f]"]);
    }
}
