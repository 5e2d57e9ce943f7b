//! Rolling update, instance by instance.

use super::clock::Clock;
use super::environment::{Environment, Target};
use super::health::HealthCheck;
use super::result::{
    InstanceRecord, InstanceStatus, Recorder, RolloutEvent, RolloutOutcome, RolloutResult,
};
use futures_util::future::join_all;

/// A rolling rollout: for each instance, take it out of the load balancer,
/// deploy, check its health, put it back. An instance that fails any of
/// these is rolled back to the old version and re-added.
///
/// The rollout aborts, rolling back every updated instance, as soon as
/// *strictly more* than `max_failed_percent` (20%) of all instances have
/// failed; it succeeds when at least `min_succeeded_percent` (80%) run the
/// new version. With 10 instances, 2 failures (exactly 20%) are tolerated
/// and a third aborts. An instance whose rollback itself fails is reported as
/// [`InstanceStatus::RollbackFailed`] and turns the outcome into
/// [`RolloutOutcome::RollbackFailed`], whatever the counts.
///
/// `max_unavailable` instances (default 1) are updated at a time, as one
/// batch; the percentages are checked after each batch.
///
/// ```
/// use leanvibe_test::deploy::{RolloutOutcome, Rolling, SimFleet, VirtualClock};
/// # leanvibe_test::tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = VirtualClock::new();
/// let fleet = SimFleet::instances(&clock, 10).fail_deploy("web-04").fail_deploy("web-09");
/// let result = Rolling::default().run(&fleet, &clock, "v2").await;
/// assert_eq!(result.outcome, RolloutOutcome::Succeeded, "{}", result.log()); // 2 of 10 failed: 20%
/// assert_eq!(fleet.version("web-04").as_deref(), Some("v1"));
/// assert_eq!(fleet.version("web-05").as_deref(), Some("v2"));
/// # });
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Rolling {
    /// Health check of each instance after its deploy.
    pub health: HealthCheck,
    /// Instances out of the load balancer at once. Default 1.
    pub max_unavailable: usize,
    /// Abort when strictly more than this share of instances failed. Default 20.
    pub max_failed_percent: u32,
    /// Succeed only when at least this share runs the new version. Default 80.
    pub min_succeeded_percent: u32,
}

impl Default for Rolling {
    fn default() -> Self {
        Rolling {
            health: HealthCheck::default(),
            max_unavailable: 1,
            max_failed_percent: 20,
            min_succeeded_percent: 80,
        }
    }
}

impl Rolling {
    /// Sets `max_unavailable` (at least 1).
    ///
    /// ```
    /// let rolling = leanvibe_test::deploy::Rolling::default().max_unavailable(3);
    /// assert_eq!(rolling.max_unavailable, 3);
    /// ```
    pub fn max_unavailable(mut self, instances: usize) -> Rolling {
        self.max_unavailable = instances.max(1);
        self
    }

    /// Sets the health check.
    ///
    /// ```
    /// # use leanvibe_test::deploy::*;
    /// let rolling = Rolling::default().health(HealthCheck { attempts: 1, ..HealthCheck::default() });
    /// ```
    pub fn health(mut self, health: HealthCheck) -> Rolling {
        self.health = health;
        self
    }

