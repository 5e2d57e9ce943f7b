//! Heap growth of one call, judged against a bound and against the size of
//! the input: the `memory` and `amplification` oracles.

/// The heap bound per call of the `oversize` vector when neither the
/// attribute (`max_mb`/`max_kb`) nor the `leanvibe.toml` profile sets one:
/// the plugin SDK's standard budget, 80 MiB.
///
/// ```
/// assert_eq!(leanvibe_test::security::OVERSIZE_HEAP_BYTES, 80 << 20);
/// ```
pub const OVERSIZE_HEAP_BYTES: u64 = 80 << 20;

/// How many times its input's size a call of the `oversize` vector may grow
/// the heap. Sixteen leaves room for honest work: decoding UTF-8 into `char`s
/// is 4×, a parsed tree of small values 5 to 10×; a function past 16× holds
/// a structure per input byte, and the next size up of input takes it down.
///
/// ```
/// assert_eq!(leanvibe_test::security::AMPLIFICATION_FACTOR, 16);
/// ```
pub const AMPLIFICATION_FACTOR: u64 = 16;

/// Growth below which amplification is not judged, whatever the input's
/// size: a buffer, a compiled regex or an async runtime costs a fixed few
/// MiB that would be hundreds of times a 300-byte path segment.
///
/// ```
/// assert_eq!(leanvibe_test::security::AMPLIFICATION_FLOOR_BYTES, 8 << 20);
/// ```
pub const AMPLIFICATION_FLOOR_BYTES: u64 = 8 << 20;

/// Where a call's heap bound comes from, for the finding's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeapSource {
    /// The attribute's `max_mb`/`max_kb`.
    Attribute,
    /// The `leanvibe.toml` profile's `max_mb`/`max_kb`.
    Profile,
    /// [`OVERSIZE_HEAP_BYTES`].
    Standard,
}

/// A heap bound per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeapLimit {
    pub(crate) bytes: u64,
    pub(crate) source: HeapSource,
}

impl HeapLimit {
    /// The bound of one vector's calls: the attribute's, else, for
    /// `oversize` only, the profile's or the standard one.
    pub(crate) fn resolve(
        attribute: Option<u64>,
        profile: Option<u64>,
        oversize: bool,
    ) -> Option<HeapLimit> {
        let (bytes, source) = match (attribute, profile) {
            (Some(bytes), _) => (bytes, HeapSource::Attribute),
            _ if !oversize => return None,
            (None, Some(bytes)) => (bytes, HeapSource::Profile),
            (None, None) => (OVERSIZE_HEAP_BYTES, HeapSource::Standard),
        };
        Some(HeapLimit { bytes, source })
    }

    /// The `memory` evidence, if `growth` is over the bound.
    pub(crate) fn exceeded(&self, growth: u64) -> Option<String> {
        if growth <= self.bytes {
            return None;
        }
        let limit = self.bytes;
        let bound = match self.source {
            HeapSource::Attribute => format!("the budget of {limit}"),
            HeapSource::Profile => {
                format!("the leanvibe.toml profile's heap budget of {limit} bytes")
            }
            HeapSource::Standard => format!(
                "the default bound of {limit} bytes (80 MiB, the SDK standard; set `max_mb` to \
                 change it)"
            ),
        };
        Some(format!(
            "heap grew by {growth} bytes during the call, over {bound}"
        ))
    }
}

/// The `amplification` evidence, if `growth` is over
/// [`AMPLIFICATION_FACTOR`] times `input_len` and over
/// [`AMPLIFICATION_FLOOR_BYTES`].
pub(crate) fn amplification(growth: u64, input_len: usize) -> Option<String> {
    let input = input_len as u64;
    if growth <= AMPLIFICATION_FLOOR_BYTES || growth <= input.saturating_mul(AMPLIFICATION_FACTOR) {
        return None;
    }
    let factor = growth as f64 / input.max(1) as f64;
    Some(format!(
        "heap grew by {growth} bytes for an input of {input} bytes ({factor:.1}×), over the \
         {AMPLIFICATION_FACTOR}× allowed"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn the_attribute_wins_then_the_profile_then_the_standard_for_oversize_only() {
        let attr = HeapLimit::resolve(Some(MIB), Some(2 * MIB), true).unwrap();
        assert_eq!((attr.bytes, attr.source), (MIB, HeapSource::Attribute));
        let profile = HeapLimit::resolve(None, Some(2 * MIB), true).unwrap();
        assert_eq!(
            (profile.bytes, profile.source),
            (2 * MIB, HeapSource::Profile)
        );
        let standard = HeapLimit::resolve(None, None, true).unwrap();
        assert_eq!(standard.bytes, 80 * MIB);
        assert_eq!(HeapLimit::resolve(None, Some(MIB), false), None);
        assert_eq!(
            HeapLimit::resolve(Some(MIB), None, false).map(|l| l.source),
            Some(HeapSource::Attribute)
        );
    }

    #[test]
    fn a_bound_fires_only_above_it_and_says_where_it_came_from() {
        let standard = HeapLimit::resolve(None, None, true).unwrap();
        assert_eq!(standard.exceeded(80 * MIB), None);
        let evidence = standard.exceeded(1 << 30).unwrap();
        assert!(
            evidence.contains("over the default bound of 83886080 bytes (80 MiB"),
            "{evidence}"
        );
        let attr = HeapLimit::resolve(Some(8 * MIB), None, true).unwrap();
        assert!(
            attr.exceeded(9 * MIB)
                .unwrap()
                .ends_with("over the budget of 8388608")
        );
        let profile = HeapLimit::resolve(None, Some(8 * MIB), true).unwrap();
        assert!(
            profile
                .exceeded(9 * MIB)
                .unwrap()
                .contains("profile's heap budget")
        );
    }

    #[test]
    fn amplification_needs_both_the_factor_and_the_floor() {
        // 40× of 1 MiB.
        let evidence = amplification(40 * MIB, MIB as usize).unwrap();
        assert!(
            evidence.contains("(40.0×), over the 16× allowed"),
            "{evidence}"
        );
        // 16× exactly is allowed.
        assert_eq!(amplification(16 * MIB, MIB as usize), None);
        // 1000× of a 4 KiB input is still under the floor.
        assert_eq!(amplification(4000 * 1024, 4096), None);
        assert!(amplification(9 * MIB, 4096).is_some());
        assert!(amplification(9 * MIB, 0).is_some());
    }
}
