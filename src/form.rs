//! The add/edit form: a line editor per field, and the conversion of the
//! fields into a coin with every error tied to the field it belongs to.

use crate::model::{Airdrop, Coin, Score, ScoreKind, is_market_id};

/// One line of editable text with a cursor (a char index, not a byte index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    text: String,
    cursor: usize,
}

impl LineInput {
    pub fn new(text: &str) -> LineInput {
        LineInput {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte_at(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Inserts text at the cursor; control characters (a pasted newline or
    /// tab among them) become spaces, so a field stays one clean line.
    pub fn insert(&mut self, s: &str) {
        let clean: String = s
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.chars().count();
    }
}

/// The form's fields, in the order Tab visits them: the ones a user fills
/// most, then every other field of a coin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Ticker,
    Category,
    MarketId,
    Narratives,
    Notes,
    OtherNames,
    Summary,
    Thesis,
    Competitors,
    Backers,
    Vibes,
    ScoreKind,
    Score,
    Airdrop,
    Launch,
}

impl Field {
    pub const ALL: [Field; 16] = [
        Field::Name,
        Field::Ticker,
        Field::Category,
        Field::MarketId,
        Field::Narratives,
        Field::Notes,
        Field::OtherNames,
        Field::Summary,
        Field::Thesis,
        Field::Competitors,
        Field::Backers,
        Field::Vibes,
        Field::ScoreKind,
        Field::Score,
        Field::Airdrop,
        Field::Launch,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::Ticker => "Ticker",
            Field::Category => "Category",
            Field::MarketId => "Market id",
            Field::Narratives => "Narratives",
            Field::Notes => "Notes",
            Field::OtherNames => "Other names",
            Field::Summary => "Summary",
            Field::Thesis => "Why listed",
            Field::Competitors => "Competitors",
            Field::Backers => "Backers & team",
            Field::Vibes => "Vibes",
            Field::ScoreKind => "Score kind",
            Field::Score => "Score %",
            Field::Airdrop => "Airdrop",
            Field::Launch => "Launch",
        }
    }

    /// What the field takes, shown when it has the focus.
    pub fn hint(self) -> &'static str {
        match self {
            Field::Name => "required; unique",
            Field::MarketId => "the CoinGecko id, e.g. nillion (m looks it up)",
            Field::Narratives | Field::OtherNames | Field::Competitors | Field::Backers => {
                "separated by ;"
            }
            Field::ScoreKind => "tech, fundamental, or empty",
            Field::Score => "0–100, or empty",
            Field::Airdrop => "confirmed, probable, or empty",
            _ => "",
        }
    }
}

/// The form: which coin it edits (`None`: a new one), its inputs, the field
/// with the focus, and the errors of the last save attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub editing: Option<usize>,
    pub inputs: Vec<LineInput>,
    pub focus: usize,
    pub errors: Vec<(Field, String)>,
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
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl Form {
    /// An empty form for a new coin, ranked after the others.
    pub fn add(coins: &[Coin]) -> Form {
        let rank = coins.iter().map(|c| c.rank).max().unwrap_or(0) + 1;
        Form {
            editing: None,
            inputs: vec![LineInput::default(); Field::ALL.len()],
            focus: 0,
            errors: Vec::new(),
            rank,
        }
    }

    /// A form holding coin `index`'s fields.
    pub fn edit(coins: &[Coin], index: usize) -> Form {
        let c = &coins[index];
        let value = |f: Field| match f {
            Field::Name => c.name.clone(),
            Field::Ticker => c.ticker.clone().unwrap_or_default(),
            Field::Category => c.category.clone(),
            Field::MarketId => c.market_id.clone().unwrap_or_default(),
            Field::Narratives => join(&c.narratives),
            Field::Notes => c.notes.clone(),
            Field::OtherNames => join(&c.other_names),
            Field::Summary => c.summary.clone(),
            Field::Thesis => c.thesis.clone(),
            Field::Competitors => join(&c.competitors),
            Field::Backers => join(&c.backers),
            Field::Vibes => c.vibes.clone().unwrap_or_default(),
            Field::ScoreKind => c
                .score
                .map(|s| s.kind.as_str().to_string())
                .unwrap_or_default(),
            Field::Score => c.score.map(|s| s.value.to_string()).unwrap_or_default(),
            Field::Airdrop => c
                .airdrop
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
            Field::Launch => c.launch.clone().unwrap_or_default(),
        };
        Form {
            editing: Some(index),
            inputs: Field::ALL
                .iter()
                .map(|&f| LineInput::new(&value(f)))
                .collect(),
            focus: 0,
            errors: Vec::new(),
            rank: c.rank,
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

    /// The coin the fields describe, or every error found, by field. Names
    /// and market ids must not clash with another coin of `coins`.
    pub fn to_coin(&self, coins: &[Coin]) -> Result<Coin, Vec<(Field, String)>> {
        let mut errors = Vec::new();
        let v = |f: Field| self.value(f).trim();
        let others = || {
            coins
                .iter()
                .enumerate()
                .filter(move |(i, _)| Some(*i) != self.editing)
                .map(|(_, c)| c)
        };
        let name = v(Field::Name).to_string();
        if name.is_empty() {
            errors.push((Field::Name, "a name is required".into()));
        } else if let Some(c) = others().find(|c| c.name.to_lowercase() == name.to_lowercase()) {
            errors.push((
                Field::Name,
                format!("\"{}\" is already in the watchlist", c.name),
            ));
        }
        let market_id = opt(v(Field::MarketId));
        if let Some(id) = &market_id {
            if !is_market_id(id) {
                errors.push((
                    Field::MarketId,
                    "lower-case letters, digits, - _ . only".into(),
                ));
            } else if let Some(c) = others().find(|c| c.market_id.as_deref() == Some(id)) {
                errors.push((Field::MarketId, format!("already used by {}", c.name)));
            }
        }
        let kind = match v(Field::ScoreKind).to_lowercase().as_str() {
            "" => None,
            "tech" => Some(ScoreKind::Tech),
            "fundamental" => Some(ScoreKind::Fundamental),
            _ => {
                errors.push((Field::ScoreKind, "tech or fundamental".into()));
                None
            }
        };
        let value = match v(Field::Score).trim_end_matches('%') {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) if (0..=100).contains(&n) => Some(n as u8),
                Ok(n) => {
                    errors.push((Field::Score, format!("{n} is outside 0–100")));
                    None
                }
                Err(_) => {
                    errors.push((Field::Score, "a whole number 0–100".into()));
                    None
                }
            },
        };
        let score = match (kind, value) {
            (Some(kind), Some(value)) => Some(Score { kind, value }),
            (None, Some(_)) if v(Field::ScoreKind).is_empty() => {
                errors.push((Field::ScoreKind, "needed with a score".into()));
                None
            }
            (Some(_), None) if v(Field::Score).is_empty() => {
                errors.push((Field::Score, "needed with a score kind".into()));
                None
            }
            _ => None,
        };
        let airdrop = match v(Field::Airdrop).to_lowercase().as_str() {
            "" => None,
            "confirmed" => Some(Airdrop::Confirmed),
            "probable" => Some(Airdrop::Probable),
            _ => {
                errors.push((Field::Airdrop, "confirmed or probable".into()));
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Coin {
            rank: self.rank,
            name,
            other_names: split(v(Field::OtherNames)),
            ticker: opt(v(Field::Ticker)),
            category: v(Field::Category).to_string(),
            summary: v(Field::Summary).to_string(),
            thesis: v(Field::Thesis).to_string(),
            narratives: split(v(Field::Narratives)),
            competitors: split(v(Field::Competitors)),
            backers: split(v(Field::Backers)),
            vibes: opt(v(Field::Vibes)),
            score,
            airdrop,
            launch: opt(v(Field::Launch)),
            market_id,
            notes: v(Field::Notes).to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Watchlist;

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
        assert_eq!(errs, [(Field::Name, "a name is required".to_string())]);
        f.inputs[Field::Name as usize] = LineInput::new("nillion");
        f.inputs[Field::MarketId as usize] = LineInput::new("parcl");
        f.inputs[Field::Score as usize] = LineInput::new("101");
        f.inputs[Field::ScoreKind as usize] = LineInput::new("tech");
        f.inputs[Field::Airdrop as usize] = LineInput::new("maybe");
        let errs = f.to_coin(&coins).unwrap_err();
        let fields: Vec<Field> = errs.iter().map(|e| e.0).collect();
        assert_eq!(
            fields,
            [Field::Name, Field::MarketId, Field::Score, Field::Airdrop]
        );
        assert!(errs[0].1.contains("already in the watchlist"));
        assert_eq!(errs[1].1, "already used by Parcl");
        assert_eq!(errs[2].1, "101 is outside 0–100");
    }

    #[test]
    fn editing_keeps_rank_and_may_keep_its_own_name_and_id() {
        let coins = Watchlist::builtin().coins;
        let f = Form::edit(&coins, 1);
        assert_eq!(f.value(Field::Name), "Nillion");
        assert_eq!(f.value(Field::Narratives), "Computing; Privacy; AI; Deepin");
        assert_eq!(f.value(Field::Score), "77");
        let c = f.to_coin(&coins).unwrap();
        assert_eq!(c, coins[1], "an unchanged form gives the same coin");
    }

    #[test]
    fn focus_wraps_both_ways() {
        let mut f = Form::add(&[]);
        f.move_focus(-1);
        assert_eq!(f.field(), Field::Launch);
        f.move_focus(1);
        assert_eq!(f.field(), Field::Name);
    }
}
