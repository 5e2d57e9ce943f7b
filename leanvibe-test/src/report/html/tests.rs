use super::*;
use crate::report::ctrf::CtrfReport;
use proptest::prelude::*;

fn report(binary: &str, run_id: &str, stop: u64, tests: &str) -> CtrfReport {
    let (mut passed, mut failed) = (0, 0);
    let parsed: Vec<crate::json::Value> = crate::json::from_str(tests).unwrap();
    for t in &parsed {
        match t["status"].as_str() {
            Some("passed") => passed += 1,
            Some("failed") => failed += 1,
            _ => {}
        }
    }
    crate::json::from_str(&format!(
        r#"{{"reportFormat":"CTRF","specVersion":"0.0.0","timestamp":"2026-12-03T10:00:00Z",
        "results":{{"tool":{{"name":"leanvibe-test"}},
        "summary":{{"tests":{},"passed":{passed},"failed":{failed},"skipped":0,"pending":0,"other":0,"start":0,"stop":{stop}}},
        "tests":{tests}}},
        "extra":{{"leanvibe":{{"schema":1,"runId":"{run_id}","completed":true,"binary":"{binary}","filteredOut":0,"commit":"abc123"}}}}}}"#,
        parsed.len()
    ))
    .unwrap()
}

/// Tags and attribute names the page's templates use. Anything else on a
/// rendered page came from report text that escaped escaping.
const TAGS: &[&str] = &[
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
    "width",
    "height",
    "viewbox",
    "role",
    "aria-label",
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
];

/// Every tag of `page` with its attribute names, read the way a browser
/// tokenizes (outside `<style>`/`<script>` bodies, which are ours).
fn tags(page: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if rest.starts_with("!DOCTYPE") {
            continue;
        }
        let end = rest.find('>').expect("every tag is closed");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('/') {
            continue;
        }
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let name = tag[..name_end].to_ascii_lowercase();
        let attributes = attribute_names(&tag[name_end..]);
        if name == "style" || name == "script" {
            let close = format!("</{name}>");
            let end = rest.find(&close).expect("closed");
            rest = &rest[end..];
        }
        found.push((name, attributes));
    }
    found
}

/// The names in `name="value" flag name=value ...`.
fn attribute_names(mut rest: &str) -> Vec<String> {
    let mut names = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return names;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(rest.len());
        names.push(rest[..end].to_ascii_lowercase());
        rest = &rest[end..];
        if let Some(value) = rest.strip_prefix('=') {
            rest = match value.strip_prefix('"') {
                Some(quoted) => &quoted[quoted.find('"').expect("closing quote") + 1..],
                None => &value[value.find(char::is_whitespace).unwrap_or(value.len())..],
            };
        }
    }
}

fn assert_only_our_markup(page: &str) {
    for (name, attributes) in tags(page) {
        assert!(TAGS.contains(&name.as_str()), "tag <{name}> is not ours");
        for attribute in attributes {
            assert!(
                ATTRIBUTES.contains(&attribute.as_str()),
                "attribute {attribute} on <{name}> is not ours"
            );
        }
    }
    assert_eq!(page.matches("<script").count(), 1, "one script, ours");
}

#[test]
fn the_policy_hashes_are_those_of_the_style_and_script() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = |text: &str| {
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()))
    };
    assert_eq!(hash(STYLE), STYLE_HASH, "update STYLE_HASH");
    assert_eq!(hash(SCRIPT), SCRIPT_HASH, "update SCRIPT_HASH");
}

#[test]
fn the_tag_reader_sees_injected_markup() {
    // The checker of the proptest below must be able to fail.
    let injected = "<p>x</p><img src=x onerror=\"alert(1)\"><script>a</script>";
    let found = tags(injected);
    assert!(
        found
            .iter()
            .any(|(n, a)| n == "img" && a.contains(&"onerror".to_string()))
    );
}

fn hostile() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "</script>",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "\"",
        "'",
        "&amp;",
        "&",
        "<",
        ">",
        "]]>",
        "\u{0}",
        "\u{1b}[31m",
        "\u{85}",
        "\u{FFFE}",
        "-->",
        "<!--",
        "</style>",
        "<svg onload=alert(1)>",
        "javascript:alert(1)",
        "\" onmouseover=\"x",
        "plain",
        " ",
        "\n",
        "✓",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|p| p.concat())
}

