//! The example plugin's test suite, on leanvibe-test: fixtures, unit tests,
//! budgets, integration tests against a mocked HTTP API and a real Redis, and
//! the SDK's conformance checks in one line.
//!
//! Run it with `cargo test -p data-plugin --test suite`; the reports land in
//! `target/leanvibe/suite.{junit.xml,ctrf.json,events.jsonl}`.

use data_plugin::DataPlugin;
use leanvibe_test::plugin::conformance::Conformance;
use leanvibe_test::prelude::*;
use serde_json::{Value, json};

/// The plugin's configuration, without external services.
#[fixture]
fn config() -> PluginConfig {
    PluginConfig::new("data-plugin", "1.0.0").description("example plugin under test")
}

/// A started (initialized) plugin; dropped after each test.
#[fixture]
async fn plugin(config: PluginConfig) -> Result<PluginHarness, HarnessError> {
    PluginHarness::start(DataPlugin::new, config).await
}

fn process(id: &str, items: Value) -> Task {
    Task::new(id, "process_data").param("input_data", items)
}

/// The SDK's standard checks, registered as `conformance::*` tests. The
/// `task_timeout` check needs a task that overruns: a `fetch` from an API
/// that accepts the connection and never answers, under a 300 ms limit.
fn conformance() -> Conformance {
    // The kernel completes connections to a listening socket nobody
    // accepts on; kept open for the test's life.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let api = format!("http://{}", silent.local_addr().expect("its address"));
    std::mem::forget(silent);
    let config = PluginConfig::new("data-plugin", "1.0.0")
        .param("api_base_url", api)
        .param("fetch_timeout_ms", 300);
    Conformance::new(DataPlugin::new, config)
        .task(process(
            "conformance",
            json!([{"name": "  Widget ", "value": 2.5}, {"name": "<b>gadget</b>", "value": 4}]),
        ))
        .timeout_task(Task::new("slow", "fetch").param("path", "/never-answers"))
}

leanvibe_test::conformance!(conformance());

mod process_data {
    use super::*;

    #[plugin_test(max_ms = 50, max_mb = 80)]
    async fn normalises_escapes_and_summarises(plugin: PluginHarness) -> Result<(), HarnessError> {
        let result = plugin
            .check_success(process(
                "t1",
                json!([{"name": "  <i>a</i> ", "value": 1}, {"name": "b", "value": 3}]),
            ))
            .await?;
        assert_eq!(result.data["items"][0]["name"], "&lt;i&gt;a&lt;&#x2F;i&gt;");
        assert_eq!(result.data["statistics"]["count"], 2);
        assert_eq!(result.data["statistics"]["sum"], 4.0);
        Ok(())
    }

    #[plugin_test]
    async fn names_the_offending_item_and_field(plugin: PluginHarness) -> Result<(), HarnessError> {
        let result = plugin
            .check_error(
                process(
                    "t2",
                    json!([{"name": "ok", "value": 1}, {"name": 7, "value": 1}]),
                ),
                ErrorCode::InvalidParameter,
            )
            .await?;
        let message = result.error.unwrap_or_default();
        assert!(message.contains("input_data[1].name"), "{message}");
        Ok(())
    }

    #[plugin_test]
    async fn rejects_a_missing_input(plugin: PluginHarness) -> Result<(), HarnessError> {
        plugin
            .check_error(Task::new("t3", "process_data"), ErrorCode::MissingParameter)
            .await?;
        Ok(())
    }

    #[plugin_test]
    async fn rejects_oversized_input(plugin: PluginHarness) -> Result<(), HarnessError> {
        let items: Vec<Value> = (0..100_000)
            .map(|i| json!({"name": "x", "value": i}))
            .collect();
        plugin
            .check_error(
                process("t4", Value::Array(items)),
                ErrorCode::PayloadTooLarge,
            )
            .await?;
        Ok(())
    }

    /// The SDK's response-time standard over repeated runs: every run under
    /// 50 ms, p95 under 40 ms.
    #[plugin_test(iterations = 30, warmup = 3, max_ms = 50, p95_ms = 40)]
    async fn meets_the_latency_standard(plugin: PluginHarness) -> Result<(), HarnessError> {
        let items: Vec<Value> = (0..200)
            .map(|i| json!({"name": format!("item {i}"), "value": i}))
            .collect();
        plugin
            .check_success(process("t5", Value::Array(items)))
            .await?;
        Ok(())
    }

    #[plugin_test]
    async fn unknown_task_types_are_rejected(plugin: PluginHarness) -> Result<(), HarnessError> {
        plugin
            .check_error(Task::new("t6", "transmogrify"), ErrorCode::InvalidTaskType)
            .await?;
        Ok(())
    }
}

