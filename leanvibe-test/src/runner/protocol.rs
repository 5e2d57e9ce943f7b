//! The messages between the harness and its workers.
//!
//! - Commands, harness to worker: one JSON object per line on the worker's
//!   fd 4, a pipe.
//! - Results, worker to harness: one JSON object per line appended to a
//!   file on the worker's fd 3, written before the worker reads its next
//!   command: a [`Ready`] once it has started (so a slow start-up under
//!   load does not count toward the first test's timeout), a
//!   [`RetryingAttempt`] for each failed attempt that is retried, a
//!   [`CheckpointLine`] for each checkpoint a test saves (see
//!   [`checkpoint`](super::checkpoint)), a [`TestDone`] per test, or a [`Retire`] when the worker stops on its own between
//!   tests. A result written to a file survives the worker: when a worker
//!   dies, every test it finished is in the file, so the first queued test
//!   without a result is the one that was running. Nothing is guessed.
//! - Wake-ups, worker to harness: a byte on fd 5, a pipe, when the worker
//!   has appended results the harness has not been told about. Writing a
//!   result costs one `write` to a file and wakes nobody; the harness is woken
//!   once per batch (see `worker::Outbox`). The pipe's end of file is how the
//!   harness learns the worker has exited.
//!
//! Standard input, output and error are left to the tests: stdin is
//! `/dev/null`, stdout and stderr go to the capture files (or the terminal
//! with `--nocapture`), so nothing a test reads or prints can corrupt the
//! protocol.

use super::checkpoint::{CheckpointLine, Resume};
use crate::record::{Attempt, TestOutcome};
use crate::registry::Budget;
use serde::{Deserialize, Serialize};

/// The fd a worker appends results to (a regular file).
pub(crate) const RESULTS_FD: i32 = 3;
/// The fd a worker reads commands from (a pipe).
pub(crate) const COMMANDS_FD: i32 = 4;
/// The fd a worker writes wake-up bytes to (a pipe).
pub(crate) const WAKE_FD: i32 = 5;
/// Set in a worker's environment; its value is the protocol version.
pub(crate) const WORKER_ENV: &str = "__LEANVIBE_WORKER";
/// Protocol version: a worker refuses a harness speaking another.
pub(crate) const VERSION: &str = "5";

/// Harness to worker: run this test.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RunTest {
    /// Position in the registry.
    pub index: usize,
    /// Full name, checked by the worker against the registry entry.
    pub name: String,
    /// Effective budget (attributes over profile).
    pub budget: Budget,
    /// Attempts of this test that ran in workers that crashed or timed out:
    /// they count against its retries.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts_before: u32,
    /// The `--only-rerun` patterns, joined (see `retry::RetryFilter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_rerun: Option<String>,
    /// The test's worker crashed after it saved a checkpoint: it carries on
    /// from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Resume>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A line of the results file.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Report {
    /// The worker has started (exec, loader, registry) and is about to read
    /// its first command: the first test's clock starts now.
    Ready {
        /// The worker's pid (see [`Ready`]); only its presence matters.
        #[allow(dead_code)]
        ready: serde::de::IgnoredAny,
    },
    /// The worker stops on its own, between tests (its command pipe ended
    /// or a test broke one of its descriptors): the tests queued behind
    /// did not start and are not at fault.
    Retire {
        /// Why.
        retire: String,
    },
    /// An attempt of the running test failed and it runs again.
    Retrying {
        /// Which attempt, and where its output ends.
        retrying: RetryingAttempt,
    },
    /// The running test saved a checkpoint.
    Checkpoint {
        /// The checkpoint.
        checkpoint: CheckpointLine,
    },
    /// A test finished.
    Done(TestDone),
}

/// The `retrying` line: written before the next attempt starts, so a
/// failed attempt is kept even if a later one takes the worker down.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RetryingAttempt {
    /// Position in the registry of the test.
    pub index: usize,
    /// Size of the stdout capture file when the attempt ended.
    pub stdout_end: u64,
    /// Size of the stderr capture file when the attempt ended.
    pub stderr_end: u64,
    /// The attempt (its output is cut from the capture files).
    pub attempt: Attempt,
}

/// The `retrying` line, as the worker writes it.
#[derive(Debug, Serialize)]
pub(crate) struct RetryingLine {
    /// The failed attempt.
    pub retrying: RetryingAttempt,
}

/// The `ready` line, as the worker writes it.
#[derive(Debug, Serialize)]
pub(crate) struct Ready {
    /// The worker's pid.
    pub ready: u32,
}

/// The `retire` line, as the worker writes it.
#[derive(Debug, Serialize)]
pub(crate) struct Retire<'a> {
    /// Why the worker stops.
    pub retire: &'a str,
}

