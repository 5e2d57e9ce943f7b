//! The rollout strategies on the simulated fleet, with a virtual clock: each
//! test states the exact virtual time its rollout must end at.

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const MIN: Duration = Duration::from_secs(60);

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime without drivers builds")
        .block_on(future)
}

fn reason(result: &RolloutResult) -> &str {
    match &result.outcome {
        RolloutOutcome::RolledBack { reason } | RolloutOutcome::Paused { reason } => reason,
        RolloutOutcome::RollbackFailed { reason, .. } => reason,
        other => panic!(
            "expected a rollback or pause, got {other:?}\n{}",
            result.log()
        ),
    }
}

#[test]
fn clean_blue_green_succeeds_at_exactly_21_virtual_minutes() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock);
    let strategy = BlueGreen::default();
    let started = std::time::Instant::now();
    let result = block_on(strategy.run(&fleet, &clock, "v2"));

    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    // health at once (0) + canary 5% 5 × 60 s + 25/50/75% 2 × 60 s each
    // + 100% monitoring 10 × 60 s = 21 min.
    assert_eq!(strategy.expected_duration(), 21 * MIN);
    assert_eq!(clock.now(), 21 * MIN);
    assert_eq!(result.finished_ms, 1_260_000);
    assert_eq!(result.elapsed(), 21 * MIN);
    // Real time is another matter; this bound only catches a real sleep.
    assert!(started.elapsed() < Duration::from_secs(30));

    assert_eq!(fleet.traffic("green"), 100);
    assert_eq!(fleet.traffic("blue"), 0);
    assert_eq!(fleet.version("green").as_deref(), Some("v2"));
    assert_eq!(fleet.cleaned(), vec!["blue".to_string()]);

    let steps: Vec<(&str, u64, u64, Verdict)> = result
        .analyses
        .iter()
        .map(|a| (a.step.as_str(), a.started_ms, a.finished_ms, a.verdict))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("canary 5%", 0, 300_000, Verdict::Successful),
            ("traffic 25%", 300_000, 420_000, Verdict::Successful),
            ("traffic 50%", 420_000, 540_000, Verdict::Successful),
            ("traffic 75%", 540_000, 660_000, Verdict::Successful),
            ("traffic 100%", 660_000, 1_260_000, Verdict::Successful),
        ]
    );
    // One query per minute, shared by the three gates measuring together.
    assert_eq!(fleet.metrics_queries(), 21);
    let error_rate: Vec<&GateRecord> = result.gate_history("error_rate").collect();
    assert_eq!(error_rate.len(), 5);
    let times: Vec<u64> = error_rate
        .iter()
        .flat_map(|g| g.measurements.iter().map(|m| m.at_ms))
        .collect();
    assert_eq!(times, (1..=21).map(|m| m * 60_000).collect::<Vec<_>>());
    // 5% of 1000 requests a minute reach the canary.
    assert_eq!(
        result.analyses[0].gates[0].measurements[0].requests,
        Some(50)
    );
}

#[test]
fn virtual_rollouts_are_deterministic() {
    let run = || {
        let clock = VirtualClock::new();
        let fleet = SimFleet::blue_green(&clock)
            .provider_errors(3 * MIN, 2)
            .drift("green", "avg", 70.0, DriftFrom::Time(15 * MIN));
        let result = block_on(BlueGreen::default().run(&fleet, &clock, "v2"));
        (serde_json::to_string(&result).unwrap(), fleet.calls())
    };
    assert_eq!(run(), run());
}

