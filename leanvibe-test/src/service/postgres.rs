//! PostgreSQL for tests: a throwaway server per worker, and a clean database
//! per test, created from a template that holds the plugin's migrations.
//!
//! ```no_run,standalone_crate
//! use leanvibe_test::prelude::*;
//! use leanvibe_test::service::{self, Migrations, PgDatabase, PgServer};
//!
//! // One server per worker process, migrated once.
//! #[fixture(scope = "worker")]
//! fn pg() -> PgServer {
//!     let server = service::require!(PgServer::start());
//!     server
//!         .with_template(Migrations::dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")))
//!         .expect("the migrations apply")
//! }
//!
//! // A fresh database for each test, dropped after it.
//! #[fixture]
//! fn db(pg: &PgServer) -> PgDatabase {
//!     pg.database().expect("a database from the template")
//! }
//!
//! #[plugin_test(tags = ["integration"])]
//! fn saves(db: PgDatabase) {
//!     db.execute("INSERT INTO items (id) VALUES (1)").unwrap();
//!     assert_eq!(db.execute("SELECT count(*) FROM items").unwrap(), "1");
//! }
//! # leanvibe_test::main!();
//! ```
//!
//! Administration (creating and dropping databases, applying `.sql`
//! migrations) goes through the server's own `psql`, so it needs no client
//! library and works from sync and async tests alike; with the `postgres`
//! feature, [`PgDatabase::connect`] gives a `tokio-postgres` client.

use super::fixture::ServiceFixture;
use crate::errors::ServiceError;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Set to a directory holding `postgres`, `initdb` and `psql` to choose a
/// PostgreSQL installation (else `pg_config --bindir`, Debian's
/// `/usr/lib/postgresql/<version>/bin`, then `PATH`).
pub const POSTGRES_BINDIR_ENV: &str = "LEANVIBE_POSTGRES_BINDIR";

/// Set to `1` to keep the database of a failing test (its name and URL are
/// printed) instead of dropping it.
pub const KEEP_DB_ENV: &str = "LEANVIBE_KEEP_DB";

/// The role the server is initialised with; trusted on loopback.
const SUPERUSER: &str = "postgres";

impl ServiceFixture {
    /// A throwaway PostgreSQL server: `initdb` into a temporary directory
    /// (trust authentication, UTF-8, C locale), then `postgres` listening on
    /// `127.0.0.1` only, on a free port, with its Unix socket in that
    /// directory and durability off (`fsync`, `synchronous_commit`,
    /// `full_page_writes`): a test database is thrown away, so nothing
    /// needs to survive a crash. As root (CI containers) it runs as the
    /// `postgres` user, else `nobody`, since PostgreSQL refuses root. It is
    /// stopped with a fast shutdown (SIGINT), which frees its shared memory.
    ///
    /// [`PgServer::start`] adds databases and migrations on top.
    ///
    /// ```no_run
    /// let pg = leanvibe_test::service::ServiceFixture::postgres()?;
    /// assert!(pg.url("postgres").starts_with("postgres://127.0.0.1:"));
    /// # Ok::<(), leanvibe_test::errors::ServiceError>(())
    /// ```
    pub fn postgres() -> Result<ServiceFixture, ServiceError> {
        start_postgres(&postgres_bindir()?)
    }
}

fn start_postgres(bindir: &Path) -> Result<ServiceFixture, ServiceError> {
    {
        let program = |name: &str| bindir.join(name).to_string_lossy().into_owned();
        ServiceFixture::builder(program("postgres"))
            .init(
                program("initdb"),
                [
                    "--pgdata={dir}/data",
                    "--username=postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                    "--no-instructions",
                ],
            )
            .args(["-D", "{dir}/data", "-p", "{port}", "-k", "{dir}"])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off"])
            .unprivileged()
            .graceful_stop(libc::SIGINT, Duration::from_secs(5))
            .readiness(super::Readiness::LogContains(
                "database system is ready to accept connections".into(),
            ))
            .startup_timeout(Duration::from_secs(30))
            .start()
    }
}

/// The directory of the PostgreSQL server programs; `NotInstalled` names
/// `postgres` when none is found.
fn postgres_bindir() -> Result<PathBuf, ServiceError> {
    let has_server = |dir: &Path| dir.join("postgres").is_file() && dir.join("initdb").is_file();
    let not_installed = || ServiceError::NotInstalled {
        program: "postgres".into(),
    };
    if let Some(dir) = std::env::var_os(POSTGRES_BINDIR_ENV) {
        let dir = PathBuf::from(dir);
        return if has_server(&dir) {
            Ok(dir)
        } else {
            Err(not_installed())
        };
    }
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if has_server(&dir) {
            return Ok(dir);
        }
    }
    // Debian and Ubuntu keep the server off PATH, one directory per major
    // version; the newest wins.
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse::<u32>().ok()?;
                Some((version, e.path().join("bin")))
            })
            .filter(|(_, dir)| has_server(dir))
            .collect();
        versions.sort();
        if let Some((_, dir)) = versions.pop() {
            return Ok(dir);
        }
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| has_server(dir))
        .ok_or_else(not_installed)
}

