//! An example data-processing plugin.

/// Doubles a number.
pub fn double(x: i64) -> i64 {
    x * 2
}
