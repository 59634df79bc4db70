//! The Discover view's state: its rows, built from the watcher's book
//! whenever the rows may have changed, and what the user did to them (the
//! sort, the search, the status filter, the selection).

use super::{App, Mode};
use crate::discover::{self, Column, Kind, Row, Scope};
use crate::form::{Field, Form, LineInput};
use crate::keymap::Action;

/// The view, while open.
#[derive(Debug, Clone, Default)]
pub struct DiscoverView {
    /// Every row, dismissed ones left out, and how many were cut past
    /// [`discover::MAX_ROWS`].
    pub all: Vec<Row>,
    pub cut: usize,
    /// The rows shown: indices into `all`, in order.
    pub shown: Vec<usize>,
    /// The selected row, as its ticker, so it survives a refresh.
    pub selected: Option<String>,
    /// `None`: the default order, soonest opening first.
    pub sort: Option<(Column, bool)>,
    pub status: Option<Kind>,
    /// The search, and its text being typed.
    pub search: LineInput,
}

impl DiscoverView {
    /// The selected row's position among the shown ones.
    pub fn selected_pos(&self) -> Option<usize> {
        let t = self.selected.as_ref()?;
        self.shown.iter().position(|&i| &self.all[i].ticker == t)
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.selected_pos().map(|p| &self.all[self.shown[p]])
    }

    /// The status filter's next step: all → scheduled → premarket →
    /// listed → all.
    fn next_status(&mut self) {
        self.status = match self.status {
            None => Some(Kind::Scheduled),
            Some(Kind::Scheduled) => Some(Kind::Premarket),
            Some(Kind::Premarket) => Some(Kind::Listed),
            Some(Kind::Listed) => None,
        };
    }

    /// Sorts and filters `all` into `shown`, keeping the selection where it
    /// can, else on the first row.
    fn reshow(&mut self) {
        if let Some((column, descending)) = self.sort {
            discover::sort_by(&mut self.all, column, descending);
        } else {
            discover::sort_default(&mut self.all);
        }
        let text = self.search.text().to_string();
        self.shown = self
            .all
            .iter()
            .enumerate()
            .filter(|(_, r)| self.status.is_none_or(|s| r.status == s))
            .filter(|(_, r)| discover::matches(r, &text))
            .map(|(i, _)| i)
            .collect();
        if self.selected_pos().is_none() {
            self.selected = self.shown.first().map(|&i| self.all[i].ticker.clone());
        }
    }

    fn move_by(&mut self, delta: isize) {
        let Some(last) = self.shown.len().checked_sub(1) else {
            return;
        };
        let pos = self
            .selected_pos()
            .unwrap_or(0)
            .saturating_add_signed(delta)
            .min(last);
        self.selected = Some(self.all[self.shown[pos]].ticker.clone());
    }
}

impl App {
    /// The Discover view, while open.
    pub fn discover(&self) -> Option<&DiscoverView> {
        self.discover.as_ref()
    }

    /// Where keys go when an overlay over the tables closes.
    pub(super) fn home_mode(&self) -> Mode {
        if self.discover.is_some() {
            Mode::Discover
        } else {
            Mode::Normal
        }
    }

    pub(super) fn open_discover(&mut self) {
        self.discover = Some(DiscoverView::default());
        self.refresh_discover();
        self.mode = Mode::Discover;
    }

    /// Builds the rows again from the book: after a look, a change to the
    /// coins, a dismissal.
    pub(super) fn refresh_discover(&mut self) {
        let Some(mut view) = self.discover.take() else {
            return;
        };
        let (all, cut) = discover::rows(Scope {
            coins: &self.watcher.watchlist.coins,
            book: &self.watcher.book,
            now: self.watcher.now_wall,
            days: self.discover_days,
            spot_known: self.watcher.spot_known(),
        });
        view.all = all;
        view.cut = cut;
        view.reshow();
        self.discover = Some(view);
    }

    pub(super) fn update_discover(&mut self, action: Action) -> Vec<super::Effect> {
        let page = self.page();
        let Some(view) = self.discover.as_mut() else {
            self.mode = Mode::Normal;
            return Vec::new();
        };
        match action {
            Action::Discover | Action::Back => {
                self.discover = None;
                self.mode = Mode::Normal;
            }
            Action::Down | Action::ScrollDown => view.move_by(1),
            Action::Up | Action::ScrollUp => view.move_by(-1),
            Action::PageDown => view.move_by(page),
            Action::PageUp => view.move_by(-page),
            Action::First => view.move_by(isize::MIN),
            Action::Last => view.move_by(isize::MAX),
            Action::SortNext | Action::SortPrev => {
                let step = if action == Action::SortNext { 1 } else { -1 };
                let cols = Column::ALL;
                let at = view
                    .sort
                    .and_then(|(c, _)| cols.iter().position(|&x| x == c));
                let next = match at {
                    None if step > 0 => 0,
                    None => cols.len() - 1,
                    Some(i) => (i as isize + step).rem_euclid(cols.len() as isize) as usize,
                };
                view.sort = Some((cols[next], false));
                view.reshow();
            }
            Action::SortReverse => {
                let (column, descending) = view.sort.unwrap_or((Column::Opens, false));
                view.sort = Some((column, !descending));
                view.reshow();
            }
            Action::SortDiscover(column) => {
                view.sort = match view.sort {
                    Some((c, d)) if c == column => Some((c, !d)),
                    _ => Some((column, false)),
                };
                view.reshow();
            }
            Action::CycleStatus => {
                view.next_status();
                view.reshow();
            }
            Action::Search => self.mode = Mode::Search,
            Action::Add => {
                let Some(row) = view.selected_row() else {
                    self.flash = Some("no row selected to add".into());
                    return Vec::new();
                };
                let mut form = Form::add(&self.watcher.watchlist.coins);
                let name = row.name.clone().unwrap_or_else(|| row.ticker.clone());
                form.inputs[Field::Name as usize] = LineInput::new(&name);
                form.inputs[Field::Ticker as usize] = LineInput::new(&row.ticker);
                self.form = Some(form);
                self.mode = Mode::Form;
            }
            Action::Dismiss => {
                let Some((ticker, status)) =
                    view.selected_row().map(|r| (r.ticker.clone(), r.status))
                else {
                    return Vec::new();
                };
                let out = self.watcher.dismiss(&ticker, status);
                self.flash = Some(format!(
                    "{ticker} dismissed: hidden until it is no longer {}",
                    status.as_str()
                ));
                // The rows changed: absorbing builds them again.
                return self.absorb(out);
            }
            Action::Help => {
                self.mode = Mode::Help;
                self.help_scroll = 0;
            }
            _ => {}
        }
        Vec::new()
    }

    /// Search mode over the Discover view: the text filters its rows.
    pub(super) fn update_discover_search(&mut self, action: &Action) -> bool {
        let Some(view) = self.discover.as_mut() else {
            return false;
        };
        if super::edit::edit_line(&mut view.search, action) {
            view.reshow();
            return true;
        }
        match action {
            Action::SearchKeep => self.mode = Mode::Discover,
            Action::SearchClear => {
                view.search = LineInput::default();
                view.reshow();
                self.mode = Mode::Discover;
            }
            Action::Down => view.move_by(1),
            Action::Up => view.move_by(-1),
            _ => {}
        }
        true
    }
}
