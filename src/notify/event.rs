//! What happened, in the one form every channel sends: a coin listing, a
//! listing scheduled, a price alert crossing, a source failing.
//!
//! ```json
//! {"event": "listed", "coin": "Nillion", "ticker": "NIL", "market_id": "nillion",
//!  "source": "coingecko", "price_usd": 0.6132, "at": "2026-11-28T10:00:00Z",
//!  "message": "Nillion is now trading at $0.6132"}
//! ```
//!
//! Every key is always there (`null` where it does not apply); a scheduled
//! listing adds `scheduled_at`. Readers must allow other keys to be added.

use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumCount, IntoStaticStr, VariantArray};

use crate::alert::Crossing;
use crate::listing::Listed;
use crate::{names, text};

/// What kind of event: its `event` key, also its `Display`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, Display, VariantArray, EnumCount)]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    /// A coin seen trading for the first time.
    Listed,
    /// A coin given a listing time.
    Scheduled,
    /// A price rising above the coin's `alert_above`.
    AlertAbove,
    /// A price falling below the coin's `alert_below`.
    AlertBelow,
    /// A source failing for a long time.
    SourceDown,
    /// The API key used for more calls than every prelist on this data
    /// dir made: it may have leaked.
    KeyUsage,
    /// The first pre-market price seen for a coin.
    Premarket,
    /// A trading coin seen on another watched source.
    Venue,
    /// A coin not on the watchlist that Discover shows scheduled or
    /// pre-market (only with `[notify] discover = true`).
    Discovered,
    /// A holding whose weight passed `[portfolio] max_position_pct`.
    Overweight,
}

impl EventKind {
    pub const ALL: [EventKind; EventKind::COUNT] = names::all();

    /// The name in the JSON form and the `{event}` placeholder.
    pub fn key(self) -> &'static str {
        self.into()
    }

    /// A notification's title: plain ASCII, so it can go in an HTTP header.
    pub fn title(self) -> &'static str {
        match self {
            EventKind::Listed => "prelist: now trading",
            EventKind::Scheduled => "prelist: listing scheduled",
            EventKind::AlertAbove => "prelist: price above alert",
            EventKind::AlertBelow => "prelist: price below alert",
            EventKind::SourceDown => "prelist: source down",
            EventKind::KeyUsage => "prelist: API key used elsewhere",
            EventKind::Premarket => "prelist: pre-market price",
            EventKind::Venue => "prelist: trades on another venue",
            EventKind::Discovered => "prelist: discovered a coin",
            EventKind::Overweight => "prelist: position above the rule",
        }
    }
}

/// One event. Its text is cleaned of control characters when it is made,
/// so no channel can carry an escape sequence from a coin's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub event: EventKind,
    /// The coin's name; `None` for an event about a source.
    pub coin: Option<String>,
    pub ticker: Option<String>,
    pub market_id: Option<String>,
    /// Which source saw it: `coingecko`, or an exchange's key.
    pub source: String,
    pub price_usd: Option<f64>,
    /// When it happened, as RFC 3339 in UTC to the second.
    #[serde(with = "rfc3339")]
    pub at: Timestamp,
    /// The event told in one line, as the event log says it.
    pub message: String,
    /// When a scheduled listing is due; only in `scheduled` events.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rfc3339_option"
    )]
    pub scheduled_at: Option<Timestamp>,
    /// For an alert: which crossing this is (its threshold, and since when
    /// the alert was armed), so instances that both saw it know it for the
    /// same one. Not sent.
    #[serde(skip)]
    pub crossing: Option<String>,
    /// The venue of a `premarket` event (`hyperliquid`, `bybit`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
}

/// The coin an event is about, as the app knows it.
#[derive(Debug, Clone, Copy)]
pub struct CoinRef<'a> {
    pub name: &'a str,
    pub ticker: Option<&'a str>,
    pub market_id: Option<&'a str>,
}

