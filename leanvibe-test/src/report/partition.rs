//! `--partition`: which share of the tests one of N CI machines runs. The
//! runner applies it; the reports record it and `leanvibe-report merge` puts
//! the shards back together.
//!
//! | kind | a test goes to | nextest |
//! |---|---|---|
//! | `count:M/N` | shard `i % N + 1`, `i` its position among the selected tests in name order | the same (`count:` counts per test binary) |
//!
//! The runner deals the tests marked `#[ignore]` out apart from the others,
//! as nextest does, so each shard gets its share of the tests that run
//! (`tests/tools/nextest.rs` compares the shards with `cargo nextest list`).
//! | `hash:M/N` | shard `xxh64(name, 0) % N + 1` | the same hash, so a test lands on the shard nextest gives it |
//! | `duration:M/N` | the least-loaded shard, longest test first, by durations from earlier reports (`--timings`) | none |
//!
//! nextest's `slice:` counts across test binaries; one harness process sees
//! one binary, so it is refused with a pointer to `count:`.

use super::timings::Timings;
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
    /// Round robin over the selected tests in name order: even counts, but
    /// adding a test moves others between shards.
    Count,
    /// By a hash of the name: a test stays on its shard whatever else is
    /// added.
    Hash,
    /// By recorded durations: shards of even length.
    Duration,
}

impl Partition {
    /// Which of `names` (the selected tests, in name order) this shard runs.
    /// Over the `total` shards, every name is run by exactly one, whatever
    /// `timings` holds (only `duration:` reads it).
    ///
    /// ```
    /// use leanvibe_test::report::{partition::Partition, timings::Timings};
    /// let first: Partition = "count:1/2".parse().unwrap();
    /// assert_eq!(first.assign(&["a", "b", "c"], &Timings::default()), [true, false, true]);
    /// ```
    pub fn assign(&self, names: &[&str], timings: &Timings) -> Vec<bool> {
        let total = u64::from(self.total);
        let shard = u64::from(self.index - 1);
        match self.kind {
            PartitionKind::Count => (0..names.len())
                .map(|position| position as u64 % total == shard)
                .collect(),
            PartitionKind::Hash => names
                .iter()
                .map(|name| xxhash_rust::xxh64::xxh64(name.as_bytes(), 0) % total == shard)
                .collect(),
            PartitionKind::Duration => balance(names, timings, self.total)
                .into_iter()
                .map(|owner| u64::from(owner) == shard)
                .collect(),
        }
    }
}

/// Deals `names` out to `shards` shards by duration: longest first, each to
/// the shard with the least time so far, as pytest-split's
/// `least_duration` does; between shards of equal time, the one with the
/// fewest tests, then the lowest-numbered (so tests that take no time, or
/// that all take the same, are dealt out evenly). A test the timings do not
/// know counts the median of those they do. Returns each name's shard, from
/// 0. Deterministic: ties between equal durations go by name.
pub fn balance(names: &[&str], timings: &Timings, shards: u32) -> Vec<u32> {
    let known: Vec<f64> = names.iter().filter_map(|n| timings.seconds(n)).collect();
    let fallback = median(known).unwrap_or(1.0);
    let mut order: Vec<(usize, f64)> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (i, timings.seconds(name).unwrap_or(fallback)))
        .collect();
    order.sort_by(|(a, da), (b, db)| db.total_cmp(da).then_with(|| names[*a].cmp(names[*b])));
    // Shards past the number of tests would stay empty: no need to hold them.
    let used = (shards as usize).min(names.len()).max(1);
    let mut load = vec![(0.0f64, 0usize); used];
    let mut owner = vec![0u32; names.len()];
    for (i, seconds) in order {
        let (least, _) = load
            .iter()
            .enumerate()
            .min_by(|(a, (la, na)), (b, (lb, nb))| la.total_cmp(lb).then(na.cmp(nb)).then(a.cmp(b)))
            .expect("at least one shard");
        load[least].0 += seconds;
        load[least].1 += 1;
        owner[i] = least as u32;
    }
    owner
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

impl std::str::FromStr for Partition {
    type Err = PartitionError;

