//! One vector's test: plant the canaries, run every payload, judge each
//! call, report.

use super::Vector;
use super::corpus;
use super::crash::{self, Progress, SavedFinding};
use super::exec::{self, Call, Ended};
use super::finding::{Report, Warning};
use super::oracle::memory::HeapLimit;
use super::oracle::{Baseline, Effects, Judge, Limits};
use super::probe::{Context, Probe};
use crate::budget::alloc;
use crate::record::{Failure, FailureKind};
use crate::secrets::SecretDetector;
use std::sync::Arc;
use std::time::Duration;

/// Sleep length of the time-based `sql_injection` payloads.
pub const SQL_DELAY_MS: u64 = 200;

/// Per-payload time limit when the attribute sets no `max_ms`.
pub const DEFAULT_PAYLOAD_MS: u64 = 5_000;

/// What the attribute configured for one vector's test.
#[derive(Debug, Clone, Copy)]
pub struct Suite {
    /// The vector this test runs.
    pub vector: Vector,
    /// The function's name, for messages.
    pub function: &'static str,
    /// `max_ms`: per-payload time limit.
    pub payload_ms: Option<u64>,
    /// `max_mb`/`max_kb`: per-payload heap growth limit, in bytes.
    pub heap_bytes: Option<u64>,
    /// `mutations`: mutation cases after the corpus (`proptest` feature).
    pub mutations: Option<u32>,
}

/// A payload ready to run.
struct Planned {
    id: String,
    text: Text,
    /// The corpus text, for re-filling with another delay (`sql_injection`).
    template: Option<String>,
}

/// A payload's text, or how to build it (`oversize`, built just before its
/// call so only one is alive at a time).
enum Text {
    Ready(String),
    Generated(fn() -> String),
}

impl Text {
    fn get(&self) -> String {
        match self {
            Text::Ready(text) => text.clone(),
            Text::Generated(make) => make(),
        }
    }
}

