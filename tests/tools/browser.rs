//! The HTML report in a real browser: Debian's Chromium, headless. The page
//! must run its script under its own Content-Security-Policy with nothing in
//! the console, show the counts the CTRF file has, and keep hostile output
//! as text: after the browser has parsed the page, no element or attribute
//! came from a test's output.

use leanvibe_test::prelude::*;
use leanvibe_test_e2e::reports_of;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The first Chromium on PATH.
fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return PathBuf::from(name);
        }
    }
    leanvibe_test::prerequisite_missing("chromium is not installed (apt-get install chromium)")
}

/// What the browser made of a page.
struct Rendered {
    /// The DOM after parsing and running the page's script, as HTML.
    dom: String,
    /// Lines the page logged: console messages, script errors, policy
    /// violations.
    console: Vec<String>,
}

fn render(page: &Path) -> Rendered {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=2000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium failed: {stderr}");
    Rendered {
        dom: String::from_utf8(output.stdout).expect("the DOM is UTF-8"),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_string)
            .collect(),
    }
}

fn summary(dir: &Path, binary: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(format!("{binary}.ctrf.json"))).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["results"]["summary"].clone()
}

/// `<dd data-count="NAME">N</dd>` in the DOM.
fn count_in_dom(dom: &str, name: &str) -> u64 {
    let marker = format!(r#"data-count="{name}">"#);
    let at = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} count in the DOM"))
        + marker.len();
    dom[at..at + dom[at..].find('<').unwrap()]
        .trim()
        .parse()
        .unwrap()
}

fn assert_clean_console(rendered: &Rendered) {
    assert!(
        rendered.console.is_empty(),
        "the page logged:\n{}",
        rendered.console.join("\n")
    );
    assert!(
        rendered
            .dom
            .starts_with("<!DOCTYPE html>\n<html lang=\"en\" data-js=\"on\">"),
        "the script ran under the page's policy: {}",
        &rendered.dom[..200.min(rendered.dom.len())]
    );
}

#[plugin_test(timeout_ms = 180_000)]
fn the_example_suites_page_renders_with_its_counts() {
    let dir = reports_of("suite", &[]);
    let rendered = render(&dir.path().join("suite.html"));
    assert_clean_console(&rendered);
    let summary = summary(dir.path(), "suite");
    for name in ["passed", "failed", "skipped", "tests"] {
        assert_eq!(
            count_in_dom(&rendered.dom, name),
            summary[name].as_u64().unwrap(),
            "{name}"
        );
    }
    // The script showed the filter it works (hidden without it).
    assert!(
        rendered.dom.contains(r#"<div id="controls">"#),
        "controls shown"
    );
}

/// Elements and attributes the page's templates (and its script) make.
const ELEMENTS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "section",
    "article",
    "dl",
    "div",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "strong",
    "span",
    "ul",
    "ol",
    "li",
    "pre",
    "details",
    "summary",
    "figure",
    "figcaption",
    "svg",
    "rect",
    "line",
    "polyline",
    "text",
    "circle",
    "title",
    "script",
    "input",
    "select",
    "option",
];
const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "id",
    "data-count",
    "data-v",
    "data-test",
    "data-binary",
    "data-vector",
    "data-values",
    "data-js",
    "width",
    "height",
    "viewbox",
    "role",
    "aria-label",
    "aria-sort",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "cx",
    "cy",
    "r",
    "points",
    "text-anchor",
    "hidden",
    "type",
    "placeholder",
    "value",
    "tabindex",
    "title",
];

/// Every start tag of a serialized DOM with its attribute names. Chromium
/// serializes text with `<`, `>` and `&` escaped and attribute values
/// double-quoted with `"` escaped, so each `<` starts a tag.
fn elements(dom: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut rest = dom;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("a tag ends");
        let tag = rest[..end].trim_end_matches('/');
        rest = &rest[end + 1..];
        if tag.starts_with('/') || tag.starts_with('!') {
            continue;
        }
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let mut attributes = Vec::new();
        let mut attrs = &tag[name_end..];
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() {
                break;
            }
            let end = attrs
                .find(|c: char| c.is_whitespace() || c == '=')
                .unwrap_or(attrs.len());
            attributes.push(attrs[..end].to_ascii_lowercase());
            attrs = &attrs[end..];
            if let Some(value) = attrs.strip_prefix("=\"") {
                attrs = &value[value.find('"').expect("a quoted value ends") + 1..];
            }
        }
        let name = tag[..name_end].to_ascii_lowercase();
        if name == "style" || name == "script" {
            rest = &rest[rest.find(&format!("</{name}>")).expect("closed")..];
        }
        found.push((name, attributes));
    }
    found
}

#[plugin_test(timeout_ms = 180_000)]
fn hostile_output_stays_text_in_the_browser() {
    let dir = reports_of("hostile", &["--test-threads", "2"]);
    let page = dir.path().join("hostile.html");
    let rendered = render(&page);
    assert_clean_console(&rendered);
    let elements = elements(&rendered.dom);
    assert!(
        elements.len() > 100,
        "the DOM was read: {} elements",
        elements.len()
    );
    for (name, attributes) in &elements {
        assert!(
            ELEMENTS.contains(&name.as_str()),
            "<{name}> came from the output"
        );
        for attribute in attributes {
            assert!(
                ATTRIBUTES.contains(&attribute.as_str()),
                "{attribute} on <{name}> came from the output"
            );
        }
    }
    assert_eq!(elements.iter().filter(|(n, _)| n == "script").count(), 1);
    let summary = summary(dir.path(), "hostile");
    assert_eq!(
        count_in_dom(&rendered.dom, "failed"),
        summary["failed"].as_u64().unwrap()
    );
    // The checks above can fail: the same page with one injected element
    // and handler is caught.
    let text = std::fs::read_to_string(&page).unwrap();
    let injected = dir.path().join("injected.html");
    std::fs::write(
        &injected,
        text.replacen(
            "<h2>Failures</h2>",
            "<h2>Failures</h2><img src=x onerror=\"alert(1)\">",
            1,
        ),
    )
    .unwrap();
    let tampered = render(&injected);
    assert!(
        elements_of_tampered_are_caught(&tampered),
        "an injected element must be seen"
    );
}

fn elements_of_tampered_are_caught(rendered: &Rendered) -> bool {
    let foreign = elements(&rendered.dom)
        .iter()
        .any(|(name, attributes)| name == "img" && attributes.iter().any(|a| a == "onerror"));
    // The policy blocks the handler and the load, and says so.
    foreign
        && rendered
            .console
            .iter()
            .any(|l| l.contains("Content Security Policy"))
}
