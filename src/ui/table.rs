//! The table of coins: only the columns that fit, the sort arrow, the selection.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};
use unicode_width::UnicodeWidthStr;

use super::theme::Palette;
use crate::app::{App, Focus, Mode, Viewport};
use crate::keymap::Action;
use crate::listing::{Listing, Status, listing_of, status_of};
use crate::view::{Column, cell};

/// Columns dropped first when the table is too narrow for all of them.
/// Since goes first, so a table of 80 columns shows what it did before it;
/// a holding's columns go before the price they are made from.
const DROP_ORDER: [Column; 11] = [
    Column::Since,
    Column::Listed,
    Column::Category,
    Column::Change24h,
    Column::Pnl,
    Column::Holding,
    Column::Weight,
    Column::Price,
    Column::Ticker,
    Column::Airdrop,
    Column::Score,
];

/// Widest a text column gets; longer text is cut (the detail pane has it whole).
const MAX_TEXT_WIDTH: usize = 22;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Palette, vp: &mut Viewport) {
    let focused = app.focus == Focus::Table && !app.detail_full;
    let Some(inner) = bordered(frame, area, " prelist ".into(), focused, theme, vp) else {
        return;
    };

    // Only the rows on screen are formatted: the cost of a frame does not
    // grow with the length of the watchlist.
    let height = usize::from(vp.body.height);
    let selected = app.selected_row();
    vp.offset = scroll_offset(app.viewport.offset, selected, height, app.rows().len());
    let window = &app.rows()[vp.offset..(vp.offset + height).min(app.rows().len())];
    let coins = &app.watcher.watchlist.coins;
    let texts = cell_texts(app, window);
    let columns = fit_columns(&texts, app, inner.width);

    let mut x = inner.x;
    vp.columns = columns
        .iter()
        .map(|&(col, w)| {
            let span = (col, x, w);
            x = x.saturating_add(w + 1);
            span
        })
        .collect();

    let header = Row::new(columns.iter().map(|&(col, _)| {
        if col == app.sort.column {
            Cell::from(format!("{}{}", col.title(), app.sort.arrow())).style(theme.sorted_header())
        } else {
            Cell::from(col.title()).style(theme.header())
        }
    }));
    let rows = window.iter().zip(&texts).map(|(&i, text)| {
        let coin = &coins[i];
        let row = Row::new(columns.iter().map(|&(col, _)| {
            let t = &text[col.index()];
            Cell::from(t.as_str()).style(cell_style(app, coin, col, t, theme))
        }));
        let flipped = coin
            .market_id
            .as_ref()
            .is_some_and(|id| app.watcher.flipped.contains(id.as_str()));
        if flipped {
            row.style(theme.flipped_row())
        } else {
            row
        }
    });
    let widths = columns.iter().map(|&(_, w)| Constraint::Length(w));
    let selected_style = if focused {
        theme.selected_row()
    } else {
        theme.selected_row_unfocused()
    };
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(selected_style);

    let mut state = TableState::default()
        .with_selected(selected.filter(|&s| s >= vp.offset).map(|s| s - vp.offset));
    frame.render_stateful_widget(table, inner, &mut state);

    if app.rows().is_empty() {
        let msg = Paragraph::new(Line::styled(
            format!(
                "No coin matches the filters ({} clears the search)",
                app.keymap.label(Mode::Normal, &Action::Back)
            ),
            theme.dim(),
        ));
        frame.render_widget(msg, vp.body);
    }
}

/// The text of every shown cell of `window` (indices into the coins), row
/// by row, at each column's `Column::index`; a column not shown is left
/// empty, unformatted (a holding's columns value it, for one).
fn cell_texts(app: &App, window: &[usize]) -> Vec<Vec<String>> {
    let coins = &app.watcher.watchlist.coins;
    window
        .iter()
        .map(|&i| {
            Column::ALL
                .map(|c| {
                    if app.columns.contains(&c) {
                        cell(&coins[i], app.watcher.around(), c, app.watcher.now_wall)
                    } else {
                        String::new()
                    }
                })
                .to_vec()
        })
        .collect()
}

/// The width the table needs, borders included, to show the rows that fit
/// in `height` with every column that fits in `max`: no wider than `max`
/// unless even the columns kept last do not fit, and no wider than the
/// columns it shows, so a column dropped leaves no empty space behind.
pub fn natural_width(app: &App, height: u16, max: u16) -> u16 {
    let start = app.viewport.offset.min(app.rows().len());
    let end = (start + usize::from(height)).min(app.rows().len());
    let texts = cell_texts(app, &app.rows()[start..end]);
    let cols = fit_columns(&texts, app, max.saturating_sub(2));
    cols.iter().map(|c| c.1 + 1).sum::<u16>() + 1
}

