//! The plugin driven through `PluginHarness` under libtest, against a mocked
//! HTTP API (wiremock, real HTTP on loopback). The tests that need a real
//! Redis are in `tests/suite.rs` (`cache::*`): under leanvibe-test's harness
//! a missing `redis-server` is reported as skipped, which libtest cannot say.

use super::*;
use leanvibe_test::errors::HarnessError;
use leanvibe_test::plugin::PluginHarness;
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config() -> PluginConfig {
    PluginConfig::new("data-plugin", "1.0.0")
}

async fn start(config: PluginConfig) -> PluginHarness {
    PluginHarness::start(DataPlugin::new, config)
        .await
        .expect("data-plugin starts")
}

fn process(input: Value) -> Task {
    Task::new("p1", "process_data").param("input_data", input)
}

#[tokio::test]
async fn process_data_through_the_harness() {
    let mut harness = start(config()).await;
    let result = harness
        .expect_success(process(json!([
            {"name": " Widget <x> ", "value": 3},
            {"name": "Gadget", "value": 5},
        ])))
        .await;
    assert_eq!(result.plugin_id, "data-plugin");
    assert_eq!(result.data["items"][0]["name"], "Widget &lt;x&gt;");
    assert_eq!(result.data["statistics"]["mean"], 4.0);

    harness
        .expect_error(Task::new("p2", "process_data"), ErrorCode::MissingParameter)
        .await;
    let wrong = harness
        .expect_error(
            process(json!([{"name": "a", "value": true}])),
            ErrorCode::InvalidParameter,
        )
        .await;
    assert!(wrong.error.unwrap().contains("input_data[0].value"));
    harness.cleanup().await.unwrap();
}

#[tokio::test]
async fn the_item_limit_comes_from_the_config() {
    let harness = start(config().param("max_items", 2)).await;
    let items: Vec<Value> = (0..3)
        .map(|i| json!({"name": format!("n{i}"), "value": i}))
        .collect();
    harness
        .expect_error(process(Value::Array(items)), ErrorCode::PayloadTooLarge)
        .await;
}

#[tokio::test]
async fn unknown_task_types_and_uninitialized_use_are_rejected() {
    let mut harness = start(config()).await;
    let result = harness
        .expect_error(
            Task::new("u1", "delete_everything"),
            ErrorCode::InvalidTaskType,
        )
        .await;
    assert!(result.error.unwrap().contains("delete_everything"));
    harness.cleanup().await.unwrap();
    harness
        .expect_error(
            process(json!([])),
            ErrorCode::custom(DataPlugin::NOT_INITIALIZED),
        )
        .await;
}

#[tokio::test]
async fn a_bad_setting_fails_initialize() {
    let err = PluginHarness::start(
        DataPlugin::new,
        config().param("api_base_url", "https://api.example"),
    )
    .await
    .unwrap_err();
    let HarnessError::Initialize { source, .. } = &err else {
        panic!("unexpected {err}");
    };
    assert_eq!(source.code, ErrorCode::InvalidParameter);
}

#[tokio::test]
async fn cache_and_fetch_need_their_settings() {
    let harness = start(config()).await;
    let not_configured = ErrorCode::custom(DataPlugin::NOT_CONFIGURED);
    let cache = harness
        .expect_error(
            Task::new("c", "cache")
                .param("operation", "get")
                .param("key", "k"),
            not_configured.clone(),
        )
        .await;
    assert!(cache.error.unwrap().contains("redis_url"));
    harness
        .expect_error(Task::new("f", "fetch").param("path", "/x"), not_configured)
        .await;
}

fn fetch(path: &str) -> Task {
    Task::new("f1", "fetch").param("path", path)
}

async fn with_api(server: &MockServer, timeout_ms: u64) -> PluginHarness {
    start(
        config()
            .param("api_base_url", format!("{}/api", server.uri()))
            .param("fetch_timeout_ms", timeout_ms)
            .param("max_response_bytes", 1024),
    )
    .await
}

#[tokio::test]
async fn fetch_returns_the_apis_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/items/7"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 7, "tags": ["a"]})))
        .expect(1)
        .mount(&server)
        .await;
    let harness = with_api(&server, 5000).await;
    let result = harness.expect_success(fetch("/items/7")).await;
    assert_eq!(
        result.data,
        json!({"status": 200, "body": {"id": 7, "tags": ["a"]}})
    );
}

#[tokio::test]
async fn fetch_turns_a_500_into_external_service_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&server)
        .await;
    let harness = with_api(&server, 5000).await;
    let result = harness
        .expect_error(fetch("/items"), ErrorCode::ExternalServiceError)
        .await;
    assert!(result.error.unwrap().contains("500 Internal Server Error"));
}

#[tokio::test]
async fn fetch_times_out_on_a_slow_api() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!(1))
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&server)
        .await;
    let harness = with_api(&server, 200).await;
    let result = harness
        .expect_error(fetch("/slow"), ErrorCode::Timeout)
        .await;
    // The plugin's own timeout, not the harness's.
    assert!(!result.timed_out_by_harness());
    assert!(result.error.unwrap().contains("within 200 ms"));
}

#[tokio::test]
async fn fetch_reports_refused_connections_and_bad_bodies() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let harness = start(config().param("api_base_url", format!("http://127.0.0.1:{port}"))).await;
    let refused = harness
        .expect_error(fetch("/x"), ErrorCode::ExternalServiceError)
        .await;
    assert!(refused.error.unwrap().contains("could not connect"));

    let server = MockServer::start().await;
    Mock::given(path("/api/html"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&server)
        .await;
    Mock::given(path("/api/big"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("x".repeat(4096))))
        .mount(&server)
        .await;
    let harness = with_api(&server, 5000).await;
    let html = harness
        .expect_error(fetch("/html"), ErrorCode::ExternalServiceError)
        .await;
    assert!(html.error.unwrap().contains("not JSON"));
    let big = harness
        .expect_error(fetch("/big"), ErrorCode::ExternalServiceError)
        .await;
    assert!(big.error.unwrap().contains("limit 1024 bytes"));
    harness
        .expect_error(fetch("//evil.example/"), ErrorCode::InvalidParameter)
        .await;
}