fn escaped_json(text: &str) -> String {
    crate::json::to_string(&text).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever text a report holds, in any field the page shows, the page
    /// has only its own tags and attributes.
    #[test]
    fn report_text_never_becomes_markup(
        name in hostile(), message in hostile(), output in hostile(), payload in hostile(),
        binary in hostile(),
    ) {
        let tests = format!(
            r#"[{{"name":{n},"status":"failed","duration":3,"message":{m},"trace":{m},"stdout":[{o}],"stderr":[{o}],
               "type":{n},"flaky":false,
               "extra":{{"leanvibe":{{"schema":1,"attempts":1,"failureKind":{m},"budget":{{"max_ms":1.0}},"measurements":{{"runs_ms":[2.0,3.0]}}}},
                 "security":{{"vector":{p},"function":{n},"payloads":3,"findings":[{{"payload_id":{p},"payload":{p},"oracle":{m},"evidence":{o},"fix":{m}}}],"warnings":[{{"payload_id":{p},"message":{m}}}]}},
                 "perf":[{{"kind":{p},"name":{n},"passed":false,"runs":[{{"label":{p},"operations":3,"errors":0,"throughput_per_s":1.0,
                   "latency_ms":{{"min":1,"mean":1,"p50":1,"p90":1,"p95":1,"p99":1,"max":1}},"thresholds":[{{"threshold":{m},"measured":1.0,"passed":false}}]}},
                   {{"label":{o},"operations":3,"errors":0,"throughput_per_s":2.0,"latency_ms":{{"min":1,"mean":1,"p50":1,"p90":1,"p95":1,"p99":1,"max":1}}}}]}}],
                 "deploy":{{"strategy":{p},"package":{n},"outcome":"rolled_back","reason":{m},"started_ms":0,"finished_ms":10,
                   "events":[{{"at_ms":3,"message":{o}}}],"analyses":[{{"step":{p},"finished_ms":5,"verdict":{m}}}]}}}}}},
               {{"name":{o},"status":"passed","duration":1,"flaky":true,"retryAttempts":[{{"attempt":1,"status":"failed","message":{m}}},{{"attempt":2,"status":"passed"}}]}}]"#,
            n = escaped_json(&name), m = escaped_json(&message), o = escaped_json(&output), p = escaped_json(&payload),
        );
        let current = report("suite", "r2", 20, &tests);
        let mut earlier = report("suite", "r1", 10, &tests);
        earlier.extra = current.extra.clone();
        if let Some(crate::json::Value::Object(ours)) = earlier.extra.get_mut("leanvibe") {
            ours.insert("runId".into(), crate::json::Value::String("r1".into()));
            ours.insert("binary".into(), crate::json::Value::String(binary.clone()));
        }
        let page = render(&[current, earlier.clone()], Some(&[earlier]));
        assert_only_our_markup(&page);
    }
}