/// Runs `suite`'s vector against `call`. Returns `Ok` when nothing was
/// found (warnings are attached all the same), ends the test with a
/// `security` failure listing every finding otherwise, and returns `Err`
/// when the suite itself could not be set up.
///
/// Before each call a checkpoint is saved (see [`crash`]): if a payload
/// takes the worker down, this runs again in a fresh worker, records a
/// `crash` finding for it and carries on with the next payload.
pub fn run(suite: &Suite, call: Call) -> Result<(), String> {
    let context = Arc::new(
        Context::new(suite.vector, SQL_DELAY_MS)
            .map_err(|e| format!("security suite: could not set up the sandbox: {e}"))?,
    );
    let oversize = suite.vector == Vector::Oversize;
    let limits = Limits {
        payload_ms: suite.payload_ms.unwrap_or(DEFAULT_PAYLOAD_MS),
        // The security test registers no budget of its own, so the running
        // test's heap budget is the profile's.
        heap: HeapLimit::resolve(
            suite.heap_bytes,
            crate::runner::execute::running_heap_budget(),
            oversize,
        ),
    };
    let limit = Duration::from_millis(limits.payload_ms);
    let heap_judged = limits.heap.is_some() || oversize;
    let track_heap = heap_judged && alloc::is_installed();
    let planned = plan(suite.vector, &context);
    let baseline = baseline(suite.vector, call, &context, limit);
    let detector = SecretDetector::new();
    let start = crash::start(suite.vector);
    let mut findings = start.findings;
    let mut warnings = Vec::new();
    if heap_judged && !track_heap {
        warnings.push(Warning {
            payload_id: String::new(),
            message: "heap growth is not checked: the tracking allocator is not installed \
                      (use `leanvibe_test::main!()`)"
                .into(),
        });
    }
    if suite.vector == Vector::LdapInjection && baseline.ldap.is_none() {
        warnings.push(Warning {
            payload_id: String::new(),
            message: "the benign output holds no LDAP filter (from its first `(`), so the \
                      `ldap-filter` oracle did not apply"
                .into(),
        });
    }
    warnings.extend(start.warnings);
    let mut run = start.run;
    let mut position = start.position;
    for payload in planned.iter().skip(start.position) {
        run += 1;
        let probe = Probe::new(context.clone(), payload.id.clone(), payload.text.get());
        save_progress(
            suite,
            &context,
            (position, run),
            (
                payload.id.clone(),
                super::finding::escape(probe.payload(), 120),
            ),
            (&findings, &warnings),
        );
        position += 1;
        let hits_before = context.listener.hits();
        let observed = exec::execute(call, probe.clone(), limit, track_heap);
        let effects = effects(&context, hits_before);
        let mut judge = Judge {
            probe: &probe,
            limits,
            baseline: &baseline,
            detector: &detector,
            findings: &mut findings,
            warnings: &mut warnings,
        };
        judge.judge(&observed, &effects);
        if matches!(observed.ended, Ended::Hung) {
            break;
        }
        if let Some(template) = &payload.template
            && let Some(evidence) = sql_delay(
                call, &context, &probe, template, &observed, &baseline, limit,
            )
        {
            findings.push(super::finding::SecurityFinding {
                payload_id: payload.id.clone(),
                payload: super::finding::escape(probe.payload(), 120),
                oracle: "sql-delay",
                evidence,
                fix: Vector::SqlInjection.fix_hint(),
            });
        }
    }
    // Mutations once the whole corpus ran; not again after a crash in them
    // (the resumed run starts past the plan).
    #[cfg(feature = "proptest")]
    if position == planned.len() && !matches!(suite.vector, Vector::Oversize | Vector::Secrets) {
        let cases = super::mutate::cases(suite.mutations);
        // Corpus ids and texts, side by side.
        let (ids, texts): (Vec<String>, Vec<String>) = planned
            .iter()
            .filter(|p| p.template.is_none() && !findings.iter().any(|f| f.payload_id == p.id))
            .filter_map(|p| match &p.text {
                Text::Ready(text) => Some((p.id.clone(), text.clone())),
                Text::Generated(_) => None,
            })
            .unzip();
        if cases > 0 && !texts.is_empty() {
            save_progress(
                suite,
                &context,
                (position, run),
                (
                    format!("{}~mutated", suite.vector.name()),
                    "(a mutation of the corpus)".into(),
                ),
                (&findings, &warnings),
            );
            // Judges one mutant; whether its call hung.
            let judged = |mutant: &super::mutate::Mutant,
                          findings: &mut Vec<super::finding::SecurityFinding>,
                          warnings: &mut Vec<Warning>| {
                let id = format!("{}~mutated", ids[mutant.source]);
                let probe = Probe::new(context.clone(), id, mutant.text(&texts[mutant.source]));
                let hits_before = context.listener.hits();
                let observed = exec::execute(call, probe.clone(), limit, track_heap);
                let effects = effects(&context, hits_before);
                Judge {
                    probe: &probe,
                    limits,
                    baseline: &baseline,
                    detector: &detector,
                    findings,
                    warnings,
                }
                .judge(&observed, &effects);
                matches!(observed.ended, Ended::Hung)
            };
            // The findings of a call that hung: it is reported as it was.
            let mut hung_findings = Vec::new();
            let found = super::mutate::search(suite.vector.name(), &texts, cases, |mutant| {
                run += 1;
                let (mut scratch, mut ignored) = (Vec::new(), Vec::new());
                if judged(mutant, &mut scratch, &mut ignored) {
                    hung_findings = scratch;
                    return super::mutate::Verdict::Hung;
                }
                if scratch.is_empty() {
                    super::mutate::Verdict::Quiet
                } else {
                    super::mutate::Verdict::Fired
                }
            });
            let before = findings.len();
            let described = match found {
                Some(super::mutate::Found::Hung(mutant)) => {
                    findings.append(&mut hung_findings);
                    mutant.describe()
                }
                Some(super::mutate::Found::Shrunk(mutant)) => {
                    // The shrunk mutant once more, for the report.
                    judged(&mutant, &mut findings, &mut warnings);
                    mutant.describe()
                }
                None => String::new(),
            };
            for finding in &mut findings[before..] {
                finding.evidence = format!("{} (mutations: {described})", finding.evidence);
            }
        }
    }
    if position < planned.len() {
        warnings.push(Warning {
            payload_id: String::new(),
            message: format!(
                "{} payload(s) not run after a hang",
                planned.len() - position
            ),
        });
    }
    let report = Report {
        vector: suite.vector,
        function: suite.function.to_string(),
        payloads: run,
        findings,
        warnings,
    };
    crate::attach("security", &report);
    if report.findings.is_empty() {
        return Ok(());
    }
    crate::__private::fail_with(Failure::new(FailureKind::Security, report.message()))
}

