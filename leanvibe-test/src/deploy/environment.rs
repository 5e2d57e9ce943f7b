//! What a rollout strategy needs from the outside world.
//!
//! A team implements [`Environment`] over its own load balancer, deployer
//! and metrics store; the tests use [`SimFleet`](super::SimFleet). Every
//! call may fail with an [`EnvError`]; the strategies turn failures into
//! rollbacks and log them, they never panic.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// What an operation acts on: a whole environment (blue-green) or one
/// instance (rolling).
///
/// ```
/// use leanvibe_test::deploy::Target;
/// assert_eq!(Target::environment("green").to_string(), "environment green");
/// assert_eq!(Target::instance("web-3").name(), "web-3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Target {
    /// An environment, such as `blue` or `green`.
    Environment(String),
    /// One instance of a fleet.
    Instance(String),
}

impl Target {
    /// An environment target.
    ///
    /// ```
    /// let _ = leanvibe_test::deploy::Target::environment("blue");
    /// ```
    pub fn environment(name: impl Into<String>) -> Target {
        Target::Environment(name.into())
    }

    /// An instance target.
    ///
    /// ```
    /// let _ = leanvibe_test::deploy::Target::instance("web-1");
    /// ```
    pub fn instance(name: impl Into<String>) -> Target {
        Target::Instance(name.into())
    }

    /// The environment's or instance's name.
    ///
    /// ```
    /// assert_eq!(leanvibe_test::deploy::Target::environment("blue").name(), "blue");
    /// ```
    pub fn name(&self) -> &str {
        match self {
            Target::Environment(name) | Target::Instance(name) => name,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Environment(name) => write!(f, "environment {name}"),
            Target::Instance(name) => write!(f, "instance {name}"),
        }
    }
}

/// The two environments of a blue-green setup: the one serving traffic now
/// and the idle one the new version goes to.
///
/// ```
/// use leanvibe_test::deploy::Slots;
/// let slots = Slots::new("blue", "green");
/// assert_eq!(slots.idle, "green");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slots {
    /// Serving all traffic before the rollout.
    pub active: String,
    /// Receives the new version.
    pub idle: String,
}

impl Slots {
    /// The pair `active`, `idle`.
    ///
    /// ```
    /// let _ = leanvibe_test::deploy::Slots::new("blue", "green");
    /// ```
    pub fn new(active: impl Into<String>, idle: impl Into<String>) -> Slots {
        Slots {
            active: active.into(),
            idle: idle.into(),
        }
    }
}

/// The answer of a health check: the guide's three probes.
///
/// ```
/// use leanvibe_test::deploy::Health;
/// assert!(Health::healthy().is_healthy());
/// let slow = Health { performance: false, ..Health::healthy() };
/// assert_eq!(slow.problems(), vec!["performance baseline"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// The target answers on the network.
    pub connectivity: bool,
    /// The plugin's own health endpoint says it is fine.
    pub plugin: bool,
    /// A probe request met the performance baseline.
    pub performance: bool,
}

impl Health {
    /// All three probes passed.
    ///
    /// ```
    /// assert!(leanvibe_test::deploy::Health::healthy().connectivity);
    /// ```
    pub fn healthy() -> Health {
        Health {
            connectivity: true,
            plugin: true,
            performance: true,
        }
    }

    /// All three probes failed.
    ///
    /// ```
    /// assert!(!leanvibe_test::deploy::Health::unhealthy().is_healthy());
    /// ```
    pub fn unhealthy() -> Health {
        Health {
            connectivity: false,
            plugin: false,
            performance: false,
        }
    }

    /// Whether every probe passed.
    ///
    /// ```
    /// assert!(leanvibe_test::deploy::Health::healthy().is_healthy());
    /// ```
    pub fn is_healthy(&self) -> bool {
        self.connectivity && self.plugin && self.performance
    }

    /// The names of the probes that failed.
    ///
    /// ```
    /// assert_eq!(leanvibe_test::deploy::Health::unhealthy().problems().len(), 3);
    /// ```
    pub fn problems(&self) -> Vec<&'static str> {
        [
            (self.connectivity, "connectivity"),
            (self.plugin, "plugin health"),
            (self.performance, "performance baseline"),
        ]
        .into_iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, name)| name)
        .collect()
    }
}

/// Metrics of a target over a window, as a metrics store reports them.
///
/// ```
/// use leanvibe_test::deploy::MetricSample;
/// let sample = MetricSample { requests: 1000, error_rate: 0.001, avg_ms: 20.0, p95_ms: 40.0, memory_mb: 48.0 };
/// assert_eq!(sample.value("avg"), Some(20.0));
/// assert_eq!(sample.value("p(95)"), Some(40.0));
/// assert_eq!(sample.value("requests"), Some(1000.0));
/// assert_eq!(sample.value("latency"), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricSample {
    /// Requests served in the window.
    pub requests: u64,
    /// Failed requests / requests, from 0 to 1.
    pub error_rate: f64,
    /// Mean response time in milliseconds.
    pub avg_ms: f64,
    /// 95th percentile response time in milliseconds.
    pub p95_ms: f64,
    /// Resident memory in MiB.
    pub memory_mb: f64,
}