/// The `fetch` task against a mocked HTTP API (real HTTP on loopback).
mod fetch {
    use super::*;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn api() -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/status"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"up": true})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/down"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&server)
            .await;
        server
    }

    #[plugin_test(timeout_ms = 10000, tags = ["integration"])]
    async fn returns_the_api_body(config: PluginConfig) -> Result<(), HarnessError> {
        let server = api().await;
        let harness =
            PluginHarness::start(DataPlugin::new, config.param("api_base_url", server.uri()))
                .await?;
        let result = harness
            .check_success(Task::new("f1", "fetch").param("path", "/status"))
            .await?;
        assert_eq!(result.data["body"], json!({"up": true}));
        Ok(())
    }

    #[plugin_test(timeout_ms = 10000, tags = ["integration"])]
    async fn reports_a_failing_api_as_an_external_service_error(
        config: PluginConfig,
    ) -> Result<(), HarnessError> {
        let server = api().await;
        let harness =
            PluginHarness::start(DataPlugin::new, config.param("api_base_url", server.uri()))
                .await?;
        let results = harness
            .run_many([
                Task::new("f2", "fetch").param("path", "/status"),
                Task::new("f3", "fetch").param("path", "/down"),
            ])
            .await;
        assert!(results[0].success, "{:?}", results[0]);
        assert_eq!(results[1].error_code, Some(ErrorCode::ExternalServiceError));
        Ok(())
    }
}

/// The `cache` task against a real Redis, started per worker on a free
/// loopback port. Skipped (reported as skipped) where `redis-server` is not
/// installed; in CI (`CI=true`), which installs it, a missing server fails
/// instead.
mod cache {
    use super::*;
    use leanvibe_test::service::{self, ServiceFixture};

    #[fixture(scope = "worker")]
    fn redis() -> ServiceFixture {
        service::require!(ServiceFixture::redis())
    }

    #[plugin_test(timeout_ms = 15000, tags = ["integration"])]
    async fn round_trips_values_through_redis(
        redis: &ServiceFixture,
        config: PluginConfig,
    ) -> Result<(), HarnessError> {
        let harness = PluginHarness::start(
            DataPlugin::new,
            config.param("redis_url", redis.url("redis")),
        )
        .await?;
        let set = Task::new("s", "cache")
            .param("operation", "set")
            .param("key", "k")
            .param("value", json!([1, 2]));
        harness.check_success(set).await?;
        let got = harness
            .check_success(
                Task::new("g", "cache")
                    .param("operation", "get")
                    .param("key", "k"),
            )
            .await?;
        assert_eq!(got.data["value"], json!([1, 2]));
        Ok(())
    }

    fn cache_get(key: &str) -> Task {
        Task::new("g", "cache")
            .param("operation", "get")
            .param("key", key)
    }

    fn cache_set(key: &str, value: Value) -> Task {
        Task::new("s", "cache")
            .param("operation", "set")
            .param("key", key)
            .param("value", value)
    }

    /// Absent keys, expiry, and requests the plugin must refuse with a code.
    #[plugin_test(timeout_ms = 15000, tags = ["integration"])]
    async fn validates_cache_requests(
        redis: &ServiceFixture,
        config: PluginConfig,
    ) -> Result<(), HarnessError> {
        let harness = PluginHarness::start(
            DataPlugin::new,
            config.param("redis_url", redis.url("redis")),
        )
        .await?;
        let missing = harness.check_success(cache_get("never-set")).await?;
        assert_eq!(missing.data["found"], false);
        harness
            .check_success(cache_set("temp", json!(1)).param("ttl_seconds", 60))
            .await?;
        harness
            .check_error(
                cache_set("temp", json!(1)).param("ttl_seconds", 0),
                ErrorCode::InvalidParameter,
            )
            .await?;
        harness
            .check_error(
                cache_get("k").param("operation", "drop"),
                ErrorCode::InvalidParameter,
            )
            .await?;
        harness
            .check_error(
                Task::new("s", "cache")
                    .param("operation", "set")
                    .param("key", "k"),
                ErrorCode::MissingParameter,
            )
            .await?;
        Ok(())
    }

    /// A server of its own, since the test stops it.
    #[fixture]
    fn own_redis() -> ServiceFixture {
        service::require!(ServiceFixture::redis())
    }

    /// A Redis that goes away is a `DATABASE_ERROR`, for a task and for
    /// `initialize`.
    #[plugin_test(timeout_ms = 15000, tags = ["integration"])]
    async fn redis_failures_are_database_errors(
        own_redis: ServiceFixture,
        config: PluginConfig,
    ) -> Result<(), HarnessError> {
        let harness = PluginHarness::start(
            DataPlugin::new,
            config
                .clone()
                .param("redis_url", own_redis.url("redis"))
                .param("fetch_timeout_ms", 2000),
        )
        .await?;
        own_redis.stop().expect("redis-server stops");
        let result = harness
            .check_error(cache_get("k"), ErrorCode::DatabaseError)
            .await?;
        assert!(result.error.unwrap().contains("Redis GET failed"));
        let err = PluginHarness::start(
            DataPlugin::new,
            config.param("redis_url", "redis://127.0.0.1:1/"),
        )
        .await
        .unwrap_err();
        let HarnessError::Initialize { source, .. } = &err else {
            panic!("unexpected {err}");
        };
        assert_eq!(source.code, ErrorCode::DatabaseError);
        Ok(())
    }

