//! How a run ends when it does not end on its own: SIGTERM mid-run, in the
//! pool and in-process; and a test that prints a gigabyte.

use leanvibe_test_e2e::{fixture_bin, run};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts fixture `target` as a user's terminal would run it alone (no
/// nextest, no colours), its reports in `dir/reports`, its output piped.
fn spawn_fixture(target: &str, dir: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> Child {
    let mut command = Command::new(fixture_bin(target));
    command
        .args(args)
        .arg("--report-dir")
        .arg(dir.join("reports"))
        .env("NO_COLOR", "1")
        .env_remove("NEXTEST")
        .env_remove("RUST_TEST_THREADS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    command.spawn().expect("the fixture starts")
}

/// Starts the `interrupted` fixture with one worker (or in-process), waits
/// until `b_waits_for_a_signal` has written its pids, and returns them.
fn start_interrupted(dir: &Path, extra: &[&str]) -> (Child, u32, u32) {
    let pids = dir.join("pids");
    // Before the spawn: the harness captures into `TMPDIR` from its first test.
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let tmp = dir.join("tmp");
    let args = [&["--test-threads", "1"], extra].concat();
    let env = [
        ("LEANVIBE_LIFECYCLE_PIDS", pids.as_os_str()),
        ("TMPDIR", tmp.as_os_str()),
    ];
    let child = spawn_fixture("interrupted", dir, &args, &env);
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        if let Ok(text) = std::fs::read_to_string(&pids) {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "b_waits_for_a_signal never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut pids = text.split_whitespace().map(|p| p.parse::<u32>().unwrap());
    (child, pids.next().unwrap(), pids.next().unwrap())
}

/// Whether a process exists and is not a zombie.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

fn wait_gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn terminate(child: Child) -> (Option<i32>, String) {
    // SAFETY: SIGTERM to a child we started and have not reaped.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let output = child.wait_with_output().expect("the fixture is reaped");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn ctrf(dir: &Path) -> Value {
    let path = dir.join("reports/interrupted.ctrf.json");
    let text = std::fs::read_to_string(&path).expect("a CTRF report is written on SIGTERM");
    serde_json::from_str(&text).expect("the CTRF report parses")
}

fn test_entry<'a>(ctrf: &'a Value, name: &str) -> &'a Value {
    ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the report: {ctrf}"))
}

/// The interrupted run's reports: `a` passed, `b` failed as interrupted,
/// `c` never ran; the run says it did not complete, in every file.
fn check_interrupted_reports(dir: &Path, stdout: &str) {
    assert!(stdout.contains("test a_passes ... ok"), "{stdout}");
    assert!(
        stdout.contains("test b_waits_for_a_signal ... FAILED"),
        "{stdout}"
    );
    assert!(!stdout.contains("test c_never_starts"), "{stdout}");
    assert!(
        stdout.contains(
            "error: the run did not complete (interrupted by SIGTERM); 1 test did not run"
        ),
        "{stdout}"
    );
    let ctrf = ctrf(dir);
    let run = &ctrf["extra"]["leanvibe"];
    assert_eq!(run["completed"], false, "{run}");
    assert_eq!(run["notRun"], 1, "{run}");
    assert_eq!(run["stopReason"], "interrupted by SIGTERM", "{run}");
    assert_eq!(test_entry(&ctrf, "a_passes")["status"], "passed");
    let b = test_entry(&ctrf, "b_waits_for_a_signal");
    assert_eq!(b["status"], "failed", "{b}");
    assert_eq!(b["extra"]["leanvibe"]["failureKind"], "interrupted", "{b}");
    assert!(b["stdout"].to_string().contains("b is running"), "{b}");
    let junit = std::fs::read_to_string(dir.join("reports/interrupted.junit.xml"))
        .expect("a JUnit report is written on SIGTERM");
    assert!(
        junit.contains("<error message=\"interrupted by SIGTERM"),
        "{junit}"
    );
    assert!(
        junit.contains("<property name=\"leanvibe.completed\" value=\"false\"/>"),
        "{junit}"
    );
    let events = std::fs::read_to_string(dir.join("reports/interrupted.events.jsonl")).unwrap();
    let lines: Vec<Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "run_complete", "{last}");
    let end = &last["leanvibe"];
    assert_eq!(
        (&end["completed"], &end["not_run"], &end["failed"]),
        (&false.into(), &1.into(), &1.into()),
        "{last}"
    );
    assert_eq!(end["stop_reason"], "interrupted by SIGTERM", "{last}");
    // `c` was discovered and never started: a libtest-json reader counts
    // it as not run, as we do.
    let of = |name: &str| -> Vec<&str> {
        lines
            .iter()
            .filter(|l| l["name"] == name)
            .map(|l| l["event"].as_str().unwrap())
            .collect()
    };
    assert_eq!(of("c_never_starts"), ["discover_case"], "{events}");
    assert_eq!(
        of("b_waits_for_a_signal"),
        [
            "discover_case",
            "case_start",
            "case_message",
            "case_complete"
        ],
        "{events}"
    );

    // The gate refuses a run that did not complete, with the reason.
    let gate = Command::new(fixture_bin("leanvibe-report"))
        .arg("gate")
        .arg(dir.join("reports"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&gate.stderr);
    assert_eq!(gate.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the run did not complete (interrupted by SIGTERM"),
        "{stderr}"
    );
}

#[test]
fn sigterm_mid_run_stops_every_process_and_writes_partial_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (child, worker, grandchild) = start_interrupted(dir.path(), &[]);
    assert_ne!(worker, child.id(), "the test ran in a worker");
    let (code, stdout) = terminate(child);
    assert_eq!(code, Some(128 + libc::SIGTERM), "{stdout}");
    check_interrupted_reports(dir.path(), &stdout);
    assert!(wait_gone(worker), "worker {worker} outlived the run");
    assert!(
        wait_gone(grandchild),
        "the test's child {grandchild} outlived the run"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path().join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "capture files left behind: {left:?}");
}

/// A second signal ends the harness at once, whatever the first was doing;
/// the processes the running test started still go with it.
#[test]
fn a_second_signal_stops_at_once_and_leaves_no_process() {
    let dir = tempfile::tempdir().unwrap();
    let (child, worker, grandchild) = start_interrupted(dir.path(), &[]);
    // SAFETY: signals to a child we started and have not reaped.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let output = child.wait_with_output().unwrap();
    // Either the first signal's orderly stop finished first (143), or the
    // second cut it short (130).
    assert!(
        matches!(output.status.code(), Some(130 | 143)),
        "{:?}",
        output.status
    );
    assert!(wait_gone(worker), "worker {worker} outlived the run");
    assert!(
        wait_gone(grandchild),
        "the test's child {grandchild} outlived the run"
    );
}

#[test]
fn sigterm_in_process_still_writes_partial_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (child, harness, grandchild) = start_interrupted(dir.path(), &["--in-process"]);
    assert_eq!(harness, child.id(), "the test ran in the harness process");
    let (code, stdout) = terminate(child);
    // In-process, a test's own children are not the harness's to stop.
    // SAFETY: SIGKILL to the `sleep` the fixture started.
    unsafe { libc::kill(grandchild as i32, libc::SIGKILL) };
    assert_eq!(code, Some(128 + libc::SIGTERM), "{stdout}");
    check_interrupted_reports(dir.path(), &stdout);
}

