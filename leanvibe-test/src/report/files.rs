//! Where the report files go, and the three file sinks of a run in one call.

use super::collect::Collector;
use super::events::EventsReporter;
use super::{ReportOptions, Reporter, RunEvent};
use std::path::{Path, PathBuf};

/// Environment variable naming the report directory (the runner's
/// `--report-dir` wins over it).
pub const REPORT_DIR_ENV: &str = "LEANVIBE_REPORT_DIR";

/// The files one test binary writes, and the history it keeps.
///
/// ```
/// use leanvibe_test::report::files::ReportPaths;
/// let paths = ReportPaths::in_dir("target/leanvibe".as_ref(), "suite");
/// assert_eq!(paths.junit, std::path::Path::new("target/leanvibe/suite.junit.xml"));
/// assert_eq!(paths.ctrf, std::path::Path::new("target/leanvibe/suite.ctrf.json"));
/// assert_eq!(paths.events, std::path::Path::new("target/leanvibe/suite.events.jsonl"));
/// assert_eq!(paths.html.as_deref(), Some("target/leanvibe/suite.html".as_ref()));
/// assert!(paths.history.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPaths {
    /// `<binary>.junit.xml`.
    pub junit: PathBuf,
    /// `<binary>.ctrf.json`.
    pub ctrf: PathBuf,
    /// `<binary>.events.jsonl`.
    pub events: PathBuf,
    /// `<binary>.html`; `None` writes no page.
    pub html: Option<PathBuf>,
    /// Where each run's CTRF file is kept for the page's trends; `None`
    /// keeps none.
    pub history: Option<super::html::History>,
}

impl ReportPaths {
    /// The standard names for `binary` in `dir`.
    ///
    /// ```
    /// # use leanvibe_test::report::files::ReportPaths;
    /// assert!(ReportPaths::in_dir("r".as_ref(), "b").events.ends_with("b.events.jsonl"));
    /// ```
    pub fn in_dir(dir: &Path, binary: &str) -> Self {
        ReportPaths {
            junit: dir.join(format!("{binary}.junit.xml")),
            ctrf: dir.join(format!("{binary}.ctrf.json")),
            events: dir.join(format!("{binary}.events.jsonl")),
            html: Some(dir.join(format!("{binary}.html"))),
            history: None,
        }
    }

    /// The JUnit, CTRF, HTML and event-stream sinks for these paths. Fails
    /// only if the event stream cannot be created (the others write at the
    /// end).
    ///
    /// ```
    /// # use leanvibe_test::report::{ReportOptions, files::ReportPaths};
    /// let dir = tempfile::tempdir().unwrap();
    /// let sinks = ReportPaths::in_dir(dir.path(), "suite").reporters(&ReportOptions::default()).unwrap();
    /// assert_eq!(sinks.len(), 2); // JUnit and CTRF from one model; the event stream
    /// ```
    pub fn reporters(&self, options: &ReportOptions) -> std::io::Result<Vec<Box<dyn Reporter>>> {
        Ok(vec![
            Box::new(
                FinalReports::new(self.junit.clone(), self.ctrf.clone(), options.clone())
                    .with_page(self.html.clone(), self.history.clone()),
            ),
            Box::new(EventsReporter::new(self.events.clone(), options.clone())?),
        ])
    }
}

