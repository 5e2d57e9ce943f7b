//! Failures first: each failed test with its message, the budget or finding
//! that failed it, and its output; then the flaky tests with the attempts
//! that failed.

use super::escape::Page;
use super::view::{SecurityView, TestView};
use crate::report::sanitize::cap_text;

/// Bytes of each output stream shown per test; the CTRF file has the rest
/// (up to the run's output cap). Keeps a page with many failing, chatty
/// tests readable and small.
const OUTPUT_SHOWN: usize = 64 * 1024;

pub(super) fn write(page: &mut Page, tests: &[TestView<'_>]) {
    let failed: Vec<&TestView<'_>> = tests.iter().filter(|t| t.failed()).collect();
    page.raw(r#"<section id="failures"><h2>Failures</h2>"#);
    if failed.is_empty() {
        page.raw(r#"<p class="none">No test failed.</p>"#);
    }
    for (i, test) in failed.iter().enumerate() {
        failure(page, i, test);
    }
    let flaky: Vec<&TestView<'_>> = tests.iter().filter(|t| t.flaky() && !t.failed()).collect();
    if !flaky.is_empty() {
        page.raw(r#"<h3>Flaky: passed on a retry</h3><ul class="flaky">"#);
        for test in flaky {
            page.raw("<li><span class=\"name\">")
                .text(&test.test.name)
                .raw("</span>");
            for attempt in test
                .test
                .retry_attempts
                .iter()
                .filter(|a| a.message.is_some())
            {
                page.raw(" <span class=\"attempt\">attempt ")
                    .num(attempt.attempt)
                    .raw(": ")
                    .text(attempt.message.as_deref().unwrap_or_default())
                    .raw("</span>");
            }
            page.raw("</li>");
        }
        page.raw("</ul>");
    }
    page.raw("</section>");
}

fn failure(page: &mut Page, index: usize, test: &TestView<'_>) {
    let kind = test.failure_kind().unwrap_or("failed");
    page.raw(r#"<article class="failure" id="failure-"#)
        .num(index)
        .raw(r#""><h3><span class="kind">"#)
        .text(kind)
        .raw(r#"</span> <span class="name">"#)
        .text(&test.test.name)
        .raw(r#"</span> <span class="binary">"#)
        .text(test.binary)
        .raw("</span></h3>");
    if let Some(headline) = &test.test.message {
        page.raw(r#"<p class="headline">"#)
            .text(headline)
            .raw("</p>");
    }
    if let Some(trace) = &test.test.trace {
        page.raw(r#"<pre class="message">"#)
            .text(trace)
            .raw("</pre>");
    }
    let budgets = test.budgets();
    if kind.starts_with("budget") && !budgets.is_empty() {
        super::budgets::table(page, &budgets);
    }
    if test.has_security()
        && let Some(security) = test.topic::<SecurityView>("security")
        && !security.findings.is_empty()
    {
        super::security::findings_table(page, &security);
    }
    if test.test.retry_attempts.len() > 1 {
        page.raw(r#"<p class="attempts">"#)
            .num(test.test.retry_attempts.len())
            .raw(" attempts, all failed.</p>");
    }
    output(page, "stdout", &test.test.stdout);
    output(page, "stderr", &test.test.stderr);
    page.raw("</article>");
}

fn output(page: &mut Page, stream: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    page.raw("<details class=\"output\"><summary>")
        .raw(stream)
        .raw(" (")
        .num(lines.len())
        .raw(" lines)</summary><pre>");
    let text = cap_text(lines.join("\n"), OUTPUT_SHOWN);
    page.text(&text).raw("</pre></details>");
}
