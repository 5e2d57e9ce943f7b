//! Turns captured output and messages into text every report format accepts.
//!
//! Captured output is raw bytes from a test that may print anything: colour
//! codes, terminal titles, NUL bytes, invalid UTF-8. [`clean_bytes`] keeps
//! what a reader needs and makes the rest visible instead of dropping it
//! silently, so the result is valid XML 1.0 character data and valid JSON:
//!
//! - ANSI escape sequences (CSI such as colours, OSC such as titles and
//!   hyperlinks, DCS/SOS/PM/APC strings, two-byte `ESC x` sequences) are
//!   removed;
//! - bytes that are not UTF-8 become `\xff`-style escapes (never U+FFFD, which
//!   would hide what the bytes were);
//! - control characters other than tab, line feed and carriage return, DEL,
//!   the C1 controls, and U+FFFE/U+FFFF (all illegal or discouraged in XML
//!   1.0) become `\x07` or `\u{fffe}` escapes.
//!
//! [`cap_text`] then bounds the size, keeping the head and the tail.
//!
//! The ANSI parser is written here rather than taken from `strip-ansi-escapes`
//! (via `vte`) because `vte` replaces invalid UTF-8 with U+FFFD and drops
//! control bytes, and we must show both.

use std::fmt::Write as _;
use std::str::Utf8Chunks;

/// One unit of input: a decoded character or a byte that is not UTF-8.
#[derive(Clone, Copy)]
enum Unit {
    Char(char),
    Invalid(u8),
}

/// Iterates over the [`Unit`]s of a byte string.
struct Units<'a> {
    chunks: Utf8Chunks<'a>,
    valid: std::str::Chars<'a>,
    invalid: std::slice::Iter<'a, u8>,
}

impl<'a> Units<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Units {
            chunks: bytes.utf8_chunks(),
            valid: "".chars(),
            invalid: [].iter(),
        }
    }
}

impl Iterator for Units<'_> {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        loop {
            if let Some(c) = self.valid.next() {
                return Some(Unit::Char(c));
            }
            if let Some(&b) = self.invalid.next() {
                return Some(Unit::Invalid(b));
            }
            let chunk = self.chunks.next()?;
            self.valid = chunk.valid().chars();
            self.invalid = chunk.invalid().iter();
        }
    }
}

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
/// The single-character (C1) forms of CSI and OSC.
const C1_CSI: char = '\u{9b}';
const C1_OSC: char = '\u{9d}';
/// Control strings (OSC, DCS, SOS, PM, APC) end at BEL or ST. We also end
/// one at a line feed, so an unterminated title cannot hide the rest of the
/// output from the report.
const C1_ST: char = '\u{9c}';

