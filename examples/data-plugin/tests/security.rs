//! The example plugin under the security suite: every task input it
//! exposes, against every vector that applies to it. Each vector is its own
//! test (`process_name::xss`, `fetch_path::ssrf`, ...), run with
//! `cargo test -p data-plugin --test security`.

use data_plugin::DataPlugin;
use leanvibe_test::plugin::{Plugin, PluginConfig, Task, TaskResult};
use leanvibe_test::prelude::*;
use leanvibe_test::security::SecretKind;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An initialised plugin with `config`, or the initialisation error as the
/// result (a rejection the suite judges like any other).
async fn handle(config: PluginConfig, task: Task) -> TaskResult {
    let mut plugin = DataPlugin::new(config);
    if let Err(error) = plugin.initialize().await {
        return TaskResult::from_outcome(Err(error));
    }
    let result = plugin.handle_task(&task).await;
    let _ = plugin.cleanup().await;
    result
}

fn config() -> PluginConfig {
    PluginConfig::new("data-plugin", "1.0.0")
}

/// The payload as an item name of `process_data`, whose output is
/// HTML-escaped and stripped of control characters, and whose length is
/// limited. (`sql_injection` does not apply: the plugin has no database,
/// and the guide's echo rule would flag names such as `1 or sleep(1)#`
/// that it rightly keeps.)
#[security_suite(vectors = [
    xss,
    log_injection,
    header_injection,
    template_injection,
    command_injection,
    ldap_injection,
    xxe,
    prototype_pollution,
    oversize,
])]
async fn process_name(payload: &str) -> TaskResult {
    let task = Task::new("t", "process_data")
        .param("input_data", json!([{ "name": payload, "value": 1 }]));
    handle(config(), task).await
}

/// The payload as the task type: unknown types are refused with a bounded
/// echo of the name; over-long ones as too large.
#[security_suite(vectors = [xss, log_injection, header_injection, oversize])]
async fn task_type(payload: &str) -> TaskResult {
    handle(config(), Task::new("t", payload)).await
}

/// The payload as the `path` of a `fetch` task against a live API: the
/// plugin must never be steered to another host, nor take a path of any size.
#[security_suite(vectors = [ssrf, path_traversal, header_injection, oversize])]
async fn fetch_path(probe: &Probe) -> TaskResult {
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
        .mount(&api)
        .await;
    let config = config().param("api_base_url", format!("{}/api", api.uri()));
    handle(
        config,
        Task::new("t", "fetch").param("path", probe.payload()),
    )
    .await
}

/// Configured with a Redis password the plugin cannot use (nothing
/// listens), then asked to cache the payload: the password must not show
/// in the error or in anything printed.
#[security_suite(vectors = [secrets])]
async fn cache_with_secret_url(probe: &Probe) -> TaskResult {
    let password = probe.secret(SecretKind::Password);
    let config = config()
        .param("redis_url", format!("redis://:{password}@127.0.0.1:1/"))
        .param("fetch_timeout_ms", 500);
    let task = Task::new("t", "cache")
        .param("operation", "get")
        .param("key", probe.payload());
    handle(config, task).await
}

leanvibe_test::main!();
