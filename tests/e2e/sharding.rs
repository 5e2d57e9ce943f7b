//! Sharding as CI systems ask for it: Bazel's test protocol, GitLab's and
//! Buildkite's matrix variables (`--partition auto`), and shards balanced by
//! the durations of an earlier run (`--partition duration:M/N --timings`).
//! The `model` fixture's 40 tests pass when `LEANVIBE_MODEL_SUITE` is unset.

use leanvibe_test_e2e::{Run, fixture_bin, run};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const ALL: usize = 40;

fn names() -> Vec<String> {
    (0..ALL).map(|i| format!("t{i:02}")).collect()
}

/// The tests a `--list --format terse` run lists.
fn listed(run: &Run) -> Vec<String> {
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    run.stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// Asserts that `shards` together hold every test exactly once.
fn covers_each_test_once(shards: &[Vec<String>]) {
    let mut owners: BTreeMap<&str, usize> = BTreeMap::new();
    for shard in shards {
        for name in shard {
            *owners.entry(name.as_str()).or_default() += 1;
        }
    }
    let twice: Vec<_> = owners.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "in two shards: {twice:?}");
    let all = names();
    let missing: Vec<_> = all
        .iter()
        .filter(|n| !owners.contains_key(n.as_str()))
        .collect();
    assert!(missing.is_empty(), "in no shard: {missing:?}");
}

