//! `[poll]`: whether and how often to ask the market-data API, where, and
//! with which key. The interval and the URL can also come from a flag, and
//! the key from the environment: each goes through the same check here.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::env::{DEMO_KEY_VAR, PRO_KEY_VAR};
use super::error::Bad;
use super::notify::{RawCommand, argv};
use super::toml_value::{AUrl, Calls, Days, Flag, Seconds, Text, what};
use super::values::MAX_INTERVAL;
use crate::market::coingecko::{self, ApiKey};
use crate::market::plan::MIN_INTERVAL;

what! {
    ASecret = "the key in quotes";
    AFallback = "\"defillama\" or \"off\"";
}

/// `[poll]` as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a section")]
pub(super) struct RawPoll {
    enabled: Option<Spanned<Flag>>,
    interval: Option<Spanned<Seconds>>,
    monthly_calls: Option<Spanned<Calls>>,
    api_url: Option<Spanned<Text<AUrl>>>,
    bell: Option<Spanned<Flag>>,
    api_key: Option<Spanned<Text<ASecret>>>,
    pro_api_key: Option<Spanned<Text<ASecret>>>,
    api_key_command: Option<RawCommand>,
    pro_api_key_command: Option<RawCommand>,
    key_rotate_days: Option<Spanned<Days>>,
    fallback: Option<Spanned<Text<AFallback>>>,
}