#[test]
fn error_rate_drift_at_half_traffic_rolls_back_with_the_gate_history() {
    let clock = VirtualClock::new();
    let fleet =
        SimFleet::blue_green(&clock).drift("green", "error_rate", 0.05, DriftFrom::Traffic(50));
    let result = block_on(BlueGreen::default().run(&fleet, &clock, "v2"));

    // canary ends at 5:00, 25% at 7:00; the first 50% measurement, at 8:00, fails.
    assert_eq!(clock.now(), 8 * MIN);
    assert_eq!(
        reason(&result),
        "traffic 50%: gate error_rate<0.02 failed at +08:00: error_rate = 0.05 breaks error_rate<0.02"
    );
    assert!(matches!(result.outcome, RolloutOutcome::RolledBack { .. }));
    assert_eq!(fleet.traffic("blue"), 100);
    assert_eq!(fleet.traffic("green"), 0);
    assert_eq!(fleet.cleaned(), vec!["green".to_string()]);
    assert_eq!(fleet.version("blue").as_deref(), Some("v1"));

    let deciding = result.deciding_analysis().expect("an analysis failed");
    assert_eq!(deciding.step, "traffic 50%");
    assert_eq!(deciding.verdict, Verdict::Failed);
    let gate = deciding.gate("error_rate").unwrap();
    assert_eq!(gate.verdict, Verdict::Failed);
    assert!(!gate.complete);
    assert_eq!(gate.measurements.len(), 1);
    assert_eq!(gate.measurements[0].at_ms, 480_000);
    assert_eq!(gate.measurements[0].value, Some(0.05));
    assert_eq!(gate.measurements[0].requests, Some(500));
    // The other gates measured at the same instant and passed.
    assert_eq!(deciding.gate("avg").unwrap().verdict, Verdict::Successful);
    // The whole history is there: 5 canary + 2 at 25% + 1 at 50%, all but the last fine.
    let history: Vec<(u64, Verdict)> = result
        .gate_history("error_rate")
        .flat_map(|g| g.measurements.iter().map(|m| (m.at_ms, m.verdict)))
        .collect();
    assert_eq!(history.len(), 8);
    assert!(history[..7].iter().all(|(_, v)| *v == Verdict::Successful));
    assert_eq!(history[7], (480_000, Verdict::Failed));
    // The serialised result carries it too.
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["outcome"], "rolled_back");
    assert_eq!(
        json["analyses"][2]["gates"][0]["measurements"][0]["verdict"],
        "failed"
    );
    let back: RolloutResult = serde_json::from_value(json).unwrap();
    assert_eq!(back, result);
}

#[test]
fn provider_errors_up_to_the_consecutive_limit_pass_and_do_not_use_up_the_count() {
    let clock = VirtualClock::new();
    // The default limit is 4: four errors in a row are tolerated.
    let fleet = SimFleet::blue_green(&clock).provider_errors(Duration::ZERO, 4);
    let result = block_on(BlueGreen::default().run(&fleet, &clock, "v2"));

    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    // The four errors (1:00 to 4:00) are retried, so the canary takes 9 minutes.
    assert_eq!(clock.now(), 25 * MIN);
    let canary = result.analysis("canary").unwrap();
    assert_eq!(canary.finished_ms, 9 * 60_000);
    let verdicts: Vec<Verdict> = canary.gates[0]
        .measurements
        .iter()
        .map(|m| m.verdict)
        .collect();
    assert_eq!(&verdicts[..4], &[Verdict::Error; 4]);
    assert_eq!(&verdicts[4..], &[Verdict::Successful; 5]);
}

#[test]
fn provider_errors_over_the_consecutive_limit_roll_back() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock).provider_errors(2 * MIN, 5);
    let result = block_on(BlueGreen::default().run(&fleet, &clock, "v2"));

    // Fine at 1:00; errors at 2:00 .. 6:00; the fifth in a row exceeds 4.
    assert_eq!(clock.now(), 6 * MIN);
    assert_eq!(
        reason(&result),
        "canary 5%: gate error_rate<0.02 errored at +06:00: provider error: simulated metrics provider error"
    );
    assert_eq!(result.analysis("canary").unwrap().verdict, Verdict::Error);
    assert_eq!(fleet.traffic("blue"), 100);
}

#[test]
fn errors_between_successes_reset_the_streak() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock)
        .provider_errors(Duration::ZERO, 3)
        .provider_errors(5 * MIN, 3);
    let strategy = BlueGreen::default().steps(vec![TrafficStep::new(
        100,
        Analysis::new(vec![
            MetricGate::new("error_rate<0.02")
                .unwrap()
                .count(3)
                .consecutive_error_limit(3),
        ]),
    )]);
    let result = block_on(strategy.run(&fleet, &clock, "v2"));
    // errors 1-3, success 4, errors 5-7, successes 8 and 9.
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    assert_eq!(clock.now(), 9 * MIN);
}

fn no_data_rollout(strategy: BlueGreen) -> (RolloutResult, SimFleet, VirtualClock) {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock).no_data(Duration::ZERO);
    let result = block_on(strategy.run(&fleet, &clock, "v2"));
    (result, fleet, clock)
}

