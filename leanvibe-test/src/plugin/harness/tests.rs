use super::*;
use crate::plugin::{PluginError, async_trait};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A plugin whose behaviour is chosen per task type, plus switches to break
/// the lifecycle contract in each way the harness must catch.
#[derive(Default)]
struct Scripted {
    ready: bool,
    ready_from_start: bool,
    fail_initialize: bool,
    ignore_initialize: bool,
    ignore_cleanup: bool,
    handled: AtomicUsize,
}

#[async_trait]
impl Plugin for Scripted {
    fn id(&self) -> &str {
        "scripted"
    }

    fn is_initialized(&self) -> bool {
        self.ready || self.ready_from_start
    }

    async fn initialize(&mut self) -> Result<(), PluginError> {
        if self.fail_initialize {
            return Err(PluginError::new(
                ErrorCode::DatabaseError,
                "cannot reach the database",
            ));
        }
        if !self.ignore_initialize {
            self.ready = true;
        }
        Ok(())
    }

    async fn handle_task(&self, task: &Task) -> TaskResult {
        self.handled.fetch_add(1, Ordering::SeqCst);
        let sleep_ms = task
            .param_value("sleep_ms")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(sleep_ms)).await;
        match task.task_type.as_str() {
            "ok" => TaskResult::success(json!({"echo": task.task_id})).for_task(self.id(), task),
            // Leaves the ids for the harness to stamp.
            "ok_unstamped" => TaskResult::success(json!(1)),
            "fail" => TaskResult::error(ErrorCode::InvalidParameter, "`x` must be positive")
                .for_task(self.id(), task),
            "fake_time" => TaskResult::success(json!(null))
                .for_task(self.id(), task)
                .with_execution_time_ms(999_999.0),
            "wrong_id" => {
                TaskResult::success(json!(null)).for_task(self.id(), &Task::new("other", "x"))
            }
            "success_with_code" => TaskResult {
                error_code: Some(ErrorCode::Internal),
                ..TaskResult::success(json!(null)).for_task(self.id(), task)
            },
            other => TaskResult::error(ErrorCode::InvalidTaskType, format!("unknown `{other}`"))
                .for_task(self.id(), task),
        }
    }

    async fn cleanup(&mut self) -> Result<(), PluginError> {
        if !self.ignore_cleanup {
            self.ready = false;
        }
        Ok(())
    }
}

fn config() -> PluginConfig {
    PluginConfig::new("scripted", "0.1.0")
}

async fn started() -> PluginHarness {
    PluginHarness::start(|_| Scripted::default(), config())
        .await
        .expect("the scripted plugin starts")
}

#[tokio::test]
async fn lifecycle_initializes_then_releases() {
    let mut harness = PluginHarness::new(|_| Scripted::default(), config());
    assert!(!harness.plugin().is_initialized());
    harness.initialize().await.unwrap();
    assert!(harness.plugin().is_initialized());
    harness.cleanup().await.unwrap();
    assert!(!harness.plugin().is_initialized());
}

#[tokio::test]
async fn the_factory_receives_the_config() {
    let harness = PluginHarness::new(
        |config: PluginConfig| {
            assert_eq!(config.param_value("mode"), Some(&json!("strict")));
            Scripted::default()
        },
        config().param("mode", "strict"),
    );
    assert_eq!(harness.plugin().id(), "scripted");
}

