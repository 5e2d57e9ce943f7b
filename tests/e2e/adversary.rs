//! Tests that attack the worker running them (the `adversary` fixture):
//! each must get its own verdict, leave no process behind, and never stall
//! the harness.

use leanvibe_test_e2e::{Run, fixture_bin, run};
use std::path::Path;
use std::time::{Duration, Instant};

/// Runs the adversary fixture with `args`, recording pids in `pids`.
fn adversary(pids: &Path, args: &[&str]) -> Run {
    timed_adversary(pids, args).0
}

/// [`adversary`], with how long the run took. The clock starts after the
/// fixture is built, so a slow build cannot fail a timing check.
fn timed_adversary(pids: &Path, args: &[&str]) -> (Run, Duration) {
    let bin = fixture_bin("adversary");
    let pids = pids.to_str().unwrap();
    let started = Instant::now();
    let ran = run(&bin, args, &[("ADVERSARY_PIDS", pids)]);
    (ran, started.elapsed())
}

/// Whether a process exists and is not a zombie.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}

/// The pid a test recorded, once it is gone (within a few seconds).
fn gone(pids: &Path, test: &str) -> Result<u32, u32> {
    let pid: u32 = std::fs::read_to_string(pids.join(test))
        .unwrap_or_else(|e| panic!("{test} recorded no pid: {e}"))
        .trim()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) {
        if Instant::now() > deadline {
            // Tidy up before failing.
            // SAFETY: SIGKILL to the leftover the test started.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            return Err(pid);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(pid)
}

#[test]
fn processes_a_test_starts_end_with_its_worker_however_it_ends() {
    let pids = tempfile::tempdir().unwrap();
    let ran = adversary(pids.path(), &["leftover_", "--test-threads", "1"]);
    assert_eq!(ran.status_of("leftover_after_a_pass"), "ok");
    assert_eq!(ran.status_of("leftover_after_an_abort"), "FAILED");
    assert_eq!(ran.status_of("leftover_after_an_exit"), "FAILED");
    for test in [
        "leftover_after_a_pass",
        "leftover_after_an_abort",
        "leftover_after_an_exit",
    ] {
        if let Err(pid) = gone(pids.path(), test) {
            panic!("the `sleep` {test} started (pid {pid}) outlived the run");
        }
    }
}

#[test]
fn a_crash_after_a_test_forked_is_a_crash_at_once() {
    let pids = tempfile::tempdir().unwrap();
    let (ran, took) = timed_adversary(pids.path(), &["fork_", "--test-threads", "1"]);
    assert_eq!(ran.status_of("fork_a_keeps_the_pipes"), "ok");
    assert_eq!(ran.status_of("fork_b_aborts"), "FAILED");
    assert_eq!(ran.status_of("fork_c_passes"), "ok");
    assert!(
        ran.section("fork_b_aborts").contains("signal 6 (SIGABRT)"),
        "{}",
        ran.stdout
    );
    // The 60 s timeout did not have to run out for the crash to be seen.
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let _ = gone(pids.path(), "fork_a_keeps_the_pipes");
}

#[test]
fn ready_lines_written_by_a_test_do_not_postpone_its_timeout() {
    let pids = tempfile::tempdir().unwrap();
    let (ran, took) = timed_adversary(
        pids.path(),
        &["fake_ready_lines_do_not_postpone_the_timeout", "--exact"],
    );
    assert_eq!(
        ran.status_of("fake_ready_lines_do_not_postpone_the_timeout"),
        "FAILED"
    );
    assert!(
        ran.section("fake_ready_lines_do_not_postpone_the_timeout")
            .contains("timed out: still running after 300 ms"),
        "{}",
        ran.stdout
    );
    // The test would write for 5 s; the 300 ms timeout ended it well before.
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

#[test]
fn a_test_that_breaks_the_command_pipe_fails_and_the_next_one_runs() {
    let pids = tempfile::tempdir().unwrap();
    let ran = adversary(pids.path(), &["fd4_", "--test-threads", "1"]);
    assert_eq!(ran.status_of("fd4_a_closes_it"), "FAILED");
    assert_eq!(ran.status_of("fd4_b_passes"), "ok");
    assert_eq!(ran.status_of("fd4_c_replaces_it"), "FAILED");
    assert_eq!(ran.status_of("fd4_d_passes"), "ok");
    assert!(
        ran.section("fd4_a_closes_it")
            .contains("the test closed or replaced fd 4 (the worker's command pipe)"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_hang_behind_long_queued_commands_still_times_out() {
    let pids = tempfile::tempdir().unwrap();
    let (ran, took) = timed_adversary(pids.path(), &["a_module_with", "--test-threads", "1"]);
    assert!(
        took < Duration::from_secs(60),
        "the 1 s timeout took {took:?}"
    );
    assert!(
        ran.summary()
            .starts_with("test result: FAILED. 600 passed; 1 failed;"),
        "{}",
        ran.summary()
    );
    let hung = ran
        .test_lines()
        .into_iter()
        .find(|(name, _)| name.ends_with("::a_hangs"))
        .unwrap();
    assert_eq!(hung.1, "FAILED");
}

#[test]
fn in_process_a_hang_holding_the_stdout_lock_is_still_reported() {
    let pids = tempfile::tempdir().unwrap();
    let (ran, took) = timed_adversary(pids.path(), &["lock_", "--in-process"]);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_eq!(ran.code, Some(101));
    assert_eq!(ran.status_of("lock_holds_stdout_and_hangs"), "FAILED");
    assert!(ran.stdout.contains("timed out"), "{}", ran.stdout);
}

/// `script` gives the run a terminal; `stty tostop` stops background
/// writers to it.
#[test]
fn nocapture_writes_to_a_tostop_terminal() {
    let bin = fixture_bin("adversary");
    let command = format!(
        "stty tostop; {} tty_prints --exact --nocapture --no-report --color never",
        bin.display()
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NEXTEST")
        .env("LEANVIBE_TIMEOUT_MS", "10000")
        .output()
        .expect("script runs (util-linux)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("printed to the terminal"), "{text}");
    assert!(text.contains("test tty_prints ... ok"), "{text}");
}
