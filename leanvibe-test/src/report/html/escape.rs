//! Text into HTML. Everything on the page that did not come from this
//! module's own templates goes through [`Page::text`]: test names, messages,
//! output, payloads, file names. Nothing from a report is ever written as
//! markup, an attribute name or an unquoted attribute value.

use std::fmt::Write;

/// The page being built.
#[derive(Default)]
pub(super) struct Page {
    out: String,
}

impl Page {
    pub(super) fn with_capacity(bytes: usize) -> Page {
        Page {
            out: String::with_capacity(bytes),
        }
    }

    /// Markup of our own templates, written as it is.
    pub(super) fn raw(&mut self, markup: &str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// Text from a report: escaped for element content and for double-quoted
    /// attribute values alike.
    pub(super) fn text(&mut self, text: &str) -> &mut Self {
        push_escaped(&mut self.out, text);
        self
    }

    /// A number, written with `format` precision rules of `Display`.
    pub(super) fn num(&mut self, value: impl std::fmt::Display) -> &mut Self {
        let _ = write!(self.out, "{value}");
        self
    }

    /// A float with `decimals` digits after the point; non-finite values
    /// (a report may hold anything) as `0`, so SVG coordinates stay valid.
    pub(super) fn fixed(&mut self, value: f64, decimals: usize) -> &mut Self {
        let value = if value.is_finite() { value } else { 0.0 };
        let _ = write!(self.out, "{value:.decimals$}");
        self
    }

    pub(super) fn finish(self) -> String {
        self.out
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'`, and shows control characters (which
/// HTML forbids or turns into U+FFFD) as visible `\xNN` / `\u{NNNN}` escapes.
/// Reports we write are already cleaned this way; files from other tools
/// read by `leanvibe-report html` may not be.
fn push_escaped(out: &mut String, text: &str) {
    // Most text needs nothing: find that out a byte at a time. Only bytes
    // that can start an escaped character lead to the char-wise search.
    if !text.bytes().any(may_need_escape) {
        out.push_str(text);
        return;
    }
    let mut rest = text;
    while let Some(at) = rest.find(needs_escape) {
        out.push_str(&rest[..at]);
        let c = rest[at..].chars().next().expect("found a char at `at`");
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
}

/// The first bytes of the characters [`needs_escape`] accepts: the ASCII
/// ones, `0xC2` (C1 controls, U+0080..U+009F) and `0xEF` (U+FFFE, U+FFFF).
fn may_need_escape(b: u8) -> bool {
    matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | 0x7f | 0xc2 | 0xef)
        || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
}

fn needs_escape(c: char) -> bool {
    matches!(c, '&' | '<' | '>' | '"' | '\'')
        || (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut page = Page::default();
        page.text(text);
        page.finish()
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escaped(r#"</script><img src=x onerror="a('b')">&"#),
            "&lt;/script&gt;&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn controls_become_visible_and_text_stays() {
        assert_eq!(
            escaped("a\u{0}b\u{1b}[1m\u{85}\u{FFFE}\tc\nd"),
            "a\\x00b\\x1b[1m\\u{85}\\u{fffe}\tc\nd"
        );
        assert_eq!(escaped("plain ünïcode ✓"), "plain ünïcode ✓");
    }

    #[test]
    fn non_finite_numbers_are_zero() {
        let mut page = Page::default();
        page.fixed(f64::NAN, 1)
            .raw(" ")
            .fixed(f64::INFINITY, 0)
            .raw(" ")
            .fixed(2.3456, 2);
        assert_eq!(page.finish(), "0.0 0 2.35");
    }
}
