//! The model of verdicts behind the model-based property test
//! (`tests/e2e/verdicts.rs`, and the nextest half in `tests/tools/`).
//!
//! The `model` fixture has 40 tests, `t00` to `t39`, each doing at run time
//! what `LEANVIBE_MODEL_SUITE` says for its slot. A generated [`Suite`]
//! picks some slots and a [`Behaviour`] for each; this module says what
//! every mode of the harness must then report for each test, and reads
//! what it did report from the console, the JUnit file, the CTRF file and
//! the event stream.

use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Slots in the fixture.
pub const SLOTS: usize = 40;

/// What one test of the fixture does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Pass,
    /// `assert_eq!` fails.
    Assert,
    Panic,
    /// Returns `Err`.
    Err,
    Abort,
    /// Writes through a null pointer.
    Segv,
    /// `std::process::exit(code)`, 0 included.
    Exit(i32),
    Overflow,
    /// Sleeps past its 500 ms `timeout_ms`.
    Hang,
    /// Prints 3 MiB, then passes.
    Flood,
    /// `leanvibe_test::skip`.
    Skip,
    /// Fails its first attempt, passes the retry.
    Flaky,
}

/// How a test ended, as every report must say it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass { flaky: bool },
    Fail { kind: String },
    Skip,
}

impl Behaviour {
    /// The word the fixture reads.
    pub fn code(self) -> String {
        match self {
            Behaviour::Pass => "pass".into(),
            Behaviour::Assert => "assert".into(),
            Behaviour::Panic => "panic".into(),
            Behaviour::Err => "err".into(),
            Behaviour::Abort => "abort".into(),
            Behaviour::Segv => "segv".into(),
            Behaviour::Exit(code) => format!("exit:{code}"),
            Behaviour::Overflow => "overflow".into(),
            Behaviour::Hang => "hang".into(),
            Behaviour::Flood => "flood".into(),
            Behaviour::Skip => "skip".into(),
            Behaviour::Flaky => "flaky".into(),
        }
    }

    /// The verdict the harness must give, in any mode it supervises.
    pub fn verdict(self) -> Verdict {
        let fail = |kind: &str| Verdict::Fail { kind: kind.into() };
        match self {
            Behaviour::Pass | Behaviour::Flood => Verdict::Pass { flaky: false },
            Behaviour::Flaky => Verdict::Pass { flaky: true },
            Behaviour::Skip => Verdict::Skip,
            Behaviour::Assert | Behaviour::Panic => fail("panic"),
            Behaviour::Err => fail("error"),
            Behaviour::Abort | Behaviour::Segv | Behaviour::Exit(_) | Behaviour::Overflow => {
                fail("crash")
            }
            Behaviour::Hang => fail("timeout"),
        }
    }

    /// Text the headline failure message must contain (slot `name`).
    pub fn headline(self, name: &str) -> Option<String> {
        match self {
            Behaviour::Assert => Some(format!(
                "assertion `left == right` failed: model assert {name}"
            )),
            Behaviour::Panic => Some(format!("model panic {name}")),
            Behaviour::Err => Some(format!("Error: \"model error {name}\"")),
            Behaviour::Abort => Some("signal 6 (SIGABRT)".into()),
            Behaviour::Segv => Some("signal 11 (SIGSEGV)".into()),
            Behaviour::Exit(code) => Some(format!("exited with code {code}")),
            Behaviour::Overflow => Some("stack overflow".into()),
            Behaviour::Hang => Some("timed out".into()),
            _ => None,
        }
    }

    /// Whether nextest, running the test in a process of its own, reports
    /// it passed. nextest has no runtime skip: a skipped test passes there.
    pub fn passes_under_nextest(self) -> bool {
        matches!(
            self,
            Behaviour::Pass | Behaviour::Flood | Behaviour::Flaky | Behaviour::Skip
        )
    }
}

/// A generated suite: distinct slots, each with a behaviour.
#[derive(Clone)]
pub struct Suite {
    pub tests: Vec<(usize, Behaviour)>,
}

/// `t00=pass t03=abort ...`: what proptest prints for a failing suite and
/// keeps in the regressions file.
impl std::fmt::Debug for Suite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tests: Vec<String> = self
            .tests
            .iter()
            .map(|(slot, b)| format!("{}={}", Suite::name(*slot), b.code()))
            .collect();
        write!(f, "{}", tests.join(" "))
    }
}

impl Suite {
    /// `LEANVIBE_MODEL_SUITE` for this suite: unused slots pass.
    pub fn env(&self) -> String {
        let mut codes = vec!["pass".to_string(); SLOTS];
        for (slot, behaviour) in &self.tests {
            codes[*slot] = behaviour.code();
        }
        codes.join(",")
    }

