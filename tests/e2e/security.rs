//! The security suite end to end: the `vulnerable` fixture's naive handlers
//! must each fail with the finding of their oracle, and the careful
//! variants must pass (no false positives). One real run of the binary,
//! with reports, is shared by every test here.

use leanvibe_test_e2e::{Run, fixture_bin, run};
use serde_json::Value;
use std::sync::OnceLock;

struct SecurityRun {
    run: Run,
    ctrf: Value,
    junit: String,
}

fn security_run() -> &'static SecurityRun {
    static RUN: OnceLock<SecurityRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let report_dir = dir.path().to_str().expect("utf-8 temp path").to_string();
        let run = run(
            &fixture_bin("vulnerable"),
            &["--test-threads", "2", "--report-dir", &report_dir],
            &[],
        );
        let ctrf = std::fs::read_to_string(dir.path().join("vulnerable.ctrf.json"))
            .expect("CTRF file written");
        let junit = std::fs::read_to_string(dir.path().join("vulnerable.junit.xml"))
            .expect("JUnit file written");
        SecurityRun {
            run,
            ctrf: serde_json::from_str(&ctrf).expect("CTRF parses"),
            junit,
        }
    })
}

/// The failure section of a naive test, which must have failed as a
/// security failure.
fn findings_of(name: &str) -> String {
    let run = &security_run().run;
    assert_eq!(run.status_of(name), "FAILED", "{name}");
    let section = run.section(name);
    assert!(
        section.contains(&format!("---- {name} failure (security) ----")),
        "{name} did not fail as a security failure:\n{section}"
    );
    section
}

/// The finding lines (`  - [id] ...`) of one payload in a section.
fn finding_lines<'a>(section: &'a str, payload_id: &str) -> Vec<&'a str> {
    let prefix = format!("  - [{payload_id}] ");
    section.lines().filter(|l| l.starts_with(&prefix)).collect()
}

fn assert_fires(section: &str, payload_id: &str, oracle: &str) {
    let lines = finding_lines(section, payload_id);
    assert!(
        lines.iter().any(|l| l.contains(&format!(" -- {oracle}: "))),
        "no `{oracle}` finding for {payload_id} in:\n{section}"
    );
    assert!(
        lines.iter().all(|l| l.contains(" -- fix: ")),
        "a finding without a fix hint:\n{section}"
    );
}

#[test]
fn the_run_fails_on_the_naive_handlers_only() {
    let run = &security_run().run;
    assert_eq!(run.code, Some(101), "stderr:\n{}", run.stderr);
    assert_eq!(
        run.summary(),
        "test result: FAILED. 19 passed; 19 failed; 0 ignored; 0 measured; 0 filtered out"
    );
    for (name, status) in run.test_lines() {
        let mutated = name.starts_with("filtered::") && name != "filtered::corpus_only::xss";
        let expected = if name.starts_with("naive::") || mutated {
            "FAILED"
        } else {
            "ok"
        };
        assert_eq!(status, expected, "{name}:\n{}", run.section(&name));
    }
}

#[test]
fn naive_dot_dot_stripping_leaks_the_canary() {
    let section = findings_of("naive::read_file::path_traversal");
    assert_fires(&section, "pt-nested-strip", "canary");
    assert_fires(&section, "pt-nested-strip-dot", "canary");
    assert_fires(&section, "pt-absolute", "canary");
    // Plain `../` is stripped, so it is not a finding: no false positive.
    assert!(finding_lines(&section, "pt-parent").is_empty(), "{section}");
    assert!(section.contains("(21 payloads)"), "{section}");
}

#[test]
fn sh_dash_c_with_interpolation_leaks_the_token_and_creates_the_marker() {
    let section = findings_of("naive::ping::command_injection");
    for id in [
        "ci-semicolon",
        "ci-and",
        "ci-pipe",
        "ci-backticks",
        "ci-subshell",
        "ci-ifs",
    ] {
        assert_fires(&section, id, "command-token");
    }
    assert_fires(&section, "ci-touch-marker", "marker-file");
    assert_fires(&section, "ci-subshell-marker", "marker-file");
}

