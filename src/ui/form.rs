//! The add/edit form: one line per field, errors beside the field they are
//! about, the focused field's hint at the bottom.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::popup;
use super::theme::Palette;
use crate::app::{App, Mode};
use crate::form::Field;
use crate::keymap::Action;
use crate::model::position;
use crate::text::clean;

/// The widest label's width, so every input starts in one column.
fn label_width() -> usize {
    use unicode_width::UnicodeWidthStr;
    Field::ALL
        .iter()
        .map(|f| f.label().width())
        .max()
        .unwrap_or(0)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Palette) {
    let Some(form) = &app.form else { return };
    let coins = &app.watcher.watchlist.coins;
    let title = match form.editing.and_then(|id| position(coins, id)) {
        Some(i) => format!("Edit {}", clean(&coins[i].name)),
        None => "Add a coin".to_string(),
    };
    let km = &app.keymap;
    let key = |action| km.label(Mode::Form, &action);
    let hint = format!(
        "{}/{} move · {} saves · {} cancels",
        key(Action::NextField),
        key(Action::PrevField),
        key(Action::Submit),
        key(Action::Back)
    );
    let inner = popup::draw(frame, area, 96, &title, &hint, theme);
    let label_width = label_width();
    if inner.height == 0 || usize::from(inner.width) <= label_width + 2 {
        return;
    }
    let input_width = usize::from(inner.width) - label_width - 2;

    // One line per field, with a line under it for its error, if any.
    let mut lines: Vec<Line> = Vec::new();
    let mut focus_line = 0;
    let mut cursor_col = 0;
    for (i, field) in Field::ALL.iter().enumerate() {
        if *field == Field::OtherNames {
            lines.push(Line::styled("── every other field ──", theme.dim()));
        }
        let focused = i == form.focus;
        let input = &form.inputs[i];
        let (shown, col) = input.window(input_width);
        let label_style = if focused { theme.label() } else { theme.dim() };
        if focused {
            focus_line = lines.len();
            cursor_col = label_width + 2 + col;
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{:>label_width$}: ", field.label()), label_style),
            Span::styled(shown, if focused { theme.title() } else { Style::new() }),
        ]));
        if let Some(err) = form.errors.iter().find(|e| e.field == *field) {
            lines.push(Line::styled(
                format!("{:>label_width$}  ↑ {}", "", clean(&err.rule.to_string())),
                theme.down(),
            ));
        }
    }
    let mut hint = form.field().hint().to_string();
    if form.field() == Field::MarketId {
        // The key is the user's, as bound.
        let key = app.keymap.label(Mode::Normal, &Action::Lookup);
        hint.push_str(&format!(" ({key} on the table looks it up)"));
    }
    let body_height = usize::from(inner.height).saturating_sub(usize::from(!hint.is_empty()));
    // Scroll so the focused field (and its error) is in view.
    let scroll = (focus_line + 2).saturating_sub(body_height.max(1));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(body_height).collect();
    frame.render_widget(Paragraph::new(shown), inner);
    if !hint.is_empty() && inner.height > 1 {
        let hint_area = Rect {
            y: inner.y + inner.height - 1,
            height: 1,
            ..inner
        };
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("{}: {hint}", form.field().label()),
                theme.dim(),
            )),
            hint_area,
        );
    }
    let y = focus_line - scroll;
    if y < body_height {
        frame.set_cursor_position(Position::new(
            inner.x + cursor_col.min(usize::from(inner.width) - 1) as u16,
            inner.y + y as u16,
        ));
    }
}
