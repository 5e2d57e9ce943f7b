//! What a CI system tells this process through its environment: the shard
//! to run (Bazel's test sharding protocol, GitLab's `parallel:` and
//! Buildkite's parallelism, for `--partition auto`) and the pipeline it is
//! part of, which every shard of one CI run shares. See the README's
//! sharding section.

use crate::report::partition::{Partition, PartitionKind};
use std::path::PathBuf;

/// A variable of this process's environment, unless unset or empty (CI
/// systems export some variables empty).
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// What Bazel's test protocol asks of a test binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BazelShard {
    /// `TEST_SHARD_INDEX` (0-based) of `TEST_TOTAL_SHARDS`, as `count:M/N`.
    pub partition: Partition,
    /// `TEST_SHARD_STATUS_FILE`: touched to tell Bazel the runner shards.
    pub status_file: Option<PathBuf>,
}

/// Bazel's shard, when `TEST_TOTAL_SHARDS` and `TEST_SHARD_INDEX` are set.
pub(crate) fn bazel(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<BazelShard>, String> {
    let (Some(total), Some(index)) = (env("TEST_TOTAL_SHARDS"), env("TEST_SHARD_INDEX")) else {
        return Ok(None);
    };
    let partition = zero_based("TEST_SHARD_INDEX", &index, "TEST_TOTAL_SHARDS", &total)?;
    Ok(Some(BazelShard {
        partition,
        status_file: env("TEST_SHARD_STATUS_FILE")
            .filter(|f| !f.is_empty())
            .map(PathBuf::from),
    }))
}

/// The shard of a CI matrix job, for `--partition auto`: GitLab's
/// `CI_NODE_INDEX`/`CI_NODE_TOTAL` (1-based), then Buildkite's
/// `BUILDKITE_PARALLEL_JOB`/`BUILDKITE_PARALLEL_JOB_COUNT` (0-based), dealt
/// out as `count:M/N`.
pub(crate) fn matrix(env: &dyn Fn(&str) -> Option<String>) -> Result<Partition, String> {
    if let (Some(index), Some(total)) = (env("CI_NODE_INDEX"), env("CI_NODE_TOTAL")) {
        let partition = format!("count:{}/{}", index.trim(), total.trim())
            .parse::<Partition>()
            .map_err(|e| {
                format!(
                    "CI_NODE_INDEX={index}, CI_NODE_TOTAL={total}: {}",
                    e.problem
                )
            })?;
        return Ok(partition);
    }
    if let (Some(index), Some(total)) = (
        env("BUILDKITE_PARALLEL_JOB"),
        env("BUILDKITE_PARALLEL_JOB_COUNT"),
    ) {
        return zero_based(
            "BUILDKITE_PARALLEL_JOB",
            &index,
            "BUILDKITE_PARALLEL_JOB_COUNT",
            &total,
        );
    }
    Err("--partition auto: no CI shard in the environment (GitLab's CI_NODE_INDEX and CI_NODE_TOTAL, or Buildkite's BUILDKITE_PARALLEL_JOB and BUILDKITE_PARALLEL_JOB_COUNT); on GitHub Actions pass --partition count:${{ matrix.shard }}/N".into())
}

/// The CI run this process belongs to, the same in every shard (and every
/// retried job) of it: `LEANVIBE_PIPELINE` when set, else GitHub Actions'
/// `GITHUB_RUN_ID`, GitLab's `CI_PIPELINE_ID`, Buildkite's
/// `BUILDKITE_BUILD_ID`, CircleCI's `CIRCLE_WORKFLOW_ID` or Jenkins's
/// `BUILD_TAG`, prefixed with the system's name. `leanvibe-report merge`
/// refuses shards of different pipelines.
pub(crate) fn pipeline(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    // One line, as ids are: a value with a newline would split the
    // one-line merge errors and the JUnit property.
    let one_line = |id: String| id.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(id) = env("LEANVIBE_PIPELINE") {
        return Some(one_line(id));
    }
    [
        ("GITHUB_RUN_ID", "github"),
        ("CI_PIPELINE_ID", "gitlab"),
        ("BUILDKITE_BUILD_ID", "buildkite"),
        ("CIRCLE_WORKFLOW_ID", "circleci"),
        ("BUILD_TAG", "jenkins"),
    ]
    .into_iter()
    .find_map(|(name, system)| env(name).map(|id| format!("{system}:{}", one_line(id))))
}

/// The commit under test: `LEANVIBE_COMMIT` when set, else GitHub
/// Actions' `GITHUB_SHA`, GitLab's `CI_COMMIT_SHA`, Buildkite's
/// `BUILDKITE_COMMIT`, CircleCI's `CIRCLE_SHA1` or Jenkins's `GIT_COMMIT`.
/// Read from the environment rather than by running `git`: a test run must
/// not depend on git being installed or the checkout being a repository.
pub(crate) fn commit(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    [
        "LEANVIBE_COMMIT",
        "GITHUB_SHA",
        "CI_COMMIT_SHA",
        "BUILDKITE_COMMIT",
        "CIRCLE_SHA1",
        "GIT_COMMIT",
    ]
    .into_iter()
    .find_map(env)
    .map(|sha| sha.trim().to_string())
    .filter(|sha| !sha.is_empty())
}

/// `count:(index + 1)/total` from a 0-based index.
fn zero_based(
    index_name: &str,
    index: &str,
    total_name: &str,
    total: &str,
) -> Result<Partition, String> {
    let bad = || format!("{index_name}={index}, {total_name}={total}: expected 0 <= index < total");
    let index: u32 = index.trim().parse().map_err(|_| bad())?;
    let total: u32 = total.trim().parse().map_err(|_| bad())?;
    if index >= total {
        return Err(bad());
    }
    Ok(Partition {
        kind: PartitionKind::Count,
        index: index + 1,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn bazel_index_is_zero_based_and_the_status_file_is_kept() {
        let vars = [
            ("TEST_TOTAL_SHARDS", "4"),
            ("TEST_SHARD_INDEX", "0"),
            ("TEST_SHARD_STATUS_FILE", "/tmp/status"),
        ];
        let shard = bazel(&env(&vars)).unwrap().unwrap();
        assert_eq!(shard.partition.to_string(), "count:1/4");
        assert_eq!(shard.status_file, Some(PathBuf::from("/tmp/status")));
        assert_eq!(bazel(&env(&[("TEST_TOTAL_SHARDS", "4")])).unwrap(), None);
        let err = bazel(&env(&[
            ("TEST_TOTAL_SHARDS", "4"),
            ("TEST_SHARD_INDEX", "4"),
        ]))
        .unwrap_err();
        assert!(err.contains("TEST_SHARD_INDEX=4"), "{err}");
    }

    #[test]
    fn the_commit_is_ours_first_then_the_ci_systems() {
        assert_eq!(commit(&env(&[])), None);
        assert_eq!(
            commit(&env(&[("CI_COMMIT_SHA", " abc\n")])).as_deref(),
            Some("abc")
        );
        assert_eq!(
            commit(&env(&[("GITHUB_SHA", "gh"), ("LEANVIBE_COMMIT", "ours")])).as_deref(),
            Some("ours")
        );
        assert_eq!(commit(&env(&[("GIT_COMMIT", "  ")])), None);
    }

    #[test]
    fn the_pipeline_is_ours_first_then_the_ci_systems() {
        assert_eq!(pipeline(&env(&[])), None);
        assert_eq!(
            pipeline(&env(&[
                ("GITHUB_RUN_ID", "42"),
                ("GITHUB_RUN_ATTEMPT", "2")
            ]))
            .as_deref(),
            Some("github:42")
        );
        assert_eq!(
            pipeline(&env(&[
                ("CI_PIPELINE_ID", "7"),
                ("LEANVIBE_PIPELINE", "nightly-3")
            ]))
            .as_deref(),
            Some("nightly-3")
        );
    }

    #[test]
    fn values_are_trimmed_and_a_pipeline_is_one_line() {
        let gitlab = [("CI_NODE_INDEX", " 1"), ("CI_NODE_TOTAL", "2 ")];
        assert_eq!(matrix(&env(&gitlab)).unwrap().to_string(), "count:1/2");
        let two_lines = [("LEANVIBE_PIPELINE", "nightly\n  run 3 ")];
        assert_eq!(pipeline(&env(&two_lines)).as_deref(), Some("nightly run 3"));
    }

    #[test]
    fn gitlab_is_one_based_and_buildkite_zero_based() {
        let gitlab = [("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")];
        assert_eq!(matrix(&env(&gitlab)).unwrap().to_string(), "count:2/3");
        let buildkite = [
            ("BUILDKITE_PARALLEL_JOB", "2"),
            ("BUILDKITE_PARALLEL_JOB_COUNT", "3"),
        ];
        assert_eq!(matrix(&env(&buildkite)).unwrap().to_string(), "count:3/3");
        let bad = [("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "3")];
        assert!(matrix(&env(&bad)).unwrap_err().contains("CI_NODE_INDEX=0"));
        assert!(matrix(&env(&[])).unwrap_err().contains("no CI shard"));
    }
}
