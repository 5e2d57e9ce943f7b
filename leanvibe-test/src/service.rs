//! Real services for integration tests: start a server process on a free
//! loopback port, wait until it is ready, keep its log, kill it on drop.
//!
//! ```no_run,standalone_crate
//! use leanvibe_test::prelude::*;
//! use leanvibe_test::service::{self, ServiceFixture};
//!
//! #[plugin_test(tags = ["integration"])]
//! fn caches_in_redis() {
//!     // Skips the test (reported as skipped) when redis-server is absent.
//!     let redis = service::require!(ServiceFixture::redis());
//!     let url = redis.url("redis"); // redis://127.0.0.1:<port>
//!     // ... connect to `url` ...
//! }
//! # leanvibe_test::main!();
//! ```
//!
//! When the program is not installed, [`require!`] ends the test as skipped
//! (`ignored, redis-server not installed` on the console, `skipped` in the
//! reports): never a silent pass. Set `LEANVIBE_TEST_REQUIRE_SERVICES=1` (as
//! CI does, where it installs the services) to make a missing program a
//! failure instead.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long [`ServiceBuilder::start`] waits for readiness by default.
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The environment variable that makes [`require!`] fail instead of
/// skipping when the program is missing (as `CI=true` does too); see
/// [`prerequisite_missing`](crate::prerequisite_missing).
pub const REQUIRE_SERVICES_ENV: &str = crate::REQUIRE_PREREQUISITES_ENV;

/// How many lines of the log an error or a failing test shows.
const LOG_TAIL_LINES: usize = 30;

/// How many fresh ports to try when the server loses the race for its port
/// (it was free when we probed, then taken before the server bound it).
const PORT_ATTEMPTS: usize = 3;

/// When a started service counts as ready.
///
/// ```
/// use leanvibe_test::service::Readiness;
/// let ready = Readiness::LogContains("Ready to accept connections".into());
/// assert_ne!(ready, Readiness::TcpAccept);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Readiness {
    /// A TCP connection to `127.0.0.1:{port}` succeeds.
    TcpAccept,
    /// The service's log (stdout and stderr) contains this text.
    LogContains(String),
}

/// Describes a service to start: program, arguments, readiness check.
///
/// In arguments, `{port}` is replaced by the chosen free port and `{dir}` by
/// the service's own temporary directory (also its working directory).
///
/// ```no_run
/// use leanvibe_test::service::{Readiness, ServiceFixture};
/// use std::time::Duration;
///
/// let memcached = ServiceFixture::builder("memcached")
///     .args(["-l", "127.0.0.1", "-p", "{port}"])
///     .readiness(Readiness::TcpAccept)
///     .startup_timeout(Duration::from_secs(5))
///     .start()?;
/// println!("memcached on {}", memcached.addr());
/// # Ok::<(), leanvibe_test::service::ServiceError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "call .start() to run the service"]
pub struct ServiceBuilder {
    program: String,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    readiness: Readiness,
    startup_timeout: Duration,
}

