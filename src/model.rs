//! The watchlist: coins as the article describes them, loaded and validated.
//!
//! Files are parsed in two steps: serde reads loose types (strings, numbers)
//! so that JSON mistakes come back with a line and column, then `validate`
//! turns them into typed coins and names the coin and field of any bad value.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The built-in watchlist, transcribed from the article.
pub const BUILTIN_JSON: &str = include_str!("../assets/watchlist.json");

/// The only watchlist format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Watchlist files larger than this are refused before parsing: a real one
/// is a few kilobytes, and reading an arbitrary file whole could exhaust memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoreKind {
    Tech,
    Fundamental,
}

impl ScoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreKind::Tech => "tech",
            ScoreKind::Fundamental => "fundamental",
        }
    }
}

/// How sure the article is that holders will get an airdrop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Airdrop {
    Confirmed,
    Probable,
}

impl Airdrop {
    pub fn as_str(self) -> &'static str {
        match self {
            Airdrop::Confirmed => "confirmed",
            Airdrop::Probable => "probable",
        }
    }
}

/// A score from the article: what kind, and the value in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    pub kind: ScoreKind,
    pub value: u8,
}

/// One watched coin. Names are unique in a watchlist (compared without case),
/// and so are market ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Coin {
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
    pub market_id: Option<String>,
    pub notes: String,
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
        source: std::io::Error,
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
    #[error("coin #{index} ({name}): field `{field}`: {reason}")]
    Field {
        index: usize,
        name: String,
        field: &'static str,
        reason: String,
    },
}

/// The file format, with loose types where validation gives a better message.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWatchlist {
    version: u32,
    coins: Vec<RawCoin>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoin {
    rank: u32,
    name: String,
    #[serde(default)]
    other_names: Vec<String>,
    #[serde(default)]
    ticker: Option<String>,
    #[serde(default)]
    category: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    thesis: String,
    #[serde(default)]
    narratives: Vec<String>,
    #[serde(default)]
    competitors: Vec<String>,
    #[serde(default)]
    backers: Vec<String>,
    #[serde(default)]
    vibes: Option<String>,
    #[serde(default)]
    score_kind: Option<String>,
    #[serde(default)]
    score: Option<i64>,
    #[serde(default)]
    airdrop: Option<String>,
    #[serde(default)]
    launch: Option<String>,
    #[serde(default)]
    market_id: Option<String>,
    #[serde(default)]
    notes: String,
}

impl Watchlist {
    /// The watchlist compiled into the binary.
    pub fn builtin() -> Watchlist {
        Watchlist::parse(BUILTIN_JSON, Path::new("<built-in watchlist>"))
            .expect("the built-in watchlist is valid (checked by tests)")
    }

    /// Reads and validates a watchlist file. Nothing is ever written to it here.
    pub fn load(path: &Path) -> Result<Watchlist, WatchlistError> {
        let read_err = |source| WatchlistError::Read {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read_err)?;
        if meta.is_dir() {
            return Err(read_err(std::io::Error::other("it is a directory")));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(WatchlistError::TooLarge {
                path: path.to_path_buf(),
                size: meta.len(),
                max: MAX_FILE_BYTES,
            });
        }
        let bytes = std::fs::read(path).map_err(read_err)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            read_err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "not UTF-8 text (bad byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            ))
        })?;
        Watchlist::parse(&text, path)
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
        validate(raw).map_err(|problem| WatchlistError::Invalid {
            path: path.to_path_buf(),
            problem,
        })
    }

    /// The watchlist as the JSON the files hold.
    pub fn to_json(&self) -> String {
        let raw = RawWatchlist {
            version: self.version,
            coins: self.coins.iter().map(RawCoin::from).collect(),
        };
        let mut text = serde_json::to_string_pretty(&raw).expect("watchlist serialises");
        text.push('\n');
        text
    }
}

impl WatchlistError {
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
pub fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    }
}

fn validate(raw: RawWatchlist) -> Result<Watchlist, Problem> {
    if raw.version != FORMAT_VERSION {
        return Err(Problem::Version { found: raw.version });
    }
    let mut names = HashSet::new();
    let mut ids = HashSet::new();
    let mut coins = Vec::with_capacity(raw.coins.len());
    for (i, rc) in raw.coins.into_iter().enumerate() {
        let index = i + 1;
        let bad = |field: &'static str, reason: String| Problem::Field {
            index,
            name: rc.name.clone(),
            field,
            reason,
        };
        if rc.name.trim().is_empty() {
            return Err(bad("name", "is empty".into()));
        }
        if !names.insert(rc.name.to_lowercase()) {
            return Err(bad(
                "name",
                format!("\"{}\" is used by another coin", rc.name),
            ));
        }
        let market_id = non_empty(rc.market_id.clone());
        if let Some(id) = &market_id {
            if !is_market_id(id) {
                return Err(bad(
                    "market_id",
                    format!("\"{id}\" is not a market id (lower-case letters, digits and - only)"),
                ));
            }
            if !ids.insert(id.clone()) {
                return Err(bad(
                    "market_id",
                    format!("\"{id}\" is used by another coin"),
                ));
            }
        }
        let airdrop = match rc.airdrop.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("confirmed") => Some(Airdrop::Confirmed),
            Some("probable") => Some(Airdrop::Probable),
            Some(other) => {
                return Err(bad(
                    "airdrop",
                    format!("\"{other}\" is not an airdrop kind (confirmed or probable)"),
                ));
            }
        };
        let kind = match rc.score_kind.as_deref() {
            None => None,
            Some("tech") => Some(ScoreKind::Tech),
            Some("fundamental") => Some(ScoreKind::Fundamental),
            Some(other) => {
                return Err(bad(
                    "score_kind",
                    format!("\"{other}\" is not a score kind (tech or fundamental)"),
                ));
            }
        };
        let score = match (kind, rc.score) {
            (_, Some(v)) if !(0..=100).contains(&v) => {
                return Err(bad("score", format!("{v} is outside 0–100")));
            }
            (Some(kind), Some(v)) => Some(Score {
                kind,
                value: v as u8,
            }),
            (None, None) => None,
            (None, Some(_)) => {
                return Err(bad("score_kind", "is missing for a score".into()));
            }
            (Some(_), None) => return Err(bad("score", "is missing for a score kind".into())),
        };
        coins.push(Coin {
            rank: rc.rank,
            name: rc.name,
            other_names: rc.other_names,
            ticker: non_empty(rc.ticker),
            category: rc.category,
            summary: rc.summary,
            thesis: rc.thesis,
            narratives: rc.narratives,
            competitors: rc.competitors,
            backers: rc.backers,
            vibes: non_empty(rc.vibes),
            score,
            airdrop,
            launch: non_empty(rc.launch),
            market_id,
            notes: rc.notes,
        });
    }
    Ok(Watchlist {
        version: raw.version,
        coins,
    })
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// CoinGecko ids are lower-case slugs; anything else cannot be one and would
/// end up in a request URL.
pub fn is_market_id(id: &str) -> bool {
    id.len() <= 100
        && id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.'
        })
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
            market_id: c.market_id.clone(),
            notes: c.notes.clone(),
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
}
