//! `prelist` with no command: the watchlist screen.

use std::io::IsTerminal;
use std::sync::Arc;

use super::{Context, init_logging, provider, runtime};
use crate::app::{App, LogEntry, LogKind};
use crate::config::{Settings, Source, Theme};
use crate::error::Error;
use crate::text;
use crate::tui;
use crate::ui::theme::Palette;

pub fn run(cx: Context) -> Result<(), Error> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Error::usage(
            "the watchlist screen needs a terminal; use `prelist list` to print it",
        ));
    }
    let settings = &cx.settings;
    // Polling needs a working client; without polling, a broken one only
    // matters if the user asks for a lookup, which then says why.
    let polling = settings.poll_enabled.value;
    let provider = match provider(settings) {
        Ok(p) => Ok(Arc::new(p)),
        Err(why) if !polling => Err(why.to_string()),
        Err(e) => return Err(e),
    };
    let exchanges = if polling {
        super::exchange_clients(settings)?
    } else {
        Vec::new()
    };
    let keymap = settings.keymap.clone();
    let session = tui::Session {
        provider,
        exchanges,
        exchange_interval: super::exchange_interval(settings),
        poll: polling.then_some(settings.interval.value),
        state_path: cx.state_path(),
        watchlist: cx.store,
        theme: palette(settings),
    };
    let _guard = init_logging(&cx.data_dir);
    let mut app = App::new(cx.watchlist, cx.listings).with_book(cx.book);
    app.configure(settings.columns.value.clone(), settings.sort.value, keymap);
    app.bell = settings.bell.value;
    app.log = known_listings(&app).into();
    let ended = runtime()?.block_on(tui::run(app, session));
    let terminal = ended.result.err().map(|e| format!("terminal error: {e}"));
    let unsaved = ended
        .unsaved
        .map(|what| format!("quit with changes not saved: {what}"));
    match (terminal, unsaved) {
        (None, None) => Ok(()),
        (Some(e), None) | (None, Some(e)) => Err(Error::failed(e)),
        (Some(t), Some(u)) => Err(Error::failed(format!("{t}; {u}"))),
    }
}

/// The colours: the theme chosen, with the config's colours over it.
fn palette(settings: &Settings) -> Palette {
    // NO_COLOR (no-color.org) asks for no colours unless a theme was chosen.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut palette = match settings.theme.value {
        Theme::Default if no_color && settings.theme.source == Source::Default => Palette::mono(),
        Theme::Default => Palette::default(),
        Theme::Mono => Palette::mono(),
    };
    for &(slot, color) in &settings.colors.value {
        palette = palette.with(slot, color);
    }
    palette
}

/// The event log starts with the listings already on record, oldest first.
fn known_listings(app: &App) -> Vec<LogEntry> {
    let mut entries: Vec<LogEntry> = app
        .watchlist
        .coins
        .iter()
        .filter_map(|c| {
            let l = crate::listing::listing_of(c, &app.listings)?;
            Some(LogEntry {
                at: l.listed_at,
                kind: LogKind::Flip,
                text: format!(
                    "{} started trading at {} (on record)",
                    text::clean(&c.name),
                    text::price(l.first_price)
                ),
            })
        })
        .collect();
    entries.sort_by_key(|e| e.at);
    entries
}
