//! A simulated fleet with scripted faults, for testing rollouts in
//! milliseconds.
//!
//! [`SimFleet`] implements [`Environment`] in memory: two environments
//! (`blue` active with `v1`, `green` idle) or N instances (`web-01`, ...,
//! all running `v1`, all in the load balancer). Its metrics come from a
//! healthy baseline scaled by traffic, changed by the faults you script.
//! Paired with a [`VirtualClock`](super::VirtualClock), a rollout of an hour
//! of virtual time runs in milliseconds, and the same script always gives
//! the same result.

use super::clock::Clock;
use super::environment::{EnvError, Environment, Health, MetricSample, Slots, Target};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// When a drifting metric starts to drift.
///
/// ```
/// use leanvibe_test::deploy::DriftFrom;
/// let _ = DriftFrom::Traffic(50); // once the target gets 50% of the traffic or more
/// let _ = DriftFrom::Time(std::time::Duration::from_secs(600)); // from +10:00 on
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftFrom {
    /// Measurements taken at or after this clock reading.
    Time(Duration),
    /// Measurements taken while the target has at least this share of the
    /// traffic (blue-green).
    Traffic(u8),
}

#[derive(Debug, Clone)]
struct Drift {
    target: String,
    metric: String,
    value: f64,
    from: DriftFrom,
}

/// Faults and figures, fixed when the fleet is built.
#[derive(Debug, Clone, Default)]
struct Script {
    fail_deploy: HashSet<String>,
    flaps: HashMap<String, u32>,
    provider_errors: Vec<(Duration, u32)>,
    no_data_from: Option<Duration>,
    drifts: Vec<Drift>,
    fail_lb: HashSet<String>,
    fail_traffic: Vec<(String, u8)>,
    fail_rollback: HashSet<String>,
    deploy_time: Duration,
}

/// What the fleet looks like now, and what was done to it.
#[derive(Debug, Default)]
struct State {
    slots: Option<Slots>,
    instances: Vec<String>,
    versions: BTreeMap<String, Option<String>>,
    previous: BTreeMap<String, Option<String>>,
    traffic: BTreeMap<String, u8>,
    in_lb: BTreeSet<String>,
    most_out_of_lb: usize,
    cleaned: Vec<String>,
    health_probes: HashMap<String, u32>,
    provider_errors_used: Vec<u32>,
    metrics_queries: u32,
    calls: Vec<String>,
}

/// A simulated fleet: two environments or N instances, a healthy metrics
/// baseline, and scripted faults. Faults are added with the builder methods
/// before the rollout; the state is read after it.
///
/// Baseline of a healthy target: 1000 requests per minute at 100% of the
/// traffic (scaled by the target's traffic share, or split evenly between
/// instances), `error_rate` 0.001, `avg` 20, `p(95)` 45, `memory_mb` 48.
///
/// ```
/// use leanvibe_test::deploy::{BlueGreen, DriftFrom, RolloutOutcome, SimFleet, VirtualClock};
/// # leanvibe_test::tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = VirtualClock::new();
/// let fleet = SimFleet::blue_green(&clock).drift("green", "error_rate", 0.08, DriftFrom::Traffic(50));
/// let result = BlueGreen::default().run(&fleet, &clock, "v2").await;
/// assert!(matches!(result.outcome, RolloutOutcome::RolledBack { .. }));
/// assert_eq!(fleet.traffic("blue"), 100);
/// assert_eq!(fleet.cleaned(), vec!["green".to_string()]);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct SimFleet {
    clock: Arc<dyn ClockDebug>,
    script: Script,
    baseline: MetricSample,
    state: Arc<Mutex<State>>,
}

/// `Clock + Debug`, so the fleet can derive `Debug`.
trait ClockDebug: Clock + std::fmt::Debug {}
impl<C: Clock + std::fmt::Debug> ClockDebug for C {}

