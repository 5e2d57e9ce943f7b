//! Starting a worker process, and the handle the pool keeps on it.
//!
//! A worker is this same binary running the worker loop, with its protocol
//! fds on 3, 4 and 5 (see [`protocol`](super::protocol)), stdout and stderr on
//! its capture files, stdin on `/dev/null`, in a process group of its own,
//! and with `PR_SET_PDEATHSIG = SIGKILL` so that it dies with the harness.
//!
//! Two ways to start one, same result:
//!
//! - **fork**, when the harness has a single thread, as the pool's
//!   `ppoll` loop does. The child is a copy of the harness at that moment
//!   and goes straight into the worker loop: no `exec`, no second load of
//!   the binary, which is most of the cost of running one test in a worker.
//!   `fork` is safe only without other threads (one could hold a lock the
//!   child would then wait on forever), so it is used only when
//!   `/proc/self/status` says there is one thread.
//! - **exec** of the current executable with the protocol version in
//!   `__LEANVIBE_WORKER`, otherwise: a custom `main` that started threads
//!   before calling the harness, a platform without `/proc`.

use super::protocol::{COMMANDS_FD, RESULTS_FD, VERSION, WAKE_FD, WORKER_ENV};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};

/// The worker's ends of its channels to the harness.
pub(super) struct ChildEnds {
    /// The results file, opened for appending.
    pub results: File,
    /// The read end of the command pipe.
    pub commands: io::PipeReader,
    /// The write end of the wake pipe.
    pub wake: io::PipeWriter,
    /// Capture files for stdout and stderr; `None` to inherit the harness's.
    pub output: Option<(File, File)>,
}

/// A running (or exited, not yet reaped) worker process.
#[derive(Debug)]
pub(super) struct WorkerProcess {
    pid: libc::pid_t,
    /// Readable once the process has exited (`pidfd_open`, Linux 5.3+):
    /// how the pool learns of a death even when a process the test forked
    /// still holds the worker's pipes open.
    pidfd: Option<OwnedFd>,
    /// Set once reaped.
    status: Option<ExitStatus>,
}

/// Starts a worker: by `fork` when the harness has one thread, else by
/// `exec`.
pub(super) fn start(ends: ChildEnds) -> io::Result<WorkerProcess> {
    let pid = if single_threaded() {
        fork(&ends)?
    } else {
        exec(&ends)?
    };
    live_groups::add(pid);
    Ok(WorkerProcess {
        pid,
        pidfd: pidfd_open(pid),
        status: None,
    })
}

