//! The `ldap_injection` oracle: the filter a function built from a payload
//! must have the structure of the filter it builds from a benign value.
//!
//! The filter is located at the first `(` of the output. From there, filters
//! are parsed one after another (RFC 4515, see [`ldap_filter`]); what follows
//! them is the tail. A payload changed the structure when the first filter
//! differs from the benign one in anything but its values (an item became a
//! presence test or a wildcard match, an `&`/`|` gained components), when
//! more filters follow than in the benign output, when the tail holds more
//! parentheses than the benign tail, or when the filter no longer parses.
//! Values are compared by kind only: a value escaped per RFC 4515 (`\2a`,
//! `\28`, `\29`, `\5c`, `\00`) stays a value, whatever it decodes to.

use crate::security::ldap_filter::{self, Filter, ParseError, Skeleton};
use std::ops::Range;

/// The filters found in one output.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    /// Each filter parsed, with its byte range in the output.
    filters: Vec<(Filter, Range<usize>)>,
    /// The `(` where parsing stopped on an error, and the error.
    error: Option<ParseError>,
    /// Parentheses in the text after the last filter.
    tail_parens: usize,
}

/// The filters of `output`, from its first `(`; `None` if it has no `(`.
pub(crate) fn locate(output: &str) -> Option<Located> {
    let start = output.find('(')?;
    let bytes = output.as_bytes();
    let mut at = start;
    let mut filters = Vec::new();
    let mut error = None;
    while bytes.get(at) == Some(&b'(') {
        match ldap_filter::parse_prefix(&bytes[at..]) {
            Ok((filter, used)) => {
                filters.push((filter, at..at + used));
                at += used;
            }
            Err(e) => {
                error = Some(ParseError {
                    at: at + e.at,
                    expected: e.expected,
                });
                break;
            }
        }
    }
    let tail_parens = bytes[at..]
        .iter()
        .filter(|b| matches!(b, b'(' | b')'))
        .count();
    Some(Located {
        filters,
        error,
        tail_parens,
    })
}

impl Located {
    /// Whether this is a usable picture of the intended filter: at least
    /// one filter, all of it parsed.
    pub(crate) fn is_filter(&self) -> bool {
        !self.filters.is_empty() && self.error.is_none()
    }
}

/// What changed between the `intended` filter (from the benign call) and
/// the `actual` one, as sentences; empty when the structure is the same.
/// `output` is the text `actual` was located in.
pub(crate) fn changes(intended: &Located, actual: Option<&Located>, output: &str) -> Vec<String> {
    let Some(actual) = actual else {
        return vec!["the output no longer holds a filter (no `(`)".into()];
    };
    let mut changes = Vec::new();
    if actual.filters.is_empty() {
        if let Some(error) = &actual.error {
            changes.push(format!(
                "the filter no longer parses ({error}), so metacharacters reached it unescaped"
            ));
        }
        return changes;
    }
    for ((want, _), (got, _)) in intended.filters.iter().zip(&actual.filters) {
        differences(want, got, &mut changes);
    }
    for (_, range) in actual.filters.iter().skip(intended.filters.len()) {
        changes.push(format!(
            "another filter follows the intended one: `{}`",
            &output[range.clone()]
        ));
    }
    if let Some(error) = &actual.error {
        changes.push(format!(
            "unbalanced filter text follows the filter ({error})"
        ));
    } else if actual.tail_parens > intended.tail_parens {
        let end = actual.filters.last().map_or(0, |(_, r)| r.end);
        changes.push(format!(
            "stray parentheses follow the filter: {}",
            crate::security::finding::escape(&output[end..], 60)
        ));
    }
    changes
}

/// Walks both trees side by side, naming each place they part.
fn differences(want: &Filter, got: &Filter, out: &mut Vec<String>) {
    match (want, got) {
        (Filter::And(a), Filter::And(b)) | (Filter::Or(a), Filter::Or(b)) if a.len() == b.len() => {
            a.iter().zip(b).for_each(|(x, y)| differences(x, y, out));
        }
        (Filter::And(a), Filter::And(b)) | (Filter::Or(a), Filter::Or(b)) => out.push(format!(
            "`{}` has {} components instead of {}: `{}`",
            if matches!(want, Filter::And(_)) {
                "&"
            } else {
                "|"
            },
            b.len(),
            a.len(),
            Skeleton(got)
        )),
        (Filter::Not(a), Filter::Not(b)) => differences(a, b, out),
        _ if ldap_filter::same_structure(want, got) => {}
        _ => out.push(format!(
            "`{}` became `{}`{}",
            Skeleton(want),
            Skeleton(got),
            meaning(got)
        )),
    }
}

