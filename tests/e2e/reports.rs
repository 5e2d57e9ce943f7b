//! Reports for CI, from a real run of the `hostile` fixture: tests that print
//! ANSI codes, control characters, U+FFFE, invalid UTF-8, `]]>`, 5 MiB of text
//! and credentials, and fail by panic, crash, timeout and budget.

use leanvibe_test_e2e::{Run, fixture_bin, run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SECRETS: &[&str] = &[
    "AKIAZ7QWERTYUIOPASDF",
    "ghp_R8x2Lq9Vn4Tz7Kp1Wm6Yc3Hb5Jd0Fs8Ga2Ue",
];

struct HostileRun {
    run: Run,
    dir: tempfile::TempDir,
}

impl HostileRun {
    fn file(&self, suffix: &str) -> PathBuf {
        self.dir.path().join(format!("hostile.{suffix}"))
    }
    fn ctrf(&self) -> Value {
        let text = std::fs::read_to_string(self.file("ctrf.json")).expect("CTRF file written");
        serde_json::from_str(&text).expect("CTRF parses as JSON")
    }
}

fn hostile_run() -> &'static HostileRun {
    static RUN: OnceLock<HostileRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let report_dir = dir.path().to_str().expect("utf-8 temp path").to_string();
        let run = run(
            &fixture_bin("hostile"),
            &["--test-threads", "2", "--report-dir", &report_dir],
            &[],
        );
        HostileRun { run, dir }
    })
}

/// Reads every XML event; any malformed byte sequence is an error.
fn parse_xml(path: &Path) -> Vec<(String, Vec<(String, String)>)> {
    let text = std::fs::read_to_string(path).expect("the JUnit file is UTF-8");
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut elements = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("well-formed attribute");
                        let value = a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .expect("attribute unescapes")
                            .into_owned();
                        (String::from_utf8_lossy(a.key.as_ref()).into_owned(), value)
                    })
                    .collect();
                elements.push((name, attrs));
            }
            Ok(quick_xml::events::Event::Text(t)) => {
                t.decode().expect("text decodes");
            }
            Ok(_) => {}
            Err(e) => panic!(
                "JUnit XML does not parse at {}: {e}",
                reader.buffer_position()
            ),
        }
    }
    elements
}

fn xml_char_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[test]
fn junit_parses_and_holds_only_legal_xml_characters() {
    let hostile = hostile_run();
    let path = hostile.file("junit.xml");
    let text = std::fs::read_to_string(&path).expect("JUnit written");
    if let Some(bad) = text.chars().find(|c| !xml_char_allowed(*c)) {
        panic!(
            "illegal XML character U+{:04X} in {}",
            bad as u32,
            path.display()
        );
    }
    let elements = parse_xml(&path);
    let kinds: BTreeSet<String> = elements
        .iter()
        .filter(|(name, _)| name == "failure" || name == "error")
        .flat_map(|(_, attrs)| {
            attrs
                .iter()
                .filter(|(k, _)| k == "type")
                .map(|(_, v)| v.clone())
        })
        .collect();
    let expected: BTreeSet<String> = ["panic", "crash", "timeout", "budget.time", "error"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(kinds, expected, "failure types in the JUnit file");
    let testcases = elements
        .iter()
        .filter(|(name, _)| name == "testcase")
        .count();
    assert_eq!(testcases, 9);
}

#[test]
fn ctrf_counts_and_statuses_match_the_console() {
    let hostile = hostile_run();
    let run = &hostile.run;
    assert_eq!(run.code, Some(101));
    assert_eq!(
        run.summary(),
        "test result: FAILED. 1 passed; 6 failed; 2 ignored; 0 measured; 0 filtered out"
    );
    let ctrf = hostile.ctrf();
    assert_eq!(ctrf["reportFormat"], "CTRF");
    let summary = &ctrf["results"]["summary"];
    assert_eq!(
        (summary["tests"].as_u64(), summary["passed"].as_u64()),
        (Some(9), Some(1))
    );
    assert_eq!(
        (summary["failed"].as_u64(), summary["skipped"].as_u64()),
        (Some(6), Some(2))
    );
    let console: Vec<(String, String)> = run
        .test_lines()
        .into_iter()
        .map(|(name, status)| {
            let status = match status.as_str() {
                "ok" => "passed",
                "FAILED" => "failed",
                _ => "skipped",
            };
            (name, status.to_string())
        })
        .collect();
    let mut reported: Vec<(String, String)> = ctrf["results"]["tests"]
        .as_array()
        .expect("tests array")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    reported.sort();
    assert_eq!(reported, console);
}

#[test]
fn floods_are_capped_with_a_note() {
    let ctrf = hostile_run().ctrf();
    let flood = ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "floods_five_mib_then_fails")
        .expect("flood test reported");
    let stdout = flood["stdout"].to_string();
    assert!(
        stdout.len() < 1_200_000,
        "stdout kept {} bytes",
        stdout.len()
    );
    assert!(stdout.contains("elided"), "the cap is noted");
    assert!(
        stdout.contains("tail secret [REDACTED:"),
        "the tail is kept, redacted"
    );
}

