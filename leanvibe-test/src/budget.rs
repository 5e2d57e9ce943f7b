//! TEMPORARY time-only budgets; replaced by the budget module.
use crate::record::{Failure, FailureKind, Measurements};
use crate::registry::Budget;

pub(crate) struct TestMeter;

impl TestMeter {
    pub(crate) fn start(_budget: &Budget) -> TestMeter {
        TestMeter
    }
    pub(crate) fn finish(self) -> Measurements {
        Measurements::default()
    }
}

pub(crate) fn check(budget: &Budget, m: &Measurements) -> Option<Failure> {
    let max = budget.max_ms?;
    let worst = m.runs_ms.iter().copied().fold(0.0, f64::max);
    (worst > max).then(|| Failure {
        kind: FailureKind::BudgetTime,
        message: format!("time budget exceeded: {worst:.1} ms > {max} ms"),
    })
}
