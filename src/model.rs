//! The watchlist: coins as the article describes them, loaded and validated.
//!
//! Files are parsed in two steps: serde reads loose types (strings, numbers)
//! into a `RawCoin` so that JSON mistakes come back with a line and column,
//! then `RawCoin::into_coin` turns it into a typed coin, naming the field of
//! any bad value. That one function is the validation of a coin wherever it
//! comes from: a file, the form, an import, an undo or a merge.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use crate::fs::{ReadError, json_within, read_text};
use crate::holding::{Holding, HoldingError, RawHolding};
use crate::text::clean;
use crate::types::{MarketId, Usd};

/// The built-in watchlist, transcribed from the article.
pub const BUILTIN_JSON: &str = include_str!("../assets/watchlist.json");

/// The only watchlist format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Watchlist files larger than this are refused before parsing: a real one
/// is a few kilobytes, and reading an arbitrary file whole could exhaust memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(EnumString, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum ScoreKind {
    Tech,
    Fundamental,
}

impl ScoreKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How sure the article is that holders will get an airdrop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(EnumString, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum Airdrop {
    Confirmed,
    Probable,
}

impl Airdrop {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A score from the article: what kind, and the value in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    pub kind: ScoreKind,
    pub value: u8,
}

/// The identity of a coin within one running prelist: what a form, a lookup
/// or an undo holds on to while rows move, coins are added and deleted, and
/// another window's changes are merged in. Assigned when a coin is loaded or
/// made, never written to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CoinId(u64);

impl CoinId {
    /// An id no other coin of this process has.
    pub fn fresh() -> CoinId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        CoinId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// The key that decides whether two names are the same coin: trimmed and
/// lower-cased (Unicode, so "ÉTHER" and "éther" are one coin). Every
/// comparison of coin names goes through here.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// One watched coin. Names are unique in a watchlist (by `name_key`), and
/// so are market ids.
#[derive(Debug, Clone)]
pub struct Coin {
    /// Not part of what the coin says: two coins are equal when their
    /// fields are, whatever their ids.
    pub id: CoinId,
    pub rank: u32,
    pub name: String,
    pub other_names: Vec<String>,
    pub ticker: Option<String>,
    pub category: String,
    pub summary: String,
    pub thesis: String,
    pub narratives: Vec<String>,
    pub competitors: Vec<String>,
    pub backers: Vec<String>,
    pub vibes: Option<String>,
    pub score: Option<Score>,
    /// `None` where nothing is known of an airdrop (a coin the user added).
    pub airdrop: Option<Airdrop>,
    pub launch: Option<String>,
    pub market_id: Option<MarketId>,
    pub notes: String,
    /// Price alerts in USD: an event when the coin's price rises to
    /// `alert_above` or falls to `alert_below` (see `crate::alert`).
    pub alert_above: Option<Usd>,
    pub alert_below: Option<Usd>,
    /// The tokens there will ever be, for the implied valuation of a
    /// pre-market price (see [`MAX_SUPPLY`]).
    pub total_supply: Option<f64>,
    /// The token's contracts, one per chain at most.
    pub contracts: Vec<Contract>,
    /// What the user holds of it: one lot, its quantity and cost per token.
    pub holding: Option<Holding>,
}

/// The chains a token's contract can be on, as DEX data names them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumCount,
)]
#[strum(serialize_all = "lowercase")]
pub enum Chain {
    Ethereum,
    Base,
    Arbitrum,
    Optimism,
    Polygon,
    Bsc,
    Avalanche,
    Solana,
}

impl Chain {
    /// Every chain, in the order messages list them.
    pub const ALL: [Chain; <Chain as strum::EnumCount>::COUNT] = crate::names::all();

    pub fn key(self) -> &'static str {
        self.into()
    }

    /// Every chain's name: `ethereum, base, …`.
    pub fn keys() -> String {
        Chain::ALL.map(Chain::key).join(", ")
    }
}

/// A token's contract: its chain and its address there, checked (an EVM
/// address is 0x and 40 hex digits, compared without case; a Solana one is
/// 32 to 44 base58 characters, compared exactly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub chain: Chain,
    pub address: String,
}

impl Contract {
    /// How the contract is compared and kept: `ethereum:0xabc…`, an EVM
    /// address in lower case (EVM addresses are the same in any case), a
    /// Solana one as it is.
    pub fn key(&self) -> String {
        token_key(self.chain, &self.address)
    }
}

/// The key of the token at `address` on `chain` (see [`Contract::key`]).
pub fn token_key(chain: Chain, address: &str) -> String {
    let address = address.trim();
    match chain {
        Chain::Solana => format!("{}:{address}", chain.key()),
        _ => format!("{}:{}", chain.key(), address.to_ascii_lowercase()),
    }
}

/// A contract as files and the outputs write it: `{"chain", "address"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContract {
    pub chain: String,
    pub address: String,
}