#[test]
fn a_toy_template_engine_evaluates_the_product() {
    let section = findings_of("naive::render::template_injection");
    assert_fires(&section, "ssti-jinja", "template-product");
    // The engine only knows `{{ }}`: `${...}` stays text.
    assert!(
        finding_lines(&section, "ssti-dollar").is_empty(),
        "{section}"
    );
}

#[test]
fn a_config_dump_leaks_the_api_key_in_the_output_and_in_stderr() {
    let section = findings_of("naive::status::secrets");
    let lines = finding_lines(&section, "secrets-config");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("secret-value: the api-key handed to the function leaked: output")),
        "{section}"
    );
    let debug = finding_lines(&section, "secrets-debug");
    assert!(
        debug.iter().any(|l| l.contains("leaked: stderr")),
        "the eprintln! of the config is caught in the captured stderr:\n{section}"
    );
}

#[test]
fn an_echo_handler_reflects_script() {
    let section = findings_of("naive::greet::xss");
    assert_fires(&section, "xss-script", "active-markup");
    assert_fires(&section, "xss-img-onerror", "active-markup");
    assert_fires(&section, "xss-polyglot-0xsobky", "active-markup");
    assert!(section.contains("14 finding(s)"), "{section}");
}

#[test]
fn an_unbounded_parser_blows_the_memory_budget() {
    let section = findings_of("naive::count::oversize");
    assert_fires(&section, "string-16mib", "memory");
    assert!(section.contains("over the budget of 8388608"), "{section}");
    assert!(
        section.contains("1 finding(s)"),
        "smaller inputs stay under 8 MiB:\n{section}"
    );
}

#[test]
fn a_url_fetcher_hits_the_listener_in_every_address_form() {
    let section = findings_of("naive::fetch::ssrf");
    for id in [
        "ssrf-loopback",
        "ssrf-short-form",
        "ssrf-zero",
        "ssrf-decimal",
        "ssrf-octal",
        "ssrf-hex",
        "ssrf-ipv6-mapped",
        "ssrf-userinfo",
    ] {
        assert_fires(&section, id, "listener-hit");
    }
    assert!(section.contains("1 request(s) reached the loopback listener"));
}

#[test]
fn raw_newlines_in_a_log_line_are_found_in_the_captured_stderr() {
    let section = findings_of("naive::audit::log_injection");
    assert_fires(&section, "log-lf-forged-line", "raw-control");
    assert_fires(&section, "log-esc-clear", "raw-control");
    assert!(section.contains("output: stderr"), "{section}");
}

#[test]
fn concatenated_sql_sleeps_and_echoes() {
    let section = findings_of("naive::find_user::sql_injection");
    assert_fires(&section, "sqli-time-and-sleep", "sql-delay");
    assert_fires(&section, "sqli-or-true", "sql-echo");
    // Inside the string literal the sleep does not run.
    let or_sleep = finding_lines(&section, "sqli-time-or-sleep");
    assert!(
        or_sleep.iter().all(|l| !l.contains("sql-delay")),
        "{section}"
    );
}

#[test]
fn unverified_tokens_and_case_folding_bypass_the_login() {
    let section = findings_of("naive::check_login::auth_bypass");
    for id in [
        "auth-jwt-alg-none",
        "auth-jwt-expired",
        "auth-jwt-wrong-signature",
        "auth-case-upper",
    ] {
        assert_fires(&section, id, "auth-accepted");
    }
    assert!(
        finding_lines(&section, "auth-missing").is_empty(),
        "{section}"
    );
}

#[test]
fn one_payload_panicking_does_not_stop_the_others() {
    let section = findings_of("naive::lookup::ldap_injection");
    assert_fires(&section, "ldap-uid", "panic");
    assert!(
        section.contains("unbalanced parentheses in the filter"),
        "{section}"
    );
    assert!(
        section.contains("(8 payloads)"),
        "every payload ran:\n{section}"
    );
    // `*` unbalances nothing, so it does not panic (the filter oracle
    // reports it; see below).
    let star = finding_lines(&section, "ldap-star");
    assert!(star.iter().all(|l| !l.contains(" -- panic: ")), "{section}");
}