impl<'a> CoinRef<'a> {
    pub fn of(coin: &'a crate::model::Coin) -> CoinRef<'a> {
        CoinRef {
            name: &coin.name,
            ticker: coin.ticker.as_deref(),
            market_id: coin.market_id.as_deref(),
        }
    }
}

fn owned(s: &str) -> String {
    text::clean(s.trim()).into_owned()
}

/// To the second: a notification has no use for nanoseconds.
fn to_second(at: Timestamp) -> Timestamp {
    Timestamp::from_second(at.as_second()).unwrap_or(at)
}

impl Event {
    fn about(
        event: EventKind,
        coin: CoinRef<'_>,
        source: &str,
        price_usd: Option<f64>,
        at: Timestamp,
        message: String,
    ) -> Event {
        Event {
            event,
            coin: Some(owned(coin.name)),
            ticker: coin.ticker.map(owned).filter(|t| !t.is_empty()),
            market_id: coin.market_id.map(owned),
            source: owned(source),
            price_usd,
            at: to_second(at),
            message: owned(&message),
            scheduled_at: None,
            crossing: None,
            venue: None,
        }
    }

    /// A coin seen trading: the flip `listed` as the poll named it.
    pub fn listed(listed: &Listed, ticker: Option<&str>, source: &str, at: Timestamp) -> Event {
        let coin = CoinRef {
            name: &listed.name,
            ticker,
            market_id: Some(&listed.market_id),
        };
        Event::about(
            EventKind::Listed,
            coin,
            source,
            Some(listed.price),
            at,
            listed.message(),
        )
    }

    /// What an exchange's list showed: a coin listed on it, or its opening
    /// announced. The message is the event log's.
    pub fn from_exchange(seen: &crate::book::Event) -> Event {
        use crate::book::EventKind as Seen;
        let coin = CoinRef {
            name: &seen.coin,
            ticker: Some(&seen.ticker),
            market_id: seen.market_id.as_deref(),
        };
        let at = Timestamp::from_second(seen.at).unwrap_or(Timestamp::UNIX_EPOCH);
        let (kind, when) = match seen.kind {
            Seen::Listed { .. } if seen.also => (EventKind::Venue, None),
            Seen::Listed { .. } => (EventKind::Listed, None),
            Seen::Scheduled { opens_at } => {
                (EventKind::Scheduled, Timestamp::from_second(opens_at).ok())
            }
        };
        let mut event = Event::about(kind, coin, seen.exchange.key(), None, at, seen.message());
        event.scheduled_at = when;
        if kind == EventKind::Venue {
            event.venue = Some(seen.exchange.key().to_string());
        }
        event
    }

    /// A watched coin's first DEX pool at the threshold: its listing, or,
    /// for a coin that traded already, where it trades now too.
    pub fn from_dex(listed: &crate::dex::DexListed) -> Event {
        let coin = CoinRef {
            name: &listed.coin,
            ticker: listed.ticker.as_deref(),
            market_id: listed.market_id.as_deref(),
        };
        let kind = if listed.also {
            EventKind::Venue
        } else {
            EventKind::Listed
        };
        let at = Timestamp::from_second(listed.at).unwrap_or(Timestamp::UNIX_EPOCH);
        let source = crate::dex::SOURCE;
        let mut event = Event::about(kind, coin, source, listed.price_usd, at, listed.message());
        if kind == EventKind::Venue {
            event.venue = Some(source.to_string());
        }
        event
    }

    /// A row of Discover, new: "ZAMA is announced on OKX, Gate: opens …",
    /// "MEGA trades before any listing: ~$0.43 on Hyperliquid".
    pub fn discovered(row: &crate::discover::Row, at: Timestamp) -> Event {
        use crate::discover::Kind;
        let coin = CoinRef {
            name: &row.ticker,
            ticker: Some(&row.ticker),
            market_id: None,
        };
        let venues = row.venue_names();
        let message = match (row.status, row.scheduled_at, row.price_usd) {
            (Kind::Premarket, _, Some(p)) => format!(
                "{} trades before any listing: {} on {venues}",
                row.ticker,
                text::price(p)
            ),
            (_, Some(when), _) => format!(
                "{} is announced on {venues}: opens {}",
                row.ticker,
                text::date_time(when)
            ),
            _ => format!("{} is {} on {venues}", row.ticker, row.status.as_str()),
        };
        let source = row.venues.first().map_or("", |v| v.venue.as_str());
        let mut event = Event::about(
            EventKind::Discovered,
            coin,
            source,
            row.price_usd,
            at,
            message,
        );
        event.scheduled_at = row
            .scheduled_at
            .and_then(|s| Timestamp::from_second(s).ok());
        event
    }

