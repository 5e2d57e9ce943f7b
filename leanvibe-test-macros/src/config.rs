//! The typed model of one `#[plugin_test(...)]`: what each key said, and where.
//!
//! `parse` fills a [`Config`] through its setters, which reject a key given
//! twice; `valid` checks the rules between keys; `expand` reads the result.
//! Every value keeps the span of its key and of itself so later stages can
//! point at the exact token a user has to change.

use proc_macro2::Span;
use syn::{LitStr, Path};

/// Every key `#[plugin_test(...)]` accepts, in the order the docs list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Ignore,
    ShouldPanic,
    TimeoutMs,
    Tags,
    Flavor,
    WorkerThreads,
    StartPaused,
    Crate,
    MaxMs,
    MaxMb,
    MaxKb,
    MaxRssMb,
    Iterations,
    Warmup,
    MeanMs,
    P50Ms,
    P95Ms,
    P99Ms,
    Retries,
    Cases,
    MaxShrinkIters,
    Seed,
}

impl Key {
    pub(crate) const ALL: [Key; 22] = [
        Key::Ignore,
        Key::ShouldPanic,
        Key::TimeoutMs,
        Key::Tags,
        Key::Flavor,
        Key::WorkerThreads,
        Key::StartPaused,
        Key::Crate,
        Key::MaxMs,
        Key::MaxMb,
        Key::MaxKb,
        Key::MaxRssMb,
        Key::Iterations,
        Key::Warmup,
        Key::MeanMs,
        Key::P50Ms,
        Key::P95Ms,
        Key::P99Ms,
        Key::Retries,
        Key::Cases,
        Key::MaxShrinkIters,
        Key::Seed,
    ];

    /// The key as users write it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Key::Ignore => "ignore",
            Key::ShouldPanic => "should_panic",
            Key::TimeoutMs => "timeout_ms",
            Key::Tags => "tags",
            Key::Flavor => "flavor",
            Key::WorkerThreads => "worker_threads",
            Key::StartPaused => "start_paused",
            Key::Crate => "crate",
            Key::MaxMs => "max_ms",
            Key::MaxMb => "max_mb",
            Key::MaxKb => "max_kb",
            Key::MaxRssMb => "max_rss_mb",
            Key::Iterations => "iterations",
            Key::Warmup => "warmup",
            Key::MeanMs => "mean_ms",
            Key::P50Ms => "p50_ms",
            Key::P95Ms => "p95_ms",
            Key::P99Ms => "p99_ms",
            Key::Retries => "retries",
            Key::Cases => "cases",
            Key::MaxShrinkIters => "max_shrink_iters",
            Key::Seed => "seed",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|key| key.name() == name)
    }

    /// `ignore, should_panic, ...`: for the unknown-key error.
    pub(crate) fn list() -> String {
        let names: Vec<&str> = Key::ALL.iter().map(|key| key.name()).collect();
        names.join(", ")
    }
}

/// Where a setting came from; duplicate errors name both places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A key inside `#[plugin_test(...)]`.
    Key,
    /// A separate attribute on the function, such as `#[ignore]`.
    Attribute,
}

/// One configured value with the spans of its key and of the value.
#[derive(Debug, Clone)]
pub(crate) struct Setting<T> {
    pub(crate) value: T,
    pub(crate) key_span: Span,
    pub(crate) value_span: Span,
    pub(crate) origin: Origin,
}

impl<T> Setting<T> {
    pub(crate) fn new(value: T, key_span: Span, value_span: Span, origin: Origin) -> Self {
        Setting {
            value,
            key_span,
            value_span,
            origin,
        }
    }
}

/// `ignore` / `ignore = "reason"`.
#[derive(Debug, Clone)]
pub(crate) enum IgnoreCfg {
    Flag,
    Because(LitStr),
}

/// `should_panic` / `should_panic = "substring"`.
#[derive(Debug, Clone)]
pub(crate) enum ShouldPanicCfg {
    Flag,
    WithMessage(LitStr),
}

/// The tokio runtime an async test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
}

