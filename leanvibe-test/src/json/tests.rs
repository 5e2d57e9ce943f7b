//! The JSON module against serde_json (a dev-dependency only): they must
//! read and write the same documents.

use super::*;
use proptest::prelude::*;

/// Arbitrary serde_json values, nested a few levels.
fn any_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<u64>().prop_map(|n| serde_json::json!(n)),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        "\\PC*|[\\x00-\\x1f\"\\\\]{0,4}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("\\PC{0,6}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// JSON-ish fragments, to make texts that are sometimes valid.
fn jsonish_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::sample::select(vec![
                "{",
                "}",
                "[",
                "]",
                ",",
                ":",
                "\"a\"",
                "\"\\u00e9\"",
                "\"\\ud83d\\ude00\"",
                "\"\\ud800\"",
                "\"\\q\"",
                "1",
                "-0",
                "01",
                "1.5e3",
                "1.",
                "-",
                "true",
                "nul",
                "null",
                " ",
                "\n",
                "\"",
                "\\",
            ])
            .prop_map(str::to_owned),
            "\\PC{0,3}",
        ],
        0..10,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    /// What serde_json writes, we read as the same document; what we write,
    /// serde_json reads as the same document.
    #[test]
    fn documents_cross_between_the_two_implementations(value in any_json()) {
        let theirs = serde_json::to_string(&value).unwrap();
        let ours: Value = from_str(&theirs).unwrap();
        let ours_text = ours.to_string();
        let back: serde_json::Value = serde_json::from_str(&ours_text).unwrap();
        prop_assert_eq!(back, value);
        // And our own text reads back to our own value.
        let again: Value = from_str(&ours_text).unwrap();
        prop_assert_eq!(again, ours);
    }

    /// Both accept and refuse the same texts (nesting stays shallow here, so
    /// the two depth limits do not differ).
    #[test]
    fn validity_agrees_with_serde_json(text in jsonish_text()) {
        let theirs = serde_json::from_str::<serde_json::Value>(&text);
        let ours = from_str::<Value>(&text);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: ours {:?}, theirs {:?}", text, ours, theirs);
    }

    /// The streaming writer, fed any serializable document, writes what
    /// serde_json reads back as that document.
    #[test]
    fn streamed_text_reads_back_in_serde_json(value in any_json()) {
        let text = to_string(&value).unwrap();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, value);
    }

    /// Serializing through `to_value` agrees with serde_json's own
    /// `to_value` for any document.
    #[test]
    fn to_value_agrees_with_serde_json(value in any_json()) {
        let ours = to_value(&value).unwrap();
        let back: serde_json::Value = serde_json::from_str(&ours.to_string()).unwrap();
        prop_assert_eq!(back, value);
    }
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum Tagged {
    Passed,
    Failed {
        kind: String,
        reason: Option<String>,
    },
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Flattened {
    #[serde(flatten)]
    status: Tagged,
    n: u32,
    #[serde(default)]
    extra: Map,
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
enum External {
    Unit,
    Newtype(f64),
    Tuple(u8, String),
    Struct { a: bool },
}

#[test]
fn serde_attributes_round_trip_as_in_serde_json() {
    let flattened = Flattened {
        status: Tagged::Failed {
            kind: "crash".into(),
            reason: None,
        },
        n: 3,
        extra: Map::from([("perf".to_string(), Value::from(1.5))]),
    };
    let text = to_string(&flattened).unwrap();
    assert_eq!(text, serde_json::to_string(&flattened).unwrap());
    assert_eq!(from_str::<Flattened>(&text).unwrap(), flattened);
    for external in [
        External::Unit,
        External::Newtype(-2.5),
        External::Tuple(7, "x".into()),
        External::Struct { a: true },
    ] {
        let text = to_string(&external).unwrap();
        assert_eq!(text, serde_json::to_string(&external).unwrap());
        assert_eq!(from_str::<External>(&text).unwrap(), external);
    }
}

#[test]
fn errors_say_where() {
    let err = from_str::<Value>("{\"a\" 1}").unwrap_err();
    assert_eq!(err.to_string(), "at byte 5: expected `:`");
    let deep = "[".repeat(300) + &"]".repeat(300);
    assert!(
        from_str::<Value>(&deep)
            .unwrap_err()
            .to_string()
            .contains("nested too deeply")
    );
    assert!(from_str::<u8>("300").is_err());
}

/// The reason this module exists: with it, and not serde_json, in the crate
/// graph, this infers `Vec<u8>`. (The workspace's compile test for users is
/// in leanvibe-test-macros/tests/pass.)
#[test]
fn comparisons_with_values_do_not_exist() {
    let v = Value::from(1u64);
    assert_eq!(v, Value::from(1u64));
    assert_ne!(v, Value::from(1.0));
}