/// Cleans captured output: decodes it, strips ANSI escapes and makes every
/// character that XML 1.0 forbids visible as an escape.
///
/// ```
/// use leanvibe_test::report::sanitize::clean_bytes;
/// let raw = b"\x1b[31mred\x1b[0m \x07 \xff ok\n";
/// assert_eq!(clean_bytes(raw), "red \\x07 \\xff ok\n");
/// ```
pub fn clean_bytes(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len());
    let mut units = Units::new(input).peekable();
    while let Some(unit) = units.next() {
        let c = match unit {
            Unit::Invalid(b) => {
                let _ = write!(out, "\\x{b:02x}");
                continue;
            }
            Unit::Char(c) => c,
        };
        match c {
            ESC => match units.peek().copied() {
                Some(Unit::Char('[')) => {
                    units.next();
                    skip_csi(&mut units);
                }
                Some(Unit::Char(']' | 'P' | 'X' | '^' | '_')) => {
                    units.next();
                    skip_control_string(&mut units);
                }
                Some(Unit::Char(' '..='/')) => {
                    // nF sequence: intermediates, then one final byte.
                    while let Some(Unit::Char(' '..='/')) = units.peek() {
                        units.next();
                    }
                    if let Some(Unit::Char('0'..='~')) = units.peek() {
                        units.next();
                    }
                }
                Some(Unit::Char('0'..='~')) => {
                    // Two-character sequence (ESC 7, ESC M, ESC c, ...).
                    units.next();
                }
                _ => out.push_str("\\x1b"),
            },
            C1_CSI => skip_csi(&mut units),
            C1_OSC => skip_control_string(&mut units),
            '\t' | '\n' | '\r' => out.push(c),
            '\0'..='\u{1f}' | '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{80}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Cleans a message that is already a `str` (same rules as [`clean_bytes`]).
///
/// ```
/// use leanvibe_test::report::sanitize::clean_str;
/// assert_eq!(clean_str("a\u{fffe}b"), "a\\u{fffe}b");
/// ```
pub fn clean_str(input: &str) -> String {
    clean_bytes(input.as_bytes())
}

/// Skips the rest of a CSI sequence: parameters `0x30..=0x3f`, intermediates
/// `0x20..=0x2f`, one final character `0x40..=0x7e`. A malformed sequence
/// ends at the first character that does not fit; that character is kept.
fn skip_csi(units: &mut std::iter::Peekable<Units<'_>>) {
    while let Some(Unit::Char('0'..='?' | ' '..='/')) = units.peek() {
        units.next();
    }
    if let Some(Unit::Char('@'..='~')) = units.peek() {
        units.next();
    }
}

/// Skips a control string up to and including its terminator (BEL, `ESC \`,
/// C1 ST), or up to (not including) a line feed or the end of input.
fn skip_control_string(units: &mut std::iter::Peekable<Units<'_>>) {
    while let Some(unit) = units.peek().copied() {
        match unit {
            Unit::Char('\n') => return,
            Unit::Char(BEL | C1_ST) => {
                units.next();
                return;
            }
            Unit::Char(ESC) => {
                units.next();
                if let Some(Unit::Char('\\')) = units.peek() {
                    units.next();
                }
                return;
            }
            _ => {
                units.next();
            }
        }
    }
}

/// Bounds `text` to about `cap` bytes, keeping the first and last halves and
/// saying in the text how much was cut. `cap == 0` means no cap.
///
/// ```
/// use leanvibe_test::report::sanitize::cap_text;
/// let long = "a".repeat(3000);
/// let capped = cap_text(long, 1024);
/// assert!(capped.contains("[... 1976 bytes elided: output over the 1 KiB cap ...]"));
/// assert!(capped.len() < 1100);
/// ```
pub fn cap_text(text: String, cap: usize) -> String {
    if cap == 0 || text.len() <= cap {
        return text;
    }
    let mut head = cap / 2;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - (cap - cap / 2);
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    let elided = tail - head;
    let mut out = String::with_capacity(cap + 96);
    out.push_str(&text[..head]);
    out.push_str(&elided_marker(elided as u64, cap));
    out.push_str(&text[tail..]);
    out
}

/// The line that stands for output cut out by a cap, newlines included:
/// the same words wherever output is capped.
///
/// ```
/// use leanvibe_test::report::sanitize::elided_marker;
/// assert_eq!(elided_marker(10, 1 << 20), "\n[... 10 bytes elided: output over the 1 MiB cap ...]\n");
/// ```
pub fn elided_marker(elided: u64, cap: usize) -> String {
    format!(
        "\n[... {elided} bytes elided: output over the {} cap ...]\n",
        human_size(cap)
    )
}

/// `1 MiB`, `64 KiB` or `1000 bytes`.
fn human_size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A character XML 1.0 allows (its `Char` production).
    pub(crate) fn is_xml_char(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
    }

    #[test]
    fn strips_sgr_osc_and_two_byte_sequences() {
        let raw = b"\x1b[1;31mbold red\x1b[0m \x1b]0;title\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x1b7\x1bM\x1b(B end";
        assert_eq!(clean_bytes(raw), "bold red link  end");
    }

    #[test]
    fn c1_csi_is_stripped_and_other_c1_made_visible() {
        assert_eq!(clean_str("a\u{9b}31mb\u{85}c"), "ab\\u{85}c");
    }

    #[test]
    fn every_c0_control_is_visible_except_whitespace() {
        let raw: Vec<u8> = (0u8..0x20).filter(|&b| b != 0x1b).collect();
        let clean = clean_bytes(&raw);
        assert!(clean.chars().all(is_xml_char), "{clean:?}");
        assert!(clean.contains("\\x00") && clean.contains("\\x07") && clean.contains("\\x1f"));
        assert!(clean.contains('\t') && clean.contains('\n') && clean.contains('\r'));
    }

    #[test]
    fn invalid_utf8_becomes_byte_escapes() {
        assert_eq!(
            clean_bytes(b"ok \xff\xfe \xe2\x82 done \xe2\x82\xac"),
            "ok \\xff\\xfe \\xe2\\x82 done €"
        );
    }

    #[test]
    fn noncharacters_are_escaped() {
        assert_eq!(
            clean_str("\u{fffe}\u{ffff}\u{fffd}"),
            "\\u{fffe}\\u{ffff}\u{fffd}"
        );
    }

    #[test]
    fn lone_escape_and_unterminated_sequences_do_not_swallow_output() {
        assert_eq!(clean_bytes(b"a\x1b"), "a\\x1b");
        assert_eq!(clean_bytes(b"\x1b]0;never ends\nkept"), "\nkept");
        assert_eq!(clean_bytes(b"\x1b[12"), "");
        assert_eq!(clean_bytes(b"\x1b[12\xffx"), "\\xffx");
    }

    /// Bytes that test the cleaner: escape sequences and their pieces,
    /// every kind of control (C0, DEL, C1 encoded), noncharacters,
    /// invalid and truncated UTF-8, and anything.
    pub(crate) fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                3 => proptest::sample::select(vec![
                    &b"\x1b"[..], b"\x1b[", b"\x1b]", b"\x1bP", b"\x1b\\", b"\x1b(", b"[31m", b"0;t",
                    b"\x07", b"\n", b"\r", b"\t", b"\0", b"\x7f", b"\xc2\x9b", b"\xc2\x9d",
                    b"\xc2\x9c", b"\xc2\x85", b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xef\xbf\xbd",
                    b"\xed\xa0\x80", b"\xff", b"\xe2\x82", b"\xf4\x8f\xbf\xbf", b"]]>", b"<&'\"",
                    b"\xe2\x80\xa8", b"a",
                ])
                .prop_map(<[u8]>::to_vec),
                1 => proptest::collection::vec(any::<u8>(), 0..4),
                1 => "\\PC{0,4}".prop_map(String::into_bytes),
            ],
            0..24,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Whatever the bytes, the text holds XML 1.0 characters only, and
        /// none that starts an escape sequence.
        #[test]
        fn clean_bytes_leaves_no_forbidden_char(bytes in hostile_bytes()) {
            let clean = clean_bytes(&bytes);
            let bad = clean.chars().find(|&c| !is_xml_char(c) || c == ESC || c == C1_CSI || c == C1_OSC);
            prop_assert_eq!(bad, None, "{:?} from {:?}", clean, bytes);
        }

        /// Text with nothing to clean comes out unchanged: no escape to
        /// strip, no control but tab, line feed and return.
        #[test]
        fn clean_bytes_keeps_plain_text(text in "[\\t\\n\\r -~\\u{a0}-\\u{d7ff}\\u{e000}-\\u{fffd}\\u{10000}-\\u{10ffff}]{0,40}") {
            prop_assert_eq!(clean_bytes(text.as_bytes()), text);
        }

        /// A capped text is its head, the marker counting the bytes cut,
        /// and its tail: no longer than the cap plus the marker, cut on
        /// character boundaries as near the halves as they allow.
        #[test]
        fn cap_text_keeps_head_and_tail(
            text in prop_oneof!["\\PC{0,200}", "[aé💥]{0,200}"],
            cap in 0usize..300,
        ) {
            let capped = cap_text(text.clone(), cap);
            if cap == 0 || text.len() <= cap {
                prop_assert_eq!(capped, text);
                return Ok(());
            }
            // Each half is at most its share, and at most three bytes (one
            // character) short of it.
            let head = (cap / 2).saturating_sub(3)..=cap / 2;
            let tail = (cap - cap / 2).saturating_sub(3)..=cap - cap / 2;
            let found = head.rev().flat_map(|h| tail.clone().rev().map(move |t| (h, t))).find(|&(h, t)| {
                text.is_char_boundary(h) && text.is_char_boundary(text.len() - t) && {
                    let marker = elided_marker((text.len() - h - t) as u64, cap);
                    capped == format!("{}{marker}{}", &text[..h], &text[text.len() - t..])
                }
            });
            prop_assert!(found.is_some(), "{:?} capped at {}: {:?}", text, cap, capped);
            let (h, t) = found.unwrap();
            let marker = elided_marker((text.len() - h - t) as u64, cap);
            prop_assert!(capped.len() <= cap + marker.len());
            // As near the halves as the boundaries allow.
            prop_assert!((h + 1..=cap / 2).all(|b| !text.is_char_boundary(b)), "head cut early");
        }
    }

    #[test]
    fn cap_keeps_head_and_tail_on_char_boundaries() {
        let text = format!("{}{}", "é".repeat(1000), "z".repeat(1000));
        let capped = cap_text(text.clone(), 1001);
        assert!(capped.starts_with("éé"));
        assert!(capped.ends_with("zz"));
        assert!(capped.contains("bytes elided: output over the 1001 bytes cap"));
        assert_eq!(cap_text(text.clone(), 0), text);
        assert_eq!(cap_text("short".into(), 1024), "short");
    }
}
