//! Changing the watchlist from the screen: the add/edit form, deleting with
//! a question and undo, and choosing a market id from the API's search.

use super::{App, Effect, Mode};
use crate::form::{Form, LineInput};
use crate::keymap::Action;
use crate::market::{Candidate, MarketError, order_candidates};
use crate::model::{Coin, CoinId, Rule, Taken, position};
use crate::text::clean;
use crate::types::MarketId;
use crate::watcher::Outcome;

/// The market-id lookup of one coin.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// The coin, which may move in the list (or leave it, by a merge with
    /// another window's changes) while the lookup is open.
    pub coin: CoinId,
    pub query: String,
    pub state: LookupState,
    /// The highlighted candidate.
    pub selected: usize,
    /// An id typed by hand, which wins over the candidates when not empty.
    pub typed: LineInput,
    /// Why the last pick was refused.
    pub error: Option<String>,
}

/// A deleted coin, kept for undo with the coin it stood before, so it goes
/// back in its place however the list changed meanwhile.
#[derive(Debug, Clone)]
pub(super) struct Deleted {
    coin: Coin,
    before: Option<CoinId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LookupState {
    Searching,
    Failed(String),
    Found(Vec<Candidate>),
}

/// Applies a text-editing action to a line input; says whether it was one.
pub(super) fn edit_line(input: &mut LineInput, action: &Action) -> bool {
    match action {
        Action::Input(c) => input.insert(&c.to_string()),
        Action::Paste(s) => input.insert(s),
        Action::Backspace => input.backspace(),
        Action::DeleteChar => input.delete(),
        Action::CursorLeft => input.left(),
        Action::CursorRight => input.right(),
        Action::CursorHome => input.home(),
        Action::CursorEnd => input.end(),
        _ => return false,
    }
    true
}

impl App {
    /// Changes the coins through the watcher, which saves the watchlist
    /// and tells the poller; `then` places the selection before the rows
    /// are rebuilt.
    fn edit_coins<R>(
        &mut self,
        edit: impl FnOnce(&mut Vec<Coin>) -> R,
        then: impl FnOnce(&mut App, &R),
    ) -> (R, Vec<Effect>) {
        let mut out = Outcome::default();
        let r = self.watcher.edit_coins(&mut out, edit);
        then(self, &r);
        (r, self.absorb(out))
    }

    pub(super) fn open_add(&mut self) {
        self.form = Some(Form::add(&self.watcher.watchlist.coins));
        self.mode = Mode::Form;
    }

    pub(super) fn open_edit(&mut self) {
        let Some(index) = self.selected else {
            self.flash = Some("no coin selected to edit".into());
            return;
        };
        self.form = Some(Form::edit(&self.watcher.watchlist.coins[index]));
        self.mode = Mode::Form;
    }