#[tokio::test]
async fn lifecycle_violations_are_reported() {
    let early = PluginHarness::start(
        |_| Scripted {
            ready_from_start: true,
            ..Scripted::default()
        },
        config(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(early, HarnessError::InitializedTooEarly { .. }),
        "{early}"
    );

    let failed = PluginHarness::start(
        |_| Scripted {
            fail_initialize: true,
            ..Scripted::default()
        },
        config(),
    )
    .await
    .unwrap_err();
    match &failed {
        HarnessError::Initialize { plugin_id, source } => {
            assert_eq!(plugin_id, "scripted");
            assert_eq!(source.code, ErrorCode::DatabaseError);
        }
        other => panic!("unexpected {other}"),
    }
    assert!(failed.to_string().contains("cannot reach the database"));

    let lazy = PluginHarness::start(
        |_| Scripted {
            ignore_initialize: true,
            ..Scripted::default()
        },
        config(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(lazy, HarnessError::NotInitialized { .. }),
        "{lazy}"
    );

    let mut clingy = PluginHarness::start(
        |_| Scripted {
            ignore_cleanup: true,
            ..Scripted::default()
        },
        config(),
    )
    .await
    .unwrap();
    let err = clingy.cleanup().await.unwrap_err();
    assert!(
        matches!(err, HarnessError::StillInitialized { .. }),
        "{err}"
    );
}

// Paused time: the sleep is virtual, so the test is instant and exact on any machine.
#[tokio::test(start_paused = true)]
async fn a_task_past_the_timeout_gets_a_harness_made_timeout() {
    let harness = started()
        .await
        .with_task_timeout(Duration::from_millis(100));
    let task = Task::new("slow", "ok").param("sleep_ms", 10_000);
    let result = harness.run_task(task.clone()).await;
    assert!(!result.success);
    assert_eq!(result.error_code, Some(ErrorCode::Timeout));
    assert!(result.timed_out_by_harness());
    assert_eq!(result.task_id, "slow");
    assert_eq!(result.plugin_id, "scripted");
    assert!(result.error.as_deref().unwrap().contains("100 ms"));
    assert!(result.execution_time_ms >= 100.0 && result.execution_time_ms < 10_000.0);
    assert_eq!(
        result.harness.as_ref().unwrap().timed_out_after_ms,
        Some(100)
    );

    // expect_error(TIMEOUT) accepts the harness-made result.
    let again = harness.expect_error(task, ErrorCode::Timeout).await;
    assert!(again.timed_out_by_harness());
}

#[tokio::test(start_paused = true)]
async fn the_harness_timing_replaces_the_plugins_claim() {
    let harness = started().await;
    let result = harness
        .expect_success(Task::new("t", "fake_time").param("sleep_ms", 20))
        .await;
    assert!(
        result.execution_time_ms >= 20.0,
        "{}",
        result.execution_time_ms
    );
    assert!(result.execution_time_ms < 999_999.0);
    let marks = result.harness.unwrap();
    assert_eq!(marks.plugin_reported_ms, Some(999_999.0));
    assert_eq!(marks.timed_out_after_ms, None);
}

#[tokio::test(start_paused = true)]
async fn run_many_runs_concurrently_and_keeps_input_order() {
    let harness = started().await;
    // The first task sleeps longest, so completion order is the reverse of input order.
    let tasks: Vec<Task> = (0..5u64)
        .map(|i| Task::new(format!("t{i}"), "ok").param("sleep_ms", (5 - i) * 100))
        .collect();
    let started_at = Instant::now();
    let results = harness.run_many(tasks).await;
    let elapsed = started_at.elapsed();
    let ids: Vec<&str> = results.iter().map(|r| r.task_id.as_str()).collect();
    assert_eq!(ids, ["t0", "t1", "t2", "t3", "t4"]);
    assert!(results.iter().all(|r| r.success));
    assert_eq!(results[0].data, json!({"echo": "t0"}));
    // Sequential would take 1500 ms of (virtual) time; concurrent takes the longest, 500.
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn run_many_applies_the_timeout_per_task() {
    let harness = started()
        .await
        .with_task_timeout(Duration::from_millis(250));
    let results = harness
        .run_many([
            Task::new("fast", "ok").param("sleep_ms", 10),
            Task::new("slow", "ok").param("sleep_ms", 1_000),
            Task::new("bad", "fail"),
        ])
        .await;
    assert!(results[0].success && !results[0].timed_out_by_harness());
    assert!(results[1].timed_out_by_harness());
    assert_eq!(results[2].error_code, Some(ErrorCode::InvalidParameter));
}

#[tokio::test]
async fn empty_ids_are_stamped() {
    let harness = started().await;
    let result = harness
        .expect_success(Task::new("t7", "ok_unstamped"))
        .await;
    assert_eq!(result.task_id, "t7");
    assert_eq!(result.plugin_id, "scripted");
}

#[tokio::test]
async fn check_messages_show_task_and_result_json() {
    let harness = started().await;
    let err = harness
        .check_success(Task::new("t1", "fail").param("x", -1))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("expected success, got INVALID_PARAMETER: `x` must be positive"),
        "{message}"
    );
    assert!(
        message.contains(r#"task:   {"task_id":"t1","task_type":"fail","parameters":{"x":-1}}"#),
        "{message}"
    );
    assert!(
        message.contains(r#""error_code":"INVALID_PARAMETER""#),
        "{message}"
    );
    // Debug is the same text, for tests that return Result.
    assert_eq!(format!("{err:?}"), message);

    let wrong_code = harness
        .check_error(Task::new("t2", "fail"), ErrorCode::MissingParameter)
        .await
        .unwrap_err();
    assert!(
        wrong_code
            .to_string()
            .starts_with("expected error MISSING_PARAMETER, got INVALID_PARAMETER"),
        "{wrong_code}"
    );

    let not_an_error = harness
        .check_error(Task::new("t3", "ok"), ErrorCode::InvalidTaskType)
        .await
        .unwrap_err();
    assert!(
        not_an_error
            .to_string()
            .starts_with("expected error INVALID_TASK_TYPE, got success")
    );
}

#[tokio::test]
async fn contract_violations_fail_checks() {
    let harness = started().await;
    let wrong_id = harness
        .check_success(Task::new("t1", "wrong_id"))
        .await
        .unwrap_err();
    assert!(
        wrong_id
            .to_string()
            .starts_with("result answers task `other`, not `t1`"),
        "{wrong_id}"
    );
    let inconsistent = harness
        .check_success(Task::new("t2", "success_with_code"))
        .await
        .unwrap_err();
    assert!(
        inconsistent
            .to_string()
            .contains("success = true and an error_code")
    );
}

#[tokio::test]
#[should_panic(expected = "expected error INVALID_TASK_TYPE, got success")]
async fn expect_error_panics_with_the_check_message() {
    let harness = started().await;
    harness
        .expect_error(Task::new("t1", "ok"), ErrorCode::InvalidTaskType)
        .await;
}

#[tokio::test]
#[should_panic(expected = r#"task:   {"task_id":"t9","task_type":"fail","parameters":{}}"#)]
async fn expect_success_panics_showing_the_task() {
    let harness = started().await;
    harness.expect_success(Task::new("t9", "fail")).await;
}

#[tokio::test]
async fn tasks_reach_a_plugin_in_any_state() {
    // The harness does not gate on lifecycle state: answering before
    // initialize is the plugin's call, and a test may want to check it.
    let harness = PluginHarness::new(|_| Scripted::default(), config());
    assert!(!harness.plugin().is_initialized());
    let result = harness.run_task(Task::new("t", "ok")).await;
    assert!(result.success);
}
