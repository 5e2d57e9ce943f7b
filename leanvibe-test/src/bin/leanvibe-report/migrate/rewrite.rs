//! The rewrite of one source file: libtest's test attributes become
//! `#[leanvibe_test::plugin_test]`, and whatever would still be lost under
//! `harness = false` is a warning with its line.
//!
//! Only the attribute's path is replaced; every other byte of the file,
//! comments and formatting included, is kept. The full path is written
//! rather than `plugin_test` plus a `use`: it needs no import in each module
//! file, cannot clash with a local `plugin_test`, and leaves no unused
//! import behind when a file's last test is removed.
//!
//! ```ignore
//! let out = rewrite("#[test]\n#[should_panic] // keep\nfn a() {}\n", Role::Module);
//! assert_eq!(out.text, "#[leanvibe_test::plugin_test]\n#[should_panic] // keep\nfn a() {}\n");
//! assert_eq!(out.converted, [1]);
//! ```

use super::attribute::{Attribute, attributes, comma_items, path_at};
use super::lexer::{Source, TokenKind};
use std::ops::Range;

/// The attribute written in place of `test` and `tokio::test`.
pub const PLUGIN_TEST: &str = "leanvibe_test::plugin_test";

/// The line appended to a target's root file that lacks it.
pub const MAIN_MACRO: &str = "leanvibe_test::main!();";

/// The `#[tokio::test(...)]` keys `plugin_test` takes with the same meaning.
const TOKIO_KEYS: &[&str] = &["flavor", "worker_threads", "start_paused"];

/// Attribute macros of other test frameworks that expand to a libtest
/// `#[test]` (any path ending in one of these, or in `test` after a crate
/// name other than `tokio`).
const OTHER_FRAMEWORKS: &[&str] = &[
    "rstest",
    "test_case",
    "test_matrix",
    "quickcheck",
    "proptest",
    "property_test",
    "wasm_bindgen_test",
];

/// Function-like macros that expand to libtest `#[test]` functions the
/// converter cannot see (`proptest!` is not one: it copies the `#[test]`
/// written inside it, which is converted in place).
const GENERATING_MACROS: &[&str] = &["quickcheck"];

/// Which part of a target a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The target's root (`tests/foo.rs`): gets `leanvibe_test::main!()`.
    Root,
    /// A module file the root includes.
    Module,
}

/// Something in a file the converter did not convert, and why it matters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// The result of rewriting one file.
#[derive(Debug)]
pub struct Rewrite {
    /// The new text (the old one when nothing changed).
    pub text: String,
    /// Lines of the attributes converted, in order.
    pub converted: Vec<usize>,
    /// Whether `leanvibe_test::main!();` was appended (roots only).
    pub main_added: bool,
    /// What could not be converted.
    pub warnings: Vec<Warning>,
}

/// Rewrites `text`, a file of a test target in the given `role`.
pub fn rewrite(text: &str, role: Role) -> Rewrite {
    let source = Source::new(text);
    let mut rewriter = Rewriter {
        source: &source,
        edits: Vec::new(),
        converted: Vec::new(),
        warnings: Vec::new(),
    };
    let mut crate_level_end = 0;
    for attribute in attributes(&source) {
        let crate_level = attribute.inner && attribute.tokens.start == crate_level_end;
        if crate_level {
            crate_level_end = attribute.tokens.end;
        }
        rewriter.attribute(&attribute, crate_level && role == Role::Root);
    }
    rewriter.macro_calls();

    let Rewriter {
        edits,
        converted,
        mut warnings,
        ..
    } = rewriter;
    let mut new_text = apply(text, &edits);
    let main_added = role == Role::Root && !has_main_macro(&source);
    if main_added {
        if !new_text.is_empty() && !new_text.ends_with('\n') {
            new_text.push('\n');
        }
        new_text.push('\n');
        new_text.push_str(MAIN_MACRO);
        new_text.push('\n');
    }
    warnings.sort_by_key(|w| w.line);
    Rewrite {
        text: new_text,
        converted,
        main_added,
        warnings,
    }
}

/// Whether `source` calls `leanvibe_test::main!` (or `::leanvibe_test::main!`).
pub fn has_main_macro(source: &Source) -> bool {
    (0..source.tokens.len()).any(|at| {
        source.is_ident(at, "leanvibe_test")
            && source.is_path_sep(at + 1)
            && source.is_ident(at + 3, "main")
            && source.is_punct(at + 4, '!')
    })
}

/// What one attribute (or one attribute inside `cfg_attr`) is to the converter.
enum Verdict {
    /// libtest's `#[test]`, or `#[tokio::test]` with keys `plugin_test` has.
    Convert,
    /// A test attribute that cannot be converted; the reason.
    Lost(String),
    /// Anything else: left alone.
    Other,
}

struct Rewriter<'s, 'a> {
    source: &'s Source<'a>,
    edits: Vec<(Range<usize>, &'static str)>,
    converted: Vec<usize>,
    warnings: Vec<Warning>,
}

impl Rewriter<'_, '_> {
    fn warn(&mut self, token: usize, message: String) {
        let line = self.source.line_of(self.source.tokens[token].span.start);
        self.warnings.push(Warning { line, message });
    }

