//! The [`Probe`] a function under the suite receives, and the per-run
//! [`Context`] behind it: the sandbox, the canary, the tokens, the listener,
//! the secrets and the account, all made up fresh for each vector's test.

use super::Vector;
use super::generate::{self, SecretKind};
use super::listener::Listener;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One payload, with everything the oracles planted around it.
///
/// A `#[security_suite]` function taking `probe: &Probe` gets one per
/// payload. Use [`payload`](Probe::payload) as the untrusted input, and the
/// rest as the function's configuration: serve files from
/// [`sandbox_root`](Probe::sandbox_root), hold the secrets of
/// [`secret`](Probe::secret), check logins against
/// [`account`](Probe::account) and tokens with [`jwt_key`](Probe::jwt_key).
///
/// ```
/// use leanvibe_test::security::{Probe, SecretKind, Vector};
///
/// let probe = Probe::standalone(Vector::PathTraversal, "../x").unwrap();
/// assert_eq!(probe.payload(), "../x");
/// assert!(probe.sandbox_root().is_dir());
/// assert!(probe.secret(SecretKind::ApiKey).starts_with("sk_live_"));
/// ```
#[derive(Clone)]
pub struct Probe {
    context: Arc<Context>,
    id: String,
    /// Shared: a probe is cloned per call, and payloads reach 16 MiB.
    payload: Arc<str>,
    credentials: Credentials,
}

impl fmt::Debug for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Probe")
            .field("vector", &self.context.vector)
            .field("id", &self.id)
            .field("payload", &super::finding::escape(&self.payload, 80))
            .finish_non_exhaustive()
    }
}

impl Probe {
    /// Where this probe's call's output is captured.
    pub(crate) fn capture_dir(&self) -> &std::path::Path {
        &self.context.capture_dir
    }

    pub(crate) fn new(context: Arc<Context>, id: String, payload: String) -> Probe {
        let credentials = if context.vector == Vector::AuthBypass {
            Credentials::parse(&payload)
        } else {
            Credentials::default()
        };
        Probe {
            context,
            id,
            payload: payload.into(),
            credentials,
        }
    }

    /// A probe outside any suite, with a fresh sandbox, listener and secrets:
    /// for examples and for unit tests of a handler.
    ///
    /// ```
    /// use leanvibe_test::security::{Probe, Vector};
    /// let probe = Probe::standalone(Vector::Xss, "<b>").unwrap();
    /// assert_eq!(probe.vector(), Vector::Xss);
    /// ```
    pub fn standalone(vector: Vector, payload: &str) -> std::io::Result<Probe> {
        let context = Arc::new(Context::new(vector, 200)?);
        Ok(Probe::new(context, "doc".into(), payload.into()))
    }

    /// The untrusted input.
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// The payload's id in the corpus (`pt-nested-strip`).
    pub fn payload_id(&self) -> &str {
        &self.id
    }

    /// The vector being tested.
    pub fn vector(&self) -> Vector {
        self.context.vector
    }

    /// A directory the function may serve files from. It holds `readme.txt`
    /// and `docs/guide.txt`; the canary files sit outside it, one and two
    /// levels up.
    pub fn sandbox_root(&self) -> &Path {
        &self.context.sandbox_root
    }

    /// The loopback listener's base URL, `http://127.0.0.1:<port>/`: what
    /// `ssrf` payloads point at. A function must never fetch it.
    pub fn canary_url(&self) -> &str {
        &self.context.canary_url
    }

