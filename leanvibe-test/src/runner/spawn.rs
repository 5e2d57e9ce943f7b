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
use std::os::fd::{AsRawFd, RawFd};
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
    status: Option<ExitStatus>,
}

/// Starts a worker: by `fork` when the harness has one thread, else by
/// `exec`.
pub(super) fn start(ends: ChildEnds) -> io::Result<WorkerProcess> {
    if single_threaded() {
        fork(&ends)
    } else {
        exec(&ends)
    }
}

impl WorkerProcess {
    /// The exit status, if the worker has exited (reaping it).
    pub(super) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = waitpid(self.pid, libc::WNOHANG)?;
        }
        Ok(self.status)
    }

    /// Waits for the worker to exit.
    pub(super) fn wait(&mut self) -> io::Result<ExitStatus> {
        loop {
            if let Some(status) = self.status {
                return Ok(status);
            }
            self.status = waitpid(self.pid, 0)?;
        }
    }

    /// SIGKILL to the worker's process group (it leads its own), taking the
    /// processes its tests started with it. A no-op once reaped: the pid
    /// may have been reused.
    pub(super) fn kill_group(&self) {
        if self.status.is_none() {
            // SAFETY: kill with a negative pid signals that process group,
            // the worker's own, created when it started.
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
        let _ = self.wait();
    }
}

fn waitpid(pid: libc::pid_t, flags: libc::c_int) -> io::Result<Option<ExitStatus>> {
    loop {
        let mut status = 0;
        // SAFETY: waitpid on our own child; `status` is a valid out pointer.
        let reaped = unsafe { libc::waitpid(pid, &mut status, flags) };
        match reaped {
            0 => return Ok(None),
            r if r == pid => return Ok(Some(ExitStatus::from_raw(status))),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
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

fn exec(ends: &ChildEnds) -> io::Result<WorkerProcess> {
    let mut command = Command::new(std::env::current_exe()?);
    command.env(WORKER_ENV, VERSION).stdin(Stdio::null());
    if let Some((out, err)) = &ends.output {
        command.stdout(out.try_clone()?).stderr(err.try_clone()?);
    }
    let fds = protocol_fds(ends);
    let harness = std::process::id() as libc::pid_t;
    // SAFETY: `become_worker` makes only async-signal-safe calls.
    unsafe {
        command.pre_exec(move || become_worker(harness, fds));
    }
    let child = command.spawn()?;
    // The pool reaps by pid; std's handle has nothing else to do.
    Ok(WorkerProcess {
        pid: child.id() as libc::pid_t,
        status: None,
    })
}

fn fork(ends: &ChildEnds) -> io::Result<WorkerProcess> {
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
        pid => Ok(WorkerProcess { pid, status: None }),
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
