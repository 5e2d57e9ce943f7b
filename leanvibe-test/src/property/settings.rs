//! How many cases, how much shrinking, which seed: from the test's
//! attribute, else the run's defaults (the command line, the environment,
//! the `leanvibe.toml` profile), else proptest's own variables and defaults.

use std::sync::OnceLock;

/// What a property test's attribute set: `cases`, `max_shrink_iters`,
/// `seed`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PropertyAttrs {
    /// `cases = N`.
    pub cases: Option<u32>,
    /// `max_shrink_iters = N`.
    pub max_shrink_iters: Option<u32>,
    /// `seed = N`.
    pub seed: Option<u64>,
}

/// The run's defaults under the attribute: `--proptest-cases`,
/// `--proptest-max-shrink-iters`, `--proptest-seed`, else
/// `LEANVIBE_PROPTEST_*`, else the profile's `proptest_*` keys. The harness
/// resolves them once and hands them to its workers in the same variables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RunDefaults {
    pub(crate) cases: Option<u32>,
    pub(crate) max_shrink_iters: Option<u32>,
    pub(crate) seed: Option<u64>,
}

/// The variables a worker reads them from.
pub(crate) const CASES_ENV: &str = "LEANVIBE_PROPTEST_CASES";
pub(crate) const MAX_SHRINK_ITERS_ENV: &str = "LEANVIBE_PROPTEST_MAX_SHRINK_ITERS";
pub(crate) const SEED_ENV: &str = "LEANVIBE_PROPTEST_SEED";

static RUN_DEFAULTS: OnceLock<RunDefaults> = OnceLock::new();

/// Called by the harness once its settings are resolved (in-process runs
/// read them here; workers get them through the environment).
pub(crate) fn set_run_defaults(defaults: RunDefaults) {
    let _ = RUN_DEFAULTS.set(defaults);
}

fn run_defaults() -> RunDefaults {
    *RUN_DEFAULTS.get_or_init(|| RunDefaults {
        cases: env_number(CASES_ENV),
        max_shrink_iters: env_number(MAX_SHRINK_ITERS_ENV),
        seed: env_number(SEED_ENV),
    })
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// What a run of one property test uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) cases: u32,
    pub(crate) max_shrink_iters: u32,
    pub(crate) seed: u64,
}

impl PropertyAttrs {
    pub(crate) fn resolve(self) -> Settings {
        // proptest's defaults read PROPTEST_CASES and PROPTEST_MAX_SHRINK_ITERS.
        let proptest = proptest::test_runner::Config::default();
        let run = run_defaults();
        let cases = self.cases.or(run.cases).unwrap_or(proptest.cases).max(1);
        Settings {
            cases,
            // proptest's automatic limit (`u32::MAX`, its default) is four
            // shrink steps per case of the test.
            max_shrink_iters: match self.max_shrink_iters.or(run.max_shrink_iters) {
                Some(n) => n,
                None if proptest.max_shrink_iters == u32::MAX => cases.saturating_mul(4),
                None => proptest.max_shrink_iters,
            },
            seed: self
                .seed
                .or(run.seed)
                .or_else(|| env_number("PROPTEST_RNG_SEED"))
                .unwrap_or_else(fresh_seed),
        }
    }
}

/// A seed for a run nobody fixed: printed with any failure, so the run can
/// be repeated.
fn fresh_seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new()
        .hash_one((std::time::SystemTime::now(), std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attribute_wins_and_a_seed_is_always_chosen() {
        let attrs = PropertyAttrs {
            cases: Some(7),
            max_shrink_iters: Some(3),
            seed: Some(42),
        };
        assert_eq!(
            attrs.resolve(),
            Settings {
                cases: 7,
                max_shrink_iters: 3,
                seed: 42
            }
        );
        let open = PropertyAttrs::default().resolve();
        assert!(open.cases >= 1);
        assert_ne!(
            PropertyAttrs::default().resolve().seed,
            open.seed,
            "fresh seeds differ"
        );
        assert_eq!(
            PropertyAttrs {
                cases: Some(0),
                ..attrs
            }
            .resolve()
            .cases,
            1,
            "at least one case"
        );
    }
}
