//! `[sources]` and `[sources.url]`: which exchanges' lists are watched, how
//! often, and at which base URLs. `PRELIST_EXCHANGES` names the exchanges
//! instead of the file, through the same check of each name.

use std::ffi::OsStr;
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::error::Bad;
use super::toml_value::{AUrl, Dollars, List, Seconds, Table, Text, list_form, what};
use super::values::MAX_INTERVAL;
use crate::dex::DexSource;
use crate::market::defillama;
use crate::premarket::Venue;
use crate::sources::{Exchange, MIN_EXCHANGE_INTERVAL, client, dex, premarket};

what! {
    AnExchange = "an exchange name in quotes";
    AVenue = "a pre-market venue's name in quotes";
    ADexSource = "a DEX source's name in quotes";
}

list_form! {
    Exchanges = "a list of exchange names";
    Venues = "a list of pre-market venue names";
    DexSources = "a list of DEX source names";
}

/// `[sources]` as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a section")]
pub(super) struct RawSources {
    exchanges: Option<Spanned<List<AnExchange, Exchanges>>>,
    exchange_interval: Option<Spanned<Seconds>>,
    premarket: Option<Spanned<List<AVenue, Venues>>>,
    premarket_interval: Option<Spanned<Seconds>>,
    dex: Option<Spanned<List<ADexSource, DexSources>>>,
    dex_min_liquidity_usd: Option<Spanned<Dollars>>,
    dex_interval: Option<Spanned<Seconds>>,
    url: Option<Table<Text<AUrl>>>,
}

/// What `[sources]` sets, checked; `None` (or empty) where it is silent.
#[derive(Default)]
pub(super) struct SourcesFile {
    /// `Some(vec![])`: none.
    pub(super) exchanges: Option<Vec<Exchange>>,
    pub(super) exchange_interval: Option<Duration>,
    /// In the file's order.
    pub(super) urls: Vec<(Exchange, String)>,
    /// `url.defillama`: the fallback price source's base URL.
    pub(super) fallback_url: Option<String>,
    /// `Some(vec![])`: none.
    pub(super) premarket: Option<Vec<Venue>>,
    pub(super) premarket_interval: Option<Duration>,
    /// `url.hyperliquid`; the other venues are exchanges, at their URLs.
    pub(super) hyperliquid_url: Option<String>,
    /// `Some(vec![])`: none.
    pub(super) dex: Option<Vec<DexSource>>,
    pub(super) dex_min_liquidity_usd: Option<u64>,
    pub(super) dex_interval: Option<Duration>,
    /// `url.dexscreener`.
    pub(super) dexscreener_url: Option<String>,
}

impl TryFrom<RawSources> for SourcesFile {
    type Error = Bad;

    fn try_from(raw: RawSources) -> Result<SourcesFile, Bad> {
        let exchanges = raw
            .exchanges
            .map(|list| chosen(list, "exchanges", exchange_named, Exchange::key))
            .transpose()?;
        let premarket = raw
            .premarket
            .map(|list| chosen(list, "premarket", venue_named, Venue::key))
            .transpose()?;
        let dex = raw
            .dex
            .map(|list| chosen(list, "dex", dex_named, DexSource::key))
            .transpose()?;
        let dex_interval = Bad::check(raw.dex_interval, "dex_interval", |n| {
            check_interval(n.0, dex::MIN_INTERVAL)
        })?;
        let dex_min_liquidity_usd =
            Bad::check(raw.dex_min_liquidity_usd, "dex_min_liquidity_usd", |d| {
                check_liquidity(d.0)
            })?;
        let exchange_interval = Bad::check(raw.exchange_interval, "exchange_interval", |n| {
            check_interval(n.0, MIN_EXCHANGE_INTERVAL)
        })?;
        let premarket_interval = Bad::check(raw.premarket_interval, "premarket_interval", |n| {
            check_interval(n.0, premarket::MIN_INTERVAL)
        })?;
        let mut hyperliquid_url = None;
        let mut dexscreener_url = None;
        let mut urls = Vec::new();
        let mut fallback_url = None;
        for (name, value) in raw.url.map_or_else(Vec::new, |t| t.0) {
            let url = value.get_ref().0.trim().to_string();
            let check = |key: &str| {
                client::check_base(&url)
                    .map_err(|m| Bad::new(&format!("url.{key}"), value.span(), m))
            };
            if name.get_ref() == defillama::NAME {
                check(defillama::NAME)?;
                fallback_url = Some(url);
                continue;
            }
            if name.get_ref() == dex::SOURCE {
                check(dex::SOURCE)?;
                dexscreener_url = Some(url);
                continue;
            }
            if name.get_ref() == Venue::Hyperliquid.key() {
                check(Venue::Hyperliquid.key())?;
                hyperliquid_url = Some(url);
                continue;
            }
            let Ok(exchange) = Exchange::from_str(name.get_ref()) else {
                let known = format!(
                    "{}, {}, {}, {}",
                    exchange_keys(),
                    Venue::Hyperliquid.key(),
                    dex::SOURCE,
                    defillama::NAME
                );
                return Err(Bad::unknown_key(&name, "sources.url", &known));
            };
            check(exchange.key())?;
            urls.push((exchange, url));
        }
        Ok(SourcesFile {
            exchanges,
            exchange_interval,
            urls,
            fallback_url,
            premarket,
            premarket_interval,
            hyperliquid_url,
            dex,
            dex_min_liquidity_usd,
            dex_interval,
            dexscreener_url,
        })
    }
}

