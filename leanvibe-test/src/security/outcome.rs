//! What a function under the suite answered: accepted with some output, or
//! rejected with a message (and a code, where its type has codes).

use crate::json::Value;
#[cfg(feature = "plugin")]
use crate::plugin::TaskResult;
use serde::Serialize;
use std::fmt::Display;

/// How the function under test handled one payload.
///
/// ```
/// use leanvibe_test::security::Response;
///
/// let accepted = Response::Accepted { output: "hello".into() };
/// assert_eq!(accepted.text(), "hello");
/// let rejected = Response::Rejected { message: "too long".into(), code: None };
/// assert_eq!(rejected.text(), "too long");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// The payload was processed; `output` is what came back, as text.
    Accepted {
        /// The output (JSON values are flattened to their raw strings, see
        /// [`IntoResponse`]).
        output: String,
    },
    /// The payload was refused.
    Rejected {
        /// Why: must not be empty.
        message: String,
        /// The machine-readable code, for types that have one.
        code: Option<String>,
    },
}

impl Response {
    /// The output of an acceptance, or the message of a rejection: the text
    /// the leak oracles search.
    pub fn text(&self) -> &str {
        match self {
            Response::Accepted { output } => output,
            Response::Rejected { message, .. } => message,
        }
    }
}

/// What a `#[security_suite]` function may return: anything that says
/// whether the payload was accepted (with what output) or rejected (with what
/// message and, optionally, code).
///
/// Implemented for [`TaskResult`] (rejections must carry an `error_code`),
/// for `Result<T, E>` with `T: Serialize` and `E: Display`, and for
/// [`Response`] itself. Structured output (a `TaskResult`'s `data`, a
/// serialisable `T`) is flattened to the raw text of its strings, numbers
/// and keys, one per line, so oracles see `<script>` and raw CR/LF as they
/// would reach a page or a log, not JSON-escaped. A `T` that is only
/// `Display` can be returned as `.map(|v| v.to_string())`.
///
/// ```
/// use leanvibe_test::security::{IntoResponse, Response};
///
/// struct Reply { ok: bool, body: String }
///
/// impl IntoResponse for Reply {
///     const HAS_CODE: bool = false;
///     fn into_response(self) -> Response {
///         if self.ok {
///             Response::Accepted { output: self.body }
///         } else {
///             Response::Rejected { message: self.body, code: None }
///         }
///     }
/// }
///
/// let reply = Reply { ok: false, body: "denied".into() };
/// assert_eq!(reply.into_response().text(), "denied");
/// ```
pub trait IntoResponse {
    /// Whether rejections of this type carry a code: then one without a
    /// code is a finding.
    const HAS_CODE: bool;

    /// The response to judge.
    fn into_response(self) -> Response;

    /// The response and, for a type whose output is structured, the JSON
    /// object or array it was flattened from: the `prototype_pollution`
    /// oracle judges the keys, which flattening loses. Without a value,
    /// the oracle reads the output text as JSON.
    #[doc(hidden)]
    fn into_response_and_value(self) -> (Response, Option<Value>)
    where
        Self: Sized,
    {
        (self.into_response(), None)
    }
}

impl IntoResponse for Response {
    const HAS_CODE: bool = false;

    fn into_response(self) -> Response {
        self
    }
}

#[cfg(feature = "plugin")]
impl IntoResponse for TaskResult {
    const HAS_CODE: bool = true;

    fn into_response(self) -> Response {
        self.into_response_and_value().0
    }

    fn into_response_and_value(self) -> (Response, Option<Value>) {
        if self.success {
            // The plugin contract's data is a `serde_json::Value`; ours has
            // the same shape.
            let value = crate::json::to_value(&self.data).unwrap_or_default();
            let output = flatten(&value);
            (Response::Accepted { output }, structured(value))
        } else {
            let response = Response::Rejected {
                message: self.error.unwrap_or_default(),
                code: self.error_code.map(|code| code.as_str().to_string()),
            };
            (response, None)
        }
    }
}

impl<T: Serialize, E: Display> IntoResponse for Result<T, E> {
    const HAS_CODE: bool = false;

    fn into_response(self) -> Response {
        self.into_response_and_value().0
    }

    fn into_response_and_value(self) -> (Response, Option<Value>) {
        match self {
            Ok(value) => match crate::json::to_value(&value) {
                Ok(value) => {
                    let output = flatten(&value);
                    (Response::Accepted { output }, structured(value))
                }
                Err(e) => {
                    let output = format!("<output could not be serialised: {e}>");
                    (Response::Accepted { output }, None)
                }
            },
            Err(error) => {
                let response = Response::Rejected {
                    message: error.to_string(),
                    code: None,
                };
                (response, None)
            }
        }
    }
}

/// `value` if it is an object or an array. A string or number is kept as
/// the output text alone: it has no keys, and a JSON document inside a
/// string is read from the text.
fn structured(value: Value) -> Option<Value> {
    matches!(value, Value::Object(_) | Value::Array(_)).then_some(value)
}

/// The raw text of a JSON value: a string as itself; numbers and booleans
/// as written; arrays and objects as their keys and leaves, one per line.
pub(crate) fn flatten(value: &Value) -> String {
    let mut parts = Vec::new();
    collect(value, &mut parts);
    parts.join("\n")
}

fn collect(value: &Value, parts: &mut Vec<String>) {
    match value {
        Value::Null => {}
        Value::String(s) => parts.push(s.clone()),
        Value::Bool(b) => parts.push(b.to_string()),
        Value::Number(n) => parts.push(n.to_string()),
        Value::Array(items) => items.iter().for_each(|item| collect(item, parts)),
        Value::Object(map) => {
            for (key, item) in map {
                parts.push(key.clone());
                collect(item, parts);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "plugin")]
    use crate::plugin::ErrorCode;
    #[cfg(feature = "plugin")]
    use serde_json::json;

    #[cfg(feature = "plugin")]
    #[test]
    fn task_results_keep_their_code() {
        let ok = TaskResult::success(json!({"name": "<b>"})).into_response();
        assert_eq!(
            ok,
            Response::Accepted {
                output: "name\n<b>".into()
            }
        );
        let err = TaskResult::error(ErrorCode::PayloadTooLarge, "over the limit").into_response();
        assert_eq!(
            err,
            Response::Rejected {
                message: "over the limit".into(),
                code: Some("PAYLOAD_TOO_LARGE".into())
            }
        );
    }

    #[test]
    fn structured_output_keeps_its_value_and_text_does_not() {
        let mut map = crate::json::Map::new();
        map.insert("__proto__".into(), Value::from(1u64));
        let ok: Result<Value, String> = Ok(Value::Object(map.clone()));
        let (response, value) = ok.into_response_and_value();
        assert_eq!(response.text(), "__proto__\n1");
        assert_eq!(value, Some(Value::Object(map)));
        let text: Result<String, String> = Ok("{\"a\":1}".into());
        assert_eq!(text.into_response_and_value().1, None);
        let err: Result<Value, String> = Err("no".into());
        assert_eq!(err.into_response_and_value().1, None);
    }

    #[test]
    fn results_serialise_their_value() {
        let ok: Result<String, String> = Ok("a\r\nb".into());
        assert_eq!(ok.into_response().text(), "a\r\nb");
        let err: Result<u8, &str> = Err("no");
        assert_eq!(err.into_response().text(), "no");
    }
}
