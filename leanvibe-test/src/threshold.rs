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
    use proptest::prelude::*;

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

    fn any_comparison() -> impl Strategy<Value = Comparison> {
        prop_oneof![
            Just(Comparison::Less),
            Just(Comparison::LessOrEqual),
            Just(Comparison::Greater),
            Just(Comparison::GreaterOrEqual),
            Just(Comparison::Equal),
        ]
    }

    /// Whitespace the grammar allows between parts, or none.
    fn space() -> impl Strategy<Value = String> {
        "[ \t\n\r\u{a0}\u{3000}]{0,3}"
    }

    /// Finite limits, written as Rust prints them (the shortest text that
    /// reads back as the same number), in either notation.
    fn limit() -> impl Strategy<Value = (f64, String)> {
        (
            prop_oneof![
                any::<f64>().prop_filter("finite", |f| f.is_finite()),
                (-1000i32..1000).prop_map(f64::from),
                -1.0f64..1.0,
            ],
            any::<bool>(),
        )
            .prop_map(|(f, exp)| {
                (
                    f,
                    if exp {
                        format!("{f:e}")
                    } else {
                        format!("{f}")
                    },
                )
            })
    }

    /// A metric, its argument (trimmed, without `)`), comparison and limit.
    fn parts() -> impl Strategy<Value = (String, Option<String>, Comparison, (f64, String))> {
        (
            "[A-Za-z0-9_]{1,12}",
            proptest::option::of("[^()]{1,8}".prop_filter_map("trimmed, not empty", |a| {
                let a = a.trim();
                (!a.is_empty()).then(|| a.to_string())
            })),
            any_comparison(),
            limit(),
        )
    }

    /// Texts near the grammar: a name, maybe parentheses, an operator and
    /// a number, each part sometimes wrong; its pieces in any order; and
    /// anything.
    fn threshold_like_text() -> impl Strategy<Value = String> {
        let pick =
            |options: Vec<&'static str>| proptest::sample::select(options).prop_map(str::to_string);
        let shaped = (
            prop_oneof![pick(vec!["", "_", "é", "p p"]), "[a-z_0-9]{1,6}"],
            prop_oneof![
                pick(vec![
                    "", "(95)", "( 95 )", "()", "(", ")", "(>40)", "((1))", "(\u{0})"
                ]),
                "\\([^)]{0,4}\\)"
            ],
            pick(vec!["<", "<=", ">", ">=", "==", "=", "=<", "", " < ", "<<"]),
            prop_oneof![
                pick(vec![
                    "1e309", "-1e309", "inf", "NaN", "+1", "1.", ".5", "1e", "0x10", "", " 1 ",
                    "1 2"
                ]),
                any::<f64>().prop_map(|f| f.to_string()),
            ],
        )
            .prop_map(|(name, argument, op, number)| format!("{name}{argument}{op}{number}"));
        let pieces = proptest::collection::vec(
            prop_oneof![
                3 => proptest::sample::select(vec![
                    "p", "avg", "rate", "(", ")", "((", "95", ">40", "<", "<=", ">", ">=", "==",
                    "=", "!", " ", "\t", "0.5", "-1", "1e309", "inf", "NaN", "é", "\u{0}",
                    "_", "\u{2028}",
                ])
                .prop_map(str::to_string),
                1 => "\\PC{0,3}",
            ],
            0..10,
        )
        .prop_map(|parts| parts.concat());
        prop_oneof![3 => shaped, 1 => pieces]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// A threshold written from generated parts, with any whitespace
        /// between them, parses to those parts; its `measure()` and its
        /// source read back as the same threshold.
        #[test]
        fn generated_thresholds_parse_to_their_parts(
            (metric, argument, comparison, (limit, limit_text)) in parts(),
            spaces in proptest::collection::vec(space(), 7),
        ) {
            let argument_text = match &argument {
                Some(a) => format!("({}{a}{}){}", spaces[1], spaces[2], spaces[3]),
                None => String::new(),
            };
            let text = format!(
                "{}{metric}{}{argument_text}{}{}{limit_text}{}",
                spaces[0], spaces[3], comparison.symbol(), spaces[4], spaces[5],
            );
            let t: Threshold = text.parse().map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
            prop_assert_eq!(&t.metric, &metric);
            prop_assert_eq!(&t.argument, &argument);
            prop_assert_eq!(t.comparison, comparison);
            prop_assert_eq!(t.limit.to_bits(), limit.to_bits(), "{:?}", text);
            prop_assert_eq!(t.to_string(), text.trim());

            let from_source: Threshold = t.source.parse().unwrap();
            prop_assert_eq!(&from_source, &t);
            let rebuilt = format!("{}{}{}{}", t.measure(), spaces[6], comparison.symbol(), limit_text);
            let from_measure: Threshold = rebuilt.parse().unwrap();
            prop_assert_eq!(
                (from_measure.metric, from_measure.argument, from_measure.comparison, from_measure.limit.to_bits()),
                (metric, argument, comparison, limit.to_bits())
            );
        }

        /// Any text: no panic; a parsed threshold has a name of the
        /// allowed characters and a finite limit, and an error quotes the
        /// text.
        #[test]
        fn any_text_parses_or_is_an_error_quoting_it(text in threshold_like_text()) {
            match text.parse::<Threshold>() {
                Ok(t) => {
                    prop_assert!(!t.metric.is_empty() && t.metric.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{:?}", t);
                    prop_assert!(t.limit.is_finite(), "{:?}", t);
                    prop_assert_eq!(&t.source, text.trim());
                }
                Err(err) => prop_assert!(err.to_string().contains(text.trim()), "{}", err),
            }
        }

        /// `holds` is the comparison's own operator on the value and limit,
        /// at, either side of, and far from the limit.
        #[test]
        fn holds_agrees_with_the_comparison(
            comparison in any_comparison(),
            (limit, limit_text) in limit(),
            value in prop_oneof![
                any::<f64>(),
                Just(f64::NAN),
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
            ],
            near in 0u8..4,
        ) {
            let t: Threshold = format!("m{}{limit_text}", comparison.symbol()).parse().unwrap();
            // Often the limit itself or its neighbours: where `<` and `<=` differ.
            let value = match near {
                0 => limit,
                1 => limit.next_up(),
                2 => limit.next_down(),
                _ => value,
            };
            let expected = match comparison {
                Comparison::Less => value < limit,
                Comparison::LessOrEqual => value <= limit,
                Comparison::Greater => value > limit,
                Comparison::GreaterOrEqual => value >= limit,
                Comparison::Equal => value == limit,
            };
            prop_assert_eq!(t.holds(value), expected, "{} at {}", t, value);
            prop_assert_eq!(t.comparison.holds(value, limit), expected);
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
