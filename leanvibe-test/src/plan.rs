//! Which tests run: libtest's selection (filters, `--exact`, `--skip`,
//! `--ignored`, `--include-ignored`), then nextest's `--partition`, in name
//! order.

use crate::cli::Args;
use crate::registry::{Ignore, TestCase};
use crate::report::timings::Timings;

/// One selected test.
#[derive(Debug, Clone)]
pub struct PlannedTest {
    /// Full name, as listed and reported.
    pub name: String,
    /// Position in the registry, the same in every process of this binary:
    /// what the harness sends a worker.
    pub registry_index: usize,
    /// The registered test.
    pub case: &'static TestCase,
    /// Whether it runs, or is reported as ignored without running.
    pub run: bool,
}

/// The selected tests, sorted by name, and how many were filtered out.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Selected tests in name order.
    pub tests: Vec<PlannedTest>,
    /// Tests removed by filters, `--skip`, `--ignored` or the partition.
    pub filtered_out: usize,
    /// Of those, the tests the partition gave to other shards: the shards
    /// of one run together hold `tests.len() + partitioned_out` tests.
    pub partitioned_out: usize,
}

/// Selects from `cases` (in registry order) as libtest would with `args`.
pub fn select(cases: &[&'static TestCase], args: &Args, timings: &Timings) -> Plan {
    let matches = |name: &str, pattern: &str| {
        if args.exact {
            name == pattern
        } else {
            name.contains(pattern)
        }
    };
    let mut tests = Vec::new();
    let mut name = String::new();
    for (registry_index, case) in cases.iter().enumerate() {
        case.write_full_name(&mut name);
        let wanted = args.filters.is_empty() || args.filters.iter().any(|f| matches(&name, f));
        if !wanted || args.skip.iter().any(|s| matches(&name, s)) {
            continue;
        }
        let ignored = case.attrs.ignore != Ignore::No;
        if args.ignored && !ignored {
            continue;
        }
        let run = !ignored || args.ignored || args.include_ignored;
        tests.push(PlannedTest {
            name: name.clone(),
            registry_index,
            case,
            run,
        });
    }
    tests.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    if args.bench {
        // There are no benchmarks in a leanvibe harness; libtest in bench
        // mode runs benchmarks only.
        tests.clear();
    }
    let mut partitioned_out = 0;
    if let Some(partition) = &args.partition {
        // As nextest does, tests marked `#[ignore]` are dealt out apart from
        // the others, so each shard gets its share of the tests that run.
        let mut kept = vec![false; tests.len()];
        for marked_ignored in [false, true] {
            let group: Vec<usize> = (0..tests.len())
                .filter(|&i| (tests[i].case.attrs.ignore != Ignore::No) == marked_ignored)
                .collect();
            let names: Vec<&str> = group.iter().map(|&i| tests[i].name.as_str()).collect();
            for (&i, keep) in group.iter().zip(partition.assign(&names, timings)) {
                kept[i] = keep;
            }
        }
        let before = tests.len();
        tests = tests
            .into_iter()
            .zip(kept)
            .filter_map(|(test, kept)| kept.then_some(test))
            .collect();
        partitioned_out = before - tests.len();
    }
    Plan {
        filtered_out: cases.len() - tests.len(),
        partitioned_out,
        tests,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{TestAttrs, TestCase};
    use std::collections::BTreeMap;

    fn body() -> Result<(), String> {
        Ok(())
    }

    fn case(module_path: &'static str, name: &'static str, ignore: Ignore) -> &'static TestCase {
        Box::leak(Box::new(TestCase {
            name,
            module_path,
            file: "t.rs",
            line: 1,
            manifest_dir: ".",
            attrs: TestAttrs {
                ignore,
                ..TestAttrs::DEFAULT
            },
            body,
        }))
    }

    fn names(cases: &[&'static TestCase], argv: &[&str]) -> (Vec<(String, bool)>, usize) {
        let args =
            Args::parse_from_iter(std::iter::once("suite").chain(argv.iter().copied())).unwrap();
        let plan = select(cases, &args, &Timings::default());
        (
            plan.tests.into_iter().map(|t| (t.name, t.run)).collect(),
            plan.filtered_out,
        )
    }

    fn fixture() -> Vec<&'static TestCase> {
        vec![
            case("suite::unit", "b_parse", Ignore::No),
            case("suite", "a_top", Ignore::No),
            case("suite::unit", "a_parse", Ignore::Because("slow")),
            case("suite::io", "parse_file", Ignore::No),
        ]
    }

    #[test]
    fn sorts_by_full_name_and_marks_ignored() {
        let (tests, out) = names(&fixture(), &[]);
        let expected = [
            ("a_top", true),
            ("io::parse_file", true),
            ("unit::a_parse", false),
            ("unit::b_parse", true),
        ];
        assert_eq!(tests, expected.map(|(n, r)| (n.to_string(), r)));
        assert_eq!(out, 0);
    }

    #[test]
    fn filters_are_any_of_substrings_and_skip_removes() {
        let (tests, out) = names(&fixture(), &["parse", "top", "--skip", "io::"]);
        let got: Vec<_> = tests.into_iter().map(|t| t.0).collect();
        assert_eq!(got, ["a_top", "unit::a_parse", "unit::b_parse"]);
        assert_eq!(out, 1);
    }

    #[test]
    fn exact_matches_whole_names_only() {
        let (tests, out) = names(&fixture(), &["--exact", "unit::b_parse", "b_parse"]);
        assert_eq!(tests, [("unit::b_parse".to_string(), true)]);
        assert_eq!(out, 3);
    }

    #[test]
    fn ignored_runs_only_ignored_and_include_ignored_runs_all() {
        let (tests, out) = names(&fixture(), &["--ignored"]);
        assert_eq!(tests, [("unit::a_parse".to_string(), true)]);
        assert_eq!(out, 3);
        let (tests, _) = names(&fixture(), &["--include-ignored"]);
        assert!(tests.iter().all(|t| t.1));
    }

    #[test]
    fn partitions_cover_every_test_exactly_once() {
        let cases: Vec<_> = (0..50)
            .map(|i| {
                case(
                    "suite",
                    Box::leak(format!("t{i}").into_boxed_str()),
                    Ignore::No,
                )
            })
            .collect();
        for kind in ["count", "hash"] {
            let mut seen = Vec::new();
            for shard in 1..=3 {
                let (tests, out) = names(&cases, &["--partition", &format!("{kind}:{shard}/3")]);
                assert_eq!(tests.len() + out, 50);
                seen.extend(tests.into_iter().map(|t| t.0));
            }
            seen.sort();
            let mut all: Vec<_> = (0..50).map(|i| format!("t{i}")).collect();
            all.sort();
            assert_eq!(seen, all, "{kind} shards must cover every test once");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 64, ..Default::default() })]

        /// For `count:` and `hash:` over any names, some marked `#[ignore]`:
        /// the N shards together select every test exactly once, and each
        /// reports the others' share as partitioned out. `count:` also deals
        /// the tests that run, and the ignored ones, out evenly.
        #[test]
        fn every_test_lands_in_exactly_one_shard(
            tests in proptest::collection::btree_map("[a-z_]{1,6}(::[a-z_]{1,6}){0,2}", proptest::prelude::any::<bool>(), 0..40),
            total in 1u32..8,
            hash in proptest::prelude::any::<bool>(),
        ) {
            let kind = if hash { "hash" } else { "count" };
            let cases: Vec<_> = tests
                .iter()
                .map(|(name, ignored)| {
                    let ignore = if *ignored { Ignore::Yes } else { Ignore::No };
                    case("suite", Box::leak(name.clone().into_boxed_str()), ignore)
                })
                .collect();
            let mut times_selected: BTreeMap<String, usize> = BTreeMap::new();
            let mut sizes = Vec::new();
            for index in 1..=total {
                let argv = ["suite", "--partition", &format!("{kind}:{index}/{total}")];
                let args = Args::parse_from_iter(argv).unwrap();
                let plan = select(&cases, &args, &Timings::default());
                proptest::prop_assert_eq!(plan.tests.len() + plan.partitioned_out, tests.len());
                proptest::prop_assert_eq!(plan.filtered_out, plan.partitioned_out);
                let ignored = plan.tests.iter().filter(|t| !t.run).count();
                sizes.push((plan.tests.len() - ignored, ignored));
                for test in plan.tests {
                    *times_selected.entry(test.name).or_default() += 1;
                }
            }
            let every_test_once: BTreeMap<String, usize> =
                tests.keys().map(|name| (name.clone(), 1)).collect();
            proptest::prop_assert_eq!(times_selected, every_test_once);
            if kind == "count" {
                for group in [sizes.iter().map(|s| s.0).collect::<Vec<_>>(), sizes.iter().map(|s| s.1).collect()] {
                    let (least, most) = (group.iter().min().unwrap(), group.iter().max().unwrap());
                    proptest::prop_assert!(most - least <= 1, "uneven {} shards: {:?}", kind, sizes);
                }
            }
        }
    }

    #[test]
    fn bad_partition_is_a_one_line_error() {
        let err = Args::parse_from_iter(["suite", "--partition", "slice:1/2"]).unwrap_err();
        assert!(err.message.contains("use count:M/N"), "{}", err.message);
        assert!(!err.message.contains('\n'));
    }
}
