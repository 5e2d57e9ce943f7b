//! Combines the CTRF reports of a sharded run (`--partition hash:1/3`, ...)
//! into the report an unsharded run would have written.
//!
//! Each shard's report records its partition under `extra.leanvibe.partition`.
//! The merge refuses, with a one-line message naming the culprit, a report
//! of a run that did not complete or that a later run of its binary has
//! superseded ([`identity`](super::identity)), reports from different
//! binaries, CI pipelines, selections or partitionings, a shard given twice, a test that
//! appears in two shards, and a missing shard. The merged report gets a run
//! id of its own. The JUnit file of the merge is
//! rendered from the merged CTRF document ([`junit::write_file`](super::junit::write_file)).

use super::collect::{summarize, tool};
use super::ctrf::{CtrfEnvironment, CtrfReport, CtrfResults, EXTRA_KEY, RunExtra, SPEC_VERSION};
use super::partition::Partition;
use crate::errors::MergeError;
use crate::json::Map;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Expands directories to the `*.ctrf.json` files they contain (sorted);
/// files are kept as given.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("suite.ctrf.json"), "{}").unwrap();
/// std::fs::write(dir.path().join("suite.junit.xml"), "").unwrap();
/// let found = leanvibe_test::report::merge::expand_inputs(&[dir.path().to_owned()]).unwrap();
/// assert_eq!(found, vec![dir.path().join("suite.ctrf.json")]);
/// ```
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, MergeError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let entries = std::fs::read_dir(input).map_err(|source| MergeError::Read {
                path: input.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".ctrf.json"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Reads every file and merges them ([`merge`]).
///
/// ```no_run
/// use leanvibe_test::report::merge::merge_files;
/// let merged = merge_files(&["shard1/suite.ctrf.json".into(), "shard2/suite.ctrf.json".into()])?;
/// # Ok::<(), leanvibe_test::errors::MergeError>(())
/// ```
pub fn merge_files(paths: &[PathBuf]) -> Result<CtrfReport, MergeError> {
    let reports = paths
        .iter()
        .map(|path| {
            CtrfReport::read(path)
                .map(|report| (path.clone(), report))
                .map_err(|source| MergeError::Read {
                    path: path.clone(),
                    source,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    merge(reports)
}

/// Merges shard reports, each with the path it came from (for messages).
/// One report that is not a shard is returned as it is.
///
/// ```
/// use leanvibe_test::{errors::MergeError, report::merge::merge};
/// assert!(matches!(merge(vec![]), Err(MergeError::Empty)));
/// ```
pub fn merge(reports: Vec<(PathBuf, CtrfReport)>) -> Result<CtrfReport, MergeError> {
    if reports.is_empty() {
        return Err(MergeError::Empty);
    }
    if reports.len() == 1 && reports[0].1.run_extra().and_then(|r| r.partition).is_none() {
        super::identity::verify(&reports[0].0, &reports[0].1)?;
        return Ok(reports
            .into_iter()
            .next()
            .map(|(_, r)| r)
            .expect("one report"));
    }

    // Every report must be a finished, current shard of the same binary,
    // selection and partitioning.
    let mut shards: Vec<(PathBuf, RunExtra, Partition, CtrfReport)> = Vec::new();
    for (path, report) in reports {
        super::identity::verify(&path, &report)?;
        let run = report.run_extra();
        let Some((run, partition)) = run.and_then(|r| r.partition.map(|p| (r, p))) else {
            return Err(MergeError::NotShard { path });
        };
        if let Some((first_path, first, first_partition, _)) = shards.first() {
            if first.binary != run.binary {
                return Err(MergeError::MixedBinaries {
                    first: first.binary.clone(),
                    first_path: first_path.clone(),
                    second: run.binary,
                    second_path: path,
                });
            }
            let unpartitioned = |r: &RunExtra| super::Selection {
                partition: None,
                ..r.selection.clone()
            };
            if unpartitioned(first) != unpartitioned(&run) {
                return Err(MergeError::MixedSelections {
                    first: unpartitioned(first).describe(),
                    first_path: first_path.clone(),
                    second: unpartitioned(&run).describe(),
                    second_path: path,
                });
            }
            if first.pipeline != run.pipeline {
                return Err(MergeError::MixedPipelines {
                    first: first.pipeline.clone(),
                    first_path: first_path.clone(),
                    second: run.pipeline,
                    second_path: path,
                });
            }
            if first_partition.kind != partition.kind || first_partition.total != partition.total {
                return Err(MergeError::MixedPartitions {
                    first: *first_partition,
                    first_path: first_path.clone(),
                    second: partition,
                    second_path: path,
                });
            }
        }
        if let Some((other, ..)) = shards
            .iter()
            .find(|(_, _, p, _)| p.index == partition.index)
        {
            return Err(MergeError::DuplicateShard {
                partition,
                first: other.clone(),
                second: path,
            });
        }
        shards.push((path, run, partition, report));
    }
    shards.sort_by_key(|(_, _, p, _)| p.index);

    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for (path, _, _, report) in &shards {
        for test in &report.results.tests {
            if let Some(first) = seen.insert(test.name.clone(), path.clone()) {
                return Err(MergeError::Overlap {
                    test: test.name.clone(),
                    first,
                    second: path.clone(),
                });
            }
        }
    }
    let (_, first_run, first_partition, first_report) = &shards[0];
    for index in 1..=first_partition.total {
        if !shards.iter().any(|(_, _, p, _)| p.index == index) {
            return Err(MergeError::MissingShard {
                kind: first_partition.kind,
                index,
                total: first_partition.total,
            });
        }
    }

    // Shards of one run were cut from the same tests and hold them all
    // between them: shards that balanced by different `--timings` can leave
    // a test in none (or count differently), and the merge must not pass
    // that off as a whole run.
    let cut_from = |run: &RunExtra, report: &CtrfReport| {
        report.results.tests.len() as u64 + run.partitioned_out
    };
    let expected = cut_from(first_run, first_report);
    for (path, run, _, report) in &shards[1..] {
        if cut_from(run, report) != expected {
            return Err(MergeError::TestsInNoShard {
                expected,
                found: seen.len() as u64,
                detail: format!(
                    "{} was cut from {} tests but {} from {expected}",
                    path.display(),
                    cut_from(run, report),
                    shards[0].0.display()
                ),
            });
        }
    }
    if seen.len() as u64 != expected {
        return Err(MergeError::TestsInNoShard {
            expected,
            found: seen.len() as u64,
            detail: "were the shards balanced by different --timings?".into(),
        });
    }

    // A shard's filtered-out count includes the other shards' tests, so every
    // shard sees the same total; the merge's filtered-out is that total less
    // what all shards ran.
    let total_tests = first_report.results.tests.len() as u64 + first_run.filtered_out;
    let start = shards
        .iter()
        .map(|s| s.3.results.summary.start)
        .min()
        .unwrap_or(0);
    let stop = shards
        .iter()
        .map(|s| s.3.results.summary.stop)
        .max()
        .unwrap_or(start);
    let run = RunExtra {
        schema: super::ctrf::EXTRA_SCHEMA,
        run_id: super::new_run_id(),
        completed: true,
        not_run: 0,
        stop_reason: None,
        selection: super::Selection {
            partition: None,
            ..first_run.selection.clone()
        },
        binary: first_run.binary.clone(),
        hostname: first_run.hostname.clone(),
        partition: None,
        pipeline: first_run.pipeline.clone(),
        commit: first_run.commit.clone(),
        filtered_out: total_tests.saturating_sub(seen.len() as u64),
        partitioned_out: 0,
        workers: shards.iter().map(|s| s.1.workers).max().unwrap_or(0),
        merged_from: shards.iter().map(|s| s.2.to_string()).collect(),
    };
    let os_platform = first_report
        .results
        .environment
        .as_ref()
        .and_then(|e| e.os_platform.clone());
    let tests: Vec<_> = shards.into_iter().flat_map(|s| s.3.results.tests).collect();
    let mut extra = Map::new();
    extra.insert(
        EXTRA_KEY.into(),
        crate::json::to_value(&run).unwrap_or_default(),
    );
    Ok(CtrfReport {
        report_format: "CTRF".into(),
        spec_version: SPEC_VERSION.into(),
        timestamp: Some(humantime::format_rfc3339_millis(SystemTime::now()).to_string()),
        generated_by: Some(format!("leanvibe-report {}", env!("CARGO_PKG_VERSION"))),
        results: CtrfResults {
            tool: tool(),
            summary: summarize(&tests, start, stop.max(start), 1),
            tests,
            environment: Some(CtrfEnvironment {
                report_name: Some(run.binary.clone()),
                os_platform,
                shard_id: None,
            }),
        },
        extra,
    })
}

/// Default output names for a merged report in `dir`:
/// `<binary>.junit.xml` and `<binary>.ctrf.json`.
///
/// ```
/// # use leanvibe_test::report::merge::output_paths;
/// let (junit, ctrf) = output_paths("out".as_ref(), "suite");
/// assert_eq!(ctrf, std::path::Path::new("out/suite.ctrf.json"));
/// # let _ = junit;
/// ```
pub fn output_paths(dir: &Path, binary: &str) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{binary}.junit.xml")),
        dir.join(format!("{binary}.ctrf.json")),
    )
}
