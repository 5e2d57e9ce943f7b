//! LDAP search filters in their string form (RFC 4515), parsed into a tree
//! the `ldap_injection` oracle compares.
//!
//! Written here rather than taken from a crate: the Rust LDAP crates either
//! parse the BER wire form only (`ldap-parser`, `ldap-client-proto`) or
//! bring a whole async client with them (`ldap3`), and the string grammar
//! is a page long.
//!
//! The grammar, as RFC 4515 section 3 gives it (with RFC 4526's empty `(&)`
//! and `(|)`):
//!
//! ```text
//! filter     = "(" filtercomp ")"
//! filtercomp = "&" *filter / "|" *filter / "!" filter / item
//! item       = attr "=*"                                  ; presence
//!            / attr ("=" / "~=" / ">=" / "<=") value       ; simple
//!            / attr "=" [value] "*" *(value "*") [value]   ; substrings
//!            / [attr] [":dn"] [":" oid] ":=" value         ; extensible
//! value      = *(char except NUL ( ) * \  /  "\" HEX HEX)
//! ```

use std::fmt;

/// How deep `(&(&(&...)))` may nest before the text is refused: deeper
/// than any real filter, shallow enough that recursion cannot overflow.
const MAX_DEPTH: usize = 64;

/// One parsed filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// `(attr=value)`, `(attr~=value)`, `(attr>=value)`, `(attr<=value)`.
    Simple {
        attr: String,
        op: Op,
        value: Vec<u8>,
    },
    /// `(attr=*)`: every entry that has the attribute.
    Present {
        attr: String,
    },
    /// `(attr=ini*any*fin)`: values with escapes decoded.
    Substring {
        attr: String,
        initial: Option<Vec<u8>>,
        any: Vec<Vec<u8>>,
        last: Option<Vec<u8>>,
    },
    /// `(attr:dn:rule:=value)`.
    Extensible {
        attr: Option<String>,
        dn: bool,
        rule: Option<String>,
        value: Vec<u8>,
    },
}

/// The comparison of a simple item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Equal,
    Approx,
    GreaterOrEqual,
    LessOrEqual,
}

impl Op {
    fn text(self) -> &'static str {
        match self {
            Op::Equal => "=",
            Op::Approx => "~=",
            Op::GreaterOrEqual => ">=",
            Op::LessOrEqual => "<=",
        }
    }
}

/// Why a text is not a filter, and at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) at: usize,
    pub(crate) expected: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {} at byte {}", self.expected, self.at)
    }
}

/// Parses one filter from the start of `text`, returning it and the number
/// of bytes it took (the rest of `text` is left alone).
pub(crate) fn parse_prefix(text: &[u8]) -> Result<(Filter, usize), ParseError> {
    let mut parser = Parser { text, at: 0 };
    let filter = parser.filter(0)?;
    Ok((filter, parser.at))
}

