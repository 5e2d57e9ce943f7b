//! Thresholds in a small vocabulary borrowed from k6: `avg<25`, `p(95)<40`,
//! `rate(>40)<0.05`, `success>0.99`, `error_rate<0.02`.
//!
//! A threshold is a metric, an optional argument in parentheses, a
//! comparison and a number. This module parses and judges them; which metric
//! names exist, and what they measure, is up to the caller (performance runs
//! know `avg` and `p(95)`, deployment gates know `error_rate` and `memory_mb`),
//! which passes its vocabulary to [`Threshold::parse_in`] so an unknown name is
//! an error listing the known ones.
//!
//! Latencies are called `avg` and `p(N)`, in milliseconds, in every
//! vocabulary (perf, bench, deploy). The `#[plugin_test]` budget keys say the
//! same with `<=` implied: `p95_ms = 40` is `p(95)<=40`. `docs/perf.md`
//! ("Which form to use when") says where each form belongs.

use crate::errors::ThresholdError;
use std::fmt;
use std::str::FromStr;

/// A parsed threshold such as `p(95)<40`.
///
/// ```
/// use leanvibe_test::threshold::{Threshold, Comparison};
/// let t: Threshold = "p(95)<40".parse().unwrap();
/// assert_eq!(t.metric, "p");
/// assert_eq!(t.argument.as_deref(), Some("95"));
/// assert_eq!(t.comparison, Comparison::Less);
/// assert!(t.holds(39.9));
/// assert!(!t.holds(40.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The metric's name (`avg`, `p`, `rate`, `error_rate`, ...).
    pub metric: String,
    /// What is inside the parentheses, if any (`95` in `p(95)`, `>40` in `rate(>40)`).
    pub argument: Option<String>,
    /// How the measured value is compared with the limit.
    pub comparison: Comparison,
    /// The limit.
    pub limit: f64,
    /// The text it was parsed from, for messages.
    pub source: String,
}

/// `<`, `<=`, `>`, `>=` or `==`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `==`
    Equal,
}

impl Comparison {
    /// Whether `value <op> limit` holds.
    ///
    /// ```
    /// use leanvibe_test::threshold::Comparison;
    /// assert!(Comparison::GreaterOrEqual.holds(0.99, 0.99));
    /// ```
    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Comparison::Less => value < limit,
            Comparison::LessOrEqual => value <= limit,
            Comparison::Greater => value > limit,
            Comparison::GreaterOrEqual => value >= limit,
            Comparison::Equal => value == limit,
        }
    }

    /// The operator as written.
    ///
    /// ```
    /// assert_eq!(leanvibe_test::threshold::Comparison::LessOrEqual.symbol(), "<=");
    /// ```
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
            Comparison::Equal => "==",
        }
    }
}

/// One metric a caller accepts: its name and whether it takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricName {
    /// The name before any parentheses.
    pub name: &'static str,
    /// How it is written in messages, e.g. `p(N)` or `rate(>MS)`.
    pub usage: &'static str,
    /// Whether it takes a parenthesised argument.
    pub takes_argument: bool,
}

impl Threshold {
    /// Parses `text` and checks the metric against `vocabulary`.
    ///
    /// ```
    /// use leanvibe_test::threshold::{MetricName, Threshold};
    /// const METRICS: &[MetricName] = &[MetricName { name: "avg", usage: "avg", takes_argument: false }];
    /// assert!(Threshold::parse_in("avg<25", METRICS).is_ok());
    /// let err = Threshold::parse_in("mean<25", METRICS).unwrap_err();
    /// assert!(err.to_string().contains("unknown metric `mean`; known: avg"));
    /// ```
    pub fn parse_in(text: &str, vocabulary: &[MetricName]) -> Result<Threshold, ThresholdError> {
        let threshold: Threshold = text.parse()?;
        let bad = |problem: String| ThresholdError {
            text: text.to_string(),
            problem,
        };
        let Some(known) = vocabulary.iter().find(|m| m.name == threshold.metric) else {
            let names: Vec<&str> = vocabulary.iter().map(|m| m.usage).collect();
            return Err(bad(format!(
                "unknown metric `{}`; known: {}",
                threshold.metric,
                names.join(", ")
            )));
        };
        match (known.takes_argument, &threshold.argument) {
            (true, None) => Err(bad(format!(
                "`{}` needs an argument: {}",
                known.name, known.usage
            ))),
            (false, Some(_)) => Err(bad(format!("`{}` takes no argument", known.name))),
            _ => Ok(threshold),
        }
    }

    /// Whether a measured `value` meets the threshold.
    pub fn holds(&self, value: f64) -> bool {
        self.comparison.holds(value, self.limit)
    }