#[test]
fn an_interpolated_ldap_filter_changes_structure() {
    let section = findings_of("naive::find_person::ldap_injection");
    for id in [
        "ldap-star",
        "ldap-close-and",
        "ldap-null",
        "ldap-or-objectclass",
        "ldap-uid",
        "ldap-admin-password",
        "ldap-metachars",
        "ldap-cn-nul",
    ] {
        assert_fires(&section, id, "ldap-filter");
    }
    let star = finding_lines(&section, "ldap-star").join("\n");
    assert!(
        star.contains("`(uid=…)` became `(uid=*)` (a presence test"),
        "{section}"
    );
    let uid = finding_lines(&section, "ldap-uid").join("\n");
    assert!(
        uid.contains("`&` has 3 components instead of 2")
            && uid.contains("another filter follows the intended one: `(|(uid=*))`"),
        "{section}"
    );
    let metachars = finding_lines(&section, "ldap-metachars").join("\n");
    assert!(
        metachars.contains("the filter no longer parses"),
        "{section}"
    );
}

/// The careful variants pass with the structural oracles applied, not
/// skipped: no warning that the benign output held no filter.
#[test]
fn escaped_filters_and_dropped_prototype_keys_pass() {
    let SecurityRun { run, ctrf, .. } = security_run();
    for name in [
        "careful::lookup::ldap_injection",
        "careful::find_person::ldap_injection",
        "careful::merge_settings::prototype_pollution",
        "careful::greet_task::prototype_pollution",
        "careful::count_streaming::oversize",
    ] {
        assert_eq!(run.status_of(name), "ok", "{name}:\n{}", run.section(name));
        let security = &ctrf_test(ctrf, name)["extra"]["security"];
        assert_eq!(
            security["findings"].as_array().map(Vec::len),
            Some(0),
            "{name}"
        );
        let warnings = security["warnings"].to_string();
        assert!(!warnings.contains("did not apply"), "{name}: {warnings}");
        assert!(!warnings.contains("not checked"), "{name}: {warnings}");
    }
}

#[test]
fn merged_settings_keep_proto_and_constructor_keys() {
    let section = findings_of("naive::merge_settings::prototype_pollution");
    for id in [
        "pp-proto",
        "pp-constructor",
        "pp-query-proto",
        "pp-query-constructor",
        "pp-status",
        "pp-json-spaces",
        "pp-dotted",
        "pp-nested",
    ] {
        assert_fires(&section, id, "prototype-key");
    }
    let nested = finding_lines(&section, "pp-nested").join("\n");
    assert!(nested.contains("keeps `a.__proto__`"), "{section}");
    let constructor = finding_lines(&section, "pp-query-constructor").join("\n");
    assert!(
        constructor.contains(
            "`constructor.prototype`: a JavaScript consumer that merges this \
                              output writes to Object.prototype"
        ),
        "{section}"
    );
    assert!(section.contains("8 finding(s)"), "{section}");
}

#[test]
fn without_max_mb_oversize_calls_are_held_to_80_mib() {
    let section = findings_of("naive::widen::oversize");
    assert_fires(&section, "string-16mib", "memory");
    assert!(
        section.contains("over the default bound of 83886080 bytes (80 MiB, the SDK standard"),
        "{section}"
    );
    assert!(
        section.contains("1 finding(s)"),
        "8× of 1 MiB is under the floor and the factor:\n{section}"
    );
}

#[test]
fn the_profile_heap_budget_replaces_the_default_bound() {
    let run = run(
        &fixture_bin("vulnerable"),
        &["--profile", "tight-heap", "widen"],
        &[],
    );
    let section = run.section("naive::widen::oversize");
    assert_fires(&section, "string-16mib", "memory");
    assert!(
        section.contains("over the leanvibe.toml profile's heap budget of 33554432 bytes"),
        "{section}"
    );
}

#[test]
fn a_token_per_input_byte_is_amplification() {
    let section = findings_of("naive::tokenize::oversize");
    assert_fires(&section, "string-1mib", "amplification");
    assert!(
        section.contains("for an input of 1048576 bytes (48.0×), over the 16× allowed"),
        "{section}"
    );
    // 3 MiB for 64 KiB is 48× too, but under the 8 MiB floor.
    assert!(
        finding_lines(&section, "string-64kib").is_empty(),
        "{section}"
    );
    // 16 MiB is rejected with its limit; nothing stays under 80 MiB's bound.
    assert!(
        finding_lines(&section, "string-16mib").is_empty(),
        "{section}"
    );
    assert!(!section.contains(" -- memory: "), "{section}");
}

