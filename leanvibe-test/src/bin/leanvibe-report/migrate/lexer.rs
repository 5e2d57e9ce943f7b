//! A Rust lexer just deep enough for the converter: it finds the tokens that
//! are code, and steps over everything that only looks like code.
//!
//! Comments (line, block, nested block, doc), string literals (plain, raw
//! with any number of `#`, byte, C), char and byte literals and lifetimes are
//! skipped or kept whole, so a `#[test]` inside any of them is never seen as
//! an attribute. Each token keeps its byte range in the source, so the
//! converter edits the text in place and leaves every other byte as it was.
//!
//! It is not a validating lexer: invalid input (an unterminated string, a
//! stray quote) still yields tokens, and the converter's job is then only
//! not to damage the text. Numbers are lexed loosely (`1e-5` is three
//! tokens), which cannot hide a comment or a literal from it.
//!
//! ```ignore
//! let source = Source::new("#[test] // #[test]\nfn a() { \"#[test]\"; }");
//! assert_eq!(source.text(0), "#");
//! assert_eq!(source.tokens.len(), 12); // # [ test ] fn a ( ) { "#[test]" ; }
//! ```
//!
//! (The examples of this binary's modules are not doctests, as a binary has
//! none; each is repeated as a unit test.)

use std::ops::Range;

/// What a token is; punctuation is one character per token (`::` is two).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// An identifier or keyword, raw ones (`r#mod`) included.
    Ident,
    /// `'a`, `'static`, a loop label.
    Lifetime,
    /// A string, char, byte or number literal, with its suffix.
    Literal,
    /// One punctuation character, a delimiter included.
    Punct(char),
}

/// One token and where it is in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Its bytes in the source.
    pub span: Range<usize>,
}

/// A source file as tokens, with each delimiter's partner.
pub struct Source<'a> {
    /// The text the tokens index into.
    pub text: &'a str,
    /// The code tokens, in order; comments and whitespace are not tokens.
    pub tokens: Vec<Token>,
    /// For a token that opens or closes `()`, `[]` or `{}`, the index of its
    /// partner; `None` for other tokens and for unbalanced delimiters.
    pub partner: Vec<Option<usize>>,
}

impl<'a> Source<'a> {
    /// Lexes `text`.
    pub fn new(text: &'a str) -> Self {
        let tokens = tokenize(text);
        let partner = partners(&tokens);
        Source {
            text,
            tokens,
            partner,
        }
    }

