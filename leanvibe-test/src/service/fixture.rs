//! A running service: where it listens, its log, and stopping it (on drop
//! too, with the log shown when the test is failing).

use super::builder::{Readiness, ServiceBuilder};
use super::listener::listener_belongs_to;
use super::process::{kill_group, read_tail};
use crate::errors::ServiceError;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// How many lines of the log an error or a failing test shows.
pub(super) const LOG_TAIL_LINES: usize = 30;

/// A running service process, killed (with its process group) on drop.
///
/// If the test is panicking when the fixture drops, the last lines of the
/// service's log are printed to stderr, so they show in the test's output.
///
/// ```no_run
/// use leanvibe_test::service::ServiceFixture;
///
/// let redis = ServiceFixture::redis()?;
/// assert!(redis.url("redis").starts_with("redis://127.0.0.1:"));
/// println!("{}", redis.log_tail(5));
/// # Ok::<(), leanvibe_test::errors::ServiceError>(())
/// ```
pub struct ServiceFixture {
    program: String,
    port: u16,
    child: Option<Child>,
    log_path: PathBuf,
    /// Stop by this signal, killing after the grace period.
    graceful_stop: Option<(i32, Duration)>,
    // Deleted on drop, after the process is gone.
    _dir: tempfile::TempDir,
}

impl ServiceFixture {
    /// Describes a service to start: see [`ServiceBuilder`].
    ///
    /// ```
    /// let builder = leanvibe_test::service::ServiceFixture::builder("redis-server");
    /// ```
    pub fn builder(program: impl Into<String>) -> ServiceBuilder {
        ServiceBuilder::new(program.into())
    }

    /// A fixture for a process [`ServiceBuilder`] spawned, not yet ready.
    pub(super) fn started(
        program: String,
        port: u16,
        child: Child,
        log_path: PathBuf,
        dir: tempfile::TempDir,
        graceful_stop: Option<(i32, Duration)>,
    ) -> ServiceFixture {
        super::process::stop_at_exit(child.id(), graceful_stop, dir.path());
        ServiceFixture {
            program,
            port,
            child: Some(child),
            log_path,
            graceful_stop,
            _dir: dir,
        }
    }

    /// A throwaway `redis-server`: loopback only, no persistence, its data
    /// directory a temporary one.
    ///
    /// ```no_run
    /// let redis = leanvibe_test::service::ServiceFixture::redis()?;
    /// # Ok::<(), leanvibe_test::errors::ServiceError>(())
    /// ```
    pub fn redis() -> Result<ServiceFixture, ServiceError> {
        Self::builder("redis-server")
            .args(["--port", "{port}", "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir", "{dir}"])
            .start()
    }

