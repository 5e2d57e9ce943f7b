//! The plugin's settings, read from [`PluginConfig::parameters`].

use leanvibe_test::plugin::{ErrorCode, PluginConfig, PluginError};
use serde_json::Value;
use std::time::Duration;

/// Every setting, with its default. Unknown parameters are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `max_items`: most items one `process_data` task may carry (default 1000).
    pub max_items: usize,
    /// `max_name_chars`: longest accepted item name, after trimming (default 256).
    pub max_name_chars: usize,
    /// `redis_url`: enables the `cache` task, e.g. `redis://127.0.0.1:6379/`.
    pub redis_url: Option<String>,
    /// `cache_namespace`: prefix of every cache key (default: the plugin name).
    pub cache_namespace: String,
    /// `max_cache_value_bytes`: largest value `cache` stores (default 512 KiB).
    pub max_cache_value_bytes: usize,
    /// `database_url`: enables `save_data` and `get_data`, e.g.
    /// `postgres://postgres@127.0.0.1:5432/plugin`.
    pub database_url: Option<String>,
    /// `api_base_url`: enables the `fetch` task; `http://` only.
    pub api_base_url: Option<String>,
    /// `fetch_timeout_ms`: limit on one whole `fetch` exchange (default 5000),
    /// also the Redis and PostgreSQL connect timeout.
    pub io_timeout: Duration,
    /// `max_response_bytes`: largest upstream body `fetch` reads (default 1 MiB).
    pub max_response_bytes: usize,
}

impl Settings {
    /// Reads the settings, rejecting wrongly typed values with
    /// [`ErrorCode::InvalidParameter`].
    ///
    /// ```
    /// use data_plugin::Settings;
    /// use leanvibe_test::plugin::PluginConfig;
    ///
    /// let settings = Settings::from_config(&PluginConfig::new("data", "1.0.0").param("max_items", 10)).unwrap();
    /// assert_eq!(settings.max_items, 10);
    /// assert_eq!(settings.cache_namespace, "data");
    /// ```
    pub fn from_config(config: &PluginConfig) -> Result<Self, PluginError> {
        let get = |name: &str| config.param_value(name).filter(|v| !v.is_null());
        Ok(Self {
            max_items: positive(get("max_items"), "max_items", 1000)?,
            max_name_chars: positive(get("max_name_chars"), "max_name_chars", 256)?,
            redis_url: string(get("redis_url"), "redis_url")?,
            cache_namespace: string(get("cache_namespace"), "cache_namespace")?
                .unwrap_or_else(|| config.name.clone()),
            max_cache_value_bytes: positive(
                get("max_cache_value_bytes"),
                "max_cache_value_bytes",
                512 * 1024,
            )?,
            database_url: string(get("database_url"), "database_url")?,
            api_base_url: string(get("api_base_url"), "api_base_url")?,
            io_timeout: Duration::from_millis(positive(
                get("fetch_timeout_ms"),
                "fetch_timeout_ms",
                5000,
            )? as u64),
            max_response_bytes: positive(
                get("max_response_bytes"),
                "max_response_bytes",
                1024 * 1024,
            )?,
        })
    }
}

fn positive(value: Option<&Value>, name: &str, default: usize) -> Result<usize, PluginError> {
    match value {
        None => Ok(default),
        Some(v) => v
            .as_u64()
            .filter(|n| *n > 0)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| {
                invalid(format!(
                    "config parameter `{name}` must be a positive integer, got {v}"
                ))
            }),
    }
}

fn string(value: Option<&Value>, name: &str) -> Result<Option<String>, PluginError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(invalid(format!(
            "config parameter `{name}` must be a string, got {v}"
        ))),
    }
}

fn invalid(message: String) -> PluginError {
    PluginError::new(ErrorCode::InvalidParameter, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_bad_types_are_rejected() {
        let defaults = Settings::from_config(&PluginConfig::new("p", "1")).unwrap();
        assert_eq!(defaults.max_items, 1000);
        assert_eq!(defaults.io_timeout, Duration::from_secs(5));
        assert_eq!(defaults.redis_url, None);

        let err =
            Settings::from_config(&PluginConfig::new("p", "1").param("max_items", -3)).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameter);
        assert!(err.message.contains("max_items"), "{}", err.message);

        let err =
            Settings::from_config(&PluginConfig::new("p", "1").param("redis_url", 5)).unwrap_err();
        assert!(err.message.contains("redis_url"), "{}", err.message);
    }
}
