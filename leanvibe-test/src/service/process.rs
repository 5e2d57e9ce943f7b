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

/// A running service to stop at exit: a worker-scope fixture lives in a
/// static and is never dropped. When its process exits the kernel would
/// kill the service (see [`tie_lifetime_to_test`]), without the clean-up
/// some need (PostgreSQL would leave its System V shared memory behind),
/// and its temporary directory (62 MB for PostgreSQL) would stay. So both
/// are dealt with when the process exits normally.
#[cfg(unix)]
struct AtExit {
    pid: libc::pid_t,
    graceful_stop: Option<(i32, std::time::Duration)>,
    dir: std::path::PathBuf,
}

#[cfg(unix)]
static STOP_AT_EXIT: std::sync::Mutex<Vec<AtExit>> = std::sync::Mutex::new(Vec::new());

/// Has the service `pid` stopped (gracefully if asked) and `dir` removed
/// when this process exits normally, unless [`forget_at_exit`] comes first.
#[cfg(unix)]
pub(super) fn stop_at_exit(
    pid: u32,
    graceful_stop: Option<(i32, std::time::Duration)>,
    dir: &std::path::Path,
) {
    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a plain function with no captured state.
        unsafe { libc::atexit(stop_remaining) };
    });
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        lock_at_exit().push(AtExit {
            pid,
            graceful_stop,
            dir: dir.to_path_buf(),
        });
    }
}

/// The service was stopped (or is being stopped) by its fixture.
#[cfg(unix)]
pub(super) fn forget_at_exit(pid: u32) {
    lock_at_exit().retain(|service| u32::try_from(service.pid).ok() != Some(pid));
}

#[cfg(unix)]
fn lock_at_exit() -> std::sync::MutexGuard<'static, Vec<AtExit>> {
    STOP_AT_EXIT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(unix)]
extern "C" fn stop_remaining() {
    let services = std::mem::take(&mut *lock_at_exit());
    let started = std::time::Instant::now();
    for service in &services {
        let (target, signal) = match service.graceful_stop {
            Some((signal, _)) => (service.pid, signal),
            // Its process group, as a fixture's drop would.
            None => (-service.pid, libc::SIGKILL),
        };
        // SAFETY: `kill` has no memory-safety preconditions; each pid is a
        // child of this process not yet reaped (a reaped one was forgotten).
        unsafe { libc::kill(target, signal) };
    }
    for service in services {
        let grace = service
            .graceful_stop
            .map_or(std::time::Duration::from_secs(1), |(_, grace)| grace);
        loop {
            let mut status = 0;
            // SAFETY: waitpid on our own child, writing into a local.
            let done = unsafe { libc::waitpid(service.pid, &mut status, libc::WNOHANG) } != 0;
            if done || started.elapsed() >= grace {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // SAFETY: as above; whatever is left of its group goes.
        unsafe { libc::kill(-service.pid, libc::SIGKILL) };
        let _ = std::fs::remove_dir_all(&service.dir);
    }
}