impl RawContract {
    /// The contract, or the rule it breaks.
    pub fn check(&self) -> Result<Contract, Rule> {
        let chain: Chain =
            self.chain
                .trim()
                .to_lowercase()
                .parse()
                .map_err(|_| Rule::UnknownChain {
                    found: self.chain.clone(),
                })?;
        let address = self.address.trim();
        let ok = match chain {
            Chain::Solana => {
                (32..=44).contains(&address.len())
                    && address
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() && !matches!(c, '0' | 'O' | 'I' | 'l'))
            }
            _ => {
                address.len() == 42
                    && address.starts_with("0x")
                    && address[2..].chars().all(|c| c.is_ascii_hexdigit())
            }
        };
        if !ok {
            return Err(Rule::BadAddress {
                chain: chain.key(),
                found: self.address.clone(),
            });
        }
        Ok(Contract {
            chain,
            address: address.to_string(),
        })
    }
}

impl From<&Contract> for RawContract {
    fn from(c: &Contract) -> RawContract {
        RawContract {
            chain: c.chain.key().to_string(),
            address: c.address.clone(),
        }
    }
}

/// The largest total supply a coin can have: beyond every real token's
/// (the largest are around 1e15).
pub const MAX_SUPPLY: f64 = 1e18;

impl PartialEq for Coin {
    fn eq(&self, other: &Coin) -> bool {
        // Compared through the file form, which holds every field but the id,
        // so a field added to the coin is compared without a change here.
        self.rank == other.rank && RawCoin::from(self) == RawCoin::from(other)
    }
}

impl Coin {
    /// This coin's `name_key`.
    pub fn key(&self) -> String {
        name_key(&self.name)
    }

    /// The market id to poll and to record a listing under: only one that
    /// follows the market-id rule (never an empty one).
    pub fn poll_id(&self) -> Option<&str> {
        self.market_id.as_deref()
    }

    /// Whether `name` names this coin (the same `name_key`).
    pub fn is_named(&self, name: &str) -> bool {
        self.key() == name_key(name)
    }

    /// The rules this coin breaks with `taken` names and ids around it, by
    /// `RawCoin::into_coin`: for coins made or changed in memory (an undo,
    /// a merge, a picked market id), held to what a file load holds them to.
    pub fn check(&self, taken: &Taken) -> Result<(), Vec<FieldError>> {
        RawCoin::from(self).into_coin(taken).map(drop)
    }
}

/// A coin's ticker as the books key it: trimmed, upper case; none for a
/// coin without one.
pub fn ticker_key(coin: &Coin) -> Option<String> {
    let t = coin.ticker.as_deref()?.trim();
    (!t.is_empty()).then(|| t.to_uppercase())
}

/// Where the coin with `id` is in `coins`.
pub fn position(coins: &[Coin], id: CoinId) -> Option<usize> {
    coins.iter().position(|c| c.id == id)
}

/// Declares the coin's editable fields once: the variant (its key in files
/// and messages is the variant's name in snake case, as serde names the
/// fields of `RawCoin`), its label in the form and what the form says it
/// takes. The order is the form's Tab order: the ones a user fills most
/// first.
macro_rules! coin_fields {
    ($($variant:ident: $label:literal, $hint:literal;)*) => {
        /// A field of a coin, as files, messages and the form name it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
        #[strum(serialize_all = "snake_case")]
        pub enum CoinField {
            $($variant,)*
        }

        impl CoinField {
            pub const ALL: &'static [CoinField] = &[$(CoinField::$variant,)*];

            /// The field's key in watchlist files, exports and messages.
            pub fn key(self) -> &'static str {
                self.into()
            }

            /// The field's label in the form.
            pub fn label(self) -> &'static str {
                match self {
                    $(CoinField::$variant => $label,)*
                }
            }

            /// What the field takes, shown when it has the form's focus.
            pub fn hint(self) -> &'static str {
                match self {
                    $(CoinField::$variant => $hint,)*
                }
            }
        }
    };
}

coin_fields! {
    Name: "Name", "required; unique";
    Ticker: "Ticker", "";
    Category: "Category", "";
    MarketId: "Market id", "the CoinGecko id, e.g. nillion";
    Narratives: "Narratives", "separated by ;";
    Notes: "Notes", "";
    AlertAbove: "Alert above (USD)", "e.g. 1.25: told once each time the price rises to it; empty for none";
    AlertBelow: "Alert below (USD)", "e.g. 0.5: told once each time the price falls to it; empty for none";
    Holding: "Holding", "quantity @ cost per token in USD, e.g. 1,250 @ 0.55; empty for none";
    OtherNames: "Other names", "separated by ;";
    Summary: "Summary", "";
    Thesis: "Why listed", "";
    Competitors: "Competitors", "separated by ;";
    Backers: "Backers & team", "separated by ;";
    Vibes: "Vibes", "";
    ScoreKind: "Score kind", "tech, fundamental, or empty";
    Score: "Score %", "0–100, or empty";
    Airdrop: "Airdrop", "confirmed, probable, or empty";
    Launch: "Launch", "";
    Contracts: "Contracts", "chain:address, separated by ; (ethereum:0x…; solana:…)";
    TotalSupply: "Total supply", "tokens, e.g. 1,000,000,000: values a pre-market price (FDV); empty for none";
}