#[test]
fn no_data_rolls_back_by_default() {
    let (result, fleet, clock) = no_data_rollout(BlueGreen::default());
    assert_eq!(clock.now(), MIN);
    assert_eq!(
        reason(&result),
        "canary 5%: gate error_rate<0.02 was inconclusive at +01:00: no data"
    );
    assert!(matches!(result.outcome, RolloutOutcome::RolledBack { .. }));
    assert_eq!(
        result.analysis("canary").unwrap().verdict,
        Verdict::Inconclusive
    );
    assert_eq!(fleet.traffic("blue"), 100);
}

#[test]
fn no_data_pauses_where_it_is_without_a_judge() {
    let (result, fleet, clock) =
        no_data_rollout(BlueGreen::default().inconclusive(InconclusivePolicy::Pause));
    assert_eq!(clock.now(), MIN);
    assert!(
        matches!(result.outcome, RolloutOutcome::Paused { .. }),
        "{:?}",
        result.outcome
    );
    assert!(reason(&result).ends_with("waiting for a judge"));
    // Nothing undone: the canary keeps its share for a person to look at.
    assert_eq!(fleet.traffic("green"), 5);
    assert!(fleet.cleaned().is_empty());
}

struct CountingJudge {
    calls: Arc<AtomicU32>,
    answer: Judgement,
}

#[async_trait::async_trait]
impl Judge for CountingJudge {
    async fn judge(&self, analysis: &AnalysisRecord) -> Judgement {
        assert_eq!(analysis.verdict, Verdict::Inconclusive);
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.answer
    }
}

#[test]
fn no_data_goes_to_the_judge_under_pause() {
    let calls = Arc::new(AtomicU32::new(0));
    let judge = CountingJudge {
        calls: calls.clone(),
        answer: Judgement::Proceed,
    };
    let (result, fleet, clock) = no_data_rollout(
        BlueGreen::default()
            .inconclusive(InconclusivePolicy::Pause)
            .judge(judge),
    );
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    // Each of the 5 steps is inconclusive at its first measurement.
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    assert_eq!(clock.now(), 5 * MIN);
    assert_eq!(fleet.traffic("green"), 100);

    let calls = Arc::new(AtomicU32::new(0));
    let judge = CountingJudge {
        calls: calls.clone(),
        answer: Judgement::RollBack,
    };
    let (result, fleet, _) = no_data_rollout(
        BlueGreen::default()
            .inconclusive(InconclusivePolicy::Pause)
            .judge(judge),
    );
    assert!(reason(&result).ends_with("the judge said roll back"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(fleet.traffic("blue"), 100);
}

#[test]
fn no_data_proceeds_under_proceed() {
    let (result, fleet, clock) =
        no_data_rollout(BlueGreen::default().inconclusive(InconclusivePolicy::Proceed));
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    assert_eq!(clock.now(), 5 * MIN);
    assert_eq!(fleet.traffic("green"), 100);
    assert!(
        result
            .analyses
            .iter()
            .all(|a| a.verdict == Verdict::Inconclusive)
    );
}

#[test]
fn too_few_requests_are_inconclusive() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock);
    // 5% of 1000 a minute is 50 requests: under 100 is too few to judge.
    let gate = MetricGate::new("error_rate<0.02")
        .unwrap()
        .count(2)
        .min_requests(100);
    let strategy = BlueGreen::default().steps(vec![
        TrafficStep::new(5, Analysis::new(vec![gate.clone()])),
        TrafficStep::new(100, Analysis::new(vec![gate])),
    ]);
    let result = block_on(strategy.run(&fleet, &clock, "v2"));
    assert_eq!(
        reason(&result),
        "canary 5%: gate error_rate<0.02 was inconclusive at +01:00: 50 requests, fewer than the 100 needed"
    );
}

#[test]
fn the_inconclusive_limit_tolerates_that_many() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock).no_data(Duration::ZERO);
    let gate = MetricGate::new("avg<=50")
        .unwrap()
        .count(3)
        .inconclusive_limit(3);
    let strategy =
        BlueGreen::default().steps(vec![TrafficStep::new(100, Analysis::new(vec![gate]))]);
    let result = block_on(strategy.run(&fleet, &clock, "v2"));
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    assert_eq!(clock.now(), 3 * MIN);
}

