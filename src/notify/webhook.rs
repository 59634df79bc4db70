//! The webhook channel: each event POSTed to a URL in one of the formats
//! the usual receivers read (ntfy, plain JSON, Discord, Slack), retried
//! with backoff while the receiver is down.
//!
//! The URL is a secret: it is held in a [`SecretUrl`], and no error or log
//! line here quotes it (reqwest's own errors do, so they are never shown).

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};
use tokio::time::Instant;

use super::event::{Event, EventKind};
use crate::backoff::Backoff;
use crate::config::SecretUrl;
use crate::names;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// How a webhook is sent: `notify.webhook_format`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, EnumString, IntoStaticStr, VariantArray, EnumCount,
)]
#[strum(serialize_all = "lowercase")]
pub enum WebhookFormat {
    /// The message as the body, with `Title` and `Tags` headers.
    #[default]
    Ntfy,
    /// The event's JSON.
    Json,
    /// `{"content": message}`.
    Discord,
    /// `{"text": message}`.
    Slack,
}

impl WebhookFormat {
    pub const ALL: [WebhookFormat; WebhookFormat::COUNT] = names::all();

    /// The name in the config file.
    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn from_key(key: &str) -> Option<WebhookFormat> {
        key.parse().ok()
    }
}

/// What is POSTed for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub content_type: &'static str,
    /// Headers besides the content type.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// The ntfy tag (an emoji short code) of each kind of event.
fn ntfy_tag(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Listed => "rocket",
        EventKind::Scheduled => "calendar",
        EventKind::AlertAbove => "chart_with_upwards_trend",
        EventKind::AlertBelow => "chart_with_downwards_trend",
        EventKind::SourceDown | EventKind::KeyUsage => "warning",
        EventKind::Premarket => "hourglass_flowing_sand",
        EventKind::Venue => "handshake",
        EventKind::Discovered => "mag",
        EventKind::Overweight => "scales",
    }
}

/// Slack reads `<…>` as links and mentions (`<!channel>`) and `&` as the
/// start of an entity: a coin's name must not ping a channel.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The request for `event` in `format`.
pub fn payload(format: WebhookFormat, event: &Event) -> Payload {
    let json = |value: serde_json::Value| Payload {
        content_type: "application/json",
        headers: Vec::new(),
        body: value.to_string().into_bytes(),
    };
    match format {
        WebhookFormat::Ntfy => Payload {
            content_type: "text/plain; charset=utf-8",
            // Both are ASCII by construction, as a header must be.
            headers: vec![
                ("Title", event.title().to_string()),
                ("Tags", format!("{},{}", ntfy_tag(event.event), event.event)),
            ],
            body: event.message.clone().into_bytes(),
        },
        WebhookFormat::Json => Payload {
            content_type: "application/json",
            headers: Vec::new(),
            body: event.to_json().into_bytes(),
        },
        // No mention in a coin's name (`@everyone`) may ping anyone.
        WebhookFormat::Discord => json(serde_json::json!({
            "content": event.message,
            "allowed_mentions": {"parse": []},
        })),
        WebhookFormat::Slack => json(serde_json::json!({
            "text": slack_escape(&event.message),
        })),
    }
}

/// Why a webhook was not delivered. Never quotes the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook did not answer in time")]
    Timeout,
    #[error("cannot connect to the webhook")]
    Connect,
    #[error("the request to the webhook failed")]
    Network,
    #[error("the webhook answered HTTP {0}")]
    Status(u16),
    #[error("the webhook client could not be set up")]
    Client,
    #[error("gave up after {attempts} attempts over {} s: {last}", .waited.as_secs())]
    GaveUp {
        attempts: u32,
        waited: Duration,
        last: Box<WebhookError>,
    },
}

impl WebhookError {
    /// Whether trying again may help: not for an answer that says the
    /// request itself is wrong (a mistyped topic, a revoked hook).
    pub fn is_retryable(&self) -> bool {
        match self {
            WebhookError::Timeout | WebhookError::Connect | WebhookError::Network => true,
            WebhookError::Status(s) => *s >= 500 || *s == 408 || *s == 429,
            WebhookError::Client | WebhookError::GaveUp { .. } => false,
        }
    }
}

fn from_reqwest(e: &reqwest::Error) -> WebhookError {
    if e.is_timeout() {
        WebhookError::Timeout
    } else if e.is_connect() {
        WebhookError::Connect
    } else {
        WebhookError::Network
    }
}

/// How long to keep trying: after each failed attempt, the wait of
/// `backoff` (by default from 5 s, doubling up to 160 s, each ±25%), until
/// `give_up` after the event was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub backoff: Backoff,
    pub give_up: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            backoff: Backoff {
                first: Duration::from_secs(5),
                cap: Duration::from_secs(160),
                spread_pct: 25,
            },
            give_up: Duration::from_secs(10 * 60),
        }
    }
}

/// A client for one webhook.
#[derive(Clone)]
pub struct WebhookClient {
    client: reqwest::Client,
    url: SecretUrl,
    format: WebhookFormat,
    retry: Retry,
}

