//! The add/edit form: a line editor per field, and the conversion of the
//! fields into a coin through the watchlist's one validation, with every
//! error tied to the field it belongs to.

use tui_input::{Input, InputRequest};
use unicode_width::UnicodeWidthChar;

use crate::model::{Coin, CoinId, FieldError, RawCoin, Rule, Taken};

/// The form's fields: the coin's editable fields, in Tab order.
pub use crate::model::CoinField as Field;

/// One line of editable text with a cursor, edited by `tui-input` (which
/// steps over whole graphemes, so an emoji goes in one backspace).
#[derive(Debug, Clone, Default)]
pub struct LineInput(Input);

impl PartialEq for LineInput {
    fn eq(&self, other: &LineInput) -> bool {
        self.text() == other.text() && self.cursor() == other.cursor()
    }
}

impl Eq for LineInput {}

impl LineInput {
    pub fn new(text: &str) -> LineInput {
        LineInput(Input::new(text.to_string()))
    }

    pub fn text(&self) -> &str {
        self.0.value()
    }

    /// The cursor, as a count of chars before it (not bytes, not columns).
    pub fn cursor(&self) -> usize {
        self.0.cursor()
    }

    /// Inserts text at the cursor; control characters (a pasted newline or
    /// tab among them) become spaces, so a field stays one clean line.
    pub fn insert(&mut self, s: &str) {
        for c in s.chars() {
            let c = if c.is_control() { ' ' } else { c };
            self.0.handle(InputRequest::InsertChar(c));
        }
    }

    pub fn backspace(&mut self) {
        self.0.handle(InputRequest::DeletePrevChar);
    }

    pub fn delete(&mut self) {
        self.0.handle(InputRequest::DeleteNextChar);
    }

    pub fn left(&mut self) {
        self.0.handle(InputRequest::GoToPrevChar);
    }

    pub fn right(&mut self) {
        self.0.handle(InputRequest::GoToNextChar);
    }

    pub fn home(&mut self) {
        self.0.handle(InputRequest::GoToStart);
    }

    pub fn end(&mut self) {
        self.0.handle(InputRequest::GoToEnd);
    }

    /// The part of the text to show in `width` terminal columns, scrolled so
    /// the cursor is in view, and the cursor's column within it. Both count
    /// display columns, so a wide character (CJK, most emoji) takes the two
    /// cells it takes on screen and the cursor lands after it.
    pub fn window(&self, width: usize) -> (String, usize) {
        let width = width.max(1);
        let cols = |c: char| c.width().unwrap_or(0);
        let text = self.text();
        let cursor_col: usize = text.chars().take(self.cursor()).map(cols).sum();
        // The cursor's own cell is the last one the window may need.
        let scroll = (cursor_col + 1).saturating_sub(width);
        let (mut skipped, mut used) = (0, 0);
        let mut shown = String::new();
        for c in text.chars() {
            let w = cols(c);
            if skipped < scroll {
                // A wide character cut by the window's edge is left out whole.
                skipped += w;
                continue;
            }
            if used + w > width {
                break;
            }
            used += w;
            shown.push(c);
        }
        (shown, cursor_col - skipped)
    }
}

/// The form: which coin it edits (`None`: a new one), its inputs, the field
/// with the focus, and the errors of the last save attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub editing: Option<CoinId>,
    pub inputs: Vec<LineInput>,
    pub focus: usize,
    pub errors: Vec<FieldError>,
    /// The rank the coin keeps (edit) or gets (add).
    rank: u32,
}

/// List fields are edited as one line, items separated by ";" (items such
/// as "Team from Google, Facebook and Apple" hold commas).
fn join(items: &[String]) -> String {
    items.join("; ")
}

