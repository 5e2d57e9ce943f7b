//! What a plugin is built from.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A plugin's identity and its parameters, as the host hands them to the
/// plugin's factory.
///
/// ```
/// use leanvibe_test::plugin::PluginConfig;
/// use serde_json::json;
///
/// let config = PluginConfig::new("data-plugin", "1.0.0")
///     .description("validates and transforms records")
///     .param("max_items", 100)
///     .param("api_base_url", "http://127.0.0.1:8080");
/// assert_eq!(config.param_value("max_items"), Some(&json!(100)));
/// let back: PluginConfig = serde_json::from_value(serde_json::to_value(&config).unwrap()).unwrap();
/// assert_eq!(back, config);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PluginConfig {
    /// The plugin's name; plugins usually derive their id from it.
    pub name: String,
    /// The plugin's version (free form, usually semver).
    pub version: String,
    /// A one-line human description.
    #[serde(default)]
    pub description: String,
    /// Plugin-specific settings (URLs, limits, credentials), as JSON.
    #[serde(default)]
    pub parameters: Map<String, Value>,
}

impl PluginConfig {
    /// A config with a name and a version, no description and no parameters.
    ///
    /// ```
    /// let config = leanvibe_test::plugin::PluginConfig::new("p", "0.1.0");
    /// assert!(config.parameters.is_empty());
    /// ```
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            description: String::new(),
            parameters: Map::new(),
        }
    }

    /// Sets the description.
    ///
    /// ```
    /// let config = leanvibe_test::plugin::PluginConfig::new("p", "0.1.0").description("d");
    /// assert_eq!(config.description, "d");
    /// ```
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets one parameter, replacing an earlier value of the same name.
    ///
    /// ```
    /// let config = leanvibe_test::plugin::PluginConfig::new("p", "0.1.0").param("retries", 3);
    /// assert_eq!(config.parameters["retries"], 3);
    /// ```
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.parameters.insert(name.into(), value.into());
        self
    }

    /// The value of a parameter, if set.
    ///
    /// ```
    /// let config = leanvibe_test::plugin::PluginConfig::new("p", "0.1.0");
    /// assert_eq!(config.param_value("missing"), None);
    /// ```
    pub fn param_value(&self, name: &str) -> Option<&Value> {
        self.parameters.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_and_defaults_optional_fields() {
        let config = PluginConfig::new("data-plugin", "2.1.0")
            .description("d")
            .param("redis_url", "redis://127.0.0.1:6379/")
            .param("limits", json!({"max_items": 10}));
        let text = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<PluginConfig>(&text).unwrap(), config);

        let minimal: PluginConfig =
            serde_json::from_value(json!({"name": "p", "version": "1"})).unwrap();
        assert_eq!(minimal, PluginConfig::new("p", "1"));
    }
}
