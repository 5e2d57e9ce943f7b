//! Trends over the stored runs of a binary: the pass rate run by run, the
//! tests that flipped between the last two runs or became flaky, and each
//! test's duration as a sparkline.

use super::chart;
use super::escape::Page;
use super::view::binary_of;
use crate::report::ctrf::{CtrfReport, CtrfStatus};
use std::collections::BTreeMap;

/// Sparkline rows at most: the tests whose duration moved most. A suite of
/// 10,000 tests gets the ones worth looking at, not 10,000 lines.
const SPARKLINES: usize = 200;

/// One test's state in one run.
#[derive(Clone, Copy, PartialEq)]
struct Seen {
    status: CtrfStatus,
    flaky: bool,
    duration_ms: u64,
}

/// `runs` are one binary's runs, oldest first, the current run last.
pub(super) fn write(page: &mut Page, runs: &[&CtrfReport]) {
    let Some(current) = runs.last() else {
        return;
    };
    page.raw(r#"<article class="trend" data-binary=""#)
        .text(binary_of(current))
        .raw(r#""><h3>"#)
        .text(binary_of(current))
        .raw(": ")
        .num(runs.len())
        .raw(" runs</h3>");
    pass_rates(page, runs);
    let history = per_test(runs);
    changes(page, &history, runs.len());
    durations(page, &history);
    page.raw("</article>");
}

fn pass_rates(page: &mut Page, runs: &[&CtrfReport]) {
    let rates: Vec<f64> = runs
        .iter()
        .map(|r| {
            let s = &r.results.summary;
            let judged = s.passed + s.failed;
            if judged == 0 {
                100.0
            } else {
                100.0 * s.passed as f64 / judged as f64
            }
        })
        .collect();
    page.raw(r#"<p class="pass-rate">pass rate, oldest to newest: "#);
    chart::sparkline(page, &rates);
    page.raw(" ");
    for (i, rate) in rates.iter().enumerate() {
        if i > 0 {
            page.raw(" → ");
        }
        page.fixed(*rate, 1).raw("%");
    }
    page.raw("</p>");
}

fn per_test<'a>(runs: &[&'a CtrfReport]) -> BTreeMap<&'a str, Vec<Option<Seen>>> {
    let mut history: BTreeMap<&str, Vec<Option<Seen>>> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        for test in &run.results.tests {
            let row = history
                .entry(test.name.as_str())
                .or_insert_with(|| vec![None; runs.len()]);
            row[i] = Some(Seen {
                status: test.status,
                flaky: test.flaky == Some(true),
                duration_ms: test.duration,
            });
        }
    }
    history
}

/// Tests whose verdict changed between the last two runs they ran in, and
/// tests flaky in their latest run that never were before.
fn changes(page: &mut Page, history: &BTreeMap<&str, Vec<Option<Seen>>>, runs: usize) {
    let mut flipped = Vec::new();
    let mut became_flaky = Vec::new();
    for (name, seen) in history {
        let judged: Vec<&Seen> = seen
            .iter()
            .flatten()
            .filter(|s| matches!(s.status, CtrfStatus::Passed | CtrfStatus::Failed))
            .collect();
        if let [.., before, last] = judged[..] {
            if before.status != last.status {
                flipped.push((*name, before.status, last.status));
            }
            if last.flaky && !judged[..judged.len() - 1].iter().any(|s| s.flaky) {
                became_flaky.push(*name);
            }
        }
    }
    page.raw(r#"<h4>Flipped since the run before</h4><ul class="flipped">"#);
    if flipped.is_empty() {
        page.raw(r#"<li class="none">none</li>"#);
    }
    for (name, before, after) in flipped {
        page.raw(r#"<li data-test=""#)
            .text(name)
            .raw(r#"">"#)
            .text(name)
            .raw(": ")
            .raw(status_word(before))
            .raw(" → ")
            .raw(status_word(after))
            .raw("</li>");
    }
    page.raw(r#"</ul><h4>Became flaky</h4><ul class="became-flaky">"#);
    if became_flaky.is_empty() {
        page.raw(r#"<li class="none">none</li>"#);
    }
    for name in became_flaky {
        let flaky_runs = history[name].iter().flatten().filter(|s| s.flaky).count();
        page.raw(r#"<li data-test=""#)
            .text(name)
            .raw(r#"">"#)
            .text(name)
            .raw(" (flaky in ")
            .num(flaky_runs)
            .raw(" of ")
            .num(runs)
            .raw(" runs)</li>");
    }
    page.raw("</ul>");
}

fn status_word(status: CtrfStatus) -> &'static str {
    match status {
        CtrfStatus::Passed => "passed",
        CtrfStatus::Failed => "failed",
        CtrfStatus::Skipped => "skipped",
        CtrfStatus::Pending | CtrfStatus::Other => "other",
    }
}

fn durations(page: &mut Page, history: &BTreeMap<&str, Vec<Option<Seen>>>) {
    // Largest spread between fastest and slowest run first.
    let mut rows: Vec<(&str, Vec<f64>, u64)> = history
        .iter()
        .map(|(name, seen)| {
            let ms: Vec<f64> = seen
                .iter()
                .flatten()
                .map(|s| s.duration_ms as f64)
                .collect();
            let spread = seen
                .iter()
                .flatten()
                .map(|s| s.duration_ms)
                .max()
                .unwrap_or(0)
                - seen
                    .iter()
                    .flatten()
                    .map(|s| s.duration_ms)
                    .min()
                    .unwrap_or(0);
            (*name, ms, spread)
        })
        .filter(|(_, ms, _)| ms.len() > 1)
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    page.raw(r#"<h4>Durations, oldest to newest</h4><table class="durations"><thead><tr><th>test</th><th>trend</th><th>ms</th><th>verdicts</th></tr></thead><tbody>"#);
    for (name, ms, _) in rows.iter().take(SPARKLINES) {
        page.raw(r#"<tr data-test=""#)
            .text(name)
            .raw(r#""><td class="name">"#)
            .text(name)
            .raw("</td><td>");
        chart::sparkline(page, ms);
        page.raw("</td><td>")
            .fixed(ms[0], 0)
            .raw(" → ")
            .fixed(ms[ms.len() - 1], 0)
            .raw("</td><td class=\"verdicts\">");
        for seen in &history[name] {
            page.raw(match seen {
                None => "·",
                Some(s) if s.flaky => "~",
                Some(s) if s.status == CtrfStatus::Passed => "✓",
                Some(s) if s.status == CtrfStatus::Failed => "✗",
                Some(_) => "-",
            });
        }
        page.raw("</td></tr>");
    }
    page.raw("</tbody></table>");
    if rows.len() > SPARKLINES {
        page.raw(r#"<p class="note">"#)
            .num(rows.len() - SPARKLINES)
            .raw(" steadier tests not shown.</p>");
    }
}