fn junit_names(path: &Path) -> Vec<String> {
    let xml = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    xml.match_indices("<testcase name=\"")
        .map(|(at, open)| {
            let rest = &xml[at + open.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn bazel_shards_cover_the_suite_touch_the_status_file_and_write_where_bazel_reads() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fixture_bin("model");
    // t05 fails: the shard that runs it must say so by its exit code.
    let suite = "pass,pass,pass,pass,pass,assert";
    let mut shards = Vec::new();
    for index in 0..4u64 {
        let status = dir.path().join(format!("status-{index}"));
        let junit = dir.path().join(format!("junit-{index}.xml"));
        let outputs = dir.path().join(format!("outputs-{index}"));
        std::fs::create_dir_all(&outputs).unwrap();
        let index_text = index.to_string();
        let ran = run(
            &bin,
            &[],
            &[
                ("LEANVIBE_MODEL_SUITE", suite),
                ("TEST_TOTAL_SHARDS", "4"),
                ("TEST_SHARD_INDEX", &index_text),
                ("TEST_SHARD_STATUS_FILE", status.to_str().unwrap()),
                ("XML_OUTPUT_FILE", junit.to_str().unwrap()),
                ("TEST_UNDECLARED_OUTPUTS_DIR", outputs.to_str().unwrap()),
            ],
        );
        assert!(
            status.exists(),
            "shard {index} did not touch TEST_SHARD_STATUS_FILE"
        );
        let ran_names: Vec<String> = ran.test_lines().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            junit_names(&junit).len(),
            ran_names.len(),
            "shard {index}: JUnit at XML_OUTPUT_FILE"
        );
        let ctrf: Value = serde_json::from_str(
            &std::fs::read_to_string(outputs.join("model.ctrf.json"))
                .expect("CTRF in TEST_UNDECLARED_OUTPUTS_DIR"),
        )
        .unwrap();
        let partition = &ctrf["extra"]["leanvibe"]["partition"];
        assert_eq!(
            (
                partition["kind"].as_str(),
                partition["index"].as_u64(),
                partition["total"].as_u64()
            ),
            (Some("count"), Some(index + 1), Some(4)),
            "{partition}"
        );
        assert!(outputs.join("model.events.jsonl").exists());
        assert!(
            !outputs.join("model.junit.xml").exists(),
            "JUnit went to XML_OUTPUT_FILE only"
        );
        let expected = if ran_names.iter().any(|n| n == "t05") {
            101
        } else {
            0
        };
        assert_eq!(ran.code, Some(expected), "shard {index}:\n{}", ran.stdout);
        shards.push(ran_names);
    }
    covers_each_test_once(&shards);
    // As Bazel's shards by index: count:M/4 over the name order.
    assert_eq!(shards[1][..3], ["t01", "t05", "t09"]);
}

/// Bazel's `--test_filter` arrives as `TESTBRIDGE_TEST_ONLY`.
#[test]
fn bazel_test_filter_selects_like_a_command_line_filter() {
    let bin = fixture_bin("model");
    let args = ["--list", "--format", "terse"];
    let filtered = listed(&run(&bin, &args, &[("TESTBRIDGE_TEST_ONLY", "t1")]));
    assert_eq!(
        filtered,
        listed(&run(&bin, &[&args[..], &["t1"]].concat(), &[]))
    );
    assert_eq!(filtered.len(), 10, "{filtered:?}");
}

#[test]
fn an_explicit_partition_wins_over_bazel_and_is_not_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let status = dir.path().join("status");
    let ran = run(
        &fixture_bin("model"),
        &["--list", "--format", "terse", "--partition", "count:1/2"],
        &[
            ("TEST_TOTAL_SHARDS", "4"),
            ("TEST_SHARD_INDEX", "1"),
            ("TEST_SHARD_STATUS_FILE", status.to_str().unwrap()),
        ],
    );
    assert_eq!(listed(&ran).len(), ALL / 2);
    assert!(
        !status.exists(),
        "the status file says Bazel's shard was run"
    );
}

#[test]
fn partition_auto_reads_gitlab_and_buildkite_shards() {
    let bin = fixture_bin("model");
    let list = |env: &[(&str, &str)], partition: &str| {
        listed(&run(
            &bin,
            &["--list", "--format", "terse", "--partition", partition],
            env,
        ))
    };
    let mut gitlab = Vec::new();
    for node in 1..=3 {
        let index = node.to_string();
        let shard = list(&[("CI_NODE_INDEX", &index), ("CI_NODE_TOTAL", "3")], "auto");
        assert_eq!(
            shard,
            list(&[], &format!("count:{node}/3")),
            "GitLab node {node} (1-based)"
        );
        let job = (node - 1).to_string();
        let buildkite = list(
            &[
                ("BUILDKITE_PARALLEL_JOB", &job),
                ("BUILDKITE_PARALLEL_JOB_COUNT", "3"),
            ],
            "auto",
        );
        assert_eq!(buildkite, shard, "Buildkite job {job} (0-based)");
        gitlab.push(shard);
    }
    covers_each_test_once(&gitlab);
    let none = run(&bin, &["--partition", "auto"], &[]);
    assert_eq!(none.code, Some(101));
    assert!(none.stderr.contains("no CI shard"), "{}", none.stderr);
}

/// An earlier run's report, with durations for t00..t29 only (t30..t39 are
/// new tests) and for two tests that no longer exist.
fn write_timings(dir: &Path) -> std::path::PathBuf {
    let mut tests: Vec<Value> = (0..30)
        .map(|i| {
            // Two long tests, the rest short.
            let ms = match i {
                0 => 30_000,
                1 => 20_000,
                _ => 100,
            };
            serde_json::json!({"name": format!("t{i:02}"), "status": "passed", "duration": ms})
        })
        .collect();
    for gone in ["old::removed", "t99"] {
        tests.push(serde_json::json!({"name": gone, "status": "passed", "duration": 60_000}));
    }
    let path = dir.join("earlier.ctrf.json");
    let report =
        serde_json::json!({"results": {"tool": {"name": "x"}, "summary": {}, "tests": tests}});
    std::fs::write(&path, report.to_string()).unwrap();
    path
}

#[test]
fn duration_shards_cover_the_suite_whatever_the_timings_file_says() {
    let dir = tempfile::tempdir().unwrap();
    let timings = write_timings(dir.path());
    let shards = duration_shards(&timings);
    covers_each_test_once(&shards);
    // The two long tests get a shard each, and those shards nothing else
    // long: 30 s and 20 s alone, the 38 short ones (new ones at the median,
    // 0.1 s) spread over the other two.
    assert_ne!(owner(&shards, "t00"), owner(&shards, "t01"));
    assert_eq!(shards[owner(&shards, "t00")], ["t00"]);
    assert_eq!(shards[owner(&shards, "t01")], ["t01"]);
    // The same inputs, the same shards.
    assert_eq!(duration_shards(&timings), shards);
    // A folder of JUnit reports works as well as a CTRF file.
    let junit_dir = dir.path().join("junit");
    std::fs::create_dir_all(&junit_dir).unwrap();
    // Ten tests known, so the median (for the thirty unknown) is short.
    let cases: String = (0..10)
        .map(|i| {
            let seconds = [30.0, 20.0].get(i).copied().unwrap_or(0.1);
            format!(r#"<testcase name="t{i:02}" time="{seconds}"/>"#)
        })
        .collect();
    std::fs::write(
        junit_dir.join("model.junit.xml"),
        format!(r#"<testsuites><testsuite name="model">{cases}</testsuite></testsuites>"#),
    )
    .unwrap();
    let from_junit = duration_shards(&junit_dir);
    covers_each_test_once(&from_junit);
    assert_eq!(from_junit[owner(&from_junit, "t00")], ["t00"]);
}

/// What each of `duration:1/4` to `duration:4/4` lists, balanced by `timings`.
fn duration_shards(timings: &Path) -> Vec<Vec<String>> {
    let bin = fixture_bin("model");
    (1..=4)
        .map(|index| {
            let partition = format!("duration:{index}/4");
            let args = [
                "--list",
                "--format",
                "terse",
                "--partition",
                &partition,
                "--timings",
            ];
            let mut args = args.to_vec();
            args.push(timings.to_str().unwrap());
            listed(&run(&bin, &args, &[]))
        })
        .collect()
}

/// The shard holding `name`.
fn owner(shards: &[Vec<String>], name: &str) -> usize {
    shards
        .iter()
        .position(|s| s.iter().any(|n| n == name))
        .unwrap_or_else(|| panic!("{name} is in no shard"))
}

#[test]
fn sharding_mistakes_are_one_line_errors() {
    let bin = fixture_bin("model");
    for (args, named) in [
        (&["--partition", "duration:1/2"][..], "needs --timings"),
        (&["--timings", "x.json"][..], "--timings is read only"),
        (
            &["--partition", "hash:1/2", "--timings", "x.json"][..],
            "not with --partition hash:1/2",
        ),
        (&["--partition", "slice:1/2"][..], "use count:M/N"),
        (
            &[
                "--partition",
                "duration:1/2",
                "--timings",
                "/nonexistent/t.json",
            ][..],
            "--timings /nonexistent/t.json",
        ),
    ] {
        let ran = run(&bin, args, &[]);
        assert_eq!(ran.code, Some(101), "{args:?}");
        let stderr = ran.stderr.trim_end();
        assert!(
            !stderr.contains('\n') && stderr.contains(named),
            "{args:?}: {stderr}"
        );
    }
}

/// Shards of one CI pipeline merge; a shard left over from another pipeline
/// (yesterday's shard 2 beside today's shard 1) is refused, naming both.
#[test]
fn merge_takes_shards_of_one_pipeline_only() {
    let dir = tempfile::tempdir().unwrap();
    let shard = |name: &str, index: u32, pipeline: &str| {
        run_shard(
            &dir.path().join(name),
            &format!("count:{index}/2"),
            pipeline,
        )
    };
    let merge = |inputs: &[&Path]| {
        let out = dir.path().join("merged");
        let mut command = std::process::Command::new(fixture_bin("leanvibe-report"));
        command.arg("merge").args(inputs).arg("-o").arg(&out);
        (command.output().unwrap(), out)
    };
    let today_1 = shard("today-1", 1, "ci:today");
    let today_2 = shard("today-2", 2, "ci:today");
    let yesterday_2 = shard("yesterday-2", 2, "ci:yesterday");

    let (mixed, _) = merge(&[&today_1, &yesterday_2]);
    assert!(!mixed.status.success());
    let stderr = String::from_utf8_lossy(&mixed.stderr);
    assert!(
        stderr.contains("pipeline ci:yesterday") && stderr.contains("pipeline ci:today"),
        "{stderr}"
    );

    let (merged, out) = merge(&[&today_1, &today_2]);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let ctrf: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("model.ctrf.json")).unwrap())
            .unwrap();
    assert_eq!(ctrf["extra"]["leanvibe"]["pipeline"], "ci:today");
    assert_eq!(ctrf["results"]["tests"].as_array().unwrap().len(), ALL);
    let junit = std::fs::read_to_string(out.join("model.junit.xml")).unwrap();
    assert!(
        junit.contains(r#"<property name="leanvibe.pipeline" value="ci:today"/>"#),
        "{junit}"
    );
}

/// Shards balanced by different timings (a newer "latest timings" artifact
/// appeared between two shards' starts) can leave a test in no shard. Here
/// a real shard's CTRF report loses one test, as such a shard would not have
/// run it: the merge says so rather than reporting a whole run.
#[test]
fn merge_refuses_shards_that_lost_a_test() {
    let dir = tempfile::tempdir().unwrap();
    let shard = |index: u32| {
        let out = dir.path().join(format!("shard-{index}"));
        run_shard(&out, &format!("count:{index}/2"), "ci:1")
    };
    let (one, two) = (shard(1), shard(2));
    let ctrf_path = two.join("model.ctrf.json");
    let mut ctrf: Value =
        serde_json::from_str(&std::fs::read_to_string(&ctrf_path).unwrap()).unwrap();
    let tests = ctrf["results"]["tests"].as_array_mut().unwrap();
    let lost = tests.remove(3);
    // The shard still saw all 40 before partitioning: it gave one more away.
    let ours = &mut ctrf["extra"]["leanvibe"];
    ours["partitionedOut"] = (ours["partitionedOut"].as_u64().unwrap() + 1).into();
    ours["filteredOut"] = (ours["filteredOut"].as_u64().unwrap() + 1).into();
    std::fs::write(&ctrf_path, ctrf.to_string()).unwrap();
    let merged = std::process::Command::new(fixture_bin("leanvibe-report"))
        .arg("merge")
        .args([&one, &two])
        .arg("-o")
        .arg(dir.path().join("merged"))
        .output()
        .unwrap();
    assert!(
        !merged.status.success(),
        "a merge without {} passed",
        lost["name"]
    );
    let stderr = String::from_utf8_lossy(&merged.stderr);
    assert!(
        stderr.contains("the shards hold 39 of the 40 tests they were cut from")
            && stderr.trim_end().lines().count() == 1,
        "{stderr}"
    );
}

/// Ignored tests are dealt out like the others (apart from them, as nextest
/// does): each is skipped in exactly one shard, so the merge of the shards,
/// by count or by hash, has the unsharded run's tests and skips, each once.
#[test]
fn merged_shards_skip_each_ignored_test_once() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fixture_bin("select");
    let ctrf_of = |out: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(out.join("select.ctrf.json")).unwrap())
            .unwrap()
    };
    let whole = dir.path().join("whole");
    let ran = run(&bin, &["--report-dir", whole.to_str().unwrap()], &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stdout);
    let whole = ctrf_of(&whole)["results"]["summary"].clone();
    assert!(whole["skipped"].as_u64().unwrap() >= 2, "{whole}");
    for kind in ["count", "hash"] {
        let mut shards = Vec::new();
        for index in 1..=2 {
            let out = dir.path().join(format!("{kind}-{index}"));
            let partition = format!("{kind}:{index}/2");
            let ran = run(
                &bin,
                &[
                    "--partition",
                    &partition,
                    "--report-dir",
                    out.to_str().unwrap(),
                ],
                &[],
            );
            assert_eq!(ran.code, Some(0), "{partition}: {}", ran.stdout);
            shards.push(out);
        }
        let merged_dir = dir.path().join(format!("{kind}-merged"));
        let merged = std::process::Command::new(fixture_bin("leanvibe-report"))
            .arg("merge")
            .args(&shards)
            .arg("-o")
            .arg(&merged_dir)
            .output()
            .unwrap();
        assert!(
            merged.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&merged.stderr)
        );
        let merged = ctrf_of(&merged_dir)["results"]["summary"].clone();
        for count in ["tests", "passed", "skipped"] {
            assert_eq!(merged[count], whole[count], "{kind}: {count}");
        }
    }
}

/// Runs the `model` fixture's shard `partition` of CI pipeline `pipeline`,
/// its reports in `out`; returns `out`.
fn run_shard(out: &Path, partition: &str, pipeline: &str) -> std::path::PathBuf {
    let args = [
        "--partition",
        partition,
        "--report-dir",
        out.to_str().unwrap(),
    ];
    let ran = run(
        &fixture_bin("model"),
        &args,
        &[("LEANVIBE_PIPELINE", pipeline)],
    );
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    out.to_path_buf()
}
