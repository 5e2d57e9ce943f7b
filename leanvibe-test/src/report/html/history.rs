//! The run history behind the trends: the CTRF files of a binary's last N
//! runs, kept in a directory of their own.
//!
//! Each run stores its CTRF document as
//! `<binary>.<stop ms since the epoch, 13 digits>.<run id>.ctrf.json`, so
//! names sort by time, and drops the oldest beyond N. The files are plain
//! CTRF: any CTRF tool reads them, and CI can cache the directory between
//! pipelines (`actions/cache`, GitLab's `cache:`) to see trends across
//! them.

use crate::report::ctrf::CtrfReport;
use std::io;
use std::path::{Path, PathBuf};

/// Runs kept per binary unless the profile says otherwise.
pub const DEFAULT_RUNS: usize = 20;

/// A history directory and how many runs of each binary it keeps.
///
/// ```
/// use leanvibe_test::report::html::History;
/// let dir = tempfile::tempdir().unwrap();
/// let history = History::new(dir.path().to_path_buf(), 20);
/// assert!(history.runs_of("suite").unwrap().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    dir: PathBuf,
    keep: usize,
}

impl History {
    /// Keeps the last `keep` runs of each binary in `dir` (at least 1).
    pub fn new(dir: PathBuf, keep: usize) -> History {
        History {
            dir,
            keep: keep.max(1),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The stored runs of `binary`, oldest first. A file that cannot be read
    /// as CTRF is skipped with a warning on stderr: history is a nicety, and
    /// one bad file must not cost the run its page.
    pub fn runs_of(&self, binary: &str) -> io::Result<Vec<CtrfReport>> {
        Ok(self
            .files_of(binary)?
            .into_iter()
            .filter_map(|path| match CtrfReport::read(&path) {
                Ok(report) => Some(report),
                Err(e) => {
                    eprintln!("warning: history file {} skipped: {e}", path.display());
                    None
                }
            })
            .collect())
    }

    /// Stores `report` as the newest run of `binary`, then removes the
    /// oldest runs beyond the number kept.
    pub fn record(&self, binary: &str, report: &CtrfReport) -> io::Result<PathBuf> {
        if binary.is_empty() || binary.starts_with('.') || binary.contains(['/', '\\']) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{binary:?} cannot name a history file"),
            ));
        }
        std::fs::create_dir_all(&self.dir)?;
        let run_id = report
            .run_extra()
            .map(|e| e.run_id)
            .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()))
            .unwrap_or_else(|| "run".into());
        let stop = report.results.summary.stop;
        let path = self
            .dir
            .join(format!("{binary}.{stop:013}.{run_id}.ctrf.json"));
        report.write(&path)?;
        let files = self.files_of(binary)?;
        for old in &files[..files.len().saturating_sub(self.keep)] {
            std::fs::remove_file(old)?;
        }
        Ok(path)
    }

    /// `binary`'s files, oldest first. Another binary whose name starts
    /// with this one's (`suite` and `suite.v2`) is told apart by the
    /// 13-digit time that must follow the name.
    fn files_of(&self, binary: &str) -> io::Result<Vec<PathBuf>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut files: Vec<(String, PathBuf)> = entries
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let name = entry.file_name().into_string().ok()?;
                let rest = name.strip_prefix(binary)?.strip_prefix('.')?;
                let (time, rest) = rest.split_at_checked(13)?;
                (time.bytes().all(|b| b.is_ascii_digit())
                    && rest.starts_with('.')
                    && rest.ends_with(".ctrf.json"))
                .then(|| (name.clone(), entry.path()))
            })
            .collect();
        files.sort();
        Ok(files.into_iter().map(|(_, path)| path).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(stop: u64, run_id: &str) -> CtrfReport {
        crate::json::from_str(&format!(
            r#"{{"reportFormat":"CTRF","specVersion":"0.0.0","results":{{"tool":{{"name":"leanvibe-test"}},
            "summary":{{"tests":0,"passed":0,"failed":0,"skipped":0,"pending":0,"other":0,"start":0,"stop":{stop}}},
            "tests":[]}},"extra":{{"leanvibe":{{"schema":1,"runId":"{run_id}","binary":"suite","filteredOut":0}}}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn keeps_the_newest_runs_of_each_binary_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path().to_path_buf(), 2);
        for stop in [3000, 1000, 2000] {
            history
                .record("suite", &report(stop, &format!("r{stop}")))
                .unwrap();
        }
        history.record("suite.v2", &report(500, "other")).unwrap();
        let stops: Vec<u64> = history
            .runs_of("suite")
            .unwrap()
            .iter()
            .map(|r| r.results.summary.stop)
            .collect();
        assert_eq!(stops, [2000, 3000]);
        assert_eq!(history.runs_of("suite.v2").unwrap().len(), 1);
    }

    #[test]
    fn a_run_id_that_is_not_a_plain_id_does_not_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path().to_path_buf(), 5);
        let path = history.record("suite", &report(7, "../../etc")).unwrap();
        assert_eq!(path, dir.path().join("suite.0000000000007.run.ctrf.json"));
    }

    #[test]
    fn an_unreadable_file_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path().to_path_buf(), 5);
        history.record("suite", &report(1, "a")).unwrap();
        std::fs::write(
            dir.path().join("suite.0000000000002.b.ctrf.json"),
            "not json",
        )
        .unwrap();
        assert_eq!(history.runs_of("suite").unwrap().len(), 1);
    }
}