fn pidfd_open(pid: libc::pid_t) -> Option<OwnedFd> {
    // SAFETY: pidfd_open on our own child; a non-negative result is a new
    // descriptor (close-on-exec) that we own.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = RawFd::try_from(fd).ok().filter(|&fd| fd >= 0)?;
    // SAFETY: as above.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

impl WorkerProcess {
    /// A descriptor that becomes readable when the worker exits, where the
    /// kernel offers one.
    pub(super) fn exit_fd(&self) -> Option<RawFd> {
        self.pidfd.as_ref().map(AsRawFd::as_raw_fd)
    }

    /// How the worker ended, once reaped.
    pub(super) fn status(&self) -> Option<ExitStatus> {
        self.status
    }

    /// Whether the worker has exited, without reaping it: until it is
    /// reaped its pid (and so its process group id) cannot be reused.
    pub(super) fn has_exited(&self) -> bool {
        if self.status.is_some() {
            return true;
        }
        // SAFETY: a zeroed siginfo_t is valid; waitid fills it for our child.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid on our own child; WNOWAIT leaves it unreaped.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                self.pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: si_pid is set when waitid found an exited child.
        r == 0 && unsafe { info.si_pid() } == self.pid
    }

    /// Reaps the worker, waiting for it to exit, after a SIGKILL to what is
    /// left of its process group: the processes its tests started go with
    /// it (a server of a worker-scope fixture, a child of a crashed test).
    pub(super) fn reap(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        // Wait for the exit without reaping, so the group id is still the
        // worker's when the group is killed.
        loop {
            // SAFETY: a zeroed siginfo_t is valid; waitid fills it.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            // SAFETY: waitid on our own child; WNOWAIT leaves it unreaped.
            let r = unsafe {
                libc::waitid(
                    libc::P_PID,
                    self.pid as libc::id_t,
                    &mut info,
                    libc::WEXITED | libc::WNOWAIT,
                )
            };
            if r == 0 {
                break;
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        self.kill_group();
        let status = loop {
            let mut status = 0;
            // SAFETY: waitpid on our own child; `status` is a valid out pointer.
            if unsafe { libc::waitpid(self.pid, &mut status, 0) } == self.pid {
                break ExitStatus::from_raw(status);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        };
        self.status = Some(status);
        live_groups::remove(self.pid);
        Ok(status)
    }

    /// SIGKILL to the worker's process group (it leads its own), taking the
    /// processes its tests started with it. A no-op once reaped: the pid
    /// may have been reused.
    pub(super) fn kill_group(&self) {
        if self.status.is_none() {
            // SAFETY: kill with a negative pid signals that process group,
            // the worker's own, created when it started; the worker is not
            // reaped, so the id is still its.
            unsafe { libc::kill(-self.pid, libc::SIGKILL) };
        }
    }

    /// Kills the worker with its process group and reaps it.
    pub(super) fn kill(&mut self) {
        self.kill_group();
        if self.status.is_none() {
            // SAFETY: SIGKILL to our own unreaped child; harmless if the
            // group kill above already reached it.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
        }
        let _ = self.reap();
    }
}

/// The process groups of the workers alive, for the one place that cannot
/// walk the pool: the signal handler that ends the harness at once on a
/// second signal. It kills them all first, so no process a test started
/// outlives the harness (the workers themselves would die with it anyway).
pub(crate) mod live_groups {
    use std::sync::atomic::{AtomicI32, Ordering::SeqCst};

    const SLOTS: usize = 512;
    static GROUPS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

    pub(super) fn add(pid: libc::pid_t) {
        // Past SLOTS workers, the extra groups rely on the parent-death
        // signal alone.
        let _ = GROUPS
            .iter()
            .find(|slot| slot.compare_exchange(0, pid, SeqCst, SeqCst).is_ok());
    }

    pub(super) fn remove(pid: libc::pid_t) {
        if let Some(slot) = GROUPS.iter().find(|slot| slot.load(SeqCst) == pid) {
            slot.store(0, SeqCst);
        }
    }

    /// SIGKILL to every live worker's process group. Async-signal-safe:
    /// atomics and `kill` only.
    pub(crate) fn kill_all() {
        for slot in &GROUPS {
            let pid = slot.load(SeqCst);
            if pid > 0 {
                // SAFETY: kill is async-signal-safe; the group is a worker's.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
        }
    }
}

/// Whether this process has a single thread, read from `/proc/self/status`
/// (`false` when it cannot be read: then `exec` is used).
fn single_threaded() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .is_some_and(|n| n.trim() == "1")
    })
}

/// The protocol fds of `ends`, each with the number it gets in the worker.
fn protocol_fds(ends: &ChildEnds) -> [(RawFd, RawFd); 3] {
    [
        (ends.results.as_raw_fd(), RESULTS_FD),
        (ends.commands.as_raw_fd(), COMMANDS_FD),
        (ends.wake.as_raw_fd(), WAKE_FD),
    ]
}

/// What both ways do in the new process before the worker loop: its own
/// process group, death with the harness, the protocol fds on 3, 4 and 5.
///
/// # Safety
///
/// Only async-signal-safe calls (setpgid, prctl, getppid, fcntl, dup2):
/// `exec` runs it between `fork` and `exec`.
unsafe fn become_worker(harness: libc::pid_t, fds: [(RawFd, RawFd); 3]) -> io::Result<()> {
    // SAFETY: plain syscalls on our own process and descriptors.
    unsafe {
        // Its own process group: Ctrl-C reaches the harness only, and the
        // harness can stop a worker with everything it started.
        if libc::setpgid(0, 0) < 0 {
            return Err(io::Error::last_os_error());
        }
        // Die with the harness, whatever kills it.
        #[cfg(target_os = "linux")]
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) < 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::getppid() != harness {
            return Err(io::Error::other("the harness exited"));
        }
        // In a process group of its own the worker is in the background:
        // with `stty tostop`, writing to the terminal (`--nocapture`)
        // would stop it. Ignored, the write goes through; the setting
        // survives `exec`, so the test's own children write too.
        libc::signal(libc::SIGTTOU, libc::SIG_IGN);
        // The protocol fds are first moved above fd 10 so placing them on 3,
        // 4 and 5 cannot overwrite one with another; dup2 clears
        // close-on-exec on the copies, so across `exec` exactly these
        // survive.
        let mut moved = [0; 3];
        for (slot, (fd, _)) in moved.iter_mut().zip(fds) {
            *slot = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10);
            if *slot < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        for (from, (_, to)) in moved.into_iter().zip(fds) {
            if libc::dup2(from, to) < 0 {
                return Err(io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

/// Variables a worker started by `exec` gets on top of the harness's
/// environment: run settings the harness resolved (a forked worker has them
/// already, in its copy of the harness's memory).
static WORKER_VARS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();

/// Sets [`WORKER_VARS`], once, before the first worker starts.
pub(crate) fn pass_to_workers(vars: Vec<(String, String)>) {
    let _ = WORKER_VARS.set(vars);
}

fn exec(ends: &ChildEnds) -> io::Result<libc::pid_t> {
    let mut command = Command::new(std::env::current_exe()?);
    command.env(WORKER_ENV, VERSION).stdin(Stdio::null());
    command.envs(WORKER_VARS.get().into_iter().flatten().map(|(k, v)| (k, v)));
    if let Some((out, err)) = &ends.output {
        command.stdout(out.try_clone()?).stderr(err.try_clone()?);
    }
    let fds = protocol_fds(ends);
    let harness = std::process::id() as libc::pid_t;
    // SAFETY: `become_worker` and close_range are async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            become_worker(harness, fds)?;
            // Descriptors the harness itself inherited without
            // close-on-exec must not reach the worker (the fork path closes
            // them). Marked rather than closed: std still needs its own
            // pipe until `exec`. Kernels before 5.11 lack the flag.
            const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
            libc::syscall(libc::SYS_close_range, 6u32, u32::MAX, CLOSE_RANGE_CLOEXEC);
            Ok(())
        });
    }
    let child = command.spawn()?;
    // The pool reaps by pid; std's handle has nothing else to do.
    Ok(child.id() as libc::pid_t)
}

fn fork(ends: &ChildEnds) -> io::Result<libc::pid_t> {
    let harness = std::process::id() as libc::pid_t;
    let fds = protocol_fds(ends);
    let output = ends
        .output
        .as_ref()
        .map(|(out, err)| (out.as_raw_fd(), err.as_raw_fd()));
    // Buffered output would otherwise be written twice, once by each.
    super::capture::flush_std();
    // SAFETY: the process is single-threaded (checked by the caller), so the
    // child is a consistent copy and may run ordinary code.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            // The child. It never returns into the harness's code: its
            // copies of the pool and the reporters must not act twice.
            let started = std::panic::catch_unwind(|| {
                // SAFETY: the child's own process and descriptors.
                if let Err(e) = unsafe { forked_setup(harness, fds, output) } {
                    eprintln!("leanvibe worker: cannot start: {e}");
                    // SAFETY: ends the child without running the harness's
                    // destructors or exit handlers.
                    unsafe { libc::_exit(101) };
                }
                super::worker::worker_main(VERSION)
            });
            drop(started);
            // SAFETY: as above.
            unsafe { libc::_exit(101) }
        }
        pid => Ok(pid),
    }
}

/// The forked child's setup: what `exec`'s `Command` would have done for
/// stdio, then [`become_worker`], then closing every fd but 0 to 5 (the
/// harness's report files, other workers' pipes: a worker holding another's
/// command pipe would keep that one from ever seeing its end).
///
/// # Safety
///
/// Only in the child right after `fork`.
unsafe fn forked_setup(
    harness: libc::pid_t,
    fds: [(RawFd, RawFd); 3],
    output: Option<(RawFd, RawFd)>,
) -> io::Result<()> {
    let check = |r: libc::c_int| {
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(r)
        }
    };
    // SAFETY: plain syscalls on the child's own descriptors.
    unsafe {
        let null = check(libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY))?;
        check(libc::dup2(null, 0))?;
        if let Some((out, err)) = output {
            check(libc::dup2(out, 1))?;
            check(libc::dup2(err, 2))?;
        }
        become_worker(harness, fds)?;
        // The harness's handlers for these write to its signal pipe; `exec`
        // would have reset them, `fork` does not.
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::signal(signal, libc::SIG_DFL);
        }
        if libc::syscall(libc::SYS_close_range, 6u32, u32::MAX, 0u32) != 0 {
            // Kernels before 5.9: close what /proc lists.
            let open: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")?
                .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .filter(|&fd| fd > WAKE_FD)
                .collect();
            for fd in open {
                libc::close(fd);
            }
        }
    }
    Ok(())
}