/// What `[poll]` sets, checked; `None` where it is silent.
#[derive(Default)]
pub(super) struct PollFile {
    pub(super) enabled: Option<bool>,
    pub(super) interval: Option<Duration>,
    pub(super) monthly_calls: Option<u64>,
    pub(super) api_url: Option<String>,
    pub(super) bell: Option<bool>,
    /// The pro key if the section has one, else the demo key.
    pub(super) api_key: Option<SecretKey>,
    /// Where the first key is (either makes the file secret), and its
    /// dotted name.
    pub(super) key_at: Option<(Range<usize>, &'static str)>,
    /// When the file gives no key: the command that prints one, the kind
    /// of key it prints, where it is and its dotted name.
    pub(super) key_command: Option<(KeyKind, Vec<String>, Range<usize>, &'static str)>,
    /// Days a key may be in use before prelist says to rotate it.
    pub(super) key_rotate_days: Option<u32>,
    /// Whether DefiLlama is asked while CoinGecko is unusable.
    pub(super) fallback: Option<bool>,
}

impl TryFrom<RawPoll> for PollFile {
    type Error = Bad;

    fn try_from(raw: RawPoll) -> Result<PollFile, Bad> {
        let interval = Bad::check(raw.interval, "interval", |n| check_interval(n.0))?;
        let monthly_calls = Bad::check(raw.monthly_calls, "monthly_calls", |n| {
            check_monthly_calls(n.0)
        })?;
        let key_rotate_days = Bad::check(raw.key_rotate_days, "key_rotate_days", |n| {
            u32::try_from(n.0)
                .ok()
                .filter(|d| *d <= MAX_ROTATE_DAYS)
                .ok_or_else(|| {
                    format!(
                        "{} is out of range: give 0 (never) to {MAX_ROTATE_DAYS} days",
                        crate::text::number(n.0 as f64)
                    )
                })
        })?;
        let fallback = Bad::check(raw.fallback, "fallback", |name| fallback_named(&name.0))?;
        let api_url = Bad::check(raw.api_url, "api_url", |url| {
            check_url(&url.0).map(|()| url.0)
        })?;
        let secret = |value: Option<Spanned<Text<ASecret>>>, kind: KeyKind| {
            let Some(value) = value else {
                return Ok(None);
            };
            let span = value.span();
            let text = value.into_inner().0;
            if text.trim().is_empty() {
                return Ok(None);
            }
            SecretKey::new(kind, &text)
                .map(|key| Some((key, span.clone())))
                .map_err(|m| Bad::new(kind.file_key(), span, m))
        };
        let demo = secret(raw.api_key, KeyKind::Demo)?;
        let pro = secret(raw.pro_api_key, KeyKind::Pro)?;
        let command = |value: Option<RawCommand>, kind: KeyKind, given: bool| {
            let Some(value) = value else {
                return Ok(None);
            };
            let span = value.span();
            let key = kind.file_key();
            let argv = argv(value, &format!("{key}_command"))?;
            if argv.is_empty() {
                return Ok(None);
            }
            if given {
                return Err(Bad::new(
                    &format!("{key}_command"),
                    span,
                    format!("give {key} or {key}_command, not both"),
                ));
            }
            Ok(Some((kind, argv, span)))
        };
        let demo_command = command(raw.api_key_command, KeyKind::Demo, demo.is_some())?;
        let pro_command = command(raw.pro_api_key_command, KeyKind::Pro, pro.is_some())?;
        // The pro key wins, as in the environment; a key in the file wins
        // over a command of the other kind.
        let key_command = if pro.is_some() || demo.is_some() && pro_command.is_none() {
            None
        } else {
            pro_command
                .map(|(k, a, s)| (k, a, s, "poll.pro_api_key_command"))
                .or(demo_command.map(|(k, a, s)| (k, a, s, "poll.api_key_command")))
        };
        let key_at = [
            demo.as_ref().map(|(_, s)| (s.clone(), "poll.api_key")),
            pro.as_ref().map(|(_, s)| (s.clone(), "poll.pro_api_key")),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(span, _)| span.start);
        Ok(PollFile {
            enabled: raw.enabled.map(|b| b.into_inner().0),
            interval,
            monthly_calls,
            api_url,
            bell: raw.bell.map(|b| b.into_inner().0),
            // The pro key wins, as in the environment.
            api_key: if key_command.is_some() {
                None
            } else {
                pro.or(demo).map(|(key, _)| key)
            },
            key_at,
            key_command,
            key_rotate_days,
            fallback,
        })
    }
}

/// Whether `[poll] fallback` (or `PRELIST_FALLBACK`) asks for one:
/// "defillama" or "off", in any case.
pub(super) fn fallback_named(name: &str) -> Result<bool, String> {
    match name.trim().to_lowercase().as_str() {
        "defillama" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!(
            "unknown fallback {:?}: give \"defillama\" or \"off\"",
            crate::text::clean(name.trim())
        )),
    }
}

/// The poll interval, from the file or `--interval`: at least
/// [`MIN_INTERVAL`], at most [`MAX_INTERVAL`]. Takes any whole number, so
/// that the message can say what range whatever was given.
pub(super) fn check_interval(secs: i128) -> Result<Duration, String> {
    let (min, max) = (MIN_INTERVAL.as_secs(), MAX_INTERVAL.as_secs());
    match i64::try_from(secs) {
        Err(_) => Err(format!(
            "{secs} is out of range: give {min} to {max} seconds"
        )),
        Ok(secs) if secs < min as i64 => {
            Err(format!("{secs} is below the minimum of {min} seconds"))
        }
        Ok(secs) if secs > max as i64 => Err(format!(
            "{secs} is above the maximum of {max} seconds (a day)"
        )),
        Ok(secs) => Ok(Duration::from_secs(secs as u64)),
    }
}

/// The calls a month of `poll.monthly_calls`: at least one.
fn check_monthly_calls(calls: i128) -> Result<u64, String> {
    if calls <= 0 {
        return Err(format!(
            "{calls} calls a month leaves nothing to poll with: give the number your plan \
             allows, above 0"
        ));
    }
    u64::try_from(calls).map_err(|_| format!("{calls} is out of range"))
}

/// Whether `url` can be the API's base URL, from the file or `--api-url`.
/// The message quotes the URL with any credentials and query values hidden.
pub(super) fn check_url(url: &str) -> Result<(), String> {
    let shown = || coingecko::redact_url(url);
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        Ok(_) => Err(format!("{:?} is not an http or https URL", shown())),
        Err(e) => Err(format!("{:?} is not a URL: {e}", shown())),
    }
}