    /// A coin given a listing time `when` by `source`.
    pub fn scheduled(coin: CoinRef<'_>, source: &str, when: Timestamp, at: Timestamp) -> Event {
        let when = to_second(when);
        let message = format!(
            "{} is scheduled to list on {} at {}",
            text::clean(coin.name.trim()),
            text::clean(source.trim()),
            when.strftime("%Y-%m-%d %H:%M UTC"),
        );
        let mut event = Event::about(EventKind::Scheduled, coin, source, None, at, message);
        event.scheduled_at = Some(when);
        event
    }

    /// The first pre-market price of a coin, from a venue's look.
    pub fn premarket(priced: &crate::premarket::Priced) -> Event {
        let coin = CoinRef {
            name: &priced.coin,
            ticker: Some(&priced.ticker),
            market_id: priced.market_id.as_deref(),
        };
        let message = format!(
            "{} trades before its listing: {} on {} ({})",
            text::clean(priced.coin.trim()),
            text::price(priced.price_usd),
            priced.venue.name(),
            text::clean(&priced.instrument),
        );
        let at = Timestamp::from_second(priced.at).unwrap_or(Timestamp::UNIX_EPOCH);
        let mut event = Event::about(
            EventKind::Premarket,
            coin,
            priced.venue.key(),
            Some(priced.price_usd),
            at,
            message,
        );
        event.venue = Some(priced.venue.key().to_string());
        event
    }

    /// The key of this event's claim (see [`crate::told`]): what makes two
    /// events the same, whichever instance saw it. The kind, the source and
    /// the coin, and for a scheduled listing its time; `None` for events
    /// each instance tells of itself (a source failing).
    pub fn claim_key(&self) -> Option<String> {
        let coin = format!(
            "{}:{}",
            self.market_id.as_deref().unwrap_or(""),
            self.ticker.as_deref().unwrap_or("")
        );
        let kind = self.event.key();
        match self.event {
            EventKind::SourceDown => None,
            // Told once an hour, by whichever instance looked first.
            EventKind::KeyUsage => Some(format!(
                "{kind}:{}:{}",
                self.source,
                self.at.as_second().div_euclid(3600)
            )),
            EventKind::Listed => Some(format!("{kind}:{}:{coin}", self.source)),
            // A coin's first pre-market price, whichever venue showed it.
            EventKind::Premarket => Some(format!("{kind}:{coin}")),
            EventKind::Venue => Some(format!("{kind}:{}:{coin}", self.source)),
            // A row of Discover, told once whatever the venue.
            EventKind::Discovered => Some(format!("{kind}:{coin}")),
            EventKind::Scheduled => {
                let when = self.scheduled_at.map_or(0, |t| t.as_second());
                Some(format!("{kind}:{}:{coin}:{when}", self.source))
            }
            // An alert fires once per crossing: its threshold and the time it
            // was armed tell one from the next.
            EventKind::AlertAbove | EventKind::AlertBelow | EventKind::Overweight => Some(format!(
                "{kind}:{}:{coin}:{}",
                self.source,
                self.crossing.as_deref().unwrap_or("")
            )),
        }
    }

    /// A coin's price `price` crossing its alert `threshold`.
    pub fn alert(
        coin: CoinRef<'_>,
        crossing: Crossing,
        threshold: f64,
        price: f64,
        source: &str,
        at: Timestamp,
    ) -> Event {
        let (kind, verb) = match crossing {
            Crossing::Above => (EventKind::AlertAbove, "rose above"),
            Crossing::Below => (EventKind::AlertBelow, "fell below"),
        };
        let message = format!(
            "{} {verb} {}: now {}",
            text::clean(coin.name.trim()),
            text::price(threshold),
            text::price(price)
        );
        Event::about(kind, coin, source, Some(price), at, message)
    }

    /// A holding past the portfolio's rule: "Parcl (PRCL) is 7.2% of the
    /// portfolio: above the 5% rule, $220 over (1,000 at $0.72)".
    pub fn overweight(
        coin: CoinRef<'_>,
        position: &crate::position::Position,
        source: &str,
        at: Timestamp,
    ) -> Event {
        let name = text::with_ticker(coin.name, coin.ticker);
        let weight = crate::position::describe_weight(position).unwrap_or_default();
        let price = crate::money::to_f64(position.price);
        let message = format!(
            "{name} is {weight} ({} at {})",
            crate::money::quantity(position.quantity),
            text::price(price)
        );
        Event::about(
            EventKind::Overweight,
            coin,
            source,
            Some(price),
            at,
            message,
        )
    }

