//! The worker side of the pool: a re-executed copy of the test binary that
//! runs the tests it is sent, one at a time, and reports each result.

use super::execute;
use super::protocol::{
    COMMANDS_FD, RESULTS_FD, Ready, Retire, RetryingAttempt, RetryingLine, RunTest, TestDone,
    VERSION, WAKE_FD, WORKER_ENV,
};
use super::retry::RetryFilter;
use crate::record::{Attempt, Failure, FailureKind, Status};
use crate::registry;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::FromRawFd;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// `Some` when this process was started as a worker by a harness. The
/// marker is taken out of the environment at once: a process a test starts
/// (another leanvibe harness, `cargo test`) must not believe it is a worker.
pub(crate) fn worker_protocol() -> Option<String> {
    let protocol = std::env::var(WORKER_ENV).ok()?;
    // SAFETY: called first thing in `main`, before this process starts any
    // thread, so nothing can read the environment concurrently.
    unsafe { std::env::remove_var(WORKER_ENV) };
    Some(protocol)
}

/// Runs tests as the harness asks until it closes the command pipe.
pub(crate) fn worker_main(protocol: &str) -> ! {
    if protocol != VERSION {
        eprintln!("leanvibe worker: harness speaks protocol {protocol}, this binary {VERSION}");
        std::process::exit(101);
    }
    if !(is_regular_file(RESULTS_FD) && is_pipe(COMMANDS_FD) && is_pipe(WAKE_FD)) {
        fatal(
            "fds 3, 4 and 5 are not a harness's results file and pipes; was this binary started by hand with __LEANVIBE_WORKER set?",
        );
    }
    // Children a test spawns must not inherit the protocol fds: a grandchild
    // left running would keep the harness from seeing this worker exit.
    for fd in [RESULTS_FD, COMMANDS_FD, WAKE_FD] {
        // SAFETY: fcntl on descriptors the harness opened for us.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    execute::install_panic_hook();
    let cases: Vec<_> = registry::all().collect();
    // SAFETY: the harness starts workers with these fds open and owned by us.
    let mut commands = BufReader::new(unsafe { File::from_raw_fd(COMMANDS_FD) });
    // SAFETY: as above.
    let mut results = unsafe { File::from_raw_fd(RESULTS_FD) };
    // SAFETY: as above.
    let outbox = Outbox::start(unsafe { File::from_raw_fd(WAKE_FD) });
    let mut line = String::new();
    let mut encoded = Vec::with_capacity(1024);
    let pipes = ProtocolFds::now();
    let mut retry = RetryFilter::default();
    let retire = |results: &mut File, why: &str| {
        if let Ok(mut line) = crate::json::to_vec(&Retire { retire: why }) {
            line.push(b'\n');
            let _ = results.write_all(&line);
        }
    };
    // Start-up is done: from here on, the time is the tests'.
    if let Ok(mut line) = crate::json::to_vec(&Ready {
        ready: std::process::id(),
    }) {
        line.push(b'\n');
        if results.write_all(&line).is_err() {
            fatal("could not write to the results file");
        }
        // Announced before the first command is read, at the loop's top.
        outbox.result_written();
    }
    loop {
        if commands.buffer().is_empty() {
            // About to block on the harness: it must know of every result.
            outbox.announce();
        }
        line.clear();
        match commands.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                retire(
                    &mut results,
                    &format!("its command pipe (fd 4) failed: {e}"),
                );
                outbox.announce();
                std::process::exit(0);
            }
        }
        let mut command: RunTest = match crate::json::from_str(&line) {
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
        if retry.source() != command.only_rerun.as_deref() {
            retry = RetryFilter::from_source(command.only_rerun.as_deref());
        }
        outbox.test_started();
        super::checkpoint::begin_in_worker(command.index, command.resume.take());
        let mut outcome = {
            let mut on_retry = |attempt: Attempt| {
                super::capture::flush_std();
                let line = RetryingLine {
                    retrying: RetryingAttempt {
                        index: command.index,
                        stdout_end: fd_size(1),
                        stderr_end: fd_size(2),
                        attempt,
                    },
                };
                let Ok(mut encoded) = crate::json::to_vec(&line) else {
                    fatal("could not encode a failed attempt");
                };
                encoded.push(b'\n');
                if results.write_all(&encoded).is_err() {
                    fatal("could not write a failed attempt to the results file");
                }
                // At once: the harness restarts the test's clock when it
                // reads this, and the next attempt is already running.
                outbox.result_written();
                outbox.announce();
                outbox.test_started();
            };
            execute::run_test(
                case,
                &command.budget,
                &retry,
                command.attempts_before,
                &mut on_retry,
            )
        };
        super::checkpoint::end();
        super::capture::flush_std();
        // A test that closed or replaced one of the protocol descriptors
        // broke this worker: it fails, and the worker stops after reporting
        // it, so the tests queued behind are not blamed for its exit.
        let broken = pipes.changed();
        if let Some(broken) = &broken {
            outcome.status = Status::Failed(Failure::new(
                FailureKind::Harness,
                format!("the test closed or replaced {broken}, so its worker stopped"),
            ));
        }
        let done = TestDone {
            index: command.index,
            stdout_end: fd_size(1),
            stderr_end: fd_size(2),
            outcome,
        };
        encoded.clear();
        if crate::json::to_writer(&mut encoded, &done).is_err() {
            fatal("could not encode a result");
        }
        encoded.push(b'\n');
        // One write of a whole line, before the next command is read: once
        // it returns, the result outlives this process.
        if results.write_all(&encoded).is_err() {
            fatal("could not write a result to the results file");
        }
        outbox.result_written();
        if let Some(broken) = broken {
            retire(&mut results, &format!("a test broke {broken}"));
            outbox.announce();
            std::process::exit(0);
        }
    }
    // The harness closed the command pipe: the run is over.
    retire(&mut results, "the run is over");
    outbox.announce();
    std::process::exit(0)
}

