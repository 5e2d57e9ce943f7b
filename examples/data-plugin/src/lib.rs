//! An example plugin built on the [`leanvibe_test::plugin`] contract.
//!
//! [`DataPlugin`] handles three task types:
//! - `process_data`: validates `input_data` records and returns them
//!   normalised and HTML-escaped, with statistics (see [`process::process_data`]);
//! - `cache`: gets and sets JSON values in Redis, when `redis_url` is
//!   configured (see [`cache::Cache::handle`]);
//! - `fetch`: GETs JSON from the HTTP API at `api_base_url`, when configured
//!   (see [`fetch::Api::handle`]);
//! - `save_data` and `get_data`: store and read JSON documents by key in
//!   PostgreSQL, when `database_url` is configured (see [`store::Store`]; the
//!   schema is `migrations/001_plugin_data.sql`).
//!
//! Any other task type is `INVALID_TASK_TYPE`. Settings come from the
//! [`PluginConfig`] parameters (see [`Settings`]). Each instance owns its
//! connections: instances share no state.
//!
//! ```
//! use data_plugin::DataPlugin;
//! use leanvibe_test::plugin::{PluginConfig, PluginHarness, Task};
//! use serde_json::json;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let mut harness = PluginHarness::start(DataPlugin::new, PluginConfig::new("data-plugin", "1.0.0"))
//!     .await
//!     .unwrap();
//! let result = harness
//!     .expect_success(Task::new("t1", "process_data").param("input_data", json!([{"name": "a", "value": 1}])))
//!     .await;
//! assert_eq!(result.data["statistics"]["count"], 1);
//! harness.cleanup().await.unwrap();
//! # });
//! ```

pub mod cache;
pub mod fetch;
mod params;
pub mod process;
mod settings;
pub mod store;

pub use settings::Settings;

use leanvibe_test::plugin::{
    ErrorCode, Plugin, PluginConfig, PluginError, Task, TaskResult, async_trait,
};
use serde_json::Value;

/// The plugin. Build it with [`DataPlugin::new`] (the factory a host or
/// [`PluginHarness`](leanvibe_test::plugin::PluginHarness) calls).
pub struct DataPlugin {
    config: PluginConfig,
    ready: Option<Ready>,
}

/// What `initialize` sets up and `cleanup` drops.
struct Ready {
    settings: Settings,
    cache: Option<cache::Cache>,
    api: Option<fetch::Api>,
    store: Option<store::Store>,
}

impl DataPlugin {
    /// The error code for a task sent before `initialize` or after `cleanup`
    /// (a plugin-specific code).
    pub const NOT_INITIALIZED: &'static str = "NOT_INITIALIZED";
    /// The error code for `cache`/`fetch` when their setting is absent.
    pub const NOT_CONFIGURED: &'static str = "NOT_CONFIGURED";

    /// A plugin with this config; nothing is checked or connected until
    /// `initialize`. Its id is the config's name.
    ///
    /// ```
    /// use data_plugin::DataPlugin;
    /// use leanvibe_test::plugin::{Plugin, PluginConfig};
    ///
    /// let plugin = DataPlugin::new(PluginConfig::new("data-plugin", "1.0.0"));
    /// assert_eq!(plugin.id(), "data-plugin");
    /// assert!(!plugin.is_initialized());
    /// ```
    pub fn new(config: PluginConfig) -> Self {
        Self {
            config,
            ready: None,
        }
    }
}

#[async_trait]
impl Plugin for DataPlugin {
    fn id(&self) -> &str {
        &self.config.name
    }

    fn is_initialized(&self) -> bool {
        self.ready.is_some()
    }

    /// Reads the settings (`INVALID_PARAMETER` when one is wrong), checks
    /// `api_base_url`, and connects to Redis when `redis_url` is set and to
    /// PostgreSQL when `database_url` is (`DATABASE_ERROR` when it cannot).
    async fn initialize(&mut self) -> Result<(), PluginError> {
        let settings = Settings::from_config(&self.config)?;
        let api = settings
            .api_base_url
            .as_deref()
            .map(|url| fetch::Api::new(url, settings.io_timeout, settings.max_response_bytes))
            .transpose()?;
        let cache = match settings.redis_url.as_deref() {
            Some(url) => Some(
                cache::Cache::connect(
                    url,
                    settings.cache_namespace.clone(),
                    settings.max_cache_value_bytes,
                    settings.io_timeout,
                )
                .await?,
            ),
            None => None,
        };
        let store = match settings.database_url.as_deref() {
            Some(url) => Some(
                store::Store::connect(url, settings.max_cache_value_bytes, settings.io_timeout)
                    .await?,
            ),
            None => None,
        };
        self.ready = Some(Ready {
            settings,
            cache,
            api,
            store,
        });
        Ok(())
    }

    async fn handle_task(&self, task: &Task) -> TaskResult {
        TaskResult::from_outcome(self.dispatch(task).await).for_task(self.id(), task)
    }

    async fn cleanup(&mut self) -> Result<(), PluginError> {
        // Dropping the Redis and PostgreSQL handles closes their connections.
        self.ready = None;
        Ok(())
    }
}

impl DataPlugin {
    async fn dispatch(&self, task: &Task) -> Result<Value, PluginError> {
        let ready = self.ready.as_ref().ok_or_else(|| {
            PluginError::new(
                ErrorCode::custom(Self::NOT_INITIALIZED),
                "the plugin is not initialized",
            )
        })?;
        match task.task_type.as_str() {
            "process_data" => process::process_data(
                task,
                process::Limits {
                    max_items: ready.settings.max_items,
                    max_name_chars: ready.settings.max_name_chars,
                },
            ),
            "cache" => match &ready.cache {
                Some(cache) => cache.handle(task).await,
                None => Err(not_configured("cache", "redis_url")),
            },
            "fetch" => match &ready.api {
                Some(api) => api.handle(task).await,
                None => Err(not_configured("fetch", "api_base_url")),
            },
            "save_data" => match &ready.store {
                Some(store) => store.save(task).await,
                None => Err(not_configured("save_data", "database_url")),
            },
            "get_data" => match &ready.store {
                Some(store) => store.get(task).await,
                None => Err(not_configured("get_data", "database_url")),
            },
            too_long if too_long.len() > MAX_TASK_TYPE_BYTES => Err(PluginError::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "task type is {} bytes, over the {MAX_TASK_TYPE_BYTES}-byte limit",
                    too_long.len()
                ),
            )),
            other => Err(PluginError::new(
                ErrorCode::InvalidTaskType,
                format!(
                    "unknown task type {:?}; expected process_data, cache, fetch, save_data or get_data",
                    other.chars().take(64).collect::<String>()
                ),
            )),
        }
    }
}

/// Task types are short names; anything longer is refused as too large
/// before it is echoed anywhere (found by the security suite's `oversize`).
const MAX_TASK_TYPE_BYTES: usize = 64;

fn not_configured(task_type: &str, setting: &str) -> PluginError {
    PluginError::new(
        ErrorCode::custom(DataPlugin::NOT_CONFIGURED),
        format!("the `{task_type}` task needs the `{setting}` config parameter"),
    )
}

#[cfg(test)]
mod tests;
