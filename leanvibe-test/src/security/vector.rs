//! The attack vectors the suite knows, their names and what they need.

use std::fmt;

/// One class of attack. Each vector of a `#[security_suite]` becomes its own
/// test, named `<function>::<vector>` and tagged `security` and `<vector>`.
///
/// ```
/// use leanvibe_test::security::Vector;
///
/// let vector = Vector::from_name("path_traversal").unwrap();
/// assert_eq!(vector.name(), "path_traversal");
/// assert!(vector.needs_probe(), "the function must know the sandbox root");
/// assert_eq!(Vector::ALL.len(), 14);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Vector {
    /// SQL and NoSQL injection: union, boolean, time-based, stacked, operators.
    SqlInjection,
    /// Cross-site scripting: tags, event handlers, `javascript:` URLs, polyglots.
    Xss,
    /// Reading files outside a root with `../`, encodings and absolute paths.
    PathTraversal,
    /// Shell metacharacters that run a command.
    CommandInjection,
    /// Server-side template expressions that get evaluated.
    TemplateInjection,
    /// LDAP filter metacharacters.
    LdapInjection,
    /// XML external entities and entity expansion.
    Xxe,
    /// CR/LF that split an HTTP header.
    HeaderInjection,
    /// CR/LF/ESC that forge log lines or drive a terminal; `${jndi:...}`.
    LogInjection,
    /// Requests to internal addresses in every notation.
    Ssrf,
    /// `__proto__` and `constructor.prototype` keys.
    PrototypePollution,
    /// Leaking the secrets the function was configured with.
    Secrets,
    /// Inputs from 64 KiB to 16 MiB, 100 000-deep nesting, long paths.
    Oversize,
    /// Missing, empty, malformed and case-variant credentials.
    AuthBypass,
}

impl Vector {
    /// Every vector, in the order tests are registered and documented.
    pub const ALL: [Vector; 14] = [
        Vector::SqlInjection,
        Vector::Xss,
        Vector::PathTraversal,
        Vector::CommandInjection,
        Vector::TemplateInjection,
        Vector::LdapInjection,
        Vector::Xxe,
        Vector::HeaderInjection,
        Vector::LogInjection,
        Vector::Ssrf,
        Vector::PrototypePollution,
        Vector::Secrets,
        Vector::Oversize,
        Vector::AuthBypass,
    ];

    /// The name used in `vectors = [...]`, test names and tags.
    ///
    /// ```
    /// assert_eq!(leanvibe_test::security::Vector::Xss.name(), "xss");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Vector::SqlInjection => "sql_injection",
            Vector::Xss => "xss",
            Vector::PathTraversal => "path_traversal",
            Vector::CommandInjection => "command_injection",
            Vector::TemplateInjection => "template_injection",
            Vector::LdapInjection => "ldap_injection",
            Vector::Xxe => "xxe",
            Vector::HeaderInjection => "header_injection",
            Vector::LogInjection => "log_injection",
            Vector::Ssrf => "ssrf",
            Vector::PrototypePollution => "prototype_pollution",
            Vector::Secrets => "secrets",
            Vector::Oversize => "oversize",
            Vector::AuthBypass => "auth_bypass",
        }
    }

    /// The vector named `name`, if there is one.
    ///
    /// ```
    /// use leanvibe_test::security::Vector;
    /// assert_eq!(Vector::from_name("ssrf"), Some(Vector::Ssrf));
    /// assert_eq!(Vector::from_name("sqli"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Vector> {
        Vector::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Whether the function must take `probe: &Probe` for this vector: the
    /// payload alone cannot reach the sandbox root (`path_traversal`), the
    /// generated secrets (`secrets`) or the offered credentials
    /// (`auth_bypass`).
    ///
    /// ```
    /// use leanvibe_test::security::Vector;
    /// assert!(Vector::Secrets.needs_probe());
    /// assert!(!Vector::Xss.needs_probe());
    /// ```
    pub fn needs_probe(self) -> bool {
        matches!(
            self,
            Vector::PathTraversal | Vector::Secrets | Vector::AuthBypass
        )
    }

    /// The one-line fix a finding of this vector suggests.
    ///
    /// ```
    /// let hint = leanvibe_test::security::Vector::PathTraversal.fix_hint();
    /// assert!(hint.contains("canonicalise"));
    /// ```
    pub fn fix_hint(self) -> &'static str {
        match self {
            Vector::SqlInjection => {
                "use parameterised queries (bind the value), never string concatenation"
            }
            Vector::Xss => "HTML-escape untrusted text for its context before it reaches markup",
            Vector::PathTraversal => {
                "canonicalise the path and check it stays under the root; reject absolute paths"
            }
            Vector::CommandInjection => {
                "run the program directly with arguments (no `sh -c`), and allowlist values"
            }
            Vector::TemplateInjection => {
                "never render user input as a template; pass it as a variable, escaped"
            }
            Vector::LdapInjection => "escape LDAP filter metacharacters (RFC 4515) in values",
            Vector::Xxe => "disable DTDs and external entities in the XML parser",
            Vector::HeaderInjection => "reject or encode CR and LF in header names and values",
            Vector::LogInjection => {
                "escape CR, LF and ESC (or log structured fields) before writing logs"
            }
            Vector::Ssrf => {
                "allowlist hosts and resolve-then-check addresses; block loopback and internal ranges"
            }
            Vector::PrototypePollution => {
                "reject `__proto__`/`constructor`/`prototype` keys when merging objects"
            }
            Vector::Secrets => "keep secrets out of output, errors and logs; redact config dumps",
            Vector::Oversize => {
                "check sizes and nesting depth before parsing, and reject with a clear limit"
            }
            Vector::AuthBypass => {
                "verify credentials strictly: signature, algorithm allowlist, expiry, exact match"
            }
        }
    }
}

impl fmt::Display for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for vector in Vector::ALL {
            assert_eq!(Vector::from_name(vector.name()), Some(vector));
            assert!(!vector.fix_hint().is_empty());
        }
    }
}
