//! Security: findings grouped by vector, each with its payload, the oracle
//! that fired, the evidence and a fix hint.

use super::escape::Page;
use super::view::{SecurityView, TestView};
use std::collections::BTreeMap;

pub(super) fn write(page: &mut Page, tests: &[TestView<'_>]) {
    let mut by_vector: BTreeMap<String, Vec<(&TestView<'_>, SecurityView)>> = BTreeMap::new();
    for test in tests.iter().filter(|t| t.has_security()) {
        if let Some(report) = test.topic::<SecurityView>("security") {
            by_vector
                .entry(report.vector.clone())
                .or_default()
                .push((test, report));
        }
    }
    if by_vector.is_empty() {
        return;
    }
    page.raw(r#"<section id="security"><h2>Security</h2>"#);
    for (vector, suites) in &by_vector {
        let findings: usize = suites.iter().map(|(_, r)| r.findings.len()).sum();
        let payloads: u64 = suites.iter().map(|(_, r)| r.payloads).sum();
        let class = if findings > 0 {
            "vector found"
        } else {
            "vector clean"
        };
        page.raw(r#"<article class=""#)
            .raw(class)
            .raw(r#"" data-vector=""#)
            .text(vector)
            .raw(r#""><h3>"#)
            .text(vector)
            .raw(": ")
            .num(findings)
            .raw(" finding(s) from ")
            .num(payloads)
            .raw(" payloads</h3>");
        for (test, report) in suites {
            page.raw("<p><span class=\"name\">")
                .text(&report.function)
                .raw("</span> in <span class=\"name\">")
                .text(&test.test.name)
                .raw("</span>: ")
                .num(report.payloads)
                .raw(" payloads</p>");
            if !report.findings.is_empty() {
                findings_table(page, report);
            }
            if !report.warnings.is_empty() {
                page.raw(r#"<ul class="warnings">"#);
                for warning in &report.warnings {
                    page.raw("<li>");
                    if !warning.payload_id.is_empty() {
                        page.raw("<code>")
                            .text(&warning.payload_id)
                            .raw("</code>: ");
                    }
                    page.text(&warning.message).raw("</li>");
                }
                page.raw("</ul>");
            }
        }
        page.raw("</article>");
    }
    page.raw("</section>");
}

/// One suite's findings.
pub(super) fn findings_table(page: &mut Page, report: &SecurityView) {
    page.raw(r#"<table class="findings"><thead><tr><th>payload</th><th>oracle</th><th>evidence</th><th>fix</th></tr></thead><tbody>"#);
    for finding in &report.findings {
        page.raw("<tr><td><code>")
            .text(&finding.payload_id)
            .raw("</code> <code class=\"payload\">")
            .text(&finding.payload)
            .raw("</code></td><td>")
            .text(&finding.oracle)
            .raw("</td><td>")
            .text(&finding.evidence)
            .raw("</td><td>")
            .text(&finding.fix)
            .raw("</td></tr>");
    }
    page.raw("</tbody></table>");
}
