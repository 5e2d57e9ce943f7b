use super::process::read_tail;
use super::require::started_or_skip_unless;
use super::*;
use crate::errors::ServiceError;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

const MISSING: &str = "leanvibe-test-no-such-binary";

#[test]
fn a_missing_binary_is_not_installed_and_named() {
    let err = ServiceFixture::builder(MISSING).start().unwrap_err();
    assert!(err.is_not_installed(), "{err}");
    assert_eq!(
        err.to_string(),
        format!("{MISSING} not installed (not found on PATH)")
    );
}

/// What unwinding out of `started_or_skip_unless` carried.
fn unwind_payload(
    started: Result<ServiceFixture, ServiceError>,
    required: bool,
) -> Box<dyn std::any::Any + Send> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        started_or_skip_unless(started, required);
    }))
    .expect_err("a missing or failed service never evaluates to a fixture")
}

#[test]
fn not_installed_skips_unless_services_are_required() {
    let start = || ServiceFixture::builder(MISSING).start();
    let skipped = unwind_payload(start(), false);
    let skipped = skipped
        .downcast::<crate::skip::Skipped>()
        .expect("a skip, not a panic");
    assert_eq!(skipped.reason, format!("{MISSING} not installed"));
    let required = unwind_payload(start(), true);
    let message = required
        .downcast::<String>()
        .expect("a panic with a message");
    assert!(message.contains("not installed"), "{message}");
    // Other failures are never skipped.
    let failed = ServiceFixture::builder("sh").args(["-c", "exit 1"]).start();
    let message = unwind_payload(failed, false)
        .downcast::<String>()
        .expect("a panic");
    assert!(!message.contains("not installed"), "{message}");
}

#[test]
fn an_early_exit_is_a_start_failure_with_the_log_tail() {
    let err = ServiceFixture::builder("sh")
        .args(["-c", "echo 'fatal: bad config on port {port}' >&2; exit 3"])
        .start()
        .unwrap_err();
    let ServiceError::FailedToStart {
        program,
        reason,
        log_tail,
        ..
    } = &err
    else {
        panic!("unexpected {err}");
    };
    assert_eq!(program, "sh");
    assert!(reason.contains("exit status: 3"), "{reason}");
    assert!(
        log_tail.starts_with("fatal: bad config on port "),
        "{log_tail}"
    );
    assert!(err.to_string().contains("fatal: bad config"), "{err}");
}

#[test]
fn a_service_never_ready_fails_after_the_timeout() {
    let err = ServiceFixture::builder("sh")
        .args(["-c", "echo starting; exec sleep 30"])
        .startup_timeout(Duration::from_millis(300))
        .start()
        .unwrap_err();
    let ServiceError::FailedToStart {
        reason, log_tail, ..
    } = &err
    else {
        panic!("unexpected {err}");
    };
    assert!(
        reason.contains("did not accept TCP connections on 127.0.0.1:"),
        "{reason}"
    );
    assert_eq!(log_tail, "starting");
}

/// The port a service was given can be taken by another process before the
/// service binds it. That process accepts connections; the service is not
/// ready, and must not be reported ready (a CI run once handed tests a
/// "redis" that was a silent listener of another test).
#[cfg(target_os = "linux")]
#[test]
fn a_foreign_listener_on_the_port_is_not_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let port_file = dir.path().join("port");
    let thief = {
        let port_file = port_file.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(port) = std::fs::read_to_string(&port_file)
                    && let Ok(port) = port.trim().parse::<u16>()
                {
                    return std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
                }
                assert!(
                    Instant::now() < deadline,
                    "the service never wrote its port"
                );
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    // The service announces its port, waits for the thief, and never listens.
    let err = ServiceFixture::builder("sh")
        .args(["-c"])
        .args([format!(
            "echo {{port}} > {}; sleep 0.3; exec sleep 30",
            port_file.display()
        )])
        .startup_timeout(Duration::from_millis(1500))
        .start()
        .map(|service| service.port())
        .unwrap_err();
    let _listener = thief.join().unwrap();
    let ServiceError::FailedToStart { reason, .. } = &err else {
        panic!("unexpected {err}");
    };
    assert!(reason.contains("another process listens there"), "{reason}");
}