impl Flavor {
    pub(crate) const NAMES: [(&'static str, Flavor); 2] = [
        ("current_thread", Flavor::CurrentThread),
        ("multi_thread", Flavor::MultiThread),
    ];
}

/// The budget keys, as written (`max_mb` stays MiB here; `expand` converts).
#[derive(Debug, Default)]
pub(crate) struct BudgetConfig {
    pub(crate) max_ms: Option<Setting<f64>>,
    pub(crate) max_mb: Option<Setting<f64>>,
    pub(crate) max_kb: Option<Setting<f64>>,
    pub(crate) max_rss_mb: Option<Setting<f64>>,
    pub(crate) iterations: Option<Setting<u32>>,
    pub(crate) warmup: Option<Setting<u32>>,
    pub(crate) mean_ms: Option<Setting<f64>>,
    pub(crate) p50_ms: Option<Setting<f64>>,
    pub(crate) p95_ms: Option<Setting<f64>>,
    pub(crate) p99_ms: Option<Setting<f64>>,
    pub(crate) retries: Option<Setting<u32>>,
}

impl BudgetConfig {
    /// The statistical limits, which need `iterations`.
    pub(crate) fn statistics(&self) -> [(Key, Option<&Setting<f64>>); 4] {
        [
            (Key::MeanMs, self.mean_ms.as_ref()),
            (Key::P50Ms, self.p50_ms.as_ref()),
            (Key::P95Ms, self.p95_ms.as_ref()),
            (Key::P99Ms, self.p99_ms.as_ref()),
        ]
    }

    /// The heap limit in bytes, from whichever of `max_mb`/`max_kb` is set
    /// (`valid` rejects both at once; `max_mb` wins if it were not).
    pub(crate) fn max_heap_bytes(&self) -> Option<u64> {
        match (&self.max_mb, &self.max_kb) {
            (Some(mb), _) => to_bytes(mb.value, MIB),
            (None, Some(kb)) => to_bytes(kb.value, KIB),
            (None, None) => None,
        }
    }