    /// Runs the rollout of `package` over `env`'s instances. Never panics.
    pub async fn run(
        &self,
        env: &dyn Environment,
        clock: &dyn Clock,
        package: &str,
    ) -> RolloutResult {
        let mut rec = Recorder::new("rolling", package, clock);
        let names = match env.instances().await {
            Ok(names) => names,
            Err(e) => {
                return rec.finish(RolloutOutcome::RolledBack {
                    reason: format!("cannot list the instances: {e}; nothing was changed"),
                });
            }
        };
        let total = names.len();
        rec.event(format!(
            "updating {total} instances to {package}, {} at a time",
            self.max_unavailable
        ));
        let mut statuses: Vec<InstanceStatus> = vec![InstanceStatus::Untouched; total];
        let mut failed = 0usize;
        let mut abort = None;
        for (batch_index, batch) in names.chunks(self.max_unavailable).enumerate() {
            let first = batch_index * self.max_unavailable;
            let updates = batch
                .iter()
                .map(|name| self.update_one(env, clock, name, package));
            let outcomes = join_all(updates).await;
            let mut events = Vec::new();
            for (offset, (status, mut log)) in outcomes.into_iter().enumerate() {
                if !matches!(status, InstanceStatus::Updated) {
                    failed += 1;
                }
                statuses[first + offset] = status;
                events.append(&mut log);
            }
            events.sort_by_key(|e| e.at_ms);
            rec.result.events.append(&mut events);
            if failed * 100 > total * self.max_failed_percent as usize {
                abort = Some(format!(
                    "{failed} of {total} instances failed, more than {}%",
                    self.max_failed_percent
                ));
                break;
            }
        }
        let updated = statuses
            .iter()
            .filter(|s| matches!(s, InstanceStatus::Updated))
            .count();
        if abort.is_none() && updated * 100 < total * self.min_succeeded_percent as usize {
            abort = Some(format!(
                "only {updated} of {total} instances updated, fewer than {}%",
                self.min_succeeded_percent
            ));
        }
        if let Some(reason) = &abort {
            rec.event(format!(
                "aborting: {reason}; rolling back every updated instance"
            ));
            for (name, status) in names.iter().zip(statuses.iter_mut()) {
                if matches!(status, InstanceStatus::Updated) {
                    *status = match restore(env, name).await {
                        Ok(()) => InstanceStatus::RolledBack,
                        Err(reason) => InstanceStatus::RollbackFailed { reason },
                    };
                    rec.event(format!("{name}: {}", describe(status)));
                }
            }
        }
        let failures: Vec<String> = names
            .iter()
            .zip(&statuses)
            .filter_map(|(name, status)| match status {
                InstanceStatus::RollbackFailed { reason } => Some(format!("{name}: {reason}")),
                _ => None,
            })
            .collect();
        rec.result.instances = names
            .into_iter()
            .zip(statuses)
            .map(|(name, status)| InstanceRecord { name, status })
            .collect();
        let outcome = match (abort, failures.is_empty()) {
            (Some(reason), true) => RolloutOutcome::RolledBack { reason },
            (None, true) => RolloutOutcome::Succeeded,
            (reason, false) => RolloutOutcome::RollbackFailed {
                reason: reason
                    .unwrap_or_else(|| format!("{} instance rollback(s) failed", failures.len())),
                failures,
            },
        };
        rec.finish(outcome)
    }

    /// Updates one instance; on failure rolls it back and re-adds it.
    async fn update_one(
        &self,
        env: &dyn Environment,
        clock: &dyn Clock,
        name: &str,
        package: &str,
    ) -> (InstanceStatus, Vec<RolloutEvent>) {
        let mut events = Vec::new();
        let log = |events: &mut Vec<RolloutEvent>, message: String| {
            events.push(RolloutEvent {
                at_ms: clock.now().as_millis() as u64,
                message: format!("{name}: {message}"),
            })
        };
        if let Err(e) = env.lb_remove(name).await {
            // Still serving the old version from the load balancer: nothing to undo.
            let reason = format!("removing from the load balancer failed: {e}");
            log(&mut events, reason.clone());
            return (InstanceStatus::Failed { reason }, events);
        }
        let target = Target::instance(name);
        let failure = match env.deploy(&target, package).await {
            Err(e) => Some(format!("deploy failed: {e}")),
            Ok(()) => match self
                .health
                .run(env, clock, &target, None, &mut events)
                .await
            {
                Err(reason) => Some(reason),
                Ok(()) => match env.lb_add(name).await {
                    Err(e) => Some(format!("re-adding to the load balancer failed: {e}")),
                    Ok(()) => None,
                },
            },
        };
        let Some(reason) = failure else {
            log(&mut events, format!("updated to {package}"));
            return (InstanceStatus::Updated, events);
        };
        log(&mut events, format!("{reason}; rolling back"));
        let status = match roll_back_and_add(env, name).await {
            Ok(()) => InstanceStatus::Failed { reason },
            Err(rollback) => InstanceStatus::RollbackFailed {
                reason: format!("{reason}, then {rollback}"),
            },
        };
        log(&mut events, describe(&status));
        (status, events)
    }
}

/// Rolls an instance back and puts it in the load balancer.
async fn roll_back_and_add(env: &dyn Environment, name: &str) -> Result<(), String> {
    env.rollback_instance(name)
        .await
        .map_err(|e| format!("rollback failed: {e}"))?;
    env.lb_add(name)
        .await
        .map_err(|e| format!("re-adding to the load balancer after the rollback failed: {e}"))
}

/// Takes an updated instance out, rolls it back, puts it back.
async fn restore(env: &dyn Environment, name: &str) -> Result<(), String> {
    env.lb_remove(name)
        .await
        .map_err(|e| format!("removing from the load balancer for the rollback failed: {e}"))?;
    roll_back_and_add(env, name).await
}

fn describe(status: &InstanceStatus) -> String {
    match status {
        InstanceStatus::Updated => "updated".into(),
        InstanceStatus::Untouched => "untouched".into(),
        InstanceStatus::Failed { reason } => format!("failed ({reason}); rolled back and re-added"),
        InstanceStatus::RolledBack => "rolled back and re-added".into(),
        InstanceStatus::RollbackFailed { reason } => format!("ROLLBACK FAILED: {reason}"),
    }
}