/// A rule a coin breaks. Each rule has one message, wherever the coin came
/// from; the field and the coin are said by whoever shows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    #[error("is required")]
    NameMissing,
    // Values are cleaned of control characters where they are shown: they
    // come from files and may carry terminal escapes.
    #[error("\"{}\" is already in the watchlist", clean(other))]
    NameTaken { other: String },
    #[error(
        "\"{}\" is not a market id (at most 100 lower-case letters, digits, -, _ or .)",
        crate::text::excerpt(id)
    )]
    NotAMarketId { id: String },
    #[error("\"{}\" is already the market id of {}", clean(id), clean(other))]
    MarketIdTaken { id: String, other: String },
    #[error(
        "\"{}\" is not a score kind (tech or fundamental)",
        crate::text::excerpt(found)
    )]
    NotAScoreKind { found: String },
    #[error("\"{}\" is not a whole number 0–100", crate::text::excerpt(found))]
    NotAScore { found: String },
    #[error("{value} is outside 0–100")]
    ScoreOutOfRange { value: i64 },
    #[error("is needed with a score")]
    ScoreKindMissing,
    #[error("is needed with a score kind")]
    ScoreMissing,
    #[error(
        "\"{}\" is not an airdrop kind (confirmed or probable)",
        crate::text::excerpt(found)
    )]
    NotAnAirdrop { found: String },
    #[error("\"{}\" is not a price in USD", crate::text::excerpt(found))]
    NotAPrice { found: String },
    /// The value as `text::number` writes it (short at any magnitude), so
    /// that `Rule` stays `Eq`.
    #[error(
        "{value} is not a price a coin can have (at least {:e}, at most {:e})",
        crate::types::MIN_PRICE_USD,
        crate::types::MAX_PRICE_USD
    )]
    PriceOutOfRange { value: String },
    #[error("\"{}\" is not a number of tokens", crate::text::excerpt(found))]
    NotASupply { found: String },
    /// The value as `text::number` writes it.
    #[error("{value} is not a total supply (above 0, at most {:e})", MAX_SUPPLY)]
    SupplyOutOfRange { value: String },
    #[error(
        "\"{}\" is not a chain prelist knows ({})",
        crate::text::excerpt(found),
        Chain::keys()
    )]
    UnknownChain { found: String },
    #[error(
        "\"{}\" is not a {chain} address (EVM: 0x and 40 hex digits; Solana: 32 to 44 \
         base58 characters)",
        crate::text::excerpt(found)
    )]
    BadAddress { chain: &'static str, found: String },
    #[error("two contracts on {chain}: a token has one per chain")]
    TwoContracts { chain: &'static str },
    /// Both as `text::number` writes them.
    #[error("{below} must be lower than alert_above ({above})")]
    AlertsCrossed { below: String, above: String },
    #[error(transparent)]
    Holding(#[from] HoldingError),
}

/// A field of a coin and the rule its value breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{}`: {rule}", field.key())]
pub struct FieldError {
    pub field: CoinField,
    pub rule: Rule,
}

impl FieldError {
    pub fn new(field: CoinField, rule: Rule) -> FieldError {
        FieldError { field, rule }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Watchlist {
    pub version: u32,
    pub coins: Vec<Coin>,
}

/// Why a watchlist could not be loaded. Every variant names where the problem is.
#[derive(Debug, thiserror::Error)]
pub enum WatchlistError {
    #[error("cannot read watchlist {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: ReadError,
    },
    #[error("watchlist {path} is {size} bytes, more than the {max} a watchlist may be")]
    TooLarge { path: PathBuf, size: u64, max: u64 },
    #[error("watchlist {path} is empty")]
    Empty { path: PathBuf },
    #[error("watchlist {path}, line {line}, column {column}: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("watchlist {path}: {problem}")]
    Invalid { path: PathBuf, problem: Problem },
}

/// A value that parsed as JSON but makes no sense as a watchlist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("version {found} is not supported (this prelist reads version {FORMAT_VERSION})")]
    Version { found: u32 },
    #[error("coin #{index} ({}): {error}", clean(name))]
    Coin {
        index: usize,
        name: String,
        error: FieldError,
    },
    /// An export's record says the coin trades, with a listing that cannot
    /// be one (see `store::listing_problem`).
    #[error("coin #{index} ({}): it is marked trading, but {problem}", clean(name))]
    Listing {
        index: usize,
        name: String,
        problem: String,
    },
}

/// The file format, with loose types where validation gives a better message.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWatchlist {
    version: u32,
    coins: Vec<RawCoin>,
}

/// A coin as files hold it: strings where the typed coin has kinds, so that
/// a bad value is refused by `into_coin` with the coin and field named,
/// rather than by serde with only a position. Empty fields are not written:
/// a big list would otherwise be mostly empty fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCoin {
    pub rank: u32,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticker: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub category: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub thesis: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub narratives: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub competitors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vibes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub airdrop: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market_id: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_above: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_below: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_supply: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contracts: Vec<RawContract>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holding: Option<RawHolding>,
}