fn split(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// What field `f` of a coin reads as in the form.
fn field_text(c: &RawCoin, f: Field) -> String {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    match f {
        Field::Name => c.name.clone(),
        Field::Ticker => text(&c.ticker),
        Field::Category => c.category.clone(),
        Field::MarketId => text(&c.market_id),
        Field::Narratives => join(&c.narratives),
        Field::Notes => c.notes.clone(),
        Field::OtherNames => join(&c.other_names),
        Field::Summary => c.summary.clone(),
        Field::Thesis => c.thesis.clone(),
        Field::Competitors => join(&c.competitors),
        Field::Backers => join(&c.backers),
        Field::Vibes => text(&c.vibes),
        Field::ScoreKind => text(&c.score_kind),
        Field::Score => c.score.map(|s| s.to_string()).unwrap_or_default(),
        Field::Airdrop => text(&c.airdrop),
        Field::Launch => text(&c.launch),
        Field::AlertAbove => c.alert_above.map(|p| p.to_string()).unwrap_or_default(),
        Field::AlertBelow => c.alert_below.map(|p| p.to_string()).unwrap_or_default(),
        Field::TotalSupply => c.total_supply.map(|n| n.to_string()).unwrap_or_default(),
        Field::Holding => c.holding.map(|h| h.text()).unwrap_or_default(),
        Field::Contracts => c
            .contracts
            .iter()
            .map(|k| format!("{}:{}", k.chain, k.address))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// A price as typed: "$1,250.5" is 1250.5 (a dollar sign and thousands
/// commas are how prices are written); empty is none. Whether it is a
/// price a coin can have is the watchlist's rule.
fn price(f: Field, s: &str) -> Result<Option<f64>, FieldError> {
    let digits: String = s.trim_start_matches('$').replace(',', "");
    match digits.trim() {
        "" => Ok(None),
        n => n.parse().map(Some).map_err(|_| {
            FieldError::new(
                f,
                Rule::NotAPrice {
                    found: s.to_string(),
                },
            )
        }),
    }
}

/// Sets field `f` of a coin from the form's (trimmed) text. Only a score
/// or a price that is not a number can be wrong here; every other rule is the
/// watchlist's, checked by `RawCoin::into_coin`.
fn set_field(c: &mut RawCoin, f: Field, s: &str) -> Result<(), FieldError> {
    match f {
        Field::Name => c.name = s.to_string(),
        Field::Ticker => c.ticker = opt(s),
        Field::Category => c.category = s.to_string(),
        Field::MarketId => c.market_id = opt(s),
        Field::Narratives => c.narratives = split(s),
        Field::Notes => c.notes = s.to_string(),
        Field::OtherNames => c.other_names = split(s),
        Field::Summary => c.summary = s.to_string(),
        Field::Thesis => c.thesis = s.to_string(),
        Field::Competitors => c.competitors = split(s),
        Field::Backers => c.backers = split(s),
        Field::Vibes => c.vibes = opt(s),
        Field::ScoreKind => c.score_kind = opt(s),
        Field::Score => {
            c.score = match s.trim_end_matches('%').trim() {
                "" => None,
                n => Some(n.parse().map_err(|_| {
                    FieldError::new(
                        f,
                        Rule::NotAScore {
                            found: s.to_string(),
                        },
                    )
                })?),
            }
        }
        Field::Airdrop => c.airdrop = opt(s),
        Field::Launch => c.launch = opt(s),
        Field::AlertAbove => c.alert_above = price(f, s)?,
        Field::AlertBelow => c.alert_below = price(f, s)?,
        Field::Contracts => {
            c.contracts = split(s)
                .into_iter()
                .map(|item| {
                    let (chain, address) = item.split_once(':').unwrap_or(("", &item));
                    crate::model::RawContract {
                        chain: chain.trim().to_string(),
                        address: address.trim().to_string(),
                    }
                })
                .collect()
        }
        Field::Holding => {
            c.holding = crate::holding::RawHolding::parse(s)
                .map_err(|e| FieldError::new(f, Rule::Holding(e)))?;
        }
        Field::TotalSupply => {
            // "1,000,000,000" is how supplies are written.
            c.total_supply = match s.replace(',', "").trim() {
                "" => None,
                n => Some(n.parse().map_err(|_| {
                    FieldError::new(
                        f,
                        Rule::NotASupply {
                            found: s.to_string(),
                        },
                    )
                })?),
            }
        }
    }
    Ok(())
}

impl Form {
    /// An empty form for a new coin, ranked after the others.
    pub fn add(coins: &[Coin]) -> Form {
        // Saturating: a file may hold the highest rank there is.
        let rank = coins
            .iter()
            .map(|c| c.rank)
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        Form {
            editing: None,
            inputs: vec![LineInput::default(); Field::ALL.len()],
            focus: 0,
            errors: Vec::new(),
            rank,
        }
    }

    /// A form holding `coin`'s fields.
    pub fn edit(coin: &Coin) -> Form {
        let raw = RawCoin::from(coin);
        Form {
            editing: Some(coin.id),
            inputs: Field::ALL
                .iter()
                .map(|&f| LineInput::new(&field_text(&raw, f)))
                .collect(),
            focus: 0,
            errors: Vec::new(),
            rank: coin.rank,
        }
    }

    pub fn field(&self) -> Field {
        Field::ALL[self.focus]
    }

    pub fn input(&mut self) -> &mut LineInput {
        &mut self.inputs[self.focus]
    }

    pub fn value(&self, f: Field) -> &str {
        self.inputs[f as usize].text()
    }

    /// Moves the focus by `step` fields, wrapping.
    pub fn move_focus(&mut self, step: isize) {
        let n = Field::ALL.len() as isize;
        self.focus = (self.focus as isize + step).rem_euclid(n) as usize;
    }

    /// The coin the fields describe (keeping the edited coin's id), or
    /// every error found, in field order. Names and market ids must not
    /// clash with another coin of `coins`.
    pub fn to_coin(&self, coins: &[Coin]) -> Result<Coin, Vec<FieldError>> {
        let mut raw = RawCoin {
            rank: self.rank,
            ..RawCoin::default()
        };
        let mut errors: Vec<FieldError> = Field::ALL
            .iter()
            .filter_map(|&f| set_field(&mut raw, f, self.value(f).trim()).err())
            .collect();
        let taken = Taken::of(coins.iter().filter(|c| Some(c.id) != self.editing));
        match raw.into_coin(&taken) {
            Ok(mut coin) if errors.is_empty() => {
                coin.id = self.editing.unwrap_or(coin.id);
                Ok(coin)
            }
            Ok(_) => Err(errors),
            Err(more) => {
                // A field already wrong here is not said to be wrong twice.
                let said: Vec<Field> = errors.iter().map(|e| e.field).collect();
                errors.extend(more.into_iter().filter(|e| !said.contains(&e.field)));
                errors.sort_by_key(|e| e.field as usize);
                Err(errors)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Airdrop, Score, ScoreKind, Watchlist};

    #[test]
    fn line_input_edits_like_a_line_editor() {
        let mut l = LineInput::new("Nilion");
        l.left();
        l.left();
        l.left();
        l.insert("l");
        assert_eq!(l.text(), "Nillion");
        l.home();
        l.delete();
        l.insert("n");
        assert_eq!(l.text(), "nillion");
        l.end();
        l.backspace();
        assert_eq!((l.text(), l.cursor()), ("nillio", 6));
        l.insert("n — ünï\n\tx");
        assert_eq!(l.text(), "nillion — ünï  x");
        l.right();
        assert_eq!(l.cursor(), 16, "the cursor stops at the end");
        l.home();
        l.left();
        l.backspace();
        assert_eq!((l.text(), l.cursor()), ("nillion — ünï  x", 0));
    }

    #[test]
    fn wide_characters_take_two_columns_in_the_window() {
        let l = LineInput::new("币安🚀x");
        // 币 安 🚀 are two columns each: the cursor at the end is column 7.
        assert_eq!(l.window(20), ("币安🚀x".to_string(), 7));
        // Five columns: scrolled so the cursor's cell is the last shown;
        // the character cut by the left edge is left out whole.
        assert_eq!(l.window(5), ("🚀x".to_string(), 3));
        let mut l = l;
        l.home();
        l.right();
        assert_eq!(l.window(3), ("币".to_string(), 2));
        l.right();
        assert_eq!(l.window(3), ("安".to_string(), 2));
        // One backspace takes a whole emoji, joined parts and all.
        let mut l = LineInput::new("a👩‍💻");
        l.backspace();
        assert_eq!(l.text(), "a");
    }

    #[test]
    fn a_new_coin_after_the_highest_rank_there_is_does_not_wrap_to_zero() {
        let mut coins = Watchlist::builtin().coins;
        coins[3].rank = u32::MAX;
        let mut f = Form::add(&coins);
        f.focus = Field::Name as usize;
        f.input().insert("Zeta");
        assert_eq!(f.to_coin(&coins).unwrap().rank, u32::MAX);
    }

    #[test]
    fn a_new_coin_from_the_fields() {
        let coins = Watchlist::builtin().coins;
        let mut f = Form::add(&coins);
        let mut set = |field: Field, text: &str| {
            f.focus = field as usize;
            f.input().insert(text);
        };
        set(Field::Name, " Zeta Chain ");
        set(Field::Ticker, "ZETA");
        set(Field::MarketId, "zetachain");
        set(Field::Narratives, "Omni-chain; ; Layer 1, L1 ");
        set(Field::ScoreKind, "Tech");
        set(Field::Score, "70%");
        set(Field::Airdrop, "probable");
        let c = f.to_coin(&coins).unwrap();
        assert_eq!(c.rank, 15);
        assert_eq!(c.name, "Zeta Chain");
        assert_eq!(c.narratives, ["Omni-chain", "Layer 1, L1"]);
        assert_eq!(
            c.score,
            Some(Score {
                kind: ScoreKind::Tech,
                value: 70
            })
        );
        assert_eq!(c.airdrop, Some(Airdrop::Probable));
        assert_eq!(c.market_id.as_deref(), Some("zetachain"));
        assert_eq!(c.launch, None);
    }

    #[test]
    fn errors_are_tied_to_their_fields() {
        let coins = Watchlist::builtin().coins;
        let mut f = Form::add(&coins);
        let errs = f.to_coin(&coins).unwrap_err();
        assert_eq!(errs, [FieldError::new(Field::Name, Rule::NameMissing)]);
        assert_eq!(errs[0].rule.to_string(), "is required");
        f.inputs[Field::Name as usize] = LineInput::new("nillion");
        f.inputs[Field::MarketId as usize] = LineInput::new("parcl");
        f.inputs[Field::Score as usize] = LineInput::new("101");
        f.inputs[Field::ScoreKind as usize] = LineInput::new("tech");
        f.inputs[Field::Airdrop as usize] = LineInput::new("maybe");
        let errs = f.to_coin(&coins).unwrap_err();
        let fields: Vec<Field> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [Field::Name, Field::MarketId, Field::Score, Field::Airdrop]
        );
        assert_eq!(
            errs[0].rule.to_string(),
            "\"Nillion\" is already in the watchlist"
        );
        assert_eq!(
            errs[1].rule.to_string(),
            "\"parcl\" is already the market id of Parcl"
        );
        assert_eq!(errs[2].rule.to_string(), "101 is outside 0–100");
        // A score that is no number is said once, not also as missing.
        f.inputs[Field::Score as usize] = LineInput::new("lots");
        let errs = f.to_coin(&coins).unwrap_err();
        let score: Vec<String> = errs
            .iter()
            .filter(|e| e.field == Field::Score)
            .map(|e| e.rule.to_string())
            .collect();
        assert_eq!(score, ["\"lots\" is not a whole number 0–100"]);
    }

    #[test]
    fn editing_keeps_rank_and_may_keep_its_own_name_and_id() {
        let coins = Watchlist::builtin().coins;
        let f = Form::edit(&coins[1]);
        assert_eq!(f.value(Field::Name), "Nillion");
        assert_eq!(f.value(Field::Narratives), "Computing; Privacy; AI; Deepin");
        assert_eq!(f.value(Field::Score), "77");
        let c = f.to_coin(&coins).unwrap();
        assert_eq!(c, coins[1], "an unchanged form gives the same coin");
        assert_eq!(c.id, coins[1].id, "and keeps its id");
    }

    #[test]
    fn contracts_are_typed_as_chain_address_items() {
        let coins = Watchlist::builtin().coins;
        let mut f = Form::edit(&coins[1]);
        assert_eq!(f.value(Field::Contracts), "");
        let evm = "0x6b175474e89094c44da98b954eedeac495271d0f";
        let sol = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
        f.inputs[Field::Contracts as usize] =
            LineInput::new(&format!(" Ethereum: {evm} ; solana:{sol}"));
        let c = f.to_coin(&coins).unwrap();
        assert_eq!(c.contracts.len(), 2);
        assert_eq!(c.contracts[1].address, sol);
        let again = Form::edit(&c);
        assert_eq!(
            again.value(Field::Contracts),
            format!("ethereum:{evm}; solana:{sol}")
        );
        f.inputs[Field::Contracts as usize] = LineInput::new("0xdeadbeef");
        let said: Vec<String> = f
            .to_coin(&coins)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with("field `contracts`: \"\" is not a chain"),
            "{said:?}"
        );
    }

    #[test]
    fn alerts_are_typed_as_prices_and_empty_clears_them() {
        let mut coins = Watchlist::builtin().coins;
        coins[1].alert_above = crate::types::Usd::new(1250.5);
        let mut f = Form::edit(&coins[1]);
        assert_eq!(f.value(Field::AlertAbove), "1250.5");
        assert_eq!(f.value(Field::AlertBelow), "");
        f.inputs[Field::AlertAbove as usize] = LineInput::new("");
        f.inputs[Field::AlertBelow as usize] = LineInput::new(" $1,000.25 ");
        let c = f.to_coin(&coins).unwrap();
        assert_eq!(
            (c.alert_above, c.alert_below.map(|p| p.get())),
            (None, Some(1000.25))
        );

        f.inputs[Field::AlertAbove as usize] = LineInput::new("lots");
        f.inputs[Field::AlertBelow as usize] = LineInput::new("0");
        let said: Vec<String> = f
            .to_coin(&coins)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            said,
            [
                "field `alert_above`: \"lots\" is not a price in USD",
                "field `alert_below`: 0 is not a price a coin can have (at least 1e-12, \
                 at most 1e9)",
            ]
        );
        f.inputs[Field::AlertAbove as usize] = LineInput::new("2");
        f.inputs[Field::AlertBelow as usize] = LineInput::new("3");
        let errs = f.to_coin(&coins).unwrap_err();
        assert_eq!(
            errs,
            [FieldError::new(
                Field::AlertBelow,
                Rule::AlertsCrossed {
                    below: "3".into(),
                    above: "2".into()
                }
            )]
        );
    }

    #[test]
    fn focus_wraps_both_ways() {
        let mut f = Form::add(&[]);
        f.move_focus(-1);
        assert_eq!(f.field(), Field::TotalSupply);
        f.move_focus(1);
        assert_eq!(f.field(), Field::Name);
    }
}
