//! A centred box over the screen, shared by the overlays.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use super::theme;

/// Clears a centred box of at most `max_width` columns, draws its border,
/// title and bottom hint, and returns the area inside.
pub fn draw(frame: &mut Frame, area: Rect, max_width: u16, title: &str, hint: &str) -> Rect {
    let width = area.width.saturating_sub(4).min(max_width);
    let height = area.height.saturating_sub(2);
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(popup);
    let block = Block::bordered()
        .title(Span::styled(format!(" {title} "), theme::title()))
        .title_bottom(Line::from(format!(" {hint} ")).right_aligned())
        .border_style(theme::border(true));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    inner
}

/// The part of a line input to show in `width` columns so the cursor is in
/// view, and the cursor's column within it.
pub fn input_window(text: &str, cursor: usize, width: usize) -> (String, usize) {
    let width = width.max(1);
    let start = (cursor + 1).saturating_sub(width);
    let shown: String = text.chars().skip(start).take(width).collect();
    (shown, cursor - start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_stays_in_the_window() {
        assert_eq!(input_window("abcdef", 2, 4), ("abcd".into(), 2));
        assert_eq!(input_window("abcdef", 6, 4), ("def".into(), 3));
        assert_eq!(input_window("", 0, 4), ("".into(), 0));
    }
}
