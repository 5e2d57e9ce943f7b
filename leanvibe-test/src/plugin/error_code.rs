//! The machine-readable error codes a [`TaskResult`](super::TaskResult) carries.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a task failed, as a stable code. The SDK's codes are variants; a
/// plugin adds its own with [`ErrorCode::Custom`].
///
/// On the wire every code is a SCREAMING_SNAKE_CASE string: `"TIMEOUT"`,
/// `"MISSING_PARAMETER"`, or the custom string itself. Parsing a string that
/// names an SDK code always yields that variant, so `Custom("TIMEOUT")` reads
/// back as [`ErrorCode::Timeout`]; build custom codes with
/// [`ErrorCode::custom`], which applies the same rule.
///
/// ```
/// use leanvibe_test::plugin::ErrorCode;
///
/// assert_eq!(serde_json::to_string(&ErrorCode::MissingParameter).unwrap(), r#""MISSING_PARAMETER""#);
/// let custom: ErrorCode = serde_json::from_str(r#""RATE_LIMITED""#).unwrap();
/// assert_eq!(custom, ErrorCode::Custom("RATE_LIMITED".into()));
/// assert_eq!(custom.as_str(), "RATE_LIMITED");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The plugin does not handle this `task_type`.
    InvalidTaskType,
    /// A required task parameter is absent.
    MissingParameter,
    /// A task parameter has the wrong type, shape or value.
    InvalidParameter,
    /// The task (or a call it made) ran out of time.
    Timeout,
    /// A service the plugin calls (HTTP API, ...) failed or was unreachable.
    ExternalServiceError,
    /// The plugin's database or cache failed.
    DatabaseError,
    /// The caller is not allowed to run this task.
    Unauthorized,
    /// The task's input is larger than the plugin accepts.
    PayloadTooLarge,
    /// An unexpected failure inside the plugin.
    Internal,
    /// A plugin-specific code, kept as written (conventionally
    /// SCREAMING_SNAKE_CASE).
    Custom(String),
}

impl ErrorCode {
    /// Every SDK code (not [`Custom`](ErrorCode::Custom)), in declaration order.
    ///
    /// ```
    /// assert!(leanvibe_test::plugin::ErrorCode::SDK.len() >= 9);
    /// ```
    pub const SDK: &'static [ErrorCode] = &[
        ErrorCode::InvalidTaskType,
        ErrorCode::MissingParameter,
        ErrorCode::InvalidParameter,
        ErrorCode::Timeout,
        ErrorCode::ExternalServiceError,
        ErrorCode::DatabaseError,
        ErrorCode::Unauthorized,
        ErrorCode::PayloadTooLarge,
        ErrorCode::Internal,
    ];

    /// A plugin-specific code; an SDK code's name gives that SDK variant.
    ///
    /// ```
    /// use leanvibe_test::plugin::ErrorCode;
    /// assert_eq!(ErrorCode::custom("QUOTA_EXCEEDED").as_str(), "QUOTA_EXCEEDED");
    /// assert_eq!(ErrorCode::custom("TIMEOUT"), ErrorCode::Timeout);
    /// ```
    pub fn custom(code: impl Into<String>) -> Self {
        Self::from(code.into())
    }

    /// The wire form of the code.
    ///
    /// ```
    /// assert_eq!(leanvibe_test::plugin::ErrorCode::Internal.as_str(), "INTERNAL");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::InvalidTaskType => "INVALID_TASK_TYPE",
            ErrorCode::MissingParameter => "MISSING_PARAMETER",
            ErrorCode::InvalidParameter => "INVALID_PARAMETER",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::ExternalServiceError => "EXTERNAL_SERVICE_ERROR",
            ErrorCode::DatabaseError => "DATABASE_ERROR",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::Custom(code) => code,
        }
    }
}

impl From<String> for ErrorCode {
    fn from(code: String) -> Self {
        ErrorCode::SDK
            .iter()
            .find(|known| known.as_str() == code)
            .cloned()
            .unwrap_or(ErrorCode::Custom(code))
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        Self::from(code.to_owned())
    }
}

impl From<ErrorCode> for String {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::Custom(code) => code,
            known => known.as_str().to_owned(),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sdk_code_round_trips_as_its_screaming_name() {
        for code in ErrorCode::SDK {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, code);
        }
        let names: Vec<&str> = ErrorCode::SDK.iter().map(ErrorCode::as_str).collect();
        assert_eq!(
            names,
            [
                "INVALID_TASK_TYPE",
                "MISSING_PARAMETER",
                "INVALID_PARAMETER",
                "TIMEOUT",
                "EXTERNAL_SERVICE_ERROR",
                "DATABASE_ERROR",
                "UNAUTHORIZED",
                "PAYLOAD_TOO_LARGE",
                "INTERNAL",
            ]
        );
    }

    #[test]
    fn custom_codes_serialise_as_the_bare_string() {
        let code = ErrorCode::custom("UPSTREAM_QUOTA");
        assert_eq!(serde_json::to_value(&code).unwrap(), "UPSTREAM_QUOTA");
        let back: ErrorCode = serde_json::from_str("\"UPSTREAM_QUOTA\"").unwrap();
        assert_eq!(back, code);
        assert_eq!(code.to_string(), "UPSTREAM_QUOTA");
    }
}
