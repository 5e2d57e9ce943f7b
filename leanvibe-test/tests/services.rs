//! `ServiceFixture` against real servers. Under this crate's own harness, so
//! that a server that is not installed is reported as skipped with the
//! reason on a developer's machine, and fails in CI.

use leanvibe_test::prelude::*;
use leanvibe_test::service::{self, Migrations, PgServer, ServiceFixture};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

#[plugin_test(timeout_ms = 20_000)]
fn redis_answers_ping_on_its_port() {
    let redis = service::require!(ServiceFixture::redis());
    assert_eq!(redis.program(), "redis-server");
    let mut stream = TcpStream::connect(redis.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(b"PING\r\n").unwrap();
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line).unwrap();
    assert_eq!(line, "+PONG\r\n");
    assert!(redis.url("redis").ends_with(&format!(":{}", redis.port())));
    assert!(
        redis.log_tail(50).contains("Ready to accept connections"),
        "{}",
        redis.log_tail(50)
    );
}

const SCHEMA: &str = "CREATE TABLE items (id int PRIMARY KEY, owner text NOT NULL)";

/// Two databases from one template, written in parallel with the same
/// primary key: both writes succeed, and neither sees the other's row.
#[plugin_test(timeout_ms = 60_000)]
fn postgres_gives_each_test_its_own_database() {
    let server = service::require!(PgServer::start());
    let server = server.with_template(Migrations::sql(SCHEMA)).unwrap();
    let (one, two) = (server.database().unwrap(), server.database().unwrap());
    assert_ne!(one.name(), two.name());
    std::thread::scope(|scope| {
        for (db, owner) in [(&one, "one"), (&two, "two")] {
            scope.spawn(move || {
                db.execute(&format!("INSERT INTO items VALUES (1, '{owner}')"))
                    .unwrap()
            });
        }
    });
    assert_eq!(one.execute("SELECT owner FROM items").unwrap(), "one");
    assert_eq!(two.execute("SELECT owner FROM items").unwrap(), "two");
    assert!(
        one.url().ends_with(&format!("/{}", one.name())),
        "{}",
        one.url()
    );

    // Dropping the handle drops the database.
    let name = one.name().to_owned();
    drop(one);
    let listed = two
        .execute(&format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
        ))
        .unwrap();
    assert_eq!(listed, "0", "{name} outlived its handle");
    // Never as root: PostgreSQL refuses it, so CI's root runs it as a user.
    let user = two
        .execute("SELECT current_setting('data_directory')")
        .unwrap();
    assert!(user.ends_with("/data"), "{user}");
}

/// A directory of migrations applies in name order; a bad one names its
/// file and what the server said.
#[plugin_test(timeout_ms = 60_000)]
fn postgres_migrations_apply_in_order_and_failures_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_items.sql"), SCHEMA).unwrap();
    std::fs::write(
        dir.path().join("002_index.sql"),
        "CREATE INDEX items_owner ON items (owner);\nINSERT INTO items VALUES (7, 'seed');",
    )
    .unwrap();
    std::fs::write(dir.path().join("README.txt"), "not a migration").unwrap();
    let server = service::require!(PgServer::start());
    let server = server.with_template(Migrations::dir(dir.path())).unwrap();
    let db = server.database().unwrap();
    assert_eq!(db.execute("SELECT id FROM items").unwrap(), "7");

    std::fs::write(
        dir.path().join("003_broken.sql"),
        "CREATE TABLE items (id int);",
    )
    .unwrap();
    let server = service::require!(PgServer::start());
    let error = server
        .with_template(Migrations::dir(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("003_broken.sql") && error.contains("already exists"),
        "{error}"
    );
}

/// The server's log is where a failing test looks: it is kept, and it
/// says the server is ready.
#[plugin_test(timeout_ms = 60_000)]
fn postgres_listens_on_loopback_and_keeps_its_log() {
    let pg = service::require!(ServiceFixture::postgres());
    assert!(pg.addr().ip().is_loopback());
    assert!(
        pg.log_tail(50).contains("ready to accept connections"),
        "{}",
        pg.log_tail(50)
    );
    let status = pg.stop().unwrap();
    // A fast shutdown (SIGINT) ends the server by itself: exit code 0.
    assert!(status.success(), "{status}");
}

/// The database of a failing test is dropped, unless `LEANVIBE_KEEP_DB=1`
/// keeps it for a look (its name is printed with the server's log).
#[plugin_test(timeout_ms = 60_000)]
fn postgres_keeps_a_failing_tests_database_only_when_asked() {
    let server = service::require!(PgServer::start());
    let exists = |name: &str| {
        server
            .database()
            .unwrap()
            .execute(&format!(
                "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
            ))
            .unwrap()
            == "1"
    };
    // A test failing with its database: the handle drops while panicking.
    let fail_with_database = || {
        let db = server.database().unwrap();
        let name = db.name().to_owned();
        let panicked = std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    let _db = db;
                    panic!("the test fails");
                })
                .join()
        });
        assert!(panicked.is_err());
        name
    };
    let dropped = fail_with_database();
    assert!(!exists(&dropped), "{dropped} was kept without being asked");
    // SAFETY: this worker runs one test at a time, and nothing else in it
    // reads the environment while the variable is set.
    unsafe { std::env::set_var(service::KEEP_DB_ENV, "1") };
    let kept = fail_with_database();
    // SAFETY: as above.
    unsafe { std::env::remove_var(service::KEEP_DB_ENV) };
    assert!(
        exists(&kept),
        "{kept} was dropped although LEANVIBE_KEEP_DB=1"
    );
}

/// With the `postgres` feature: a tokio-postgres client on the test's
/// database.
#[cfg(feature = "postgres")]
#[plugin_test(timeout_ms = 60_000)]
async fn postgres_database_connects_a_tokio_postgres_client() {
    let server = service::require!(PgServer::start());
    let server = server.with_template(Migrations::sql(SCHEMA)).unwrap();
    let db = server.database().unwrap();
    let client = db.connect().await.unwrap();
    client
        .execute("INSERT INTO items VALUES ($1, $2)", &[&3i32, &"async"])
        .await
        .unwrap();
    let row = client
        .query_one("SELECT owner FROM items WHERE id = 3", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), "async");
}

leanvibe_test::main!();