impl Watchlist {
    /// The watchlist compiled into the binary.
    #[allow(
        clippy::expect_used,
        reason = "the built-in list is compiled in, and a test checks that it loads"
    )]
    pub fn builtin() -> Watchlist {
        Watchlist::parse(BUILTIN_JSON, Path::new("<built-in watchlist>"))
            .expect("the built-in watchlist is valid (checked by tests)")
    }

    /// Reads and validates a watchlist file. Nothing is ever written to it here.
    pub fn load(path: &Path) -> Result<Watchlist, WatchlistError> {
        Watchlist::read(path).map(|(w, _)| w)
    }

    /// Reads and validates a watchlist file, and returns its text too (to
    /// tell later whether another instance changed it). Only a regular file
    /// of at most [`MAX_FILE_BYTES`] is read.
    pub fn read(path: &Path) -> Result<(Watchlist, String), WatchlistError> {
        let text = read_text(path, MAX_FILE_BYTES).map_err(|e| WatchlistError::read(path, e))?;
        Ok((Watchlist::parse(&text, path)?, text))
    }

    /// Parses and validates watchlist JSON; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Watchlist, WatchlistError> {
        if text.trim().is_empty() {
            return Err(WatchlistError::Empty {
                path: path.to_path_buf(),
            });
        }
        let raw: RawWatchlist =
            serde_json::from_str(text).map_err(|e| WatchlistError::json(path, &e))?;
        if raw.version != FORMAT_VERSION {
            return Err(WatchlistError::Invalid {
                path: path.to_path_buf(),
                problem: Problem::Version { found: raw.version },
            });
        }
        Ok(Watchlist {
            version: raw.version,
            coins: Watchlist::validate(raw.coins, path)?,
        })
    }

    /// Validates coins read from `path` as one list: each coin by
    /// `into_coin`, against the coins before it. The first problem is
    /// reported, with the coin's place in the list and its name.
    pub fn validate(raw: Vec<RawCoin>, path: &Path) -> Result<Vec<Coin>, WatchlistError> {
        let mut taken = Taken::default();
        let mut coins = Vec::with_capacity(raw.len());
        for (i, rc) in raw.into_iter().enumerate() {
            let name = rc.name.clone();
            let coin = rc
                .into_coin(&taken)
                .map_err(|mut errors| WatchlistError::Invalid {
                    path: path.to_path_buf(),
                    problem: Problem::Coin {
                        index: i + 1,
                        name,
                        error: errors.swap_remove(0),
                    },
                })?;
            taken.insert(&coin);
            coins.push(coin);
        }
        Ok(coins)
    }

    /// The watchlist as the JSON the files hold, fields left empty left
    /// out (loading fills them in again).
    pub fn to_json(&self) -> String {
        // With no limit there is no error.
        json_within(&self.raw(), u64::MAX).unwrap_or_default()
    }

    /// What a save writes: [`Watchlist::to_json`], compact if that is what
    /// fits in [`MAX_FILE_BYTES`], so what is written always loads again.
    /// `Err` holds the size it would have, past the limit.
    pub fn file_text(&self) -> Result<String, u64> {
        json_within(&self.raw(), MAX_FILE_BYTES)
    }

    fn raw(&self) -> RawWatchlist {
        RawWatchlist {
            version: self.version,
            coins: self.coins.iter().map(RawCoin::from).collect(),
        }
    }
}

impl WatchlistError {
    /// The watchlist at `path` could not be read.
    pub fn read(path: &Path, e: ReadError) -> WatchlistError {
        match e {
            ReadError::TooLarge {
                size: Some(size),
                max,
            } => WatchlistError::TooLarge {
                path: path.to_path_buf(),
                size,
                max,
            },
            source => WatchlistError::Read {
                path: path.to_path_buf(),
                source,
            },
        }
    }

    /// A JSON error in the file at `path`, with its line and column.
    pub fn json(path: &Path, e: &serde_json::Error) -> WatchlistError {
        WatchlistError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: json_message(e),
        }
    }
}

/// serde_json appends " at line L column C" to its messages; the location is
/// reported separately, so drop it to avoid saying it twice.
/// Cleaned of control characters: serde quotes the file's own text (an
/// unknown field's name), which may carry terminal escapes.
pub fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => &full,
    };
    clean(message).into_owned()
}

/// The names (by `name_key`) and market ids other coins already have, each
/// with the name of the coin that has it, for the uniqueness rules.
#[derive(Debug, Clone, Default)]
pub struct Taken {
    names: HashMap<String, String>,
    ids: HashMap<String, String>,
}

impl Taken {
    /// What `coins` have taken.
    pub fn of<'a>(coins: impl IntoIterator<Item = &'a Coin>) -> Taken {
        let mut taken = Taken::default();
        for c in coins {
            taken.insert(c);
        }
        taken
    }

    pub fn insert(&mut self, coin: &Coin) {
        self.names.insert(coin.key(), coin.name.clone());
        if let Some(id) = &coin.market_id {
            self.ids.insert(id.to_string(), coin.name.clone());
        }
    }

    /// The uniqueness rules `coin` breaks against these.
    fn check(&self, name: &str, market_id: Option<&str>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(other) = self.names.get(&name_key(name)) {
            errors.push(FieldError::new(
                CoinField::Name,
                Rule::NameTaken {
                    other: other.clone(),
                },
            ));
        }
        if let Some(id) = market_id
            && let Some(other) = self.ids.get(id)
        {
            errors.push(FieldError::new(
                CoinField::MarketId,
                Rule::MarketIdTaken {
                    id: id.to_string(),
                    other: other.clone(),
                },
            ));
        }
        errors
    }
}

