use leanvibe_test::prelude::*;

#[plugin_test]
fn doubles() {
    assert_eq!(data_plugin::double(2), 4);
}

mod unit {
    use leanvibe_test::prelude::*;

    #[plugin_test]
    async fn doubles_async() {
        assert_eq!(data_plugin::double(3), 6);
    }
}

/// The example plugin driven through `PluginHarness`.
mod plugin_harness {
    use data_plugin::DataPlugin;
    use leanvibe_test::plugin::{ErrorCode, HarnessError, PluginConfig, PluginHarness, Task};
    use leanvibe_test::prelude::*;
    use leanvibe_test::service::{self, ServiceFixture};
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn config() -> PluginConfig {
        PluginConfig::new("data-plugin", "1.0.0")
    }

    #[plugin_test(timeout_ms = 10000)]
    async fn process_data_validates_and_escapes() -> Result<(), HarnessError> {
        let mut harness = PluginHarness::start(DataPlugin::new, config()).await?;
        let ok = harness
            .check_success(Task::new("t1", "process_data").param(
                "input_data",
                json!([{"name": "<i>a</i>", "value": 1}, {"name": "b", "value": 3}]),
            ))
            .await?;
        assert_eq!(ok.data["items"][0]["name"], "&lt;i&gt;a&lt;&#x2F;i&gt;");
        assert_eq!(ok.data["statistics"]["sum"], 4.0);
        harness
            .check_error(
                Task::new("t2", "process_data")
                    .param("input_data", json!([{"name": 1, "value": 1}])),
                ErrorCode::InvalidParameter,
            )
            .await?;
        harness
            .check_error(Task::new("t3", "transmogrify"), ErrorCode::InvalidTaskType)
            .await?;
        harness.cleanup().await
    }

    #[plugin_test(timeout_ms = 10000, tags = ["integration"])]
    async fn fetch_handles_a_failing_api() -> Result<(), HarnessError> {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/ok"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"up": true})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/down"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&server)
            .await;
        let harness = PluginHarness::start(
            DataPlugin::new,
            config().param("api_base_url", server.uri()),
        )
        .await?;
        let results = harness
            .run_many([
                Task::new("a", "fetch").param("path", "/ok"),
                Task::new("b", "fetch").param("path", "/down"),
            ])
            .await;
        assert_eq!(results[0].data["body"], json!({"up": true}));
        assert_eq!(results[1].error_code, Some(ErrorCode::ExternalServiceError));
        Ok(())
    }

    #[plugin_test(timeout_ms = 15000, tags = ["integration"])]
    async fn cache_uses_a_real_redis() -> Result<(), HarnessError> {
        let redis = service::require!(ServiceFixture::redis());
        let harness = PluginHarness::start(
            DataPlugin::new,
            config().param("redis_url", redis.url("redis")),
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
}

leanvibe_test::main!();
