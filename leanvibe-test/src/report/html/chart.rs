//! Small SVG charts written by hand: a budget bar, a percentile curve, a
//! bar chart of throughput by stress level, a sparkline, a timeline. Each is
//! a few hundred bytes; a charting crate (plotters' SVG backend, charts-rs)
//! would add more to the build than these take to write, and none of them
//! writes a chart smaller. Colours come from the page's CSS classes, so the
//! charts need no `style` attributes.

use super::escape::Page;

/// A horizontal line drawn across a chart: a threshold or a budget.
pub(super) struct Line {
    pub(super) label: String,
    pub(super) value: f64,
    pub(super) held: bool,
}

/// Where the limit sits in a budget bar: values up to 1.5× the limit fit.
const BAR_WIDTH: f64 = 180.0;
const BAR_LIMIT_AT: f64 = 120.0;

/// A bar of `measured / limit`, with the limit marked.
pub(super) fn budget_bar(page: &mut Page, ratio: f64) {
    let ratio = if ratio.is_finite() {
        ratio.max(0.0)
    } else {
        0.0
    };
    let width = (ratio * BAR_LIMIT_AT).min(BAR_WIDTH);
    let class = match ratio {
        r if r >= 1.0 => "over",
        r if r >= 0.8 => "near",
        _ => "ok",
    };
    page.raw(r#"<svg class="bar" width="180" height="12" viewBox="0 0 180 12" role="img"><rect class="track" width="180" height="12"/><rect class=""#)
        .raw(class)
        .raw(r#"" height="12" width=""#)
        .fixed(width, 1)
        .raw(r#""/><line class="limit" x1="120" x2="120" y1="0" y2="12"/></svg>"#);
}

const W: f64 = 520.0;
const H: f64 = 200.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

/// The x position of percentile `p` on HDR's log axis, where each step
/// from 0 to 50, 75, 87.5 ... takes the same width, up to 99.9.
fn percentile_x(p: f64) -> f64 {
    let p = p.clamp(0.0, 99.9);
    let steps = -(1.0 - p / 100.0).log2(); // 0 at p0, 1 at p50, ~10 at p99.9
    LEFT + (W - LEFT - 28.0) * steps / 1000f64.log2()
}

/// A latency percentile curve (`[percentile, ms]` points) with threshold
/// lines, on a log percentile axis.
pub(super) fn percentile_curve(page: &mut Page, points: &[[f64; 2]], lines: &[Line]) {
    let top = points
        .iter()
        .map(|p| p[1])
        .chain(lines.iter().map(|l| l.value))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE)
        * 1.1;
    let y = |ms: f64| H - BOTTOM - (H - BOTTOM - TOP) * (ms / top);
    open(page, "curve", "latency percentile curve");
    axes(page, top, "ms");
    for (p, label) in [
        (0.0, "0"),
        (50.0, "50"),
        (90.0, "90"),
        (99.0, "99"),
        (99.9, "99.9"),
    ] {
        page.raw(r#"<text class="tick" x=""#)
            .fixed(percentile_x(p), 1)
            .raw(r#"" y=""#)
            .fixed(H - 6.0, 1)
            .raw(r#"" text-anchor="middle">p"#)
            .raw(label)
            .raw("</text>");
    }
    page.raw(r#"<polyline class="series" points=""#);
    for point in points {
        page.fixed(percentile_x(point[0]), 1)
            .raw(",")
            .fixed(y(point[1]), 1)
            .raw(" ");
    }
    page.raw(r#""/>"#);
    threshold_lines(page, lines, y);
    page.raw("</svg>");
}

/// Bars of a value per level (throughput per stress level), with threshold
/// lines.
pub(super) fn level_bars(page: &mut Page, levels: &[(String, f64)], lines: &[Line], unit: &str) {
    let top = levels
        .iter()
        .map(|l| l.1)
        .chain(lines.iter().map(|l| l.value))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE)
        * 1.1;
    let y = |v: f64| H - BOTTOM - (H - BOTTOM - TOP) * (v / top);
    open(page, "levels", "throughput by level");
    axes(page, top, unit);
    let slot = (W - LEFT - 8.0) / levels.len().max(1) as f64;
    for (i, (label, value)) in levels.iter().enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.15;
        page.raw(r#"<rect class="series-bar" x=""#)
            .fixed(x, 1)
            .raw(r#"" y=""#)
            .fixed(y(*value), 1)
            .raw(r#"" width=""#)
            .fixed(slot * 0.7, 1)
            .raw(r#"" height=""#)
            .fixed(y(0.0) - y(*value), 1)
            .raw(r#""><title>"#)
            .text(label)
            .raw(": ")
            .fixed(*value, 1)
            .raw("</title></rect>")
            .raw(r#"<text class="tick" x=""#)
            .fixed(x + slot * 0.35, 1)
            .raw(r#"" y=""#)
            .fixed(H - 6.0, 1)
            .raw(r#"" text-anchor="middle">"#)
            .text(label.trim_start_matches("concurrency "))
            .raw("</text>");
    }
    threshold_lines(page, lines, y);
    page.raw("</svg>");
}

fn open(page: &mut Page, class: &str, label: &str) {
    page.raw(r#"<svg class="chart "#)
        .raw(class)
        .raw(r#"" width="520" height="200" viewBox="0 0 520 200" role="img" aria-label=""#)
        .raw(label)
        .raw(r#"">"#);
}

/// The y axis from 0 to `top`, labelled at 0, half and `top`.
fn axes(page: &mut Page, top: f64, unit: &str) {
    let base = H - BOTTOM;
    page.raw(r#"<line class="axis" x1="48" x2="48" y1="8" y2=""#)
        .fixed(base, 1)
        .raw(r#""/><line class="axis" x1="48" x2="512" y1=""#)
        .fixed(base, 1)
        .raw(r#"" y2=""#)
        .fixed(base, 1)
        .raw(r#""/>"#);
    for share in [0.0, 0.5, 1.0] {
        let value = top / 1.1 * share;
        let y = base - (base - TOP) * (value / top);
        page.raw(r#"<text class="tick" x="44" y=""#)
            .fixed(y + 4.0, 1)
            .raw(r#"" text-anchor="end">"#)
            .raw(&short_number(value))
            .raw("</text>");
    }
    page.raw(r#"<text class="tick" x="4" y="12">"#)
        .text(unit)
        .raw("</text>");
}

fn threshold_lines(page: &mut Page, lines: &[Line], y: impl Fn(f64) -> f64) {
    for line in lines {
        let class = if line.held {
            "threshold"
        } else {
            "threshold broken"
        };
        let at = y(line.value);
        page.raw(r#"<line class=""#)
            .raw(class)
            .raw(r#"" x1="48" x2="512" y1=""#)
            .fixed(at, 1)
            .raw(r#"" y2=""#)
            .fixed(at, 1)
            .raw(r#""/><text class="tick label" x="510" y=""#)
            .fixed(at - 3.0, 1)
            .raw(r#"" text-anchor="end">"#)
            .text(&line.label)
            .raw("</text>");
    }
}

/// `12.3`, `1.2k`, `3.4M`: axis labels stay short.
fn short_number(value: f64) -> String {
    match value {
        v if v >= 1e6 => format!("{:.1}M", v / 1e6),
        v if v >= 1e4 => format!("{:.0}k", v / 1e3),
        v if v >= 100.0 => format!("{v:.0}"),
        v if v >= 1.0 => format!("{v:.1}"),
        v => format!("{v:.2}"),
    }
}

/// A sparkline of `values` (oldest first); the values are also in
/// `data-values`, for readers and tests.
pub(super) fn sparkline(page: &mut Page, values: &[f64]) {
    let top = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let step = if values.len() > 1 {
        96.0 / (values.len() - 1) as f64
    } else {
        0.0
    };
    page.raw(r#"<svg class="spark" width="100" height="20" viewBox="0 0 100 20" role="img" data-values=""#);
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            page.raw(",");
        }
        page.fixed(*v, 1);
    }
    page.raw(r#""><polyline class="series" points=""#);
    for (i, v) in values.iter().enumerate() {
        let y = if top > 0.0 {
            18.0 - 16.0 * v / top
        } else {
            18.0
        };
        page.fixed(2.0 + step * i as f64, 1)
            .raw(",")
            .fixed(y, 1)
            .raw(" ");
    }
    page.raw(r#""/></svg>"#);
}

/// One event on a timeline.
pub(super) struct Mark {
    pub(super) at_ms: u64,
    pub(super) label: String,
    pub(super) class: &'static str,
}

/// A horizontal timeline from `start` to `end` with a tick per event; the
/// events' text is in the list beside it (and in each tick's title).
pub(super) fn timeline(page: &mut Page, start_ms: u64, end_ms: u64, marks: &[Mark]) {
    let span = end_ms.saturating_sub(start_ms).max(1) as f64;
    page.raw(r#"<svg class="timeline" width="520" height="36" viewBox="0 0 520 36" role="img" aria-label="timeline"><line class="axis" x1="8" x2="512" y1="18" y2="18"/>"#);
    for mark in marks {
        let x = 8.0 + 504.0 * (mark.at_ms.saturating_sub(start_ms) as f64 / span).min(1.0);
        page.raw(r#"<circle class=""#)
            .raw(mark.class)
            .raw(r#"" r="5" cy="18" cx=""#)
            .fixed(x, 1)
            .raw(r#""><title>"#)
            .num(mark.at_ms.saturating_sub(start_ms))
            .raw(" ms: ")
            .text(&mark.label)
            .raw("</title></circle>");
    }
    page.raw("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svg(draw: impl FnOnce(&mut Page)) -> String {
        let mut page = Page::default();
        draw(&mut page);
        page.finish()
    }

    #[test]
    fn a_bar_over_its_limit_is_marked_and_clipped() {
        let over = svg(|p| budget_bar(p, 3.0));
        assert!(
            over.contains(r#"class="over" height="12" width="180.0""#),
            "{over}"
        );
        let near = svg(|p| budget_bar(p, 0.9));
        assert!(
            near.contains(r#"class="near" height="12" width="108.0""#),
            "{near}"
        );
        let nan = svg(|p| budget_bar(p, f64::NAN));
        assert!(
            nan.contains(r#"class="ok" height="12" width="0.0""#),
            "{nan}"
        );
    }

    #[test]
    fn percentiles_step_evenly_on_the_log_axis() {
        let step = percentile_x(50.0) - percentile_x(0.0);
        assert!((percentile_x(75.0) - percentile_x(50.0) - step).abs() < 1e-9);
        assert_eq!(percentile_x(100.0), percentile_x(99.9));
    }

    #[test]
    fn labels_from_reports_are_escaped() {
        let out = svg(|p| {
            level_bars(
                p,
                &[("<b>".into(), 10.0)],
                &[Line {
                    label: "x<\"y".into(),
                    value: 5.0,
                    held: false,
                }],
                "ops/s",
            )
        });
        assert!(!out.contains("<b>") && !out.contains("x<\"y"), "{out}");
        assert!(out.contains("threshold broken"), "{out}");
    }

    #[test]
    fn a_sparkline_carries_its_values() {
        let out = svg(|p| sparkline(p, &[10.0, 60.0, 120.0]));
        assert!(out.contains(r#"data-values="10.0,60.0,120.0""#), "{out}");
        assert!(
            out.contains(r#"points="2.0,16.7 50.0,10.0 98.0,2.0 ""#),
            "{out}"
        );
    }
}
