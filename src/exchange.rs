//! The exchanges prelist can watch and what their lists say of a market,
//! as the domain knows them; how each list is fetched and read is in
//! [`crate::sources`].

use serde::{Deserialize, Serialize};
use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};

use crate::names;

/// The exchanges prelist can watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(EnumString, IntoStaticStr, VariantArray, EnumCount)]
#[strum(serialize_all = "lowercase")]
pub enum Exchange {
    Binance,
    Coinbase,
    Kraken,
    Okx,
    Bybit,
    Gate,
}

impl Exchange {
    /// Every exchange, in the order the config and the screen list them.
    pub const ALL: [Exchange; Exchange::COUNT] = names::all();

    /// The name in config files and JSON: `binance`, `okx`…
    pub fn key(self) -> &'static str {
        self.into()
    }

    /// The name people know: `Binance`, `OKX`…
    pub fn name(self) -> &'static str {
        match self {
            Exchange::Binance => "Binance",
            Exchange::Coinbase => "Coinbase",
            Exchange::Kraken => "Kraken",
            Exchange::Okx => "OKX",
            Exchange::Bybit => "Bybit",
            Exchange::Gate => "Gate",
        }
    }
}

/// What a pair's status means for a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "state")]
pub enum PairState {
    /// Open for trading now.
    Trading,
    /// Announced to open at `opens_at` (Unix seconds), in the future at the
    /// time of the look: OKX `preopen` with `listTime`, Gate `buy_start`,
    /// Bybit `PreLaunch` with `launchTime`.
    Scheduled { opens_at: i64 },
    /// Listed but not trading: `BREAK`, `HALT`, `suspend`, `untradable`,
    /// `trading_disabled`… Never makes a coin trading.
    Closed,
}

/// One market of an exchange's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The base asset, upper case (`NIL`); a coin's ticker is compared with
    /// it without case.
    pub base: String,
    /// The quote asset, upper case (`USDT`).
    pub quote: String,
    pub state: PairState,
}

impl Pair {
    /// How the pair is shown: `NIL/USDT`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.base, self.quote)
    }
}