    /// The cache is shared by every instance with the same
    /// `cache_namespace` (that is what a cache is for), and only by them.
    #[plugin_test(timeout_ms = 15000, tags = ["integration"])]
    async fn namespaces_keep_plugins_apart(
        redis: &ServiceFixture,
        config: PluginConfig,
    ) -> Result<(), HarnessError> {
        let config = config.param("redis_url", redis.url("redis"));
        let start = |namespace: &str| {
            PluginHarness::start(
                DataPlugin::new,
                config.clone().param("cache_namespace", namespace),
            )
        };
        let (writer, same, other) = (
            start("orders").await?,
            start("orders").await?,
            start("users").await?,
        );
        let set = Task::new("s", "cache")
            .param("operation", "set")
            .param("key", "shared-name")
            .param("value", json!("written by orders"));
        writer.check_success(set).await?;
        let get = Task::new("g", "cache")
            .param("operation", "get")
            .param("key", "shared-name");
        let seen = same.check_success(get.clone()).await?;
        assert_eq!(seen.data["value"], json!("written by orders"));
        let unseen = other.check_success(get).await?;
        assert_eq!(
            unseen.data["value"],
            Value::Null,
            "another namespace saw the key"
        );
        Ok(())
    }
}

leanvibe_test::main!();

/// `save_data` and `get_data` against a real PostgreSQL: one server per
/// worker, its template database migrated once with the plugin's
/// `migrations/`, and a clean database for each test. Skipped (reported as
/// skipped) where PostgreSQL is not installed; in CI, which installs it, a
/// missing server fails instead.
mod store {
    use super::*;
    use leanvibe_test::errors::ServiceError;
    use leanvibe_test::service::{self, Migrations, PgDatabase, PgServer};

    pub(crate) fn migrations() -> Migrations {
        Migrations::dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
    }

    #[fixture(scope = "worker")]
    fn pg() -> PgServer {
        service::require!(PgServer::start())
            .with_template(migrations())
            .expect("the plugin's migrations apply")
    }

    /// This test's own database, a copy of the migrated template.
    #[fixture]
    fn db(pg: &PgServer) -> Result<PgDatabase, ServiceError> {
        pg.database()
    }

    pub(crate) fn save(key: &str, value: Value) -> Task {
        Task::new("save", "save_data")
            .param("key", key)
            .param("value", value)
    }

    pub(crate) fn get(key: &str) -> Task {
        Task::new("get", "get_data").param("key", key)
    }

    async fn plugin_on(
        db: &PgDatabase,
        config: PluginConfig,
    ) -> Result<PluginHarness, HarnessError> {
        PluginHarness::start(DataPlugin::new, config.param("database_url", db.url())).await
    }

    #[plugin_test(timeout_ms = 30000, tags = ["integration"])]
    async fn saves_replaces_and_reads_documents(
        db: PgDatabase,
        config: PluginConfig,
    ) -> Result<(), HarnessError> {
        let plugin = plugin_on(&db, config).await?;
        let saved = plugin
            .check_success(save("order-1", json!({"qty": 2})))
            .await?;
        assert_eq!(saved.data, json!({"key": "order-1", "saved": true}));
        plugin
            .check_success(save("order-1", json!({"qty": 3})))
            .await?;
        let got = plugin.check_success(get("order-1")).await?;
        assert_eq!(got.data["value"], json!({"qty": 3}));
        let missing = plugin.check_success(get("order-2")).await?;
        assert_eq!(missing.data["found"], false);
        Ok(())
    }

    /// Two tests insert the same primary key (a plain `INSERT`, which a
    /// row left by the other would refuse), in parallel workers or one
    /// after the other in one: each has its own database, so both pass and
    /// neither sees the other's row.
    async fn writes_the_shared_key(
        db: PgDatabase,
        config: PluginConfig,
        writer: &str,
    ) -> Result<(), HarnessError> {
        db.execute(&format!(
            "INSERT INTO plugin_data (key, value) VALUES ('shared', '{{\"writer\": \"{writer}\"}}')"
        ))
        .unwrap();
        // Long enough for the other writer, in another worker, to write too.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let plugin = plugin_on(&db, config).await?;
        let got = plugin.check_success(get("shared")).await?;
        assert_eq!(got.data["value"], json!({ "writer": writer }));
        let rows = db.execute("SELECT count(*) FROM plugin_data").unwrap();
        assert_eq!(rows, "1", "{writer} sees another test's rows");
        Ok(())
    }

