//! Performance of the example plugin's task types: compliance with the
//! SDK's response-time standard (under 50 ms every time, average under
//! 25 ms, fewer than 5 % over 40 ms), stress at rising concurrency, and a
//! modest open-loop load. Results land in the CTRF report's `extra.perf`.
//!
//! These hold the SDK's absolute limits (`max<50`) over hundreds of runs, in a
//! debug build, on whatever machine runs the suite: one scheduler stall on a
//! busy 2-core CI machine can break `max<50` once. So each test may rerun
//! twice; a pass after a rerun is reported as flaky, never hidden.

use data_plugin::DataPlugin;
use leanvibe_test::errors::HarnessError;
use leanvibe_test::perf;
use leanvibe_test::plugin::{PluginConfig, PluginHarness, Task};
use leanvibe_test::prelude::*;
use leanvibe_test::service::{self, ServiceFixture};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The SDK's response-time standard, in the perf threshold vocabulary.
const SDK_STANDARD: [&str; 5] = [
    "max<50",
    "avg<25",
    "rate(>40)<0.05",
    "p(95)<40",
    "success>0.99",
];

fn config() -> PluginConfig {
    PluginConfig::new("data-plugin", "1.0.0")
}

fn records(n: usize) -> Value {
    (0..n)
        .map(|i| json!({"name": format!("item <{i}>"), "value": i}))
        .collect()
}

fn process_task() -> Task {
    Task::new("perf", "process_data").param("input_data", records(100))
}

#[plugin_test(timeout_ms = 30000, retries = 2, tags = ["perf"])]
async fn process_data_meets_the_sdk_standard() -> Result<(), HarnessError> {
    let harness = PluginHarness::start(DataPlugin::new, config()).await?;
    let task = process_task();
    perf::compliance(|| harness.run_task(task.clone()))
        .name("process_data")
        .warmup(20)
        .iterations(200)
        .thresholds(SDK_STANDARD)
        .check()
        .await;
    Ok(())
}

#[plugin_test(timeout_ms = 30000, retries = 2, tags = ["perf", "integration"])]
async fn fetch_meets_the_sdk_standard() -> Result<(), HarnessError> {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [1, 2, 3]})))
        .mount(&server)
        .await;
    let harness = PluginHarness::start(
        DataPlugin::new,
        config().param("api_base_url", server.uri()),
    )
    .await?;
    let task = Task::new("perf", "fetch").param("path", "/items");
    perf::compliance(|| harness.run_task(task.clone()))
        .name("fetch")
        .warmup(10)
        .iterations(100)
        .thresholds(SDK_STANDARD)
        .check()
        .await;
    Ok(())
}

#[plugin_test(timeout_ms = 30000, retries = 2, tags = ["perf", "integration"])]
async fn cache_meets_the_sdk_standard() -> Result<(), HarnessError> {
    let redis = service::require!(ServiceFixture::redis());
    let harness = PluginHarness::start(
        DataPlugin::new,
        config().param("redis_url", redis.url("redis")),
    )
    .await?;
    let set = Task::new("perf", "cache")
        .param("operation", "set")
        .param("key", "perf")
        .param("value", json!({"n": 1}));
    perf::compliance(|| harness.run_task(set.clone()))
        .name("cache set")
        .warmup(10)
        .iterations(100)
        .thresholds(SDK_STANDARD)
        .check()
        .await;
    Ok(())
}

#[plugin_test(flavor = "multi_thread", worker_threads = 2, timeout_ms = 60000, retries = 2, tags = ["perf"])]
async fn process_data_holds_up_under_stress() -> Result<(), HarnessError> {
    let harness = Arc::new(PluginHarness::start(DataPlugin::new, config()).await?);
    let task = Arc::new(process_task());
    perf::stress([10, 25, 50, 100, 200], move || {
        let (harness, task) = (Arc::clone(&harness), Arc::clone(&task));
        async move { harness.run_task(Task::clone(&task)).await }
    })
    .name("process_data")
    .thresholds(["success>0.99", "panics==0"])
    .check()
    .await;
    Ok(())
}

#[plugin_test(flavor = "multi_thread", worker_threads = 2, timeout_ms = 60000, retries = 2, tags = ["perf"])]
async fn process_data_under_a_modest_open_loop_load() -> Result<(), HarnessError> {
    let harness = Arc::new(PluginHarness::start(DataPlugin::new, config()).await?);
    let task = Arc::new(process_task());
    // 100 tasks a second for 3 s; latency counts from each intended send time.
    perf::load(100.0, Duration::from_secs(3), move || {
        let (harness, task) = (Arc::clone(&harness), Arc::clone(&task));
        async move { harness.run_task(Task::clone(&task)).await }
    })
    .name("process_data")
    .max_in_flight(100)
    .thresholds(["p(99)<50", "success>0.99", "dropped==0"])
    .check()
    .await;
    Ok(())
}

leanvibe_test::main!();
