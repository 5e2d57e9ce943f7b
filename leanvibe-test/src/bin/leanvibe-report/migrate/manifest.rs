//! The `Cargo.toml` edits of a migration, made on the text so that its
//! comments, order and formatting stay as they were.
//!
//! Three edits, each a line or a table: `harness = false` in an existing
//! `[[test]]` table (a `harness = true` value is replaced), a new `[[test]]`
//! table for a target cargo discovered from `tests/`, and the `leanvibe-test`
//! line in `[dev-dependencies]` (a new table at the end when there is none).
//! A TOML editor (`toml_edit`) would do the same at the cost of a new
//! dependency of the runtime crate; instead, the edited text is parsed again
//! and must equal the original document with exactly these changes, or
//! nothing is written and the user is told what to change by hand.
//!
//! ```ignore
//! let plan = Plan { harness_off: vec![(0, "it".into())], new_targets: vec![], dependency: Some(Dependency::default()) };
//! let edited = edit("[package]\nname = \"p\"\n\n[[test]]\nname = \"it\"\n", &plan)?;
//! assert_eq!(edited, "[package]\nname = \"p\"\n\n[[test]]\nname = \"it\"\nharness = false\n\n[dev-dependencies]\nleanvibe-test = \"0.1\"\n");
//! ```

use std::ops::Range;

/// The `leanvibe-test` dependency line to add, as the user gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct Dependency {
    /// The line, `leanvibe-test = …`.
    pub line: String,
    /// Its value, to check the edit by.
    value: toml::Value,
}

impl Dependency {
    /// The name the dependency must have: converted code says `leanvibe_test::`.
    pub const NAME: &'static str = "leanvibe-test";

    /// Parses `leanvibe-test = "0.1"` or `leanvibe-test = { path = "…" }`.
    pub fn parse(line: &str) -> Result<Self, String> {
        let line = line.trim();
        let table: toml::Table = line
            .parse()
            .map_err(|e| format!("--dependency `{line}` is not a TOML `key = value` line: {e}"))?;
        match table.into_iter().collect::<Vec<_>>().as_slice() {
            [(key, value)] if key == Self::NAME => Ok(Dependency {
                line: line.to_string(),
                value: value.clone(),
            }),
            _ => Err(format!(
                "--dependency must be one line `{} = …` (converted code names the crate \
                 `leanvibe_test`), got `{line}`",
                Self::NAME
            )),
        }
    }
}

impl Default for Dependency {
    /// `leanvibe-test = "MAJOR.MINOR"` of this `leanvibe-report`: the
    /// converter writes what this version's `plugin_test` accepts.
    fn default() -> Self {
        let version = env!("CARGO_PKG_VERSION");
        let major_minor: Vec<&str> = version.split('.').take(2).collect();
        Dependency::parse(&format!("{} = \"{}\"", Self::NAME, major_minor.join(".")))
            .expect("a version string is a valid TOML value")
    }
}

/// How a manifest already depends on leanvibe-test.
#[derive(Debug, PartialEq, Eq)]
pub enum Presence {
    /// Not at all.
    Absent,
    /// As `leanvibe-test`, in `[dependencies]` or `[dev-dependencies]`
    /// (target-specific ones included).
    Present,
    /// Under another name (`package = "leanvibe-test"`).
    Renamed(String),
}

/// Whether `manifest` depends on leanvibe-test, in a way tests can use.
pub fn presence(manifest: &toml::Table) -> Presence {
    let mut owners = vec![manifest];
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        owners.extend(targets.values().filter_map(toml::Value::as_table));
    }
    let tables = owners.into_iter().flat_map(|owner| {
        ["dependencies", "dev-dependencies", "dev_dependencies"]
            .into_iter()
            .filter_map(|key| owner.get(key).and_then(toml::Value::as_table))
    });
    let mut renamed = None;
    for table in tables {
        for (key, value) in table {
            let package = value.get("package").and_then(toml::Value::as_str);
            match package {
                None if key == Dependency::NAME => return Presence::Present,
                Some(Dependency::NAME) if key == Dependency::NAME => return Presence::Present,
                Some(Dependency::NAME) => renamed = Some(key.clone()),
                _ => {}
            }
        }
    }
    renamed.map_or(Presence::Absent, Presence::Renamed)
}

/// What to change in a manifest.
#[derive(Debug, Default)]
pub struct Plan {
    /// `[[test]]` tables that get `harness = false`: index and target name.
    pub harness_off: Vec<(usize, String)>,
    /// Discovered targets that get a `[[test]]` table: name and root path
    /// relative to the package, with `/` separators.
    pub new_targets: Vec<(String, String)>,
    /// The dependency to add, if absent.
    pub dependency: Option<Dependency>,
}

impl Plan {
    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.harness_off.is_empty() && self.new_targets.is_empty() && self.dependency.is_none()
    }
}

