//! proptest's regressions files: where they are, and reading and adding
//! seeds in proptest's own format, so a file written by either tool is
//! read by the other.
//!
//! A line is `cc <64 hex digits> # comment`. proptest writes
//! `# shrinks to <input>`; we write `# <test name>: shrinks to <input>`, so
//! that a seed can be told apart by test (proptest keeps one file per source
//! file, and reads nothing after `#`). A seed that names another test of the
//! file is not replayed here; one that names none (written by proptest) is.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// The header proptest writes into a new file.
const HEADER: &str = "\
# Seeds for failure cases proptest has generated in the past. It is
# automatically read and these particular cases re-run before any
# novel cases are generated.
#
# It is recommended to check this file in to source control so that
# everyone who runs the test benefits from these saved cases.
";

/// One seed of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Persisted {
    pub(crate) seed: [u8; 32],
    /// The test that wrote it, when we did.
    pub(crate) test: Option<String>,
    /// Its line, for messages.
    pub(crate) line: usize,
}

/// The regressions file of one source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Regressions {
    pub(crate) path: PathBuf,
}

impl Regressions {
    /// The file proptest's default (`SourceParallel("proptest-regressions")`)
    /// picks for `source`: beside the nearest directory up from it that
    /// holds `lib.rs` or `main.rs`, in `proptest-regressions/` with the same
    /// relative path and `.txt`; with no such directory (an integration test
    /// in `tests/`), next to the source with the extension
    /// `.proptest-regressions`.
    pub(crate) fn for_source(source: &Path) -> Regressions {
        let mut dir = source.to_path_buf();
        while dir.pop() {
            if dir.join("lib.rs").is_file() || dir.join("main.rs").is_file() {
                let relative = source
                    .strip_prefix(&dir)
                    .expect("an ancestor")
                    .to_path_buf();
                let mut path = dir.clone();
                path.pop();
                path.push("proptest-regressions");
                path.push(relative);
                path.set_extension("txt");
                return Regressions { path };
            }
        }
        Regressions {
            path: source.with_extension("proptest-regressions"),
        }
    }

    /// The seeds in the file; none when it does not exist. Lines that are
    /// not seeds we can replay (proptest's older `xs` seeds) are skipped.
    pub(crate) fn load(&self) -> io::Result<Vec<Persisted>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(text
            .lines()
            .enumerate()
            .filter_map(|(i, line)| {
                parse_line(line).map(|(seed, test)| Persisted {
                    seed,
                    test,
                    line: i + 1,
                })
            })
            .collect())
    }

    /// Appends a seed, creating the file (with proptest's header) and its
    /// directory when needed.
    pub(crate) fn add(&self, seed: &[u8; 32], test: &str, input: &str) -> io::Result<()> {
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let new = !self.path.is_file();
        let mut line = String::new();
        if new {
            line.push_str(HEADER);
        }
        line.push_str("cc ");
        for byte in seed {
            let _ = write!(line, "{byte:02x}");
        }
        // One line: proptest replaces line breaks in the comment too.
        let comment = format!(" # {test}: shrinks to {input}").replace(['\n', '\r'], " ");
        line.push_str(&comment);
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&self.path)?;
        file.write_all(line.as_bytes())
    }
}

/// `cc <hex>` and the test named in the comment, if any.
fn parse_line(line: &str) -> Option<([u8; 32], Option<String>)> {
    let (data, comment) = match line.split_once('#') {
        Some((data, comment)) => (data, Some(comment.trim())),
        None => (line, None),
    };
    let mut parts = data.split_whitespace();
    if parts.next()? != "cc" {
        return None;
    }
    let hex = parts.next()?;
    if hex.len() != 64 || parts.next().is_some() {
        return None;
    }
    let mut seed = [0u8; 32];
    for (byte, pair) in seed.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    let test = comment
        .and_then(|c| c.split_once(": shrinks to "))
        .map(|(test, _)| test.trim().to_string())
        .filter(|t| !t.is_empty() && !t.contains(char::is_whitespace));
    Some((seed, test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_proptests_default() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/parse")).unwrap();
        std::fs::write(root.join("src/lib.rs"), "").unwrap();
        std::fs::create_dir_all(root.join("tests")).unwrap();
        assert_eq!(
            Regressions::for_source(&root.join("src/parse/toml.rs")).path,
            root.join("proptest-regressions/parse/toml.txt")
        );
        assert_eq!(
            Regressions::for_source(&root.join("tests/suite.rs")).path,
            root.join("tests/suite.proptest-regressions")
        );
    }

    #[test]
    fn seeds_round_trip_with_their_test_and_proptests_lines_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = Regressions {
            path: dir.path().join("r/suite.txt"),
        };
        assert!(file.load().unwrap().is_empty());
        file.add(&[7; 32], "props::parses", "x = 0,\ny = \"\"")
            .unwrap();
        let mut text = std::fs::read_to_string(&file.path).unwrap();
        assert!(text.starts_with("# Seeds for failure cases proptest"));
        assert!(text.ends_with(&format!(
            "cc {} # props::parses: shrinks to x = 0, y = \"\"\n",
            "07".repeat(32)
        )));
        text.push_str(&format!(
            "cc {} # shrinks to 3\nxs 1 2 3 4 # older seed\ncc 12 # short\n",
            "ab".repeat(32)
        ));
        std::fs::write(&file.path, text).unwrap();
        let seeds = file.load().unwrap();
        assert_eq!(seeds.len(), 2, "{seeds:?}");
        assert_eq!(
            (seeds[0].seed, seeds[0].test.as_deref()),
            ([7; 32], Some("props::parses"))
        );
        assert_eq!(
            (seeds[1].seed, seeds[1].test.as_deref()),
            ([0xab; 32], None)
        );
        assert_eq!(seeds[1].line, 8);
    }
}