impl MetricSample {
    /// The value of a metric of the deploy vocabulary
    /// ([`DEPLOY_METRICS`](super::DEPLOY_METRICS)) by name, with its
    /// argument as written in a threshold (`p(95)`).
    ///
    /// ```
    /// # use leanvibe_test::deploy::MetricSample;
    /// # let sample = MetricSample { requests: 10, error_rate: 0.5, avg_ms: 1.0, p95_ms: 2.0, memory_mb: 3.0 };
    /// assert_eq!(sample.value("error_rate"), Some(0.5));
    /// ```
    pub fn value(&self, metric: &str) -> Option<f64> {
        Some(match metric {
            "requests" => self.requests as f64,
            "error_rate" => self.error_rate,
            "avg" => self.avg_ms,
            "p(95)" => self.p95_ms,
            "memory_mb" => self.memory_mb,
            _ => return None,
        })
    }

    /// Sets a metric named as in [`value`](Self::value); false for a name
    /// outside the vocabulary.
    pub(crate) fn set(&mut self, metric: &str, value: f64) -> bool {
        match metric {
            "requests" => self.requests = value as u64,
            "error_rate" => self.error_rate = value,
            "avg" => self.avg_ms = value,
            "p(95)" => self.p95_ms = value,
            "memory_mb" => self.memory_mb = value,
            _ => return false,
        }
        true
    }
}

/// An operation on the environment failed.
///
/// ```
/// use leanvibe_test::deploy::EnvError;
/// let e = EnvError::new("load balancer timed out");
/// assert_eq!(e.to_string(), "load balancer timed out");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct EnvError {
    /// What went wrong, for the event log.
    pub message: String,
}

impl EnvError {
    /// An error with a message.
    ///
    /// ```
    /// let _ = leanvibe_test::deploy::EnvError::new("deploy failed");
    /// ```
    pub fn new(message: impl Into<String>) -> EnvError {
        EnvError {
            message: message.into(),
        }
    }
}

/// The outside world of a rollout. Implemented by the team over its own
/// infrastructure; [`SimFleet`](super::SimFleet) is the scriptable fake.
///
/// Blue-green uses `slots`, `deploy`, `health`, `set_traffic`, `metrics` and
/// `clean_up`; rolling uses `instances`, `lb_remove`, `deploy`, `health`,
/// `lb_add` and `rollback_instance`. A method a strategy does not use may
/// return an error.
///
/// ```
/// use leanvibe_test::deploy::*;
/// use leanvibe_test::plugin::async_trait;
/// use std::time::Duration;
///
/// struct Staging;
///
/// #[async_trait]
/// impl Environment for Staging {
///     async fn slots(&self) -> Result<Slots, EnvError> { Ok(Slots::new("blue", "green")) }
///     async fn instances(&self) -> Result<Vec<String>, EnvError> { Ok(vec![]) }
///     async fn deploy(&self, _: &Target, _package: &str) -> Result<(), EnvError> { Ok(()) }
///     async fn set_traffic(&self, _env: &str, _percent: u8) -> Result<(), EnvError> { Ok(()) }
///     async fn lb_remove(&self, _: &str) -> Result<(), EnvError> { Ok(()) }
///     async fn lb_add(&self, _: &str) -> Result<(), EnvError> { Ok(()) }
///     async fn health(&self, _: &Target) -> Result<Health, EnvError> { Ok(Health::healthy()) }
///     async fn metrics(&self, _: &Target, _window: Duration) -> Result<Option<MetricSample>, EnvError> {
///         Ok(None) // no data yet
///     }
///     async fn rollback_instance(&self, _: &str) -> Result<(), EnvError> { Ok(()) }
///     async fn clean_up(&self, _env: &str) -> Result<(), EnvError> { Ok(()) }
/// }
/// let _env: Box<dyn Environment> = Box::new(Staging);
/// ```
#[async_trait::async_trait]
pub trait Environment: Send + Sync {
    /// The active and idle environments (blue-green).
    async fn slots(&self) -> Result<Slots, EnvError>;

    /// The instances of the fleet, in the order to update them (rolling).
    async fn instances(&self) -> Result<Vec<String>, EnvError>;

    /// Deploys `package` (a version, an image tag) to the target.
    async fn deploy(&self, target: &Target, package: &str) -> Result<(), EnvError>;

    /// Sends `percent` of the traffic to environment `env`, the rest to the
    /// other one.
    async fn set_traffic(&self, env: &str, percent: u8) -> Result<(), EnvError>;

    /// Takes an instance out of the load balancer.
    async fn lb_remove(&self, instance: &str) -> Result<(), EnvError>;

    /// Puts an instance back into the load balancer.
    async fn lb_add(&self, instance: &str) -> Result<(), EnvError>;

    /// Probes the target: connectivity, plugin health, performance baseline.
    async fn health(&self, target: &Target) -> Result<Health, EnvError>;

    /// The target's metrics over the last `window`. `Ok(None)` means the
    /// store has no data for it; `Err` means the store itself failed.
    async fn metrics(
        &self,
        target: &Target,
        window: Duration,
    ) -> Result<Option<MetricSample>, EnvError>;

    /// Puts the previous version back on an instance.
    async fn rollback_instance(&self, instance: &str) -> Result<(), EnvError>;

    /// Removes what runs in an environment (the old one after a success,
    /// the new one after a rollback).
    async fn clean_up(&self, env: &str) -> Result<(), EnvError>;
}
