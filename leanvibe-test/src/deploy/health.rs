//! Health checks with retries, shared by both strategies.

use super::clock::{Clock, format_offset};
use super::environment::{Environment, Target};
use super::result::RolloutEvent;
use std::time::Duration;

/// How a target's health is checked after a deploy: up to `attempts` probes,
/// `interval` apart; the first healthy answer passes.
///
/// ```
/// use leanvibe_test::deploy::HealthCheck;
/// let check = HealthCheck::default();
/// assert_eq!((check.attempts, check.interval.as_secs()), (3, 10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthCheck {
    /// Probes before giving up. Default 3.
    pub attempts: u32,
    /// Time between probes. Default 10 s.
    pub interval: Duration,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            attempts: 3,
            interval: Duration::from_secs(10),
        }
    }
}

impl HealthCheck {
    /// Probes `target` until healthy, logging each unhealthy answer into
    /// `events`. `Err` says why it gave up; a `deadline` (clock reading)
    /// stops the retries.
    pub(crate) async fn run(
        &self,
        env: &dyn Environment,
        clock: &dyn Clock,
        target: &Target,
        deadline: Option<Duration>,
        events: &mut Vec<RolloutEvent>,
    ) -> Result<(), String> {
        let attempts = self.attempts.max(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            match env.health(target).await {
                Ok(health) if health.is_healthy() => return Ok(()),
                Ok(health) => last = format!("unhealthy ({})", health.problems().join(", ")),
                Err(e) => last = format!("health check failed: {e}"),
            }
            events.push(RolloutEvent {
                at_ms: clock.now().as_millis() as u64,
                message: format!("health check {attempt}/{attempts} of {target}: {last}"),
            });
            if attempt < attempts {
                if let Some(deadline) = deadline.filter(|d| clock.now() + self.interval > *d) {
                    return Err(format!(
                        "{target} still {last} when the progress deadline ({}) came",
                        format_offset(deadline)
                    ));
                }
                clock.sleep(self.interval).await;
            }
        }
        Err(format!("{target} {last} after {attempts} health checks"))
    }
}