/// Peak resident set of a process and everything it waited for, in KiB,
/// from `wait4`.
fn run_measured(bin: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, i64) {
    let mut command = Command::new(bin);
    command
        .args(args)
        .env_remove("NEXTEST")
        .env_remove("RUST_TEST_THREADS")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    // Reaped by `wait4` below, which also gives the resource usage.
    #[allow(clippy::zombie_processes)]
    let child = command.spawn().expect("the fixture starts");
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4 failed");
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

#[test]
fn a_gigabyte_of_output_costs_the_harness_a_bounded_amount_of_memory() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().to_str().unwrap();
    let bin = fixture_bin("flood");
    let args = ["--test-threads", "1", "--report-dir", reports];
    let (quiet_code, quiet_kib) = run_measured(&bin, &args, &[("LEANVIBE_FLOOD_MIB", "0")]);
    let (flood_code, flood_kib) = run_measured(&bin, &args, &[("LEANVIBE_FLOOD_MIB", "1024")]);
    assert_eq!((quiet_code, flood_code), (0, 0));
    let growth_mib = (flood_kib - quiet_kib) as f64 / 1024.0;
    assert!(
        growth_mib < 64.0,
        "peak RSS {flood_kib} KiB with 1 GiB of output against {quiet_kib} KiB without: +{growth_mib:.1} MiB"
    );
    let ctrf: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("flood.ctrf.json")).unwrap())
            .unwrap();
    let stdout: Vec<&str> = ctrf["results"]["tests"][0]["stdout"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        stdout[0].starts_with("flood line            0 "),
        "{}",
        stdout[0]
    );
    assert!(
        stdout.iter().any(
            |l| l.starts_with("[... ") && l.contains("bytes elided: output over the 1 MiB cap")
        ),
        "no elision marker"
    );
    assert_eq!(
        *stdout.last().unwrap(),
        format!("flood done after {} lines", 17772 * 1024)
    );
}

