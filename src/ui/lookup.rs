//! The market-id lookup: the API's candidates for the coin's name, those
//! with the coin's ticker as symbol first, and a line to type an id.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::popup;
use super::theme::Palette;
use crate::app::{App, LookupState, Mode};
use crate::keymap::Action;
use crate::market::CandidateColumns;
use crate::model::position;
use crate::text::clean;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Palette) {
    let Some(lookup) = &app.lookup else { return };
    // A coin deleted by a merge while its lookup is open: nothing to draw
    // it for; picking says so.
    let coins = &app.watcher.watchlist.coins;
    let Some(coin) = position(coins, lookup.coin).map(|i| &coins[i]) else {
        return;
    };
    let title = format!("Market id for {}", clean(&coin.name));
    let km = &app.keymap;
    let key = |action| km.label(Mode::Lookup, &action);
    let hint = format!(
        "{}/{} choose · {} picks · {} cancels",
        key(Action::Up),
        key(Action::Down),
        key(Action::Submit),
        key(Action::Back)
    );
    let inner = popup::draw(frame, area, 90, &title, &hint, theme);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let width = usize::from(inner.width);
    let mut lines: Vec<Line> = Vec::new();
    let current = coin.market_id.as_deref().unwrap_or("none");
    lines.push(Line::styled(
        format!(
            "search \"{}\" · current id: {current}",
            clean(&lookup.query)
        ),
        theme.dim(),
    ));
    let ticker = coin.ticker.as_deref().unwrap_or("");
    match &lookup.state {
        LookupState::Searching => lines.push(Line::raw("searching…")),
        LookupState::Failed(e) => {
            lines.push(Line::styled(format!("lookup failed: {e}"), theme.down()))
        }
        LookupState::Found(c) if c.is_empty() => lines.push(Line::raw(format!(
            "no candidates: type an id below, or {}",
            key(Action::Back)
        ))),
        LookupState::Found(candidates) => {
            let columns = CandidateColumns::NARROW;
            lines.push(Line::styled(
                format!("  {}", columns.header()),
                theme.header(),
            ));
            // Leave room for the heading, the id line and an error.
            let room = usize::from(inner.height).saturating_sub(5).max(1);
            let start = (lookup.selected + 1).saturating_sub(room);
            for (i, c) in candidates.iter().enumerate().skip(start).take(room) {
                let marker = if i == lookup.selected { "▶ " } else { "  " };
                let text = format!("{marker}{}", columns.row(c));
                let text: String = text.chars().take(width).collect();
                let style = if i == lookup.selected {
                    theme.selected_row()
                } else if !ticker.is_empty() && c.symbol.eq_ignore_ascii_case(ticker) {
                    theme.title()
                } else {
                    ratatui::style::Style::new()
                };
                lines.push(Line::styled(text, style));
            }
        }
    }
    let id_y = inner.y + inner.height - 2;
    let prompt = "or type an id: ";
    let (shown, col) = lookup.typed.window(width.saturating_sub(prompt.len() + 1));
    // A long error wraps; candidate lines are already cut to the width.
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        Rect {
            height: inner.height - 2,
            ..inner
        },
    );
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(prompt, theme.label()),
            Span::raw(shown.clone()),
        ])),
        Rect {
            y: id_y,
            height: 1,
            ..inner
        },
    );
    if let Some(err) = &lookup.error {
        frame.render_widget(
            Paragraph::new(Line::styled(err.clone(), theme.down())),
            Rect {
                y: id_y + 1,
                height: 1,
                ..inner
            },
        );
    }
    let x = inner.x + (prompt.len() + col) as u16;
    frame.set_cursor_position(Position::new(x.min(inner.x + inner.width - 1), id_y));
}