/// The checkpoint before a call: where the run is (`position`, `run`), the
/// payload about to go (id, shown text), and what it found so far.
fn save_progress(
    suite: &Suite,
    context: &Context,
    (position, run): (usize, usize),
    (payload_id, payload): (String, String),
    (findings, warnings): (&[super::finding::SecurityFinding], &[Warning]),
) {
    crash::save(&Progress {
        vector: suite.vector,
        dir: context.dir.clone(),
        position,
        run,
        payload_id,
        payload,
        findings: findings.iter().map(SavedFinding::save).collect(),
        warnings: warnings
            .iter()
            .filter(|w| !w.payload_id.is_empty())
            .cloned()
            .collect(),
    });
}

fn plan(vector: Vector, context: &Context) -> Vec<Planned> {
    if vector == Vector::Oversize {
        return corpus::oversize()
            .into_iter()
            .map(|input| Planned {
                id: input.id.to_string(),
                text: Text::Generated(input.make),
                template: None,
            })
            .collect();
    }
    corpus::entries(vector)
        .into_iter()
        .map(|entry| Planned {
            text: Text::Ready(corpus::fill(&entry.text, &context.values)),
            template: entry.text.contains("@@DELAY").then(|| entry.text.clone()),
            id: entry.id,
        })
        .collect()
}

/// A benign call, for the vectors whose oracles compare against one.
fn baseline(vector: Vector, call: Call, context: &Arc<Context>, limit: Duration) -> Baseline {
    let input = match vector {
        Vector::Xss | Vector::SqlInjection | Vector::LdapInjection => "leanvibe baseline 42",
        // A JSON object, the benign form of what these payloads are.
        Vector::PrototypePollution => r#"{"name":"leanvibe baseline 42"}"#,
        _ => return Baseline::default(),
    };
    let probe = Probe::new(context.clone(), "baseline".into(), input.into());
    let observed = exec::execute(call, probe, limit, false);
    let reply = match &observed.ended {
        Ended::Returned(reply) => Some(reply),
        _ => None,
    };
    Baseline::from_reply(vector, reply, observed.elapsed.as_secs_f64() * 1000.0)
}

/// Listener hits since `before` (waiting briefly for a connection still
/// being accepted), and whether the marker file appeared (removed again so
/// the next payload starts clean).
fn effects(context: &Context, before: u64) -> Effects {
    let mut hits = context.listener.hits() - before;
    if hits == 0 && matches!(context.vector, Vector::Ssrf | Vector::Xxe) {
        std::thread::sleep(Duration::from_millis(20));
        hits = context.listener.hits() - before;
    }
    let marker_created = context.marker.exists();
    if marker_created {
        let _ = std::fs::remove_file(&context.marker);
    }
    Effects {
        hits,
        marker_created,
    }
}

/// The `sql-delay` evidence, if the time-based payload made the call take
/// its delay longer than the baseline, and a second run with twice the
/// delay took twice as long (so a slow machine is not a finding).
fn sql_delay(
    call: Call,
    context: &Arc<Context>,
    probe: &Probe,
    template: &str,
    observed: &exec::Observed,
    baseline: &Baseline,
    limit: Duration,
) -> Option<String> {
    if !matches!(observed.ended, Ended::Returned(_)) {
        return None;
    }
    let delay = context.delay_ms as f64;
    let first = observed.elapsed.as_secs_f64() * 1000.0;
    if first < delay || first - baseline.elapsed_ms < 0.9 * delay {
        return None;
    }
    let doubled = 2 * context.delay_ms;
    let mut values = context.values.clone();
    values.insert("DELAY".into(), format!("{:.1}", doubled as f64 / 1000.0));
    values.insert("DELAY_HMS".into(), format!("00:00:00.{doubled:03}"));
    let text = corpus::fill(template, &values);
    let again = Probe::new(context.clone(), probe.payload_id().to_string(), text);
    let second = exec::execute(call, again, limit, false);
    let second_ms = second.elapsed.as_secs_f64() * 1000.0;
    (second_ms - baseline.elapsed_ms >= 0.9 * 2.0 * delay).then(|| {
        format!(
            "the call took {first:.0} ms with a {delay:.0} ms sleep and {second_ms:.0} ms with \
             {doubled} ms (baseline {:.0} ms): the payload's SLEEP ran",
            baseline.elapsed_ms
        )
    })
}