#[test]
fn the_new_oracles_reach_junit_and_ctrf() {
    let SecurityRun { ctrf, junit, .. } = security_run();
    for (name, oracle) in [
        ("naive::find_person::ldap_injection", "ldap-filter"),
        (
            "naive::merge_settings::prototype_pollution",
            "prototype-key",
        ),
        ("naive::tokenize::oversize", "amplification"),
        ("naive::widen::oversize", "memory"),
    ] {
        let test = ctrf_test(ctrf, name);
        assert_eq!(test["status"], "failed", "{name}");
        let findings = test["extra"]["security"]["findings"]
            .as_array()
            .expect("findings");
        assert!(
            findings.iter().all(|f| f["oracle"] == oracle),
            "{name}: {findings:?}"
        );
        assert!(!findings.is_empty(), "{name}");
        assert!(
            junit.contains(&format!(" -- {oracle}: ")),
            "JUnit lacks a `{oracle}` finding"
        );
    }
    assert!(
        junit.contains("structure changed: "),
        "JUnit lacks the LDAP evidence"
    );
    assert!(
        junit.contains("over the default bound of 83886080 bytes"),
        "JUnit lacks the default bound"
    );
}

#[test]
fn a_stack_overflow_is_a_crash_finding_and_the_payloads_after_it_still_run() {
    let section = findings_of("naive::depth::oversize");
    for id in ["nested-array-100k", "nested-object-100k"] {
        let lines = finding_lines(&section, id).join("\n");
        assert!(
            lines.contains(
                " -- crash: the worker process running the test was killed by signal 6 \
                 (SIGABRT): stack overflow; the call's last line on stderr: \"fatal runtime \
                 error: stack overflow"
            ),
            "{id}:\n{section}"
        );
        assert!(
            lines.contains(" -- fix: bound recursion depth"),
            "{section}"
        );
    }
    // After two crashes, the last payload ran in a third worker and blew
    // the heap budget: its finding is in the same report.
    assert_fires(&section, "string-16mib", "memory");
    assert!(
        section.contains("has 3 finding(s) for `oversize` (9 payloads)"),
        "{section}"
    );
    assert!(!section.contains("failure (crash)"), "{section}");
}

#[test]
fn an_abort_and_an_exit_are_crash_findings_beside_the_other_payloads_findings() {
    let section = findings_of("naive::sanitize::xss");
    let exit = " -- crash: the worker process running the test exited with code 3";
    let abort = " -- crash: the worker process running the test was killed by signal 6 (SIGABRT);";
    for (id, crash) in [
        ("xss-img-onerror", exit),
        ("xss-svg-onload", abort),
        ("xss-attr-breakout", abort),
        ("xss-video-source", exit),
    ] {
        let lines = finding_lines(&section, id);
        assert_eq!(lines.len(), 1, "{id}:\n{section}");
        assert!(lines[0].contains(crash), "{id}:\n{section}");
        assert!(
            lines[0].contains("the payloads after it ran in a fresh worker"),
            "{section}"
        );
    }
    // Reflected before the first crash, between crashes and after the last.
    for id in ["xss-script", "xss-body-onload", "xss-polyglot-button"] {
        assert_fires(&section, id, "active-markup");
    }
    assert!(
        section.contains("has 14 finding(s) for `xss` (14 payloads)"),
        "{section}"
    );
}