/// Which kind of CoinGecko key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A demo key, sent as `x-cg-demo-api-key` to the public API.
    Demo,
    /// A pro key, sent as `x-cg-pro-api-key` to the pro API.
    Pro,
}

impl KeyKind {
    /// The environment variable that holds this kind of key.
    pub fn env_var(self) -> &'static str {
        match self {
            KeyKind::Demo => DEMO_KEY_VAR,
            KeyKind::Pro => PRO_KEY_VAR,
        }
    }

    /// The key's name in `[poll]`.
    pub fn file_key(self) -> &'static str {
        match self {
            KeyKind::Demo => "api_key",
            KeyKind::Pro => "pro_api_key",
        }
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            KeyKind::Demo => "demo key",
            KeyKind::Pro => "pro key",
        }
    }
}

/// The longest `key_rotate_days`: ten years.
pub const MAX_ROTATE_DAYS: u32 = 3650;

/// Days a key is in use before prelist says to rotate it, by default.
pub const DEFAULT_ROTATE_DAYS: u32 = 90;

/// An API key, checked to be sendable in a header. Its `Debug` never shows
/// the key, and nothing here prints it.
#[derive(Clone)]
pub struct SecretKey {
    kind: KeyKind,
    value: String,
    api: ApiKey,
}

impl SecretKey {
    /// Fails, without quoting the key, when it cannot go in a header.
    pub fn new(kind: KeyKind, value: &str) -> Result<SecretKey, String> {
        let api = match kind {
            KeyKind::Demo => ApiKey::demo(value),
            KeyKind::Pro => ApiKey::pro(value),
        }
        .map_err(|_| "the key holds characters an HTTP header cannot carry".to_string())?;
        Ok(SecretKey {
            kind,
            value: value.trim().to_string(),
            api,
        })
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The key, for the market client.
    pub fn api_key(&self) -> &ApiKey {
        &self.api
    }

    /// What names the key without giving it away: the first 8 hex digits
    /// of its SHA-256. Kept in the state to count its days in use.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.value.as_bytes());
        digest[..4].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// "key 3f9a0c12, in use for 97 days: rotate it", once the key first
    /// used at `first_used` has been in use `rotate_days` days (0: never).
    pub fn rotation_warning(&self, first_used: i64, now: i64, rotate_days: u32) -> Option<String> {
        let days = now.saturating_sub(first_used) / 86_400;
        (rotate_days > 0 && days >= i64::from(rotate_days)).then(|| {
            format!(
                "key {}, in use for {days} days: rotate it",
                self.fingerprint()
            )
        })
    }

    /// The key itself. Never print it.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &SecretKey) -> bool {
        self.kind == other.kind && self.value == other.value
    }
}

impl Eq for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({:?}: [redacted])", self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_named_by_its_fingerprint_and_due_after_its_days() {
        // SHA-256("abc") = ba7816bf…
        let key = SecretKey::new(KeyKind::Demo, "abc").unwrap();
        assert_eq!(key.fingerprint(), "ba7816bf");
        let t0 = 1_800_000_000;
        let day = 86_400;
        assert_eq!(
            key.rotation_warning(t0, t0 + 91 * day + 5, 90).as_deref(),
            Some("key ba7816bf, in use for 91 days: rotate it")
        );
        assert_eq!(key.rotation_warning(t0, t0 + 89 * day, 90), None);
        assert_eq!(
            key.rotation_warning(t0, t0 + 900 * day, 0),
            None,
            "0: never"
        );
        // A clock set back is no age.
        assert_eq!(key.rotation_warning(t0, t0 - 100 * day, 90), None);
    }
}