#[test]
fn the_failure_limit_tolerates_that_many() {
    let clock = VirtualClock::new();
    let fleet =
        SimFleet::blue_green(&clock).drift("green", "p(95)", 300.0, DriftFrom::Time(2 * MIN));
    let gate = MetricGate::new("p(95)<200")
        .unwrap()
        .count(4)
        .failure_limit(2);
    let strategy =
        BlueGreen::default().steps(vec![TrafficStep::new(100, Analysis::new(vec![gate]))]);
    let result = block_on(strategy.run(&fleet, &clock, "v2"));
    // 1:00 fine, 2:00 and 3:00 failed (limit 2), 4:00 the third failure.
    assert_eq!(clock.now(), 4 * MIN);
    assert!(reason(&result).starts_with("traffic 100%: gate p(95)<200 failed at +04:00"));
}

#[test]
fn dry_run_gates_are_recorded_but_never_act() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock);
    let mut analysis = Analysis::guide(MIN, 2);
    analysis
        .gates
        .push(MetricGate::new("avg<10").unwrap().count(2).dry_run(true));
    let strategy = BlueGreen::default().steps(vec![
        TrafficStep::new(10, analysis.clone()),
        TrafficStep::new(100, analysis),
    ]);
    let result = block_on(strategy.run(&fleet, &clock, "v2"));
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    assert_eq!(clock.now(), 4 * MIN);
    let dry = &result.analyses[0].gates[3];
    assert!(dry.dry_run);
    assert_eq!(dry.verdict, Verdict::Failed);
    assert_eq!(dry.measurements[0].value, Some(20.0));
    assert_eq!(result.analyses[0].verdict, Verdict::Successful);
}

#[test]
fn health_flaps_are_retried_then_roll_back() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock).flap_health("green", 2);
    let result = block_on(BlueGreen::default().run(&fleet, &clock, "v2"));
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    // Two unhealthy probes, 10 s apart, healthy on the third at 0:20.
    assert_eq!(clock.now(), 21 * MIN + Duration::from_secs(20));

    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock).flap_health("green", 3);
    let result = block_on(BlueGreen::default().run(&fleet, &clock, "v2"));
    assert_eq!(clock.now(), Duration::from_secs(20));
    assert_eq!(
        reason(&result),
        "environment green unhealthy (plugin health) after 3 health checks"
    );
    assert_eq!(fleet.traffic("green"), 0);
    assert_eq!(fleet.cleaned(), vec!["green".to_string()]);
}

#[test]
fn a_failed_deploy_or_traffic_shift_rolls_back() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock).fail_deploy("green");
    let result = block_on(BlueGreen::default().run(&fleet, &clock, "v2"));
    assert_eq!(
        reason(&result),
        "deploy to green failed: simulated deploy failure on environment green"
    );
    assert_eq!(clock.now(), Duration::ZERO);

    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock).fail_traffic_at("green", 75);
    let result = block_on(BlueGreen::default().run(&fleet, &clock, "v2"));
    assert_eq!(
        reason(&result),
        "traffic 75%: setting traffic failed: simulated load-balancer failure"
    );
    assert_eq!(clock.now(), 9 * MIN);
    assert_eq!(fleet.traffic("blue"), 100);
}

#[test]
fn the_progress_deadline_rolls_back_when_it_comes() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock);
    let deadline = Duration::from_secs(450);
    let result = block_on(
        BlueGreen::default()
            .progress_deadline(Some(deadline))
            .run(&fleet, &clock, "v2"),
    );
    // The 50% step starts at 7:00; its first measurement (8:00) is past 7:30.
    assert_eq!(clock.now(), deadline);
    assert_eq!(
        reason(&result),
        "traffic 50%: progress deadline of +07:30 exceeded"
    );
    assert!(result.analysis("traffic 50%").unwrap().deadline_exceeded);
    assert_eq!(fleet.traffic("blue"), 100);
}