#[test]
fn log_readiness_substitution_and_group_kill() {
    // The shell forks a grandchild; stopping the service must reach it too.
    let service = ServiceFixture::builder("sh")
        .args([
            "-c",
            "sleep 30 & echo \"child $!\"; echo \"ready on {port} in {dir}\"; wait",
        ])
        .readiness(Readiness::LogContains("ready on".into()))
        .start()
        .unwrap();
    let log = std::fs::read_to_string(service.log_path()).unwrap();
    assert!(
        log.contains(&format!("ready on {} in ", service.port())),
        "{log}"
    );
    let grandchild: libc::pid_t = log
        .lines()
        .find_map(|l| l.strip_prefix("child "))
        .and_then(|pid| pid.trim().parse().ok())
        .expect("the shell printed its child's pid");
    let dir = service.log_path().parent().unwrap().to_owned();
    assert!(dir.exists());
    service.stop().unwrap();
    assert!(!dir.exists(), "the temporary directory is removed");
    let deadline = Instant::now() + Duration::from_secs(10);
    // SAFETY: signal 0 only checks whether the process exists.
    while unsafe { libc::kill(grandchild, 0) } == 0 {
        // Until init reaps it, the killed grandchild is a zombie; wait for that.
        let state = std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
        if state.contains(") Z ") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "grandchild {grandchild} survived stop()"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn read_tail_keeps_the_last_lines() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    for i in 0..100 {
        writeln!(file, "line {i}").unwrap();
    }
    assert_eq!(read_tail(file.path(), 2), "line 98\nline 99");
    assert_eq!(read_tail(file.path(), 500).lines().count(), 100);
    assert!(read_tail(Path::new("/nonexistent/log"), 3).starts_with("(could not read"));
}

#[test]
fn preparation_runs_first_in_the_services_directory_and_its_failure_is_shown() {
    // `init` writes a file the service then reads: same directory, in order.
    let service = ServiceFixture::builder("sh")
        .init(
            "sh",
            ["-c", "echo prepared > {dir}/state; echo 'init done'"],
        )
        .args(["-c", "echo \"ready with $(cat state)\"; exec sleep 30"])
        .readiness(Readiness::LogContains("ready with".into()))
        .start()
        .unwrap();
    let log = std::fs::read_to_string(service.log_path()).unwrap();
    assert_eq!(log, "init done\nready with prepared\n");
    drop(service);

    let err = ServiceFixture::builder("sh")
        .init(
            "sh",
            ["-c", "echo 'initdb: cannot be run as root' >&2; exit 1"],
        )
        .args(["-c", "echo never started"])
        .start()
        .unwrap_err();
    let ServiceError::FailedToStart {
        reason, log_tail, ..
    } = &err
    else {
        panic!("unexpected {err}");
    };
    assert!(reason.contains("its preparation `sh` exited"), "{reason}");
    assert_eq!(log_tail, "initdb: cannot be run as root");

    let missing = ServiceFixture::builder("sh").init(MISSING, ["x"]).start();
    assert!(missing.unwrap_err().is_not_installed());
}

#[test]
fn a_graceful_stop_lets_the_service_clean_up() {
    // On SIGTERM the shell writes a file in its directory's parent and exits:
    // only a stop that waits lets it.
    let marker = tempfile::tempdir().unwrap();
    let cleaned = marker.path().join("cleaned");
    let script = format!(
        "trap 'echo bye > {}; exit 0' TERM; echo ready; while :; do sleep 0.01; done",
        cleaned.display()
    );
    let service = ServiceFixture::builder("sh")
        .args(["-c", script.as_str()])
        .readiness(Readiness::LogContains("ready".into()))
        .graceful_stop(libc::SIGTERM, Duration::from_secs(5))
        .start()
        .unwrap();
    let status = service.stop().unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(std::fs::read_to_string(&cleaned).unwrap(), "bye\n");
}