impl ReportPaths {
    /// Removes the JUnit and CTRF files an earlier run left here, so that
    /// a run that never finishes leaves none rather than an old one that
    /// reads as current. Files that are not there are fine.
    ///
    /// ```
    /// # use leanvibe_test::report::files::ReportPaths;
    /// let dir = tempfile::tempdir().unwrap();
    /// let paths = ReportPaths::in_dir(dir.path(), "suite");
    /// std::fs::write(&paths.ctrf, "{}").unwrap();
    /// paths.remove_final_reports().unwrap();
    /// assert!(!paths.ctrf.exists());
    /// paths.remove_final_reports().unwrap(); // nothing left to remove
    /// ```
    pub fn remove_final_reports(&self) -> std::io::Result<()> {
        for path in [&self.junit, &self.ctrf].into_iter().chain(&self.html) {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(std::io::Error::new(
                        e.kind(),
                        format!("{}: {e}", path.display()),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Records, as the event stream, that this binary's latest run was a
    /// `cargo nextest run`: one `discover_start` line with nextest's run id
    /// and `"runner":"nextest"` under `leanvibe`, and no end. nextest runs each test in a
    /// process of its own and writes the run's JUnit itself, so no
    /// leanvibe JUnit or CTRF file describes such a run; this line is what
    /// tells `leanvibe-report gate` that older files here are stale. Every
    /// test process of the run writes the same line, atomically.
    pub fn record_nextest_run(
        &self,
        info: &super::RunInfo,
        options: &ReportOptions,
    ) -> std::io::Result<()> {
        let line = super::events::nextest_marker(info, options);
        super::atomic::write_atomically(&self.events, |out| {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")
        })
    }
}

/// The default report directory, `<target-dir>/leanvibe`, found from the
/// test binary's path (`<target-dir>[/<triple>]/<profile>/deps/<binary>-<hash>`).
/// Cargo marks its target directory with `CACHEDIR.TAG`; without one the
/// directory above the profile is used. `None` when the binary is not under
/// a `deps` directory.
///
/// ```
/// use leanvibe_test::report::files::default_report_dir;
/// let dir = default_report_dir("/p/target/debug/deps/suite-1a2b".as_ref());
/// assert_eq!(dir.unwrap(), std::path::Path::new("/p/target/leanvibe"));
/// assert!(default_report_dir("/usr/bin/suite".as_ref()).is_none());
/// ```
pub fn default_report_dir(test_binary: &Path) -> Option<PathBuf> {
    let deps = test_binary
        .parent()
        .filter(|d| d.file_name().is_some_and(|n| n == "deps"))?;
    let profile = deps.parent()?;
    let marked = profile
        .ancestors()
        .skip(1)
        .take(2)
        .find(|d| d.join("CACHEDIR.TAG").is_file());
    Some(marked.or_else(|| profile.parent())?.join("leanvibe"))
}

/// Writes the JUnit and CTRF files of a run when it finishes, both rendered
/// from one model: each record is cleaned and redacted once, not once per
/// format.
///
/// ```
/// use leanvibe_test::report::{ReportOptions, Reporter, files::FinalReports};
/// let dir = tempfile::tempdir().unwrap();
/// let sink = FinalReports::new(
///     dir.path().join("suite.junit.xml"),
///     dir.path().join("suite.ctrf.json"),
///     ReportOptions::default(),
/// );
/// assert!(sink.written_paths().is_empty()); // nothing written before RunFinished
/// ```
#[derive(Debug)]
pub struct FinalReports {
    junit: PathBuf,
    ctrf: PathBuf,
    html: Option<PathBuf>,
    history: Option<super::html::History>,
    collector: Collector,
    written: Vec<PathBuf>,
}

impl FinalReports {
    /// A sink that writes `junit` and `ctrf` (creating their directories) at
    /// the end of the run.
    pub fn new(junit: PathBuf, ctrf: PathBuf, options: ReportOptions) -> Self {
        FinalReports {
            junit,
            ctrf,
            html: None,
            history: None,
            collector: Collector::new(options),
            written: Vec::new(),
        }
    }

    /// Also writes the HTML page to `html`, with trends over `history`
    /// (where this run is then kept).
    ///
    /// ```
    /// use leanvibe_test::report::{ReportOptions, files::FinalReports, html::History};
    /// let dir = tempfile::tempdir().unwrap();
    /// let sink = FinalReports::new(dir.path().join("s.junit.xml"), dir.path().join("s.ctrf.json"), ReportOptions::default())
    ///     .with_page(Some(dir.path().join("s.html")), Some(History::new(dir.path().join("history"), 20)));
    /// # let _ = sink;
    /// ```
    pub fn with_page(
        mut self,
        html: Option<PathBuf>,
        history: Option<super::html::History>,
    ) -> Self {
        self.html = html;
        self.history = history;
        self
    }

    /// The page and the history, after the JUnit and CTRF files. Neither
    /// may cost the run those: a history that cannot be read or written is
    /// a warning, and the page is still written without its trends.
    fn write_page(&mut self, report: &super::ctrf::CtrfReport) -> std::io::Result<()> {
        let binary = super::html::binary_name(report);
        let earlier = self.history.as_ref().map(|history| {
            history.runs_of(&binary).unwrap_or_else(|e| {
                eprintln!("warning: history {} not read: {e}", history.dir().display());
                Vec::new()
            })
        });
        if let Some(html) = &self.html {
            super::html::write(html, std::slice::from_ref(report), earlier.as_deref())?;
            self.written.push(html.clone());
        }
        if let Some(history) = &self.history
            && let Err(e) = history.record(&binary, report)
        {
            eprintln!(
                "warning: run not kept in history {}: {e}",
                history.dir().display()
            );
        }
        Ok(())
    }
}

impl Reporter for FinalReports {
    fn on_event(&mut self, event: &RunEvent<'_>) -> std::io::Result<()> {
        if let Some(report) = self.collector.on_event(event) {
            report.write(&self.ctrf)?;
            super::junit::write_file(&report, &self.junit)?;
            self.written = vec![self.junit.clone(), self.ctrf.clone()];
            self.write_page(&report)?;
        }
        Ok(())
    }

    fn written_paths(&self) -> Vec<&Path> {
        self.written.iter().map(PathBuf::as_path).collect()
    }
}