impl RawCoin {
    /// The one validation of a coin: the typed coin, with a fresh id, or
    /// every rule its fields break, in field order. Kinds are read without
    /// case and around spaces; the name is trimmed. Names and market ids
    /// must not be among `taken`.
    pub fn into_coin(self, taken: &Taken) -> Result<Coin, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut bad = |field, rule| errors.push(FieldError::new(field, rule));
        let name = self.name.trim().to_string();
        if name.is_empty() {
            bad(CoinField::Name, Rule::NameMissing);
        }
        let market_id = match non_empty(self.market_id) {
            None => None,
            Some(id) => {
                let valid = MarketId::new(id.clone());
                if valid.is_none() {
                    bad(CoinField::MarketId, Rule::NotAMarketId { id });
                }
                valid
            }
        };
        let kind_given = non_empty(self.score_kind);
        let score_given = self.score;
        let kind = match kind_given.as_deref().map(|k| k.trim().to_lowercase()) {
            None => None,
            Some(found) => match found.parse() {
                Ok(kind) => Some(kind),
                Err(_) => {
                    bad(CoinField::ScoreKind, Rule::NotAScoreKind { found });
                    None
                }
            },
        };
        let value = match score_given {
            Some(value) if !(0..=100).contains(&value) => {
                bad(CoinField::Score, Rule::ScoreOutOfRange { value });
                None
            }
            v => v.map(|v| v as u8),
        };
        // A score and its kind go together; a missing half is said only
        // when the other half was given, not when it was given but bad.
        let score = match (kind, value) {
            (Some(kind), Some(value)) => Some(Score { kind, value }),
            _ => {
                if score_given.is_some() && kind_given.is_none() {
                    bad(CoinField::ScoreKind, Rule::ScoreKindMissing);
                }
                if kind_given.is_some() && score_given.is_none() {
                    bad(CoinField::Score, Rule::ScoreMissing);
                }
                None
            }
        };
        let airdrop = match non_empty(self.airdrop).map(|a| a.trim().to_lowercase()) {
            None => None,
            Some(found) => match found.parse() {
                Ok(airdrop) => Some(airdrop),
                Err(_) => {
                    bad(CoinField::Airdrop, Rule::NotAnAirdrop { found });
                    None
                }
            },
        };
        let mut contracts: Vec<Contract> = Vec::new();
        for raw in &self.contracts {
            match raw.check() {
                Ok(c) if contracts.iter().any(|o| o.chain == c.chain) => {
                    bad(
                        CoinField::Contracts,
                        Rule::TwoContracts {
                            chain: c.chain.key(),
                        },
                    );
                }
                Ok(c) => contracts.push(c),
                Err(rule) => bad(CoinField::Contracts, rule),
            }
        }
        let total_supply = self.total_supply.filter(|&v| {
            let ok = v.is_finite() && v > 0.0 && v <= MAX_SUPPLY;
            if !ok {
                let value = crate::text::number(v);
                bad(CoinField::TotalSupply, Rule::SupplyOutOfRange { value });
            }
            ok
        });
        let mut threshold = |field, value: Option<f64>| {
            let v = value?;
            let price = Usd::new(v);
            if price.is_none() {
                let value = crate::text::number(v);
                bad(field, Rule::PriceOutOfRange { value });
            }
            price
        };
        let alert_above = threshold(CoinField::AlertAbove, self.alert_above);
        let alert_below = threshold(CoinField::AlertBelow, self.alert_below);
        // Below at or over above would fire both at one price, or one of
        // them forever: it is a slip, not an intent.
        if let (Some(above), Some(below)) = (alert_above, alert_below)
            && below >= above
        {
            bad(
                CoinField::AlertBelow,
                Rule::AlertsCrossed {
                    below: crate::text::number(below.get()),
                    above: crate::text::number(above.get()),
                },
            );
        }
        let holding = self.holding.and_then(|h| {
            h.check()
                .map_err(|e| bad(CoinField::Holding, Rule::Holding(e)))
                .ok()
        });
        if !name.is_empty() {
            errors.extend(taken.check(&name, market_id.as_deref()));
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.field as usize);
            return Err(errors);
        }
        Ok(Coin {
            id: CoinId::fresh(),
            rank: self.rank,
            name,
            other_names: self.other_names,
            ticker: non_empty(self.ticker),
            category: self.category,
            summary: self.summary,
            thesis: self.thesis,
            narratives: self.narratives,
            competitors: self.competitors,
            backers: self.backers,
            vibes: non_empty(self.vibes),
            score,
            airdrop,
            launch: non_empty(self.launch),
            market_id,
            notes: self.notes,
            alert_above,
            alert_below,
            total_supply,
            contracts,
            holding,
        })
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