    /// The program that was started.
    ///
    /// ```no_run
    /// # let redis = leanvibe_test::service::ServiceFixture::redis().unwrap();
    /// assert_eq!(redis.program(), "redis-server");
    /// ```
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The loopback port the service listens on.
    ///
    /// ```no_run
    /// # let redis = leanvibe_test::service::ServiceFixture::redis().unwrap();
    /// assert_ne!(redis.port(), 0);
    /// ```
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:{port}`.
    ///
    /// ```no_run
    /// # let redis = leanvibe_test::service::ServiceFixture::redis().unwrap();
    /// assert!(redis.addr().ip().is_loopback());
    /// ```
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port))
    }

    /// `{scheme}://127.0.0.1:{port}`.
    ///
    /// ```no_run
    /// # let redis = leanvibe_test::service::ServiceFixture::redis().unwrap();
    /// let url = redis.url("redis");
    /// ```
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr())
    }

    /// Where the service's stdout and stderr go.
    ///
    /// ```no_run
    /// # let redis = leanvibe_test::service::ServiceFixture::redis().unwrap();
    /// assert!(redis.log_path().exists());
    /// ```
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The last `lines` lines of the service's log.
    ///
    /// ```no_run
    /// # let redis = leanvibe_test::service::ServiceFixture::redis().unwrap();
    /// eprintln!("{}", redis.log_tail(10));
    /// ```
    pub fn log_tail(&self, lines: usize) -> String {
        read_tail(&self.log_path, lines)
    }

    /// Stops the service now (as drop would) and returns how it exited.
    ///
    /// ```no_run
    /// # let redis = leanvibe_test::service::ServiceFixture::redis().unwrap();
    /// let status = redis.stop()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stop(mut self) -> io::Result<ExitStatus> {
        self.kill()
    }

    fn kill(&mut self) -> io::Result<ExitStatus> {
        let Some(mut child) = self.child.take() else {
            return Err(io::Error::other("service already stopped"));
        };
        super::process::forget_at_exit(child.id());
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if let Some((signal, grace)) = self.graceful_stop {
            let pid = libc::pid_t::try_from(child.id()).map_err(io::Error::other)?;
            // SAFETY: `kill` has no memory-safety preconditions; the pid is
            // our child's, not yet reaped, so it names no other process.
            if unsafe { libc::kill(pid, signal) } == 0 {
                let deadline = Instant::now() + grace;
                while Instant::now() < deadline {
                    if child.try_wait()?.is_some() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
        // Also what the service's own children left behind.
        kill_group(&mut child)?;
        child.wait()
    }

    pub(super) fn wait_ready(
        &mut self,
        readiness: &Readiness,
        timeout: Duration,
    ) -> Result<(), ServiceError> {
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_millis(5);
        let mut foreign_listener = false;
        loop {
            let child = self.child.as_mut().expect("running until ready");
            // The service leads its own process group (`tie_lifetime_to_test`).
            let group = child.id();
            match child.try_wait() {
                Ok(Some(status)) => {
                    return Err(
                        self.failed(format!("it exited with {status} before becoming ready"))
                    );
                }
                Ok(None) => {}
                Err(e) => return Err(self.failed(format!("could not poll it: {e}"))),
            }
            let ready = match readiness {
                Readiness::TcpAccept => {
                    let accepts =
                        TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200))
                            .is_ok();
                    // A process that took the port after we probed it
                    // accepts too, while the service fails to bind.
                    let foreign = accepts && listener_belongs_to(group, self.port) == Some(false);
                    foreign_listener |= foreign;
                    accepts && !foreign
                }
                Readiness::LogContains(text) => {
                    std::fs::read_to_string(&self.log_path).is_ok_and(|log| log.contains(text))
                }
            };
            if ready {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let what = match readiness {
                    Readiness::TcpAccept if foreign_listener => format!(
                        "accept TCP connections on {} (another process listens there)",
                        self.addr()
                    ),
                    Readiness::TcpAccept => format!("accept TCP connections on {}", self.addr()),
                    Readiness::LogContains(text) => format!("log {text:?}"),
                };
                let reason = format!("it did not {what} within {timeout:?}");
                let _ = self.kill();
                return Err(self.failed(reason));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }

    fn failed(&self, reason: String) -> ServiceError {
        ServiceError::FailedToStart {
            program: self.program.clone(),
            reason,
            log_path: self.log_path.clone(),
            log_tail: self.log_tail(LOG_TAIL_LINES),
        }
    }
}

impl fmt::Debug for ServiceFixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceFixture")
            .field("program", &self.program)
            .field("port", &self.port)
            .field("pid", &self.child.as_ref().map(Child::id))
            .field("log_path", &self.log_path)
            .finish()
    }
}

impl Drop for ServiceFixture {
    fn drop(&mut self) {
        if self.child.is_none() {
            return;
        }
        if std::thread::panicking() {
            eprintln!(
                "--- {} on port {}: last {LOG_TAIL_LINES} lines of {} ---\n{}\n--- end of {} log ---",
                self.program,
                self.port,
                self.log_path.display(),
                self.log_tail(LOG_TAIL_LINES),
                self.program,
            );
        }
        if let Err(e) = self.kill() {
            eprintln!("leanvibe-test: could not stop {}: {e}", self.program);
        }
    }
}