/// `text` with `plan` applied; an error, naming what to change by hand,
/// if the edited text does not parse to the intended document.
pub fn edit(text: &str, plan: &Plan) -> Result<String, String> {
    let original: toml::Table = text
        .parse()
        .map_err(|e| format!("cannot parse the manifest: {e}"))?;
    let tables = tables(text);
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut replaces: Vec<(Range<usize>, String)> = Vec::new();
    let test_tables: Vec<&Table> = tables
        .iter()
        .filter(|t| t.array && t.name == ["test"])
        .collect();

    for &(index, _) in &plan.harness_off {
        let table = test_tables.get(index).ok_or_else(|| by_hand(plan))?;
        match table.key_value(text, "harness") {
            Some(value) => replaces.push((value, "false".into())),
            None => inserts.push((table.insert_at, "harness = false\n".into())),
        }
    }
    let end = text.len();
    if !plan.new_targets.is_empty() {
        let at = match test_tables.last() {
            Some(last) => last.insert_at,
            None => end,
        };
        for (name, path) in &plan.new_targets {
            inserts.push((
                at,
                format!(
                    "\n[[test]]\nname = {}\npath = {}\nharness = false\n",
                    quoted(name),
                    quoted(path)
                ),
            ));
        }
    }
    if let Some(dependency) = &plan.dependency {
        let line = format!("{}\n", dependency.line);
        match tables
            .iter()
            .find(|t| !t.array && t.name == ["dev-dependencies"])
        {
            Some(table) => inserts.push((table.insert_at, line)),
            None => inserts.push((end, format!("\n[dev-dependencies]\n{line}"))),
        }
    }

    // A last line without its newline gets one before anything is added.
    if !text.is_empty() && !text.ends_with('\n') && inserts.iter().any(|(at, _)| *at == end) {
        inserts.insert(0, (end, "\n".into()));
    }
    let mut edits: Vec<(Range<usize>, String)> = replaces;
    edits.extend(inserts.into_iter().map(|(at, text)| (at..at, text)));
    // Stable: inserts at one place keep the order they were planned in.
    edits.sort_by_key(|(range, _)| range.start);
    let mut edited = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for (range, replacement) in edits {
        edited.push_str(&text[at..range.start]);
        edited.push_str(&replacement);
        at = range.end;
    }
    edited.push_str(&text[at..]);

    let parsed: Option<toml::Table> = edited.parse().ok();
    if parsed != Some(intended(original, plan)) {
        return Err(by_hand(plan));
    }
    Ok(edited)
}

/// The original document with the plan applied, to check the text edit by.
fn intended(mut manifest: toml::Table, plan: &Plan) -> toml::Table {
    if let Some(toml::Value::Array(tests)) = manifest.get_mut("test") {
        for &(index, _) in &plan.harness_off {
            if let Some(toml::Value::Table(table)) = tests.get_mut(index) {
                table.insert("harness".into(), toml::Value::Boolean(false));
            }
        }
    }
    for (name, path) in &plan.new_targets {
        let mut table = toml::Table::new();
        table.insert("name".into(), toml::Value::String(name.clone()));
        table.insert("path".into(), toml::Value::String(path.clone()));
        table.insert("harness".into(), toml::Value::Boolean(false));
        let tests = manifest
            .entry("test")
            .or_insert_with(|| toml::Value::Array(Vec::new()));
        if let toml::Value::Array(tests) = tests {
            tests.push(toml::Value::Table(table));
        }
    }
    if let Some(dependency) = &plan.dependency {
        let dev = manifest
            .entry("dev-dependencies")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(dev) = dev {
            dev.insert(Dependency::NAME.into(), dependency.value.clone());
        }
    }
    manifest
}

fn by_hand(plan: &Plan) -> String {
    let mut steps = Vec::new();
    if !plan.harness_off.is_empty() {
        steps.push("add `harness = false` to the [[test]] tables of the converted targets".into());
    }
    for (name, path) in &plan.new_targets {
        steps.push(format!(
            "add `[[test]] name = {} path = {} harness = false`",
            quoted(name),
            quoted(path)
        ));
    }
    if let Some(dependency) = &plan.dependency {
        steps.push(format!("add `{}` to [dev-dependencies]", dependency.line));
    }
    format!(
        "cannot edit this Cargo.toml safely as text; nothing was written. Make these changes \
         by hand, then run migrate again: {}",
        steps.join("; ")
    )
}

/// A TOML basic string (the `toml` crate is built without its writer).
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A table header and where its body is.
#[derive(Debug)]
struct Table {
    /// The header's dotted name, unquoted (`["dev-dependencies"]`).
    name: Vec<String>,
    /// `[[…]]`.
    array: bool,
    /// From the end of the header line to the next header (or the end).
    body: Range<usize>,
    /// Just after the body's last line holding a key or value (after the
    /// header line when it has none): where a new key goes, before the
    /// blank lines and comments that lead into the next table.
    insert_at: usize,
}