#[test]
fn secrets_appear_in_no_report_file_nor_on_the_console() {
    let hostile = hostile_run();
    for suffix in ["junit.xml", "ctrf.json", "events.jsonl"] {
        let bytes = std::fs::read(hostile.file(suffix)).expect("report written");
        let text = String::from_utf8_lossy(&bytes);
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} leaked into {suffix}");
        }
        assert!(
            text.contains("[REDACTED:"),
            "{suffix} shows where it redacted"
        );
        assert!(!bytes.contains(&0x1b), "{suffix} holds a raw ESC");
    }
    for secret in SECRETS {
        assert!(
            !hostile.run.stdout.contains(secret),
            "{secret} leaked onto the console"
        );
    }
}

#[test]
fn the_event_stream_of_a_killed_run_parses_line_by_line() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(fixture_bin("hostile"))
        .args(["--ignored", "--report-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let events = dir.path().join("hostile.events.jsonl");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(&events).unwrap_or_default();
        if text
            .lines()
            .any(|l| l.contains("sleeps_until_killed") && l.contains(r#""case_start""#))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the slow test never started:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on the process group we created; it holds the harness and its workers.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    let _ = child.wait();
    let text = std::fs::read_to_string(&events).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("line {l:?} does not parse: {e}"))
        })
        .collect();
    assert!(lines.len() >= 2, "{text}");
    assert!(text.contains("sleeps_until_killed"));
    assert_eq!(lines[0]["event"], "discover_start", "{text}");
    let run_id = &lines[0]["leanvibe"]["run_id"];
    assert!(
        lines.iter().all(|l| &l["leanvibe"]["run_id"] == run_id),
        "{text}"
    );
    assert!(
        lines.iter().all(|l| l["event"] != "run_complete"),
        "a killed run never completes: {text}"
    );
    assert!(
        !dir.path().join("hostile.junit.xml").exists(),
        "no half-written JUnit file"
    );
}

#[test]
fn two_shards_merge_into_the_unsharded_run() {
    let dir = tempfile::tempdir().unwrap();
    let suite = fixture_bin("suite");
    let report = |sub: &str, extra: &[&str]| {
        let out = dir.path().join(sub);
        let out_str = out.to_str().unwrap().to_string();
        let mut args = vec!["--report-dir", &out_str];
        args.extend_from_slice(extra);
        let run = run(&suite, &args, &[]);
        assert_eq!(run.code, Some(0), "{sub}: {}\n{}", run.stdout, run.stderr);
        out
    };
    let whole = report("whole", &[]);
    let one = report("one", &["--partition", "hash:1/2"]);
    let two = report("two", &["--partition", "hash:2/2"]);
    let merged = dir.path().join("merged");
    let status = Command::new(fixture_bin("leanvibe-report"))
        .arg("merge")
        .arg(&one)
        .arg(&two)
        .arg("-o")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let results = |dir: &Path| -> BTreeSet<(String, String)> {
        let text = std::fs::read_to_string(dir.join("suite.ctrf.json")).unwrap();
        let ctrf: Value = serde_json::from_str(&text).unwrap();
        ctrf["results"]["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap().into(),
                    t["status"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(results(&merged), results(&whole));
    parse_xml(&merged.join("suite.junit.xml"));
    let missing = Command::new(fixture_bin("leanvibe-report"))
        .arg("merge")
        .arg(&one)
        .arg("-o")
        .arg(dir.path().join("bad"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("2/2"),
        "names the missing shard"
    );
}
