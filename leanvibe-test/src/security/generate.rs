//! Values the suite makes up per run: secrets of every kind, credentials and
//! JSON Web Tokens. Random, so a leak cannot be a coincidence and a test
//! cannot hard-code them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{SystemTime, UNIX_EPOCH};

/// The kinds of secret a probe hands the function (`probe.secret(kind)`).
///
/// ```
/// use leanvibe_test::security::SecretKind;
/// assert_eq!(SecretKind::ALL.len(), 8);
/// assert_eq!(SecretKind::CardNumber.name(), "card-number");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretKind {
    /// A Stripe-style live API key, `sk_live_` and 24 characters.
    ApiKey,
    /// An AWS access key id, `AKIA` and 16 characters.
    AwsAccessKey,
    /// A GitHub personal access token, `ghp_` and 36 characters.
    GithubToken,
    /// A 20-character random password.
    Password,
    /// A 16-digit card number that passes the Luhn check.
    CardNumber,
    /// A US social security number, `AAA-GG-SSSS`, in the valid ranges.
    Ssn,
    /// A PEM `PRIVATE KEY` block.
    PrivateKey,
    /// A signed HS256 JSON Web Token.
    Jwt,
}

impl SecretKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [SecretKind; 8] = [
        SecretKind::ApiKey,
        SecretKind::AwsAccessKey,
        SecretKind::GithubToken,
        SecretKind::Password,
        SecretKind::CardNumber,
        SecretKind::Ssn,
        SecretKind::PrivateKey,
        SecretKind::Jwt,
    ];

    /// The name findings use.
    pub fn name(self) -> &'static str {
        match self {
            SecretKind::ApiKey => "api-key",
            SecretKind::AwsAccessKey => "aws-access-key",
            SecretKind::GithubToken => "github-token",
            SecretKind::Password => "password",
            SecretKind::CardNumber => "card-number",
            SecretKind::Ssn => "ssn",
            SecretKind::PrivateKey => "private-key",
            SecretKind::Jwt => "jwt",
        }
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// `len` characters drawn from `alphabet`.
pub(crate) fn random_string(rng: &mut fastrand::Rng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.usize(..alphabet.len())]))
        .collect()
}

/// A lower-case alphanumeric token, for canaries and markers.
pub(crate) fn token(rng: &mut fastrand::Rng, len: usize) -> String {
    random_string(rng, b"abcdefghijklmnopqrstuvwxyz0123456789", len)
}

/// A fresh secret of `kind`.
pub(crate) fn secret(rng: &mut fastrand::Rng, kind: SecretKind, jwt_key: &[u8]) -> String {
    match kind {
        SecretKind::ApiKey => format!("sk_live_{}", random_string(rng, ALNUM, 24)),
        SecretKind::AwsAccessKey => format!("AKIA{}", random_string(rng, UPPER_DIGITS, 16)),
        SecretKind::GithubToken => format!("ghp_{}", random_string(rng, ALNUM, 36)),
        SecretKind::Password => random_string(rng, ALNUM, 20),
        SecretKind::CardNumber => card_number(rng),
        SecretKind::Ssn => format!(
            "{:03}-{:02}-{:04}",
            rng.u32(100..=665),
            rng.u32(10..=99),
            rng.u32(1000..=9999)
        ),
        SecretKind::PrivateKey => {
            let body = random_string(
                rng,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                64,
            );
            format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----")
        }
        SecretKind::Jwt => jwt_hs256(jwt_key, "service", now() + 3600),
    }
}

/// A Visa-style 16-digit number whose last digit makes the Luhn sum right.
fn card_number(rng: &mut fastrand::Rng) -> String {
    let mut digits: Vec<u32> = vec![4];
    digits.extend((0..14).map(|_| rng.u32(0..10)));
    digits.push(luhn_check_digit(&digits));
    digits
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
        .collect()
}

/// The digit that, appended to `digits`, makes a valid Luhn number.
fn luhn_check_digit(digits: &[u32]) -> u32 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// Whether `number` passes the Luhn check.
#[cfg(test)]
fn luhn_valid(number: &str) -> bool {
    let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    match digits.split_last() {
        Some((last, rest)) => luhn_check_digit(rest) == *last,
        None => false,
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn claims(subject: &str, exp: u64) -> String {
    format!("{{\"sub\":\"{subject}\",\"iat\":{},\"exp\":{exp}}}", now())
}

/// An HS256 token for `subject`, expiring at `exp`, signed with `key`.
pub(crate) fn jwt_hs256(key: &[u8], subject: &str, exp: u64) -> String {
    let signing_input = format!(
        "{}.{}",
        b64(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64(claims(subject, exp).as_bytes())
    );
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(signing_input.as_bytes());
    let signature = mac.finalize().into_bytes();
    format!("{signing_input}.{}", b64(&signature))
}

/// An unsigned token with `"alg":"none"` (CVE-2015-9235).
pub(crate) fn jwt_none(subject: &str) -> String {
    format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(subject, now() + 3600).as_bytes())
    )
}

/// A valid-looking HS256 token with its signature removed.
pub(crate) fn jwt_without_signature(key: &[u8], subject: &str) -> String {
    let token = jwt_hs256(key, subject, now() + 3600);
    let cut = token.rfind('.').map_or(token.len(), |i| i + 1);
    token[..cut].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_pass_luhn() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..100 {
            let number = card_number(&mut rng);
            assert_eq!(number.len(), 16);
            assert!(luhn_valid(&number), "{number}");
        }
        assert!(luhn_valid("4111111111111111"));
        assert!(!luhn_valid("4111111111111112"));
    }

    #[test]
    fn the_detector_sees_the_generated_secrets() {
        let detector = crate::secrets::SecretDetector::new();
        let mut rng = fastrand::Rng::with_seed(1);
        for kind in [
            SecretKind::ApiKey,
            SecretKind::AwsAccessKey,
            SecretKind::GithubToken,
            SecretKind::PrivateKey,
            SecretKind::Jwt,
        ] {
            let secret = secret(&mut rng, kind, b"key");
            assert!(!detector.find(&secret).is_empty(), "{kind:?}: {secret}");
        }
    }

    #[test]
    fn tokens_have_three_parts() {
        assert_eq!(jwt_hs256(b"k", "admin", 1).split('.').count(), 3);
        assert!(jwt_none("admin").ends_with('.'));
        assert!(jwt_without_signature(b"k", "admin").ends_with('.'));
    }
}
