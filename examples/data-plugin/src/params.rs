//! Checks shared by the tasks' parameters.

use leanvibe_test::plugin::{ErrorCode, PluginError, Task};
use serde_json::Value;

/// Longest accepted key, in bytes.
pub(crate) const MAX_KEY_BYTES: usize = 256;

/// The task's `key`: a string of 1 to [`MAX_KEY_BYTES`] bytes.
pub(crate) fn key(task: &Task) -> Result<&str, PluginError> {
    let key = task.required_str("key")?;
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(PluginError::new(
            ErrorCode::InvalidParameter,
            format!(
                "`key` must be 1 to {MAX_KEY_BYTES} bytes long, got {}",
                key.len()
            ),
        ));
    }
    Ok(key)
}

/// `value` as JSON text, `PAYLOAD_TOO_LARGE` over `limit` bytes.
pub(crate) fn json_within(value: &Value, limit: usize) -> Result<String, PluginError> {
    let text = value.to_string();
    if text.len() > limit {
        return Err(PluginError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "`value` is {} bytes as JSON, more than the limit of {limit}",
                text.len()
            ),
        ));
    }
    Ok(text)
}

/// A JSON value's type, for messages (never the value: it may be huge or hostile).
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