    /// Parses `count:M/N`, `hash:M/N` or `duration:M/N` with `1 <= M <= N`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |problem: &str| PartitionError {
            text: text.to_owned(),
            problem: problem.to_owned(),
        };
        let (kind, shard) = text
            .split_once(':')
            .ok_or_else(|| err("expected KIND:M/N"))?;
        let kind = match kind {
            "count" => PartitionKind::Count,
            "hash" => PartitionKind::Hash,
            "duration" => PartitionKind::Duration,
            "slice" => {
                return Err(err(
                    "nextest's slice: counts across test binaries, and this harness sees one; use count:M/N",
                ));
            }
            _ => return Err(err("the kind is count, hash or duration")),
        };
        let (index, total) = shard
            .split_once('/')
            .ok_or_else(|| err("expected KIND:M/N"))?;
        let index: u32 = index.parse().map_err(|_| err("M is not a number"))?;
        let total: u32 = total.parse().map_err(|_| err("N is not a number"))?;
        if index == 0 || index > total {
            return Err(err("expected 1 <= M <= N"));
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
            PartitionKind::Count => "count",
            PartitionKind::Hash => "hash",
            PartitionKind::Duration => "duration",
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
            "slice:1/2",
            "hash: 1/3",
            "count:1/0",
        ] {
            let err = bad.parse::<Partition>().unwrap_err();
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
        let slice = "slice:1/2".parse::<Partition>().unwrap_err();
        assert!(slice.to_string().contains("use count:M/N"), "{slice}");
    }

    /// nextest 0.9's hash: `xxh64(name, 0) % N`. The names and shards are
    /// what `cargo nextest list --partition hash:M/3` gives for them.
    #[test]
    fn hash_is_nextests() {
        let xxh = |name: &str| xxhash_rust::xxh64::xxh64(name.as_bytes(), 0);
        // The reference vectors of xxh64 with seed 0.
        assert_eq!(xxh(""), 0xef46_db37_51d8_e999);
        assert_eq!(xxh("a"), 0xd24e_c4f1_a98c_6e5b);
        let names = ["a", "b", "tests::parses"];
        for (name, owner) in
            names
                .iter()
                .zip([xxh("a") % 3, xxh("b") % 3, xxh("tests::parses") % 3])
        {
            let shard: Partition = format!("hash:{}/3", owner + 1).parse().unwrap();
            assert_eq!(shard.assign(&[name], &Timings::default()), [true], "{name}");
        }
    }

    #[test]
    fn duration_shards_balance_longest_first() {
        let timings = Timings::from_pairs([("a", 10.0), ("b", 6.0), ("c", 5.0), ("d", 4.0)]);
        // a, then b on the other shard, c with b (11), d with a (14).
        assert_eq!(balance(&["a", "b", "c", "d"], &timings, 2), [0, 1, 1, 0]);
        // An unknown test counts the median of the known ones, 5.5: after a
        // and b it goes with b (11.5), then c with a (15), d with b (15.5).
        assert_eq!(
            balance(&["a", "b", "c", "d", "new"], &timings, 2),
            [0, 1, 0, 1, 1]
        );
    }

    /// The harness's own reports round fast tests to 0 ms: such tests are
    /// dealt out evenly, not all to the first shard.
    #[test]
    fn tests_that_take_no_time_are_dealt_out_evenly() {
        let names: Vec<String> = (0..40).map(|i| format!("t{i:02}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut recorded: Vec<(&str, f64)> = names.iter().map(|n| (*n, 0.0)).collect();
        for slow in &mut recorded[..4] {
            slow.1 = 5.0;
        }
        let owners = balance(&names, &Timings::from_pairs(recorded), 4);
        let mut per_shard = [0; 4];
        for owner in owners {
            per_shard[owner as usize] += 1;
        }
        assert_eq!(per_shard, [10, 10, 10, 10]);
        // More shards than tests: each test has its own, the rest are empty.
        assert_eq!(balance(&["a", "b"], &Timings::default(), u32::MAX), [0, 1]);
    }

    fn any_kind() -> impl Strategy<Value = PartitionKind> {
        prop_oneof![
            Just(PartitionKind::Count),
            Just(PartitionKind::Hash),
            Just(PartitionKind::Duration),
        ]
    }

    /// Texts near the grammar: `KIND:M/N` with kinds, separators and
    /// numbers at and past the edges (0, signs, spaces, past `u32`), and
    /// pieces of it in any order, and anything.
    fn partition_like_text() -> impl Strategy<Value = String> {
        let number = || {
            prop_oneof![
                4 => (0u32..6).prop_map(|n| n.to_string()),
                1 => "[0-9]{9,11}",
                1 => proptest::sample::select(vec!["00", "+1", "-1", " 1", "", "4294967295", "4294967296"])
                    .prop_map(str::to_string),
            ]
        };
        let shaped = (
            proptest::sample::select(vec![
                "count", "hash", "duration", "slice", "", "Hash", "auto",
            ]),
            proptest::sample::select(vec![":", ":", ":", "", "::", " :"]),
            number(),
            proptest::sample::select(vec!["/", "/", "/", "", "//", "/ "]),
            number(),
        )
            .prop_map(|(kind, colon, m, slash, n)| format!("{kind}{colon}{m}{slash}{n}"));
        let pieces = proptest::collection::vec(
            prop_oneof![
                3 => proptest::sample::select(vec![
                    "count", "hash", "duration", "slice", "Count", ":", "/", "0", "1", "+", "-",
                    " ", "4294967295", "4294967296", "00", "\u{0}",
                ])
                .prop_map(str::to_string),
                1 => "[0-9]{1,12}",
                1 => "\\PC{0,3}",
            ],
            0..8,
        )
        .prop_map(|parts| parts.concat());
        prop_oneof![3 => shaped, 1 => pieces]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Every kind and every `1 <= M <= N`, up to `u32::MAX`.
        #[test]
        fn display_and_from_str_round_trip(
            kind in any_kind(),
            (index, total) in (1u32..=u32::MAX).prop_flat_map(|total| (1..=total, Just(total))),
        ) {
            let partition = Partition { kind, index, total };
            let text = partition.to_string();
            prop_assert_eq!(text.parse::<Partition>(), Ok(partition));
        }

        /// `M = 0` and `M > N` are refused, whatever the kind and size.
        #[test]
        fn shard_zero_or_past_the_count_is_an_error(
            kind in any_kind(),
            (index, total) in prop_oneof![
                any::<u32>().prop_map(|total| (0, total)),
                (0u32..u32::MAX).prop_flat_map(|total| (total + 1..=u32::MAX, Just(total))),
            ],
        ) {
            let text = format!("{kind}:{index}/{total}");
            let err = text.parse::<Partition>().unwrap_err();
            prop_assert!(err.to_string().contains("expected 1 <= M <= N"), "{}", err);
        }

        /// Any text: no panic; what parses is a valid shard that prints as
        /// text parsing back to it, and an error quotes the text.
        #[test]
        fn any_text_parses_to_a_valid_shard_or_an_error_quoting_it(text in partition_like_text()) {
            match text.parse::<Partition>() {
                Ok(partition) => {
                    prop_assert!(1 <= partition.index && partition.index <= partition.total, "{:?}", partition);
                    prop_assert_eq!(partition.to_string().parse::<Partition>(), Ok(partition));
                }
                Err(err) => prop_assert!(err.to_string().contains(&format!("`{text}`")), "{}", err),
            }
        }

        #[test]
        fn text_round_trips_and_shards_cover_every_test_once(
            total in 1u32..8,
            names in proptest::collection::btree_set("[a-z:_]{1,12}", 0..40),
            recorded in proptest::collection::vec(("[a-z:_]{1,12}", prop_oneof![Just(0.0f64), 0.0f64..30.0]), 0..40),
        ) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            // Timings that mention some of the tests, and some that are gone.
            let timings = Timings::from_pairs(recorded.iter().map(|(n, s)| (n.as_str(), *s)));
            for kind in ["count", "hash", "duration"] {
                let mut owners = vec![0; names.len()];
                for index in 1..=total {
                    let text = format!("{kind}:{index}/{total}");
                    let partition: Partition = text.parse().unwrap();
                    prop_assert_eq!(partition.to_string(), text);
                    for (owned, kept) in owners.iter_mut().zip(partition.assign(&names, &timings)) {
                        *owned += usize::from(kept);
                    }
                }
                prop_assert!(owners.iter().all(|&n| n == 1), "{} {:?}", kind, owners);
            }
        }

        /// No shard is longer than the average plus the longest test: each
        /// test went to the least-loaded shard, which held at most the
        /// average (the bound of any greedy list schedule; choosing the
        /// most-loaded shard instead fails it).
        #[test]
        fn no_duration_shard_exceeds_the_average_by_more_than_one_test(
            shards in 1u32..6,
            seconds in proptest::collection::vec(prop_oneof![Just(0.0f64), 0.001f64..30.0], 1..60),
        ) {
            let names: Vec<String> = (0..seconds.len()).map(|i| format!("t{i:02}")).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let timings = Timings::from_pairs(names.iter().copied().zip(seconds.iter().copied()));
            let owners = balance(&names, &timings, shards);
            let mut load = vec![0.0; shards as usize];
            for (owner, s) in owners.iter().zip(&seconds) {
                load[*owner as usize] += s;
            }
            let longest_shard = load.iter().copied().fold(0.0, f64::max);
            let sum: f64 = seconds.iter().sum();
            let longest_test = seconds.iter().copied().fold(0.0, f64::max);
            let bound = sum / f64::from(shards) + longest_test;
            prop_assert!(longest_shard <= bound + 1e-9, "{:?} vs {}", load, bound);
        }
    }
}
