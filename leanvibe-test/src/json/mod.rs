//! JSON for the reports and the worker protocol, written for this crate.
//!
//! Why not `serde_json`: a test harness must not change how the code it
//! tests type-checks, and `serde_json` does. It implements
//! `PartialEq<serde_json::Value>` for `u8`, `i32`, `str` and the other
//! primitives, so with it anywhere in a test binary's crate graph,
//! `let mut v = Vec::new(); v.extend(bytes.iter()); assert_eq!(&b"ab"[..], &v[..]);`
//! stops compiling (E0283: `u8: PartialEq<_>` has two candidates). This
//! module's [`Value`] compares only with itself. It follows `serde_json`'s
//! representation of serde's data model, so documents read the same.
//!
//! ```
//! use leanvibe_test::json::{self, Value};
//!
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! struct Point { x: i32, label: Option<String> }
//!
//! let text = json::to_string(&Point { x: -3, label: None }).unwrap();
//! assert_eq!(text, r#"{"x":-3,"label":null}"#);
//! let back: Point = json::from_str(&text).unwrap();
//! assert_eq!(back, Point { x: -3, label: None });
//! let value: Value = json::to_value(&back).unwrap();
//! assert_eq!(value["x"].as_f64(), Some(-3.0));
//! ```
//!
//! Text is written straight from the serialized type, struct fields in
//! their declared order; a [`Value`]'s object members are kept sorted by key
//! ([`Map`] is a `BTreeMap`), as in `serde_json` without its
//! `preserve_order` feature.

mod de;
mod parse;
mod ser;
mod value;
mod write;

pub use value::{Map, Number, Value};

use crate::errors::JsonError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Converts anything serde can serialize into a [`Value`].
///
/// ```
/// let value = leanvibe_test::json::to_value(&vec![1, 2]).unwrap();
/// assert_eq!(value.to_string(), "[1,2]");
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, JsonError> {
    value.serialize(ser::ValueSerializer)
}

/// Converts a [`Value`] into anything serde can deserialize.
///
/// ```
/// use leanvibe_test::json::{self, Value};
/// let n: u32 = json::from_value(Value::from(7u64)).unwrap();
/// assert_eq!(n, 7);
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, JsonError> {
    T::deserialize(value)
}

/// Parses JSON text into a [`Value`] or any deserializable type.
///
/// ```
/// let list: Vec<String> = leanvibe_test::json::from_str(r#"["a","\u00e9"]"#).unwrap();
/// assert_eq!(list, ["a", "é"]);
/// ```
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    from_slice(text.as_bytes())
}

/// [`from_str`] for bytes (which must be UTF-8 inside strings).
///
/// ```
/// let n: f64 = leanvibe_test::json::from_slice(b" 1.5 ").unwrap();
/// assert_eq!(n, 1.5);
/// ```
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    from_value(parse::parse(bytes)?)
}

/// Compact JSON text of `value`.
///
/// ```
/// assert_eq!(leanvibe_test::json::to_string(&("a\n", 2.5)).unwrap(), r#"["a\n",2.5]"#);
/// ```
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, JsonError> {
    Ok(String::from_utf8(to_vec(value)?).expect("JSON text is UTF-8"))
}

/// Compact JSON text of `value`, as bytes.
///
/// ```
/// assert_eq!(leanvibe_test::json::to_vec(&[1u8, 2]).unwrap(), b"[1,2]");
/// ```
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, JsonError> {
    let mut out = Vec::new();
    to_writer(&mut out, value)?;
    Ok(out)
}

/// Writes compact JSON text of `value` to `out`.
///
/// ```
/// let mut out = Vec::new();
/// leanvibe_test::json::to_writer(&mut out, &Some(true)).unwrap();
/// assert_eq!(out, b"true");
/// ```
pub fn to_writer<W: std::io::Write, T: Serialize + ?Sized>(
    mut out: W,
    value: &T,
) -> Result<(), JsonError> {
    value.serialize(write::TextSerializer { out: &mut out })
}

#[cfg(test)]
mod tests;
