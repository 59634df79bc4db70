//! What the exchanges' parsers share: a lenient reading of a list, where an
//! entry of the wrong shape is skipped rather than failing the whole answer,
//! and one way to turn an entry's fields into a [`Pair`].
//!
//! The lists are read as they stream in (`stream`), each entry straight
//! into a small struct of the few fields that matter, with serde skipping
//! everything else (Binance's filters are most of its megabytes): nothing
//! else of an answer is kept in memory.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Exchange, Pair, PairState};
use crate::market::MarketError;

/// A base or quote asset longer than this is not a ticker: the entry is
/// skipped (the longest real ones, like `1000000MOG`, are about a dozen).
const MAX_ASSET_LEN: usize = 32;

/// One field of an entry: a string, a number or a boolean. Anything else
/// (null, an array, an object) reads as `Absent`, so that a field of an
/// unexpected type only makes its entry unusable, never the answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Scalar {
    #[default]
    Absent,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    pub(crate) fn str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A whole number, also from a string of digits (OKX and Bybit send
    /// times as strings of milliseconds).
    pub(crate) fn int(&self) -> Option<i64> {
        match self {
            Scalar::Int(n) => Some(*n),
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A boolean, also from `"true"` / `"false"`.
    pub(crate) fn bool(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Whether the field is the text `want`, without case.
    pub(crate) fn is(&self, want: &str) -> bool {
        self.str()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case(want))
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E>(self, b: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(n))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Scalar, E> {
                Ok(i64::try_from(n).map_or(Scalar::Float(n as f64), Scalar::Int))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(n))
            }
            fn visit_str<E>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(s))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Absent)
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Absent)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Absent)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Absent)
            }
        }
        d.deserialize_any(V)
    }
}

/// One entry of a list: `Some` when it is an object.
pub(crate) struct Entry<T>(pub Option<T>);