    /// `tNN`.
    pub fn name(slot: usize) -> String {
        format!("t{slot:02}")
    }

    pub fn names(&self) -> Vec<String> {
        self.tests
            .iter()
            .map(|(slot, _)| Suite::name(*slot))
            .collect()
    }

    /// The expected verdict of every selected test, by name.
    pub fn expected(&self) -> BTreeMap<String, Verdict> {
        self.tests
            .iter()
            .map(|(slot, b)| (Suite::name(*slot), b.verdict()))
            .collect()
    }

    pub fn behaviour(&self, name: &str) -> Behaviour {
        self.tests
            .iter()
            .find(|(slot, _)| Suite::name(*slot) == name)
            .map(|(_, b)| *b)
            .unwrap_or_else(|| panic!("{name} is not in the suite"))
    }
}

/// Any behaviour; hangs are rarer, since each costs its timeout.
pub fn behaviour() -> impl Strategy<Value = Behaviour> {
    prop_oneof![
        4 => Just(Behaviour::Pass),
        2 => Just(Behaviour::Assert),
        2 => Just(Behaviour::Panic),
        2 => Just(Behaviour::Err),
        2 => Just(Behaviour::Abort),
        2 => Just(Behaviour::Segv),
        1 => Just(Behaviour::Exit(0)),
        1 => (1..=200i32).prop_map(Behaviour::Exit),
        1 => Just(Behaviour::Overflow),
        1 => Just(Behaviour::Hang),
        1 => Just(Behaviour::Flood),
        2 => Just(Behaviour::Skip),
        2 => Just(Behaviour::Flaky),
    ]
}

/// Suites of 5 to 40 tests on distinct slots, in slot order.
pub fn suite() -> impl Strategy<Value = Suite> {
    proptest::sample::subsequence((0..SLOTS).collect::<Vec<_>>(), 5..=SLOTS).prop_flat_map(
        |slots| {
            let n = slots.len();
            proptest::collection::vec(behaviour(), n).prop_map(move |behaviours| Suite {
                tests: slots.iter().copied().zip(behaviours).collect(),
            })
        },
    )
}

/// The number of proptest cases: `PROPTEST_CASES` (as proptest users set
/// it), else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one run reported, read from one of its outputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reported {
    /// Every test line, by name; a name seen twice is recorded in `twice`.
    pub verdicts: BTreeMap<String, Verdict>,
    /// Names reported more than once.
    pub twice: Vec<String>,
    /// Headline failure messages, by name (not for the console).
    pub headlines: BTreeMap<String, String>,
}

impl Reported {
    fn add(&mut self, name: String, verdict: Verdict) {
        if self.verdicts.insert(name.clone(), verdict).is_some() {
            self.twice.push(name);
        }
    }
}

/// The console's `test NAME ... STATUS` lines. The console shows a kind
/// only for some failures, so its failures carry the kind `?`, and the
/// comparison uses [`classes`].
pub fn from_console(stdout: &str) -> Reported {
    let mut reported = Reported::default();
    for line in stdout.lines() {
        let Some((name, status)) = line
            .strip_prefix("test ")
            .and_then(|l| l.split_once(" ... "))
        else {
            continue;
        };
        let verdict = if status == "ok" {
            Verdict::Pass { flaky: false }
        } else if status.starts_with("ok (flaky") {
            Verdict::Pass { flaky: true }
        } else if status == "FAILED" {
            Verdict::Fail { kind: "?".into() }
        } else if status.starts_with("ignored") {
            Verdict::Skip
        } else {
            continue;
        };
        reported.add(name.to_string(), verdict);
    }
    reported
}

/// Verdicts with failure kinds blurred, to compare with the console.
pub fn classes(verdicts: &BTreeMap<String, Verdict>) -> BTreeMap<String, Verdict> {
    verdicts
        .iter()
        .map(|(name, v)| {
            let v = match v {
                Verdict::Fail { .. } => Verdict::Fail { kind: "?".into() },
                other => other.clone(),
            };
            (name.clone(), v)
        })
        .collect()
}

/// The CTRF file's tests.
pub fn from_ctrf(ctrf: &Value) -> Reported {
    let mut reported = Reported::default();
    for test in ctrf["results"]["tests"].as_array().into_iter().flatten() {
        let name = test["name"].as_str().unwrap_or_default().to_string();
        let verdict = match test["status"].as_str() {
            Some("passed") => Verdict::Pass {
                flaky: test["flaky"] == true,
            },
            Some("failed") => Verdict::Fail {
                kind: test["extra"]["leanvibe"]["failureKind"]
                    .as_str()
                    .unwrap_or("?")
                    .into(),
            },
            Some("skipped") => Verdict::Skip,
            other => Verdict::Fail {
                kind: format!("status {other:?}"),
            },
        };
        if let Some(message) = test["message"].as_str() {
            reported.headlines.insert(name.clone(), message.to_string());
        }
        reported.add(name, verdict);
    }
    reported
}