    pub(super) fn update_form(&mut self, action: Action) -> Vec<Effect> {
        let Some(form) = self.form.as_mut() else {
            self.mode = Mode::Normal;
            return Vec::new();
        };
        if edit_line(form.input(), &action) {
            // An edited field's old error no longer applies.
            let field = form.field();
            form.errors.retain(|e| e.field != field);
            return Vec::new();
        }
        match action {
            Action::NextField => form.move_focus(1),
            Action::PrevField => form.move_focus(-1),
            Action::Back => {
                self.form = None;
                self.mode = self.home_mode();
            }
            Action::Submit => match form.to_coin(&self.watcher.watchlist.coins) {
                Err(errors) => {
                    // Put the cursor where the first problem is.
                    form.focus = errors[0].field as usize;
                    form.errors = errors;
                }
                Ok(coin) => {
                    let name = clean(&coin.name).into_owned();
                    let edited = form
                        .editing
                        .map(|id| position(&self.watcher.watchlist.coins, id));
                    self.flash = Some(match edited {
                        Some(Some(_)) => format!("{name} saved"),
                        // An edit outlives a delete in another window, as
                        // it does in a merge: the coin comes back.
                        Some(None) => format!("{name} saved (deleted in another window)"),
                        None => format!("{name} added"),
                    });
                    self.form = None;
                    self.mode = self.home_mode();
                    let (_, effects) = self.edit_coins(
                        |coins| match edited {
                            Some(Some(i)) => {
                                coins[i] = coin;
                                i
                            }
                            _ => {
                                coins.push(coin);
                                coins.len() - 1
                            }
                        },
                        |app, &index| app.selected = Some(index),
                    );
                    if self.selected_pos.is_none() {
                        self.flash = Some(format!("{name} saved; the filters hide it"));
                    }
                    return effects;
                }
            },
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn ask_delete(&mut self) {
        if self.selected.is_some() {
            self.mode = Mode::ConfirmDelete;
        } else {
            self.flash = Some("no coin selected to delete".into());
        }
    }

    pub(super) fn update_confirm(&mut self, action: Action) -> Vec<Effect> {
        self.mode = Mode::Normal;
        let (Action::Yes, Some(index)) = (action, self.selected) else {
            self.flash = Some("nothing deleted".into());
            return Vec::new();
        };
        let row = self.selected_pos.unwrap_or(0);
        let (deleted, effects) = self.edit_coins(
            |coins| {
                let coin = coins.remove(index);
                let before = coins.get(index).map(|c| c.id);
                Deleted { coin, before }
            },
            // The selection moves to the row that took the deleted one's place.
            |app, _| app.selected = None,
        );
        self.flash = Some(format!(
            "{} deleted · {} undoes",
            clean(&deleted.coin.name),
            self.keymap.label(Mode::Normal, &Action::Undo)
        ));
        self.undo.push(deleted);
        self.select_row(row.min(self.rows.len().saturating_sub(1)));
        effects
    }

    pub(super) fn undo_delete(&mut self) -> Vec<Effect> {
        let Some(Deleted { coin, before }) = self.undo.pop() else {
            self.flash = Some("nothing to undo".into());
            return Vec::new();
        };
        if let Err(errors) = coin.check(&Taken::of(&self.watcher.watchlist.coins)) {
            self.flash = Some(format!(
                "cannot restore {}: {}",
                clean(&coin.name),
                clean(&errors[0].to_string())
            ));
            return Vec::new();
        }
        let coins = &self.watcher.watchlist.coins;
        let index = before
            .and_then(|id| position(coins, id))
            .unwrap_or(coins.len());
        self.flash = Some(format!("{} restored", clean(&coin.name)));
        let (_, effects) = self.edit_coins(
            |coins| coins.insert(index, coin),
            |app, _| app.selected = Some(index),
        );
        effects
    }

    pub(super) fn open_lookup(&mut self) -> Vec<Effect> {
        let Some(index) = self.selected else {
            self.flash = Some("no coin selected to look up".into());
            return Vec::new();
        };
        let coin = &self.watcher.watchlist.coins[index];
        let query = coin.name.trim().to_string();
        self.lookup = Some(Lookup {
            coin: coin.id,
            query: query.clone(),
            state: LookupState::Searching,
            selected: 0,
            typed: LineInput::default(),
            error: None,
        });
        self.mode = Mode::Lookup;
        vec![Effect::Lookup(query)]
    }

    /// Takes in the API's answer to a lookup. A late answer to a lookup that
    /// was closed or replaced is dropped.
    pub(super) fn on_lookup(&mut self, query: &str, result: Result<Vec<Candidate>, MarketError>) {
        let Some(lookup) = self.lookup.as_mut() else {
            return;
        };
        if lookup.query != query {
            return;
        }
        lookup.state = match result {
            Ok(found) => {
                let coins = &self.watcher.watchlist.coins;
                let ticker = position(coins, lookup.coin).and_then(|i| coins[i].ticker.as_deref());
                LookupState::Found(order_candidates(found, ticker))
            }
            Err(e) => LookupState::Failed(e.to_string()),
        };
        lookup.selected = 0;
    }

    pub(super) fn update_lookup(&mut self, action: Action) -> Vec<Effect> {
        let Some(lookup) = self.lookup.as_mut() else {
            self.mode = Mode::Normal;
            return Vec::new();
        };
        if edit_line(&mut lookup.typed, &action) {
            lookup.error = None;
            return Vec::new();
        }
        let found = match &lookup.state {
            LookupState::Found(c) => c.len(),
            _ => 0,
        };
        match action {
            Action::Down | Action::ScrollDown => {
                lookup.selected = (lookup.selected + 1).min(found.saturating_sub(1))
            }
            Action::Up | Action::ScrollUp => lookup.selected = lookup.selected.saturating_sub(1),
            Action::Back => {
                self.lookup = None;
                self.mode = Mode::Normal;
            }
            Action::Submit => return self.pick_market_id(),
            _ => {}
        }
        Vec::new()
    }

    /// Sets the coin's market id to the typed one, else to the highlighted
    /// candidate; refuses ids that are malformed or already used.
    fn pick_market_id(&mut self) -> Vec<Effect> {
        let back = self.keymap.label(Mode::Lookup, &Action::Back);
        let Some(lookup) = self.lookup.as_mut() else {
            return Vec::new();
        };
        let typed = lookup.typed.text().trim().to_string();
        let id = if !typed.is_empty() {
            typed
        } else if let LookupState::Found(c) = &lookup.state
            && let Some(pick) = c.get(lookup.selected)
        {
            pick.id.to_string()
        } else {
            lookup.error = Some(format!("no candidate to pick: type an id or {back}"));
            return Vec::new();
        };
        let coins = &self.watcher.watchlist.coins;
        let Some(index) = position(coins, lookup.coin) else {
            lookup.error = Some(format!("this coin was deleted in another window: {back}"));
            return Vec::new();
        };
        let Some(market_id) = MarketId::new(id.clone()) else {
            let rule = Rule::NotAMarketId { id: id.clone() };
            lookup.error = Some(clean(&rule.to_string()).into_owned());
            return Vec::new();
        };
        let mut picked = coins[index].clone();
        picked.market_id = Some(market_id);
        let others = Taken::of(coins.iter().filter(|c| c.id != picked.id));
        if let Err(errors) = picked.check(&others) {
            lookup.error = Some(clean(&errors[0].rule.to_string()).into_owned());
            return Vec::new();
        }
        let polled = if self.watcher.polling.is_some() {
            "polled from the next poll"
        } else {
            "polled with --poll"
        };
        self.flash = Some(format!(
            "{}'s market id is now {id}; {polled}",
            clean(&picked.name)
        ));
        self.lookup = None;
        self.mode = Mode::Normal;
        let (_, effects) = self.edit_coins(|coins| coins[index] = picked, |_, _| {});
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::poller::Command;
    use crate::watcher::Input;

    /// Another window's coins, merged in as the watchlist file's look does.
    fn merged(app: &mut App, coins: Vec<Coin>) {
        let mut w = app.watchlist().clone();
        w.coins = coins;
        let _ = app.update(Input::WatchlistLoaded(w));
    }
    use crate::form::Field;
    use crate::listing::Listings;
    use crate::model::{FieldError, Rule, Watchlist};

    fn app() -> App {
        App::new(Watchlist::builtin(), Listings::new())
    }

    fn type_text(app: &mut App, text: &str) {
        let _ = app.update(Action::Paste(text.to_string()));
    }

    fn names(app: &App) -> Vec<&str> {
        app.watcher
            .watchlist
            .coins
            .iter()
            .map(|c| c.name.as_str())
            .collect()
    }

    #[test]
    fn n_opens_the_form_in_the_name_field_and_enter_adds_the_coin() {
        let mut app = app();
        assert!(app.update(Action::Add).is_empty());
        assert_eq!(app.mode, Mode::Form);
        assert_eq!(app.form.as_ref().unwrap().field(), Field::Name);
        type_text(&mut app, "Zeta Chain");
        let _ = app.update(Action::NextField);
        type_text(&mut app, "ZETA");
        let _ = app.update(Action::PrevField);
        let _ = app.update(Action::CursorHome);
        let _ = app.update(Action::DeleteChar);
        let _ = app.update(Action::Input('z'));
        let effects = app.update(Action::Submit);
        assert_eq!(app.mode, Mode::Normal);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::SaveWatchlist(_)))
        );
        assert_eq!(app.watcher.watchlist.coins.len(), 15);
        let c = app.watcher.watchlist.coins.last().unwrap();
        assert_eq!(
            (c.name.as_str(), c.ticker.as_deref(), c.rank),
            ("zeta Chain", Some("ZETA"), 15)
        );
        assert_eq!(
            app.selected_coin().unwrap().name,
            "zeta Chain",
            "the new coin is selected"
        );
        assert_eq!(app.flash.as_deref(), Some("zeta Chain added"));
    }

