//! What to start and how to tell it is ready: [`ServiceBuilder`] spawns the
//! program on a free port and hands over a running [`ServiceFixture`].

use super::DEFAULT_STARTUP_TIMEOUT;
use super::fixture::ServiceFixture;
use super::process::{free_port, lost_port_race, tie_lifetime_to_test};
use crate::errors::ServiceError;
use std::fs::File;
use std::io;
use std::process::{Command, Stdio};
use std::time::Duration;

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
/// # Ok::<(), leanvibe_test::errors::ServiceError>(())
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
    /// What [`ServiceFixture::builder`] returns.
    pub(super) fn new(program: String) -> ServiceBuilder {
        ServiceBuilder {
            program,
            args: Vec::new(),
            envs: Vec::new(),
            readiness: Readiness::TcpAccept,
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
        }
    }

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
    /// # Ok::<(), leanvibe_test::errors::ServiceError>(())
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
        let mut service = ServiceFixture::started(self.program.clone(), port, child, log_path, dir);
        service.wait_ready(&self.readiness, self.startup_timeout)?;
        Ok(service)
    }
}
