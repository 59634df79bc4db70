//! The terminal: set up, restored on every way out, and the event loop that
//! turns input into actions and redraws only when something changed.

use std::io::{self, Stdout, stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};

use crate::app::App;
use crate::keymap;
use crate::ui;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Raw mode, alternate screen, mouse and paste reporting; and a panic hook
/// that puts the terminal back before the panic message is printed.
pub fn init() -> io::Result<Term> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    enable_raw_mode()?;
    let mut out = stdout();
    if let Err(e) = execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    ) {
        restore();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(out))
}

/// Leaves the terminal as it was: main screen, cursor shown, cooked mode.
/// Safe to call more than once.
pub fn restore() {
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

/// Runs the app until the user quits or a signal asks it to stop.
pub async fn run(mut app: App) -> io::Result<()> {
    let mut terminal = init()?;
    let result = event_loop(&mut terminal, &mut app).await;
    restore();
    result
}

async fn event_loop(terminal: &mut Term, app: &mut App) -> io::Result<()> {
    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    draw(terminal, app)?;
    loop {
        let dirty = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => handle(app, &ev),
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            _ = sigterm.recv() => return Ok(()),
            _ = sighup.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
        };
        if app.quit {
            return Ok(());
        }
        if dirty {
            draw(terminal, app)?;
        }
    }
}

/// Applies one terminal event; says whether the screen must be redrawn.
fn handle(app: &mut App, ev: &Event) -> bool {
    match keymap::action_for_event(app, ev) {
        Some(action) => {
            app.update(action);
            true
        }
        None => matches!(ev, Event::Resize(..)),
    }
}

fn draw(terminal: &mut Term, app: &mut App) -> io::Result<()> {
    let mut viewport = None;
    terminal.draw(|frame| viewport = Some(ui::draw(frame, app)))?;
    if let Some(vp) = viewport {
        app.viewport = vp;
    }
    Ok(())
}