#[test]
fn crash_findings_reach_junit_and_ctrf_with_the_payload_and_the_signal() {
    let SecurityRun { ctrf, junit, .. } = security_run();
    let test = ctrf_test(ctrf, "naive::sanitize::xss");
    assert_eq!(test["status"], "failed");
    let findings = test["extra"]["security"]["findings"]
        .as_array()
        .expect("findings");
    let crashes: Vec<&Value> = findings.iter().filter(|f| f["oracle"] == "crash").collect();
    let ids: Vec<&str> = crashes
        .iter()
        .filter_map(|f| f["payload_id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "xss-img-onerror",
            "xss-svg-onload",
            "xss-attr-breakout",
            "xss-video-source"
        ]
    );
    assert_eq!(crashes[1]["payload"], "\"<svg/onload=alert(\\'XSS\\')>\"");
    assert!(
        crashes[1]["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("killed by signal 6 (SIGABRT)")),
        "{crashes:?}"
    );
    assert_eq!(test["extra"]["security"]["payloads"], 14);
    assert_eq!(findings.len(), 14);
    let depth = ctrf_test(ctrf, "naive::depth::oversize");
    assert!(
        depth["extra"]["security"]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["oracle"] == "crash"
                && f["evidence"]
                    .as_str()
                    .is_some_and(|e| e.contains("(SIGABRT): stack overflow"))),
        "{depth}"
    );
    for needle in [
        "[xss-svg-onload] &quot;&lt;svg/onload=alert(\\&apos;XSS\\&apos;)&gt;&quot; -- crash: \
         the worker process running the test was killed by signal 6 (SIGABRT)",
        "[xss-img-onerror]",
        "exited with code 3",
        "[nested-array-100k]",
    ] {
        assert!(junit.contains(needle), "JUnit lacks {needle:?}");
    }
}

/// A resumption carries on the attempt that crashed, so the time spent in
/// the crashed workers counts toward `timeout_ms`: four crashes a second
/// into their calls cannot make a test with a 1500 ms timeout run for 4 s
/// (as a test forging checkpoint lines on fd 3 could otherwise stretch its
/// own timeout a thousandfold). The second call times out halfway.
#[test]
fn crashes_resumed_from_a_checkpoint_do_not_restart_the_tests_timeout() {
    let run = run(
        &fixture_bin("vulnerable"),
        &["--exact", "naive::sanitize::xss", "--no-report"],
        &[
            ("VULNERABLE_CRASH_DELAY_MS", "1000"),
            ("LEANVIBE_TIMEOUT_MS", "1500"),
        ],
    );
    let section = run.section("naive::sanitize::xss");
    assert!(
        section.contains("failure (timeout)")
            && section.contains("timed out: still running after 1500 ms")
            && section.contains("before that it was resumed 1 time(s) after its worker crashed"),
        "{}",
        run.stdout
    );
}

/// In-process nothing outlives a crash: an `exit` fails the test naming
/// the payload in flight; an abort takes the process, as under libtest.
#[test]
fn in_process_an_exit_names_the_payload_and_an_abort_takes_the_process() {
    let bin = fixture_bin("vulnerable");
    let dir = tempfile::tempdir().expect("temp dir");
    let report_dir = dir.path().to_str().expect("utf-8 temp path");
    let exit = run(
        &bin,
        &[
            "--in-process",
            "--exact",
            "naive::sanitize::xss",
            "--report-dir",
            report_dir,
        ],
        &[],
    );
    assert_eq!(exit.code, Some(101), "{}", exit.stderr);
    let section = exit.section("naive::sanitize::xss");
    assert!(
        section.contains("failure (crash)")
            && section.contains(
                "(at its last checkpoint: xss payload [xss-img-onerror] \
                 \"<img src=x onerror=alert(\\'XSS\\');>\")"
            ),
        "{}",
        exit.stdout
    );
    let overflow = run(
        &bin,
        &[
            "--in-process",
            "--exact",
            "naive::depth::oversize",
            "--report-dir",
            report_dir,
        ],
        &[],
    );
    assert_eq!(
        overflow.code, None,
        "killed by its signal:\n{}",
        overflow.stdout
    );
}

/// The CTRF entry of the test `name`.
fn ctrf_test<'a>(ctrf: &'a Value, name: &str) -> &'a Value {
    ctrf["results"]["tests"]
        .as_array()
        .expect("CTRF tests")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no CTRF entry for {name}"))
}