impl std::fmt::Debug for WebhookClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookClient")
            .field("url", &self.url)
            .field("format", &self.format)
            .field("retry", &self.retry)
            .finish()
    }
}

impl WebhookClient {
    pub fn new(url: SecretUrl, format: WebhookFormat, retry: Retry) -> Result<Self, WebhookError> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // A redirect could take the events somewhere the URL's check
            // never saw, over plain http.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("prelist/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| WebhookError::Client)?;
        Ok(WebhookClient {
            client,
            url,
            format,
            retry,
        })
    }

    /// One POST of `event`.
    pub async fn send(&self, event: &Event) -> Result<(), WebhookError> {
        let p = payload(self.format, event);
        let mut request = self
            .client
            .post(self.url.expose().clone())
            .header(CONTENT_TYPE, HeaderValue::from_static(p.content_type))
            .body(p.body);
        for (name, value) in p.headers {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| from_reqwest(&e))?;
        // A redirect is not followed (see `new`): it counts as a refusal.
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(WebhookError::Status(status.as_u16()))
        }
    }

    /// POSTs `event` until it is taken, it is refused for good, or the
    /// retry time since `queued` runs out; returns the attempts made. Each
    /// failure that will be retried is logged.
    pub async fn deliver(&self, event: &Event, queued: Instant) -> Result<u32, WebhookError> {
        let deadline = queued + self.retry.give_up;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let err = match self.send(event).await {
                Ok(()) => return Ok(attempts),
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) => e,
            };
            let wait = self.retry.backoff.wait(attempts, fastrand::f64());
            if Instant::now() + wait > deadline {
                return Err(WebhookError::GaveUp {
                    attempts,
                    waited: queued.elapsed(),
                    last: Box::new(err),
                });
            }
            tracing::warn!(
                event = %event.event,
                "webhook: {err}; trying again in {:.1} s",
                wait.as_secs_f64()
            );
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Listed;
    use serde_json::{Value, json};

    fn event(name: &str) -> Event {
        let listed = Listed {
            market_id: "x".into(),
            name: name.into(),
            price: 2.0,
        };
        Event::listed(&listed, None, "coingecko", jiff::Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn each_format_says_the_message() {
        let e = event("@everyone <!channel> & co");
        let p = payload(WebhookFormat::Ntfy, &e);
        assert_eq!(p.body, b"@everyone <!channel> & co is now trading at $2.00");
        assert_eq!(
            p.headers,
            [
                ("Title", "prelist: now trading".to_string()),
                ("Tags", "rocket,listed".to_string())
            ]
        );
        let p = payload(WebhookFormat::Discord, &e);
        let v: Value = serde_json::from_slice(&p.body).unwrap();
        assert_eq!(
            v,
            json!({"content": "@everyone <!channel> & co is now trading at $2.00",
                   "allowed_mentions": {"parse": []}})
        );
        let p = payload(WebhookFormat::Slack, &e);
        let v: Value = serde_json::from_slice(&p.body).unwrap();
        assert_eq!(
            v,
            json!({"text": "@everyone &lt;!channel&gt; &amp; co is now trading at $2.00"})
        );
        let p = payload(WebhookFormat::Json, &e);
        assert_eq!(p.body, e.to_json().as_bytes());
        assert_eq!(p.content_type, "application/json");
        for kind in EventKind::ALL {
            assert!(ntfy_tag(kind).is_ascii());
        }
    }

    #[test]
    fn formats_name_round_trip() {
        for f in WebhookFormat::ALL {
            assert_eq!(WebhookFormat::from_key(f.key()), Some(f));
        }
        assert_eq!(WebhookFormat::from_key("teams"), None);
    }

    #[test]
    fn waits_double_with_jitter_up_to_the_longest() {
        let r = Retry::default().backoff;
        let mid: Vec<u64> = (1..=8).map(|n| r.wait(n, 0.5).as_secs()).collect();
        assert_eq!(mid, [5, 10, 20, 40, 80, 160, 160, 160]);
        assert_eq!(
            r.wait(1, 0.0),
            Duration::from_secs(5),
            "never sooner than the first"
        );
        assert_eq!(r.wait(2, 0.0), Duration::from_millis(7500));
        assert_eq!(r.wait(1, 0.999_999).as_millis(), 6249);
        assert_eq!(r.wait(u32::MAX, 0.5), Duration::from_secs(160));
    }

    #[test]
    fn only_failures_that_can_pass_are_retried() {
        for e in [
            WebhookError::Timeout,
            WebhookError::Connect,
            WebhookError::Status(500),
            WebhookError::Status(503),
            WebhookError::Status(429),
        ] {
            assert!(e.is_retryable(), "{e}");
        }
        for e in [
            WebhookError::Status(400),
            WebhookError::Status(404),
            WebhookError::Status(301),
        ] {
            assert!(!e.is_retryable(), "{e}");
        }
    }
}