/// The names a list of the file chooses, each checked by `named` and
/// chosen once.
fn chosen<T: PartialEq + Copy, A, L>(
    list: Spanned<List<A, L>>,
    key: &str,
    named: fn(&str) -> Result<T, String>,
    key_of: fn(T) -> &'static str,
) -> Result<Vec<T>, Bad> {
    let whole = list.span();
    let mut chosen = Vec::new();
    for (name, span) in list.into_inner().items {
        let span = span.unwrap_or_else(|| whole.clone());
        let item = named(name.trim()).map_err(|m| Bad::new(key, span.clone(), m))?;
        if chosen.contains(&item) {
            return Err(Bad::new(
                key,
                span,
                format!("{:?} is listed twice", key_of(item)),
            ));
        }
        chosen.push(item);
    }
    Ok(chosen)
}

/// The venue called `name`, in the file or the environment.
fn venue_named(name: &str) -> Result<Venue, String> {
    Venue::from_str(name).map_err(|_| {
        format!(
            "unknown pre-market venue {name:?} (the venues are {})",
            Venue::ALL.map(Venue::key).join(", ")
        )
    })
}

/// The DEX source called `name`, in the file or the environment.
fn dex_named(name: &str) -> Result<DexSource, String> {
    DexSource::from_str(name).map_err(|_| {
        format!(
            "unknown DEX source {name:?} (the sources are {})",
            DexSource::ALL.map(DexSource::key).join(", ")
        )
    })
}

/// `dex_min_liquidity_usd`: from $0 (every pool is a listing) to more
/// than any pool holds.
fn check_liquidity(usd: i128) -> Result<u64, String> {
    let max = dex::MAX_LIQUIDITY_USD as u64;
    match u64::try_from(usd) {
        Ok(usd) if usd <= max => Ok(usd),
        _ => Err(format!("{usd} is not an amount from 0 to {max} dollars")),
    }
}

/// Every exchange's config name: `binance, coinbase, …`.
fn exchange_keys() -> String {
    Exchange::ALL.map(Exchange::key).join(", ")
}

/// The exchange called `name`, in the file or the environment.
fn exchange_named(name: &str) -> Result<Exchange, String> {
    Exchange::from_str(name).map_err(|_| {
        format!(
            "unknown exchange {name:?} (the exchanges are {})",
            exchange_keys()
        )
    })
}

/// The exchanges `PRELIST_EXCHANGES` names: comma-separated, in any case,
/// each once however often named; empty, none.
pub(super) fn exchanges_from_env(value: &OsStr) -> Result<Vec<Exchange>, String> {
    from_env(value, exchange_named)
}

/// The venues `PRELIST_PREMARKET` names, as [`exchanges_from_env`] reads
/// exchanges.
pub(super) fn venues_from_env(value: &OsStr) -> Result<Vec<Venue>, String> {
    from_env(value, venue_named)
}

/// The DEX sources `PRELIST_DEX` names, as [`exchanges_from_env`] reads
/// exchanges.
pub(super) fn dex_from_env(value: &OsStr) -> Result<Vec<DexSource>, String> {
    from_env(value, dex_named)
}

fn from_env<T: PartialEq>(
    value: &OsStr,
    named: fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let value = value.to_str().ok_or("the value is not UTF-8 text")?;
    let mut chosen = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let item = named(&name.to_lowercase())?;
        if !chosen.contains(&item) {
            chosen.push(item);
        }
    }
    Ok(chosen)
}

/// An interval of `[sources]`: at least `min`, at most a day.
fn check_interval(secs: i128, min: Duration) -> Result<Duration, String> {
    let (min, max) = (min.as_secs(), MAX_INTERVAL.as_secs());
    match u64::try_from(secs) {
        Ok(secs) if (min..=max).contains(&secs) => Ok(Duration::from_secs(secs)),
        Ok(secs) if secs > max => Err(format!(
            "{secs} is above the maximum of {max} seconds (a day)"
        )),
        _ => Err(format!("{secs} is below the minimum of {min} seconds")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_names_exchanges_as_the_file_does() {
        let e = exchanges_from_env(OsStr::new("mtgox")).unwrap_err();
        assert_eq!(e, exchange_named("mtgox").unwrap_err());
        assert!(e.contains("\"mtgox\""), "{e}");
    }
}