impl Table {
    /// The value's bytes of `key = value` in this table's body, if the key
    /// is there (at the start of a line, as Cargo.toml writes keys).
    fn key_value(&self, text: &str, key: &str) -> Option<Range<usize>> {
        for line in lines(text, self.body.clone()) {
            if line.in_value {
                continue;
            }
            let content = &text[line.range.clone()];
            let trimmed = content.trim_start();
            let Some(rest) = trimmed.strip_prefix(key) else {
                continue;
            };
            let Some(value) = rest.trim_start().strip_prefix('=') else {
                continue;
            };
            let value_start = line.range.end - value.len();
            let value_text = value.split('#').next().unwrap_or("");
            let leading = value_text.len() - value_text.trim_start().len();
            let start = value_start + leading;
            return Some(start..start + value_text.trim().len());
        }
        None
    }
}

/// One line of the manifest, without its newline.
struct Line {
    range: Range<usize>,
    /// It starts inside a multi-line string or array: not a key line.
    in_value: bool,
    /// It holds a key, a value or a closing bracket: not only a comment.
    has_content: bool,
    /// It ends inside a multi-line string or array.
    open_after: bool,
}

/// The manifest's lines in `range`, tracking multi-line strings and arrays
/// so that a `[` inside one is not taken for a header.
fn lines(text: &str, range: Range<usize>) -> Vec<Line> {
    let mut out = Vec::new();
    let mut state = ValueState::default();
    let mut at = range.start;
    while at < range.end {
        let end = text[at..range.end].find('\n').map_or(range.end, |i| at + i);
        let in_value = state.is_open();
        let has_content = state.scan(&text[at..end]);
        out.push(Line {
            range: at..end,
            in_value,
            has_content: has_content || in_value,
            open_after: state.is_open(),
        });
        at = end + 1;
    }
    out
}

/// What a line leaves open: a multi-line string, or array/inline-table depth.
#[derive(Default)]
struct ValueState {
    multiline: Option<&'static str>,
    depth: usize,
}

impl ValueState {
    fn is_open(&self) -> bool {
        self.multiline.is_some() || self.depth > 0
    }

    /// Updates the state over one line; whether it had anything but a comment.
    fn scan(&mut self, line: &str) -> bool {
        let bytes = line.as_bytes();
        let mut content = false;
        let mut at = 0;
        while at < bytes.len() {
            if let Some(close) = self.multiline {
                match line[at..].find(close) {
                    Some(i) => {
                        at += i + close.len();
                        self.multiline = None;
                    }
                    None => return true,
                }
                continue;
            }
            let rest = &line[at..];
            match bytes[at] {
                b'#' => break,
                b' ' | b'\t' | b'\r' => at += 1,
                _ if rest.starts_with("\"\"\"") || rest.starts_with("'''") => {
                    content = true;
                    self.multiline = Some(if rest.starts_with('"') {
                        "\"\"\""
                    } else {
                        "'''"
                    });
                    at += 3;
                }
                b'"' => {
                    content = true;
                    at += 1;
                    while at < bytes.len() && bytes[at] != b'"' {
                        at += if bytes[at] == b'\\' { 2 } else { 1 };
                    }
                    at += 1;
                }
                b'\'' => {
                    content = true;
                    at += 1 + line[at + 1..].find('\'').map_or(line.len(), |i| i + 1);
                }
                b'[' | b'{' => {
                    content = true;
                    self.depth += 1;
                    at += 1;
                }
                b']' | b'}' => {
                    content = true;
                    self.depth = self.depth.saturating_sub(1);
                    at += 1;
                }
                _ => {
                    content = true;
                    at += 1;
                }
            }
        }
        content
    }
}

/// The tables of a manifest, in order.
fn tables(text: &str) -> Vec<Table> {
    let mut headers: Vec<(Range<usize>, Vec<String>, bool)> = Vec::new();
    let all = lines(text, 0..text.len());
    for line in &all {
        if line.in_value {
            continue;
        }
        let content = text[line.range.clone()].trim();
        if let Some((name, array)) = header(content) {
            headers.push((line.range.clone(), name, array));
        }
    }
    let mut tables = Vec::new();
    for (i, (range, name, array)) in headers.iter().enumerate() {
        let body_start = (range.end + 1).min(text.len());
        let body_end = headers.get(i + 1).map_or(text.len(), |(r, _, _)| r.start);
        let insert_at = all
            .iter()
            .filter(|l| l.range.start >= body_start && l.range.end <= body_end)
            .rfind(|l| l.has_content && !l.open_after)
            .map_or(body_start, |l| (l.range.end + 1).min(text.len()));
        tables.push(Table {
            name: name.clone(),
            array: *array,
            body: body_start..body_end,
            insert_at,
        });
    }
    tables
}

/// `[a.b]` or `[[a]]` (with an optional comment after): the dotted name.
fn header(line: &str) -> Option<(Vec<String>, bool)> {
    let (inner, array) = if let Some(rest) = line.strip_prefix("[[") {
        (rest.split_once("]]")?.0, true)
    } else {
        (line.strip_prefix('[')?.split_once(']')?.0, false)
    };
    let mut name = Vec::new();
    let mut part = String::new();
    let mut quote = None;
    for c in inner.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => part.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, '.') => name.push(std::mem::take(&mut part).trim().to_string()),
            (None, c) => part.push(c),
        }
    }
    name.push(part.trim().to_string());
    Some((name, array))
}

#[cfg(test)]
mod tests;
