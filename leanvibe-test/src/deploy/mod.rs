//! Deployment strategies with metric gates and automatic rollback, testable
//! in milliseconds.
//!
//! The strategies ([`BlueGreen`], [`Rolling`]) drive the team's own
//! infrastructure through the [`Environment`] trait and take time from a
//! [`Clock`]. In tests, [`SimFleet`] stands in for the infrastructure, with
//! scripted faults, and [`VirtualClock`] makes a 21-minute rollout take
//! milliseconds, deterministically.
//!
//! Gates ([`MetricGate`], grouped in an [`Analysis`]) follow Argo Rollouts'
//! analysis runs: a metric with a threshold in the
//! [`threshold`](crate::threshold) vocabulary ([`DEPLOY_METRICS`]), an
//! interval, a count, and limits on failed, inconclusive and erroring
//! measurements. Every rollout returns a [`RolloutResult`]: the outcome, a
//! timestamped event log and every gate's measurements, serialisable and
//! attachable to the test's report.
//!
//! ```
//! use leanvibe_test::deploy::{BlueGreen, DriftFrom, RolloutOutcome, SimFleet, VirtualClock};
//! use std::time::Duration;
//! # leanvibe_test::tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let clock = VirtualClock::new();
//! // The new version's error rate climbs once it takes half the traffic.
//! let fleet = SimFleet::blue_green(&clock).drift("green", "error_rate", 0.05, DriftFrom::Traffic(50));
//! let result = BlueGreen::default().run(&fleet, &clock, "v2").await;
//!
//! let RolloutOutcome::RolledBack { reason } = &result.outcome else { panic!("{}", result.log()) };
//! assert!(reason.starts_with("traffic 50%: gate error_rate<0.02 failed at +08:00"), "{reason}");
//! assert_eq!(fleet.traffic("blue"), 100); // traffic is back on the old environment
//! assert_eq!(clock.now(), Duration::from_secs(8 * 60));
//! result.attach(); // inside a #[plugin_test]: CTRF `extra.deploy`
//! # });
//! ```
//!
//! The readiness gate for CI (`leanvibe-report gate`), which reads reports
//! rather than deploying anything, is `leanvibe_test::report::gate`.

mod analysis;
mod blue_green;
pub mod clock;
mod environment;
mod gate;
mod health;
mod policy;
mod result;
mod rolling;
mod sim;

#[cfg(test)]
mod tests;

pub use analysis::{Analysis, AnalysisRecord};
pub use blue_green::{BlueGreen, TrafficStep};
pub use clock::{Clock, SystemClock, VirtualClock};
pub use environment::{EnvError, Environment, Health, MetricSample, Slots, Target};
pub use gate::{DEPLOY_METRICS, GateRecord, Measurement, MetricGate, Verdict};
pub use health::HealthCheck;
pub use policy::{InconclusivePolicy, Judge, Judgement};
pub use result::{InstanceRecord, InstanceStatus, RolloutEvent, RolloutOutcome, RolloutResult};
pub use rolling::Rolling;
pub use sim::{DriftFrom, SimFleet};