    pub(crate) fn max_rss_bytes(&self) -> Option<u64> {
        self.max_rss_mb
            .as_ref()
            .and_then(|mb| to_bytes(mb.value, MIB))
    }
}

/// The keys of a property test (one with generated arguments).
#[derive(Debug, Default)]
pub(crate) struct PropertyConfig {
    pub(crate) cases: Option<Setting<u32>>,
    pub(crate) max_shrink_iters: Option<Setting<u32>>,
    pub(crate) seed: Option<Setting<u64>>,
}

impl PropertyConfig {
    /// The keys given, with their spans.
    pub(crate) fn given(&self) -> Vec<(Key, Span)> {
        [
            (Key::Cases, self.cases.as_ref().map(|s| s.key_span)),
            (
                Key::MaxShrinkIters,
                self.max_shrink_iters.as_ref().map(|s| s.key_span),
            ),
            (Key::Seed, self.seed.as_ref().map(|s| s.key_span)),
        ]
        .into_iter()
        .filter_map(|(key, span)| Some((key, span?)))
        .collect()
    }
}

/// A KiB, 2^10 bytes.
pub(crate) const KIB: f64 = 1024.0;
/// A MiB, 2^20 bytes.
pub(crate) const MIB: f64 = 1024.0 * 1024.0;

/// `amount * unit` rounded to whole bytes; `None` if it does not fit a `u64`.
pub(crate) fn to_bytes(amount: f64, unit: f64) -> Option<u64> {
    let bytes = (amount * unit).round();
    // u64::MAX as f64 rounds up to 2^64, so `<` keeps the cast in range.
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// Everything one `#[plugin_test(...)]` (plus `#[ignore]`/`#[should_panic]`
/// on the same function) configured.
#[derive(Debug, Default)]
pub(crate) struct Config {
    pub(crate) ignore: Option<Setting<IgnoreCfg>>,
    pub(crate) should_panic: Option<Setting<ShouldPanicCfg>>,
    pub(crate) timeout_ms: Option<Setting<u64>>,
    pub(crate) tags: Option<Setting<Vec<LitStr>>>,
    pub(crate) flavor: Option<Setting<Flavor>>,
    pub(crate) worker_threads: Option<Setting<usize>>,
    pub(crate) start_paused: Option<Setting<bool>>,
    pub(crate) crate_path: Option<Setting<Path>>,
    pub(crate) budget: BudgetConfig,
    /// A property test's `cases`, `max_shrink_iters` and `seed`.
    pub(crate) property: PropertyConfig,
    /// Keys that were given with a value `parse` rejected. Rules such as
    /// "`warmup` needs `iterations`" count them as given, so one bad value
    /// is reported once, not again as a missing key.
    pub(crate) rejected: Vec<Key>,
}

impl Config {
    /// Whether `key` appeared, even with a rejected value.
    pub(crate) fn mentions(&self, key: Key, is_set: bool) -> bool {
        is_set || self.rejected.contains(&key)
    }

    pub(crate) fn set_ignore(&mut self, new: Setting<IgnoreCfg>) -> syn::Result<()> {
        set(&mut self.ignore, Key::Ignore, new)
    }

    pub(crate) fn set_should_panic(&mut self, new: Setting<ShouldPanicCfg>) -> syn::Result<()> {
        set(&mut self.should_panic, Key::ShouldPanic, new)
    }

    pub(crate) fn set_timeout_ms(&mut self, new: Setting<u64>) -> syn::Result<()> {
        set(&mut self.timeout_ms, Key::TimeoutMs, new)
    }

    pub(crate) fn set_tags(&mut self, new: Setting<Vec<LitStr>>) -> syn::Result<()> {
        set(&mut self.tags, Key::Tags, new)
    }

    pub(crate) fn set_flavor(&mut self, new: Setting<Flavor>) -> syn::Result<()> {
        set(&mut self.flavor, Key::Flavor, new)
    }

    pub(crate) fn set_worker_threads(&mut self, new: Setting<usize>) -> syn::Result<()> {
        set(&mut self.worker_threads, Key::WorkerThreads, new)
    }

    pub(crate) fn set_start_paused(&mut self, new: Setting<bool>) -> syn::Result<()> {
        set(&mut self.start_paused, Key::StartPaused, new)
    }

    pub(crate) fn set_crate_path(&mut self, new: Setting<Path>) -> syn::Result<()> {
        set(&mut self.crate_path, Key::Crate, new)
    }

    /// Sets one of the numeric budget keys (`max_ms`, `max_mb`, ... `p99_ms`).
    pub(crate) fn set_budget_number(&mut self, key: Key, new: Setting<f64>) -> syn::Result<()> {
        let budget = &mut self.budget;
        let slot = match key {
            Key::MaxMs => &mut budget.max_ms,
            Key::MaxMb => &mut budget.max_mb,
            Key::MaxKb => &mut budget.max_kb,
            Key::MaxRssMb => &mut budget.max_rss_mb,
            Key::MeanMs => &mut budget.mean_ms,
            Key::P50Ms => &mut budget.p50_ms,
            Key::P95Ms => &mut budget.p95_ms,
            Key::P99Ms => &mut budget.p99_ms,
            _ => unreachable!("`{}` is not a numeric budget key", key.name()),
        };
        set(slot, key, new)
    }

    pub(crate) fn set_seed(&mut self, new: Setting<u64>) -> syn::Result<()> {
        set(&mut self.property.seed, Key::Seed, new)
    }

    /// Sets one of the count keys (`iterations`, `warmup`, `retries`,
    /// `cases`, `max_shrink_iters`).
    pub(crate) fn set_budget_count(&mut self, key: Key, new: Setting<u32>) -> syn::Result<()> {
        let budget = &mut self.budget;
        let slot = match key {
            Key::Iterations => &mut budget.iterations,
            Key::Warmup => &mut budget.warmup,
            Key::Retries => &mut budget.retries,
            Key::Cases => &mut self.property.cases,
            Key::MaxShrinkIters => &mut self.property.max_shrink_iters,
            _ => unreachable!("`{}` is not a count budget key", key.name()),
        };
        set(slot, key, new)
    }
}

/// Stores `new` in an empty slot; a second value is an error on its key,
/// worded by where each of the two came from.
fn set<T>(slot: &mut Option<Setting<T>>, key: Key, new: Setting<T>) -> syn::Result<()> {
    let Some(old) = slot else {
        *slot = Some(new);
        return Ok(());
    };
    let name = key.name();
    let message = match (old.origin, new.origin) {
        (Origin::Key, Origin::Key) => format!("duplicate key `{name}`"),
        (Origin::Key, Origin::Attribute) => format!(
            "`{name}` is given twice: by the `{name}` key of `#[plugin_test]` and by this \
             `#[{name}]`; keep one"
        ),
        (Origin::Attribute, Origin::Key) => format!(
            "`{name}` is given twice: by `#[{name}]` on the function and by this key; keep one"
        ),
        (Origin::Attribute, Origin::Attribute) => format!("duplicate `#[{name}]` attribute"),
    };
    Err(syn::Error::new(new.key_span, message))
}

/// One parameter of a test or fixture: a fixture injected by name, or,
/// in a property test, an argument a strategy generates.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    /// The parameter's name, which is the fixture's name.
    pub(crate) ident: syn::Ident,
    /// The type as written: `Db` for a per-test fixture, `&Pool` for a
    /// worker-scope one.
    pub(crate) ty: syn::Type,
    /// `#[strategy(...)]` or `#[any]` on it.
    pub(crate) generated: Option<Generated>,
}

/// Where a property test's argument comes from.
#[derive(Debug, Clone)]
pub(crate) enum Generated {
    /// `#[strategy(expr)]`.
    Strategy(syn::Expr),
    /// `#[any]`: `any::<T>()`.
    Any,
}

/// The function under the attribute, as the later stages see it.
pub(crate) struct TestFn {
    /// The function with `#[ignore]`/`#[should_panic]` taken off, emitted as is.
    pub(crate) item: syn::ItemFn,
    /// The fixtures it takes, in order (`parse` rejects patterns that are
    /// not a plain name).
    pub(crate) params: Vec<Param>,
}

impl TestFn {
    pub(crate) fn is_async(&self) -> bool {
        self.item.sig.asyncness.is_some()
    }

