//! The payload corpus: tab-separated files embedded in the crate, one
//! payload a line with its id, encoding, source and licence (see
//! `corpus/NOTICE`), plus the `oversize` inputs generated at run time.
//!
//! Corpus texts may hold `@@NAME@@` placeholders that [`Payloads::fill`]
//! replaces with the run's random values (canary name, token, factors, port).

use super::Vector;
use std::collections::HashMap;

/// One payload as the corpus lists it, placeholders still in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Stable id, unique within its vector (`pt-nested-strip`).
    pub id: String,
    /// The payload text, escapes decoded, placeholders not yet filled.
    pub text: String,
    /// Where the payload comes from (`PayloadsAllTheThings:<file>`, ...).
    pub source: String,
    /// The licence of that source.
    pub licence: String,
}

/// The embedded file of `vector`, or `None` for `oversize`, whose inputs
/// are generated.
fn file(vector: Vector) -> Option<&'static str> {
    Some(match vector {
        Vector::SqlInjection => include_str!("../../corpus/sql_injection.tsv"),
        Vector::Xss => include_str!("../../corpus/xss.tsv"),
        Vector::PathTraversal => include_str!("../../corpus/path_traversal.tsv"),
        Vector::CommandInjection => include_str!("../../corpus/command_injection.tsv"),
        Vector::TemplateInjection => include_str!("../../corpus/template_injection.tsv"),
        Vector::LdapInjection => include_str!("../../corpus/ldap_injection.tsv"),
        Vector::Xxe => include_str!("../../corpus/xxe.tsv"),
        Vector::HeaderInjection => include_str!("../../corpus/header_injection.tsv"),
        Vector::LogInjection => include_str!("../../corpus/log_injection.tsv"),
        Vector::Ssrf => include_str!("../../corpus/ssrf.tsv"),
        Vector::PrototypePollution => include_str!("../../corpus/prototype_pollution.tsv"),
        Vector::Secrets => include_str!("../../corpus/secrets.tsv"),
        Vector::AuthBypass => include_str!("../../corpus/auth_bypass.tsv"),
        Vector::Oversize => return None,
    })
}

/// The corpus entries of `vector`, in file order. `oversize` has none (see
/// [`oversize`]).
///
/// ```
/// use leanvibe_test::security::{corpus, Vector};
///
/// let entries = corpus::entries(Vector::Xss);
/// assert!(entries.len() >= 8);
/// assert!(entries.iter().all(|e| !e.source.is_empty() && !e.licence.is_empty()));
/// ```
pub fn entries(vector: Vector) -> Vec<Entry> {
    let Some(text) = file(vector) else {
        return Vec::new();
    };
    parse(text).unwrap_or_else(|e| panic!("corpus of `{vector}` is malformed: {e}"))
}

/// Parses one corpus file. Lines starting with `#` and the header are
/// skipped.
fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.starts_with("id\t") || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.splitn(5, '\t').collect();
        let [id, encoding, source, licence, text] = fields[..] else {
            return Err(format!(
                "line {}: expected 5 tab-separated fields",
                index + 1
            ));
        };
        let text = match encoding {
            "plain" => text.to_string(),
            "escaped" => unescape(text).map_err(|e| format!("line {}: {e}", index + 1))?,
            other => return Err(format!("line {}: unknown encoding `{other}`", index + 1)),
        };
        entries.push(Entry {
            id: id.to_string(),
            text,
            source: source.to_string(),
            licence: licence.to_string(),
        });
    }
    Ok(entries)
}

/// Decodes `\n`, `\r`, `\t`, `\\`, `\xHH` and `\u{H...}`.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let byte = u8::from_str_radix(&hex, 16).map_err(|_| format!("bad \\x{hex}"))?;
                out.push(char::from(byte));
            }
            Some('u') => {
                if chars.next() != Some('{') {
                    return Err("expected `\\u{...}`".into());
                }
                let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let code = u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("bad \\u{{{hex}}}"))?;
                out.push(code);
            }
            other => return Err(format!("unknown escape `\\{}`", other.unwrap_or(' '))),
        }
    }
    Ok(out)
}