    /// `source` failing for `down` so far, the last time with `error`.
    pub fn source_down(source: &str, down: Duration, error: &str, at: Timestamp) -> Event {
        let minutes = down.as_secs() / 60;
        let span = if minutes >= 120 {
            format!("{} hours", minutes / 60)
        } else {
            format!("{minutes} minutes")
        };
        Event {
            event: EventKind::SourceDown,
            coin: None,
            ticker: None,
            market_id: None,
            source: owned(source),
            price_usd: None,
            at: to_second(at),
            message: owned(&format!(
                "{} has been failing for {span}: {error}",
                source.trim()
            )),
            scheduled_at: None,
            crossing: None,
            venue: None,
        }
    }

    /// `excess` calls of the key in `span` that no prelist on this data
    /// dir made.
    pub fn key_usage(excess: u64, span: Duration, at: Timestamp) -> Event {
        let hours = span.as_secs().div_ceil(3600).max(1);
        let when = if hours == 1 {
            "the last hour".to_string()
        } else {
            format!("the last {hours} hours")
        };
        Event {
            event: EventKind::KeyUsage,
            coin: None,
            ticker: None,
            market_id: None,
            source: "coingecko".into(),
            price_usd: None,
            at: to_second(at),
            message: format!(
                "{} calls in {when} were not made by prelist on this machine. If this key is not \
                 used elsewhere, it may have leaked: rotate it.",
                text::thousands(excess)
            ),
            scheduled_at: None,
            crossing: None,
            venue: None,
        }
    }

    /// The title of a notification of this event.
    pub fn title(&self) -> &'static str {
        self.event.title()
    }

