//! The `cache` task: get and set JSON values in Redis.

use crate::params;
use leanvibe_test::plugin::{ErrorCode, PluginError, Task};
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use serde_json::{Value, json};
use std::time::Duration;

/// A connection to Redis, owned by one plugin instance. Keys are stored as
/// `{namespace}:{key}`.
pub struct Cache {
    connection: MultiplexedConnection,
    namespace: String,
    max_value_bytes: usize,
}

impl Cache {
    /// Connects to `url` (e.g. `redis://127.0.0.1:6379/`), with `timeout`
    /// for the connection and for every response. A malformed URL is
    /// `INVALID_PARAMETER`; an unreachable server `DATABASE_ERROR`.
    pub async fn connect(
        url: &str,
        namespace: String,
        max_value_bytes: usize,
        timeout: Duration,
    ) -> Result<Self, PluginError> {
        let client = redis::Client::open(url).map_err(|e| {
            PluginError::new(
                ErrorCode::InvalidParameter,
                format!("config parameter `redis_url` is not a Redis URL: {e}"),
            )
        })?;
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let connection = client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| database_error("could not connect to Redis", e))?;
        Ok(Self {
            connection,
            namespace,
            max_value_bytes,
        })
    }

    /// Runs one `cache` task.
    ///
    /// Parameters: `operation` (`"get"` or `"set"`), `key` (non-empty string
    /// of at most 256 bytes), for `set` a `value` (any JSON but `null`,
    /// stored as JSON text; over `max_cache_value_bytes` is
    /// `PAYLOAD_TOO_LARGE`) and an optional `ttl_seconds` (positive integer).
    ///
    /// `get` answers `{"key", "found", "value"}`, `set` answers
    /// `{"key", "stored": true}`. Redis failures are `DATABASE_ERROR`.
    pub async fn handle(&self, task: &Task) -> Result<Value, PluginError> {
        let key = params::key(task)?;
        let stored_key = format!("{}:{key}", self.namespace);
        // The multiplexed connection is a cheap handle onto one shared socket.
        let mut connection = self.connection.clone();
        match task.required_str("operation")? {
            "get" => {
                let text: Option<String> = connection
                    .get(&stored_key)
                    .await
                    .map_err(|e| database_error("Redis GET failed", e))?;
                let value = match text {
                    None => Value::Null,
                    Some(text) => serde_json::from_str(&text).map_err(|e| {
                        PluginError::new(
                            ErrorCode::DatabaseError,
                            format!("cached value for `{key}` is not JSON: {e}"),
                        )
                    })?,
                };
                Ok(json!({ "key": key, "found": !value.is_null(), "value": value }))
            }
            "set" => {
                let text = params::json_within(task.required("value")?, self.max_value_bytes)?;
                let result = match ttl_seconds(task)? {
                    Some(ttl) => connection.set_ex(&stored_key, text, ttl).await,
                    None => connection.set(&stored_key, text).await,
                };
                let () = result.map_err(|e| database_error("Redis SET failed", e))?;
                Ok(json!({ "key": key, "stored": true }))
            }
            other => Err(invalid(format!(
                "`operation` must be \"get\" or \"set\", got {:?}",
                other.chars().take(32).collect::<String>()
            ))),
        }
    }
}

fn ttl_seconds(task: &Task) -> Result<Option<u64>, PluginError> {
    match task.param_value("ttl_seconds") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| invalid("`ttl_seconds` must be a positive integer".to_owned())),
    }
}

fn database_error(what: &str, e: redis::RedisError) -> PluginError {
    PluginError::new(ErrorCode::DatabaseError, format!("{what}: {e}"))
}

fn invalid(message: String) -> PluginError {
    PluginError::new(ErrorCode::InvalidParameter, message)
}