    /// A secret of `kind`, generated for this run, for the function to hold
    /// as configuration or input. Seeing it in any output is a finding.
    pub fn secret(&self, kind: SecretKind) -> &str {
        self.context
            .secrets
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| v.as_str())
            .expect("every kind is generated")
    }

    /// The credentials this payload presents (`auth_bypass`; empty for
    /// other vectors). None of them is valid: accepting one is a finding.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The one valid account, for the function to check logins against.
    pub fn account(&self) -> Account<'_> {
        Account {
            user: &self.context.user,
            password: &self.context.password,
        }
    }

    /// The HS256 key valid tokens are signed with, for the function to
    /// verify tokens with.
    pub fn jwt_key(&self) -> &[u8] {
        &self.context.jwt_key
    }

    /// A valid token for the account's user, signed with
    /// [`jwt_key`](Probe::jwt_key): what a careful verifier accepts.
    pub fn valid_jwt(&self) -> String {
        generate::jwt_hs256(
            &self.context.jwt_key,
            &self.context.user,
            generate::now() + 3600,
        )
    }

    pub(crate) fn context(&self) -> &Context {
        &self.context
    }
}

/// The valid login of an `auth_bypass` run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account<'a> {
    /// The user name (`admin`).
    pub user: &'a str,
    /// Its password, random per run.
    pub password: &'a str,
}

/// Credentials an `auth_bypass` payload presents; `None` means absent.
///
/// ```
/// use leanvibe_test::security::Credentials;
/// let c = Credentials::parse("user=admin|password=");
/// assert_eq!(c.user.as_deref(), Some("admin"));
/// assert_eq!(c.password.as_deref(), Some(""));
/// assert_eq!(c.token, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// A user name.
    pub user: Option<String>,
    /// A password.
    pub password: Option<String>,
    /// A bearer token (a JWT, for most payloads).
    pub token: Option<String>,
}

impl Credentials {
    /// Reads `user=...|password=...|token=...` (each part optional).
    pub fn parse(text: &str) -> Credentials {
        let mut credentials = Credentials::default();
        for part in text.split('|').filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let slot = match key {
                "user" => &mut credentials.user,
                "password" => &mut credentials.password,
                "token" => &mut credentials.token,
                _ => continue,
            };
            *slot = Some(value.to_string());
        }
        credentials
    }
}

/// Everything made up for one vector's test.
pub(crate) struct Context {
    pub(crate) vector: Vector,
    _dir: tempfile::TempDir,
    /// The test's temporary directory (the sandbox, canaries, markers).
    pub(crate) dir: PathBuf,
    /// Where each call's output is captured: named files, so that a call
    /// that crashes the worker leaves its output for the resumed run (see
    /// `crash`).
    pub(crate) capture_dir: PathBuf,
    pub(crate) sandbox_root: PathBuf,
    /// The canary files' contents: seeing it means a file outside the root
    /// was read.
    pub(crate) canary_token: String,
    /// What `command_injection` payloads echo: only a shell joining the two
    /// halves around `''` produces it.
    pub(crate) command_token: String,
    /// The file `command_injection` payloads try to create.
    pub(crate) marker: PathBuf,
    /// `A*B` of the `template_injection` payloads.
    pub(crate) product: String,
    pub(crate) canary_url: String,
    pub(crate) listener: Listener,
    pub(crate) secrets: Vec<(SecretKind, String)>,
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) jwt_key: Vec<u8>,
    /// `sql_injection` sleep length.
    pub(crate) delay_ms: u64,
    /// Placeholder values for [`super::corpus::fill`].
    pub(crate) values: HashMap<String, String>,
}