    #[test]
    fn errors_keep_the_form_open_and_nothing_is_saved() {
        let mut app = app();
        let _ = app.update(Action::Add);
        type_text(&mut app, "Parcl");
        let effects = app.update(Action::Submit);
        assert!(effects.is_empty());
        assert_eq!(app.mode, Mode::Form);
        let form = app.form.as_ref().unwrap();
        assert_eq!(
            form.errors,
            [FieldError::new(
                Field::Name,
                Rule::NameTaken {
                    other: "Parcl".into()
                }
            )]
        );
        assert_eq!(app.watcher.watchlist.coins.len(), 14);
        // Editing the field clears its error; Esc cancels without a trace.
        let _ = app.update(Action::Input('2'));
        assert!(app.form.as_ref().unwrap().errors.is_empty());
        assert!(app.update(Action::Back).is_empty());
        assert_eq!(app.mode, Mode::Normal);
        assert!(app.form.is_none());
        assert_eq!(app.watcher.watchlist.coins.len(), 14);
    }

    #[test]
    fn e_edits_the_selected_coin_in_place() {
        let mut app = app();
        let _ = app.update(Action::Down);
        let _ = app.update(Action::Edit);
        let form = app.form.as_ref().unwrap();
        assert_eq!(form.value(Field::Name), "Nillion");
        for _ in 0..5 {
            let _ = app.update(Action::NextField);
        }
        assert_eq!(app.form.as_ref().unwrap().field(), Field::Notes);
        type_text(&mut app, "watch the mainnet date");
        let effects = app.update(Action::Submit);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::SaveWatchlist(_)))
        );
        assert_eq!(
            app.watcher.watchlist.coins[1].notes,
            "watch the mainnet date"
        );
        assert_eq!(app.watcher.watchlist.coins.len(), 14);
        assert_eq!(app.selected_coin().unwrap().name, "Nillion");
    }

    #[test]
    fn a_new_market_id_goes_to_the_poller() {
        let mut app = app();
        app.enable_polling();
        let _ = app.update(Action::Add);
        type_text(&mut app, "Zeta");
        for _ in 0..3 {
            let _ = app.update(Action::NextField);
        }
        type_text(&mut app, "zetachain");
        let effects = app.update(Action::Submit);
        let ids = app.market_ids();
        assert_eq!(ids.last().unwrap(), "zetachain");
        assert!(effects.contains(&Effect::Poll(Command::SetIds(ids))));
    }

    #[test]
    fn d_asks_then_deletes_and_u_undoes() {
        let mut app = app();
        let _ = app.update(Action::Down);
        let _ = app.update(Action::Delete);
        assert_eq!(app.mode, Mode::ConfirmDelete);
        assert!(app.update(Action::No).is_empty(), "N keeps it");
        assert_eq!(app.watcher.watchlist.coins.len(), 14);
        let _ = app.update(Action::Delete);
        let effects = app.update(Action::Yes);
        let [Effect::SaveWatchlist(sent)] = effects.as_slice() else {
            panic!("a save, got {effects:?}")
        };
        let _ = app.update(Input::WatchlistSaved {
            sent: sent.clone(),
            result: Ok(crate::store::Saved {
                merged: None,
                conflicts: Vec::new(),
            }),
        });
        assert!(!names(&app).contains(&"Nillion"));
        assert_eq!(
            app.selected_coin().unwrap().name,
            "My Pet Hooligan",
            "the next row"
        );
        let effects = app.update(Action::Undo);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::SaveWatchlist(_)))
        );
        assert_eq!(names(&app)[1], "Nillion", "back in its place");
        assert_eq!(app.selected_coin().unwrap().name, "Nillion");
        let _ = app.update(Action::Undo);
        assert_eq!(app.flash.as_deref(), Some("nothing to undo"));
    }

    #[test]
    fn undo_refuses_to_make_a_duplicate() {
        let mut app = app();
        let _ = app.update(Action::Delete);
        let _ = app.update(Action::Yes);
        let _ = app.update(Action::Add);
        type_text(&mut app, "Gravity");
        let _ = app.update(Action::Submit);
        let _ = app.update(Action::Undo);
        assert_eq!(names(&app).iter().filter(|n| **n == "Gravity").count(), 1);
        assert!(
            app.flash
                .as_deref()
                .unwrap()
                .starts_with("cannot restore Gravity")
        );
    }

    fn candidates() -> Vec<Candidate> {
        let c = |id: &str, symbol: &str| Candidate {
            id: id.try_into().unwrap(),
            name: id.into(),
            symbol: symbol.into(),
            market_cap_rank: None,
        };
        vec![
            c("movement-x", "MOVEX"),
            c("movement", "MOVE"),
            c("move-dao", "MDAO"),
        ]
    }

    #[test]
    fn m_asks_the_api_orders_candidates_and_saves_the_pick() {
        let mut app = app();
        app.enable_polling();
        for _ in 0..7 {
            let _ = app.update(Action::Down);
        }
        assert_eq!(app.selected_coin().unwrap().name, "Movement Labs");
        let effects = app.update(Action::Lookup);
        assert_eq!(effects, [Effect::Lookup("Movement Labs".into())]);
        assert_eq!(app.mode, Mode::Lookup);
        // A late answer to another query is dropped.
        let _ = app.update(Input::Lookup {
            query: "Other".into(),
            result: Ok(candidates()),
        });
        assert_eq!(app.lookup.as_ref().unwrap().state, LookupState::Searching);
        let _ = app.update(Input::Lookup {
            query: "Movement Labs".into(),
            result: Ok(candidates()),
        });
        let LookupState::Found(found) = &app.lookup.as_ref().unwrap().state else {
            panic!("candidates expected")
        };
        let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["movement", "movement-x", "move-dao"],
            "ticker MOVE first"
        );
        let _ = app.update(Action::Down);
        let effects = app.update(Action::Submit);
        assert_eq!(
            app.watcher.watchlist.coins[7].market_id.as_deref(),
            Some("movement-x")
        );
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::SaveWatchlist(_)))
        );
        assert!(effects.iter().any(|e| matches!(e, Effect::Poll(Command::SetIds(ids)) if ids.contains(&"movement-x".to_string()))));
        assert_eq!(app.mode, Mode::Normal);
    }

    #[test]
    fn a_typed_id_wins_and_bad_or_taken_ids_are_refused() {
        let mut app = app();
        let _ = app.update(Action::Lookup);
        let _ = app.update(Input::Lookup {
            query: "Gravity".into(),
            result: Err(MarketError::RateLimited { retry_after: None }),
        });
        assert_eq!(
            app.lookup.as_ref().unwrap().state,
            LookupState::Failed("rate limited by the API".into())
        );
        let effects = app.update(Action::Submit);
        assert!(effects.is_empty());
        assert!(
            app.lookup
                .as_ref()
                .unwrap()
                .error
                .as_ref()
                .unwrap()
                .contains("no candidate")
        );
        type_text(&mut app, "Not An Id");
        let _ = app.update(Action::Submit);
        assert!(
            app.lookup
                .as_ref()
                .unwrap()
                .error
                .as_ref()
                .unwrap()
                .contains("not a market id")
        );
        for _ in 0..9 {
            let _ = app.update(Action::Backspace);
        }
        type_text(&mut app, "parcl");
        let _ = app.update(Action::Submit);
        assert!(
            app.lookup
                .as_ref()
                .unwrap()
                .error
                .as_ref()
                .unwrap()
                .contains("market id of Parcl")
        );
        for _ in 0..5 {
            let _ = app.update(Action::Backspace);
        }
        type_text(&mut app, "gravity-grvt");
        let _ = app.update(Action::Submit);
        assert_eq!(
            app.watcher.watchlist.coins[0].market_id.as_deref(),
            Some("gravity-grvt")
        );
        // Esc leaves a lookup without changing anything.
        let _ = app.update(Action::Lookup);
        let _ = app.update(Action::Back);
        assert_eq!(app.mode, Mode::Normal);
        assert_eq!(
            app.watcher.watchlist.coins[0].market_id.as_deref(),
            Some("gravity-grvt")
        );
    }

    #[test]
    fn an_open_form_and_undo_follow_their_coin_when_rows_move() {
        let mut app = app();
        let _ = app.update(Action::Down);
        let _ = app.update(Action::Edit);
        // Another window deleted Gravity: Nillion moves up a row.
        let mut coins = app.watcher.watchlist.coins.clone();
        coins.remove(0);
        merged(&mut app, coins);
        for _ in 0..5 {
            let _ = app.update(Action::NextField);
        }
        type_text(&mut app, "still Nillion");
        let _ = app.update(Action::Submit);
        assert_eq!(app.watcher.watchlist.coins[0].name, "Nillion");
        assert_eq!(app.watcher.watchlist.coins[0].notes, "still Nillion");
        assert_eq!(app.watcher.watchlist.coins.len(), 13);

        // Parcl is deleted, then another window deletes a coin before it:
        // undo puts Parcl back before the coin it stood before.
        let _ = app.update(Action::First);
        let _ = app.update(Action::Down);
        let _ = app.update(Action::Down);
        assert_eq!(app.selected_coin().unwrap().name, "Parcl");
        let _ = app.update(Action::Delete);
        let _ = app.update(Action::Yes);
        let mut coins = app.watcher.watchlist.coins.clone();
        coins.remove(0);
        merged(&mut app, coins);
        let _ = app.update(Action::Undo);
        assert_eq!(names(&app)[..3], ["My Pet Hooligan", "Parcl", "Nibiru"]);
    }

    #[test]
    fn a_lookup_whose_coin_was_merged_away_says_so() {
        let mut app = app();
        let _ = app.update(Action::Lookup);
        let mut coins = app.watcher.watchlist.coins.clone();
        coins.remove(0);
        merged(&mut app, coins);
        type_text(&mut app, "gravity-x");
        let _ = app.update(Action::Submit);
        let lookup = app.lookup.as_ref().unwrap();
        assert!(
            lookup
                .error
                .as_ref()
                .unwrap()
                .contains("deleted in another window")
        );
        assert!(
            app.watcher
                .watchlist
                .coins
                .iter()
                .all(|c| c.market_id.as_deref() != Some("gravity-x"))
        );
    }

    #[test]
    fn merged_coins_keep_the_ids_of_ours_by_name() {
        let mut app = app();
        let before: Vec<CoinId> = app.watcher.watchlist.coins.iter().map(|c| c.id).collect();
        let fresh = Watchlist::builtin().coins;
        merged(&mut app, fresh);
        let after: Vec<CoinId> = app.watcher.watchlist.coins.iter().map(|c| c.id).collect();
        assert_eq!(before, after);
    }
}
