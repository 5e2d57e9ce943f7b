//! `leanvibe-report merge`: the CTRF reports of a sharded run into one
//! JUnit and one CTRF file.

use leanvibe_test::report::{ctrf::CtrfReport, junit, merge};
use std::path::PathBuf;

/// Merges `inputs` and writes the files asked for; the paths written.
pub fn run_merge(
    inputs: &[PathBuf],
    out_dir: Option<PathBuf>,
    junit_path: Option<PathBuf>,
    ctrf_path: Option<PathBuf>,
) -> Result<Vec<String>, String> {
    if out_dir.is_none() && junit_path.is_none() && ctrf_path.is_none() {
        return Err("nowhere to write: give -o DIR, --junit PATH or --ctrf PATH".into());
    }
    let files = merge::expand_inputs(inputs).map_err(|e| e.to_string())?;
    let merged: CtrfReport = merge::merge_files(&files).map_err(|e| e.to_string())?;
    let binary = merged
        .run_extra()
        .map(|r| r.binary)
        .unwrap_or_else(|| "merged".into());
    let (default_junit, default_ctrf) = match &out_dir {
        Some(dir) => {
            let (j, c) = merge::output_paths(dir, &binary);
            (Some(j), Some(c))
        }
        None => (None, None),
    };
    let mut written = Vec::new();
    if let Some(path) = junit_path.or(default_junit) {
        junit::write_file(&merged, &path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path.display().to_string());
    }
    if let Some(path) = ctrf_path.or(default_ctrf) {
        merged
            .write(&path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path.display().to_string());
    }
    Ok(written)
}