#[test]
fn a_failing_blue_green_rollback_is_reported() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::blue_green(&clock)
        .drift("green", "memory_mb", 96.0, DriftFrom::Traffic(25))
        .fail_rollback("green");
    let result = block_on(BlueGreen::default().run(&fleet, &clock, "v2"));
    let RolloutOutcome::RollbackFailed { reason, failures } = &result.outcome else {
        panic!("{:?}\n{}", result.outcome, result.log());
    };
    assert_eq!(
        reason,
        "traffic 25%: gate memory_mb<=80 failed at +06:00: memory_mb = 96 breaks memory_mb<=80"
    );
    assert_eq!(
        failures,
        &vec!["clean-up of green failed: simulated clean-up failure".to_string()]
    );
    assert!(result.log().contains("ROLLBACK FAILED"));
    // Traffic did go back; only the clean-up failed.
    assert_eq!(fleet.traffic("blue"), 100);
}

fn rolling(count: usize, failing: impl IntoIterator<Item = usize>) -> (RolloutResult, SimFleet) {
    let clock = VirtualClock::new();
    let width = count.to_string().len().max(2);
    let mut fleet = SimFleet::instances(&clock, count);
    for i in failing {
        fleet = fleet.fail_deploy(&format!("web-{i:0width$}"));
    }
    let result = block_on(Rolling::default().run(&fleet, &clock, "v2"));
    (result, fleet)
}

fn count(result: &RolloutResult, status: fn(&InstanceStatus) -> bool) -> usize {
    result
        .instances
        .iter()
        .filter(|i| status(&i.status))
        .count()
}

#[test]
fn rolling_with_exactly_20_percent_failed_succeeds() {
    // 2 of 10 is exactly 20%: not strictly more, so no abort.
    let (result, fleet) = rolling(10, [4, 9]);
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    assert_eq!(count(&result, |s| matches!(s, InstanceStatus::Updated)), 8);
    assert_eq!(
        count(&result, |s| matches!(s, InstanceStatus::Failed { .. })),
        2
    );
    assert_eq!(fleet.version("web-04").as_deref(), Some("v1"));
    assert!(fleet.in_load_balancer("web-04"));
    assert_eq!(fleet.version("web-10").as_deref(), Some("v2"));
    assert_eq!(fleet.most_unavailable(), 1);

    // 20 of 100, the last of them the final instance.
    let (result, _) = rolling(100, (1..=20).map(|i| i * 5));
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    assert_eq!(count(&result, |s| matches!(s, InstanceStatus::Updated)), 80);
}

#[test]
fn rolling_with_21_percent_failed_aborts_and_rolls_back_every_updated_instance() {
    // 21 of 100: the 21st failure is the last instance, after 79 updates.
    let (result, fleet) = rolling(100, (1..=20).map(|i| i * 5).chain([3]));
    assert_eq!(reason(&result), "21 of 100 instances failed, more than 20%");
    assert!(matches!(result.outcome, RolloutOutcome::RolledBack { .. }));
    assert_eq!(
        count(&result, |s| matches!(s, InstanceStatus::RolledBack)),
        79
    );
    assert_eq!(
        count(&result, |s| matches!(s, InstanceStatus::Failed { .. })),
        21
    );
    for i in 1..=100 {
        let name = format!("web-{i:03}");
        assert_eq!(fleet.version(&name).as_deref(), Some("v1"), "{name}");
        assert!(fleet.in_load_balancer(&name), "{name}");
    }

    // The abort comes as soon as the share is crossed: 3 of 10 at web-03.
    let (result, fleet) = rolling(10, [1, 2, 3, 4]);
    assert_eq!(reason(&result), "3 of 10 instances failed, more than 20%");
    assert_eq!(
        count(&result, |s| matches!(s, InstanceStatus::Untouched)),
        7
    );
    assert_eq!(fleet.version("web-04").as_deref(), Some("v1"));
}

#[test]
fn a_failing_instance_rollback_fails_the_rollout_loudly() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::instances(&clock, 10)
        .fail_deploy("web-03")
        .fail_rollback("web-03");
    let result = block_on(Rolling::default().run(&fleet, &clock, "v2"));
    let RolloutOutcome::RollbackFailed { reason, failures } = &result.outcome else {
        panic!("{:?}\n{}", result.outcome, result.log());
    };
    assert_eq!(reason, "1 instance rollback(s) failed");
    assert_eq!(
        failures,
        &vec![
            "web-03: deploy failed: simulated deploy failure on instance web-03, then rollback failed: simulated rollback failure"
                .to_string()
        ]
    );
    let web03 = &result.instances[2];
    assert_eq!(web03.name, "web-03");
    assert!(matches!(
        web03.status,
        InstanceStatus::RollbackFailed { .. }
    ));
    // It stays out of the load balancer: the rollback did not get that far.
    assert!(!fleet.in_load_balancer("web-03"));
    assert!(result.log().contains("ROLLBACK FAILED"));
    assert_eq!(count(&result, |s| matches!(s, InstanceStatus::Updated)), 9);
}