#[test]
fn reports_carry_the_security_type_tags_and_findings() {
    let SecurityRun { ctrf, junit, .. } = security_run();
    let tests = ctrf["results"]["tests"].as_array().expect("CTRF tests");
    assert_eq!(tests.len(), 38);
    for test in tests {
        let name = test["name"].as_str().unwrap_or_default();
        assert_eq!(test["type"], "security", "{name}");
        let tags: Vec<&str> = test["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let vector = name.rsplit("::").next().unwrap_or_default();
        assert_eq!(tags, ["security", vector], "{name}");
        let security = &test["extra"]["security"];
        assert_eq!(security["vector"], vector, "{name}");
        let findings = security["findings"].as_array().expect("findings");
        let clean = name.starts_with("careful::") || name == "filtered::corpus_only::xss";
        assert_eq!(findings.is_empty(), clean, "{name}");
        if let Some(first) = findings.first() {
            for field in ["payload_id", "payload", "oracle", "evidence", "fix"] {
                assert!(
                    first[field].as_str().is_some_and(|s| !s.is_empty()),
                    "{name}: {field}"
                );
            }
        }
    }
    assert!(
        junit.contains("type=\"security\""),
        "JUnit failures carry the security kind"
    );
    assert!(
        junit.contains("[pt-nested-strip]"),
        "JUnit body lists the findings"
    );
}

#[test]
fn selecting_one_vector_by_name_runs_it_everywhere() {
    let run = run(&fixture_bin("vulnerable"), &["xss"], &[]);
    let names: Vec<String> = run.test_lines().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "careful::greet::xss",
            "careful::greet_task::xss",
            "filtered::corpus_only::xss",
            "filtered::mutated::xss",
            "filtered::stuck::xss",
            "naive::greet::xss",
            "naive::sanitize::xss"
        ]
    );
}

/// A blacklist that refuses every corpus payload: the corpus finds
/// nothing, mutation finds the encoded payload the filter decodes into the
/// page, shrunk to the one change that gets it past.
#[test]
fn mutation_finds_what_the_corpus_misses_and_reports_the_shrunk_payload() {
    let security = security_run();
    assert_eq!(security.run.status_of("filtered::corpus_only::xss"), "ok");
    let section = findings_of("filtered::mutated::xss");
    let mutated: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("  - [xss-") && l.contains("~mutated] "))
        .collect();
    assert!(!mutated.is_empty(), "{section}");
    for line in &mutated {
        assert!(line.contains(" -- active-markup: "), "{line}");
        assert!(
            line.contains("%3C"),
            "the payload shown is the encoded one: {line}"
        );
        assert!(
            line.contains("(mutations: url-encode)"),
            "shrunk to one operation: {line}"
        );
    }
    let all: Vec<&str> = section.lines().filter(|l| l.starts_with("  - [")).collect();
    assert_eq!(
        all.len(),
        mutated.len(),
        "the corpus itself found nothing:\n{section}"
    );
    let test = security.ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "filtered::mutated::xss")
        .unwrap();
    let findings = test["extra"]["security"]["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        assert!(
            finding["payload_id"]
                .as_str()
                .unwrap()
                .ends_with("~mutated"),
            "{finding}"
        );
        assert!(
            finding["payload"].as_str().unwrap().contains("%3C"),
            "{finding}"
        );
    }
    assert!(
        security.junit.contains("~mutated]"),
        "JUnit names the mutated payload"
    );
}

/// A mutant whose call hangs is one `hang` finding, naming the mutated
/// payload, and the mutations stop there (`mutate::tests` holds that no
/// call follows a hang).
#[test]
fn a_mutant_that_hangs_is_one_hang_finding() {
    let security = security_run();
    let section = findings_of("filtered::stuck::xss");
    let hangs: Vec<&str> = section
        .lines()
        .filter(|l| l.contains("~mutated] ") && l.contains(" -- hang: "))
        .collect();
    assert_eq!(hangs.len(), 1, "{section}");
    assert!(
        hangs[0].contains("%3C") && hangs[0].contains("(mutations: "),
        "{section}"
    );
    let test = security.ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "filtered::stuck::xss")
        .unwrap();
    let calls = test["extra"]["security"]["payloads"].as_u64().unwrap();
    let corpus = 14;
    assert!(
        calls <= corpus + 16,
        "{calls} calls: mutations went on after the hang"
    );
}