impl ServiceBuilder {
    /// Appends arguments (`{port}` and `{dir}` are substituted at start).
    ///
    /// ```
    /// let b = leanvibe_test::service::ServiceFixture::builder("redis-server").args(["--port", "{port}"]);
    /// ```
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the service (`{port}`/`{dir}` are
    /// substituted in the value).
    ///
    /// ```
    /// let b = leanvibe_test::service::ServiceFixture::builder("server").env("PORT", "{port}");
    /// ```
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Sets the readiness check (default [`Readiness::TcpAccept`]).
    ///
    /// ```
    /// use leanvibe_test::service::{Readiness, ServiceFixture};
    /// let b = ServiceFixture::builder("server").readiness(Readiness::LogContains("listening".into()));
    /// ```
    pub fn readiness(mut self, readiness: Readiness) -> Self {
        self.readiness = readiness;
        self
    }

    /// Sets how long to wait for readiness (default [`DEFAULT_STARTUP_TIMEOUT`]).
    ///
    /// ```
    /// let b = leanvibe_test::service::ServiceFixture::builder("server")
    ///     .startup_timeout(std::time::Duration::from_secs(30));
    /// ```
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// Starts the service on a free loopback port and blocks until it is
    /// ready (a few milliseconds for redis, so calling it from an async test
    /// is fine). Start it on the test's own thread, not in `spawn_blocking`
    /// or a helper thread: on Linux the service is killed when the thread
    /// that started it exits (so it never outlives a killed test process).
    ///
    /// Errors: [`ServiceError::NotInstalled`] when the program is not found;
    /// [`ServiceError::FailedToStart`] (with the log's last lines) when it
    /// exits early or is not ready in time.
    ///
    /// ```no_run
    /// let echo = leanvibe_test::service::ServiceFixture::builder("ncat")
    ///     .args(["-l", "127.0.0.1", "{port}", "--keep-open"])
    ///     .start()?;
    /// # Ok::<(), leanvibe_test::service::ServiceError>(())
    /// ```
    pub fn start(&self) -> Result<ServiceFixture, ServiceError> {
        let mut attempt = 1;
        loop {
            match self.start_once() {
                Err(ServiceError::FailedToStart { ref log_tail, .. })
                    if attempt < PORT_ATTEMPTS && lost_port_race(log_tail) =>
                {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn start_once(&self) -> Result<ServiceFixture, ServiceError> {
        let io_error = |context: &str, source| ServiceError::Io {
            program: self.program.clone(),
            context: context.to_owned(),
            source,
        };
        let port = free_port().map_err(|e| io_error("could not find a free port", e))?;
        let dir = tempfile::Builder::new()
            .prefix("leanvibe-service-")
            .tempdir()
            .map_err(|e| io_error("could not create a temporary directory", e))?;
        let log_path = dir.path().join("service.log");
        let log = File::create(&log_path).map_err(|e| io_error("could not create the log", e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| io_error("could not share the log", e))?;
        let substitute = |s: &str| {
            s.replace("{port}", &port.to_string())
                .replace("{dir}", &dir.path().to_string_lossy())
        };

        let mut command = Command::new(&self.program);
        command
            .args(self.args.iter().map(|a| substitute(a)))
            .envs(self.envs.iter().map(|(k, v)| (k, substitute(v))))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        tie_lifetime_to_test(&mut command);
        let child = match command.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(ServiceError::NotInstalled {
                    program: self.program.clone(),
                });
            }
            Err(e) => return Err(io_error("could not spawn", e)),
        };
        let mut service = ServiceFixture {
            program: self.program.clone(),
            port,
            child: Some(child),
            log_path,
            _dir: dir,
        };
        service.wait_ready(&self.readiness, self.startup_timeout)?;
        Ok(service)
    }
}

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
/// # Ok::<(), leanvibe_test::service::ServiceError>(())
/// ```
pub struct ServiceFixture {
    program: String,
    port: u16,
    child: Option<Child>,
    log_path: PathBuf,
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
        ServiceBuilder {
            program: program.into(),
            args: Vec::new(),
            envs: Vec::new(),
            readiness: Readiness::TcpAccept,
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
        }
    }

    /// A throwaway `redis-server`: loopback only, no persistence, its data
    /// directory a temporary one.
    ///
    /// ```no_run
    /// let redis = leanvibe_test::service::ServiceFixture::redis()?;
    /// # Ok::<(), leanvibe_test::service::ServiceError>(())
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
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        kill_group(&mut child)?;
        child.wait()
    }

    fn wait_ready(&mut self, readiness: &Readiness, timeout: Duration) -> Result<(), ServiceError> {
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_millis(5);
        loop {
            let child = self.child.as_mut().expect("running until ready");
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
                    TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200)).is_ok()
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

/// Why a service could not be started.
///
/// ```
/// use leanvibe_test::service::ServiceError;
/// let e = ServiceError::NotInstalled { program: "redis-server".into() };
/// assert_eq!(e.to_string(), "redis-server not installed (not found on PATH)");
/// assert!(e.is_not_installed());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The program is not on `PATH`: a test may skip.
    #[error("{program} not installed (not found on PATH)")]
    NotInstalled {
        /// The program looked for.
        program: String,
    },
    /// The program started but exited early or was not ready in time.
    #[error(
        "{program} failed to start: {reason}\n--- last lines of {} ---\n{log_tail}\n--- end ---",
        log_path.display()
    )]
    FailedToStart {
        /// The program started.
        program: String,
        /// What went wrong.
        reason: String,
        /// The full log.
        log_path: PathBuf,
        /// The log's last lines.
        log_tail: String,
    },
    /// Preparing or spawning the process failed.
    #[error("{program}: {context}: {source}")]
    Io {
        /// The program concerned.
        program: String,
        /// The step that failed.
        context: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

impl ServiceError {
    /// `true` for [`ServiceError::NotInstalled`].
    ///
    /// ```
    /// let e = leanvibe_test::service::ServiceError::NotInstalled { program: "x".into() };
    /// assert!(e.is_not_installed());
    /// ```
    pub fn is_not_installed(&self) -> bool {
        matches!(self, ServiceError::NotInstalled { .. })
    }
}

/// Starts a service or skips the test: evaluates to the [`ServiceFixture`].
/// When the program is not installed, the test ends as skipped with
/// `<program> not installed` (see [`crate::skip`]); with
/// [`REQUIRE_SERVICES_ENV`] set (not `0`), as CI sets it where it installs the
/// services, a missing program fails the test instead. A service that fails
/// to start fails the test with its log tail.
///
/// ```no_run
/// use leanvibe_test::service::{self, ServiceFixture};
///
/// fn test() -> Result<(), String> {
///     let redis = service::require!(ServiceFixture::redis());
///     assert_ne!(redis.port(), 0);
///     Ok(())
/// }
/// ```
pub use crate::__service_require as require;

#[doc(hidden)]
#[macro_export]
macro_rules! __service_require {
    ($start:expr $(,)?) => {
        $crate::service::started_or_skip($start)
    };
}

/// What [`require!`] does, as a function: the service, or a skip (not
/// installed), or a panic with the reason (failed to start, or not installed
/// while [`REQUIRE_SERVICES_ENV`] is set).
///
/// ```no_run
/// use leanvibe_test::service::{started_or_skip, ServiceFixture};
/// let redis = started_or_skip(ServiceFixture::redis());
/// ```
pub fn started_or_skip(started: Result<ServiceFixture, ServiceError>) -> ServiceFixture {
    started_or_skip_unless(started, services_required())
}

fn started_or_skip_unless(
    started: Result<ServiceFixture, ServiceError>,
    required: bool,
) -> ServiceFixture {
    match started {
        Ok(service) => service,
        Err(ServiceError::NotInstalled { program }) if !required => {
            eprintln!("skipped: {program} not installed");
            crate::skip(format!("{program} not installed"))
        }
        Err(ServiceError::NotInstalled { program }) => {
            crate::skip::fail_missing(&format!("{program} not installed"))
        }
        Err(e) => panic!("{e}"),
    }
}

fn services_required() -> bool {
    crate::skip::prerequisites_required()
}

/// Asks the OS for a free port by binding port 0, then releases it for the
/// service. Another process can take it in between; `start` retries then.
fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

fn lost_port_race(log_tail: &str) -> bool {
    let log = log_tail.to_ascii_lowercase();
    log.contains("address already in use") || log.contains("addrinuse")
}

fn read_tail(path: &Path, lines: usize) -> String {
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
fn tie_lifetime_to_test(command: &mut Command) {
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
fn tie_lifetime_to_test(_command: &mut Command) {}

#[cfg(unix)]
fn kill_group(child: &mut Child) -> io::Result<()> {
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
fn kill_group(child: &mut Child) -> io::Result<()> {
    child.kill()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

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
            let state =
                std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
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
}
