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
         report_dir, junit, json, html, history_dir, history_runs, redact, proptest_cases, \
         proptest_max_shrink_iters, proptest_seed"
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

/// Found by `any_text_parses_or_fails_on_one_line_naming_file_and_line`:
/// a quoted profile name or key holding a line break was written raw into
/// the message, splitting it over two lines.
#[test]
fn names_with_line_breaks_are_quoted_in_one_line_errors() {
    assert_eq!(
        error("[profile.\"a\\nb\"]\nretries = -1\n"),
        "leanvibe.toml:2: `retries` in [profile.\"a\\nb\"] must be a whole number, 0 or more, found integer -1"
    );
    assert_eq!(
        error("[profile.ci]\n\"max\\r_ms\" = 1\n"),
        format!(
            "leanvibe.toml:2: unknown key `\"max\\r_ms\"` in [profile.ci]; valid keys: {}",
            parse::PROFILE_KEYS.join(", ")
        )
    );
    assert_eq!(
        error("[profile]\n\"x\\ny\" = 3\n"),
        "leanvibe.toml:2: `\"x\\ny\"` in [profile] must be a table ([profile.NAME]), found integer 3"
    );
    // Names TOML allows bare are shown as before.
    assert!(error("[profile.ci-2]\nretries = -1\n").contains(" in [profile.ci-2] "));
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

/// Property tests: profiles generated as values, rendered to TOML text,
/// parsed back; and any text at all, parsed without a panic.
mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

    const DIR: &str = "/crate";

    fn config_path() -> PathBuf {
        Path::new(DIR).join(FILE_NAME)
    }

    /// A TOML basic string for any text: quotes, backslashes and controls
    /// escaped.
    fn toml_string(text: &str) -> String {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\0'..='\u{1f}' | '\u{7f}' => out.push_str(&format!("\\u{:04X}", c as u32)),
                _ => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// A key as TOML writes it: bare when it can be, quoted otherwise.
    fn toml_key(key: &str) -> String {
        let bare = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if bare {
            key.to_string()
        } else {
            toml_string(key)
        }
    }

    /// One setting as its value, independently of the parser.
    #[derive(Debug, Clone)]
    enum Value {
        MaxMs(f64),
        HeapBytes(u64),
        RssBytes(u64),
        TimeoutMs(u64),
        Retries(u32),
        Flaky(FlakyResult),
        OnlyRerun(Vec<String>),
        Threads(usize),
        ReportDir(String),
        Junit(String),
        Json(String),
        Html(Option<String>),
        HistoryDir(String),
        HistoryRuns(usize),
        Redact(bool),
    }

    /// A key, its value as written, and what it means.
    #[derive(Debug, Clone)]
    struct Setting {
        key: String,
        text: String,
        value: Value,
    }

    impl Value {
        fn set(&self, profile: &mut Profile) {
            let dir = Path::new(DIR);
            match self.clone() {
                Value::MaxMs(v) => profile.max_ms = Some(v),
                Value::HeapBytes(v) => profile.max_heap_bytes = Some(v),
                Value::RssBytes(v) => profile.max_rss_bytes = Some(v),
                Value::TimeoutMs(v) => profile.timeout_ms = Some(v),
                Value::Retries(v) => profile.retries = Some(v),
                Value::Flaky(v) => profile.flaky_result = Some(v),
                Value::OnlyRerun(v) => profile.only_rerun = v,
                Value::Threads(v) => profile.test_threads = NonZeroUsize::new(v),
                Value::ReportDir(v) => profile.report_dir = Some(dir.join(v)),
                Value::Junit(v) => profile.junit = Some(dir.join(v)),
                Value::Json(v) => profile.json = Some(dir.join(v)),
                Value::Html(v) => {
                    profile.html =
                        Some(v.map_or(HtmlSetting::Off, |p| HtmlSetting::At(dir.join(p))))
                }
                Value::HistoryDir(v) => profile.history_dir = Some(dir.join(v)),
                Value::HistoryRuns(v) => profile.history_runs = NonZeroUsize::new(v),
                Value::Redact(v) => profile.redact = Some(v),
            }
        }
    }

    /// A whole number in any of TOML's notations.
    fn integer_text(n: u64) -> impl Strategy<Value = String> {
        select(vec![0u8, 1, 2, 3, 4]).prop_map(move |style| match style {
            0 => format!("0x{n:x}"),
            1 => format!("0o{n:o}"),
            2 => format!("0b{n:b}"),
            3 if n >= 1000 => {
                // Digit groups: 60_000.
                let digits = n.to_string();
                let (head, tail) = digits.split_at(digits.len() - 3);
                format!("{head}_{tail}")
            }
            _ => n.to_string(),
        })
    }

    fn path_text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z/._-]{1,16}",
            "/[a-z]{1,8}/[a-z.]{1,8}",
            "\\PC{1,8}",
            "[ -~\\t\\x00-\\x1f\\x7f]{1,8}",
        ]
    }

    /// An amount of a unit in bytes, exactly: whole units or quarters.
    fn amount(unit: u64, key: &'static str) -> impl Strategy<Value = Setting> {
        prop_oneof![
            (1u64..1_000_000).prop_flat_map(move |n| integer_text(n).prop_map(move |text| {
                Setting {
                    key: key.to_string(),
                    text,
                    value: Value::HeapBytes(n * unit),
                }
            })),
            (1u64..4_000).prop_map(move |quarters| Setting {
                key: key.to_string(),
                text: format!("{:?}", quarters as f64 / 4.0),
                value: Value::HeapBytes(quarters * unit / 4),
            }),
        ]
    }

    /// Every key a profile may set, each with any valid value; max_mb and
    /// max_kb share a slot (setting both is an error).
    fn slots() -> Vec<BoxedStrategy<Setting>> {
        let paths = |key: &'static str, make: fn(String) -> Value| {
            path_text()
                .prop_map(move |p| Setting {
                    key: key.to_string(),
                    text: toml_string(&p),
                    value: make(p),
                })
                .boxed()
        };
        let nonzero = |key: &'static str, make: fn(usize) -> Value| {
            (1u64..100_000)
                .prop_flat_map(move |n| {
                    integer_text(n).prop_map(move |text| Setting {
                        key: key.to_string(),
                        text,
                        value: make(n as usize),
                    })
                })
                .boxed()
        };
        let pattern = prop_oneof![
            select(vec![
                "^timeout",
                "reset$",
                "a|b",
                "[0-9]+",
                ".*",
                "(?i)flaky",
                "\\d{2}"
            ])
            .prop_map(str::to_string),
            "[a-z ]{0,8}",
        ];
        vec![
            prop_oneof![
                (1u64..100_000).prop_flat_map(|n| integer_text(n).prop_map(move |text| {
                    Setting {
                        key: "max_ms".into(),
                        text,
                        value: Value::MaxMs(n as f64),
                    }
                })),
                (1e-9f64..1e12).prop_map(|v| Setting {
                    key: "max_ms".into(),
                    text: format!("{v:?}"),
                    value: Value::MaxMs(v),
                }),
            ]
            .boxed(),
            prop_oneof![amount(1 << 20, "max_mb"), amount(1 << 10, "max_kb")].boxed(),
            amount(1 << 20, "max_rss_mb")
                .prop_map(|s| Setting {
                    value: match s.value {
                        Value::HeapBytes(b) => Value::RssBytes(b),
                        other => other,
                    },
                    ..s
                })
                .boxed(),
            (1u64..=i64::MAX as u64)
                .prop_flat_map(|n| {
                    integer_text(n).prop_map(move |text| Setting {
                        key: "timeout_ms".into(),
                        text,
                        value: Value::TimeoutMs(n),
                    })
                })
                .boxed(),
            any::<u32>()
                .prop_flat_map(|n| {
                    integer_text(n.into()).prop_map(move |text| Setting {
                        key: "retries".into(),
                        text,
                        value: Value::Retries(n),
                    })
                })
                .boxed(),
            prop_oneof![
                Just(("\"pass\"", FlakyResult::Pass)),
                Just(("\"fail\"", FlakyResult::Fail))
            ]
            .prop_map(|(text, v)| Setting {
                key: "flaky_result".into(),
                text: text.to_string(),
                value: Value::Flaky(v),
            })
            .boxed(),
            prop_oneof![
                pattern.clone().prop_map(|p| (toml_string(&p), vec![p])),
                // Not empty: an empty list means "not set" and inherits
                // default's patterns.
                proptest::collection::vec(pattern, 1..4).prop_map(|ps| {
                    let items: Vec<String> = ps.iter().map(|p| toml_string(p)).collect();
                    (format!("[{}]", items.join(", ")), ps)
                }),
            ]
            .prop_map(|(text, ps)| Setting {
                key: "only_rerun".into(),
                text,
                value: Value::OnlyRerun(ps),
            })
            .boxed(),
            nonzero("test_threads", Value::Threads),
            paths("report_dir", Value::ReportDir),
            paths("junit", Value::Junit),
            paths("json", Value::Json),
            prop_oneof![
                Just(Setting {
                    key: "html".into(),
                    text: "false".into(),
                    value: Value::Html(None),
                }),
                path_text().prop_map(|p| Setting {
                    key: "html".into(),
                    text: toml_string(&p),
                    value: Value::Html(Some(p)),
                }),
            ]
            .boxed(),
            paths("history_dir", Value::HistoryDir),
            nonzero("history_runs", Value::HistoryRuns),
            any::<bool>()
                .prop_map(|b| Setting {
                    key: "redact".into(),
                    text: b.to_string(),
                    value: Value::Redact(b),
                })
                .boxed(),
        ]
    }

    /// Any subset of the keys, each with a valid value, in any order.
    fn settings() -> impl Strategy<Value = Vec<Setting>> {
        slots()
            .into_iter()
            .map(proptest::option::of)
            .collect::<Vec<_>>()
            .prop_map(|slots| slots.into_iter().flatten().collect::<Vec<_>>())
            .prop_shuffle()
    }

    fn profile_name() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => "[a-z][a-z0-9_-]{0,8}",
            1 => "\\PC{0,6}",
            1 => "[ -~\\x00-\\x1f]{0,4}",
        ]
        .prop_filter("default is generated on its own", |n| n != DEFAULT_PROFILE)
    }

    /// Profiles in file order: maybe `default`, then others.
    fn profiles() -> impl Strategy<Value = Vec<(String, Vec<Setting>)>> {
        (
            proptest::option::of(settings()),
            proptest::collection::btree_map(profile_name(), settings(), 0..4),
            any::<proptest::sample::Index>(),
        )
            .prop_map(|(default, others, at)| {
                let mut all: Vec<_> = others.into_iter().collect();
                if let Some(default) = default {
                    // `default` may come anywhere in the file.
                    all.insert(
                        at.index(all.len() + 1),
                        (DEFAULT_PROFILE.to_string(), default),
                    );
                }
                all
            })
    }

    /// Spacing and comments, chosen by `style` (cycled).
    struct Layout<'a> {
        style: &'a [u8],
        next: usize,
    }

    impl Layout<'_> {
        fn pick(&mut self) -> u8 {
            let s = self.style[self.next % self.style.len()];
            self.next += 1;
            s
        }

        fn equals(&mut self) -> &'static str {
            [" = ", "=", "\t=  ", " =\t"][usize::from(self.pick() % 4)]
        }

        fn filler(&mut self) -> &'static str {
            ["", "\n", "# a comment = 3\n", "  \t\n"][usize::from(self.pick() % 4)]
        }

        fn trailer(&mut self) -> &'static str {
            ["", "  ", " # note", "\t"][usize::from(self.pick() % 4)]
        }
    }

    /// The file's text, and the line of each setting (by profile, then by
    /// position).
    fn render(profiles: &[(String, Vec<Setting>)], style: &[u8]) -> (String, Vec<Vec<usize>>) {
        let mut layout = Layout { style, next: 0 };
        let mut text = String::new();
        let mut lines = Vec::new();
        for (name, settings) in profiles {
            text.push_str(layout.filler());
            text.push_str(&format!(
                "[profile.{}]{}\n",
                toml_key(name),
                layout.trailer()
            ));
            let mut at = Vec::new();
            for setting in settings {
                text.push_str(layout.filler());
                at.push(text.matches('\n').count() + 1);
                text.push_str(&format!(
                    "{}{}{}{}\n",
                    setting.key,
                    layout.equals(),
                    setting.text,
                    layout.trailer()
                ));
            }
            lines.push(at);
        }
        (text, lines)
    }

    fn written(name: &str, settings: &[Setting]) -> Profile {
        let mut profile = Profile {
            name: name.to_string(),
            ..Profile::default()
        };
        for setting in settings {
            setting.value.set(&mut profile);
        }
        profile
    }

    /// Text that is often nearly a config file, and often not.
    fn config_like_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                3 => select(vec![
                    "[profile.default]\n",
                    "[profile.ci]\n",
                    "[profile]\n",
                    "[[profile]]\n",
                    "[profile.\"a\\nb\"]\n",
                    "[profile.'x\ty']\n",
                    "\"q\\u0007k\" = 1\n",
                    "\"a\\nb\" = 1\n",
                    "max_ms = 50\n",
                    "max_mb = 1\n",
                    "max_kb = 2\n",
                    "retries = -1\n",
                    "only_rerun = [\"(\"]\n",
                    "html = true\n",
                    "junit = \"\"\n",
                    "redact = 1979-05-27\n",
                    "x = {a = 1}\n",
                    "profile = 3\n",
                    "timeout_ms = 0x7fffffffffffffff\n",
                    "timeout_ms = 99999999999999999999\n",
                    "max_ms = nan\n",
                    "max_ms = inf\n",
                    "max_mb = 1e308\n",
                    "=",
                    "\"",
                    "'''",
                    "[",
                    "]",
                    "\n",
                    "\r\n",
                    "\r",
                    " ",
                    "#",
                ])
                .prop_map(str::to_string),
                1 => "\\PC{0,4}",
                1 => "[\\x00-\\x1f\\x7f\u{85}\u{2028}]{1,2}",
            ],
            0..16,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Any valid profiles, keys in any order, read back as exactly the
        /// values written; every other profile takes what it leaves out
        /// from `default`.
        #[test]
        fn generated_profiles_read_back_as_written(
            profiles in profiles(),
            style in proptest::collection::vec(any::<u8>(), 1..32),
        ) {
            let (text, _) = render(&profiles, &style);
            let config = Config::parse(&text, &config_path())
                .map_err(|e| TestCaseError::fail(format!("{e}\n--- text:\n{text}")))?;
            let default_settings: &[Setting] = profiles
                .iter()
                .find(|(name, _)| name == DEFAULT_PROFILE)
                .map_or(&[], |(_, s)| s);
            for (name, settings) in &profiles {
                // The default's settings, overlaid by the profile's own.
                let expected = if name == DEFAULT_PROFILE {
                    written(name, settings)
                } else {
                    let both: Vec<Setting> =
                        default_settings.iter().chain(settings).cloned().collect();
                    written(name, &both)
                };
                prop_assert_eq!(config.profile(name).unwrap(), expected, "{}", text);
            }
            let mut names: Vec<&str> = profiles.iter().map(|(n, _)| n.as_str()).collect();
            if !names.contains(&DEFAULT_PROFILE) {
                names.push(DEFAULT_PROFILE);
            }
            names.sort_unstable();
            prop_assert_eq!(config.profile_names().collect::<Vec<_>>(), names);
        }

        /// A key no profile takes, among valid ones: the error names it, its
        /// line, its profile and every valid key.
        #[test]
        fn an_unknown_key_is_named_with_its_line_and_the_valid_keys(
            name in "[a-z][a-z0-9_]{0,8}",
            settings in settings(),
            unknown in prop_oneof![
                "[a-z_]{1,12}",
                // Near misses: a valid key with one more letter.
                (select(parse::PROFILE_KEYS), "[a-z]").prop_map(|(k, c)| format!("{k}{c}")),
            ].prop_filter("not a valid key", |k| !parse::PROFILE_KEYS.contains(&k.as_str())),
            at in any::<proptest::sample::Index>(),
            style in proptest::collection::vec(any::<u8>(), 1..32),
        ) {
            let mut settings = settings;
            let position = at.index(settings.len() + 1);
            settings.insert(position, Setting {
                key: unknown.clone(),
                text: "1".into(),
                value: Value::Redact(true),
            });
            let (text, lines) = render(&[(name.clone(), settings)], &style);
            let message = Config::parse(&text, Path::new("leanvibe.toml"))
                .expect_err("an unknown key is an error")
                .to_string();
            let expected = format!(
                "leanvibe.toml:{}: unknown key `{unknown}` in [profile.{name}]; valid keys: {}",
                lines[0][position],
                parse::PROFILE_KEYS.join(", ")
            );
            prop_assert_eq!(message, expected, "{}", text);
        }

        /// Any text: no panic, and either a configuration or one line naming
        /// the file and a line of the text.
        #[test]
        fn any_text_parses_or_fails_on_one_line_naming_file_and_line(text in config_like_text()) {
            let Err(err) = Config::parse(&text, Path::new("leanvibe.toml")) else {
                return Ok(());
            };
            let message = err.to_string();
            prop_assert!(!message.contains(['\n', '\r']), "not one line: {:?}", message);
            let rest = message.strip_prefix("leanvibe.toml:");
            prop_assert!(rest.is_some(), "no file: {:?}", message);
            let (line, _) = rest.unwrap().split_once(": ").unwrap_or_default();
            let line: usize = line.parse().map_err(|_| TestCaseError::fail(format!("no line: {message:?}")))?;
            let last = text.matches('\n').count() + 1;
            prop_assert!((1..=last).contains(&line), "line {} of {}: {:?}", line, last, message);
        }
    }
}
