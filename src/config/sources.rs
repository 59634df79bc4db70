//! `[sources]` and `[sources.url]`: which exchanges' lists are watched, how
//! often, and at which base URLs. `PRELIST_EXCHANGES` names the exchanges
//! instead of the file, through the same check of each name.

use std::ffi::OsStr;
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::error::Bad;
use super::toml_value::{AUrl, List, Seconds, Table, Text, list_form, what};
use super::values::MAX_INTERVAL;
use crate::market::defillama;
use crate::sources::{Exchange, MIN_EXCHANGE_INTERVAL, client};

what! {
    AnExchange = "an exchange name in quotes";
}

list_form! {
    Exchanges = "a list of exchange names";
}

/// `[sources]` as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a section")]
pub(super) struct RawSources {
    exchanges: Option<Spanned<List<AnExchange, Exchanges>>>,
    exchange_interval: Option<Spanned<Seconds>>,
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
}

impl TryFrom<RawSources> for SourcesFile {
    type Error = Bad;

    fn try_from(raw: RawSources) -> Result<SourcesFile, Bad> {
        let exchanges = match raw.exchanges {
            None => None,
            Some(list) => {
                let whole = list.span();
                let mut chosen = Vec::new();
                for (name, span) in list.into_inner().items {
                    let span = span.unwrap_or_else(|| whole.clone());
                    let exchange = exchange_named(name.trim())
                        .map_err(|m| Bad::new("exchanges", span.clone(), m))?;
                    if chosen.contains(&exchange) {
                        return Err(Bad::new(
                            "exchanges",
                            span,
                            format!("{:?} is listed twice", exchange.key()),
                        ));
                    }
                    chosen.push(exchange);
                }
                Some(chosen)
            }
        };
        let exchange_interval = Bad::check(raw.exchange_interval, "exchange_interval", |n| {
            check_exchange_interval(n.0)
        })?;
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
            let Ok(exchange) = Exchange::from_str(name.get_ref()) else {
                let known = format!("{}, {}", exchange_keys(), defillama::NAME);
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
        })
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
    let value = value.to_str().ok_or("the value is not UTF-8 text")?;
    let mut chosen = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let exchange = exchange_named(&name.to_lowercase())?;
        if !chosen.contains(&exchange) {
            chosen.push(exchange);
        }
    }
    Ok(chosen)
}

/// `[sources] exchange_interval`: at least a minute, at most a day.
fn check_exchange_interval(secs: i128) -> Result<Duration, String> {
    let (min, max) = (MIN_EXCHANGE_INTERVAL.as_secs(), MAX_INTERVAL.as_secs());
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