/// The event stream's cases, read as a libtest-json reader reads them: a
/// case's status is the greatest `kind` among its `case_message`s
/// (`ignored` over `error`), and passed without one. The failure kind
/// comes from the error message's `leanvibe`, flakiness from the
/// `case_complete`'s; a `leanvibe.status` that disagrees with the messages
/// is reported as a failure of kind `status ...`.
pub fn from_events(text: &str) -> Reported {
    let mut reported = Reported::default();
    // Per open case: (ignored, failure kind) from its messages so far.
    let mut messages: BTreeMap<String, (bool, Option<String>)> = BTreeMap::new();
    for line in text.lines() {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("event stream line does not parse ({e}): {line}"));
        let name = event["name"].as_str().unwrap_or_default().to_string();
        match event["event"].as_str() {
            Some("case_message") => {
                let seen = messages.entry(name).or_default();
                match event["kind"].as_str() {
                    Some("ignored") => seen.0 = true,
                    Some("error") => {
                        let kind = event["leanvibe"]["failure_kind"].as_str().unwrap_or("?");
                        seen.1 = Some(kind.to_string());
                    }
                    other => panic!("case_message of kind {other:?}: {line}"),
                }
            }
            Some("case_complete") => {
                let ours = &event["leanvibe"];
                let (verdict, status) = match messages.remove(&name).unwrap_or_default() {
                    (true, _) => (Verdict::Skip, "ignored"),
                    (false, Some(kind)) => (Verdict::Fail { kind }, "failed"),
                    (false, None) => (
                        Verdict::Pass {
                            flaky: ours["flaky"] == true,
                        },
                        "passed",
                    ),
                };
                let verdict = if ours["status"] == status {
                    verdict
                } else {
                    Verdict::Fail {
                        kind: format!("status {} where the messages say {status}", ours["status"]),
                    }
                };
                reported.add(name, verdict);
            }
            _ => {}
        }
    }
    reported
}

/// The JUnit file's test cases, and its `leanvibe.run_id` property.
pub fn from_junit(path: &Path) -> (Reported, Option<String>) {
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(path).expect("the JUnit file is UTF-8");
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut reported = Reported::default();
    let mut run_id = None;
    // A `<testcase/>` without children has no end tag: a case is recorded
    // when the next one starts, at its end tag, or at the end of the file.
    let mut case: Option<(String, Verdict)> = None;
    let attr = |e: &quick_xml::events::BytesStart<'_>, key: &str| -> Option<String> {
        e.attributes().flatten().find_map(|a| {
            (a.key.as_ref() == key.as_bytes()).then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .expect("attribute unescapes")
                    .into_owned()
            })
        })
    };
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"property" if attr(&e, "name").as_deref() == Some("leanvibe.run_id") => {
                    run_id = attr(&e, "value");
                }
                b"testcase" => {
                    if let Some((name, verdict)) = case.take() {
                        reported.add(name, verdict);
                    }
                    case = Some((
                        attr(&e, "name").unwrap_or_default(),
                        Verdict::Pass { flaky: false },
                    ));
                }
                b"failure" | b"error" => {
                    if let Some((name, verdict)) = case.as_mut() {
                        *verdict = Verdict::Fail {
                            kind: attr(&e, "type").unwrap_or_else(|| "?".into()),
                        };
                        if let Some(message) = attr(&e, "message") {
                            reported.headlines.insert(name.clone(), message);
                        }
                    }
                }
                b"skipped" => {
                    if let Some((_, verdict)) = case.as_mut() {
                        *verdict = Verdict::Skip;
                    }
                }
                // Surefire's encoding: a passing case with failed attempts.
                b"flakyFailure" | b"flakyError" => {
                    if let Some((_, Verdict::Pass { flaky })) = case.as_mut() {
                        *flaky = true;
                    }
                }
                _ => {}
            },
            Event::End(e) => {
                if e.name().as_ref() == b"testcase"
                    && let Some((name, verdict)) = case.take()
                {
                    reported.add(name, verdict);
                }
            }
            _ => {}
        }
    }
    if let Some((name, verdict)) = case.take() {
        reported.add(name, verdict);
    }
    (reported, run_id)
}
