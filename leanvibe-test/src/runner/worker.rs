//! The worker side of the pool: a re-executed copy of the test binary that
//! runs the tests it is sent, one at a time, and reports each result.

use super::execute;
use super::protocol::{COMMANDS_FD, RESULTS_FD, RunTest, TestDone, VERSION, WORKER_ENV};
use crate::registry;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;

/// `Some` when this process was started as a worker by a harness.
pub(crate) fn worker_protocol() -> Option<String> {
    std::env::var(WORKER_ENV).ok()
}

/// Runs tests as the harness asks until it closes the command pipe.
pub(crate) fn worker_main(protocol: &str) -> ! {
    if protocol != VERSION {
        eprintln!("leanvibe worker: harness speaks protocol {protocol}, this binary {VERSION}");
        std::process::exit(101);
    }
    // Children a test spawns must not inherit the protocol pipes: a grandchild
    // left running would keep the harness from seeing this worker exit.
    for fd in [RESULTS_FD, COMMANDS_FD] {
        // SAFETY: fcntl on descriptors the harness opened for us.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    execute::install_panic_hook();
    let cases: Vec<_> = registry::all().collect();
    // SAFETY: the harness starts workers with these fds open and owned by us.
    let commands = BufReader::new(unsafe { File::from_raw_fd(COMMANDS_FD) });
    // SAFETY: as above.
    let mut results = BufWriter::new(unsafe { File::from_raw_fd(RESULTS_FD) });
    for line in commands.lines() {
        let Ok(line) = line else { break };
        let command: RunTest = match serde_json::from_str(&line) {
            Ok(command) => command,
            Err(e) => fatal(&format!("bad command {line:?}: {e}")),
        };
        let case = match cases.get(command.index) {
            Some(case) if case.full_name() == command.name => *case,
            _ => fatal(&format!(
                "no test {} at index {}",
                command.name, command.index
            )),
        };
        let outcome = execute::run_test(case, &command.budget);
        super::capture::flush_std();
        let done = TestDone {
            index: command.index,
            stdout_end: fd_size(1),
            stderr_end: fd_size(2),
            outcome,
        };
        // Flushed per test: the harness infers when the next test started
        // from this message, and must see it before a later test hangs.
        let sent = serde_json::to_writer(&mut results, &done)
            .map_err(std::io::Error::from)
            .and_then(|()| results.write_all(b"\n"))
            .and_then(|()| results.flush());
        if sent.is_err() {
            // The harness is gone; nobody is left to report to.
            std::process::exit(101);
        }
    }
    std::process::exit(0)
}

/// Size of the file behind `fd`, or 0 when it is not a regular file
/// (`--nocapture`: a terminal or pipe).
fn fd_size(fd: i32) -> u64 {
    // SAFETY: borrowing fd 1 or 2 as a File without taking ownership.
    let file = ManuallyDrop::new(unsafe { File::from_raw_fd(fd) });
    match file.metadata() {
        Ok(meta) if meta.is_file() => meta.len(),
        _ => 0,
    }
}

fn fatal(message: &str) -> ! {
    eprintln!("leanvibe worker: {message}");
    std::process::exit(101)
}