/// What fds 3, 4 and 5 were when the worker started (device and inode), to
/// notice a test that closes or replaces one.
struct ProtocolFds([Option<(u64, u64)>; 3]);

impl ProtocolFds {
    const NAMES: [&str; 3] = [
        "fd 3 (the worker's results file)",
        "fd 4 (the worker's command pipe)",
        "fd 5 (the worker's wake pipe)",
    ];

    fn now() -> ProtocolFds {
        ProtocolFds([RESULTS_FD, COMMANDS_FD, WAKE_FD].map(identity))
    }

    /// The first descriptor that is no longer what it was, by name.
    fn changed(&self) -> Option<&'static str> {
        let now = ProtocolFds::now();
        (0..3)
            .find(|&i| now.0[i] != self.0[i])
            .map(|i| Self::NAMES[i])
    }
}

fn identity(fd: i32) -> Option<(u64, u64)> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a whole `stat` into the buffer when it returns 0,
    // and the buffer is read only then.
    unsafe {
        (libc::fstat(fd, stat.as_mut_ptr()) == 0).then(|| {
            let stat = stat.assume_init();
            (stat.st_dev, stat.st_ino)
        })
    }
}

/// Tells the harness, through the wake pipe, that results are waiting in
/// the results file.
///
/// A wake-up per result would be one pipe write and one wake-up of the
/// harness per test: most of the cost of a trivial test. So the harness is
/// woken once per batch, when the worker runs out of queued commands. But
/// results must never wait behind a slow test (the console would lag, and
/// the harness times a test from the previous result), so a flusher thread
/// wakes the harness once the running test has taken more than
/// [`ANNOUNCE_AFTER`].
#[derive(Clone)]
struct Outbox {
    shared: Arc<(Mutex<Pending>, Condvar)>,
}

struct Pending {
    wake: File,
    /// Results were written that the harness has not been woken for.
    unannounced: bool,
    test_started: Option<Instant>,
    /// The flusher is waiting without a timeout, because nothing is
    /// unannounced. It is woken once per batch, when results start to pile
    /// up; while they are pending it polls, so no test pays for waking it.
    parked: bool,
}

/// How long a test may run before the results written before it are
/// announced.
const ANNOUNCE_AFTER: Duration = Duration::from_millis(1);

impl Outbox {
    fn start(wake: File) -> Outbox {
        let outbox = Outbox {
            shared: Arc::new((
                Mutex::new(Pending {
                    wake,
                    unannounced: false,
                    test_started: None,
                    parked: false,
                }),
                Condvar::new(),
            )),
        };
        let flusher = outbox.clone();
        let spawned = std::thread::Builder::new()
            .name("leanvibe-result-flusher".into())
            .spawn(move || flusher.announce_behind_slow_tests());
        if spawned.is_err() {
            fatal("could not start the result flusher thread");
        }
        outbox
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        // The flusher never panics while holding the lock; a poisoned lock
        // still guards plain values.
        self.shared.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn test_started(&self) {
        self.lock().test_started = Some(Instant::now());
    }

    fn result_written(&self) {
        let mut pending = self.lock();
        pending.test_started = None;
        if pending.parked && !pending.unannounced {
            self.shared.1.notify_one();
        }
        pending.unannounced = true;
    }

    fn announce(&self) {
        announce(&mut self.lock());
    }

    /// The flusher thread: sleeps while nothing is unannounced; otherwise
    /// checks every [`ANNOUNCE_AFTER`] whether a test has been running that
    /// long.
    fn announce_behind_slow_tests(&self) {
        let (lock, wake) = &*self.shared;
        let mut pending = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let slow = pending
                .test_started
                .is_some_and(|started| started.elapsed() >= ANNOUNCE_AFTER);
            if slow {
                announce(&mut pending);
            }
            pending = if pending.unannounced {
                wake.wait_timeout(pending, ANNOUNCE_AFTER)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            } else {
                pending.parked = true;
                let mut woken = wake.wait(pending).unwrap_or_else(|p| p.into_inner());
                woken.parked = false;
                woken
            };
        }
    }
}

fn announce(pending: &mut Pending) {
    if !pending.unannounced {
        return;
    }
    if pending.wake.write_all(b"r").is_err() {
        // The harness is gone; nobody is left to report to.
        std::process::exit(101);
    }
    pending.unannounced = false;
}

/// How far output to `fd` has got: the offset of its capture file, which only
/// ever grows since everything writing to it (this worker, its threads and
/// children) shares that one file description. 0 when `fd` is not seekable
/// (`--nocapture`: a terminal or pipe). One `lseek`, cheaper than a `stat`.
fn fd_size(fd: i32) -> u64 {
    // SAFETY: lseek on fd 1 or 2, which stay open for the worker's life.
    let offset = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
    u64::try_from(offset).unwrap_or(0)
}

fn is_pipe(fd: i32) -> bool {
    file_type(fd) == Some(libc::S_IFIFO)
}

fn is_regular_file(fd: i32) -> bool {
    file_type(fd) == Some(libc::S_IFREG)
}

fn file_type(fd: i32) -> Option<libc::mode_t> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a whole `stat` into the buffer when it returns 0,
    // and the buffer is read only then.
    unsafe {
        (libc::fstat(fd, stat.as_mut_ptr()) == 0).then(|| stat.assume_init().st_mode & libc::S_IFMT)
    }
}

fn fatal(message: &str) -> ! {
    eprintln!("leanvibe worker: {message}");
    std::process::exit(101)
}
