//! Test durations from earlier reports, for `--partition duration:M/N
//! --timings FILE|DIR`: CTRF (`results.tests[].name`, `duration` in ms) or
//! JUnit (`<testcase name=".." time="..">`, in seconds), ours or another
//! tool's: files, or folders of reports (the shards of a run).

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

    /// Reads the durations of the tests of `binary` from each path: a CTRF
    /// or JUnit file (an error if it is not one), or a folder, read with its
    /// subfolders (as CI artifact downloads lay them out), where files that
    /// are not CTRF or JUnit reports (a `package.json`) are passed over, and
    /// so are CTRF reports of another of our binaries; an error only if no
    /// report is found at all. A test in several reports keeps its longest
    /// time (retried or slow on one shard: plan for the slow case).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("a.ctrf.json"),
    ///     r#"{"results":{"tests":[{"name":"t1","duration":1500}]}}"#).unwrap();
    /// std::fs::write(dir.path().join("b.junit.xml"),
    ///     r#"<testsuites><testsuite><testcase name="t2" time="0.5"/></testsuite></testsuites>"#).unwrap();
    /// std::fs::write(dir.path().join("package.json"), "{}").unwrap();
    /// let timings = leanvibe_test::report::timings::Timings::load(&[dir.path().into()], "suite").unwrap();
    /// assert_eq!((timings.seconds("t1"), timings.seconds("t2")), (Some(1.5), Some(0.5)));
    /// ```
    pub fn load(paths: &[PathBuf], binary: &str) -> Result<Timings, TimingsError> {
        let error = |path: &Path, problem: String| TimingsError {
            path: path.to_path_buf(),
            problem,
        };
        let mut timings = Timings::default();
        for path in paths {
            if path.is_dir() {
                let mut files = Vec::new();
                collect_files(path, &mut files).map_err(|e| error(path, e.to_string()))?;
                files.sort();
                let mut reports = 0;
                for file in &files {
                    // Not a report, or unreadable: a folder of artifacts
                    // holds other things too.
                    if let Ok(bytes) = std::fs::read(file)
                        && read_report(&bytes, binary, &mut timings).is_ok()
                    {
                        reports += 1;
                    }
                }
                if reports == 0 {
                    return Err(error(path, "holds no CTRF or JUnit report".into()));
                }
            } else {
                let bytes = std::fs::read(path).map_err(|e| error(path, e.to_string()))?;
                read_report(&bytes, binary, &mut timings)
                    .map_err(|problem| error(path, problem))?;
            }
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

/// The `.json` and `.xml` files under `dir`, at any depth.
fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "json" || ext == "xml")
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Reads one CTRF or JUnit report (a UTF-8 byte-order mark is allowed).
fn read_report(bytes: &[u8], binary: &str, timings: &mut Timings) -> Result<(), String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => read_ctrf(bytes, binary, timings),
        Some(b'<') => read_junit(bytes, timings),
        _ => Err("neither CTRF JSON nor JUnit XML".to_string()),
    }
}

fn read_ctrf(bytes: &[u8], binary: &str, timings: &mut Timings) -> Result<(), String> {
    let report: crate::json::Value =
        crate::json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let tests = report["results"]["tests"]
        .as_array()
        .ok_or("no results.tests array: not a CTRF report")?;
    if let Some(other) = report["extra"]["leanvibe"]["binary"].as_str()
        && other != binary
    {
        return Err(format!("a report of binary `{other}`, not `{binary}`"));
    }
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
                let (mut name, mut classname, mut time) = (None, None, None);
                for attr in e.attributes().flatten() {
                    let Ok(text) = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0) else {
                        continue;
                    };
                    match attr.key.as_ref() {
                        b"name" => name = Some(text.into_owned()),
                        b"classname" => classname = Some(text.into_owned()),
                        b"time" => time = text.trim().parse::<f64>().ok(),
                        _ => {}
                    }
                }
                if let (Some(name), Some(seconds)) = (name, time) {
                    timings.record(&name, seconds);
                    // libtest's JUnit splits `unit::alpha` into classname
                    // `unit` and name `alpha`: record the full name too.
                    if let Some(class) = classname.filter(|c| !c.is_empty() && !name.contains("::"))
                    {
                        timings.record(&format!("{class}::{name}"), seconds);
                    }
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
        let load = |path: &Path| Timings::load(&[path.to_path_buf()], "suite");
        let err = load(&file).unwrap_err().to_string();
        assert!(err.contains("r.json") && err.contains("CTRF"), "{err}");
        std::fs::write(&file, "plain text").unwrap();
        assert!(load(&file).unwrap_err().to_string().contains("neither"));
        // A folder of other things is an error; with one report below it,
        // a libtest-style JUnit with a byte-order mark, it is read.
        let err = load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("no CTRF or JUnit report"), "{err}");
        let nested = dir.path().join("shard-1");
        std::fs::create_dir(&nested).unwrap();
        std::fs::write(
            nested.join("suite.junit.xml"),
            "\u{feff}<testsuite><testcase classname=\"unit\" name=\"alpha\" time=\"2\"/></testsuite>",
        )
        .unwrap();
        assert_eq!(load(dir.path()).unwrap().seconds("unit::alpha"), Some(2.0));
        assert!(load(&dir.path().join("missing.xml")).is_err());
    }

    #[test]
    fn a_ctrf_report_of_another_binary_is_not_read() {
        let report = |binary: &str| {
            format!(
                r#"{{"results":{{"tests":[{{"name":"t","duration":1000}}]}},"extra":{{"leanvibe":{{"binary":"{binary}"}}}}}}"#
            )
        };
        let mut timings = Timings::default();
        assert!(read_report(report("other").as_bytes(), "suite", &mut timings).is_err());
        assert_eq!(timings.seconds("t"), None);
        read_report(report("suite").as_bytes(), "suite", &mut timings).unwrap();
        assert_eq!(timings.seconds("t"), Some(1.0));
    }

    #[test]
    fn a_test_in_two_reports_keeps_its_longest_time() {
        let timings = Timings::from_pairs([("a", 1.0), ("a", 3.0), ("a", 2.0), ("b", f64::NAN)]);
        assert_eq!(timings.seconds("a"), Some(3.0));
        assert_eq!(timings.seconds("b"), None);
        assert_eq!(timings.len(), 1);
    }
}