/// The first row to show: the previous one, moved just enough to keep the
/// selection in view, and never leaving empty space below the last row.
/// A table's border with its title, noted in `vp` (the table, its header
/// line, its body); the area inside, unless too small for a header and a
/// row. The watchlist's and Discover's.
pub(super) fn bordered(
    frame: &mut Frame,
    area: Rect,
    title: String,
    focused: bool,
    theme: &Palette,
    vp: &mut Viewport,
) -> Option<Rect> {
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    vp.table = area;
    if inner.height < 2 || inner.width == 0 {
        return None;
    }
    vp.header_y = inner.y;
    vp.body = Rect {
        y: inner.y + 1,
        height: inner.height - 1,
        ..inner
    };
    Some(inner)
}

pub(super) fn scroll_offset(
    prev: usize,
    selected: Option<usize>,
    height: usize,
    rows: usize,
) -> usize {
    let height = height.max(1);
    let mut offset = prev.min(rows.saturating_sub(height));
    if let Some(sel) = selected {
        if sel < offset {
            offset = sel;
        } else if sel >= offset + height {
            offset = sel + 1 - height;
        }
    }
    offset
}

/// The columns to show and their widths: each as wide as its widest cell
/// (text columns capped), dropping the least useful ones until they fit.
fn fit_columns(texts: &[Vec<String>], app: &App, width: u16) -> Vec<(Column, u16)> {
    let mut cols: Vec<(Column, u16)> = app
        .columns
        .iter()
        .map(|&col| {
            let header = col.title().width() + usize::from(col == app.sort.column);
            let widest = texts
                .iter()
                .map(|t| t[col.index()].width())
                .max()
                .unwrap_or(0);
            // Widths the usual values fit in, so that neither a price
            // arriving nor scrolling a long list makes the columns jump.
            let floor = match col {
                Column::Name => 15,
                Column::Category => 12,
                Column::Price | Column::Listed | Column::Holding => 10,
                Column::Airdrop => 9,
                Column::Status => 8,
                Column::Score | Column::Change24h | Column::Weight | Column::Pnl => 7,
                Column::Since => 6,
                Column::Ticker => 6,
                Column::Rank => 2,
            };
            let mut w = header.max(widest).max(floor);
            if matches!(col, Column::Name | Column::Category) {
                w = w.min(MAX_TEXT_WIDTH);
            }
            (col, w as u16)
        })
        .collect();
    let total = |cols: &[(Column, u16)]| {
        cols.iter().map(|c| usize::from(c.1)).sum::<usize>() + cols.len().saturating_sub(1)
    };
    for drop in DROP_ORDER {
        if total(&cols) <= usize::from(width) {
            break;
        }
        // Keep the sorted column in view while there is anything else to drop.
        if drop == app.sort.column {
            continue;
        }
        cols.retain(|c| c.0 != drop);
    }
    cols
}

fn cell_style(
    app: &App,
    coin: &crate::model::Coin,
    col: Column,
    text: &str,
    theme: &Palette,
) -> Style {
    match col {
        Column::Status => match status_of(coin, &app.watcher.listings, &app.watcher.book) {
            Status::Upcoming => theme.upcoming(),
            Status::Scheduled => theme.scheduled(),
            Status::Premarket => theme.premarket(),
            Status::Trading => theme.trading(),
        },
        Column::Price if text.starts_with(crate::view::PREMARKET_MARK) => theme.premarket(),
        Column::Change24h => {
            theme.change(listing_of(coin, &app.watcher.listings).and_then(|l| l.change_24h))
        }
        Column::Since => theme
            .change(listing_of(coin, &app.watcher.listings).and_then(Listing::since_listing_pct)),
        Column::Price if listing_of(coin, &app.watcher.listings).is_some_and(|l| l.stale) => {
            theme.dim()
        }
        _ if text == "—" || text == "no id" => theme.dim(),
        _ => Style::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_keeps_selection_visible_and_moves_minimally() {
        assert_eq!(scroll_offset(0, Some(3), 5, 14), 0);
        assert_eq!(scroll_offset(0, Some(5), 5, 14), 1);
        assert_eq!(scroll_offset(4, Some(6), 5, 14), 4);
        assert_eq!(scroll_offset(4, Some(2), 5, 14), 2);
        assert_eq!(
            scroll_offset(12, Some(13), 5, 14),
            9,
            "no empty space below the last row"
        );
        assert_eq!(scroll_offset(3, None, 5, 0), 0);
    }
}
