//! The top of the page: counts, and what run this was.

use super::escape::Page;
use super::view::{binary_of, run_extra};
use crate::report::ctrf::CtrfReport;

/// Counts over every report on the page.
#[derive(Default)]
pub(super) struct Counts {
    pub(super) tests: u64,
    pub(super) passed: u64,
    pub(super) failed: u64,
    pub(super) skipped: u64,
    pub(super) flaky: u64,
}

impl Counts {
    pub(super) fn of(reports: &[CtrfReport]) -> Counts {
        let mut counts = Counts::default();
        for report in reports {
            let s = &report.results.summary;
            counts.tests += s.tests;
            counts.passed += s.passed;
            counts.failed += s.failed;
            counts.skipped += s.skipped;
            counts.flaky += s.flaky.unwrap_or(0);
        }
        counts
    }
}

pub(super) fn write(page: &mut Page, reports: &[CtrfReport], counts: &Counts) {
    let verdict = if counts.failed > 0 {
        "failed"
    } else {
        "passed"
    };
    page.raw(r#"<section id="summary" class=""#)
        .raw(verdict)
        .raw(r#""><h2>Summary</h2><dl class="counts">"#);
    for (name, value) in [
        ("passed", counts.passed),
        ("failed", counts.failed),
        ("skipped", counts.skipped),
        ("flaky", counts.flaky),
        ("tests", counts.tests),
    ] {
        page.raw(r#"<div class="count "#)
            .raw(name)
            .raw(r#""><dt>"#)
            .raw(name)
            .raw(r#"</dt><dd data-count=""#)
            .raw(name)
            .raw(r#"">"#)
            .num(value)
            .raw("</dd></div>");
    }
    page.raw("</dl><table class=\"runs\"><thead><tr><th>binary</th><th>run id</th><th>selection</th><th>commit</th><th>host</th><th>started</th><th>duration</th><th>completed</th></tr></thead><tbody>");
    for report in reports {
        let extra = run_extra(report);
        let summary = &report.results.summary;
        page.raw("<tr><td>")
            .text(binary_of(report))
            .raw("</td><td><code>");
        if let Some(extra) = &extra {
            page.text(&extra.run_id);
        }
        page.raw("</code></td><td>");
        match &extra {
            Some(extra) if !extra.selection.is_whole() => {
                page.text(&extra.selection.describe());
            }
            Some(_) => {
                page.raw("all tests");
            }
            None => {}
        }
        if let Some(shard) = report
            .results
            .environment
            .as_ref()
            .and_then(|e| e.shard_id.as_ref())
        {
            page.raw(" (shard ").text(shard).raw(")");
        }
        page.raw("</td><td><code>");
        if let Some(commit) = extra.as_ref().and_then(|e| e.commit.as_deref()) {
            page.text(commit);
        }
        page.raw("</code></td><td>");
        if let Some(host) = extra.as_ref().and_then(|e| e.hostname.as_deref()) {
            page.text(host);
        }
        page.raw("</td><td>");
        if let Some(timestamp) = &report.timestamp {
            page.text(timestamp);
        }
        page.raw("</td><td>")
            .num(summary.stop.saturating_sub(summary.start))
            .raw(" ms</td><td>");
        match &extra {
            Some(extra) if !extra.completed => {
                page.raw(r#"<strong class="bad">no</strong>"#);
                if let Some(reason) = &extra.stop_reason {
                    page.raw(": ").text(reason);
                }
                if extra.not_run > 0 {
                    page.raw(" (").num(extra.not_run).raw(" not run)");
                }
            }
            Some(_) => {
                page.raw("yes");
            }
            None => {}
        }
        page.raw("</td></tr>");
    }
    page.raw("</tbody></table></section>");
}