impl SimFleet {
    /// Two environments: `blue` active with `v1` and all the traffic,
    /// `green` idle and empty.
    ///
    /// ```
    /// use leanvibe_test::deploy::{SimFleet, VirtualClock};
    /// let fleet = SimFleet::blue_green(&VirtualClock::new());
    /// assert_eq!(fleet.traffic("blue"), 100);
    /// assert_eq!(fleet.version("blue").as_deref(), Some("v1"));
    /// ```
    pub fn blue_green<C: Clock + Clone + std::fmt::Debug + 'static>(clock: &C) -> SimFleet {
        let mut state = State {
            slots: Some(Slots::new("blue", "green")),
            ..State::default()
        };
        state.versions.insert("blue".into(), Some("v1".into()));
        state.versions.insert("green".into(), None);
        state.traffic.insert("blue".into(), 100);
        state.traffic.insert("green".into(), 0);
        SimFleet::with_state(clock, state)
    }

    /// `count` instances, `web-01` to `web-NN` (zero-padded to the width of
    /// `count`), each running `v1` and in the load balancer.
    ///
    /// ```
    /// use leanvibe_test::deploy::{SimFleet, VirtualClock};
    /// let fleet = SimFleet::instances(&VirtualClock::new(), 100);
    /// assert!(fleet.in_load_balancer("web-001") && fleet.in_load_balancer("web-100"));
    /// ```
    pub fn instances<C: Clock + Clone + std::fmt::Debug + 'static>(
        clock: &C,
        count: usize,
    ) -> SimFleet {
        let width = count.to_string().len().max(2);
        let mut state = State::default();
        for i in 1..=count {
            let name = format!("web-{i:0width$}");
            state.versions.insert(name.clone(), Some("v1".into()));
            state.in_lb.insert(name.clone());
            state.instances.push(name);
        }
        SimFleet::with_state(clock, state)
    }

    fn with_state<C: Clock + Clone + std::fmt::Debug + 'static>(
        clock: &C,
        state: State,
    ) -> SimFleet {
        SimFleet {
            clock: Arc::new(clock.clone()),
            script: Script::default(),
            baseline: MetricSample {
                requests: 1000,
                error_rate: 0.001,
                avg_ms: 20.0,
                p95_ms: 45.0,
                memory_mb: 48.0,
            },
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// Replaces the healthy baseline; `requests` is per minute at 100% of
    /// the traffic.
    ///
    /// ```
    /// use leanvibe_test::deploy::{MetricSample, SimFleet, VirtualClock};
    /// let quiet = SimFleet::blue_green(&VirtualClock::new()).baseline(MetricSample {
    ///     requests: 100, error_rate: 0.0, avg_ms: 10.0, p95_ms: 20.0, memory_mb: 30.0,
    /// });
    /// ```
    pub fn baseline(mut self, baseline: MetricSample) -> SimFleet {
        self.baseline = baseline;
        self
    }

    /// Deploying to `target` (environment or instance) fails.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// let fleet = SimFleet::instances(&VirtualClock::new(), 5).fail_deploy("web-03");
    /// ```
    pub fn fail_deploy(mut self, target: &str) -> SimFleet {
        self.script.fail_deploy.insert(target.to_string());
        self
    }

    /// The first `times` health probes of `target` answer unhealthy (plugin
    /// health down); later ones are healthy.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// let fleet = SimFleet::blue_green(&VirtualClock::new()).flap_health("green", 2);
    /// ```
    pub fn flap_health(mut self, target: &str, times: u32) -> SimFleet {
        self.script.flaps.insert(target.to_string(), times);
        self
    }

    /// The first `times` metrics queries made at or after clock reading
    /// `from` fail, one after the other. May be given several times.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// # use std::time::Duration;
    /// let fleet = SimFleet::blue_green(&VirtualClock::new()).provider_errors(Duration::from_secs(120), 3);
    /// ```
    pub fn provider_errors(mut self, from: Duration, times: u32) -> SimFleet {
        self.script.provider_errors.push((from, times));
        self
    }

    /// Metrics queries at or after clock reading `from` answer "no data".
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// let fleet = SimFleet::blue_green(&VirtualClock::new()).no_data(std::time::Duration::ZERO);
    /// ```
    pub fn no_data(mut self, from: Duration) -> SimFleet {
        self.script.no_data_from = Some(from);
        self
    }

    /// `metric` of `target` reads `value` from `from` on (see [`DriftFrom`]).
    /// `metric` is named as in a gate's threshold ([`MetricSample::value`]).
    ///
    /// # Panics
    ///
    /// On a metric outside the deploy vocabulary: a scripted drift that
    /// could never show would make a rollout test pass for the wrong reason.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// let fleet = SimFleet::blue_green(&VirtualClock::new())
    ///     .drift("green", "memory_mb", 96.0, DriftFrom::Time(std::time::Duration::from_secs(900)));
    /// ```
    pub fn drift(mut self, target: &str, metric: &str, value: f64, from: DriftFrom) -> SimFleet {
        assert!(
            MetricSample::default().set(metric, value),
            "SimFleet::drift: unknown metric `{metric}`; known: requests, error_rate, avg, p(95), memory_mb"
        );
        self.script.drifts.push(Drift {
            target: target.to_string(),
            metric: metric.to_string(),
            value,
            from,
        });
        self
    }

    /// Load-balancer operations on `name` fail: removing or adding the
    /// instance, or setting any traffic share on the environment.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// let fleet = SimFleet::instances(&VirtualClock::new(), 4).fail_load_balancer("web-02");
    /// ```
    pub fn fail_load_balancer(mut self, name: &str) -> SimFleet {
        self.script.fail_lb.insert(name.to_string());
        self
    }

    /// Setting environment `env`'s traffic share to exactly `percent` fails.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// let fleet = SimFleet::blue_green(&VirtualClock::new()).fail_traffic_at("green", 50);
    /// ```
    pub fn fail_traffic_at(mut self, env: &str, percent: u8) -> SimFleet {
        self.script.fail_traffic.push((env.to_string(), percent));
        self
    }

    /// Rolling back instance `name`, or cleaning up environment `name`, fails.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// let fleet = SimFleet::instances(&VirtualClock::new(), 4).fail_deploy("web-02").fail_rollback("web-02");
    /// ```
    pub fn fail_rollback(mut self, name: &str) -> SimFleet {
        self.script.fail_rollback.insert(name.to_string());
        self
    }

    /// Each deploy takes `duration` of clock time (zero by default).
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// let fleet = SimFleet::instances(&VirtualClock::new(), 4).deploy_takes(std::time::Duration::from_secs(30));
    /// ```
    pub fn deploy_takes(mut self, duration: Duration) -> SimFleet {
        self.script.deploy_time = duration;
        self
    }

    /// Traffic share of environment `env` now.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// assert_eq!(SimFleet::blue_green(&VirtualClock::new()).traffic("green"), 0);
    /// ```
    pub fn traffic(&self, env: &str) -> u8 {
        self.lock().traffic.get(env).copied().unwrap_or(0)
    }

    /// Version running on an environment or instance (`None` when empty).
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// assert_eq!(SimFleet::blue_green(&VirtualClock::new()).version("green"), None);
    /// ```
    pub fn version(&self, name: &str) -> Option<String> {
        self.lock().versions.get(name).cloned().flatten()
    }

    /// Whether instance `name` is in the load balancer.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// assert!(SimFleet::instances(&VirtualClock::new(), 2).in_load_balancer("web-01"));
    /// ```
    pub fn in_load_balancer(&self, name: &str) -> bool {
        self.lock().in_lb.contains(name)
    }

    /// The most instances that were out of the load balancer at once.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// assert_eq!(SimFleet::instances(&VirtualClock::new(), 2).most_unavailable(), 0);
    /// ```
    pub fn most_unavailable(&self) -> usize {
        self.lock().most_out_of_lb
    }

    /// Environments cleaned up, in order.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// assert!(SimFleet::blue_green(&VirtualClock::new()).cleaned().is_empty());
    /// ```
    pub fn cleaned(&self) -> Vec<String> {
        self.lock().cleaned.clone()
    }

    /// Metrics queries answered so far (errors included).
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// assert_eq!(SimFleet::blue_green(&VirtualClock::new()).metrics_queries(), 0);
    /// ```
    pub fn metrics_queries(&self) -> u32 {
        self.lock().metrics_queries
    }

    /// Every call made to the fleet, `+MM:SS call(args) -> result`.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// assert!(SimFleet::blue_green(&VirtualClock::new()).calls().is_empty());
    /// ```
    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Plain data, updated in whole steps: usable after a panic elsewhere.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn note(&self, state: &mut State, call: String, ok: bool) {
        let at = super::clock::format_offset(self.clock.now());
        let result = if ok { "ok" } else { "FAILED" };
        state.calls.push(format!("{at} {call} -> {result}"));
    }

    fn outcome(&self, call: String, fail: bool, what: &str) -> Result<(), EnvError> {
        let mut state = self.lock();
        self.note(&mut state, call, !fail);
        if fail {
            Err(EnvError::new(format!("simulated {what} failure")))
        } else {
            Ok(())
        }
    }

    fn sample(&self, state: &State, target: &Target, window: Duration) -> MetricSample {
        let minutes = window.as_secs_f64() / 60.0;
        let share = match target {
            Target::Environment(env) => f64::from(*state.traffic.get(env).unwrap_or(&0)) / 100.0,
            Target::Instance(_) => 1.0 / state.instances.len().max(1) as f64,
        };
        let mut sample = MetricSample {
            requests: (self.baseline.requests as f64 * share * minutes).round() as u64,
            ..self.baseline
        };
        let now = self.clock.now();
        for drift in self
            .script
            .drifts
            .iter()
            .filter(|d| d.target == target.name())
        {
            let active = match drift.from {
                DriftFrom::Time(at) => now >= at,
                DriftFrom::Traffic(percent) => {
                    state.traffic.get(&drift.target).copied().unwrap_or(0) >= percent
                }
            };
            if active {
                sample.set(&drift.metric, drift.value);
            }
        }
        sample
    }
}

#[async_trait::async_trait]
impl Environment for SimFleet {
    async fn slots(&self) -> Result<Slots, EnvError> {
        self.lock()
            .slots
            .clone()
            .ok_or_else(|| EnvError::new("this simulated fleet has instances, not environments"))
    }

    async fn instances(&self) -> Result<Vec<String>, EnvError> {
        Ok(self.lock().instances.clone())
    }

    async fn deploy(&self, target: &Target, package: &str) -> Result<(), EnvError> {
        if !self.script.deploy_time.is_zero() {
            self.clock.sleep(self.script.deploy_time).await;
        }
        let fail = self.script.fail_deploy.contains(target.name());
        let mut state = self.lock();
        self.note(
            &mut state,
            format!("deploy({}, {package})", target.name()),
            !fail,
        );
        let name = target.name().to_string();
        if fail {
            // The old version keeps running; a rollback keeps it.
            let current = state.versions.get(&name).cloned().flatten();
            state.previous.insert(name, current);
            return Err(EnvError::new(format!(
                "simulated deploy failure on {target}"
            )));
        }
        let old = state
            .versions
            .insert(name.clone(), Some(package.to_string()))
            .flatten();
        state.previous.insert(name, old);
        Ok(())
    }

    async fn set_traffic(&self, env: &str, percent: u8) -> Result<(), EnvError> {
        let fail = self.script.fail_lb.contains(env)
            || self
                .script
                .fail_traffic
                .iter()
                .any(|(e, p)| e == env && *p == percent);
        self.outcome(
            format!("set_traffic({env}, {percent})"),
            fail,
            "load-balancer",
        )?;
        let mut state = self.lock();
        let Some(slots) = state.slots.clone() else {
            return Err(EnvError::new("no environments in this simulated fleet"));
        };
        let other = if env == slots.active {
            slots.idle
        } else {
            slots.active
        };
        state.traffic.insert(env.to_string(), percent.min(100));
        state.traffic.insert(other, 100 - percent.min(100));
        Ok(())
    }

    async fn lb_remove(&self, instance: &str) -> Result<(), EnvError> {
        let fail = self.script.fail_lb.contains(instance);
        self.outcome(format!("lb_remove({instance})"), fail, "load-balancer")?;
        let mut state = self.lock();
        state.in_lb.remove(instance);
        let out = state.instances.len() - state.in_lb.len();
        state.most_out_of_lb = state.most_out_of_lb.max(out);
        Ok(())
    }

    async fn lb_add(&self, instance: &str) -> Result<(), EnvError> {
        let fail = self.script.fail_lb.contains(instance);
        self.outcome(format!("lb_add({instance})"), fail, "load-balancer")?;
        self.lock().in_lb.insert(instance.to_string());
        Ok(())
    }

    async fn health(&self, target: &Target) -> Result<Health, EnvError> {
        let mut state = self.lock();
        let probes = state
            .health_probes
            .entry(target.name().to_string())
            .or_insert(0);
        *probes += 1;
        let flapping = *probes <= self.script.flaps.get(target.name()).copied().unwrap_or(0);
        self.note(&mut state, format!("health({})", target.name()), !flapping);
        Ok(if flapping {
            Health {
                plugin: false,
                ..Health::healthy()
            }
        } else {
            Health::healthy()
        })
    }

    async fn metrics(
        &self,
        target: &Target,
        window: Duration,
    ) -> Result<Option<MetricSample>, EnvError> {
        let now = self.clock.now();
        let mut state = self.lock();
        state.metrics_queries += 1;
        let call = format!("metrics({}, {}s)", target.name(), window.as_secs());
        if state.provider_errors_used.len() < self.script.provider_errors.len() {
            state
                .provider_errors_used
                .resize(self.script.provider_errors.len(), 0);
        }
        let erring = self
            .script
            .provider_errors
            .iter()
            .zip(0..)
            .find(|((from, times), i)| now >= *from && state.provider_errors_used[*i] < *times)
            .map(|(_, i)| i);
        if let Some(i) = erring {
            state.provider_errors_used[i] += 1;
            self.note(&mut state, call, false);
            return Err(EnvError::new("simulated metrics provider error"));
        }
        self.note(&mut state, call, true);
        if self.script.no_data_from.is_some_and(|from| now >= from) {
            return Ok(None);
        }
        Ok(Some(self.sample(&state, target, window)))
    }

    async fn rollback_instance(&self, instance: &str) -> Result<(), EnvError> {
        let fail = self.script.fail_rollback.contains(instance);
        self.outcome(format!("rollback_instance({instance})"), fail, "rollback")?;
        let mut state = self.lock();
        let previous = state.previous.get(instance).cloned().flatten();
        state.versions.insert(instance.to_string(), previous);
        Ok(())
    }

    async fn clean_up(&self, env: &str) -> Result<(), EnvError> {
        let fail = self.script.fail_rollback.contains(env);
        self.outcome(format!("clean_up({env})"), fail, "clean-up")?;
        let mut state = self.lock();
        state.versions.insert(env.to_string(), None);
        state.cleaned.push(env.to_string());
        Ok(())
    }
}