    #[plugin_test(timeout_ms = 30000, tags = ["integration"])]
    async fn first_writer_sees_only_its_rows(
        db: PgDatabase,
        config: PluginConfig,
    ) -> Result<(), HarnessError> {
        writes_the_shared_key(db, config, "first").await
    }

    #[plugin_test(timeout_ms = 30000, tags = ["integration"])]
    async fn second_writer_sees_only_its_rows(
        db: PgDatabase,
        config: PluginConfig,
    ) -> Result<(), HarnessError> {
        writes_the_shared_key(db, config, "second").await
    }

    /// Keys are data, never SQL; bad requests and a broken schema have
    /// their codes.
    #[plugin_test(timeout_ms = 30000, tags = ["integration", "security"])]
    async fn keys_are_parameters_and_errors_have_codes(
        db: PgDatabase,
        config: PluginConfig,
    ) -> Result<(), HarnessError> {
        let plugin = plugin_on(&db, config).await?;
        let hostile = "x'); DROP TABLE plugin_data; --";
        plugin.check_success(save(hostile, json!({"n": 1}))).await?;
        let got = plugin.check_success(get(hostile)).await?;
        assert_eq!(got.data["value"], json!({"n": 1}));
        plugin
            .check_error(save("", json!({"n": 1})), ErrorCode::InvalidParameter)
            .await?;
        plugin
            .check_error(save("k", json!([1, 2])), ErrorCode::InvalidParameter)
            .await?;
        plugin
            .check_error(
                Task::new("s", "save_data").param("key", "k"),
                ErrorCode::MissingParameter,
            )
            .await?;
        db.execute("DROP TABLE plugin_data").unwrap();
        let broken = plugin
            .check_error(get("k"), ErrorCode::DatabaseError)
            .await?;
        assert!(
            broken
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("does not exist"),
            "{broken:?}"
        );
        Ok(())
    }

    /// `initialize` against a server that is not there is a
    /// `DATABASE_ERROR`; without `database_url` the tasks say what is
    /// missing.
    #[plugin_test(timeout_ms = 30000)]
    async fn database_url_is_checked(config: PluginConfig) -> Result<(), HarnessError> {
        let err = PluginHarness::start(
            DataPlugin::new,
            config
                .clone()
                .param("database_url", "postgres://postgres@127.0.0.1:1/none"),
        )
        .await
        .unwrap_err();
        let HarnessError::Initialize { source, .. } = &err else {
            panic!("unexpected {err}");
        };
        assert_eq!(source.code, ErrorCode::DatabaseError);
        let plugin = PluginHarness::start(DataPlugin::new, config).await?;
        let result = plugin
            .check_error(get("k"), ErrorCode::custom(DataPlugin::NOT_CONFIGURED))
            .await?;
        assert!(result.error.unwrap().contains("database_url"));
        Ok(())
    }
}

/// The SDK's conformance checks once more, with a task that writes to
/// PostgreSQL (`store_conformance::conformance::*`). Skipped where
/// PostgreSQL is not installed, like the other store tests.
mod store_conformance {
    use super::*;
    use leanvibe_test::service::{self, PgServer};
    use std::sync::OnceLock;

    /// A database for this worker's checks. Its server is started by a
    /// thread that lives as long as the worker: a service stops with the
    /// thread that started it, and the checks run on runtimes that come
    /// and go. It is stopped properly when the worker exits.
    fn database_url() -> String {
        static URL: OnceLock<String> = OnceLock::new();
        if let Some(url) = URL.get() {
            return url.clone();
        }
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let started = PgServer::start()
                .and_then(|server| server.with_template(store::migrations()))
                .and_then(|server| server.database().map(|db| (server, db)));
            match started {
                Ok((server, db)) => {
                    let _ = sender.send(Ok(db.url().to_owned()));
                    let _kept = (server, db);
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    let _ = sender.send(Err(e));
                }
            }
        });
        let url = service::started_or_skip(receiver.recv().expect("the starter answers"));
        URL.get_or_init(|| url).clone()
    }

    fn conformance() -> Conformance {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let api = format!("http://{}", silent.local_addr().expect("its address"));
        std::mem::forget(silent);
        let config = PluginConfig::new("data-plugin", "1.0.0")
            .param("database_url", database_url())
            .param("api_base_url", api)
            .param("fetch_timeout_ms", 300);
        Conformance::new(DataPlugin::new, config)
            .task(store::save("conformance", json!({"items": [1, 2, 3]})))
            .timeout_task(Task::new("slow", "fetch").param("path", "/never-answers"))
    }

    leanvibe_test::conformance!(conformance());
}
