//! The `save_data` and `get_data` tasks: JSON documents by key in
//! PostgreSQL (the table in `migrations/001_plugin_data.sql`).

use crate::params::{json_within, key, kind};
use leanvibe_test::plugin::{ErrorCode, PluginError, Task};
use serde_json::{Value, json};
use std::time::Duration;

/// A connection to the plugin's database, owned by one plugin instance.
pub struct Store {
    client: tokio_postgres::Client,
    max_value_bytes: usize,
}

impl Store {
    /// Connects to `url` (`postgres://user@host:port/database`) within
    /// `timeout`. A malformed URL is `INVALID_PARAMETER`; a server that
    /// cannot be reached `DATABASE_ERROR`.
    pub async fn connect(
        url: &str,
        max_value_bytes: usize,
        timeout: Duration,
    ) -> Result<Self, PluginError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            PluginError::new(
                ErrorCode::InvalidParameter,
                format!("config parameter `database_url` is not a PostgreSQL URL: {e}"),
            )
        })?;
        config.connect_timeout(timeout);
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| database_error("could not connect to PostgreSQL", e))?;
        tokio::spawn(async move {
            // Ends when the client is dropped (cleanup); a broken connection
            // shows up as an error of the next query.
            let _ = connection.await;
        });
        Ok(Self {
            client,
            max_value_bytes,
        })
    }

    /// `save_data`: `key` (1 to 256 bytes) and `value` (a JSON object, at
    /// most `max_cache_value_bytes` as text) are stored, replacing an
    /// earlier value. Answers `{"key", "saved": true}`.
    pub async fn save(&self, task: &Task) -> Result<Value, PluginError> {
        let key = key(task)?;
        let value = task.required("value")?;
        if !value.is_object() {
            return Err(PluginError::new(
                ErrorCode::InvalidParameter,
                format!("`value` must be a JSON object, got {}", kind(value)),
            ));
        }
        let text = json_within(value, self.max_value_bytes)?;
        // Parameters, never formatting: a key is data, not SQL.
        self.client
            .execute(
                "INSERT INTO plugin_data (key, value) VALUES ($1, $2::text::jsonb) \
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
                &[&key, &text],
            )
            .await
            .map_err(|e| database_error("saving failed", e))?;
        Ok(json!({ "key": key, "saved": true }))
    }

    /// `get_data`: answers `{"key", "found", "value"}` (`value` is `null`
    /// when the key was never saved).
    pub async fn get(&self, task: &Task) -> Result<Value, PluginError> {
        let key = key(task)?;
        let row = self
            .client
            .query_opt(
                "SELECT value::text FROM plugin_data WHERE key = $1",
                &[&key],
            )
            .await
            .map_err(|e| database_error("reading failed", e))?;
        let value = match row {
            None => Value::Null,
            Some(row) => {
                let text: String = row.get(0);
                serde_json::from_str(&text).map_err(|e| {
                    PluginError::new(
                        ErrorCode::DatabaseError,
                        format!("stored value for `{key}` is not JSON: {e}"),
                    )
                })?
            }
        };
        Ok(json!({ "key": key, "found": !value.is_null(), "value": value }))
    }
}

fn database_error(what: &str, e: tokio_postgres::Error) -> PluginError {
    // The server's own message, not the driver's summary ("db error").
    let detail = e
        .as_db_error()
        .map(|db| db.message().to_owned())
        .unwrap_or_else(|| e.to_string());
    PluginError::new(ErrorCode::DatabaseError, format!("{what}: {detail}"))
}