impl From<&Coin> for RawCoin {
    fn from(c: &Coin) -> RawCoin {
        RawCoin {
            rank: c.rank,
            name: c.name.clone(),
            other_names: c.other_names.clone(),
            ticker: c.ticker.clone(),
            category: c.category.clone(),
            summary: c.summary.clone(),
            thesis: c.thesis.clone(),
            narratives: c.narratives.clone(),
            competitors: c.competitors.clone(),
            backers: c.backers.clone(),
            vibes: c.vibes.clone(),
            score_kind: c.score.map(|s| s.kind.as_str().to_string()),
            score: c.score.map(|s| i64::from(s.value)),
            airdrop: c.airdrop.map(|a| a.as_str().to_string()),
            launch: c.launch.clone(),
            market_id: c.market_id.as_deref().map(String::from),
            notes: c.notes.clone(),
            alert_above: c.alert_above.map(Usd::get),
            alert_below: c.alert_below.map(Usd::get),
            total_supply: c.total_supply,
            contracts: c.contracts.iter().map(RawContract::from).collect(),
            holding: c.holding.as_ref().map(RawHolding::from),
        }
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Watchlist, WatchlistError> {
        Watchlist::parse(text, Path::new("w.json"))
    }

    fn one_coin(fields: &str) -> String {
        format!(
            r#"{{"version":1,"coins":[{{"rank":1,"name":"A","airdrop":"confirmed"{fields}}}]}}"#
        )
    }

    #[test]
    fn builtin_has_the_fourteen_coins_in_article_order() {
        let w = Watchlist::builtin();
        let names: Vec<_> = w.coins.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Gravity",
                "Nillion",
                "My Pet Hooligan",
                "Parcl",
                "Nibiru",
                "ReadyGG",
                "Dolomite",
                "Movement Labs",
                "Ola",
                "Lurk",
                "Nimble",
                "Ten",
                "Dojima Network",
                "Peaq Network"
            ]
        );
        let ranks: Vec<_> = w.coins.iter().map(|c| c.rank).collect();
        assert_eq!(ranks, (1..=14).collect::<Vec<_>>());
    }

    #[test]
    fn builtin_round_trips_through_to_json() {
        let w = Watchlist::builtin();
        assert_eq!(parse(&w.to_json()).unwrap(), w);
    }

    #[test]
    fn score_outside_range_names_coin_and_field() {
        let err = parse(&one_coin(r#","score_kind":"tech","score":101"#)).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("w.json") && msg.contains("(A)") && msg.contains("`score`"),
            "{msg}"
        );
        assert!(msg.contains("101 is outside 0–100"), "{msg}");
    }

    #[test]
    fn unknown_airdrop_kind_names_coin_and_field() {
        let text = r#"{"version":1,"coins":[{"rank":1,"name":"Zed","airdrop":"maybe"}]}"#;
        let msg = parse(text).unwrap_err().to_string();
        assert!(
            msg.contains("(Zed)") && msg.contains("`airdrop`") && msg.contains("maybe"),
            "{msg}"
        );
    }

    #[test]
    fn duplicate_names_and_market_ids_are_refused() {
        let dup_name = r#"{"version":1,"coins":[
            {"rank":1,"name":"A","airdrop":"confirmed"},
            {"rank":2,"name":"a","airdrop":"confirmed"}]}"#;
        let msg = parse(dup_name).unwrap_err().to_string();
        assert!(
            msg.contains("coin #2 (a)") && msg.contains("`name`"),
            "{msg}"
        );

        let dup_id = r#"{"version":1,"coins":[
            {"rank":1,"name":"A","airdrop":"confirmed","market_id":"x"},
            {"rank":2,"name":"B","airdrop":"confirmed","market_id":"x"}]}"#;
        let msg = parse(dup_id).unwrap_err().to_string();
        assert!(
            msg.contains("coin #2 (B)") && msg.contains("`market_id`"),
            "{msg}"
        );
    }

    #[test]
    fn json_errors_carry_line_and_column() {
        let err = parse("{\"version\": 1,\n  \"coins\": [,]}").unwrap_err();
        match err {
            WatchlistError::Json { line, column, .. } => assert_eq!((line, column), (2, 13)),
            other => panic!("expected a JSON error, got {other}"),
        }
    }

    #[test]
    fn empty_text_and_wrong_version_are_refused() {
        assert!(matches!(parse("  \n"), Err(WatchlistError::Empty { .. })));
        let msg = parse(r#"{"version":2,"coins":[]}"#)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("version 2 is not supported"), "{msg}");
    }

    #[test]
    fn score_needs_its_kind_and_ids_must_be_slugs() {
        assert!(parse(&one_coin(r#","score":50"#)).is_err());
        assert!(parse(&one_coin(r#","score_kind":"tech""#)).is_err());
        assert!(parse(&one_coin(r#","market_id":"a b/c?x=1""#)).is_err());
        let ok = parse(&one_coin(r#","score_kind":"fundamental","score":0"#)).unwrap();
        assert_eq!(
            ok.coins[0].score,
            Some(Score {
                kind: ScoreKind::Fundamental,
                value: 0
            })
        );
    }

    #[test]
    fn the_same_coin_is_the_trimmed_unicode_lowercased_name() {
        assert_eq!(name_key("  ÉTHER Fi "), "éther fi");
        let dup = r#"{"version":1,"coins":[
            {"rank":1,"name":"Éther"},
            {"rank":2,"name":" éTHER "}]}"#;
        let msg = parse(dup).unwrap_err().to_string();
        assert!(
            msg.ends_with("coin #2 ( éTHER ): field `name`: \"Éther\" is already in the watchlist"),
            "{msg}"
        );
        let c = &Watchlist::builtin().coins[1];
        assert!(c.is_named(" nillion") && !c.is_named("Nillion X"));
    }

    #[test]
    fn kinds_are_read_without_case_and_names_trimmed() {
        let w = parse(
            r#"{"version":1,"coins":[{"rank":1,"name":" A ","score_kind":" Tech","score":5,"airdrop":"PROBABLE"}]}"#,
        )
        .unwrap();
        let c = &w.coins[0];
        assert_eq!(c.name, "A");
        assert_eq!(c.airdrop, Some(Airdrop::Probable));
        assert_eq!(c.score.map(|s| s.kind), Some(ScoreKind::Tech));
    }

    #[test]
    fn every_rule_broken_is_said_once_in_field_order() {
        let raw = RawCoin {
            rank: 1,
            name: " ".into(),
            market_id: Some("Bad Id".into()),
            score_kind: Some("vibes".into()),
            score: Some(-1),
            airdrop: Some("maybe".into()),
            ..RawCoin::default()
        };
        let errors = raw.into_coin(&Taken::default()).unwrap_err();
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "field `name`: is required",
                "field `market_id`: \"Bad Id\" is not a market id (at most 100 lower-case letters, digits, -, _ or .)",
                "field `score_kind`: \"vibes\" is not a score kind (tech or fundamental)",
                "field `score`: -1 is outside 0–100",
                "field `airdrop`: \"maybe\" is not an airdrop kind (confirmed or probable)",
            ]
        );
    }

    #[test]
    fn alerts_load_round_trip_and_are_left_out_when_unset() {
        let w = parse(&one_coin(r#","alert_above":1.5,"alert_below":0.25"#)).unwrap();
        assert_eq!(w.coins[0].alert_above.map(|p| p.get()), Some(1.5));
        assert_eq!(w.coins[0].alert_below.map(|p| p.get()), Some(0.25));
        let text = w.to_json();
        assert!(text.contains("\"alert_above\": 1.5"), "{text}");
        assert_eq!(parse(&text).unwrap(), w);
        let mut changed = w.clone();
        changed.coins[0].alert_below = crate::types::Usd::new(0.3);
        assert_ne!(changed, w, "an alert is part of the coin");
        let none = parse(&one_coin("")).unwrap().to_json();
        assert!(!none.contains("alert"), "{none}");
    }

    #[test]
    fn a_threshold_too_small_or_too_large_is_said_in_a_short_message() {
        let msg = |fields: &str| parse(&one_coin(fields)).unwrap_err().to_string();
        for bad in ["5e-324", "1e308"] {
            for field in ["alert_above", "alert_below"] {
                let said = msg(&format!(r#","{field}":{bad}"#));
                assert!(said.len() < 200, "{} bytes: {said}", said.len());
                assert!(said.contains(&format!("field `{field}`")), "{said}");
            }
        }
        let crossed =
            msg(r#","alert_above":1.2345678901234567e-11,"alert_below":0.30000000000000004"#);
        assert!(crossed.contains("field `alert_below`"), "{crossed}");
        assert!(!crossed.contains("0.0000000000"), "{crossed}");
        assert!(!crossed.contains("0.30000000000000004"), "{crossed}");
    }

    #[test]
    fn alerts_must_be_prices_with_below_under_above() {
        let msg = |fields: &str| parse(&one_coin(fields)).unwrap_err().to_string();
        assert!(
            msg(r#","alert_above":0"#).ends_with(
                "coin #1 (A): field `alert_above`: 0 is not a price a coin can have \
                 (at least 1e-12, at most 1e9)"
            ),
            "{}",
            msg(r#","alert_above":0"#)
        );
        assert!(msg(r#","alert_below":-2"#).contains("field `alert_below`: -2 is not a price"));
        assert!(msg(r#","alert_above":1e10"#).contains("field `alert_above`: 10000000000"));
        assert!(
            msg(r#","alert_above":"1""#).contains("line 1"),
            "a string is a JSON type error, with its place"
        );
        assert!(
            msg(r#","alert_above":1,"alert_below":1"#)
                .ends_with("field `alert_below`: 1 must be lower than alert_above (1)")
        );
        assert!(parse(&one_coin(r#","alert_above":1,"alert_below":0.99"#)).is_ok());
        let raw = RawCoin {
            name: "A".into(),
            alert_above: Some(f64::NAN),
            alert_below: Some(f64::INFINITY),
            ..RawCoin::default()
        };
        let fields: Vec<CoinField> = raw
            .into_coin(&Taken::default())
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, [CoinField::AlertAbove, CoinField::AlertBelow]);
    }

    #[test]
    fn ids_are_fresh_per_coin_and_not_part_of_equality() {
        let a = Watchlist::builtin();
        let b = Watchlist::builtin();
        assert_eq!(a, b);
        assert_ne!(a.coins[0].id, b.coins[0].id);
        let mut ids: Vec<CoinId> = a.coins.iter().map(|c| c.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), 14);
        assert_eq!(position(&a.coins, a.coins[3].id), Some(3));
        assert_eq!(position(&a.coins, b.coins[3].id), None);
    }

    /// Each name of `T` is what serde writes, parses back, and is listed by
    /// `message` and by the form's hint for `field`.
    fn named_alike<T>(message: Rule, field: CoinField)
    where
        T: VariantArray + Copy + fmt::Debug + PartialEq + Serialize + std::str::FromStr,
        &'static str: From<T>,
    {
        for &v in T::VARIANTS {
            let key = <&str>::from(v);
            assert_eq!(serde_json::to_value(v).unwrap(), key);
            assert_eq!(key.parse::<T>().ok(), Some(v));
            assert!(message.to_string().contains(key), "{message}");
            assert!(field.hint().contains(key), "{}", field.hint());
        }
    }

    #[test]
    fn kinds_are_named_alike_in_files_messages_and_the_form() {
        let found = || "x".to_string();
        let kind = Rule::NotAScoreKind { found: found() };
        named_alike::<ScoreKind>(kind, CoinField::ScoreKind);
        let airdrop = Rule::NotAnAirdrop { found: found() };
        named_alike::<Airdrop>(airdrop, CoinField::Airdrop);
    }

    #[test]
    fn form_fields_cover_every_coin_field_but_rank() {
        let keys: Vec<&str> = CoinField::ALL.iter().map(|f| f.key()).collect();
        let every = RawCoin::from(&Watchlist::builtin().coins[1]);
        let file = serde_json::to_value(RawCoin {
            market_id: Some("x".into()),
            launch: Some("Q3".into()),
            notes: "n".into(),
            ticker: Some("T".into()),
            other_names: vec!["o".into()],
            alert_above: Some(2.0),
            alert_below: Some(1.0),
            total_supply: Some(1e9),
            contracts: vec![RawContract {
                chain: "ethereum".into(),
                address: "0x6b175474e89094c44da98b954eedeac495271d0f".into(),
            }],
            holding: Some(RawHolding {
                quantity: 3.0,
                cost_usd: 0.1,
            }),
            ..every
        })
        .unwrap();
        let mut file_keys: Vec<&str> = file
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "rank")
            .collect();
        let mut keys_sorted = keys.clone();
        keys_sorted.sort();
        file_keys.sort();
        assert_eq!(keys_sorted, file_keys);
        assert_eq!(CoinField::ALL[0], CoinField::Name);
        assert_eq!(CoinField::MarketId.label(), "Market id");
    }

    #[test]
    fn a_total_supply_is_a_positive_finite_number_of_tokens() {
        let w = parse(&one_coin(r#","total_supply":1000000000"#)).unwrap();
        assert_eq!(w.coins[0].total_supply, Some(1e9));
        for bad in ["0", "-5", "1e19"] {
            let e = parse(&one_coin(&format!(r#","total_supply":{bad}"#)))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("field `total_supply`") && e.contains("is not a total supply"),
                "{bad}: {e}"
            );
        }
        assert!(parse(&one_coin(r#","total_supply":"lots""#)).is_err());
    }

    #[test]
    fn contracts_are_checked_by_chain() {
        let evm = "0x6b175474e89094c44da98b954eedeac495271d0f";
        let sol = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
        let w = parse(&one_coin(&format!(
            r#","contracts":[{{"chain":"ethereum","address":"{evm}"}},{{"chain":"Solana","address":"{sol}"}}]"#
        )))
        .unwrap();
        let c = &w.coins[0].contracts;
        assert_eq!((c[0].chain, c[0].address.as_str()), (Chain::Ethereum, evm));
        assert_eq!((c[1].chain, c[1].address.as_str()), (Chain::Solana, sol));
        let msg = |contracts: &str| {
            parse(&one_coin(&format!(r#","contracts":{contracts}"#)))
                .unwrap_err()
                .to_string()
        };
        let e = msg(r#"[{"chain":"tron","address":"T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb"}]"#);
        assert!(
            e.contains("field `contracts`") && e.contains("\"tron\" is not a chain"),
            "{e}"
        );
        for bad in [
            "0x123",
            "6b175474e89094c44da98b954eedeac495271d0f00",
            "0xZZ75474e89094c44da98b954eedeac495271d0f",
        ] {
            let e = msg(&format!(r#"[{{"chain":"base","address":"{bad}"}}]"#));
            assert!(e.contains("is not a base address"), "{bad}: {e}");
        }
        let e = msg(r#"[{"chain":"solana","address":"0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl"}]"#);
        assert!(e.contains("is not a solana address"), "{e}");
        let e = msg(&format!(
            r#"[{{"chain":"ethereum","address":"{evm}"}},{{"chain":"ethereum","address":"{evm}"}}]"#
        ));
        assert!(e.contains("two contracts on ethereum"), "{e}");
        assert!(msg(r#"[{"chain":"ethereum"}]"#).contains("address"));
    }

    #[test]
    fn a_long_bad_value_is_quoted_short() {
        let long = "z".repeat(100_000);
        let raw = RawCoin {
            name: "A".into(),
            market_id: Some(long.clone()),
            score_kind: Some(long.clone()),
            airdrop: Some(long),
            ..RawCoin::default()
        };
        let errors = raw.into_coin(&Taken::default()).unwrap_err();
        let quoting: Vec<String> = errors
            .iter()
            .map(|e| e.rule.to_string())
            .filter(|said| said.contains("zzz"))
            .collect();
        assert_eq!(quoting.len(), 3, "{errors:?}");
        for said in quoting {
            assert!(said.len() < 200 && said.contains("zzz…"), "{said}");
        }
    }
}
