//! Performance: each perf run's latency percentile curve and, for stress
//! runs, throughput by level, with the thresholds drawn on them; and each
//! statistical budget's runs as a percentile curve with its limits.

use super::chart::{self, Line};
use super::escape::Page;
use super::view::{PerfRunView, PerfView, TestView};

pub(super) fn write(page: &mut Page, tests: &[TestView<'_>]) {
    let perf: Vec<(&TestView<'_>, Vec<PerfView>)> = tests
        .iter()
        .filter(|t| t.has_perf())
        .filter_map(|t| Some((t, t.topic::<Vec<PerfView>>("perf")?)))
        .collect();
    let statistical: Vec<(&TestView<'_>, Vec<f64>)> = tests
        .iter()
        .filter(|t| t.has_several_runs())
        .map(|t| (t, t.runs_ms()))
        .collect();
    if perf.is_empty() && statistical.is_empty() {
        return;
    }
    page.raw(r#"<section id="performance"><h2>Performance</h2>"#);
    for (test, reports) in &perf {
        for report in reports {
            perf_report(page, test, report);
        }
    }
    for (test, runs) in &statistical {
        runs_curve(page, test, runs);
    }
    page.raw("</section>");
}

fn perf_report(page: &mut Page, test: &TestView<'_>, report: &PerfView) {
    let verdict = if report.passed { "passed" } else { "failed" };
    page.raw(r#"<article class="perf "#)
        .raw(verdict)
        .raw(r#""><h3><span class="kind">"#)
        .text(&report.kind)
        .raw(r#"</span> <span class="name">"#)
        .text(&report.name)
        .raw(r#"</span> in <span class="name">"#)
        .text(&test.test.name)
        .raw("</span> ")
        .raw(verdict)
        .raw("</h3>");
    if report.runs.len() > 1 {
        let levels: Vec<(String, f64)> = report
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    r.label.clone().unwrap_or_else(|| format!("run {}", i + 1)),
                    r.throughput_per_s,
                )
            })
            .collect();
        let lines = lines_for(&report.runs, |metric| metric == "throughput");
        chart::level_bars(page, &levels, &lines, "ops/s");
    }
    for run in &report.runs {
        let points = if run.latency_curve_ms.is_empty() {
            run.latency_ms.points()
        } else {
            run.latency_curve_ms.clone()
        };
        let lines = lines_for(std::slice::from_ref(run), is_latency);
        page.raw("<figure>");
        chart::percentile_curve(page, &points, &lines);
        page.raw("<figcaption>");
        if let Some(label) = &run.label {
            page.text(label).raw(": ");
        }
        page.num(run.operations)
            .raw(" ops, ")
            .num(run.errors)
            .raw(" errors, ")
            .fixed(run.throughput_per_s, 1)
            .raw("/s; ms mean ")
            .fixed(run.latency_ms.mean, 3)
            .raw(" p95 ")
            .fixed(run.latency_ms.p95, 3)
            .raw(" max ")
            .fixed(run.latency_ms.max, 3)
            .raw("</figcaption></figure>");
        if !run.thresholds.is_empty() {
            page.raw(r#"<ul class="thresholds">"#);
            for t in &run.thresholds {
                let (class, mark) = if t.passed {
                    ("held", "✓")
                } else {
                    ("broken", "✗")
                };
                page.raw(r#"<li class=""#)
                    .raw(class)
                    .raw(r#"">"#)
                    .raw(mark)
                    .raw(" <code>")
                    .text(&t.threshold)
                    .raw("</code>: measured ");
                match t.measured {
                    Some(m) => page.fixed(m, 3),
                    None => page.raw("nothing"),
                };
                page.raw("</li>");
            }
            page.raw("</ul>");
        }
    }
    page.raw("</article>");
}

/// Latency metrics a horizontal line on the percentile curve stands for.
fn is_latency(metric: &str) -> bool {
    matches!(metric, "avg" | "min" | "max" | "med" | "p")
}

/// The thresholds of `runs` whose metric `keep` accepts, one line each
/// (the first run's verdict names whether it held everywhere).
fn lines_for(runs: &[PerfRunView], keep: impl Fn(&str) -> bool) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    for run in runs {
        for verdict in &run.thresholds {
            let Some((metric, limit)) = metric_and_limit(&verdict.threshold) else {
                continue;
            };
            if !keep(metric) {
                continue;
            }
            match lines.iter_mut().find(|l| l.label == verdict.threshold) {
                Some(line) => line.held &= verdict.passed,
                None => lines.push(Line {
                    label: verdict.threshold.clone(),
                    value: limit,
                    held: verdict.passed,
                }),
            }
        }
    }
    lines
}

/// The metric name and the limit of a k6-style threshold (`p(95)<40` is
/// `("p", 40.0)`): enough to draw it. The grammar itself lives in
/// `leanvibe_test::threshold`, behind the `perf` feature; the page reads
/// reports of any build.
fn metric_and_limit(threshold: &str) -> Option<(&str, f64)> {
    let metric_end = threshold.find(['(', '<', '>', '='])?;
    let comparison_end = threshold.rfind(['<', '>', '='])? + 1;
    let limit = threshold[comparison_end..].trim().parse().ok()?;
    Some((threshold[..metric_end].trim(), limit))
}

/// A test measured over several runs: their percentile curve (nearest
/// rank), with its statistical and `max_ms` limits.
fn runs_curve(page: &mut Page, test: &TestView<'_>, runs: &[f64]) {
    let mut sorted = runs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let points: Vec<[f64; 2]> = sorted
        .iter()
        .enumerate()
        .map(|(i, ms)| [100.0 * i as f64 / (n - 1).max(1) as f64, *ms])
        .collect();
    let lines: Vec<Line> = test
        .budgets()
        .into_iter()
        .filter(|b| b.unit.starts_with("ms"))
        .map(|b| Line {
            label: format!("{} {}", b.key, b.limit),
            value: b.limit,
            held: b.ratio() < 1.0,
        })
        .collect();
    page.raw(r#"<article class="perf"><h3><span class="kind">runs</span> <span class="name">"#)
        .text(&test.test.name)
        .raw("</span></h3><figure>");
    chart::percentile_curve(page, &points, &lines);
    page.raw("<figcaption>")
        .num(n)
        .raw(" measured runs, ms</figcaption></figure></article>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_read_for_drawing() {
        assert_eq!(metric_and_limit("p(95)<40"), Some(("p", 40.0)));
        assert_eq!(metric_and_limit("rate(>40) <= 0.05"), Some(("rate", 0.05)));
        assert_eq!(
            metric_and_limit("throughput>=100"),
            Some(("throughput", 100.0))
        );
        assert_eq!(metric_and_limit("avg"), None);
        assert_eq!(metric_and_limit("avg<x"), None);
    }
}
