//! Colours and styles, in one place so the screen stays consistent. The
//! palette comes from the config (a theme, single colours overridden) and is
//! set once before drawing; `mono` draws with bold and reverse only.

use std::cell::RefCell;

use ratatui::style::{Color, Modifier, Style};

use crate::config::ColorSlot;

/// A colour per slot; `None` in a slot means "no colour" (the mono theme).
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    colors: [Option<Color>; ColorSlot::ALL.len()],
}

impl Default for Palette {
    fn default() -> Palette {
        Palette {
            colors: ColorSlot::ALL.map(|s| Some(s.default_color())),
        }
    }
}

impl Palette {
    /// No colours at all: the screen is drawn with bold and reverse.
    pub fn mono() -> Palette {
        Palette {
            colors: [None; ColorSlot::ALL.len()],
        }
    }

    pub fn with(mut self, slot: ColorSlot, color: Color) -> Palette {
        self.colors[slot as usize] = Some(color);
        self
    }

    fn get(&self, slot: ColorSlot) -> Option<Color> {
        self.colors[slot as usize]
    }
}

thread_local! {
    static PALETTE: RefCell<Palette> = RefCell::new(Palette::default());
}

/// Sets the palette the styles below use on this thread (the UI's).
pub fn set_palette(p: Palette) {
    PALETTE.with(|cell| *cell.borrow_mut() = p);
}

fn color(slot: ColorSlot) -> Option<Color> {
    PALETTE.with(|cell| cell.borrow().get(slot))
}

/// A style with the slot's colour as foreground, if the palette has one.
fn fg(slot: ColorSlot) -> Style {
    match color(slot) {
        Some(c) => Style::new().fg(c),
        None => Style::new(),
    }
}

pub fn header() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn sorted_header() -> Style {
    fg(ColorSlot::Label).add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

/// The selected row when the table has the keys.
pub fn selected_row() -> Style {
    match (color(ColorSlot::SelectedFg), color(ColorSlot::SelectedBg)) {
        (Some(f), Some(b)) => Style::new().fg(f).bg(b).add_modifier(Modifier::BOLD),
        _ => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
    }
}

/// The selected row when the detail pane has the keys.
pub fn selected_row_unfocused() -> Style {
    match color(ColorSlot::Dim) {
        Some(c) => Style::new().bg(c),
        None => Style::new().add_modifier(Modifier::UNDERLINED),
    }
}

pub fn border(focused: bool) -> Style {
    if focused {
        fg(ColorSlot::Border)
    } else {
        dim()
    }
}

pub fn dim() -> Style {
    match color(ColorSlot::Dim) {
        Some(c) => Style::new().fg(c),
        None => Style::new().add_modifier(Modifier::DIM),
    }
}

pub fn upcoming() -> Style {
    fg(ColorSlot::Upcoming)
}

pub fn trading() -> Style {
    fg(ColorSlot::Trading).add_modifier(Modifier::BOLD)
}

pub fn up() -> Style {
    fg(ColorSlot::Up)
}

pub fn down() -> Style {
    fg(ColorSlot::Down)
}

pub fn label() -> Style {
    fg(ColorSlot::Label).add_modifier(Modifier::BOLD)
}

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// A row whose coin started trading while the app was open.
pub fn flipped_row() -> Style {
    match (color(ColorSlot::FlippedFg), color(ColorSlot::FlippedBg)) {
        (Some(f), Some(b)) => Style::new().fg(f).bg(b),
        _ => Style::new().add_modifier(Modifier::BOLD | Modifier::ITALIC),
    }
}
