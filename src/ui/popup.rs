//! A centred box over the screen, shared by the overlays.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use super::theme::Palette;

/// Clears a centred box of at most `max_width` columns, draws its border,
/// title and bottom hint, and returns the area inside.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    max_width: u16,
    title: &str,
    hint: &str,
    theme: &Palette,
) -> Rect {
    let width = area.width.saturating_sub(4).min(max_width);
    let height = area.height.saturating_sub(2);
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(popup);
    let block = Block::bordered()
        .title(Span::styled(format!(" {title} "), theme.title()))
        .title_bottom(Line::from(format!(" {hint} ")).right_aligned())
        .border_style(theme.border(true));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    inner
}
