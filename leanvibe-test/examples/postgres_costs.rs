//! What PostgreSQL for tests costs on this machine: a server per worker
//! (`initdb` plus start), a fresh database per test from a migrated
//! template (create, then drop), and, for comparison, cleaning one shared
//! database with `TRUNCATE` instead. Prints medians and 95th percentiles.
//!
//! Run by `benches/postgres/run.sh`; see docs/benchmarks.md.

use leanvibe_test::service::{Migrations, PgServer};
use std::time::Instant;

const SCHEMA: &str = "CREATE TABLE plugin_data (key text PRIMARY KEY, value jsonb NOT NULL);
CREATE TABLE audit (id bigserial PRIMARY KEY, key text NOT NULL, at timestamptz DEFAULT now());
CREATE INDEX audit_key ON audit (key);";

fn main() {
    let starts: usize = arg(1, 5);
    let databases: usize = arg(2, 50);

    let mut start_ms = Vec::new();
    let mut server = None;
    for _ in 0..starts {
        let started = Instant::now();
        let started_server = PgServer::start().expect("PostgreSQL starts");
        start_ms.push(ms(started));
        server = Some(started_server);
    }
    let server = server
        .expect("at least one start")
        .with_template(Migrations::sql(SCHEMA))
        .expect("the schema applies");

    let mut create_ms = Vec::new();
    let mut drop_ms = Vec::new();
    for _ in 0..databases {
        let started = Instant::now();
        let db = server.database().expect("a database");
        create_ms.push(ms(started));
        db.execute("INSERT INTO plugin_data VALUES ('k', '{}')")
            .unwrap();
        let started = Instant::now();
        drop(db);
        drop_ms.push(ms(started));
    }

    let shared = server.database().expect("a database");
    let mut truncate_ms = Vec::new();
    for _ in 0..databases {
        shared
            .execute(
                "INSERT INTO plugin_data VALUES ('k', '{}'); INSERT INTO audit (key) VALUES ('k')",
            )
            .unwrap();
        let started = Instant::now();
        shared
            .execute("TRUNCATE plugin_data, audit RESTART IDENTITY")
            .unwrap();
        truncate_ms.push(ms(started));
    }

    println!("what                                   runs  median ms   p95 ms");
    report("server start (initdb + postgres)", &mut start_ms);
    report("database from template (create)", &mut create_ms);
    report("database dropped", &mut drop_ms);
    report("TRUNCATE of a shared database", &mut truncate_ms);
}

fn arg(position: usize, default: usize) -> usize {
    std::env::args()
        .nth(position)
        .map(|a| a.parse().expect("a count"))
        .unwrap_or(default)
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn report(what: &str, samples: &mut [f64]) {
    samples.sort_by(f64::total_cmp);
    let at =
        |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1];
    println!(
        "{what:38} {:4}  {:9.1}  {:7.1}",
        samples.len(),
        at(0.5),
        at(0.95)
    );
}
