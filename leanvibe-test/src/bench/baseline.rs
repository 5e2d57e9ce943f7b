//! Baseline files: `benches/baselines/<target>.json`, committed by the user.

use crate::errors::BaselineModeError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version of the baseline file's shape.
pub const BASELINE_SCHEMA: u64 = 1;

/// The environment variable choosing what happens to the baseline:
/// unset or `compare` (compare when the file exists), `update` (write it
/// from this run; no regression check), `require` (a missing file or
/// benchmark fails the gate).
pub const BASELINE_ENV: &str = "LEANVIBE_BENCH_BASELINE";

/// What to do with the baseline, from [`BASELINE_ENV`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineMode {
    /// Compare when there is a baseline; a missing one is a note.
    Compare,
    /// Write the baseline from this run.
    Update,
    /// Compare, and fail when the baseline is missing.
    Require,
}

impl BaselineMode {
    /// Reads [`BASELINE_ENV`]; an unknown value is an error naming the valid ones.
    ///
    /// ```
    /// # #[cfg(feature = "bench")] {
    /// use leanvibe_test::bench::BaselineMode;
    /// assert_eq!(BaselineMode::parse("update"), Ok(BaselineMode::Update));
    /// assert!(BaselineMode::parse("save").unwrap_err().to_string().contains("compare, update, require"));
    /// # }
    /// ```
    pub fn parse(value: &str) -> Result<BaselineMode, BaselineModeError> {
        match value.trim() {
            "" | "compare" => Ok(BaselineMode::Compare),
            "update" => Ok(BaselineMode::Update),
            "require" => Ok(BaselineMode::Require),
            other => Err(BaselineModeError {
                value: other.to_string(),
            }),
        }
    }

    pub(crate) fn from_env() -> Result<BaselineMode, BaselineModeError> {
        Self::parse(&std::env::var(BASELINE_ENV).unwrap_or_default())
    }
}

/// The committed baseline of one bench target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BaselineFile {
    /// [`BASELINE_SCHEMA`].
    pub schema: u64,
    /// The bench target's name.
    pub target: String,
    /// Per benchmark id.
    pub benches: BTreeMap<String, BaselineBench>,
}

/// One benchmark's baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineBench {
    /// Criterion's mean estimate, ns.
    pub mean_ns: f64,
    /// Its 95 % confidence interval, ns.
    pub mean_ci_ns: [f64; 2],
    /// Criterion's median estimate, ns.
    pub median_ns: f64,
    /// Per-iteration time of each sample, ns (what the regression check
    /// resamples).
    pub per_iteration_ns: Vec<f64>,
}

/// Where the baseline of `target` lives: `<package>/benches/baselines/<target>.json`
/// for optimized builds (`cargo bench`), `<target>.<profile dir>.json` for
/// any other profile (`debug` for `cargo bench --profile dev`): timings of
/// different profiles are not comparable. The package root is
/// `CARGO_MANIFEST_DIR` when cargo sets it, else the current directory
/// (cargo runs benches from the package root).
pub(crate) fn path_for(target: &str) -> PathBuf {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let file = match profile_dir().as_deref() {
        None | Some("release") => format!("{target}.json"),
        Some(profile) => format!("{target}.{profile}.json"),
    };
    root.join("benches").join("baselines").join(file)
}

/// The profile directory this binary was built into (`release`, `debug`,
/// or a custom profile's name): the parent of `deps/`.
pub(crate) fn profile_dir() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    if deps.file_name()? != "deps" {
        return None;
    }
    Some(deps.parent()?.file_name()?.to_str()?.to_string())
}

/// Reads a baseline; `Ok(None)` when the file does not exist.
pub(crate) fn read(path: &Path) -> Result<Option<BaselineFile>, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("baseline {} is not valid: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read baseline {}: {e}", path.display())),
    }
}

/// Writes a baseline (pretty JSON, trailing newline, for reviewable diffs).
pub(crate) fn write(path: &Path, file: &BaselineFile) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut text = serde_json::to_string_pretty(file).expect("a baseline serialises");
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
}