/// Worker to harness: the test finished.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TestDone {
    /// Position in the registry.
    pub index: usize,
    /// Size of the stdout capture file after the test (0 without capture).
    pub stdout_end: u64,
    /// Size of the stderr capture file after the test (0 without capture).
    pub stderr_end: u64,
    /// What happened.
    pub outcome: TestOutcome,
}

#[cfg(test)]
mod tests {
    //! Every message, with hostile text and extreme numbers, through the
    //! functions the harness and worker use: one line each way, read back
    //! as what was written; cut or damaged lines refused without a panic.

    use super::*;
    use crate::json::{Map, Value};
    use crate::record::{Failure, FailureKind, Measurements, Status};
    use proptest::prelude::*;
    use proptest::sample::select;

    /// Text with what could break a line-based JSON protocol: line breaks,
    /// quotes, backslashes, controls, escapes spelled out, odd code points.
    fn hostile() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                "\\PC{0,6}",
                "[\\x00-\\x1f\\x7f\"\\\\/]{1,4}",
                select(vec![
                    "\\ud800",
                    "\\u0000",
                    "\\xff",
                    "\"}",
                    "\n{\"ready\":1}\n",
                    "\r\n",
                    "\u{2028}\u{2029}\u{85}",
                    "\u{feff}",
                    "\u{fffd}\u{fffe}\u{10ffff}",
                    "é💥",
                ])
                .prop_map(str::to_string),
            ],
            0..6,
        )
        .prop_map(|parts| parts.concat())
    }

    /// Finite floats, the edges included (JSON has no NaN or infinity; see
    /// `non_finite_floats_are_never_misread`).
    fn finite() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            select(vec![
                0.0,
                -0.0,
                5e-324,
                f64::MIN_POSITIVE,
                f64::MAX,
                f64::MIN,
                1e21,
                0.1
            ]),
        ]
    }

    fn budget() -> impl Strategy<Value = Budget> {
        use proptest::option::of;
        (
            (of(finite()), of(any::<u64>()), of(any::<u64>())),
            (of(any::<u32>()), of(any::<u32>())),
            (of(finite()), of(finite()), of(finite()), of(finite())),
            of(any::<u32>()),
        )
            .prop_map(
                |(
                    (max_ms, max_heap_bytes, max_rss_bytes),
                    (iterations, warmup),
                    (mean_ms, p50_ms, p95_ms, p99_ms),
                    retries,
                )| Budget {
                    max_ms,
                    max_heap_bytes,
                    max_rss_bytes,
                    iterations,
                    warmup,
                    mean_ms,
                    p50_ms,
                    p95_ms,
                    p99_ms,
                    retries,
                },
            )
    }

    fn failure() -> impl Strategy<Value = Failure> {
        use FailureKind::*;
        (
            select(vec![
                Panic,
                Error,
                ShouldPanic,
                Timeout,
                Crash,
                BudgetTime,
                BudgetMemory,
                BudgetRss,
                BudgetStats,
                Setup,
                Security,
                Performance,
                Harness,
                Interrupted,
                Flaky,
            ]),
            hostile(),
            proptest::option::of(hostile()),
        )
            .prop_map(|(kind, message, location)| Failure {
                kind,
                message,
                location,
            })
    }

    fn attempt() -> impl Strategy<Value = Attempt> {
        (failure(), finite()).prop_map(|(failure, duration_ms)| Attempt {
            failure,
            duration_ms,
            // Not part of the message: the harness cuts output from the
            // capture files.
            stdout: Vec::new(),
            stderr: Vec::new(),
        })
    }

    /// Data a test attaches (`extra`): any JSON with hostile keys and text.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            finite().prop_map(Value::from),
            hostile().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(hostile(), inner, 0..4).prop_map(Value::Object),
            ]
        })
    }

    fn outcome() -> impl Strategy<Value = TestOutcome> {
        let status = prop_oneof![
            Just(Status::Passed),
            failure().prop_map(Status::Failed),
            proptest::option::of(hostile()).prop_map(|reason| Status::Ignored { reason }),
        ];
        let measurements = (
            proptest::collection::vec(finite(), 0..4),
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<u64>()),
            any::<u32>(),
        )
            .prop_map(
                |(runs_ms, peak_heap_bytes, peak_rss_bytes, attempts)| Measurements {
                    runs_ms,
                    peak_heap_bytes,
                    peak_rss_bytes,
                    attempts,
                },
            );
        (
            status,
            finite(),
            measurements,
            proptest::collection::vec(attempt(), 0..3),
            proptest::collection::btree_map(hostile(), json_value(), 0..3),
        )
            .prop_map(
                |(status, duration_ms, measurements, earlier_attempts, extra)| TestOutcome {
                    status,
                    duration_ms,
                    measurements,
                    earlier_attempts,
                    extra: extra.into_iter().collect::<Map>(),
                },
            )
    }

    fn run_test() -> impl Strategy<Value = RunTest> {
        (
            any::<usize>(),
            hostile(),
            budget(),
            any::<u32>(),
            proptest::option::of(hostile()),
            proptest::option::of(resume()),
        )
            .prop_map(
                |(index, name, budget, attempts_before, only_rerun, resume)| RunTest {
                    index,
                    name,
                    budget,
                    attempts_before,
                    only_rerun,
                    resume,
                },
            )
    }

    /// A checkpoint to resume from: the test's state is any JSON; here a
    /// hostile string in an object, as the security suite's is an object.
    fn resume() -> impl Strategy<Value = super::super::checkpoint::Resume> {
        (hostile(), hostile(), hostile(), any::<u32>()).prop_map(|(state, note, ended, count)| {
            let mut object = Map::new();
            object.insert("state".into(), crate::json::Value::String(state));
            super::super::checkpoint::Resume {
                state: crate::json::Value::Object(object),
                note,
                ended,
                count,
            }
        })
    }

    fn test_done() -> impl Strategy<Value = TestDone> {
        (any::<usize>(), any::<u64>(), any::<u64>(), outcome()).prop_map(
            |(index, stdout_end, stderr_end, outcome)| TestDone {
                index,
                stdout_end,
                stderr_end,
                outcome,
            },
        )
    }

    fn retrying() -> impl Strategy<Value = RetryingAttempt> {
        (any::<usize>(), any::<u64>(), any::<u64>(), attempt()).prop_map(
            |(index, stdout_end, stderr_end, attempt)| RetryingAttempt {
                index,
                stdout_end,
                stderr_end,
                attempt,
            },
        )
    }

    /// One line as the worker or harness writes it: JSON, then `\n`.
    fn line<T: Serialize>(message: &T) -> Vec<u8> {
        let mut line = Vec::new();
        crate::json::to_writer(&mut line, message).expect("every message encodes");
        line.push(b'\n');
        line
    }

    /// Any line of the results file.
    fn report_line() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            test_done().prop_map(|done| line(&done)),
            retrying().prop_map(|retrying| line(&RetryingLine { retrying })),
            any::<u32>().prop_map(|ready| line(&Ready { ready })),
            hostile().prop_map(|why| line(&Retire { retire: &why })),
        ]
    }

    /// A line is one line: the reader splits the file at `\n`.
    fn assert_one_line(line: &[u8]) -> Result<(), TestCaseError> {
        let breaks = line.iter().filter(|&&b| b == b'\n').count();
        prop_assert_eq!(breaks, 1, "{:?}", String::from_utf8_lossy(line));
        prop_assert_eq!(line.last(), Some(&b'\n'));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Harness to worker: a command reads back as written, to the bit.
        #[test]
        fn run_test_commands_round_trip(command in run_test()) {
            let encoded = line(&command);
            assert_one_line(&encoded)?;
            let text = std::str::from_utf8(&encoded).unwrap();
            let back: RunTest = crate::json::from_str(text)
                .map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
            prop_assert_eq!(back.index, command.index);
            prop_assert_eq!(&back.name, &command.name);
            prop_assert_eq!(back.budget, command.budget);
            prop_assert_eq!(back.attempts_before, command.attempts_before);
            prop_assert_eq!(&back.only_rerun, &command.only_rerun);
            // `==` takes -0.0 for 0.0: the text again tells them apart.
            prop_assert_eq!(line(&back), encoded);
        }

        /// Worker to harness: a finished test reads back as written.
        #[test]
        fn test_done_lines_round_trip(done in test_done()) {
            let encoded = line(&done);
            assert_one_line(&encoded)?;
            match crate::json::from_slice::<Report>(&encoded) {
                Ok(Report::Done(back)) => {
                    prop_assert_eq!(back.index, done.index);
                    prop_assert_eq!(back.stdout_end, done.stdout_end);
                    prop_assert_eq!(back.stderr_end, done.stderr_end);
                    prop_assert_eq!(&back.outcome, &done.outcome);
                    prop_assert_eq!(line(&back), encoded);
                }
                other => prop_assert!(false, "{:?} from {}", other, String::from_utf8_lossy(&encoded)),
            }
        }

        /// The `retrying`, `ready` and `retire` lines read back as written.
        #[test]
        fn retrying_ready_and_retire_lines_round_trip(
            retrying in retrying(),
            pid in any::<u32>(),
            why in hostile(),
        ) {
            let encoded = line(&RetryingLine { retrying });
            assert_one_line(&encoded)?;
            let Ok(Report::Retrying { retrying: back }) = crate::json::from_slice::<Report>(&encoded) else {
                return Err(TestCaseError::fail(format!("not a retrying line: {}", String::from_utf8_lossy(&encoded))));
            };
            prop_assert_eq!(line(&RetryingLine { retrying: back }), encoded);

            let encoded = line(&Ready { ready: pid });
            let ready = matches!(crate::json::from_slice::<Report>(&encoded), Ok(Report::Ready { .. }));
            prop_assert!(ready, "not a ready line: {}", String::from_utf8_lossy(&encoded));

            let encoded = line(&Retire { retire: &why });
            assert_one_line(&encoded)?;
            match crate::json::from_slice::<Report>(&encoded) {
                Ok(Report::Retire { retire }) => prop_assert_eq!(retire, why),
                other => prop_assert!(false, "{:?}", other),
            }
        }

        /// A line cut short anywhere (a worker killed mid-write) is refused,
        /// never read as another message.
        #[test]
        fn truncated_lines_are_refused(
            encoded in report_line(),
            command in run_test(),
            cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 1..16),
        ) {
            let command = line(&command);
            for cut in &cuts {
                // Without the `\n` and at least the closing brace.
                let report = &encoded[..cut.index(encoded.len() - 1)];
                let result = crate::json::from_slice::<Report>(report);
                prop_assert!(result.is_err(), "{:?} read from {:?}", result, String::from_utf8_lossy(report));
                let command = &command[..cut.index(command.len() - 1)];
                let result = crate::json::from_slice::<RunTest>(command);
                prop_assert!(result.is_err(), "{:?} read from {:?}", result, String::from_utf8_lossy(command));
            }
        }

        /// A damaged line (bytes replaced, inserted or removed; an escape
        /// that is not one; any bytes at all): no panic, and nothing that
        /// is not JSON is read as a message.
        #[test]
        fn garbage_is_refused_without_panicking(
            encoded in report_line(),
            edits in proptest::collection::vec(
                (any::<proptest::sample::Index>(), 0u8..3, prop_oneof![
                    any::<u8>().prop_map(|b| vec![b]),
                    select(vec![&b"\\ud800"[..], b"\\u12", b"\\x41", b"\xff", b"\xed\xa0\x80", b"\"", b"}", b"1e999", b"-", b"\0"])
                        .prop_map(<[u8]>::to_vec),
                ]),
                1..4,
            ),
            noise in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut damaged = encoded;
            for (at, how, bytes) in edits {
                let at = at.index(damaged.len());
                match how {
                    0 => { damaged.splice(at..at + 1, bytes); }
                    1 => { damaged.splice(at..at, bytes); }
                    _ => { damaged.remove(at); }
                }
                if damaged.is_empty() {
                    damaged.push(b'x');
                }
            }
            for input in [&damaged, &noise] {
                let ours = crate::json::from_slice::<Report>(input);
                let command = crate::json::from_slice::<RunTest>(input);
                if serde_json::from_slice::<serde_json::Value>(input).is_err() {
                    prop_assert!(ours.is_err(), "{:?} read from {:?}", ours, String::from_utf8_lossy(input));
                    prop_assert!(command.is_err(), "{:?} read from {:?}", command, String::from_utf8_lossy(input));
                }
            }
        }

        /// JSON has no NaN or infinity: written, they are `null`. An unset
        /// budget limit reads back unset (a NaN limit never fails a test
        /// either); a result's own figures make the line unreadable, which
        /// the harness reports as a broken worker, never a wrong figure.
        #[test]
        fn non_finite_floats_are_never_misread(
            done in test_done(),
            command in run_test(),
            bad in select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
            which in 0u8..3,
        ) {
            let mut command = command;
            command.budget.p95_ms = Some(bad);
            let back: RunTest = crate::json::from_slice(&line(&command)).unwrap();
            prop_assert_eq!(back.budget.p95_ms, None);

            let mut done = done;
            match which {
                0 => done.outcome.duration_ms = bad,
                1 => done.outcome.measurements.runs_ms.push(bad),
                _ => done.outcome.earlier_attempts.push(Attempt {
                    failure: Failure::new(FailureKind::Panic, "boom"),
                    duration_ms: bad,
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                }),
            }
            let result = crate::json::from_slice::<Report>(&line(&done));
            prop_assert!(result.is_err(), "{:?}", result);
        }
    }
}