#[test]
fn a_failing_rollback_during_an_abort_is_reported() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::instances(&clock, 5)
        .fail_deploy("web-04")
        .fail_deploy("web-05")
        .fail_rollback("web-02");
    let result = block_on(Rolling::default().run(&fleet, &clock, "v2"));
    let RolloutOutcome::RollbackFailed { reason, failures } = &result.outcome else {
        panic!("{:?}\n{}", result.outcome, result.log());
    };
    assert_eq!(reason, "2 of 5 instances failed, more than 20%");
    assert_eq!(
        failures,
        &vec!["web-02: rollback failed: simulated rollback failure".to_string()]
    );
    assert_eq!(fleet.version("web-01").as_deref(), Some("v1"));
    assert_eq!(fleet.version("web-02").as_deref(), Some("v2"));
}

#[test]
fn load_balancer_failures_fail_the_instance() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::instances(&clock, 5).fail_load_balancer("web-02");
    let result = block_on(Rolling::default().run(&fleet, &clock, "v2"));
    // 1 of 5 is 20%: tolerated. web-02 never left the load balancer list... nor got v2.
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    assert_eq!(fleet.version("web-02").as_deref(), Some("v1"));
    assert!(
        matches!(&result.instances[1].status, InstanceStatus::Failed { reason }
        if reason == "removing from the load balancer failed: simulated load-balancer failure")
    );
}

#[test]
fn max_unavailable_updates_in_overlapping_batches() {
    let clock = VirtualClock::new();
    let fleet = SimFleet::instances(&clock, 10).deploy_takes(Duration::from_secs(30));
    let result = block_on(
        Rolling::default()
            .max_unavailable(3)
            .run(&fleet, &clock, "v2"),
    );
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    // Batches of 3, 3, 3, 1, each deploying in parallel for 30 s.
    assert_eq!(clock.now(), Duration::from_secs(120));
    assert_eq!(fleet.most_unavailable(), 3);
    assert_eq!(count(&result, |s| matches!(s, InstanceStatus::Updated)), 10);
}

#[test]
fn a_dropped_virtual_sleep_does_not_hold_the_clock_back() {
    let clock = VirtualClock::new();
    block_on(async {
        tokio::select! {
            _ = clock.sleep(30 * MIN) => panic!("the longer sleep cannot end first"),
            _ = clock.sleep(10 * MIN) => {}
        }
        assert_eq!(clock.now(), 10 * MIN);
        // The 30-minute sleep was dropped: a 5-minute one ends at 15:00.
        clock.sleep(5 * MIN).await;
        assert_eq!(clock.now(), 15 * MIN);
    });
}

#[test]
fn the_strategies_run_on_the_system_clock_too() {
    let clock = SystemClock::new();
    // Enough traffic that a 5 ms window at 10% holds requests (83).
    let fleet = SimFleet::blue_green(&clock).baseline(MetricSample {
        requests: 10_000_000,
        error_rate: 0.0,
        avg_ms: 10.0,
        p95_ms: 20.0,
        memory_mb: 40.0,
    });
    let tick = Duration::from_millis(5);
    let strategy = BlueGreen::default().steps(vec![
        TrafficStep::new(10, Analysis::guide(tick, 2)),
        TrafficStep::new(100, Analysis::guide(tick, 2)),
    ]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let result = runtime.block_on(strategy.run(&fleet, &clock, "v2"));
    assert_eq!(
        result.outcome,
        RolloutOutcome::Succeeded,
        "{}",
        result.log()
    );
    // Four real sleeps of 5 ms: at least 20 ms went by (no upper bound: a
    // loaded machine may take longer).
    assert!(result.elapsed() >= 4 * tick, "{:?}", result.elapsed());
    assert_eq!(fleet.traffic("green"), 100);
}
