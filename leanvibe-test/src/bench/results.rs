//! Reading what criterion wrote: `<criterion dir>/<bench>/new/{benchmark,estimates,sample}.json`.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One benchmark's results from criterion's last run of it.
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    /// `estimates.json`: mean, in ns.
    pub mean: Estimate,
    /// `estimates.json`: median, in ns.
    pub median: Estimate,
    /// `estimates.json`: standard deviation, in ns.
    pub std_dev: Estimate,
    /// Per-iteration times in ns, one per sample: `times[i] / iters[i]`
    /// from `sample.json`, in sample order.
    pub per_iteration_ns: Vec<f64>,
}

/// One of criterion's estimates: a point and its confidence interval.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
pub(crate) struct Estimate {
    pub point_estimate: f64,
    pub confidence_interval: Interval,
}

/// A confidence interval as criterion writes it.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
pub(crate) struct Interval {
    pub confidence_level: f64,
    pub lower_bound: f64,
    pub upper_bound: f64,
}

#[derive(Deserialize)]
struct Estimates {
    mean: Estimate,
    median: Estimate,
    std_dev: Estimate,
}

#[derive(Deserialize)]
struct Sample {
    iters: Vec<f64>,
    times: Vec<f64>,
}

#[derive(Deserialize)]
struct BenchmarkJson {
    full_id: String,
}

/// Why a benchmark's results could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    /// A file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file is not in the shape criterion 0.8 writes.
    #[error("cannot parse {path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// Finds the `new/` directory criterion wrote for the benchmark `id` at or
/// after `since` (an older one is a stale result of an earlier run, e.g.
/// when this run's filter skipped the benchmark).
pub(crate) fn find_new_dir(criterion_dir: &Path, id: &str, since: SystemTime) -> Option<PathBuf> {
    let mut stack = vec![(criterion_dir.to_path_buf(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|n| n == "new") {
                let file = path.join("benchmark.json");
                let fresh = std::fs::metadata(&file)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= since);
                let matches = std::fs::read(&file)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice::<BenchmarkJson>(&bytes).ok())
                    .is_some_and(|b| b.full_id == id);
                if fresh && matches {
                    return Some(path);
                }
            } else if depth < 6
                && path
                    .file_name()
                    .is_some_and(|n| n != "base" && n != "report")
            {
                stack.push((path, depth + 1));
            }
        }
    }
    None
}

/// Reads `estimates.json` and `sample.json` from a `new/` directory.
pub(crate) fn read(dir: &Path) -> Result<Measured, ReadError> {
    let estimates: Estimates = read_json(&dir.join("estimates.json"))?;
    let sample: Sample = read_json(&dir.join("sample.json"))?;
    let per_iteration_ns = sample
        .times
        .iter()
        .zip(&sample.iters)
        .filter(|(_, iters)| **iters > 0.0)
        .map(|(time, iters)| time / iters)
        .collect();
    Ok(Measured {
        mean: estimates.mean,
        median: estimates.median,
        std_dev: estimates.std_dev,
        per_iteration_ns,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| ReadError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_criterion_writes() {
        let root = tempfile::tempdir().unwrap();
        let new = root.path().join("group/fn/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"group","function_id":"fn","value_str":null,"throughput":null,
                "full_id":"group/fn","directory_name":"group/fn","title":"group/fn"}"#,
        )
        .unwrap();
        let est = r#"{"confidence_interval":{"confidence_level":0.95,"lower_bound":90.0,"upper_bound":110.0},"point_estimate":100.0,"standard_error":5.0}"#;
        std::fs::write(
            new.join("estimates.json"),
            format!(r#"{{"mean":{est},"median":{est},"median_abs_dev":{est},"slope":null,"std_dev":{est}}}"#),
        )
        .unwrap();
        std::fs::write(
            new.join("sample.json"),
            r#"{"sampling_mode":"Linear","iters":[1.0,2.0,4.0],"times":[100.0,220.0,360.0]}"#,
        )
        .unwrap();
        let since = SystemTime::now() - std::time::Duration::from_secs(60);
        let dir = find_new_dir(root.path(), "group/fn", since).expect("found");
        assert_eq!(dir, new);
        assert!(find_new_dir(root.path(), "group/other", since).is_none());
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert!(
            find_new_dir(root.path(), "group/fn", later).is_none(),
            "stale"
        );
        let m = read(&dir).unwrap();
        assert_eq!(m.per_iteration_ns, [100.0, 110.0, 90.0]);
        assert_eq!(m.mean.point_estimate, 100.0);
        assert_eq!(m.mean.confidence_interval.upper_bound, 110.0);
    }
}
