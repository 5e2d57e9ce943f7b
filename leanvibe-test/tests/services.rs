//! `ServiceFixture` against real servers. Under this crate's own harness, so
//! that a server that is not installed is reported as skipped with the
//! reason on a developer's machine, and fails in CI.

use leanvibe_test::prelude::*;
use leanvibe_test::service::{self, ServiceFixture};
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

leanvibe_test::main!();