    /// The argument as a number (`95` in `p(95)`), if it is one.
    ///
    /// ```
    /// let t: leanvibe_test::threshold::Threshold = "p(99.9)<10".parse().unwrap();
    /// assert_eq!(t.numeric_argument(), Some(99.9));
    /// ```
    pub fn numeric_argument(&self) -> Option<f64> {
        self.argument.as_deref()?.trim().parse().ok()
    }

    /// The metric with its argument, as a vocabulary names it: `avg`,
    /// `p(95)`, `error_rate`.
    ///
    /// ```
    /// let t: leanvibe_test::threshold::Threshold = "p( 95 ) <= 40".parse().unwrap();
    /// assert_eq!(t.measure(), "p(95)");
    /// ```
    pub fn measure(&self) -> String {
        match &self.argument {
            Some(argument) => format!("{}({argument})", self.metric),
            None => self.metric.clone(),
        }
    }
}

impl FromStr for Threshold {
    type Err = ThresholdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |problem: &str| ThresholdError {
            text: text.to_string(),
            problem: problem.to_string(),
        };
        let trimmed = text.trim();
        let name_end = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(trimmed.len());
        let metric = &trimmed[..name_end];
        if metric.is_empty() {
            return Err(bad("expected a metric name first, as in `avg<25`"));
        }
        let mut rest = trimmed[name_end..].trim_start();
        let mut argument = None;
        if let Some(after_paren) = rest.strip_prefix('(') {
            let close = after_paren
                .find(')')
                .ok_or_else(|| bad("`(` without `)`"))?;
            let inside = after_paren[..close].trim();
            if inside.is_empty() {
                return Err(bad("empty parentheses"));
            }
            argument = Some(inside.to_string());
            rest = after_paren[close + 1..].trim_start();
        }
        let (comparison, after_op) = [
            ("<=", Comparison::LessOrEqual),
            (">=", Comparison::GreaterOrEqual),
            ("==", Comparison::Equal),
            ("<", Comparison::Less),
            (">", Comparison::Greater),
        ]
        .into_iter()
        .find_map(|(symbol, comparison)| rest.strip_prefix(symbol).map(|r| (comparison, r)))
        .ok_or_else(|| bad("expected a comparison (<, <=, >, >=, ==) after the metric"))?;
        let number = after_op.trim();
        let limit: f64 = number.parse().map_err(|_| {
            bad(&format!(
                "expected a number after `{}`, got `{number}`",
                comparison.symbol()
            ))
        })?;
        if !limit.is_finite() {
            return Err(bad("the limit must be a finite number"));
        }
        Ok(Threshold {
            metric: metric.to_string(),
            argument,
            comparison,
            limit,
            source: trimmed.to_string(),
        })
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_k6_forms() {
        for (text, metric, argument, comparison, limit) in [
            ("avg<25", "avg", None, Comparison::Less, 25.0),
            ("max<50", "max", None, Comparison::Less, 50.0),
            ("p(95)<40", "p", Some("95"), Comparison::Less, 40.0),
            ("med<10", "med", None, Comparison::Less, 10.0),
            (
                "rate(>40)<0.05",
                "rate",
                Some(">40"),
                Comparison::Less,
                0.05,
            ),
            ("success>0.99", "success", None, Comparison::Greater, 0.99),
            (
                " error_rate <= 0.02 ",
                "error_rate",
                None,
                Comparison::LessOrEqual,
                0.02,
            ),
            (
                "memory_mb>=80",
                "memory_mb",
                None,
                Comparison::GreaterOrEqual,
                80.0,
            ),
        ] {
            let t: Threshold = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t.metric, metric, "{text}");
            assert_eq!(t.argument.as_deref(), argument, "{text}");
            assert_eq!(t.comparison, comparison, "{text}");
            assert_eq!(t.limit, limit, "{text}");
        }
    }

    #[test]
    fn bad_thresholds_say_what_is_wrong() {
        for (text, problem) in [
            ("<25", "expected a metric name"),
            ("avg", "expected a comparison"),
            ("avg<", "expected a number"),
            ("avg<fast", "got `fast`"),
            ("p(95<40", "without `)`"),
            ("p()<40", "empty parentheses"),
            ("avg=25", "expected a comparison"),
            ("avg<inf", "finite"),
        ] {
            let err = text.parse::<Threshold>().unwrap_err().to_string();
            assert!(err.contains(problem), "{text}: {err}");
            assert!(err.contains(text.trim()), "{text}: {err}");
        }
    }

    #[test]
    fn comparisons_hold_on_the_right_side() {
        let less: Threshold = "avg<25".parse().unwrap();
        assert!(less.holds(24.999) && !less.holds(25.0));
        let at_most: Threshold = "avg<=25".parse().unwrap();
        assert!(at_most.holds(25.0) && !at_most.holds(25.001));
        let more: Threshold = "success>0.99".parse().unwrap();
        assert!(more.holds(0.995) && !more.holds(0.99));
    }
}
