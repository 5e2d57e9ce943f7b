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
    /// A TCP connection to `127.0.0.1:{port}` succeeds, and (on Linux) the
    /// listening socket belongs to the service's process group: another
    /// process that took the port first is not the service. A service that
    /// daemonizes into a session of its own is therefore never ready this
    /// way; wait for a log line instead.
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
    /// Commands run to completion in `{dir}` before the service starts.
    init: Vec<(String, Vec<String>)>,
    /// As root, run as an unprivileged user.
    unprivileged: bool,
    /// Asked to stop with this signal, killed after the grace period.
    graceful_stop: Option<(i32, Duration)>,
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
            init: Vec::new(),
            unprivileged: false,
            graceful_stop: None,
        }
    }

    /// Runs `program` with `args` to completion in the service's directory
    /// before the service starts (`{port}` and `{dir}` substituted; output
    /// into the service's log), as the same user: a database's `initdb`.
    /// If it fails, [`start`](Self::start) fails with its log.
    ///
    /// ```
    /// let b = leanvibe_test::service::ServiceFixture::builder("postgres")
    ///     .init("initdb", ["-D", "{dir}/data"]);
    /// ```
    pub fn init<I, S>(mut self, program: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.init
            .push((program.into(), args.into_iter().map(Into::into).collect()));
        self
    }

    /// When the tests run as root (as in many CI containers), runs the
    /// service and its [`init`](Self::init) commands as an unprivileged
    /// user instead: `postgres` if the system has one, else `nobody`. Its
    /// directory is handed to that user. Servers that refuse to run as root
    /// (PostgreSQL) need this.
    ///
    /// ```
    /// let b = leanvibe_test::service::ServiceFixture::builder("postgres").unprivileged();
    /// ```
    pub fn unprivileged(mut self) -> Self {
        self.unprivileged = true;
        self
    }

    /// Stops the service by sending it `signal` and waiting up to `grace`
    /// before killing its process group, so that it can clean up (a
    /// database frees its shared memory). The default is to kill at once.
    ///
    /// ```
    /// let b = leanvibe_test::service::ServiceFixture::builder("postgres")
    ///     .graceful_stop(libc::SIGINT, std::time::Duration::from_secs(5));
    /// ```
    pub fn graceful_stop(mut self, signal: i32, grace: Duration) -> Self {
        self.graceful_stop = Some((signal, grace));
        self
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
        let substitute = |s: &str| {
            s.replace("{port}", &port.to_string())
                .replace("{dir}", &dir.path().to_string_lossy())
        };
        let user = if self.unprivileged {
            unprivileged_user(dir.path())
                .map_err(|e| io_error("could not hand its directory to an unprivileged user", e))?
        } else {
            None
        };
        // The service and its preparation commands alike: in its directory,
        // with its environment, writing to its log, as its user.
        let command_for = |program: &str, args: &[String]| -> Result<Command, ServiceError> {
            let out = log
                .try_clone()
                .map_err(|e| io_error("could not share the log", e))?;
            let err = log
                .try_clone()
                .map_err(|e| io_error("could not share the log", e))?;
            let mut command = Command::new(program);
            command
                .args(args.iter().map(|a| substitute(a)))
                .envs(self.envs.iter().map(|(k, v)| (k, substitute(v))))
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err);
            if let Some((uid, gid)) = user {
                use std::os::unix::process::CommandExt;
                command.uid(uid).gid(gid);
            }
            Ok(command)
        };
        for (program, args) in &self.init {
            let status = match command_for(program, args)?.status() {
                Ok(status) => status,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(ServiceError::NotInstalled {
                        program: program.clone(),
                    });
                }
                Err(e) => return Err(io_error(&format!("could not run {program}"), e)),
            };
            if !status.success() {
                return Err(ServiceError::FailedToStart {
                    program: self.program.clone(),
                    reason: format!("its preparation `{program}` exited with {status}"),
                    log_tail: super::process::read_tail(&log_path, super::fixture::LOG_TAIL_LINES),
                    log_path,
                });
            }
        }

        let mut command = command_for(&self.program, &self.args)?;
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
        let mut service = ServiceFixture::started(
            self.program.clone(),
            port,
            child,
            log_path,
            dir,
            self.graceful_stop,
        );
        service.wait_ready(&self.readiness, self.startup_timeout)?;
        Ok(service)
    }
}

/// As root: the user to run a service as (`postgres` if it exists, else
/// `nobody`), with `dir` handed to it. Not root: `None`, nothing changes.
fn unprivileged_user(dir: &std::path::Path) -> io::Result<Option<(u32, u32)>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let (uid, gid) = ["postgres", "nobody"]
        .into_iter()
        .find_map(user_ids)
        .ok_or_else(|| io::Error::other("neither a `postgres` nor a `nobody` user exists"))?;
    std::os::unix::fs::chown(dir, Some(uid), Some(gid))?;
    Ok(Some((uid, gid)))
}

/// The uid and gid of the user called `name`.
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let name = std::ffi::CString::new(name).ok()?;
    let mut entry = std::mem::MaybeUninit::<libc::passwd>::uninit();
    let mut buffer = vec![0 as libc::c_char; 4096];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwnam_r writes into `entry` and `buffer`, whose sizes are
    // passed, and sets `found` to `entry` or null; `entry` is read only when
    // it was set.
    let code = unsafe {
        libc::getpwnam_r(
            name.as_ptr(),
            entry.as_mut_ptr(),
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if code != 0 || found.is_null() {
        return None;
    }
    // SAFETY: `found` is non-null, so getpwnam_r filled `entry`.
    let entry = unsafe { entry.assume_init() };
    Some((entry.pw_uid, entry.pw_gid))
}