/// Parses `text`, which must be exactly one filter.
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Result<Filter, ParseError> {
    let (filter, used) = parse_prefix(text.as_bytes())?;
    if used == text.len() {
        Ok(filter)
    } else {
        Err(ParseError {
            at: used,
            expected: "the end of the filter",
        })
    }
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn fail<T>(&self, expected: &'static str) -> Result<T, ParseError> {
        Err(ParseError {
            at: self.at,
            expected,
        })
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), ParseError> {
        if self.eat(byte) {
            Ok(())
        } else {
            self.fail(expected)
        }
    }

    fn filter(&mut self, depth: usize) -> Result<Filter, ParseError> {
        if depth > MAX_DEPTH {
            return self.fail("a shallower filter");
        }
        self.expect(b'(', "`(`")?;
        let filter = match self.peek() {
            Some(b'&') => {
                self.at += 1;
                Filter::And(self.list(depth)?)
            }
            Some(b'|') => {
                self.at += 1;
                Filter::Or(self.list(depth)?)
            }
            Some(b'!') => {
                self.at += 1;
                Filter::Not(Box::new(self.filter(depth + 1)?))
            }
            _ => self.item()?,
        };
        self.expect(b')', "`)`")?;
        Ok(filter)
    }

    fn list(&mut self, depth: usize) -> Result<Vec<Filter>, ParseError> {
        let mut filters = Vec::new();
        while self.peek() == Some(b'(') {
            filters.push(self.filter(depth + 1)?);
        }
        Ok(filters)
    }

    fn item(&mut self) -> Result<Filter, ParseError> {
        let attr = if self.peek() == Some(b':') {
            None
        } else {
            Some(self.attr()?)
        };
        if self.peek() == Some(b':') {
            return self.extensible(attr);
        }
        let Some(attr) = attr else {
            return self.fail("an attribute");
        };
        let op = match self.peek() {
            Some(b'=') => Op::Equal,
            Some(b'~') => Op::Approx,
            Some(b'>') => Op::GreaterOrEqual,
            Some(b'<') => Op::LessOrEqual,
            _ => return self.fail("`=`, `~=`, `>=`, `<=` or `:`"),
        };
        if op != Op::Equal {
            self.at += 1;
        }
        self.expect(b'=', "`=`")?;
        let first = self.value()?;
        if op != Op::Equal || self.peek() != Some(b'*') {
            return Ok(Filter::Simple {
                attr,
                op,
                value: first,
            });
        }
        // A `*` after `=`: presence if it closes the item, else substrings.
        let mut pieces = vec![first];
        while self.eat(b'*') {
            pieces.push(self.value()?);
        }
        if pieces.len() == 2 && pieces.iter().all(Vec::is_empty) {
            return Ok(Filter::Present { attr });
        }
        let last = pieces.pop().filter(|p| !p.is_empty());
        let initial = Some(pieces.remove(0)).filter(|p| !p.is_empty());
        Ok(Filter::Substring {
            attr,
            initial,
            any: pieces,
            last,
        })
    }

    fn extensible(&mut self, attr: Option<String>) -> Result<Filter, ParseError> {
        let mut dn = false;
        let mut rule = None;
        // `:dn`, then `:rule`, then `:=`, each optional but the last.
        while self.eat(b':') {
            if self.eat(b'=') {
                if attr.is_none() && rule.is_none() {
                    return self.fail("a matching rule before `:=`");
                }
                let value = self.value()?;
                return Ok(Filter::Extensible {
                    attr,
                    dn,
                    rule,
                    value,
                });
            }
            let word = self.attr()?;
            if word.eq_ignore_ascii_case("dn") && !dn && rule.is_none() {
                dn = true;
            } else if rule.is_none() {
                rule = Some(word);
            } else {
                return self.fail("`:=`");
            }
        }
        self.fail("`:=`")
    }

    /// An attribute description: a name or dotted OID, then `;options`.
    fn attr(&mut self) -> Result<String, ParseError> {
        let start = self.at;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b';' | b'_') {
                self.at += 1;
            } else {
                break;
            }
        }
        if self.at == start {
            return self.fail("an attribute");
        }
        Ok(String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
    }

    /// An assertion value up to the next `*` or `)`, `\XX` decoded.
    fn value(&mut self) -> Result<Vec<u8>, ParseError> {
        let mut value = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'*' | b')') => return Ok(value),
                Some(b'(') => return self.fail("`\\28` for `(` in a value"),
                Some(0) => return self.fail("`\\00` for NUL in a value"),
                Some(b'\\') => {
                    let hex = self.text.get(self.at + 1..self.at + 3);
                    let byte = hex
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match byte {
                        Some(byte) => {
                            value.push(byte);
                            self.at += 3;
                        }
                        None => return self.fail("two hex digits after `\\`"),
                    }
                }
                Some(c) => {
                    value.push(c);
                    self.at += 1;
                }
            }
        }
    }
}

/// A filter with its values replaced by `…`, so two filters that differ
/// only in the values they assert print the same:
/// `(&(objectClass=…)(uid=…))`. Presence and wildcards stay visible (an
/// empty piece between two `*` shows as nothing: `(cn=**)`).
pub(crate) struct Skeleton<'a>(pub(crate) &'a Filter);

impl fmt::Display for Skeleton<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = |v: &[u8]| if v.is_empty() { "" } else { "…" };
        match self.0 {
            Filter::And(list) | Filter::Or(list) => {
                let op = if matches!(self.0, Filter::And(_)) {
                    '&'
                } else {
                    '|'
                };
                write!(f, "({op}")?;
                for filter in list {
                    write!(f, "{}", Skeleton(filter))?;
                }
                f.write_str(")")
            }
            Filter::Not(inner) => write!(f, "(!{})", Skeleton(inner)),
            // An empty value is still a value: `(uid=)` is the same item.
            Filter::Simple { attr, op, .. } => write!(f, "({attr}{}…)", op.text()),
            Filter::Present { attr } => write!(f, "({attr}=*)"),
            Filter::Substring {
                attr,
                initial,
                any,
                last,
            } => {
                write!(f, "({attr}={}*", value(initial.as_deref().unwrap_or(&[])))?;
                for piece in any {
                    write!(f, "{}*", value(piece))?;
                }
                write!(f, "{})", value(last.as_deref().unwrap_or(&[])))
            }
            Filter::Extensible { attr, dn, rule, .. } => {
                write!(f, "({}", attr.as_deref().unwrap_or(""))?;
                if *dn {
                    f.write_str(":dn")?;
                }
                if let Some(rule) = rule {
                    write!(f, ":{rule}")?;
                }
                f.write_str(":=…)")
            }
        }
    }
}

