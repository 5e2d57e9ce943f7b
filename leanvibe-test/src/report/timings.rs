//! Test durations from earlier reports, for `--partition duration:M/N
//! --timings FILE|DIR`: CTRF (`results.tests[].name`, `duration` in ms) or
//! JUnit (`<testcase name=".." time="..">`, in seconds), ours or another
//! tool's, one file or every report in a folder (the shards of a run).

use crate::errors::TimingsError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How long each test took, in seconds, by full name.
///
/// ```
/// use leanvibe_test::report::timings::Timings;
/// let timings = Timings::from_pairs([("unit::parses", 0.25)]);
/// assert_eq!(timings.seconds("unit::parses"), Some(0.25));
/// assert_eq!(timings.seconds("unit::new"), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    seconds: HashMap<String, f64>,
}

impl Timings {
    /// Timings from `(name, seconds)` pairs; a name given twice keeps its
    /// longest time.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, f64)>) -> Timings {
        let mut timings = Timings::default();
        for (name, seconds) in pairs {
            timings.record(name, seconds);
        }
        timings
    }

    /// The recorded time of `name`, if any.
    pub fn seconds(&self, name: &str) -> Option<f64> {
        self.seconds.get(name).copied()
    }

    /// How many tests have a time.
    pub fn len(&self) -> usize {
        self.seconds.len()
    }

    /// Whether no test has a time.
    pub fn is_empty(&self) -> bool {
        self.seconds.is_empty()
    }

    /// Reads a CTRF or JUnit file, or every `*.json` and `*.xml` file in a
    /// folder (not below it). A test in several files keeps its longest time
    /// (retried or slow on one shard: plan for the slow case).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("a.ctrf.json"),
    ///     r#"{"results":{"tests":[{"name":"t1","duration":1500}]}}"#).unwrap();
    /// std::fs::write(dir.path().join("b.junit.xml"),
    ///     r#"<testsuites><testsuite><testcase name="t2" time="0.5"/></testsuite></testsuites>"#).unwrap();
    /// let timings = leanvibe_test::report::timings::Timings::load(dir.path()).unwrap();
    /// assert_eq!((timings.seconds("t1"), timings.seconds("t2")), (Some(1.5), Some(0.5)));
    /// ```
    pub fn load(path: &Path) -> Result<Timings, TimingsError> {
        let error = |path: &Path, problem: String| TimingsError {
            path: path.to_path_buf(),
            problem,
        };
        let files: Vec<PathBuf> = if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| error(path, e.to_string()))?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|entry| Some(entry.ok()?.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension()
                            .is_some_and(|ext| ext == "json" || ext == "xml")
                })
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(error(path, "holds no .json or .xml report".into()));
            }
            files
        } else {
            vec![path.to_path_buf()]
        };
        let mut timings = Timings::default();
        for file in &files {
            let bytes = std::fs::read(file).map_err(|e| error(file, e.to_string()))?;
            let start = bytes.iter().find(|b| !b.is_ascii_whitespace());
            match start {
                Some(b'{') => read_ctrf(&bytes, &mut timings),
                Some(b'<') => read_junit(&bytes, &mut timings),
                _ => Err("neither CTRF JSON nor JUnit XML".to_string()),
            }
            .map_err(|problem| error(file, problem))?;
        }
        Ok(timings)
    }

    fn record(&mut self, name: &str, seconds: f64) {
        if !seconds.is_finite() || seconds < 0.0 {
            return;
        }
        let slot = self.seconds.entry(name.to_string()).or_insert(seconds);
        *slot = slot.max(seconds);
    }
}

fn read_ctrf(bytes: &[u8], timings: &mut Timings) -> Result<(), String> {
    let report: crate::json::Value =
        crate::json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let tests = report["results"]["tests"]
        .as_array()
        .ok_or("no results.tests array: not a CTRF report")?;
    for test in tests {
        if let (Some(name), Some(ms)) = (test["name"].as_str(), test["duration"].as_f64()) {
            timings.record(name, ms / 1000.0);
        }
    }
    Ok(())
}

fn read_junit(bytes: &[u8], timings: &mut Timings) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    loop {
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("not valid XML: {e}"))?
        {
            Event::Eof => return Ok(()),
            Event::Empty(e) | Event::Start(e) if e.name().as_ref() == b"testcase" => {
                let (mut name, mut time) = (None, None);
                for attr in e.attributes().flatten() {
                    let Ok(text) = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0) else {
                        continue;
                    };
                    match attr.key.as_ref() {
                        b"name" => name = Some(text.into_owned()),
                        b"time" => time = text.trim().parse::<f64>().ok(),
                        _ => {}
                    }
                }
                if let (Some(name), Some(seconds)) = (name, time) {
                    timings.record(&name, seconds);
                }
            }
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_are_named_with_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.json");
        std::fs::write(&file, "{\"results\": 3}").unwrap();
        let err = Timings::load(&file).unwrap_err();
        assert!(
            err.to_string().contains("r.json") && err.to_string().contains("CTRF"),
            "{err}"
        );
        std::fs::write(&file, "plain text").unwrap();
        assert!(
            Timings::load(&file)
                .unwrap_err()
                .to_string()
                .contains("neither")
        );
        let empty = tempfile::tempdir().unwrap();
        assert!(
            Timings::load(empty.path())
                .unwrap_err()
                .to_string()
                .contains("no .json or .xml")
        );
        assert!(Timings::load(&dir.path().join("missing.xml")).is_err());
    }

    #[test]
    fn a_test_in_two_reports_keeps_its_longest_time() {
        let timings = Timings::from_pairs([("a", 1.0), ("a", 3.0), ("a", 2.0), ("b", f64::NAN)]);
        assert_eq!(timings.seconds("a"), Some(3.0));
        assert_eq!(timings.seconds("b"), None);
        assert_eq!(timings.len(), 1);
    }
}
