//! Colours and styles, in one place so the screen stays consistent. The
//! palette comes from the config (a theme, single colours overridden) and is
//! handed to drawing; `mono` draws with bold and reverse only.

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

/// The styles of the screen, from this palette.
impl Palette {
    /// A style with the slot's colour as foreground, if the palette has one.
    fn fg(&self, slot: ColorSlot) -> Style {
        match self.get(slot) {
            Some(c) => Style::new().fg(c),
            None => Style::new(),
        }
    }

    pub fn header(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn sorted_header(&self) -> Style {
        self.fg(ColorSlot::Label)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// The selected row when the table has the keys.
    pub fn selected_row(&self) -> Style {
        match (
            self.get(ColorSlot::SelectedFg),
            self.get(ColorSlot::SelectedBg),
        ) {
            (Some(f), Some(b)) => Style::new().fg(f).bg(b).add_modifier(Modifier::BOLD),
            _ => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        }
    }

    /// The selected row when the detail pane has the keys.
    pub fn selected_row_unfocused(&self) -> Style {
        match self.get(ColorSlot::Dim) {
            Some(c) => Style::new().bg(c),
            None => Style::new().add_modifier(Modifier::UNDERLINED),
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(ColorSlot::Border)
        } else {
            self.dim()
        }
    }

    pub fn dim(&self) -> Style {
        match self.get(ColorSlot::Dim) {
            Some(c) => Style::new().fg(c),
            None => Style::new().add_modifier(Modifier::DIM),
        }
    }

    pub fn upcoming(&self) -> Style {
        self.fg(ColorSlot::Upcoming)
    }

    pub fn trading(&self) -> Style {
        self.fg(ColorSlot::Trading).add_modifier(Modifier::BOLD)
    }

    /// Priced by a pre-market venue: the upcoming colour, bold and italic,
    /// so a pre-market price is never taken for a spot one.
    pub fn premarket(&self) -> Style {
        self.fg(ColorSlot::Upcoming)
            .add_modifier(Modifier::BOLD | Modifier::ITALIC)
    }

    /// An opening announced: the trading colour, not yet bold.
    pub fn scheduled(&self) -> Style {
        self.fg(ColorSlot::Trading).add_modifier(Modifier::ITALIC)
    }

    pub fn up(&self) -> Style {
        self.fg(ColorSlot::Up)
    }

    pub fn down(&self) -> Style {
        self.fg(ColorSlot::Down)
    }

    /// A change (24h, since the listing): up, down, or unknown and flat.
    pub fn change(&self, change: Option<f64>) -> Style {
        match change {
            Some(c) if c > 0.0 => self.up(),
            Some(c) if c < 0.0 => self.down(),
            _ => self.dim(),
        }
    }

    pub fn label(&self) -> Style {
        self.fg(ColorSlot::Label).add_modifier(Modifier::BOLD)
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// A row whose coin started trading while the app was open.
    pub fn flipped_row(&self) -> Style {
        match (
            self.get(ColorSlot::FlippedFg),
            self.get(ColorSlot::FlippedBg),
        ) {
            (Some(f), Some(b)) => Style::new().fg(f).bg(b),
            _ => Style::new().add_modifier(Modifier::BOLD | Modifier::ITALIC),
        }
    }
}
