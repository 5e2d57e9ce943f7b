//! `--partition`: which share of the tests one of N CI machines runs, as
//! nextest defines it. The runner applies it; the reports record it and
//! `leanvibe-report merge` puts the shards back together.

use crate::errors::PartitionError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One shard of a partitioned run: `hash:1/3` is shard 1 of 3 by hash.
///
/// ```
/// use leanvibe_test::report::partition::{Partition, PartitionKind};
/// let p: Partition = "hash:2/3".parse().unwrap();
/// assert_eq!((p.kind, p.index, p.total), (PartitionKind::Hash, 2, 3));
/// assert_eq!(p.to_string(), "hash:2/3");
/// assert!("hash:4/3".parse::<Partition>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Partition {
    /// How tests are dealt out.
    pub kind: PartitionKind,
    /// This shard, from 1.
    pub index: u32,
    /// Number of shards.
    pub total: u32,
}

/// How `--partition` deals tests out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartitionKind {
    /// The i-th selected test (in name order) goes to shard `i % N + 1`:
    /// even counts, but adding a test moves others between shards.
    Slice,
    /// A test goes to shard `hash(name) % N + 1`: a test stays on its shard
    /// whatever else is added.
    Hash,
}

impl Partition {
    /// Whether the test at `position` (0-based, in name order among the
    /// selected tests) named `name` belongs to this shard.
    ///
    /// ```
    /// # use leanvibe_test::report::partition::Partition;
    /// let first: Partition = "slice:1/2".parse().unwrap();
    /// assert!(first.keeps(0, "a") && !first.keeps(1, "b") && first.keeps(2, "c"));
    /// ```
    pub fn keeps(&self, position: usize, name: &str) -> bool {
        let total = u64::from(self.total);
        let shard = u64::from(self.index - 1);
        match self.kind {
            PartitionKind::Slice => position as u64 % total == shard,
            PartitionKind::Hash => fnv1a(name.as_bytes()) % total == shard,
        }
    }
}

/// FNV-1a: stable across builds, platforms and Rust versions, unlike std's
/// `DefaultHasher`, so a test's shard never changes between CI runs.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl std::str::FromStr for Partition {
    type Err = PartitionError;

    /// Parses `slice:M/N` or `hash:M/N` with `1 <= M <= N`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || PartitionError {
            text: text.to_owned(),
        };
        let (kind, shard) = text.split_once(':').ok_or_else(err)?;
        let kind = match kind {
            "slice" => PartitionKind::Slice,
            "hash" => PartitionKind::Hash,
            _ => return Err(err()),
        };
        let (index, total) = shard.split_once('/').ok_or_else(err)?;
        let index: u32 = index.parse().map_err(|_| err())?;
        let total: u32 = total.parse().map_err(|_| err())?;
        if index == 0 || index > total {
            return Err(err());
        }
        Ok(Partition { kind, index, total })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.kind, self.index, self.total)
    }
}

impl fmt::Display for PartitionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PartitionKind::Slice => "slice",
            PartitionKind::Hash => "hash",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "hash",
            "hash:1",
            "hash:0/3",
            "hash:4/3",
            ":1/2",
            "hash:a/3",
            "count:1/2",
            "hash: 1/3",
            "slice:1/0",
        ] {
            let err = bad.parse::<Partition>().unwrap_err();
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
    }

    proptest! {
        #[test]
        fn text_round_trips_and_shards_cover_every_test_once(
            total in 1u32..8,
            names in proptest::collection::btree_set("[a-z:_]{1,12}", 0..40),
        ) {
            for kind in ["slice", "hash"] {
                let mut owners = vec![0; names.len()];
                for index in 1..=total {
                    let text = format!("{kind}:{index}/{total}");
                    let partition: Partition = text.parse().unwrap();
                    prop_assert_eq!(partition.to_string(), text);
                    for (position, name) in names.iter().enumerate() {
                        owners[position] += usize::from(partition.keeps(position, name));
                    }
                }
                prop_assert!(owners.iter().all(|&n| n == 1), "{:?}", owners);
            }
        }
    }
}
