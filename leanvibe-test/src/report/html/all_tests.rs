//! Every test in one compact table: status, name, time, kind. Passing tests
//! take one short row each, so 10,000 of them stay well under the page's
//! size limit.

use super::escape::Page;
use super::view::TestView;
use crate::report::ctrf::CtrfStatus;

pub(super) fn write(page: &mut Page, tests: &[TestView<'_>], binaries: usize) {
    page.raw(r#"<section id="tests"><h2>All tests</h2><div id="controls" hidden><input id="filter" type="search" placeholder="filter by name" aria-label="filter by name"> <select id="status" aria-label="status"><option value="">any status</option><option>passed</option><option>failed</option><option>skipped</option><option>flaky</option></select> <span id="shown"></span></div>"#);
    page.raw(r#"<table id="all" class="sortable"><thead><tr><th>status</th>"#);
    if binaries > 1 {
        page.raw("<th>binary</th>");
    }
    page.raw("<th>test</th><th>ms</th><th>kind</th></tr></thead><tbody>");
    for test in tests {
        let status = match (test.test.status, test.flaky()) {
            (CtrfStatus::Passed, true) => "flaky",
            (CtrfStatus::Passed, false) => "passed",
            (CtrfStatus::Failed, _) => "failed",
            (CtrfStatus::Skipped, _) => "skipped",
            (CtrfStatus::Pending | CtrfStatus::Other, _) => "other",
        };
        page.raw(r#"<tr class=""#)
            .raw(status)
            .raw(r#""><td>"#)
            .raw(status)
            .raw("</td>");
        if binaries > 1 {
            page.raw("<td>").text(test.binary).raw("</td>");
        }
        page.raw("<td>")
            .text(&test.test.name)
            .raw("</td><td>")
            .num(test.test.duration)
            .raw("</td><td>");
        if let Some(kind) = &test.test.kind {
            page.text(kind);
        }
        page.raw("</td></tr>");
    }
    page.raw("</tbody></table></section>");
}