    /// A property test: some argument is generated.
    pub(crate) fn is_property(&self) -> bool {
        self.params.iter().any(|p| p.generated.is_some())
    }
}

/// How long a fixture's value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Built for each run of a test's body and dropped after it.
    Test,
    /// Built once per worker process, shared by reference.
    Worker,
}

impl Scope {
    pub(crate) const NAMES: [(&'static str, Scope); 2] =
        [("test", Scope::Test), ("worker", Scope::Worker)];
}

/// What one `#[fixture(...)]` configured.
#[derive(Debug, Default)]
pub(crate) struct FixtureConfig {
    pub(crate) scope: Option<Setting<Scope>>,
    pub(crate) crate_path: Option<Setting<Path>>,
}

impl FixtureConfig {
    pub(crate) fn scope(&self) -> Scope {
        self.scope.as_ref().map_or(Scope::Test, |s| s.value)
    }
}

/// The function under `#[fixture]`.
pub(crate) struct FixtureFn {
    /// The function as written, emitted unchanged.
    pub(crate) item: syn::ItemFn,
    /// The fixtures it depends on, in order.
    pub(crate) params: Vec<Param>,
}

impl FixtureFn {
    pub(crate) fn is_async(&self) -> bool {
        self.item.sig.asyncness.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_binary_units_to_bytes() {
        assert_eq!(to_bytes(1.5, MIB), Some(1_572_864));
        assert_eq!(to_bytes(64.0, MIB), Some(67_108_864));
        assert_eq!(to_bytes(512.0, KIB), Some(524_288));
        assert_eq!(to_bytes(0.0001, KIB), Some(0), "rounds to whole bytes");
        assert_eq!(to_bytes(1e300, MIB), None, "does not fit a u64");
    }

    #[test]
    fn every_key_round_trips_through_its_name() {
        for key in Key::ALL {
            assert_eq!(Key::from_name(key.name()), Some(key));
        }
        assert_eq!(Key::from_name("timeout"), None);
        assert_eq!(Key::list().split(", ").count(), Key::ALL.len());
    }

    #[test]
    fn setters_reject_a_second_value() {
        let span = Span::call_site();
        let mut config = Config::default();
        let timeout = |ms| Setting::new(ms, span, span, Origin::Key);
        config.set_timeout_ms(timeout(100)).unwrap();
        let error = config.set_timeout_ms(timeout(200)).unwrap_err();
        assert_eq!(error.to_string(), "duplicate key `timeout_ms`");
        assert_eq!(
            config.timeout_ms.as_ref().map(|s| s.value),
            Some(100),
            "first kept"
        );

        let ignore = |origin| Setting::new(IgnoreCfg::Flag, span, span, origin);
        config.set_ignore(ignore(Origin::Key)).unwrap();
        let error = config.set_ignore(ignore(Origin::Attribute)).unwrap_err();
        assert!(
            error.to_string().contains("`ignore` is given twice"),
            "{error}"
        );
    }
}