    /// The event's JSON form, on one line.
    pub fn to_json(&self) -> String {
        // An Event is strings, numbers and nulls: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

mod rfc3339 {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(at)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

mod rfc3339_option {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.collect_str(at),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn listed_on(source: &str) -> Event {
        let l = Listed {
            market_id: "nillion".into(),
            name: "Nillion".into(),
            price: 0.61,
        };
        Event::listed(&l, Some("NIL"), source, jiff::Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn one_listing_seen_by_two_instances_has_one_key() {
        let a = listed_on("coingecko");
        let mut b = listed_on("coingecko");
        b.at = jiff::Timestamp::from_second(60).unwrap();
        b.price_usd = Some(0.62);
        assert_eq!(Event::claim_key(&a), Event::claim_key(&b));
        assert_ne!(
            Event::claim_key(&a),
            Event::claim_key(&listed_on("binance")),
            "each source tells its own"
        );
    }

    #[test]
    fn a_source_failing_is_each_instances_own() {
        let e = Event::source_down(
            "coingecko",
            std::time::Duration::from_secs(4000),
            "timeout",
            jiff::Timestamp::UNIX_EPOCH,
        );
        assert_eq!(Event::claim_key(&e), None);
    }

    use serde_json::{Value, json};

    fn at() -> Timestamp {
        "2026-11-28T10:00:00.123456Z".parse().unwrap()
    }

    fn nillion() -> Listed {
        Listed {
            market_id: "nillion".into(),
            name: "Nillion".into(),
            price: 0.6132,
        }
    }

    #[test]
    fn a_listing_has_exactly_the_documented_form() {
        let event = Event::listed(&nillion(), Some("NIL"), "coingecko", at());
        let value: Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(
            value,
            json!({"event": "listed", "coin": "Nillion", "ticker": "NIL",
                   "market_id": "nillion", "source": "coingecko", "price_usd": 0.6132,
                   "at": "2026-11-28T10:00:00Z",
                   "message": "Nillion is now trading at $0.6132"})
        );
        let back: Event = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn every_kind_has_its_documented_name() {
        let names: Vec<Value> = EventKind::ALL
            .iter()
            .map(|k| serde_json::to_value(k).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "listed",
                "scheduled",
                "alert_above",
                "alert_below",
                "source_down",
                "key_usage",
                "premarket",
                "venue",
                "discovered",
                "overweight"
            ]
        );
        for k in EventKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.key());
            assert_eq!(k.to_string(), k.key());
            assert!(k.title().is_ascii());
        }
    }

    #[test]
    fn readers_allow_other_keys() {
        let text = r#"{"event": "alert_below", "coin": "X", "ticker": null, "market_id": null,
            "source": "coingecko", "price_usd": 1.5, "at": "2026-01-01T00:00:00Z",
            "message": "m", "added_later": [1, 2]}"#;
        let event: Event = serde_json::from_str(text).unwrap();
        assert_eq!(event.event, EventKind::AlertBelow);
        assert_eq!(event.price_usd, Some(1.5));
    }

    #[test]
    fn other_events_say_what_happened() {
        let coin = CoinRef {
            name: "Evil\u{1b}]0;pwned\u{7}Coin",
            ticker: Some(" EVL "),
            market_id: Some("evil"),
        };
        let when: Timestamp = "2026-12-01T14:30:00Z".parse().unwrap();
        let e = Event::scheduled(coin, "binance", when, at());
        assert_eq!(e.coin.as_deref(), Some("Evil]0;pwnedCoin"));
        assert_eq!(e.ticker.as_deref(), Some("EVL"));
        assert_eq!(
            e.message,
            "Evil]0;pwnedCoin is scheduled to list on binance at 2026-12-01 14:30 UTC"
        );
        let v: Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(v["scheduled_at"], "2026-12-01T14:30:00Z");
        assert_eq!(v["price_usd"], Value::Null);

        let up = Event::alert(coin, Crossing::Above, 1.0, 1.052, "coingecko", at());
        assert_eq!(up.event, EventKind::AlertAbove);
        assert_eq!(up.message, "Evil]0;pwnedCoin rose above $1.00: now $1.05");
        let down = Event::alert(coin, Crossing::Below, 0.5, 0.4812, "coingecko", at());
        assert_eq!(down.event, EventKind::AlertBelow);
        assert_eq!(
            down.message,
            "Evil]0;pwnedCoin fell below $0.50: now $0.4812"
        );

        let e = Event::source_down(
            "binance",
            Duration::from_secs(3 * 3600 + 60),
            "HTTP 503\n",
            at(),
        );
        let v: Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(v["coin"], Value::Null);
        assert_eq!(v["event"], "source_down");
        assert_eq!(e.message, "binance has been failing for 3 hours: HTTP 503");
        assert!(v.get("scheduled_at").is_none());
    }

    #[test]
    fn an_overweight_position_is_one_cleaned_event_per_crossing() {
        use crate::holding::RawHolding;
        use crate::money::Decimal;
        use crate::position::{Portfolio, position};
        let mut coin = crate::model::Watchlist::builtin().coins.remove(1);
        coin.name = "Nil\u{1b}[2Jlion".into();
        coin.holding = RawHolding {
            quantity: 1000.0,
            cost_usd: 0.55,
        }
        .check()
        .ok();
        let listings = crate::listing::Listings::from([(
            "nillion".into(),
            crate::listing::Listing::at(0, 0.5, 0.72).into(),
        )]);
        let portfolio = Portfolio {
            size_usd: Decimal::from(10_000),
            max_position_pct: Decimal::from(5),
            early_stage_pct: Decimal::ONE,
        };
        let book = crate::book::Book::default();
        let p = position(&coin, &listings, &book, Some(&portfolio)).unwrap();
        let mut e = Event::overweight(CoinRef::of(&coin), &p, "coingecko", at());
        assert_eq!(e.event, EventKind::Overweight);
        assert_eq!(
            e.message,
            "Nil[2Jlion (NIL) is 7.2% of the portfolio: above the 5% rule, $220 over (1,000 at \
             $0.72)"
        );
        let v: Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(v["event"], "overweight");
        assert_eq!(v["price_usd"], 0.72);
        assert_eq!(v["ticker"], "NIL");
        // Claimed per crossing: the rule and when it was armed.
        e.crossing = Some("5:0".into());
        let first = e.claim_key();
        e.crossing = Some("5:1800000000".into());
        assert_ne!(first, e.claim_key(), "a crossing after a re-arm is another");
        assert_eq!(
            first.as_deref(),
            Some("overweight:coingecko:nillion:NIL:5:0")
        );
    }
}
