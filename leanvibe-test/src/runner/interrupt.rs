//! SIGINT, SIGTERM and SIGHUP sent to the harness.
//!
//! The first such signal stops the run in order: the handler only writes
//! the signal's number to a pipe; the runner reads it (the pool polls the
//! pipe with its workers' pipes; the in-process runner has a thread block
//! on it), stops its workers, marks the tests that were running as
//! interrupted, writes every report and exits with `128 + signal`. A
//! second signal ends the process at once, as a user pressing Ctrl-C twice
//! expects; the workers die with it (they are started with a parent-death
//! signal), and so does everything in their process groups.

use std::io::Read;
use std::os::fd::{AsRawFd, IntoRawFd, RawFd};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering::SeqCst};

/// A signal that asks the run to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signal(pub i32);

impl Signal {
    /// `SIGTERM`, `SIGINT`, ...
    pub(crate) fn name(self) -> &'static str {
        match self.0 {
            libc::SIGINT => "SIGINT",
            libc::SIGTERM => "SIGTERM",
            libc::SIGHUP => "SIGHUP",
            _ => "a signal",
        }
    }

    /// The shell's convention for a process ended by this signal.
    pub(crate) fn exit_code(self) -> i32 {
        128 + self.0
    }
}

/// Write end of the pipe the handler writes signal numbers to; -1 before
/// the handlers are installed.
static PIPE: AtomicI32 = AtomicI32::new(-1);
/// Signals received so far.
static RECEIVED: AtomicU32 = AtomicU32::new(0);

/// The read end of the signal pipe, non-blocking.
pub(crate) struct Interrupts {
    pipe: std::io::PipeReader,
}

/// Installs the handlers (once per process) and returns the pipe they
/// write to. `None`, with a warning printed, if that failed: the run then
/// goes on without writing reports on a signal.
pub(crate) fn listen() -> Option<&'static Interrupts> {
    static INTERRUPTS: OnceLock<Option<Interrupts>> = OnceLock::new();
    INTERRUPTS
        .get_or_init(|| match install() {
            Ok(interrupts) => Some(interrupts),
            Err(e) => {
                eprintln!(
                    "warning: cannot handle SIGINT/SIGTERM ({e}): an interrupted run writes no reports"
                );
                None
            }
        })
        .as_ref()
}

impl Interrupts {
    /// The fd to poll for readability.
    pub(crate) fn fd(&self) -> RawFd {
        self.pipe.as_raw_fd()
    }

    /// The first signal received, if one is waiting in the pipe.
    pub(crate) fn take(&self) -> Option<Signal> {
        let mut byte = [0u8; 1];
        match (&self.pipe).read(&mut byte) {
            Ok(1) => Some(Signal(i32::from(byte[0]))),
            _ => None,
        }
    }

    /// Calls `callback` on a thread of its own when a signal arrives.
    pub(crate) fn on_thread(
        &'static self,
        callback: impl Fn(Signal) + Send + 'static,
    ) -> std::io::Result<()> {
        std::thread::Builder::new()
            .name("leanvibe-signals".into())
            .spawn(move || {
                loop {
                    let mut poll = libc::pollfd {
                        fd: self.fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd; no timeout.
                    unsafe { libc::poll(&mut poll, 1, -1) };
                    if let Some(signal) = self.take() {
                        callback(signal);
                    }
                }
            })?;
        Ok(())
    }
}

fn install() -> std::io::Result<Interrupts> {
    let (reader, writer) = std::io::pipe()?;
    // SAFETY: fcntl on a pipe we own: reads must not block the pool's loop.
    unsafe {
        let flags = libc::fcntl(reader.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(reader.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
    PIPE.store(writer.into_raw_fd(), SeqCst);
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a zeroed sigaction is valid; the handler only touches
        // atomics and calls the async-signal-safe `write` and `_exit`.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handle as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(Interrupts { pipe: reader })
}

extern "C" fn handle(signal: libc::c_int) {
    if RECEIVED.fetch_add(1, SeqCst) > 0 {
        // The workers die with the harness (parent-death signal); what
        // their tests started is in their process groups.
        super::spawn::live_groups::kill_all();
        // SAFETY: `_exit` is async-signal-safe and ends the process.
        unsafe { libc::_exit(128 + signal) };
    }
    let byte = signal as u8;
    // SAFETY: `write` is async-signal-safe; the fd is the pipe's write end,
    // open for the life of the process.
    unsafe { libc::write(PIPE.load(SeqCst), (&raw const byte).cast(), 1) };
}
