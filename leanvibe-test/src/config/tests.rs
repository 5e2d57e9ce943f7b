use super::*;

const MIB: u64 = 1 << 20;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("leanvibe.toml"))
}

fn error(text: &str) -> String {
    parse(text)
        .expect_err("the config should be rejected")
        .to_string()
}

const GOOD: &str = r#"# budgets for the plugin SDK
[profile.default]
max_ms = 50
max_mb = 80
timeout_ms = 60_000
only_rerun = "^timeout"

[profile.ci]
max_ms = 75.5
retries = 2
flaky_result = "fail"
test_threads = 4
max_rss_mb = 256
report_dir = "target/leanvibe"
junit = "/abs/junit.xml"
redact = true

[profile.small]
max_kb = 512
"#;

#[test]
fn good_file_with_every_key() {
    let config = parse(GOOD).unwrap();
    let default = config.profile("default").unwrap();
    assert_eq!(default.max_ms, Some(50.0));
    assert_eq!(default.max_heap_bytes, Some(80 * MIB));
    assert_eq!(default.timeout_ms, Some(60_000));
    assert_eq!(default.retries, None);

    let ci = config.profile("ci").unwrap();
    assert_eq!(ci.name, "ci");
    assert_eq!(ci.max_ms, Some(75.5));
    assert_eq!(ci.retries, Some(2));
    assert_eq!(ci.flaky_result, Some(FlakyResult::Fail));
    assert_eq!(default.flaky_result, None);
    // Inherited from [profile.default], a string read as a list of one.
    assert_eq!(ci.only_rerun, ["^timeout"]);
    assert_eq!(ci.test_threads, NonZeroUsize::new(4));
    assert_eq!(ci.max_rss_bytes, Some(256 * MIB));
    assert_eq!(ci.report_dir, Some(PathBuf::from("target/leanvibe")));
    assert_eq!(ci.junit, Some(PathBuf::from("/abs/junit.xml")));
    assert_eq!(ci.json, None);
    assert_eq!(ci.redact, Some(true));
}

#[test]
fn other_profiles_inherit_from_default() {
    let config = parse(GOOD).unwrap();
    let ci = config.profile("ci").unwrap();
    // Not set in [profile.ci]: taken from [profile.default].
    assert_eq!(ci.max_heap_bytes, Some(80 * MIB));
    assert_eq!(ci.timeout_ms, Some(60_000));
    // max_kb overrides the default's max_mb: both set the heap budget.
    let small = config.profile("small").unwrap();
    assert_eq!(small.max_heap_bytes, Some(512 * 1024));
    assert_eq!(small.max_ms, Some(50.0));
}

#[test]
fn relative_report_paths_resolve_against_the_file() {
    let config = Config::parse(GOOD, Path::new("/crate/leanvibe.toml")).unwrap();
    let ci = config.profile("ci").unwrap();
    assert_eq!(ci.report_dir, Some(PathBuf::from("/crate/target/leanvibe")));
    assert_eq!(ci.junit, Some(PathBuf::from("/abs/junit.xml")));
}

#[test]
fn the_html_page_and_its_history_are_configured_per_profile() {
    let text = "[profile.default]\nhtml = \"pages/run.html\"\nhistory_dir = \"hist\"\n\n\
                [profile.quiet]\nhtml = false\nhistory_runs = 5\n";
    let config = Config::parse(text, Path::new("/crate/leanvibe.toml")).unwrap();
    let default = config.profile("default").unwrap();
    assert_eq!(
        default.html,
        Some(HtmlSetting::At(PathBuf::from("/crate/pages/run.html")))
    );
    assert_eq!(default.history_dir, Some(PathBuf::from("/crate/hist")));
    let quiet = config.profile("quiet").unwrap();
    assert_eq!(quiet.html, Some(HtmlSetting::Off));
    assert_eq!(
        quiet.history_dir,
        Some(PathBuf::from("/crate/hist")),
        "inherited"
    );
    assert_eq!(quiet.history_runs.map(usize::from), Some(5));
    assert_eq!(
        error("[profile.default]\nhtml = true\n"),
        "leanvibe.toml:2: `html` in [profile.default] must be a path string, or false to write no page, found boolean true"
    );
    assert!(error("[profile.default]\nhistory_runs = 0\n").contains("a positive whole number"));
}

#[test]
fn unknown_key_names_file_line_table_and_valid_keys() {
    let text = "[profile.default]\nmax_ms = 50\n\n\n[profile.ci]\nretries = 1\nmax_mbs = 80\n";
    assert_eq!(
        error(text),
        "leanvibe.toml:7: unknown key `max_mbs` in [profile.ci]; valid keys: max_ms, max_mb, \
         max_kb, max_rss_mb, timeout_ms, retries, flaky_result, only_rerun, test_threads, \
         report_dir, junit, json, html, history_dir, history_runs, redact"
    );
    assert_eq!(
        error("budget = 3\n"),
        "leanvibe.toml:1: unknown key `budget` in the top level; valid keys: profile"
    );
}

