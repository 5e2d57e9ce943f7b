//! Budgets: every limit a test had, its measured value drawn against it,
//! closest to the limit first.

use super::chart;
use super::escape::Page;
use super::view::{BudgetUse, TestView};

/// Tests drawn with a bar; the rest are rows of a plain table. A suite where
/// every test has a budget (a profile default) would otherwise draw 10,000
/// bars nobody reads.
const BARS: usize = 100;

pub(super) fn write(page: &mut Page, tests: &[TestView<'_>]) {
    let mut rows: Vec<(&TestView<'_>, BudgetUse)> = tests
        .iter()
        .flat_map(|t| t.budgets().into_iter().map(move |b| (t, b)))
        .collect();
    if rows.is_empty() {
        return;
    }
    rows.sort_by(|a, b| b.1.ratio().total_cmp(&a.1.ratio()));
    page.raw(r#"<section id="budgets"><h2>Budgets</h2><p class="note">Measured against the limit (the line); closest to the limit first.</p>"#);
    page.raw(r#"<table class="budgets sortable"><thead><tr><th>test</th><th>limit</th><th>measured</th><th>of limit</th><th></th></tr></thead><tbody>"#);
    for (i, (test, budget)) in rows.iter().enumerate() {
        row(page, Some(&test.test.name), budget, i < BARS);
    }
    page.raw("</tbody></table>");
    if rows.len() > BARS {
        page.raw(r#"<p class="note">Bars for the "#)
            .num(BARS)
            .raw(" closest to their limit; ")
            .num(rows.len() - BARS)
            .raw(" more rows without.</p>");
    }
    page.raw("</section>");
}

/// One test's budgets, for its failure.
pub(super) fn table(page: &mut Page, budgets: &[BudgetUse]) {
    page.raw(r#"<table class="budgets"><tbody>"#);
    for budget in budgets {
        row(page, None, budget, true);
    }
    page.raw("</tbody></table>");
}

fn row(page: &mut Page, test: Option<&str>, budget: &BudgetUse, bar: bool) {
    let ratio = budget.ratio();
    let class = if ratio >= 1.0 { "over" } else { "within" };
    page.raw(r#"<tr class=""#).raw(class).raw(r#"">"#);
    if let Some(test) = test {
        page.raw("<td class=\"name\">").text(test).raw("</td>");
    }
    page.raw("<td>")
        .raw(budget.key)
        .raw(" ")
        .fixed(budget.limit, 1)
        .raw(" ")
        .raw(budget.unit)
        .raw("</td><td data-v=\"");
    match budget.measured {
        Some(m) => page.fixed(m, 3).raw("\">").fixed(m, 1),
        None => page.raw("-1\">not measured"),
    };
    page.raw("</td><td data-v=\"")
        .fixed(ratio.min(1e9), 4)
        .raw("\">")
        .fixed((ratio * 100.0).min(1e9), 0)
        .raw("%</td><td>");
    if bar {
        chart::budget_bar(page, ratio);
    }
    page.raw("</td></tr>");
}
