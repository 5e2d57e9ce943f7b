//! The module files a source file includes, found as rustc finds them.
//!
//! - `mod foo;` is `DIR/foo.rs` or `DIR/foo/mod.rs`, where `DIR` is the
//!   file's own directory for a root, a `mod.rs`, or a file loaded through
//!   `#[path]`, and `DIR/<stem>/` for any other file (`a/b.rs` owns `a/b/`).
//! - Inside `mod x { … }` blocks, `DIR` gains the directory `x` (or the
//!   block's own `#[path = "…"]`).
//! - `#[path = "p"] mod foo;` is `p` relative to the file's directory, or,
//!   inside inline blocks, to `DIR` with the blocks' directories.
//! - `automod::dir!("p")` is every `.rs` file in `p` (relative to the
//!   package) except `mod.rs`, `lib.rs` and `main.rs`, as automod reads it.
//! - `include!("p")` is `p` relative to the file's directory; its text is
//!   part of the including module, so its `mod foo;` resolve as the
//!   includer's do.
//!
//! `mod` declarations under a `cfg` are followed too: a file that is only
//! sometimes compiled still has tests to convert. Anything that cannot be
//! resolved from the text alone (`#[cfg_attr(…, path = …)]`, a missing
//! file) is a warning.
//!
//! ```ignore
//! // tests/it/main.rs: `mod unsync;\n#[path = "shared/util.rs"] mod util;`
//! let root = ModuleFile::owning_its_directory(package.join("tests/it/main.rs"));
//! let (found, warnings) = included_files(&Source::new(&text), &root, &package);
//! // found: tests/it/unsync.rs (its modules in tests/it/unsync/),
//! //        tests/it/shared/util.rs (its modules beside it, in tests/it/shared/)
//! ```
//! ```

use super::attribute::{Attribute, attributes};
use super::lexer::{Source, TokenKind, string_value};
use super::rewrite::Warning;
use std::path::{Path, PathBuf};

/// A source file and the directory its `mod foo;` declarations resolve in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleFile {
    /// The file.
    pub path: PathBuf,
    /// Where its child modules' files are.
    pub children_dir: PathBuf,
}

impl ModuleFile {
    /// A crate root, or any file whose children are its siblings
    /// (`mod.rs`, files loaded through `#[path]`).
    pub fn owning_its_directory(path: PathBuf) -> Self {
        let children_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        ModuleFile { path, children_dir }
    }

    /// `DIR/name.rs`, whose children are in `DIR/name/`.
    fn named(path: PathBuf, dir: &Path, name: &str) -> Self {
        ModuleFile {
            path,
            children_dir: dir.join(name),
        }
    }
}

/// The module files `file` (lexed as `source`) includes, with a warning for
/// each it names but that cannot be found. `package_dir` is where
/// `automod::dir!` paths start.
pub fn included_files(
    source: &Source,
    file: &ModuleFile,
    package_dir: &Path,
) -> (Vec<ModuleFile>, Vec<Warning>) {
    let mut finder = Finder {
        source,
        file,
        package_dir,
        attributes: attributes(source),
        found: Vec::new(),
        warnings: Vec::new(),
    };
    finder.walk();
    (finder.found, finder.warnings)
}

struct Finder<'s, 'a> {
    source: &'s Source<'a>,
    file: &'s ModuleFile,
    package_dir: &'s Path,
    attributes: Vec<Attribute>,
    found: Vec<ModuleFile>,
    warnings: Vec<Warning>,
}

impl Finder<'_, '_> {
    fn warn(&mut self, token: usize, message: String) {
        let line = self.source.line_of(self.source.tokens[token].span.start);
        self.warnings.push(Warning { line, message });
    }