impl Context {
    pub(crate) fn new(vector: Vector, delay_ms: u64) -> std::io::Result<Context> {
        let mut rng = fastrand::Rng::new();
        let dir = tempfile::Builder::new()
            .prefix("leanvibe-security-")
            .tempdir()?;
        let sandbox_root = dir.path().join("sandbox").join("data");
        let capture_dir = dir.path().join("capture");
        std::fs::create_dir_all(&capture_dir)?;
        std::fs::create_dir_all(sandbox_root.join("docs"))?;
        std::fs::write(sandbox_root.join("readme.txt"), "readme of the sandbox\n")?;
        std::fs::write(sandbox_root.join("docs").join("guide.txt"), "guide\n")?;
        let canary_token = format!("canary{}", generate::token(&mut rng, 20));
        let canary_name = format!("secret-{}.txt", generate::token(&mut rng, 8));
        // Two copies, one and two levels above the root, so payloads with
        // either depth of `../` reach one.
        let canary_abs = dir.path().join(&canary_name);
        std::fs::write(&canary_abs, format!("{canary_token}\n"))?;
        std::fs::write(
            dir.path().join("sandbox").join(&canary_name),
            format!("{canary_token}\n"),
        )?;
        let (left, right) = (generate::token(&mut rng, 10), generate::token(&mut rng, 10));
        let command_token = format!("{left}{right}");
        let markers = dir.path().join("markers");
        std::fs::create_dir_all(&markers)?;
        let marker = markers.join(format!("marker-{}", generate::token(&mut rng, 8)));
        let (a, b) = (rng.u64(100_000..1_000_000), rng.u64(100_000..1_000_000));
        let listener = Listener::start(format!("listener {canary_token}"))?;
        let canary_url = format!("http://127.0.0.1:{}/", listener.port());
        let jwt_key =
            generate::random_string(&mut rng, b"abcdefghijklmnopqrstuvwxyz0123456789", 32)
                .into_bytes();
        let secrets = SecretKind::ALL
            .into_iter()
            .map(|kind| (kind, generate::secret(&mut rng, kind, &jwt_key)))
            .collect();
        let user = "admin".to_string();
        let password = generate::random_string(
            &mut rng,
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            16,
        );
        let mut values = HashMap::new();
        let mut set = |k: &str, v: String| {
            values.insert(k.to_string(), v);
        };
        set("CANARY", canary_name);
        set("CANARY_ABS", canary_abs.display().to_string());
        set("SPLIT", format!("{left}''{right}"));
        set("MARKER", marker.display().to_string());
        set("A", a.to_string());
        set("B", b.to_string());
        set("PORT", listener.port().to_string());
        set("DELAY", format!("{:.1}", delay_ms as f64 / 1000.0));
        set("DELAY_HMS", format!("00:00:00.{delay_ms:03}"));
        set("USER", user.clone());
        set("USER_UPPER", user.to_uppercase());
        set("USER_FULLWIDTH", fullwidth(&user));
        set("PASSWORD", password.clone());
        set("PASSWORD_SWAPCASE", swap_case(&password));
        set("JWT_NONE", generate::jwt_none(&user));
        set(
            "JWT_EXPIRED",
            generate::jwt_hs256(&jwt_key, &user, generate::now() - 3600),
        );
        let wrong_key = generate::token(&mut rng, 32).into_bytes();
        set(
            "JWT_BAD_SIGNATURE",
            generate::jwt_hs256(&wrong_key, &user, generate::now() + 3600),
        );
        set("JWT_MALFORMED", "eyJhbGciOiJIUzI1NiJ9.not-json".to_string());
        set(
            "JWT_NO_SIGNATURE",
            generate::jwt_without_signature(&jwt_key, &user),
        );
        Ok(Context {
            vector,
            dir: dir.path().to_path_buf(),
            capture_dir,
            _dir: dir,
            sandbox_root,
            canary_token,
            command_token,
            marker,
            product: (a * b).to_string(),
            canary_url,
            listener,
            secrets,
            user,
            password,
            jwt_key,
            delay_ms,
            values,
        })
    }
}

/// ASCII letters as their fullwidth forms (`admin` → `ａｄｍｉｎ`).
fn fullwidth(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn swap_case(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canaries_sit_outside_the_root() {
        let context = Context::new(Vector::PathTraversal, 200).unwrap();
        let name = &context.values["CANARY"];
        let one_up = context.sandbox_root.join("..").join(name);
        let two_up = context.sandbox_root.join("../..").join(name);
        for path in [one_up, two_up] {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains(&context.canary_token), "{}", path.display());
        }
        assert!(!context.marker.exists());
    }

    #[test]
    fn fullwidth_and_swapped_case() {
        assert_eq!(fullwidth("admin"), "ａｄｍｉｎ");
        assert_eq!(swap_case("aB1"), "Ab1");
    }
}