#[test]
fn first_error_in_file_order_is_reported() {
    // Keys are stored sorted; the error must still be the earliest line.
    let text = "[profile.default]\nzzz = 1\naaa = 2\n";
    assert!(error(text).starts_with("leanvibe.toml:2: unknown key `zzz`"));
}

#[test]
fn bad_values_name_the_expected_type() {
    assert_eq!(
        error("[profile.default]\nmax_ms = \"fast\"\n"),
        "leanvibe.toml:2: `max_ms` in [profile.default] must be a positive number, found string \"fast\""
    );
    assert_eq!(
        error("[profile.ci]\n\nmax_mb = -1\n"),
        "leanvibe.toml:3: `max_mb` in [profile.ci] must be a positive number, found integer -1"
    );
    assert_eq!(
        error("[profile.ci]\nretries = 1.5\n"),
        "leanvibe.toml:2: `retries` in [profile.ci] must be a whole number, 0 or more, found float 1.5"
    );
    assert_eq!(
        error("[profile.ci]\nflaky_result = \"maybe\"\n"),
        "leanvibe.toml:2: `flaky_result` in [profile.ci] must be \"pass\" or \"fail\", found string \"maybe\""
    );
    assert_eq!(
        error("[profile.ci]\n\nonly_rerun = [\"ok\", \"(open\"]\n"),
        "leanvibe.toml:3: `only_rerun` in [profile.ci] must be a regular expression, or an array of them, found the invalid pattern \"(open\""
    );
    assert_eq!(
        error("[profile.ci]\nonly_rerun = 3\n"),
        "leanvibe.toml:2: `only_rerun` in [profile.ci] must be a regular expression, or an array of them, found integer 3"
    );
    assert_eq!(
        error("[profile.ci]\ntest_threads = 0\n"),
        "leanvibe.toml:2: `test_threads` in [profile.ci] must be a positive whole number, found integer 0"
    );
    assert_eq!(
        error("[profile.ci]\nredact = \"yes\"\n"),
        "leanvibe.toml:2: `redact` in [profile.ci] must be true or false, found string \"yes\""
    );
    assert_eq!(
        error("[profile.ci]\njunit = 3\n"),
        "leanvibe.toml:2: `junit` in [profile.ci] must be a path string, found integer 3"
    );
    assert_eq!(
        error("profile = 3\n"),
        "leanvibe.toml:1: `profile` in the top level must be a table, found integer 3"
    );
    assert_eq!(
        error("[profile]\nci = 3\n"),
        "leanvibe.toml:2: `ci` in [profile] must be a table ([profile.NAME]), found integer 3"
    );
}

#[test]
fn max_mb_and_max_kb_together_conflict() {
    assert_eq!(
        error("[profile.ci]\nmax_mb = 1\nmax_kb = 10\n"),
        "leanvibe.toml:3: [profile.ci] sets both `max_mb` and `max_kb`; keep one"
    );
}

#[test]
fn syntax_errors_have_a_line() {
    let message = error("[profile.default]\nmax_ms = = 5\n");
    assert!(message.starts_with("leanvibe.toml:2: "), "{message}");
    assert!(!message.contains('\n'), "one line: {message}");
}

#[test]
fn missing_profile_lists_existing_ones() {
    let config = parse(GOOD).unwrap();
    assert_eq!(
        config.profile("nightly").unwrap_err().to_string(),
        "leanvibe.toml: no profile named `nightly`; profiles: ci, default, small"
    );
}

#[test]
fn no_file_means_only_an_empty_default() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::load(dir.path()).unwrap();
    assert_eq!(config.profile("default").unwrap().max_ms, None);
    let err = config.profile("ci").unwrap_err().to_string();
    assert!(
        err.ends_with("leanvibe.toml: no profile named `ci`; profiles: default"),
        "{err}"
    );
}

#[test]
fn load_reads_the_file_in_the_manifest_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(FILE_NAME), "[profile.ci]\nmax_mbs = 1\n").unwrap();
    let err = Config::load(dir.path()).unwrap_err().to_string();
    let expected = format!(
        "{}:2: unknown key `max_mbs`",
        dir.path().join(FILE_NAME).display()
    );
    assert!(err.starts_with(&expected), "{err}");
}

#[test]
fn apply_prefers_the_attribute() {
    let profile = parse(GOOD).unwrap().profile("ci").unwrap();
    let attrs = Budget {
        max_heap_bytes: Some(MIB),
        iterations: Some(20),
        p95_ms: Some(10.0),
        ..Budget::NONE
    };
    let budget = profile.apply(&attrs);
    assert_eq!(budget.max_heap_bytes, Some(MIB));
    assert_eq!(budget.max_ms, Some(75.5));
    assert_eq!(budget.max_rss_bytes, Some(256 * MIB));
    assert_eq!(budget.retries, Some(2));
    assert_eq!(budget.iterations, Some(20));
    assert_eq!(budget.p95_ms, Some(10.0));
}