    /// `path` as the user knows it: relative to the package.
    fn shown(&self, path: &Path) -> String {
        path.strip_prefix(self.package_dir)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    fn walk(&mut self) {
        let package_dir = self.package_dir;
        let source = self.source;
        // Open inline modules: the index of their closing `}` and their directory.
        let mut inline: Vec<(usize, PathBuf)> = Vec::new();
        for at in 0..source.tokens.len() {
            while inline.last().is_some_and(|&(close, _)| close < at) {
                inline.pop();
            }
            let dir = inline
                .last()
                .map(|(_, dir)| dir.clone())
                .unwrap_or_else(|| self.file.children_dir.clone());
            if source.is_ident(at, "automod") && source.is_path_sep(at + 1) {
                self.automod(at, package_dir);
                continue;
            }
            if source.is_ident(at, "include") && source.is_punct(at + 1, '!') {
                self.include(at, &dir);
                continue;
            }
            if !source.is_ident(at, "mod") || !is_name(source, at + 1) {
                continue;
            }
            let name = source.text(at + 1).trim_start_matches("r#");
            let path_attribute = self.path_attribute(at);
            if source.is_punct(at + 2, '{') {
                if let Some(close) = source.partner[at + 2] {
                    let inner_dir = match &path_attribute {
                        Some(path) => normalized(&dir.join(path)),
                        None => dir.join(name),
                    };
                    inline.push((close, inner_dir));
                }
            } else if source.is_punct(at + 2, ';') {
                match path_attribute {
                    Some(path) => {
                        // Outside inline blocks, relative to the file's own
                        // directory, whatever kind of file it is.
                        let base = if inline.is_empty() {
                            self.file
                                .path
                                .parent()
                                .unwrap_or(Path::new(""))
                                .to_path_buf()
                        } else {
                            dir.clone()
                        };
                        self.push_file(at, normalized(&base.join(path)), None);
                    }
                    None => self.declared(at, &dir, name),
                }
            }
        }
    }

    /// `mod name;` without `#[path]`: `dir/name.rs` or `dir/name/mod.rs`.
    fn declared(&mut self, at: usize, dir: &Path, name: &str) {
        let flat = dir.join(format!("{name}.rs"));
        let nested = dir.join(name).join("mod.rs");
        if flat.is_file() {
            self.found.push(ModuleFile::named(flat, dir, name));
        } else if nested.is_file() {
            self.found.push(ModuleFile::owning_its_directory(nested));
        } else {
            self.warn(
                at,
                format!(
                    "`mod {name};`: neither {} nor {} exists; its tests, if any, are not converted",
                    self.shown(&flat),
                    self.shown(&nested)
                ),
            );
        }
    }

    fn push_file(&mut self, at: usize, path: PathBuf, owner: Option<(&Path, &str)>) {
        if !path.is_file() {
            self.warn(
                at,
                format!(
                    "module file {} does not exist; its tests, if any, are not converted",
                    self.shown(&path)
                ),
            );
            return;
        }
        self.found.push(match owner {
            Some((dir, name)) => ModuleFile::named(path, dir, name),
            None => ModuleFile::owning_its_directory(path),
        });
    }

    /// The `#[path = "…"]` among the outer attributes before the `mod` at
    /// token `at` (past any visibility); a `cfg_attr` that may set a path
    /// is a warning, as its path depends on the build.
    fn path_attribute(&mut self, at: usize) -> Option<String> {
        let start = self.item_start(at);
        let mut path = None;
        let mut conditional = None;
        for attribute in &self.attributes {
            if attribute.inner || attribute.tokens.start < start || attribute.tokens.end > at {
                continue;
            }
            if attribute.is(&["path"]) {
                path = attribute.string_value(self.source);
            } else if attribute.is(&["cfg_attr"])
                && attribute
                    .args
                    .clone()
                    .any(|i| self.source.is_ident(i, "path"))
            {
                conditional = Some(attribute.tokens.start);
            }
        }
        if let Some(token) = conditional {
            self.warn(
                token,
                "`#[cfg_attr(…, path = …)]`: the module's file depends on the build; the \
                 converter followed the unconditional path only"
                    .into(),
            );
        }
        path
    }

    /// The first token of the item whose `mod` keyword is at `at`: back over
    /// the visibility (`pub`, `pub(crate)`, `pub(in a::b)`) and the outer
    /// attributes.
    fn item_start(&self, at: usize) -> usize {
        let source = self.source;
        let mut start = at;
        if start > 0 && source.is_punct(start - 1, ')') {
            if let Some(open) = source.partner[start - 1]
                && open > 0
                && source.is_ident(open - 1, "pub")
            {
                start = open - 1;
            }
        } else if start > 0 && source.is_ident(start - 1, "pub") {
            start -= 1;
        }
        while start > 0 && source.is_punct(start - 1, ']') {
            match source.partner[start - 1] {
                Some(open) if open > 0 && source.is_punct(open - 1, '#') => start = open - 1,
                _ => break,
            }
        }
        start
    }

    /// `include!("p")` at token `at`: `p` relative to this file's directory.
    /// The included text joins the current module, so its `mod foo;`
    /// declarations resolve in `dir`, as the includer's would.
    fn include(&mut self, at: usize, dir: &Path) {
        let source = self.source;
        let Some(close) = source.partner.get(at + 2).copied().flatten() else {
            return;
        };
        let plain = close == at + 4 && source.tokens[at + 3].kind == TokenKind::Literal;
        let Some(relative) = plain.then(|| string_value(source.text(at + 3))).flatten() else {
            self.warn(
                at,
                "`include!` of a computed path (a generated file?) is not followed; its tests, if \
                 any, are not converted"
                    .into(),
            );
            return;
        };
        let base = self.file.path.parent().unwrap_or(Path::new(""));
        let path = normalized(&base.join(relative));
        if !path.is_file() {
            self.push_file(at, path, None);
            return;
        }
        self.found.push(ModuleFile {
            path,
            children_dir: dir.to_path_buf(),
        });
    }

    /// `automod::dir!("p")` / `automod::dir!(pub "p")` at token `at`.
    fn automod(&mut self, at: usize, package_dir: &Path) {
        let source = self.source;
        if !(source.is_ident(at + 3, "dir") && source.is_punct(at + 4, '!')) {
            return;
        }
        let Some(close) = source.partner.get(at + 5).copied().flatten() else {
            return;
        };
        let literal = (at + 6..close).find(|&i| source.tokens[i].kind == TokenKind::Literal);
        let Some(relative) = literal.and_then(|i| string_value(source.text(i))) else {
            self.warn(
                at,
                "`automod::dir!` without a plain string path; not followed".into(),
            );
            return;
        };
        let dir = normalized(&package_dir.join(&relative));
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.is_file() && path.extension().is_some_and(|e| e == "rs"))
                .filter(|path| {
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    !matches!(name, "mod.rs" | "lib.rs" | "main.rs")
                })
                .collect(),
            Err(e) => {
                self.warn(
                    at,
                    format!(
                        "`automod::dir!(\"{relative}\")`: cannot read {}: {e}",
                        self.shown(&dir)
                    ),
                );
                return;
            }
        };
        files.sort();
        for file in files {
            let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let stem = stem.to_string();
            self.push_file(at, file, Some((&dir, &stem)));
        }
    }
}

