//! The HTML report: one self-contained page per run (`<binary>.html`), or
//! one for several binaries or shards (`leanvibe-report html`).
//!
//! The page is rendered from the same CTRF model the JUnit and CTRF files
//! are written from, so every text on it has already been cleaned and
//! redacted, and it says what those files say. In order: the summary,
//! failures (with the budget or finding that failed each), budgets drawn
//! against their limits, performance charts, security findings by vector,
//! rollout timelines, trends over the stored history, then every test in a
//! compact table.
//!
//! It is one file with inline CSS and SVG and a small inline script for
//! filtering and sorting; nothing is loaded from anywhere. A
//! Content-Security-Policy admits only that style and that script, by hash:
//! an inline event handler or a remote load that somehow got onto the page
//! would not run. Everything from a report is escaped (`escape`), so
//! nothing a test prints becomes markup.
//!
//! ```
//! use leanvibe_test::report::{ctrf::CtrfReport, html};
//! let report: CtrfReport = leanvibe_test::json::from_str(r#"{"reportFormat":"CTRF","specVersion":"0.0.0",
//!   "results":{"tool":{"name":"leanvibe-test"},"summary":{"tests":1,"passed":0,"failed":1,"skipped":0,
//!   "pending":0,"other":0,"start":0,"stop":5},
//!   "tests":[{"name":"t","status":"failed","duration":5,"message":"<script>alert(1)</script>"}]}}"#).unwrap();
//! let page = html::render(&[report], None);
//! assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
//! assert!(!page.contains("<script>alert"));
//! ```

mod all_tests;
mod budgets;
mod chart;
mod deploy;
mod escape;
mod failures;
mod history;
mod perf;
mod security;
mod summary;
mod trends;
mod view;

pub use history::{DEFAULT_RUNS, History};

use crate::report::ctrf::CtrfReport;
use escape::Page;
use std::path::Path;
use summary::Counts;
use view::{TestView, binary_of};

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");
/// SHA-256 of [`STYLE`] and [`SCRIPT`], base64: what the policy admits. A
/// unit test recomputes them, so an edit to either file that forgets these
/// fails the build's tests rather than the page in a browser.
const STYLE_HASH: &str = "gX8SYGOHKx4BdKbLntzVCvS/UNPFOGJXID36Bry/N/Y=";
const SCRIPT_HASH: &str = "oihS/FsVDUMGzvpP7i0A9LtrcoITJHQyLn9nYmnJwVI=";

/// Renders the page for `reports` (one per binary or shard). With
/// `earlier` (the history: earlier runs of these binaries, any order) it
/// has a trends section; `Some(&[])` says history is on and this is its
/// first run.
pub fn render(reports: &[CtrfReport], earlier: Option<&[CtrfReport]>) -> String {
    let tests = TestView::all(reports);
    let counts = Counts::of(reports);
    // About 80 bytes per passing test's row, plus what failures show.
    let mut page = Page::with_capacity(16 * 1024 + tests.len() * 96);
    head(&mut page, reports, &counts);
    summary::write(&mut page, reports, &counts);
    failures::write(&mut page, &tests);
    budgets::write(&mut page, &tests);
    perf::write(&mut page, &tests);
    security::write(&mut page, &tests);
    deploy::write(&mut page, &tests);
    if let Some(earlier) = earlier {
        page.raw(r#"<section id="trends"><h2>Trends</h2>"#);
        for report in reports {
            let binary = binary_of(report);
            let mut runs: Vec<&CtrfReport> = earlier
                .iter()
                .filter(|r| {
                    binary_of(r) == binary
                        && r.run_extra().map(|e| e.run_id) != report.run_extra().map(|e| e.run_id)
                })
                .collect();
            runs.sort_by_key(|r| r.results.summary.stop);
            runs.push(report);
            trends::write(&mut page, &runs);
        }
        page.raw("</section>");
    }
    all_tests::write(&mut page, &tests, reports.len());
    page.raw("<script>")
        .raw(SCRIPT)
        .raw("</script></body></html>\n");
    page.finish()
}

/// Renders the page and writes it to `path` atomically (as the other
/// reports are), creating its directory.
pub fn write(
    path: &Path,
    reports: &[CtrfReport],
    earlier: Option<&[CtrfReport]>,
) -> std::io::Result<()> {
    let page = render(reports, earlier);
    super::atomic::write_atomically(path, |out| out.write_all(page.as_bytes()))
}

/// The binary a report is of, as the page and the history name it: ours
/// (`extra.leanvibe.binary`), else CTRF's `environment.reportName`, else the
/// tool's name.
///
/// ```
/// # use leanvibe_test::report::{ctrf::CtrfReport, html};
/// let report: CtrfReport = leanvibe_test::json::from_str(r#"{"reportFormat":"CTRF","specVersion":"0.0.0",
///   "results":{"tool":{"name":"jest"},"summary":{"tests":0,"passed":0,"failed":0,"skipped":0,
///   "pending":0,"other":0,"start":0,"stop":0},"tests":[]}}"#).unwrap();
/// assert_eq!(html::binary_name(&report), "jest");
/// ```
pub fn binary_name(report: &CtrfReport) -> String {
    binary_of(report).to_string()
}

fn head(page: &mut Page, reports: &[CtrfReport], counts: &Counts) {
    let names: Vec<&str> = reports.iter().map(binary_of).collect();
    let title = format!(
        "{}: {} passed, {} failed",
        if names.is_empty() {
            "no reports".to_string()
        } else {
            names.join(", ")
        },
        counts.passed,
        counts.failed
    );
    page.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw(r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-"#)
        .raw(STYLE_HASH)
        .raw(r#"'; script-src 'sha256-"#)
        .raw(SCRIPT_HASH)
        .raw(r#"'; base-uri 'none'; form-action 'none'">"#)
        .raw(r#"<meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="leanvibe-test "#)
        .raw(env!("CARGO_PKG_VERSION"))
        .raw(r#""><title>"#)
        .text(&title)
        .raw("</title><style>")
        .raw(STYLE)
        .raw("</style></head><body><header><h1>")
        .text(&title)
        .raw("</h1><p>leanvibe-test ")
        .raw(env!("CARGO_PKG_VERSION"));
    if let Some(timestamp) = reports.iter().filter_map(|r| r.timestamp.as_deref()).max() {
        page.raw(", written ").text(timestamp);
    }
    page.raw("</p></header>");
}

#[cfg(test)]
mod tests;