/// A field left out is no entry.
impl<T> Default for Entry<T> {
    fn default() -> Entry<T> {
        Entry(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entry<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Entry<T>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Entry<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an entry")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Entry<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| Entry(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entry<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Entry(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Entry<T>, D::Error> {
                Entry::deserialize(d)
            }
            fn visit_none<E>(self) -> Result<Entry<T>, E> {
                Ok(Entry(None))
            }
            fn visit_unit<E>(self) -> Result<Entry<T>, E> {
                Ok(Entry(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Entry<T>, E> {
                Ok(Entry(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Entry<T>, E> {
                Ok(Entry(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Entry<T>, E> {
                Ok(Entry(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Entry<T>, E> {
                Ok(Entry(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Entry<T>, E> {
                Ok(Entry(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// One entry's text read as `T`, `None` when the entry is not an object
/// (the streaming reader hands each entry over alone).
pub(crate) fn entry<T: DeserializeOwned>(text: &[u8]) -> Result<Option<T>, serde_json::Error> {
    serde_json::from_slice::<Entry<T>>(text).map(|e| e.0)
}

/// Where an answer's list stands: a JSON array, or an object (Kraken keys
/// its pairs by name). The streaming reader has taken its entries out, so
/// what is read here is only that it is there, and of the right kind.
pub(crate) struct List;

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<List, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(List)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(List)
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads an answer's frame (the answer without its list's entries) as `T`.
/// A frame that is not JSON, or JSON of another shape than `shape`
/// describes, is malformed, and the message names the exchange.
pub(crate) fn decode<T: DeserializeOwned>(
    exchange: Exchange,
    body: &[u8],
    shape: &str,
) -> Result<T, MarketError> {
    decode_or(body, shape, |what| malformed(exchange, what))
}

/// Reads `body` as `T`, or says what is wrong with it ("is cut off", "is
/// not JSON", "is not `shape`") through `malformed`, which names the
/// source.
pub(crate) fn decode_or<T: DeserializeOwned>(
    body: &[u8],
    shape: &str,
    malformed: impl FnOnce(&str) -> MarketError,
) -> Result<T, MarketError> {
    serde_json::from_slice(body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "is cut off".to_string(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                "is not JSON".to_string()
            }
            serde_json::error::Category::Data => format!("is not {shape}"),
        };
        malformed(&what)
    })
}

/// A list whose answer was unusable: "Binance's list is not JSON".
pub(crate) fn malformed(exchange: Exchange, what: &str) -> MarketError {
    MarketError::Malformed(format!("{}'s list {what}", exchange.name()))
}

/// A message of the exchange's own, fit to be quoted: control characters
/// removed and cut short.
pub(crate) fn quote_message(message: &Scalar) -> String {
    let text = match message {
        Scalar::Str(s) => crate::text::clean(s).trim().to_string(),
        Scalar::Int(n) => n.to_string(),
        _ => String::new(),
    };
    text.chars().take(80).collect()
}

/// An asset's code as prelist keeps it: cleaned of control characters,
/// trimmed and upper case; `None` when nothing usable is left, or it cannot
/// be a ticker (too long, or holding a space or a slash).
pub(crate) fn asset(code: &str) -> Option<String> {
    let code = crate::text::clean(code).trim().to_uppercase();
    let usable = !code.is_empty()
        && code.chars().count() <= MAX_ASSET_LEN
        && !code.chars().any(|c| c.is_whitespace() || c == '/');
    usable.then_some(code)
}

/// A pair from its fields, `None` when either asset is unusable.
pub(crate) fn pair(base: &Scalar, quote: &Scalar, state: PairState) -> Option<Pair> {
    Some(Pair {
        base: asset(base.str()?)?,
        quote: asset(quote.str()?)?,
        state,
    })
}

/// The furthest ahead an announced opening is believed: exchanges announce
/// days or weeks ahead, so a time years away is a placeholder or a broken
/// field, and taking it would show the pair as scheduled for good.
pub(crate) const MAX_SCHEDULE_AHEAD_SECS: i64 = 2 * 366 * 24 * 3600;

/// An announced opening: scheduled when `opens_at` (Unix seconds) is still
/// ahead of `now`, and no more than [`MAX_SCHEDULE_AHEAD_SECS`] ahead.
pub(crate) fn scheduled(opens_at: Option<i64>, now: i64) -> Option<PairState> {
    opens_at
        .filter(|&at| at > now && at.saturating_sub(now) <= MAX_SCHEDULE_AHEAD_SECS)
        .map(|opens_at| PairState::Scheduled { opens_at })
}

/// A pair's state from an exchange's status word: `trading` trades;
/// `opening` (a pre-listing state) is scheduled while `opens_at` is ahead;
/// anything else, or an opening without a future time, is closed.
pub(crate) fn by_status(
    status: &Scalar,
    trading: &str,
    opening: &str,
    opens_at: Option<i64>,
    now: i64,
) -> PairState {
    if status.is(trading) {
        PairState::Trading
    } else if status.is(opening) {
        scheduled(opens_at, now).unwrap_or(PairState::Closed)
    } else {
        PairState::Closed
    }
}

/// Unix seconds from milliseconds.
pub(crate) fn ms_to_secs(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// More base assets than this in one list is a broken answer: the largest
/// exchange lists a few thousand.
pub const MAX_BASE_ASSETS: usize = 50_000;

/// The pairs of a look, refusing a list without one, or with more base
/// assets than any real exchange lists: every exchange lists hundreds, so
/// an empty list is a broken answer, and taking it as real would make
/// every pair look new at the next look; a list of hundreds of thousands
/// is one too, and would fill the book.
pub(crate) fn finish(exchange: Exchange, pairs: Vec<Pair>) -> Result<Vec<Pair>, MarketError> {
    if pairs.is_empty() {
        return Err(malformed(exchange, "holds no usable pair"));
    }
    let bases: std::collections::HashSet<&str> = pairs.iter().map(|p| p.base.as_str()).collect();
    if bases.len() > MAX_BASE_ASSETS {
        let what = format!(
            "holds {} assets: more than any real exchange; ignored",
            crate::text::thousands(bases.len())
        );
        return Err(malformed(exchange, &what));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::PairState;

    fn pairs(bases: usize) -> Vec<Pair> {
        (0..bases)
            .map(|i| Pair {
                base: format!("A{i}"),
                quote: "USDT".into(),
                state: PairState::Trading,
            })
            .collect()
    }

    #[test]
    fn a_list_of_more_assets_than_any_exchange_is_refused() {
        assert_eq!(
            finish(Exchange::Binance, pairs(MAX_BASE_ASSETS))
                .unwrap()
                .len(),
            MAX_BASE_ASSETS
        );
        let err = finish(Exchange::Binance, pairs(300_000))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "Binance's list holds 300,000 assets: more than any real exchange; ignored"
            ),
            "{err}"
        );
        assert!(
            finish(Exchange::Gate, Vec::new()).is_err(),
            "nor an empty one"
        );
    }
}