/// A worker lost when no new one can be started (here: its temporary
/// directory is gone): the run goes on with the workers left, and with none
/// left it stops, saying so, rather than failing tests that never ran.
#[test]
fn a_worker_that_cannot_be_replaced_ends_the_run_as_incomplete() {
    for threads in ["1", "2"] {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        let reports = dir.path().join("reports");
        let suite = "hang,pass,pass,pass,pass,pass,pass,pass,pass,pass";
        let child = Command::new(fixture_bin("model"))
            .args([
                "--exact", "t00", "t01", "t02", "t03", "t04", "t05", "t06", "t07", "t08", "t09",
            ])
            .args(["--test-threads", threads, "--report-dir"])
            .arg(&reports)
            .env("LEANVIBE_MODEL_SUITE", suite)
            .env("TMPDIR", &tmp)
            .env("NO_COLOR", "1")
            .env_remove("NEXTEST")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The workers are started; `t00` hangs for its 500 ms.
        std::thread::sleep(Duration::from_millis(200));
        std::fs::remove_dir(&tmp).unwrap();
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let ctrf: Value = serde_json::from_slice(
            &std::fs::read(reports.join("model.ctrf.json")).expect("a CTRF report"),
        )
        .unwrap();
        let run = &ctrf["extra"]["leanvibe"];
        assert_eq!(output.status.code(), Some(101), "{stdout}");
        assert!(stdout.contains("test t00 ... FAILED"), "{stdout}");
        if threads == "1" {
            assert_eq!(run["completed"], false, "{run}");
            assert_eq!(run["notRun"], 9, "{run}");
            assert!(
                run["stopReason"]
                    .as_str()
                    .unwrap()
                    .starts_with("a worker could not be started"),
                "{run}"
            );
            assert_eq!(ctrf["results"]["tests"].as_array().unwrap().len(), 1);
        } else {
            // The other worker ran the rest.
            assert_eq!(run["completed"], true, "{run}");
            assert_eq!(ctrf["results"]["summary"]["passed"], 9, "{stdout}");
        }
    }
}

/// A worker's start-up is not its first test's time: with every process of
/// the binary taking 600 ms to start (a loaded CI machine, or a binary that
/// sets things up before `main`), tests with a 300 ms timeout that pass at
/// once pass, with one worker and with two.
#[test]
fn a_slow_worker_start_up_does_not_count_toward_the_first_test() {
    let bin = fixture_bin("slow_start");
    for threads in ["1", "2"] {
        let dir = tempfile::tempdir().unwrap();
        let ran = run(
            &bin,
            &[
                "--test-threads",
                threads,
                "--report-dir",
                dir.path().to_str().unwrap(),
            ],
            &[("LEANVIBE_SLOW_START_MS", "600")],
        );
        assert_eq!(
            ran.code,
            Some(0),
            "{threads} threads:\n{}{}",
            ran.stdout,
            ran.stderr
        );
        assert_eq!(
            ran.test_lines(),
            [
                ("first_passes_at_once", "ok"),
                ("second_passes_at_once", "ok"),
                ("third_passes_at_once", "ok")
            ]
            .map(|(name, status)| (name.to_string(), status.to_string())),
            "{threads} threads"
        );
    }
}

/// Workers that exit before they are ready ran no test: the tests sent to
/// them fail as harness errors that say so, and after two such workers in a
/// row no more are started, so the run ends at once with the rest not run
/// (instead of paying the start-up limit, 30 s, for every test).
#[test]
fn workers_that_cannot_start_end_the_run_without_blaming_a_test() {
    let bin = fixture_bin("slow_start");
    let dir = tempfile::tempdir().unwrap();
    let ran = run(
        &bin,
        &[
            "--test-threads",
            "1",
            "--report-dir",
            dir.path().to_str().unwrap(),
        ],
        &[("LEANVIBE_WORKER_START_EXIT", "3")],
    );
    assert_eq!(ran.code, Some(101), "{}{}", ran.stdout, ran.stderr);
    let failed: Vec<String> = ran
        .test_lines()
        .into_iter()
        .filter(|(_, status)| status == "FAILED")
        .map(|(name, _)| name)
        .collect();
    assert_eq!(failed.len(), 2, "{}", ran.stdout);
    for name in &failed {
        let section = ran.section(name);
        assert!(
            section.contains("not run: its worker exited while starting (exit status: 3)"),
            "{section}"
        );
        assert!(!section.contains("the test called"), "{section}");
    }
    assert!(ran.stdout.contains("1 test did not run"), "{}", ran.stdout);
}

/// SIGTERM while the workers are still starting: no test had started, so
/// none is reported as interrupted while running; all count as not run.
#[test]
fn sigterm_before_the_workers_are_ready_interrupts_no_test() {
    let dir = tempfile::tempdir().unwrap();
    let child = spawn_fixture(
        "slow_start",
        dir.path(),
        &["--test-threads", "2"],
        &[("LEANVIBE_WORKER_START_MS", OsStr::new("20000"))],
    );
    // The harness writes its event stream's first line once it runs.
    let events = dir.path().join("reports/slow_start.events.jsonl");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&events).is_ok_and(|t| t.contains('\n')) {
        assert!(Instant::now() < deadline, "the run never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let (code, stdout) = terminate(child);
    assert_eq!(code, Some(128 + libc::SIGTERM), "{stdout}");
    assert!(!stdout.contains("while this test was running"), "{stdout}");
    assert!(stdout.contains("3 tests did not run"), "{stdout}");
}
