//! The HTML report as a run writes it: where it goes, what turns it off,
//! trends across runs kept with `--history`, and `leanvibe-report html`
//! over several binaries and shards. The page in a real browser is
//! `tests/tools/browser.rs`.

use leanvibe_test_e2e::{fixture_bin, run};
use serde_json::Value;
use std::path::Path;

fn ctrf(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("CTRF written")).expect("JSON")
}

/// `<dd data-count="passed">N</dd>` on the page.
fn count_on_page(page: &str, name: &str) -> u64 {
    let marker = format!(r#"<dd data-count="{name}">"#);
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} count"))
        + marker.len();
    page[at..page[at..].find('<').unwrap() + at]
        .parse()
        .unwrap()
}

#[test]
fn every_run_writes_a_page_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let model = fixture_bin("model");
    let suite = [("LEANVIBE_MODEL_SUITE", "pass,panic,skip")];
    let exact = ["--exact", "t00", "t01", "t02", "--report-dir"];
    let ran = run(
        &model,
        &[&exact[..], &[reports.to_str().unwrap()]].concat(),
        &suite,
    );
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    let page_path = reports.join("model.html");
    assert!(
        ran.stdout.contains(&page_path.display().to_string()),
        "listed: {}",
        ran.stdout
    );
    let page = std::fs::read_to_string(&page_path).expect("the page is written by default");
    let summary = &ctrf(&reports.join("model.ctrf.json"))["results"]["summary"];
    for name in ["passed", "failed", "skipped"] {
        assert_eq!(
            count_on_page(&page, name),
            summary[name].as_u64().unwrap(),
            "{name}"
        );
    }
    assert!(page.contains("model panic t01"), "the failure's message");

    let elsewhere = dir.path().join("pages/run.html");
    let args = [
        &exact[..],
        &[
            reports.to_str().unwrap(),
            "--html",
            elsewhere.to_str().unwrap(),
        ],
    ]
    .concat();
    run(&model, &args, &suite);
    assert!(elsewhere.is_file(), "--html moves it");

    let args = [&exact[..], &[reports.to_str().unwrap(), "--no-html"]].concat();
    let ran = run(&model, &args, &suite);
    assert!(!ran.stdout.contains(".html"), "{}", ran.stdout);
    assert!(
        !page_path.exists(),
        "an old page does not pass for this run's"
    );
    assert!(
        reports.join("model.ctrf.json").is_file(),
        "--no-html keeps the others"
    );
}

/// Three runs of one binary kept with `--history`: a test that gets slower,
/// one that becomes flaky, one that starts failing.
#[test]
fn trends_follow_three_runs() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let history = dir.path().join("history");
    let model = fixture_bin("model");
    let sleeps = [10u64, 120, 300];
    let suites = [
        "sleep:10,pass,pass,pass",
        "sleep:120,pass,pass,pass",
        "sleep:300,flaky,panic,pass",
    ];
    for (i, suite) in suites.iter().enumerate() {
        let state = dir.path().join(format!("state{i}"));
        std::fs::create_dir(&state).unwrap();
        let ran = run(
            &model,
            &[
                "--exact",
                "t00",
                "t01",
                "t02",
                "t03",
                "--report-dir",
                reports.to_str().unwrap(),
                "--history",
                history.to_str().unwrap(),
            ],
            &[
                ("LEANVIBE_MODEL_SUITE", suite),
                ("LEANVIBE_MODEL_STATE", state.to_str().unwrap()),
            ],
        );
        assert!(ran.code.is_some(), "{}", ran.stderr);
    }
    let kept = std::fs::read_dir(&history).unwrap().count();
    assert_eq!(kept, 3, "one CTRF file per run");
    let page = std::fs::read_to_string(reports.join("model.html")).unwrap();
    let trends = &page[page
        .find(r#"<section id="trends">"#)
        .expect("a trends section")..];
    assert!(trends.contains("model: 3 runs"), "{trends}");

    let row = &trends[trends
        .find(r#"<tr data-test="t00">"#)
        .expect("t00's durations")..];
    let values = &row[row.find("data-values=\"").unwrap() + 13..];
    let values: Vec<f64> = values[..values.find('"').unwrap()]
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(values.len(), 3, "{values:?}");
    for (measured, slept) in values.iter().zip(sleeps) {
        assert!(
            *measured >= slept as f64,
            "{values:?} against sleeps {sleeps:?}"
        );
    }
    assert!(values[0] < values[1] && values[1] < values[2], "{values:?}");
    // The test that moved most comes first.
    assert!(trends.find(r#"<tr data-test="t00">"#) < trends.find(r#"<tr data-test="t03">"#));
    assert!(
        trends.contains(r#"<li data-test="t01">t01 (flaky in 1 of 3 runs)</li>"#),
        "{trends}"
    );
    assert!(
        trends.contains(r#"<li data-test="t02">t02: passed → failed</li>"#),
        "{trends}"
    );
    assert!(trends.contains("100.0% → 100.0% → 75.0%"), "{trends}");
}

#[test]
fn leanvibe_report_html_shows_several_binaries_and_merges_shards() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_bin("model");
    let mut inputs = Vec::new();
    for shard in ["count:1/2", "count:2/2"] {
        let out = dir.path().join(shard.replace([':', '/'], "-"));
        run(
            &model,
            &["--partition", shard, "--report-dir", out.to_str().unwrap()],
            &[("LEANVIBE_MODEL_SUITE", "pass,panic")],
        );
        inputs.push(out);
    }
    let hostile = dir.path().join("hostile");
    run(
        &fixture_bin("hostile"),
        &["--report-dir", hostile.to_str().unwrap()],
        &[],
    );
    inputs.push(hostile.join("hostile.ctrf.json"));
    let out = dir.path().join("page.html");
    let rendered = std::process::Command::new(fixture_bin("leanvibe-report"))
        .arg("html")
        .args(&inputs)
        .args(["-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let page = std::fs::read_to_string(&out).unwrap();
    let mut expected = 0;
    for ctrf_path in [
        inputs[0].join("model.ctrf.json"),
        inputs[1].join("model.ctrf.json"),
        hostile.join("hostile.ctrf.json"),
    ] {
        expected += ctrf(&ctrf_path)["results"]["summary"]["tests"]
            .as_u64()
            .unwrap();
    }
    assert_eq!(count_on_page(&page, "tests"), expected);
    assert_eq!(
        count_on_page(&page, "tests"),
        40 + ctrf(&hostile.join("hostile.ctrf.json"))["results"]["summary"]["tests"]
            .as_u64()
            .unwrap()
    );
    // The shards are one run of `model`: one row in the runs table.
    assert_eq!(
        page.matches("<tr><td>model</td>").count(),
        1,
        "shards merged"
    );
    assert_eq!(page.matches("<tr><td>hostile</td>").count(), 1);
    // Hostile output reaches the page only as text.
    for secret in [
        "AKIAZ7QWERTYUIOPASDF",
        "ghp_R8x2Lq9Vn4Tz7Kp1Wm6Yc3Hb5Jd0Fs8Ga2Ue",
    ] {
        assert!(!page.contains(secret), "{secret} leaked");
    }
    assert_eq!(page.matches("<script").count(), 1);
    assert!(
        page.contains("&lt;/system-out&gt;"),
        "hostile output shown, escaped"
    );
    assert!(page.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"));
    assert!(!page.contains("<img") && !page.contains("<svg onload"));
    assert!(!page.contains('\u{1b}'));

    let missing = std::process::Command::new(fixture_bin("leanvibe-report"))
        .args(["html", dir.path().join("nothing-here").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).starts_with("leanvibe-report: error: "));
}