/// Replaces every `@@NAME@@` in `text` with `values[NAME]`; an unknown name
/// is left as written.
///
/// ```
/// use std::collections::HashMap;
/// let values = HashMap::from([("PORT".to_string(), "8080".to_string())]);
/// assert_eq!(
///     leanvibe_test::security::corpus::fill("http://0:@@PORT@@/ @@X@@", &values),
///     "http://0:8080/ @@X@@",
/// );
/// ```
pub fn fill(text: &str, values: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@@") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("@@") {
            Some(end) if values.contains_key(&after[..end]) => {
                out.push_str(&values[&after[..end]]);
                rest = &after[end + 2..];
            }
            _ => {
                out.push_str("@@");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One generated `oversize` input: its id and how to build it. Built one
/// at a time, just before its call, so the suite never holds them all.
#[derive(Debug, Clone, Copy)]
pub struct Generated {
    /// Stable id (`string-16mib`).
    pub id: &'static str,
    /// Builds the text.
    pub make: fn() -> String,
}

const DEEP: usize = 100_000;

/// The `oversize` inputs: strings of 64 KiB, 1 MiB and 16 MiB, 100 000-deep
/// arrays and objects, a path over 4096 bytes, a 300-byte path segment,
/// 100 000 query parameters and 1 MiB of multi-byte characters.
///
/// ```
/// let inputs = leanvibe_test::security::corpus::oversize();
/// assert!(inputs.len() >= 8);
/// assert!(inputs.iter().any(|input| (input.make)().len() == 16 << 20));
/// ```
pub fn oversize() -> Vec<Generated> {
    let input = |id, make| Generated { id, make };
    vec![
        input("string-64kib", || "A".repeat(64 << 10)),
        input("string-1mib", || "A".repeat(1 << 20)),
        input("nested-array-100k", || "[".repeat(DEEP) + &"]".repeat(DEEP)),
        input("nested-object-100k", || {
            "{\"a\":".repeat(DEEP) + "1" + &"}".repeat(DEEP)
        }),
        input("path-over-4096", || "a/".repeat(2100) + "file.txt"),
        input("segment-over-255", || "a".repeat(300) + ".txt"),
        input("params-100k", || "a=1&".repeat(DEEP)),
        input("multibyte-1mib", || "\u{1F600}".repeat(1 << 18)),
        input("string-16mib", || "A".repeat(16 << 20)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_with_unique_ids_and_enough_payloads() {
        for vector in Vector::ALL {
            let entries = entries(vector);
            if vector == Vector::Oversize {
                assert!(entries.is_empty());
                continue;
            }
            assert!(entries.len() >= 8, "{vector}: {}", entries.len());
            let mut ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), entries.len(), "{vector}: duplicate ids");
        }
    }

    /// The README states the corpus size; it must stay true.
    #[test]
    fn the_readme_counts_the_corpus_right() {
        let corpus: usize = Vector::ALL.iter().map(|v| entries(*v).len()).sum();
        let generated = oversize().len();
        let readme = include_str!("../../../README.md");
        let claim = format!(
            "{} vectors, {corpus} payloads from a\ncorpus with sources and licences in `leanvibe-test/corpus/`, plus {generated} oversize",
            Vector::ALL.len()
        );
        assert!(readme.contains(&claim), "the README should say: {claim}");
    }

    #[test]
    fn unescapes_control_characters() {
        assert_eq!(
            unescape(r"a\r\nb\x1b[2J\u{0}\\").unwrap(),
            "a\r\nb\u{1b}[2J\0\\"
        );
        assert!(unescape(r"\q").is_err());
    }

    #[test]
    fn fills_known_placeholders_only() {
        let values = HashMap::from([("A".to_string(), "7".to_string())]);
        assert_eq!(fill("{{@@A@@*@@A@@}}", &values), "{{7*7}}");
        assert_eq!(fill("a@@b", &values), "a@@b");
    }
}
