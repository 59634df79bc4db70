//! The Discover view: a table of the coins not on the watchlist that the
//! sources show, and the selected one's detail, everything each venue
//! said of it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};
use unicode_width::UnicodeWidthStr;

use super::theme::Palette;
use crate::app::{App, DiscoverView, Mode, Viewport};
use crate::discover::{Column, Kind, cell};
use crate::keymap::Action;
use crate::text;

/// Columns dropped first when the table is too narrow for all of them.
const DROP_ORDER: [Column; 3] = [Column::Name, Column::Venues, Column::Price];

/// Widest a column gets; longer text is cut (the detail has it whole).
const MAX_WIDTH: usize = 34;

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    view: &DiscoverView,
    theme: &Palette,
    vp: &mut Viewport,
) {
    let wanted = view.shown.len().max(1) as u16 + 3;
    let table_height = wanted.min(area.height * 3 / 5).max(4);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(area);
    table(frame, top, app, view, theme, vp);
    detail(frame, bottom, app, view, theme);
}

fn title(app: &App, view: &DiscoverView) -> String {
    let mut t = if view.shown.len() == view.all.len() {
        format!(" Discover: {} not on the watchlist", view.all.len())
    } else {
        format!(
            " Discover: {} of {} not on the watchlist",
            view.shown.len(),
            view.all.len()
        )
    };
    if let Some(s) = view.status {
        t.push_str(&format!(" · {} only", s.as_str()));
    }
    if !view.search.text().is_empty() {
        t.push_str(&format!(" · \"{}\"", text::clean(view.search.text())));
    }
    if view.cut > 0 {
        t.push_str(&format!(" · {} more cut", text::thousands(view.cut)));
    }
    let key = app.keymap.label(Mode::Discover, &Action::Discover);
    t.push_str(&format!(" · {key}: back "));
    t
}

fn table(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    view: &DiscoverView,
    theme: &Palette,
    vp: &mut Viewport,
) {
    let Some(inner) = super::table::bordered(frame, area, title(app, view), true, theme, vp) else {
        return;
    };
    let height = usize::from(vp.body.height);
    let selected = view.selected_pos();
    // The selection stays on screen, scrolled from where the last frame
    // left it; only the rows shown are formatted.
    let offset =
        super::table::scroll_offset(app.viewport().offset, selected, height, view.shown.len());
    vp.offset = offset;
    let window = &view.shown[offset..(offset + height).min(view.shown.len())];
    let now = app.watcher.now_wall;
    let texts: Vec<Vec<String>> = window
        .iter()
        .map(|&i| Column::ALL.map(|c| cell(&view.all[i], c, now)).to_vec())
        .collect();
    let columns = fit(&texts, inner.width);
    let sorted = view.sort;
    let header = Row::new(columns.iter().map(|&(col, _, _)| match sorted {
        Some((c, descending)) if c == col => {
            let arrow = if descending { "▼" } else { "▲" };
            Cell::from(format!("{}{arrow}", col.title())).style(theme.sorted_header())
        }
        _ => Cell::from(col.title()).style(theme.header()),
    }));
    let rows = window.iter().zip(&texts).map(|(&i, t)| {
        let kind = view.all[i].status;
        Row::new(columns.iter().map(|&(col, idx, _)| {
            let style = match col {
                Column::Status => status_style(kind, theme),
                Column::Price => theme.premarket(),
                _ => ratatui::style::Style::new(),
            };
            Cell::from(t[idx].as_str()).style(style)
        }))
    });
    let widths = columns.iter().map(|&(_, _, w)| Constraint::Length(w));
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected_row());
    let mut state =
        TableState::default().with_selected(selected.filter(|&s| s >= offset).map(|s| s - offset));
    frame.render_stateful_widget(table, inner, &mut state);
    if view.shown.is_empty() {
        let msg = if view.all.is_empty() {
            "Nothing to discover: with --poll, the next looks at the exchanges and venues fill \
             this (a dismissed row comes back when its status changes)"
                .to_string()
        } else {
            "No row matches the filters".to_string()
        };
        frame.render_widget(Paragraph::new(Line::styled(msg, theme.dim())), vp.body);
    }
}

fn status_style(kind: Kind, theme: &Palette) -> ratatui::style::Style {
    match kind {
        Kind::Scheduled => theme.scheduled(),
        Kind::Premarket => theme.premarket(),
        Kind::Listed => theme.trading(),
    }
}

/// The columns that fit `width`, each with its index and width: at most
/// [`MAX_WIDTH`] each, the least useful dropped first.
fn fit(texts: &[Vec<String>], width: u16) -> Vec<(Column, usize, u16)> {
    let natural: Vec<usize> = Column::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| {
            texts
                .iter()
                .map(|r| r[i].width())
                .chain([c.title().width() + 1])
                .max()
                .unwrap_or(0)
                .min(MAX_WIDTH)
        })
        .collect();
    let mut shown: Vec<Column> = Column::ALL.to_vec();
    let total = |shown: &[Column]| -> usize {
        shown
            .iter()
            .map(|c| natural[Column::ALL.iter().position(|x| x == c).unwrap_or(0)] + 1)
            .sum()
    };
    for drop in DROP_ORDER {
        if total(&shown) <= usize::from(width) {
            break;
        }
        shown.retain(|c| *c != drop);
    }
    shown
        .into_iter()
        .map(|c| {
            let i = Column::ALL.iter().position(|x| *x == c).unwrap_or(0);
            (c, i, natural[i] as u16)
        })
        .collect()
}

/// The selected row: every venue's word on it.
fn detail(frame: &mut Frame, area: Rect, app: &App, view: &DiscoverView, theme: &Palette) {
    let row = view.selected_row();
    let add = app.keymap.label(Mode::Discover, &Action::Add);
    let dismiss = app.keymap.label(Mode::Discover, &Action::Dismiss);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" {} ", row.map_or("Detail", |r| r.ticker.as_str())),
            theme.title(),
        ))
        .title_bottom(
            Line::from(format!(
                " {add}: add to the watchlist · {dismiss}: dismiss "
            ))
            .right_aligned(),
        )
        .border_style(theme.border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(row) = row else { return };
    let now = app.watcher.now_wall;
    let mut lines = vec![Line::from(vec![
        Span::styled(row.ticker.clone(), theme.title()),
        Span::raw(" · "),
        Span::styled(row.status.as_str(), status_style(row.status, theme)),
        Span::raw(format!(" · first seen {}", text::date_time(row.first_seen))),
    ])];
    if let Some(at) = row.scheduled_at {
        lines.push(Line::from(format!(
            "Opens {} ({})",
            text::date_time(at),
            crate::book::countdown(at - now)
        )));
    }
    if let Some(p) = row.price_usd {
        lines.push(Line::from(format!(
            "Pre-market price {} (the median of the venues)",
            text::price(p)
        )));
    }
    for v in &row.venues {
        let mut about = vec![
            text::clean(&v.pair).into_owned(),
            v.status.as_str().to_string(),
        ];
        if let Some(at) = v.scheduled_at {
            about.push(format!("opens {}", text::date_time(at)));
        }
        if let Some(p) = v.price_usd {
            about.push(text::price(p));
        }
        if let Some(phase) = &v.phase {
            about.push(text::clean(phase).into_owned());
        }
        about.push(format!("seen since {}", text::date_time(v.first_seen)));
        lines.push(Line::from(vec![
            Span::styled(
                format!("{}: ", crate::discover::venue_name(&v.venue)),
                theme.label(),
            ),
            Span::raw(about.join(", ")),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