/// `path` with `.` and `a/..` folded away, as the OS would resolve them
/// (`tests/../src/a.rs` is `src/a.rs`), without touching the filesystem.
pub fn normalized(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether token `at` names a module (`foo`, `r#foo`), not `$name` in a macro.
fn is_name(source: &Source, at: usize) -> bool {
    source
        .tokens
        .get(at)
        .is_some_and(|t| t.kind == TokenKind::Ident)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        dir
    }

    fn includes(root: &Path, file: &ModuleFile) -> (Vec<String>, Vec<Warning>) {
        let text = fs::read_to_string(&file.path).unwrap();
        let source = Source::new(&text);
        let (found, warnings) = included_files(&source, file, root);
        let names = found
            .iter()
            .map(|f| {
                format!(
                    "{} -> {}",
                    f.path.strip_prefix(root).unwrap().display(),
                    f.children_dir.strip_prefix(root).unwrap().display()
                )
            })
            .collect();
        (names, warnings)
    }

    #[test]
    fn doc_example() {
        let dir = tree(&[
            (
                "tests/it/main.rs",
                "mod unsync;\n#[path = \"shared/util.rs\"] mod util;",
            ),
            ("tests/it/unsync.rs", ""),
            ("tests/it/shared/util.rs", ""),
        ]);
        let root = ModuleFile::owning_its_directory(dir.path().join("tests/it/main.rs"));
        assert_eq!(
            includes(dir.path(), &root).0,
            [
                "tests/it/unsync.rs -> tests/it/unsync",
                "tests/it/shared/util.rs -> tests/it/shared"
            ]
        );
    }

    #[test]
    fn a_root_resolves_children_beside_it() {
        let dir = tree(&[
            (
                "tests/it/main.rs",
                "mod a;\n#[cfg(x)] pub(crate) mod b;\nmod c { mod d; }\nmod e {}",
            ),
            ("tests/it/a.rs", ""),
            ("tests/it/b/mod.rs", ""),
            ("tests/it/c/d.rs", ""),
        ]);
        let root = ModuleFile::owning_its_directory(dir.path().join("tests/it/main.rs"));
        let (found, warnings) = includes(dir.path(), &root);
        assert_eq!(
            found,
            [
                "tests/it/a.rs -> tests/it/a",
                "tests/it/b/mod.rs -> tests/it/b",
                "tests/it/c/d.rs -> tests/it/c/d"
            ]
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn a_non_mod_rs_file_owns_a_directory_of_its_name() {
        let dir = tree(&[("tests/it/a.rs", "mod x;"), ("tests/it/a/x.rs", "")]);
        let file = ModuleFile::named(
            dir.path().join("tests/it/a.rs"),
            &dir.path().join("tests/it"),
            "a",
        );
        assert_eq!(
            includes(dir.path(), &file).0,
            ["tests/it/a/x.rs -> tests/it/a/x"]
        );
    }

    #[test]
    fn path_attributes_are_relative_to_the_file_or_the_inline_blocks() {
        let dir = tree(&[
            (
                "tests/a.rs",
                "#[path = \"common/util.rs\"]\nmod util;\nmod inner {\n    #[path = \"x.rs\"] mod x;\n}\n#[path = \"blk\"] mod blk { mod y; }",
            ),
            ("tests/common/util.rs", ""),
            ("tests/inner/x.rs", ""),
            ("tests/blk/y.rs", ""),
        ]);
        let root = ModuleFile::owning_its_directory(dir.path().join("tests/a.rs"));
        assert_eq!(
            includes(dir.path(), &root).0,
            [
                "tests/common/util.rs -> tests/common",
                "tests/inner/x.rs -> tests/inner",
                "tests/blk/y.rs -> tests/blk/y"
            ]
        );
    }

    #[test]
    fn automod_takes_every_rs_file_but_mod_lib_and_main() {
        let dir = tree(&[
            (
                "tests/regression.rs",
                "mod regression {\n    automod::dir!(\"tests/regression\");\n}",
            ),
            ("tests/regression/issue1.rs", ""),
            ("tests/regression/issue2.rs", ""),
            ("tests/regression/mod.rs", ""),
            ("tests/regression/notes.txt", ""),
        ]);
        let root = ModuleFile::owning_its_directory(dir.path().join("tests/regression.rs"));
        assert_eq!(
            includes(dir.path(), &root).0,
            [
                "tests/regression/issue1.rs -> tests/regression/issue1",
                "tests/regression/issue2.rs -> tests/regression/issue2"
            ]
        );
    }

    #[test]
    fn include_is_followed_unless_its_path_is_computed() {
        let dir = tree(&[
            (
                "tests/a/b.rs",
                "mod m {\n    include!(\"../shared.rs\");\n}\ninclude!(concat!(env!(\"OUT_DIR\"), \"/gen.rs\"));\ninclude_str!(\"x.txt\");",
            ),
            ("tests/shared.rs", ""),
        ]);
        let file = ModuleFile::named(
            dir.path().join("tests/a/b.rs"),
            &dir.path().join("tests/a"),
            "b",
        );
        let (found, warnings) = includes(dir.path(), &file);
        assert_eq!(found, ["tests/shared.rs -> tests/a/b/m"]);
        assert_eq!(warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [4]);
    }

    #[test]
    fn what_cannot_be_found_is_a_warning_with_its_line() {
        let dir = tree(&[(
            "tests/a.rs",
            "// mod commented;\nconst S: &str = \"mod in_string;\";\nmod missing;\n#[cfg_attr(x, path = \"y.rs\")]\nmod z;\nmacro_rules! m { ($n:ident) => { mod $n; } }",
        )]);
        let root = ModuleFile::owning_its_directory(dir.path().join("tests/a.rs"));
        let (found, warnings) = includes(dir.path(), &root);
        assert!(found.is_empty());
        let lines: Vec<_> = warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [3, 4, 5], "{warnings:?}");
    }
}
