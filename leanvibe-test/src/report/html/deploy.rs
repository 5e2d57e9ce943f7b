//! Deploy: the timeline of each rollout a test attached: its events (traffic
//! steps, rollback), its gate checks and how it ended.

use super::chart::{self, Mark};
use super::escape::Page;
use super::view::{DeployView, TestView};

pub(super) fn write(page: &mut Page, tests: &[TestView<'_>]) {
    let rollouts: Vec<(&TestView<'_>, DeployView)> = tests
        .iter()
        .filter(|t| t.has_deploy())
        .filter_map(|t| Some((t, t.topic::<DeployView>("deploy")?)))
        .collect();
    if rollouts.is_empty() {
        return;
    }
    page.raw(r#"<section id="deploy"><h2>Deploy</h2>"#);
    for (test, rollout) in &rollouts {
        let class = if rollout.outcome == "succeeded" {
            "succeeded"
        } else {
            "failed"
        };
        page.raw(r#"<article class="rollout "#)
            .raw(class)
            .raw(r#""><h3><span class="kind">"#)
            .text(&rollout.strategy)
            .raw("</span> of <span class=\"name\">")
            .text(&rollout.package)
            .raw("</span> in <span class=\"name\">")
            .text(&test.test.name)
            .raw("</span>: ")
            .text(&rollout.outcome.replace('_', " "))
            .raw("</h3>");
        if let Some(reason) = &rollout.reason {
            page.raw(r#"<p class="headline">"#).text(reason).raw("</p>");
        }
        let mut marks: Vec<Mark> = rollout
            .events
            .iter()
            .map(|e| Mark {
                at_ms: e.at_ms,
                label: e.message.clone(),
                class: if e.message.to_ascii_lowercase().contains("roll")
                    && e.message.contains("back")
                {
                    "event bad"
                } else {
                    "event"
                },
            })
            .collect();
        marks.extend(rollout.analyses.iter().map(|a| Mark {
            at_ms: a.finished_ms,
            label: format!("gate check {}: {}", a.step, a.verdict),
            class: if a.verdict == "successful" {
                "gate good"
            } else {
                "gate bad"
            },
        }));
        chart::timeline(page, rollout.started_ms, rollout.finished_ms, &marks);
        page.raw(r#"<ol class="events">"#);
        marks.sort_by_key(|m| m.at_ms);
        for mark in &marks {
            page.raw(r#"<li class=""#)
                .raw(mark.class)
                .raw(r#""><span class="at">"#)
                .num(mark.at_ms.saturating_sub(rollout.started_ms))
                .raw(" ms</span> ")
                .text(&mark.label)
                .raw("</li>");
        }
        page.raw("</ol></article>");
    }
    page.raw("</section>");
}
