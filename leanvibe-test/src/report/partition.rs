//! The `--partition` a shard ran with, as reports record it.

use serde::{Deserialize, Serialize};

/// One shard of a partitioned run: `hash:1/3` is shard 1 of 3 by hash.
///
/// ```
/// use leanvibe_test::report::partition::Partition;
/// let p: Partition = "hash:2/3".parse().unwrap();
/// assert_eq!((p.kind.as_str(), p.index, p.total), ("hash", 2, 3));
/// assert_eq!(p.to_string(), "hash:2/3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Partition {
    /// How tests are assigned to shards (`hash`, `count`, ...).
    pub kind: String,
    /// This shard, from 1.
    pub index: u32,
    /// Number of shards.
    pub total: u32,
}

/// A partition string that is not `kind:index/total` with `1 <= index <= total`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid partition `{0}`: expected KIND:INDEX/TOTAL with 1 <= INDEX <= TOTAL, e.g. hash:1/3"
)]
pub struct PartitionError(pub String);

impl std::str::FromStr for Partition {
    type Err = PartitionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || PartitionError(text.to_owned());
        let (kind, shard) = text.split_once(':').ok_or_else(err)?;
        let (index, total) = shard.split_once('/').ok_or_else(err)?;
        let index: u32 = index.trim().parse().map_err(|_| err())?;
        let total: u32 = total.trim().parse().map_err(|_| err())?;
        if kind.is_empty() || index == 0 || index > total {
            return Err(err());
        }
        Ok(Partition {
            kind: kind.to_owned(),
            index,
            total,
        })
    }
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}/{}", self.kind, self.index, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_malformed() {
        for bad in [
            "", "hash", "hash:1", "hash:0/3", "hash:4/3", ":1/2", "hash:a/3",
        ] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
        assert_eq!("count:3/3".parse::<Partition>().unwrap().index, 3);
    }
}