    fn attribute(&mut self, attribute: &Attribute, crate_level_in_root: bool) {
        let source = self.source;
        let at = attribute.tokens.start;
        if attribute.inner {
            if crate_level_in_root && attribute.is(&["cfg"]) {
                self.warn(
                    at,
                    "crate-level `#![cfg(...)]` removes `leanvibe_test::main!()` too: where it is \
                     off, the target has no `main` and fails to build (E0601; libtest built an \
                     empty binary). For a feature, use `required-features` in its [[test]] table \
                     instead"
                        .into(),
                );
            }
            return;
        }
        if attribute.is(&["cfg_attr"]) && source.is_punct(attribute.args.start, '(') {
            // The first item is the predicate; the others are attributes.
            for item in comma_items(source, attribute.args.start).iter().skip(1) {
                let (path_tokens, path) = path_at(source, item.start, item.end);
                self.judge_and_apply(path_tokens.clone(), &path, path_tokens.end..item.end);
            }
            return;
        }
        if attribute.is(&["global_allocator"]) {
            self.warn(
                at,
                "`#[global_allocator]`: `leanvibe_test::main!()` defines the global allocator \
                 (it counts memory for budgets); pass this one to it instead, as \
                 `leanvibe_test::main!(allocator = PATH)`"
                    .into(),
            );
            return;
        }
        self.judge_and_apply(
            attribute.path_tokens.clone(),
            &attribute.path,
            attribute.args.clone(),
        );
    }

    fn judge_and_apply(&mut self, path_tokens: Range<usize>, path: &[String], args: Range<usize>) {
        if path.is_empty() {
            return;
        }
        match judge(self.source, path, args) {
            Verdict::Convert => {
                let spans = &self.source.tokens;
                let bytes =
                    spans[path_tokens.start].span.start..spans[path_tokens.end - 1].span.end;
                self.converted.push(self.source.line_of(bytes.start));
                self.edits.push((bytes, PLUGIN_TEST));
            }
            Verdict::Lost(reason) => self.warn(path_tokens.start, reason),
            Verdict::Other => {}
        }
    }

    /// Macros that generate tests out of sight.
    fn macro_calls(&mut self) {
        let source = self.source;
        for at in 0..source.tokens.len() {
            if source.tokens[at].kind != TokenKind::Ident || !source.is_punct(at + 1, '!') {
                continue;
            }
            // `a::quickcheck!` as well as `quickcheck!`; not `macro_rules! x`.
            let name = source.text(at);
            if GENERATING_MACROS.contains(&name) {
                self.warn(
                    at,
                    format!(
                        "`{name}!` expands to libtest `#[test]` functions, which a harness = \
                         false target compiles out; rewrite these tests as `#[{PLUGIN_TEST}]` \
                         functions"
                    ),
                );
            }
        }
    }
}

fn judge(source: &Source, path: &[String], args: Range<usize>) -> Verdict {
    let path_text = path.join("::");
    let last = path.last().map(String::as_str).unwrap_or_default();
    let libtest_test = path == ["test"]
        || (path.len() >= 3
            && matches!(path[0].as_str(), "core" | "std")
            && path[1] == "prelude"
            && last == "test");
    if libtest_test {
        return if args.is_empty() {
            Verdict::Convert
        } else {
            Verdict::Other
        };
    }
    if path == ["tokio", "test"] {
        return judge_tokio_args(source, args);
    }
    if path == ["bench"] {
        return Verdict::Lost(
            "`#[bench]` is a libtest benchmark, which a harness = false target compiles out; \
             move it to a criterion bench target"
                .into(),
        );
    }
    if (path.len() >= 2 && last == "test") || OTHER_FRAMEWORKS.contains(&last) {
        return Verdict::Lost(format!(
            "`#[{path_text}]` expands to a libtest `#[test]`, which a harness = false target \
             compiles out; rewrite this test as a `#[{PLUGIN_TEST}]` function"
        ));
    }
    Verdict::Other
}

fn judge_tokio_args(source: &Source, args: Range<usize>) -> Verdict {
    if args.is_empty() {
        return Verdict::Convert;
    }
    if !source.is_punct(args.start, '(') {
        return Verdict::Other;
    }
    for item in comma_items(source, args.start) {
        let key = source.text(item.start);
        if !TOKIO_KEYS.contains(&key) {
            return Verdict::Lost(format!(
                "`#[tokio::test]` key `{key}` has no `plugin_test` equivalent (it takes {}); \
                 convert this test by hand",
                TOKIO_KEYS.join(", ")
            ));
        }
    }
    Verdict::Convert
}

/// `text` with each byte range replaced; ranges must not overlap.
fn apply(text: &str, edits: &[(Range<usize>, &str)]) -> String {
    let mut edits: Vec<_> = edits.iter().collect();
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(text.len() + edits.len() * PLUGIN_TEST.len());
    let mut at = 0;
    for (range, replacement) in edits {
        out.push_str(&text[at..range.start]);
        out.push_str(replacement);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests;
