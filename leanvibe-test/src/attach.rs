//! Data a test attaches to its own report record.
//!
//! Performance results, security findings and the like are attached under a
//! topic key; they appear in the test's CTRF `extra` and in the event stream.
//! A worker runs one test at a time, so one process-wide map belongs to the
//! test running now.

use crate::json::{Map, Value};
use serde::Serialize;
use std::sync::Mutex;

static ATTACHED: Mutex<Option<Map>> = Mutex::new(None);

/// Attaches `value` under `topic` to the report record of the running test.
/// A later value for the same topic replaces the earlier one.
///
/// ```
/// leanvibe_test::attach("cache", std::collections::BTreeMap::from([("hits", 3)]));
/// ```
pub fn attach(topic: &str, value: impl Serialize) {
    let value = crate::json::to_value(&value)
        .unwrap_or_else(|e| Value::String(format!("could not serialise attachment: {e}")));
    lock()
        .get_or_insert_with(Map::new)
        .insert(topic.to_string(), value);
}

/// What is attached under `topic` so far, for topics that accumulate.
#[cfg(feature = "perf")]
pub(crate) fn attached(topic: &str) -> Option<Value> {
    lock().as_ref()?.get(topic).cloned()
}

/// Takes what the test attached, leaving the map empty for the next test.
pub(crate) fn take() -> Map {
    lock().take().unwrap_or_default()
}

fn lock() -> std::sync::MutexGuard<'static, Option<Map>> {
    // A panicking test may poison the lock; the map itself is still whole.
    ATTACHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