/// What a template database is prepared with, once per server.
///
/// ```
/// use leanvibe_test::service::Migrations;
/// let from_files = Migrations::dir("migrations");
/// let inline = Migrations::sql("CREATE TABLE items (id int PRIMARY KEY)");
/// let by_hand = Migrations::with(|url: &str| {
///     // run your migration tool against `url`, closing its connections
///     Ok(())
/// });
/// # let _ = (from_files, inline, by_hand);
/// ```
pub struct Migrations(MigrationSource);

enum MigrationSource {
    Dir(PathBuf),
    Sql(String),
    With(MigrateFn),
}

/// A migration function given the template's URL.
type MigrateFn = Box<dyn FnOnce(&str) -> Result<(), String> + Send>;

impl Migrations {
    /// Every `*.sql` file of `dir`, in name order (`001_items.sql`,
    /// `002_index.sql`, ...), each in one transaction, stopping at the
    /// first error.
    pub fn dir(dir: impl Into<PathBuf>) -> Migrations {
        Migrations(MigrationSource::Dir(dir.into()))
    }

    /// One SQL script, in one transaction.
    pub fn sql(script: impl Into<String>) -> Migrations {
        Migrations(MigrationSource::Sql(script.into()))
    }

    /// A function given the template database's URL: for a migration tool
    /// of your own. It must close its connections before returning, since
    /// PostgreSQL copies a template only while nobody is connected to it.
    pub fn with(migrate: impl FnOnce(&str) -> Result<(), String> + Send + 'static) -> Migrations {
        Migrations(MigrationSource::With(Box::new(migrate)))
    }
}

/// Where a server listens and how to reach it as its superuser: all a
/// database needs to create and drop itself, without borrowing the server.
#[derive(Debug, Clone)]
struct Admin {
    psql: PathBuf,
    port: u16,
}

impl Admin {
    fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs `sql` in `database` with `psql`, stopping at the first error;
    /// returns what it printed (unaligned, tuples only).
    fn run(&self, database: &str, what: &str, psql_args: &[&str]) -> Result<String, ServiceError> {
        let output = Command::new(&self.psql)
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", SUPERUSER, "-d", database])
            .args(psql_args)
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .map_err(|source| ServiceError::Io {
                program: "psql".into(),
                context: format!("could not run {}", self.psql.display()),
                source,
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(ServiceError::Statement {
                program: "postgres".into(),
                what: what.to_owned(),
                message: stderr.trim().to_owned(),
            });
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        Ok(stdout.strip_suffix('\n').unwrap_or(&stdout).to_owned())
    }

    fn execute(&self, database: &str, sql: &str) -> Result<String, ServiceError> {
        self.run(database, &first_line(sql), &["-c", sql])
    }
}

fn first_line(sql: &str) -> String {
    let line = sql.trim().lines().next().unwrap_or_default();
    if line.len() > 80 {
        let mut end = 80;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &line[..end])
    } else {
        line.to_owned()
    }
}

/// A PostgreSQL server for one worker process (see
/// [`ServiceFixture::postgres`]) that hands out a fresh database per test.
///
/// ```no_run
/// use leanvibe_test::service::{Migrations, PgServer};
/// let server = PgServer::start()?
///     .with_template(Migrations::sql("CREATE TABLE items (id int PRIMARY KEY)"))?;
/// let db = server.database()?; // t_<pid>_1, a copy of the template
/// db.execute("INSERT INTO items VALUES (1)")?;
/// # Ok::<(), leanvibe_test::errors::ServiceError>(())
/// ```
pub struct PgServer {
    service: ServiceFixture,
    admin: Admin,
    /// The database new ones are copied from.
    template: String,
    /// Databases handed out so far, for unique names.
    created: AtomicU64,
}

impl PgServer {
    /// Starts a server ([`ServiceFixture::postgres`]). Databases are copied
    /// from PostgreSQL's empty `template1` until
    /// [`with_template`](Self::with_template) sets one.
    pub fn start() -> Result<PgServer, ServiceError> {
        let bindir = postgres_bindir()?;
        let service = start_postgres(&bindir)?;
        let psql = bindir.join("psql");
        let admin = Admin {
            psql,
            port: service.port(),
        };
        Ok(PgServer {
            service,
            admin,
            template: "template1".into(),
            created: AtomicU64::new(0),
        })
    }

