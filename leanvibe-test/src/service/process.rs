//! The operating-system side of a service process: a free port, its own
//! process group tied to the test's lifetime, and its log's tail.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::{Child, Command};

/// Asks the OS for a free port by binding port 0, then releases it for the
/// service. Another process can take it in between; `start` retries then.
pub(super) fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

pub(super) fn lost_port_race(log_tail: &str) -> bool {
    let log = log_tail.to_ascii_lowercase();
    log.contains("address already in use") || log.contains("addrinuse")
}

pub(super) fn read_tail(path: &Path, lines: usize) -> String {
    // Services can log a lot; the tail is within the last 64 KiB.
    const WINDOW: u64 = 64 * 1024;
    let read = || -> io::Result<String> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(WINDOW)))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    match read() {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(could not read {}: {e})", path.display()),
    }
}

/// Puts the service in its own process group (so killing it reaches any
/// children it forks) and, on Linux, has the kernel kill it if the test
/// process dies first: the harness SIGKILLs a worker that runs past its
/// timeout, and `Drop` does not run then.
#[cfg(unix)]
pub(super) fn tie_lifetime_to_test(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
    #[cfg(target_os = "linux")]
    kill_with_parent(command);
}

#[cfg(target_os = "linux")]
fn kill_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec, where only
    // async-signal-safe calls are allowed; it makes one `prctl` call, which is
    // one, and touches no memory of the parent. PR_SET_PDEATHSIG fires when
    // the thread that spawned the child exits, so a fixture must not outlive
    // the thread that started it (a test's fixtures never do).
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
pub(super) fn tie_lifetime_to_test(_command: &mut Command) {}

#[cfg(unix)]
pub(super) fn kill_group(child: &mut Child) -> io::Result<()> {
    let pgid = libc::pid_t::try_from(child.id()).map_err(io::Error::other)?;
    // SAFETY: `kill` has no memory-safety preconditions; the negative pid
    // names the process group we created for this child alone.
    if unsafe { libc::kill(-pgid, libc::SIGKILL) } == -1 {
        let e = io::Error::last_os_error();
        // ESRCH: the group is already gone, which is what we wanted.
        if e.raw_os_error() != Some(libc::ESRCH) {
            return Err(e);
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub(super) fn kill_group(child: &mut Child) -> io::Result<()> {
    child.kill()
}