    /// The text of token `index`.
    pub fn text(&self, index: usize) -> &'a str {
        &self.text[self.tokens[index].span.clone()]
    }

    /// Whether token `index` exists and is the punctuation `c`.
    pub fn is_punct(&self, index: usize, c: char) -> bool {
        self.tokens
            .get(index)
            .is_some_and(|t| t.kind == TokenKind::Punct(c))
    }

    /// Whether token `index` exists and is the identifier or keyword `name`.
    pub fn is_ident(&self, index: usize, name: &str) -> bool {
        self.tokens
            .get(index)
            .is_some_and(|t| t.kind == TokenKind::Ident && self.text(index) == name)
    }

    /// Whether tokens `index` and `index + 1` are `::`.
    pub fn is_path_sep(&self, index: usize) -> bool {
        self.is_punct(index, ':') && self.is_punct(index + 1, ':')
    }

    /// The 1-based line of byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        line_of(self.text, offset)
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The value of a string literal token's text (`"a\"b"`, `r#"a"#`), or
/// `None` for anything else. Escapes are decoded; a literal with a suffix or
/// an escape this does not know is `None`, as the converter then cannot be
/// sure what path it names.
pub fn string_value(literal: &str) -> Option<String> {
    if let Some(raw) = literal.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let body = raw[hashes..].strip_prefix('"')?;
        return body
            .strip_suffix(&"#".repeat(hashes))?
            .strip_suffix('"')
            .map(str::to_string);
    }
    let body = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut value = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        match chars.next()? {
            'n' => value.push('\n'),
            't' => value.push('\t'),
            'r' => value.push('\r'),
            '0' => value.push('\0'),
            '\\' => value.push('\\'),
            '"' => value.push('"'),
            '\'' => value.push('\''),
            '\n' => {
                // A line continuation: the newline and the next line's
                // leading whitespace are not part of the value.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            _ => return None,
        }
    }
    Some(value)
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        at: 0,
        tokens: Vec::new(),
    };
    lexer.skip_shebang();
    while lexer.at < lexer.bytes.len() {
        lexer.step();
    }
    lexer.tokens
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn char_at(&self, at: usize) -> Option<char> {
        self.text.get(at..)?.chars().next()
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            span: start..self.at,
        });
    }

    /// `#!/usr/bin/env …` on the first line is not code; `#![attr]` is.
    fn skip_shebang(&mut self) {
        if let Some(rest) = self.text.strip_prefix("#!")
            && !rest.trim_start().starts_with('[')
        {
            self.at = self.text.find('\n').unwrap_or(self.text.len());
        }
    }

    fn step(&mut self) {
        let start = self.at;
        let Some(c) = self.char_at(start) else {
            // Not on a char boundary cannot happen: every step ends on one.
            self.at = self.bytes.len();
            return;
        };
        match c {
            c if c.is_whitespace() => self.at += c.len_utf8(),
            '/' if self.byte(start + 1) == Some(b'/') => self.line_comment(),
            '/' if self.byte(start + 1) == Some(b'*') => self.block_comment(),
            '"' => {
                self.quoted(start + 1, b'"');
                self.suffix();
                self.push(TokenKind::Literal, start);
            }
            '\'' => self.quote_or_lifetime(),
            '0'..='9' => {
                self.number();
                self.push(TokenKind::Literal, start);
            }
            c if is_ident_start(c) => {
                if !self.prefixed_literal() {
                    self.raw_ident_prefix();
                    self.ident_chars();
                    self.push(TokenKind::Ident, start);
                }
            }
            c => {
                self.at += c.len_utf8();
                self.push(TokenKind::Punct(c), start);
            }
        }
    }

    fn line_comment(&mut self) {
        self.at = match self.text[self.at..].find('\n') {
            Some(newline) => self.at + newline,
            None => self.bytes.len(),
        };
    }

    /// `/* … */`, which nest in Rust.
    fn block_comment(&mut self) {
        let mut depth = 0usize;
        while self.at < self.bytes.len() {
            match (self.byte(self.at), self.byte(self.at + 1)) {
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.at += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.at += 2;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.at += 1,
            }
        }
    }

    /// From just after an opening quote, past the closing `quote`, stepping
    /// over backslash escapes. Bytes are enough: a UTF-8 continuation byte
    /// is never `\`, `"` or `'`.
    fn quoted(&mut self, from: usize, quote: u8) {
        let mut at = from;
        while let Some(b) = self.byte(at) {
            at += 1;
            if b == b'\\' {
                at += 1;
            } else if b == quote {
                break;
            }
        }
        self.at = at.min(self.bytes.len());
    }

    /// From the `#`s or quote after an `r`: `"…"`, `#"…"#`, `##"…"##`, ….
    fn raw_string(&mut self, from: usize) {
        let hashes = self.bytes[from..]
            .iter()
            .take_while(|&&b| b == b'#')
            .count();
        let body = from + hashes + 1;
        let closing = format!("\"{}", "#".repeat(hashes));
        self.at = match self.text.get(body..).and_then(|rest| rest.find(&closing)) {
            Some(end) => body + end + closing.len(),
            None => self.bytes.len(),
        };
    }

    /// A literal's suffix (`"a"suffix`, `1u8`): identifier characters.
    fn suffix(&mut self) {
        self.ident_chars();
    }

    fn ident_chars(&mut self) {
        while let Some(c) = self.char_at(self.at) {
            if !is_ident_continue(c) {
                break;
            }
            self.at += c.len_utf8();
        }
    }

    /// `r#` of a raw identifier (`r#mod`), when one starts here.
    fn raw_ident_prefix(&mut self) {
        if self.byte(self.at) == Some(b'r')
            && self.byte(self.at + 1) == Some(b'#')
            && self.char_at(self.at + 2).is_some_and(is_ident_start)
        {
            self.at += 2;
        }
    }

    /// `b"…"`, `b'…'`, `br"…"`, `c"…"`, `cr#"…"#`, `r"…"`, `r#"…"#`: a
    /// literal whose prefix would otherwise read as an identifier.
    fn prefixed_literal(&mut self) -> bool {
        let start = self.at;
        let rest = &self.bytes[start..];
        let prefix_len = match rest {
            [b'b' | b'c', b'r', ..] => 2,
            [b'b' | b'c' | b'r', ..] => 1,
            _ => return false,
        };
        let raw = rest[prefix_len - 1] == b'r';
        let after = start + prefix_len;
        match self.byte(after) {
            Some(b'"') if raw => self.raw_string(after),
            Some(b'#') if raw => {
                let hashes = self.bytes[after..]
                    .iter()
                    .take_while(|&&b| b == b'#')
                    .count();
                if self.byte(after + hashes) != Some(b'"') {
                    return false; // `r#ident`, or not a literal at all
                }
                self.raw_string(after);
            }
            Some(b'"') => self.quoted(after + 1, b'"'),
            Some(b'\'') if rest[0] == b'b' && prefix_len == 1 => self.quoted(after + 1, b'\''),
            _ => return false,
        }
        self.suffix();
        self.push(TokenKind::Literal, start);
        true
    }

    /// `'a'`, `'\n'`, `'\u{1F600}'` are chars; `'a`, `'static` lifetimes.
    fn quote_or_lifetime(&mut self) {
        let start = self.at;
        let next = start + 1;
        match self.char_at(next) {
            Some('\\') => {
                self.quoted(next, b'\'');
                self.push(TokenKind::Literal, start);
            }
            Some(c) if self.byte(next + c.len_utf8()) == Some(b'\'') => {
                self.at = next + c.len_utf8() + 1;
                self.push(TokenKind::Literal, start);
            }
            Some(c) if is_ident_start(c) => {
                self.at = next;
                self.raw_ident_prefix();
                self.ident_chars();
                self.push(TokenKind::Lifetime, start);
            }
            _ => {
                self.at = next;
                self.push(TokenKind::Punct('\''), start);
            }
        }
    }

    /// Digits, letters and `_` (`0x1F`, `1_000u64`), and a `.` followed by
    /// a digit (`1.5`), but not `..` (`0..2`) nor a method call (`1.max(2)`).
    fn number(&mut self) {
        loop {
            match self.byte(self.at) {
                Some(b) if b.is_ascii_alphanumeric() || b == b'_' => self.at += 1,
                Some(b'.') if self.byte(self.at + 1).is_some_and(|b| b.is_ascii_digit()) => {
                    self.at += 1
                }
                _ => return,
            }
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn partners(tokens: &[Token]) -> Vec<Option<usize>> {
    let mut partner = vec![None; tokens.len()];
    let mut open: Vec<(usize, char)> = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let TokenKind::Punct(c) = token.kind else {
            continue;
        };
        match c {
            '(' | '[' | '{' => open.push((index, c)),
            ')' | ']' | '}' => {
                let opener = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                // An unbalanced closer is left without a partner; so is
                // everything opened since its real partner, if any.
                if let Some(at) = open.iter().rposition(|&(_, o)| o == opener) {
                    let (start, _) = open[at];
                    open.truncate(at);
                    partner[start] = Some(index);
                    partner[index] = Some(start);
                }
            }
            _ => {}
        }
    }
    partner
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<&str> {
        let lexed = Source::new(source);
        (0..lexed.tokens.len()).map(|i| lexed.text(i)).collect()
    }

    #[test]
    fn doc_example() {
        let source = Source::new("#[test] // #[test]\nfn a() { \"#[test]\"; }");
        assert_eq!(source.text(0), "#");
        assert_eq!(source.tokens.len(), 12);
    }

    #[test]
    fn comments_are_not_tokens() {
        assert_eq!(
            texts("a // #[test]\n/* x /* #[test] */ y */ b /// doc\n//! inner\nc"),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn string_literals_are_one_token() {
        assert_eq!(
            texts(r####"x("#[test]", r##"a "#[test]" b"##, br##"#"##, b"\"", c"q", "\\")"####),
            [
                "x",
                "(",
                "\"#[test]\"",
                ",",
                r###"r##"a "#[test]" b"##"###,
                ",",
                r###"br##"#"##"###,
                ",",
                r#"b"\"""#,
                ",",
                "c\"q\"",
                ",",
                r#""\\""#,
                ")"
            ]
        );
    }

    #[test]
    fn chars_and_lifetimes() {
        assert_eq!(
            texts("fn f<'a>(x: &'a str) -> char { '\"'; '\\''; b'#'; 'é'; '[' }"),
            [
                "fn", "f", "<", "'a", ">", "(", "x", ":", "&", "'a", "str", ")", "-", ">", "char",
                "{", "'\"'", ";", "'\\''", ";", "b'#'", ";", "'é'", ";", "'['", "}"
            ]
        );
    }

    #[test]
    fn raw_identifiers_and_numbers() {
        assert_eq!(
            texts("r#mod 1..2 1.5e3 0x1F_u8 t.0.1 r#\"s\"#"),
            [
                "r#mod", "1", ".", ".", "2", "1.5e3", "0x1F_u8", "t", ".", "0.1", "r#\"s\"#"
            ]
        );
    }

    #[test]
    fn a_shebang_is_skipped_but_an_inner_attribute_is_not() {
        assert_eq!(texts("#!/usr/bin/env run\nx"), ["x"]);
        assert_eq!(texts("#![allow(x)]")[..3], ["#", "!", "["]);
    }

    #[test]
    fn delimiters_know_their_partners() {
        let source = Source::new("a(b[c]{d})");
        assert_eq!(source.partner[1], Some(9));
        assert_eq!(source.partner[3], Some(5));
        assert_eq!(source.partner[6], Some(8));
        assert_eq!(source.partner[0], None);
    }

    #[test]
    fn string_values() {
        assert_eq!(string_value(r#""a/b.rs""#).as_deref(), Some("a/b.rs"));
        assert_eq!(string_value(r#""a\"b""#).as_deref(), Some("a\"b"));
        assert_eq!(string_value(r###"r#"x"y"#"###).as_deref(), Some("x\"y"));
        assert_eq!(string_value("'a'"), None);
        assert_eq!(string_value(r#""\x41""#), None);
    }

    #[test]
    fn unterminated_input_still_ends() {
        for text in ["\"abc", "/* abc", "r#\"abc", "'", "b'", "r#"] {
            let _ = Source::new(text);
        }
    }
}