    /// Prepares the template database every [`database`](Self::database)
    /// is copied from: created empty, then `migrations` applied, once.
    ///
    /// ```no_run
    /// # use leanvibe_test::service::{Migrations, PgServer};
    /// let server = PgServer::start()?.with_template(Migrations::dir("migrations"))?;
    /// # Ok::<(), leanvibe_test::errors::ServiceError>(())
    /// ```
    pub fn with_template(mut self, migrations: Migrations) -> Result<PgServer, ServiceError> {
        let template = format!("template_{}", std::process::id());
        self.admin.execute(
            "postgres",
            &format!("CREATE DATABASE {template} TEMPLATE template0"),
        )?;
        match migrations.0 {
            MigrationSource::Sql(script) => {
                self.admin
                    .run(&template, "the migration script", &["-1", "-c", &script])?;
            }
            MigrationSource::Dir(dir) => {
                for file in sql_files(&dir)? {
                    let what = format!("migration {}", file.display());
                    let path = file.to_string_lossy();
                    self.admin.run(&template, &what, &["-1", "-f", &path])?;
                }
            }
            MigrationSource::With(migrate) => {
                migrate(&self.admin.url(&template)).map_err(|message| ServiceError::Statement {
                    program: "postgres".into(),
                    what: "the migration function".into(),
                    message,
                })?;
            }
        }
        self.template = template;
        Ok(self)
    }

    /// A new database, a copy of the template, dropped when the returned
    /// handle is (kept with `LEANVIBE_KEEP_DB=1` if the test is failing).
    /// Each test gets its own, so tests in parallel never see each other's
    /// rows.
    pub fn database(&self) -> Result<PgDatabase, ServiceError> {
        let n = self.created.fetch_add(1, Ordering::Relaxed) + 1;
        let name = format!("t_{}_{n}", std::process::id());
        self.admin.execute(
            "postgres",
            &format!("CREATE DATABASE {name} TEMPLATE {}", self.template),
        )?;
        Ok(PgDatabase {
            url: self.admin.url(&name),
            name,
            admin: self.admin.clone(),
            server_log: self.service.log_path().to_path_buf(),
        })
    }

    /// The server process: its port, log and address.
    pub fn service(&self) -> &ServiceFixture {
        &self.service
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        self.admin.url(database)
    }

    /// The template new databases are copied from (`template1` until
    /// [`with_template`](Self::with_template)).
    pub fn template(&self) -> &str {
        &self.template
    }
}

impl std::fmt::Debug for PgServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgServer")
            .field("service", &self.service)
            .field("template", &self.template)
            .finish()
    }
}

/// `*.sql` files of `dir`, sorted by name.
fn sql_files(dir: &Path) -> Result<Vec<PathBuf>, ServiceError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ServiceError::Io {
        program: "postgres".into(),
        context: format!("could not read the migrations in {}", dir.display()),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    Ok(files)
}

/// One test's database (see [`PgServer::database`]): dropped with the
/// handle, or kept, named on stderr, when the test fails and
/// `LEANVIBE_KEEP_DB=1`. When the test fails, the server's log tail is
/// printed too.
#[derive(Debug)]
pub struct PgDatabase {
    name: String,
    url: String,
    admin: Admin,
    server_log: PathBuf,
}

impl PgDatabase {
    /// Its name (`t_<pid>_<n>`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `postgres://postgres@127.0.0.1:<port>/<name>`, for any client.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs `sql` (one or more statements) and returns what it printed,
    /// rows as `|`-separated lines.
    ///
    /// ```no_run
    /// # let db: leanvibe_test::service::PgDatabase = todo!();
    /// db.execute("CREATE TABLE t (id int)")?;
    /// # Ok::<(), leanvibe_test::errors::ServiceError>(())
    /// ```
    pub fn execute(&self, sql: &str) -> Result<String, ServiceError> {
        self.admin.execute(&self.name, sql)
    }

    /// A connected `tokio-postgres` client; its connection runs on the
    /// current tokio runtime until the client is dropped.
    ///
    /// ```no_run
    /// # async fn f(db: leanvibe_test::service::PgDatabase) -> Result<(), tokio_postgres::Error> {
    /// let client = db.connect().await?;
    /// let row = client.query_one("SELECT 1 + 1", &[]).await?;
    /// assert_eq!(row.get::<_, i32>(0), 2);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub async fn connect(&self) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let (client, connection) =
            tokio_postgres::connect(&self.url, tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            // Ends when the client is dropped; an error then is the server
            // going away, which the client's own calls report.
            let _ = connection.await;
        });
        Ok(client)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- postgres: last {} lines of {} ---\n{}\n--- end of postgres log ---",
                super::fixture::LOG_TAIL_LINES,
                self.server_log.display(),
                super::process::read_tail(&self.server_log, super::fixture::LOG_TAIL_LINES),
            );
            if std::env::var(KEEP_DB_ENV).is_ok_and(|v| v == "1") {
                eprintln!(
                    "kept the failing test's database {} ({KEEP_DB_ENV}=1): {}",
                    self.name, self.url
                );
                return;
            }
        }
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = self.admin.execute("postgres", &drop) {
            eprintln!("leanvibe-test: could not drop database {}: {e}", self.name);
        }
    }
}