/// What the new shape does, for the kinds an injection produces.
fn meaning(filter: &Filter) -> &'static str {
    match filter {
        Filter::Present { .. } => {
            " (a presence test: it matches every entry that has the attribute)"
        }
        Filter::Substring { .. } => " (a wildcard match)",
        Filter::Or(_) => " (an `|` branch)",
        Filter::And(_) => " (an `&` group)",
        Filter::Not(_) => " (a negation)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(template: &str, benign: &str, payload_output: &str) -> Vec<String> {
        let intended = locate(&template.replace("{}", benign)).expect("benign filter");
        assert!(intended.is_filter(), "{template}");
        changes(&intended, locate(payload_output).as_ref(), payload_output)
    }

    /// The RFC 4515 escaping a careful function applies.
    fn escape(value: &str) -> String {
        let mut out = String::new();
        for c in value.chars() {
            match c {
                '*' => out.push_str("\\2a"),
                '(' => out.push_str("\\28"),
                ')' => out.push_str("\\29"),
                '\\' => out.push_str("\\5c"),
                '\0' => out.push_str("\\00"),
                _ => out.push(c),
            }
        }
        out
    }

    const PAYLOADS: [&str; 8] = [
        "*",
        "*)(&",
        "*))%00",
        "*(|(objectclass=*))",
        "*)(uid=*))(|(uid=*",
        "admin*)((|userpassword=*)",
        "*()|&'",
        ")(cn=))\0",
    ];

    #[test]
    fn every_corpus_payload_changes_a_naive_filter() {
        for template in [
            "(uid={})",
            "(&(objectClass=person)(uid={}))",
            "filter: (cn=*{}*)",
        ] {
            for payload in PAYLOADS {
                let output = template.replace("{}", payload);
                let found = judge(template, "leanvibe baseline 42", &output);
                assert!(!found.is_empty(), "{output} passed");
            }
        }
    }

    #[test]
    fn escaped_values_never_change_the_structure() {
        for template in [
            "(uid={})",
            "(&(objectClass=person)(uid={}))",
            "filter: (cn=*{}*)",
        ] {
            for payload in PAYLOADS {
                let output = template.replace("{}", &escape(payload));
                let found = judge(template, "leanvibe baseline 42", &output);
                assert!(found.is_empty(), "{output}: {found:?}");
            }
        }
    }

    #[test]
    fn evidence_names_what_changed() {
        let found = judge("(uid={})", "x", "(uid=*)(uid=*))(|(uid=*)");
        assert_eq!(
            found,
            [
                "`(uid=…)` became `(uid=*)` (a presence test: it matches every entry that has \
                 the attribute)",
                "another filter follows the intended one: `(uid=*)`",
                "stray parentheses follow the filter: \")(|(uid=*)\"",
            ]
        );
        let found = judge(
            "(&(objectClass=person)(uid={}))",
            "x",
            "(&(objectClass=person)(uid=*)(|(objectclass=*)))",
        );
        assert_eq!(
            found,
            ["`&` has 3 components instead of 2: `(&(objectClass=…)(uid=*)(|(objectclass=*)))`"]
        );
        let found = judge("(uid={})", "x", "(uid=admin*)");
        assert_eq!(found, ["`(uid=…)` became `(uid=…*)` (a wildcard match)"]);
        let found = judge("(uid={})", "x", "(uid=*()|&')");
        assert_eq!(
            found,
            [
                "the filter no longer parses (expected `\\28` for `(` in a value at byte 6), so \
              metacharacters reached it unescaped"
            ]
        );
    }

    #[test]
    fn text_around_the_filter_is_allowed_when_the_benign_output_has_it() {
        assert!(
            judge(
                "search (uid={}) returned 0 entries",
                "x",
                "search (uid=y) returned 0 entries"
            )
            .is_empty()
        );
        let found = judge("(uid={}) [ok]", "x", "(uid=y)) [ok]");
        assert_eq!(found, ["stray parentheses follow the filter: \") [ok]\""]);
        assert!(locate("no filter here").is_none());
        assert!(!locate("(uid=").unwrap().is_filter());
    }
}