#[test]
fn every_section_has_what_it_is_for() {
    let tests = r#"[
      {"name":"slow","status":"failed","duration":60,"message":"budget: 60 ms over max_ms 50",
       "extra":{"leanvibe":{"schema":1,"attempts":1,"failureKind":"budget.time","budget":{"max_ms":50.0},"measurements":{"runs_ms":[60.0]}}}},
      {"name":"close","status":"passed","duration":45,
       "extra":{"leanvibe":{"schema":1,"attempts":1,"budget":{"max_ms":50.0,"max_heap_bytes":1048576},"measurements":{"runs_ms":[45.0],"peak_heap_bytes":524288}}}},
      {"name":"roomy","status":"passed","duration":5,
       "extra":{"leanvibe":{"schema":1,"attempts":1,"budget":{"max_ms":50.0},"measurements":{"runs_ms":[5.0]}}}},
      {"name":"inject","status":"failed","duration":5,"message":"security: 1 finding",
       "extra":{"leanvibe":{"schema":1,"attempts":1,"failureKind":"security"},
         "security":{"vector":"sql_injection","function":"lookup","payloads":12,
           "findings":[{"payload_id":"sql-3","payload":"' OR 1=1 --","oracle":"sql-echo","evidence":"query ran","fix":"bind parameters"}],"warnings":[]}}},
      {"name":"load","status":"passed","duration":500,
       "extra":{"leanvibe":{"schema":1,"attempts":1},
         "perf":[{"kind":"stress","name":"levels","passed":true,"runs":[
           {"label":"concurrency 1","operations":10,"errors":0,"throughput_per_s":100.0,"latency_ms":{"min":1,"mean":2,"p50":2,"p90":3,"p95":3,"p99":4,"max":4},
            "latency_curve_ms":[[0,1],[50,2],[99.9,4],[100,4]],"thresholds":[{"threshold":"p(95)<40","measured":3.0,"passed":true}]},
           {"label":"concurrency 8","operations":80,"errors":0,"throughput_per_s":600.0,"latency_ms":{"min":1,"mean":2,"p50":2,"p90":3,"p95":3,"p99":4,"max":4},
            "thresholds":[{"threshold":"throughput>200","measured":600.0,"passed":true}]}]}]}},
      {"name":"rollout","status":"passed","duration":5,
       "extra":{"leanvibe":{"schema":1,"attempts":1},
         "deploy":{"strategy":"blue-green","package":"plugin 2","outcome":"rolled_back","reason":"error_rate broke","started_ms":0,"finished_ms":900,
           "events":[{"at_ms":100,"message":"traffic 10%"},{"at_ms":800,"message":"rolled back"}],
           "analyses":[{"step":"traffic 10%","finished_ms":700,"verdict":"failed"}]}}}
    ]"#;
    let page = render(&[report("suite", "r1", 10, tests)], None);
    assert_only_our_markup(&page);
    let section = |id: &str| {
        let start = page
            .find(&format!(r#"<section id="{id}""#))
            .unwrap_or_else(|| panic!("no {id}"));
        let end = page[start..].find("</section>").unwrap() + start;
        &page[start..end]
    };
    assert!(section("summary").contains(r#"<dd data-count="failed">2</dd>"#));
    assert!(section("summary").contains("abc123"), "the commit");
    let failures = section("failures");
    assert!(failures.contains("budget.time") && failures.contains("max_ms 50.0 ms"));
    assert!(failures.contains("sql-echo") && failures.contains("&#39; OR 1=1 --"));
    // Closest to the limit first: slow (120%), close (90% of time), ...
    let budgets = section("budgets");
    let order: Vec<usize> = ["slow", "close", "roomy"]
        .iter()
        .map(|n| budgets.find(&format!(">{n}<")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{budgets}");
    let perf = section("performance");
    assert!(
        perf.contains("levels")
            && perf.contains("p(95)&lt;40")
            && perf.contains("throughput&gt;200")
    );
    assert_eq!(perf.matches(r#"<svg class="chart curve""#).count(), 2);
    assert_eq!(perf.matches(r#"<svg class="chart levels""#).count(), 1);
    assert!(section("security").contains(r#"data-vector="sql_injection""#));
    let deploy = section("deploy");
    assert!(deploy.contains("rolled back") && deploy.contains("gate check traffic 10%: failed"));
    assert!(
        !page.contains(r#"<section id="trends""#),
        "no history, no trends"
    );
}

#[test]
fn ten_thousand_passing_tests_make_a_small_page() {
    let tests: Vec<String> = (0..10_000)
        .map(|i| format!(r#"{{"name":"m{:02}::t_{i:05}","status":"passed","duration":0,"type":"unit","extra":{{"leanvibe":{{"schema":1,"attempts":1}}}}}}"#, i / 100))
        .collect();
    let page = render(
        &[report("tenk", "r", 1, &format!("[{}]", tests.join(",")))],
        None,
    );
    assert!(page.len() < 3 << 20, "{} bytes", page.len());
    assert_eq!(page.matches("<tr class=\"passed\">").count(), 10_000);
}

#[test]
fn trends_follow_speed_flips_and_flakiness_across_runs() {
    let run = |n: u64, slow_ms: u64, wobbly: &str, flips: &str| {
        report(
            "suite",
            &format!("r{n}"),
            n * 1000,
            &format!(
                r#"[{{"name":"speed","status":"passed","duration":{slow_ms}}},
                   {{"name":"steady","status":"passed","duration":5}},
                   {{"name":"wobbly","status":"passed","duration":2{wobbly}}},
                   {{"name":"flips","status":"{flips}","duration":1}}]"#
            ),
        )
    };
    let first = run(1, 10, "", "passed");
    let second = run(2, 60, "", "passed");
    let third = run(3, 120, r#","flaky":true"#, "failed");
    let page = render(std::slice::from_ref(&third), Some(&[second, first]));
    let trends = &page[page.find(r#"<section id="trends""#).unwrap()..];
    assert!(trends.contains("3 runs"));
    assert!(trends.contains(r#"<tr data-test="speed"><td class="name">speed</td><td><svg class="spark" width="100" height="20" viewBox="0 0 100 20" role="img" data-values="10.0,60.0,120.0""#), "{trends}");
    assert!(trends.contains(r#"<li data-test="flips">flips: passed → failed</li>"#));
    assert!(trends.contains(r#"<li data-test="wobbly">wobbly (flaky in 1 of 3 runs)</li>"#));
    assert!(trends.contains("100.0% → 100.0% → 75.0%"));
    // Fastest-moving first.
    assert!(trends.find(r#"data-test="speed""#) < trends.find(r#"<tr data-test="steady""#));
}