/// Two filters have the same structure: the same operators, items, kinds of
/// match and wildcard positions, whatever values they assert. Attribute
/// names compare case-insensitively, as LDAP does.
pub(crate) fn same_structure(a: &Filter, b: &Filter) -> bool {
    Skeleton(a)
        .to_string()
        .eq_ignore_ascii_case(&Skeleton(b).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skeleton(text: &str) -> String {
        Skeleton(&parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))).to_string()
    }

    #[test]
    fn parses_every_item_kind() {
        assert_eq!(
            parse("(uid=jdoe)").unwrap(),
            Filter::Simple {
                attr: "uid".into(),
                op: Op::Equal,
                value: b"jdoe".to_vec()
            }
        );
        assert_eq!(
            parse("(cn=*)").unwrap(),
            Filter::Present { attr: "cn".into() }
        );
        assert_eq!(
            parse("(cn=ab*c\\2a*d)").unwrap(),
            Filter::Substring {
                attr: "cn".into(),
                initial: Some(b"ab".to_vec()),
                any: vec![b"c*".to_vec()],
                last: Some(b"d".to_vec()),
            }
        );
        assert_eq!(skeleton("(sn~=smith)"), "(sn~=…)");
        assert_eq!(skeleton("(age>=21)"), "(age>=…)");
        assert_eq!(skeleton("(age<=65)"), "(age<=…)");
        assert_eq!(skeleton("(cn=*x*)"), "(cn=*…*)");
        assert_eq!(skeleton("(cn=x*)"), "(cn=…*)");
        assert_eq!(skeleton("(cn=)"), "(cn=…)");
    }

    #[test]
    fn parses_the_rfc_4515_examples() {
        for (text, expected) in [
            ("(cn=Babs Jensen)", "(cn=…)"),
            ("(!(cn=Tim Howes))", "(!(cn=…))"),
            (
                "(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))",
                "(&(objectClass=…)(|(sn=…)(cn=…*)))",
            ),
            ("(o=univ*of*mich*)", "(o=…*…*…*)"),
            ("(seeAlso=)", "(seeAlso=…)"),
            (
                "(cn:caseExactMatch:=Fred Flintstone)",
                "(cn:caseExactMatch:=…)",
            ),
            ("(cn:=Betty Rubble)", "(cn:=…)"),
            ("(sn:dn:2.4.6.8.10:=Barney Rubble)", "(sn:dn:2.4.6.8.10:=…)"),
            ("(o:dn:=Ace Industry)", "(o:dn:=…)"),
            (":1.2.3:=Wilma Flintstone)", ""),
            ("(:1.2.3:=Wilma Flintstone)", "(:1.2.3:=…)"),
            ("(:DN:2.4.6.8.10:=Dino)", "(:dn:2.4.6.8.10:=…)"),
            (
                "(o=Parens R Us \\28for all your parenthetical needs\\29)",
                "(o=…)",
            ),
            ("(cn=*\\2A*)", "(cn=*…*)"),
            ("(filename=C:\\5cMyFile)", "(filename=…)"),
            ("(bin=\\00\\00\\00\\04)", "(bin=…)"),
            ("(sn=Lu\\c4\\8di\\c4\\87)", "(sn=…)"),
            (
                "(1.3.6.1.4.1.1466.0=\\04\\02\\48\\69)",
                "(1.3.6.1.4.1.1466.0=…)",
            ),
            ("(&)", "(&)"),
        ] {
            if expected.is_empty() {
                assert!(parse(text).is_err(), "{text}");
            } else {
                assert_eq!(skeleton(text), expected, "{text}");
            }
        }
    }

    #[test]
    fn decodes_escapes_into_bytes() {
        let Filter::Simple { value, .. } = parse("(cn=a\\2a\\28\\29\\5c\\00b)").unwrap() else {
            panic!("not a simple item");
        };
        assert_eq!(value, b"a*()\\\0b");
    }

    #[test]
    fn refuses_what_is_not_a_filter() {
        for text in [
            "uid=x",
            "(uid=x",
            "(uid=a(b)",
            "(uid=a\0b)",
            "(uid=\\zz)",
            "(uid=\\2)",
            "(=x)",
            "(uid)",
            "(!)",
            "(:=x)",
            "(cn:dn:rule:extra:=x)",
        ] {
            assert!(parse(text).is_err(), "{text:?} parsed");
        }
        let deep = "(!".repeat(200) + "(a=b)" + &")".repeat(200);
        assert_eq!(parse(&deep).unwrap_err().expected, "a shallower filter");
    }

    #[test]
    fn a_prefix_parse_stops_after_one_filter() {
        let (filter, used) = parse_prefix(b"(uid=*)(cn=x))").unwrap();
        assert_eq!(filter, Filter::Present { attr: "uid".into() });
        assert_eq!(used, 7);
    }

    #[test]
    fn structure_ignores_values_but_not_wildcards_or_attribute_case() {
        let a = parse("(&(objectClass=person)(uid=jdoe))").unwrap();
        let b = parse("(&(OBJECTCLASS=person)(uid=\\2a\\29\\28))").unwrap();
        let c = parse("(&(objectClass=person)(uid=*))").unwrap();
        let d = parse("(&(objectClass=person)(uid=j*))").unwrap();
        assert!(same_structure(&a, &b));
        assert!(!same_structure(&a, &c));
        assert!(!same_structure(&a, &d));
    }
}
