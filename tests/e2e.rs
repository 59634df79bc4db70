//! The real binary in a pseudo-terminal: keys in, screen out, read through a
//! terminal emulator, and the terminal left as it was found on every way out.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

mod common;

use std::io::{Read, Write};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use portable_pty::{Child, ExitStatus, MasterPty, PtySize, native_pty_system};

const COLS: u16 = 120;
const ROWS: u16 = 40;

/// How long anything may take before the test gives up on it.
const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);

const ENTER_ALT_SCREEN: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT_SCREEN: &[u8] = b"\x1b[?1049l";

/// What the reader thread has seen of the output.
struct Output {
    parser: vt100::Parser,
    raw: Vec<u8>,
    /// The output ended: the child and every copy of the terminal are gone.
    closed: bool,
}

/// The app running in a pseudo-terminal.
struct Tui {
    output: Arc<Mutex<Output>>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    reader: Option<JoinHandle<()>>,
    exited: bool,
    /// The terminal's modes before the app started.
    cooked: String,
    _home: tempfile::TempDir,
}

impl Tui {
    /// Starts the app at 120x40 with a home of its own, and waits for its
    /// first frame.
    fn spawn() -> Tui {
        Tui::spawn_with(&[], &[])
    }

    /// `spawn` with arguments and environment variables of its own.
    fn spawn_with(args: &[&str], envs: &[(&str, &str)]) -> Tui {
        Tui::spawn_with_first(args, envs, "Gravity")
    }

    /// `spawn_with`, waiting for `first` on the first frame.
    fn spawn_with_first(args: &[&str], envs: &[(&str, &str)], first: &str) -> Tui {
        let home = tempfile::tempdir().expect("temp dir");
        let pty = open_pty();
        let cooked = termios_modes(pty.master.as_ref());
        let mut cmd = common::pty_command(home.path());
        cmd.args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn prelist");
        // Only the child may hold the terminal's other end, so that reading
        // ends when the child does.
        drop(pty.slave);

        let output = Arc::new(Mutex::new(Output {
            parser: vt100::Parser::new(ROWS, COLS, 0),
            raw: Vec::new(),
            closed: false,
        }));
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let sink = Arc::clone(&output);
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut out = sink.lock().unwrap_or_else(PoisonError::into_inner);
                        out.raw.extend_from_slice(&buf[..n]);
                        out.parser.process(&buf[..n]);
                    }
                }
            }
            sink.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        });
        let writer = pty.master.take_writer().expect("pty writer");
        let tui = Tui {
            output,
            master: pty.master,
            writer,
            child,
            reader: Some(reader),
            exited: false,
            cooked,
            _home: home,
        };
        tui.wait_for(first);
        tui
    }

    /// What has been read so far. A failed assertion elsewhere must not
    /// stop the reader, so a poisoned lock is still used.
    fn output(&self) -> MutexGuard<'_, Output> {
        self.output.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn pid(&self) -> u32 {
        self.child.process_id().expect("the child has a pid")
    }

    /// Types bytes as the keyboard would.
    fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.writer.write_all(bytes.as_ref()).expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// The screen as text, one line per row, trailing blanks trimmed.
    fn screen(&self) -> String {
        self.output().parser.screen().contents()
    }

    /// One row of the screen, full width.
    fn row(&self, y: u16) -> String {
        let out = self.output();
        let screen = out.parser.screen();
        let (_, cols) = screen.size();
        screen.rows(0, cols).nth(usize::from(y)).unwrap_or_default()
    }

    /// Waits until `check` holds for the screen; fails with the screen if it
    /// never does.
    fn wait_until(&self, what: &str, check: impl Fn(&vt100::Screen) -> bool) {
        self.wait_within(TIMEOUT, what, check);
    }

    /// `wait_until`, giving up after `timeout`.
    fn wait_within(&self, timeout: Duration, what: &str, check: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            if check(self.output().parser.screen()) {
                return;
            }
            if Instant::now() >= deadline {
                let shown = self.screen();
                panic!("timed out waiting for {what}; the screen shows:\n{shown}");
            }
            thread::sleep(POLL);
        }
    }

    fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?} on screen"), |s| {
            s.contents().contains(text)
        });
    }

    fn wait_gone(&self, text: &str) {
        self.wait_until(&format!("{text:?} to leave the screen"), |s| {
            !s.contents().contains(text)
        });
    }

    /// Resizes the terminal, as a window resize would: the emulator first,
    /// then the pty, which signals the app.
    fn resize(&mut self, cols: u16, rows: u16) {
        {
            let mut out = self.output();
            out.parser.screen_mut().set_size(rows, cols);
        }
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    /// Waits for the app to exit and for the last of its output to be read.
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                break status;
            }
            if Instant::now() >= deadline {
                panic!("the app did not exit; the screen shows:\n{}", self.screen());
            }
            thread::sleep(POLL);
        };
        self.exited = true;
        loop {
            if self.output().closed {
                break;
            }
            if Instant::now() >= deadline {
                panic!("the app's output never ended after it exited");
            }
            thread::sleep(POLL);
        }
        if let Some(reader) = self.reader.take() {
            reader.join().expect("reader thread");
        }
        status
    }

    /// After exit: the main screen is back and the cursor is shown, both as
    /// the emulator sees it and in the bytes written.
    fn assert_restored(&self) {
        let out = self.output();
        let screen = out.parser.screen();
        assert!(
            !screen.alternate_screen(),
            "still on the alternate screen at exit"
        );
        assert!(!screen.hide_cursor(), "cursor still hidden at exit");
        let entered = find_last(&out.raw, ENTER_ALT_SCREEN).expect("never entered the alt screen");
        let left = find_last(&out.raw, LEAVE_ALT_SCREEN);
        assert!(
            left.is_some_and(|l| l > entered),
            "no leave-alternate-screen after the last enter (enter at {entered}, leave at {left:?})"
        );
        drop(out);
        assert_eq!(
            termios_modes(self.master.as_ref()),
            self.cooked,
            "the terminal modes at exit differ from those before the start (raw mode left on?)"
        );
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if !self.exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The input, output and local modes of the terminal (raw mode clears some
/// of each), as text to compare.
/// A 120x40 pseudo-terminal.
fn open_pty() -> portable_pty::PtyPair {
    native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pty")
}

fn termios_modes(master: &dyn MasterPty) -> String {
    let t = master.get_termios().expect("read the terminal modes");
    format!(
        "{:?} {:?} {:?}",
        t.input_flags, t.output_flags, t.local_flags
    )
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The name cell of a table row: "│12 Ten   —  …" gives "Ten".
fn name_in_row(row: &str) -> Option<String> {
    let row = row.trim_start_matches('│');
    let mut words = row.split_whitespace();
    words.next()?;
    words.next().map(str::to_string)
}

/// The rows of the table pane: from its top border to its bottom border.
fn table_rows(screen: &vt100::Screen) -> Vec<String> {
    let (_, cols) = screen.size();
    screen
        .rows(0, cols)
        .take_while(|r| !r.starts_with('└'))
        .collect()
}

#[test]
fn browse_sort_search_help_and_quit() {
    let mut tui = Tui::spawn();
    tui.wait_for("Peaq Network");
    tui.wait_for("14 of 14 coins");
    tui.wait_for("┌ Gravity ");

    tui.send("j");
    tui.wait_for("┌ Nillion ");
    tui.send("j");
    tui.wait_for("┌ My Pet Hooligan ");

    tui.send("5");
    tui.wait_until("a sort by Score ascending", |s| {
        s.contents().contains("Score▲")
    });
    tui.send("r");
    tui.wait_until("a sort by Score descending", |s| {
        let (_, cols) = s.size();
        s.rows(0, cols).nth(1).is_some_and(|h| h.contains("Score▼"))
    });
    tui.wait_until("Ten in the first row", |s| {
        let (_, cols) = s.size();
        s.rows(0, cols)
            .nth(2)
            .and_then(|r| name_in_row(&r))
            .as_deref()
            == Some("Ten")
    });
    assert!(tui.row(1).contains("Score▼"), "header: {:?}", tui.row(1));
    assert_eq!(name_in_row(&tui.row(2)).as_deref(), Some("Ten"));
    assert!(
        tui.screen().contains("┌ My Pet Hooligan "),
        "the selection stays on its coin through the sort"
    );

    tui.send("/");
    tui.wait_for("/  14 of 14");
    tui.send("nil");
    tui.wait_until("the search to leave one coin", |s| {
        s.contents().contains("/nil  1 of 14")
            && !table_rows(s).iter().any(|r| r.contains("Gravity"))
            && table_rows(s).iter().any(|r| r.contains("Nillion"))
    });
    tui.send("\x1b");
    tui.wait_for("14 of 14 coins");
    tui.wait_until("every coin back in the table", |s| {
        table_rows(s).iter().any(|r| r.contains("Gravity"))
    });

    tui.send("?");
    tui.wait_for("┌ Help ");
    // The overlay may arrive over more than one read: wait for the end of
    // its first section (the rest is below, scrolled to).
    tui.wait_for("confirm the exchange listing");
    tui.wait_for("this help");
    tui.send("\x1b");
    tui.wait_gone("┌ Help ");

    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    tui.assert_restored();
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    let mut tui = Tui::spawn();
    tui.send([0x03]);
    let status = tui.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    tui.assert_restored();
}

#[test]
fn sigterm_and_sighup_quit_and_restore_the_terminal() {
    for signal in ["-TERM", "-HUP"] {
        signal_quits(signal);
    }
}

fn signal_quits(signal: &str) {
    let mut tui = Tui::spawn();
    let kill = Command::new("kill")
        .arg(signal)
        .arg(tui.pid().to_string())
        .status()
        .expect("run kill");
    assert!(kill.success(), "kill failed: {kill:?}");
    let status = tui.wait_exit();
    // Handled, not died of: a signal death would skip the restore.
    assert!(status.success(), "exit status {status:?}");
    tui.assert_restored();
}

#[test]
fn resize_redraws_and_asks_for_room_when_too_small() {
    let mut tui = Tui::spawn();

    tui.resize(40, 10);
    // Only a frame drawn for 40x10 has the status line on row 9 and the
    // table's right border in column 39.
    tui.wait_until("a frame drawn for 40x10", |s| {
        let rows: Vec<String> = s.rows(0, 40).collect();
        rows.len() == 10
            && rows[9].starts_with("14 of 14 coins")
            && rows[0].starts_with("┌ prelist ")
            && rows[0].ends_with('┐')
            && rows.iter().any(|r| r.contains("Gravity"))
    });

    tui.resize(30, 8);
    tui.wait_for("Terminal too small");
    tui.wait_gone("Gravity");

    tui.resize(COLS, ROWS);
    tui.wait_for("Peaq Network");
    tui.wait_gone("Terminal too small");

    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    tui.assert_restored();
}

/// The row of the table that shows `name`.
fn row_of(screen: &vt100::Screen, name: &str) -> Option<String> {
    table_rows(screen)
        .into_iter()
        .find(|r| r.contains(&format!(" {name} ")))
}

#[test]
fn a_coin_flips_to_trading_while_the_screen_polls_and_stays_so_after_a_restart() {
    let server = common::PriceApi::start(serde_json::json!({}));
    let answer = |body: serde_json::Value| server.answer(body);
    answer(serde_json::json!({"nillion": {"usd": null}}));

    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let api = server.url();
    let key = "e2e-secret-key-5d1c";
    let mut tui = Tui::spawn_with(
        &["--poll", "--api-url", &api, "--data-dir", data_dir],
        &[("COINGECKO_API_KEY", key)],
    );
    tui.wait_for("0 trading · next in");
    tui.wait_until("Dolomite upcoming", |s| {
        row_of(s, "Dolomite").is_some_and(|r| r.contains("upcoming"))
    });

    // The API starts pricing Dolomite; a manual poll (Ctrl-r) sees it.
    answer(serde_json::json!({
        "dolomite": {"usd": 0.1234, "usd_24h_change": 12.5, "last_updated_at": 1745500000}
    }));
    tui.send("\x12");
    tui.wait_for("Dolomite is now trading at $0.1234");
    tui.wait_until("Dolomite's row trading with its price", |s| {
        row_of(s, "Dolomite").is_some_and(|r| {
            r.contains("trading") && r.contains("$0.1234") && r.contains("+12.50%")
        })
    });
    tui.wait_for("1 trading");
    tui.send("l");
    tui.wait_for("Event log");
    tui.wait_until("the flip in the log", |s| {
        s.contents()
            .lines()
            .any(|l| l.contains("│20") && l.contains("Dolomite is now trading at $0.1234"))
    });
    // In the log, q closes it; a second q quits.
    tui.send("q");
    tui.wait_gone("Event log");
    tui.send("q");
    tui.wait_exit();
    tui.assert_restored();
    assert!(
        !tui.output()
            .raw
            .windows(key.len())
            .any(|w| w == key.as_bytes()),
        "the key reached the screen"
    );
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("x-cg-demo-api-key").is_some_and(|v| v == key))
    );
    let log = std::fs::read_to_string(data.path().join("prelist.log")).unwrap();
    assert!(
        log.contains("Dolomite is now trading at $0.1234") && !log.contains(key),
        "{log}"
    );

    // Started again without polling, offline: Dolomite is still trading.
    let mut tui = Tui::spawn_with(&["--data-dir", data_dir], &[]);
    tui.wait_until("Dolomite still trading after a restart", |s| {
        row_of(s, "Dolomite").is_some_and(|r| r.contains("trading") && r.contains("$0.1234"))
    });
    tui.send("q");
    tui.wait_exit();
}

#[test]
fn a_coin_added_with_n_is_there_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let mut tui = Tui::spawn_with(&["--data-dir", data_dir], &[]);
    tui.send("n");
    tui.wait_for("Add a coin");
    tui.send("Zeta Chain\tZETA\tOmni-chain L1");
    tui.wait_for("Category: Omni-chain L1");
    tui.send("\r");
    tui.wait_for("Zeta Chain added");
    tui.wait_until("Zeta Chain in the table", |s| {
        row_of(s, "Zeta").is_some_and(|r| r.contains("ZETA") && r.starts_with("│15 "))
    });
    tui.send("q");
    tui.wait_exit();
    tui.assert_restored();

    let tui = Tui::spawn_with(&["--data-dir", data_dir], &[]);
    tui.wait_until("Zeta Chain still in the table", |s| {
        row_of(s, "Zeta").is_some_and(|r| r.contains("ZETA") && r.contains("Omni-chain L1"))
    });
    tui.wait_for("15 of 15 coins");
}

#[test]
fn no_color_draws_without_colours() {
    let tui = Tui::spawn_with(&[], &[("NO_COLOR", "1")]);
    tui.wait_for("14 of 14 coins");
    let out = tui.output();
    let screen = out.parser.screen();
    let (rows, cols) = screen.size();
    for r in 0..rows {
        for c in 0..cols {
            let cell = screen.cell(r, c).unwrap();
            assert_eq!(cell.fgcolor(), vt100::Color::Default, "a colour at {r},{c}");
            assert_eq!(cell.bgcolor(), vt100::Color::Default, "a colour at {r},{c}");
        }
    }
    // The selection still shows, in reverse video.
    assert!(screen.cell(2, 3).unwrap().inverse());
}

#[test]
fn quitting_with_a_change_that_could_not_be_saved_asks_and_says_so() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let mut tui = Tui::spawn_with(&["--data-dir", data_dir], &[]);
    // Something now stands where the watchlist would be written: a
    // directory with a file in it, which no save can replace.
    let blocker = data.path().join("watchlist.json");
    std::fs::create_dir_all(&blocker).unwrap();
    std::fs::write(blocker.join("keep"), "x").unwrap();
    tui.send("n");
    tui.wait_for("Add a coin");
    tui.send("Zeta Chain\r");
    tui.wait_for("watchlist not saved");
    tui.send("q");
    tui.wait_for("Quit without saving? y quits");
    tui.send("x");
    tui.wait_for("not quitting");
    tui.send("q");
    tui.wait_for("Quit without saving?");
    tui.send("y");
    let status = tui.wait_exit();
    tui.assert_restored();
    assert!(!status.success(), "unsaved changes exit non-zero");
    let out = tui.output();
    let said = String::from_utf8_lossy(&out.raw);
    assert!(
        said.contains("quit with changes not saved: the watchlist's changes"),
        "the terminal is told: {said:?}"
    );
}

#[test]
fn closing_the_terminal_ends_the_app_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let pty = open_pty();
    let mut child = pty
        .slave
        .spawn_command(common::pty_command(home.path()))
        .unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    while find_last(&seen, b"Gravity").is_none() {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => panic!("the app never drew its first frame"),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    // The window closes: every handle on the terminal's other side goes.
    drop(reader);
    drop(pty.master);
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("the app outlived its terminal");
        }
        thread::sleep(POLL);
    };
    assert!(
        status.success(),
        "a closed terminal ends the app as a hang-up does, without a panic: {status:?}"
    );
}

/// Runs the screen polling a stub that prices a coin whose name carries
/// escape sequences, with `[notify] terminal = mode`, and returns every
/// byte written to the terminal once the flip is on screen.
fn raw_output_of_a_flip(mode: &str, envs: &[(&str, &str)]) -> Vec<u8> {
    let server = common::PriceApi::start(serde_json::json!({"evil": {"usd": 0.5}}));
    let dir = tempfile::tempdir().unwrap();
    let watchlist = dir.path().join("w.json");
    std::fs::write(
        &watchlist,
        serde_json::json!({"version": 1, "coins": [
            {"rank": 1, "name": "Evil\u{1b}]0;pwned\u{7}Coin", "ticker": "EVL", "market_id": "evil"}
        ]})
        .to_string(),
    )
    .unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("[notify]\nterminal = \"{mode}\"\n")).unwrap();
    let api = server.url();
    let mut all_envs = vec![("PRELIST_CONFIG", config.to_str().unwrap())];
    all_envs.extend_from_slice(envs);
    let mut tui = Tui::spawn_with_first(
        &[
            "--poll",
            "--api-url",
            &api,
            "--watchlist",
            watchlist.to_str().unwrap(),
        ],
        &all_envs,
        "EVL",
    );
    tui.wait_for("is now trading at $0.50");
    tui.send("q");
    tui.wait_exit();
    let out = tui.output();
    out.raw.clone()
}

/// The bytes between `start` and the next BEL or ST.
fn sequence_after(raw: &[u8], start: &[u8]) -> Option<Vec<u8>> {
    let at = raw.windows(start.len()).position(|w| w == start)? + start.len();
    let rest = &raw[at..];
    let end = rest
        .iter()
        .position(|&b| b == 0x07)
        .or_else(|| rest.windows(2).position(|w| w == b"\x1b\\"))?;
    Some(rest[..end].to_vec())
}

#[test]
fn a_flip_is_notified_on_the_terminal_with_no_control_character_from_data() {
    let raw = raw_output_of_a_flip("osc9", &[]);
    let body = sequence_after(&raw, b"\x1b]9;").expect("an OSC 9 notification");
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("now trading at $0.50"), "{body:?}");
    assert!(!body.chars().any(prelist::text::is_unsafe), "{body:?}");
    assert!(
        sequence_after(&raw, b"\x1b]0;pwned").is_none(),
        "the coin's title sequence never reaches the terminal"
    );

    // Inside tmux, through its passthrough, with every ESC doubled.
    let raw = raw_output_of_a_flip("osc777", &[("TMUX", "/tmp/tmux-0/default,1,0")]);
    let start = b"\x1bPtmux;\x1b\x1b]777;notify;";
    let body = sequence_after(&raw, start).expect("OSC 777 in tmux passthrough");
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("now trading at $0.50"), "{body:?}");
}

/// `prelist watch` beside the screen, on one data dir, both with a
/// `[notify]` command that appends each event's JSON to a file.
struct Beside {
    dir: tempfile::TempDir,
    config: std::path::PathBuf,
    data: std::path::PathBuf,
}

impl Beside {
    fn new() -> Beside {
        let dir = tempfile::tempdir().unwrap();
        let config = common::recording_config(dir.path(), "terminal = \"off\"\n");
        let data = dir.path().join("data");
        Beside { dir, config, data }
    }

    /// The events told, by any instance, as their `message`s.
    fn told(&self) -> Vec<String> {
        common::told(self.dir.path())
            .iter()
            .map(|v| v["message"].as_str().unwrap().to_string())
            .collect()
    }

    /// Starts `prelist watch --json` polling `api` every 10 s; its stdout
    /// lines come over the channel.
    fn watch(&self, api: &str) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
        use std::io::BufRead;
        let mut child = common::command(self.dir.path())
            .args([
                "watch",
                "--json",
                "--interval",
                "10",
                "--api-url",
                api,
                "--data-dir",
            ])
            .arg(&self.data)
            .env("PRELIST_CONFIG", &self.config)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        (child, rx)
    }

    fn screen(&self, args: &[&str]) -> Tui {
        let mut all = vec!["--data-dir", self.data.to_str().unwrap()];
        all.extend_from_slice(args);
        Tui::spawn_with(&all, &[("PRELIST_CONFIG", self.config.to_str().unwrap())])
    }
}

#[test]
fn a_listing_watch_records_shows_on_the_screen_beside_it_and_is_told_once() {
    let server = common::PriceApi::start(serde_json::json!({}));
    let answer = |body: serde_json::Value| server.answer(body);
    let requests = || server.requests().len();
    let api = server.url();
    let beside = Beside::new();

    // A screen that does not poll, and a watcher that does: what the
    // watcher records shows on the screen at its next look at the file.
    answer(serde_json::json!({"nillion": {"usd": 0.6132}}));
    let mut tui = beside.screen(&[]);
    tui.wait_until("Nillion upcoming", |s| {
        row_of(s, "Nillion").is_some_and(|r| r.contains("upcoming"))
    });
    let (watch, lines) = beside.watch(&api);
    let line = lines.recv_timeout(TIMEOUT).expect("the watcher's event");
    assert!(line.contains("Nillion is now trading at $0.6132"), "{line}");
    tui.wait_within(
        Duration::from_secs(25),
        "Nillion trading on the screen",
        |s| row_of(s, "Nillion").is_some_and(|r| r.contains("trading") && r.contains("$0.6132")),
    );
    tui.wait_for("(recorded by another prelist)");
    assert_eq!(beside.told(), ["Nillion is now trading at $0.6132"]);
    tui.send("q");
    tui.wait_exit();

    // A polling screen beside the watcher: both see Dolomite list, one
    // tells it.
    answer(serde_json::json!({
        "nillion": {"usd": 0.62},
        "dolomite": {"usd": 0.1234}
    }));
    let mut tui = beside.screen(&["--poll", "--interval", "10", "--api-url", &api]);
    tui.wait_until("Dolomite trading on the screen", |s| {
        row_of(s, "Dolomite").is_some_and(|r| r.contains("trading"))
    });
    // Three more polls by two pollers at one interval: each has polled
    // since.
    let seen = requests();
    let start = Instant::now();
    while requests() < seen + 3 {
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "both keep polling"
        );
        thread::sleep(POLL);
    }
    assert_eq!(
        beside.told(),
        [
            "Nillion is now trading at $0.6132",
            "Dolomite is now trading at $0.1234"
        ],
        "each listing told once, by one of the two"
    );
    tui.send("q");
    tui.wait_exit();
    stop_watch(watch);
}

/// How long a failed state save waits for its retry (the watcher's
/// `STATE_RETRY_GAP`), with room for a poll to bring the clock past it.
const RETRY_WAIT: Duration = Duration::from_secs(75);

/// A data dir in which the state database cannot be made: a directory
/// with a file in it stands where it would go. Made after start, so the
/// state loads (there is none) and the first save, of the first listing,
/// fails.
fn block_the_state_file(data: &std::path::Path) {
    let blocker = data.join("state.db");
    std::fs::create_dir_all(&blocker).unwrap();
    std::fs::write(blocker.join("keep"), "x").unwrap();
}

/// A price API whose first answers come after a pause: time for the test to
/// block the state file before the listing they carry is saved.
fn slow_listing_api() -> common::PriceApi {
    let api = common::PriceApi::start(serde_json::json!({}));
    api.answer_after(
        serde_json::json!({"nillion": {"usd": 0.6132}}),
        Duration::from_secs(2),
    );
    api
}

#[test]
fn a_failed_save_retried_by_the_screen_does_not_keep_sigterm_from_ending_it() {
    let api = slow_listing_api();
    let data = tempfile::tempdir().unwrap();
    let args = [
        "--poll",
        "--interval",
        "10",
        "--api-url",
        &api.url(),
        "--data-dir",
        data.path().to_str().unwrap(),
    ];
    let mut tui = Tui::spawn_with(&args, &[]);
    block_the_state_file(data.path());
    tui.wait_for("could not save state");
    // The event log holds each try: the first, then the retry the clock
    // brings once it is due.
    tui.send("l");
    tui.wait_within(RETRY_WAIT, "the retry of the failed save", |s| {
        s.contents().matches("could not save state").count() >= 2
    });
    let kill = Command::new("kill")
        .args(["-TERM", &tui.pid().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    // wait_exit gives up after TIMEOUT: a save waited for forever fails here.
    let status = tui.wait_exit();
    tui.assert_restored();
    assert_eq!(status.exit_code(), 1, "what was not saved ends it with 1");
    let out = tui.output();
    let said = String::from_utf8_lossy(&out.raw);
    assert!(
        said.contains("quit with changes not saved: new listings and prices"),
        "the terminal is told what was not saved: {said:?}"
    );
}

#[test]
fn a_failed_save_retried_by_watch_does_not_keep_sigterm_from_ending_it() {
    use std::io::BufRead;
    let api = slow_listing_api();
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let mut child = common::command(home.path())
        .args(["watch", "--interval", "10", "--api-url", &api.url()])
        .arg("--data-dir")
        .arg(&data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    let reader = thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let next = |wait: Duration| lines.recv_timeout(wait).expect("a line on stderr");
    // A warning of the plan's may come first.
    while !next(TIMEOUT).contains("watching 5 coins") {}
    block_the_state_file(&data);
    let mut failed = 0;
    let start = Instant::now();
    while failed < 2 {
        let left = RETRY_WAIT.saturating_sub(start.elapsed());
        if next(left).contains("could not save state") {
            failed += 1;
        }
    }
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if stopped.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("prelist watch did not end after SIGTERM");
        }
        thread::sleep(POLL);
    };
    reader.join().unwrap();
    let rest: Vec<String> = lines.try_iter().collect();
    assert_eq!(status.code(), Some(1), "{rest:?}");
    assert!(
        rest.iter()
            .any(|l| l.contains("stopped with changes not saved: new listings and prices")),
        "stderr says what was not saved: {rest:?}"
    );
}

/// The screen after a coin is added while another prelist holds the
/// watchlist's lock, and `q`: its save waits.
fn quitting_while_another_prelist_writes() -> (Tui, tempfile::TempDir, prelist::fs::FileLock) {
    let data = tempfile::tempdir().unwrap();
    let lock = prelist::fs::lock(&data.path().join("watchlist.json")).unwrap();
    let mut tui = Tui::spawn_with(&["--data-dir", data.path().to_str().unwrap()], &[]);
    tui.send("n");
    tui.wait_for("Add a coin");
    tui.send("Zeta Chain\r");
    tui.wait_for("Zeta Chain added");
    tui.send("q");
    tui.wait_within(TIMEOUT, "the wait said and counted", |s| {
        let status = s.contents();
        status.contains("waiting for another prelist to finish writing")
            && status.contains("watchlist.json")
            && status.contains("q: quit now without it")
    });
    (tui, data, lock)
}

#[test]
fn quitting_shows_a_save_waiting_for_another_prelist_and_q_again_leaves() {
    let (mut tui, data, _lock) = quitting_while_another_prelist_writes();
    tui.send("q");
    let status = tui.wait_exit();
    tui.assert_restored();
    assert_eq!(status.exit_code(), 1, "left with a change not saved");
    let out = tui.output();
    let said = String::from_utf8_lossy(&out.raw);
    assert!(
        said.contains("quit with changes not saved: the watchlist's changes"),
        "the terminal is told: {said:?}"
    );
    assert!(
        !data.path().join("watchlist.json").exists(),
        "nothing was written"
    );
}

#[test]
fn quitting_waits_for_another_prelist_and_saves_once_it_is_done() {
    let (mut tui, data, lock) = quitting_while_another_prelist_writes();
    drop(lock);
    let status = tui.wait_exit();
    tui.assert_restored();
    assert!(status.success(), "saved, then quit");
    let saved = std::fs::read_to_string(data.path().join("watchlist.json")).unwrap();
    assert!(saved.contains("Zeta Chain"), "the change was written");
}

/// A config file holding a key inside a git work tree: the screen says so
/// on its status line, through the loop, without the key.
#[test]
fn the_screen_warns_of_a_secret_in_a_git_work_tree() {
    let repo = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(repo.path().join(".git")).expect(".git");
    let path = repo.path().join("config.toml");
    std::fs::write(&path, "[poll]\napi_key = \"CG-in-git-2\"\n").expect("config");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let config = path.to_str().expect("a UTF-8 path");
    let mut tui = Tui::spawn_with(&[], &[("PRELIST_CONFIG", config)]);
    tui.wait_for("holds a secret and is inside the git repository");
    assert!(!String::from_utf8_lossy(&tui.output().raw).contains("CG-in-git-2"));
    tui.send("q");
}

/// A key in use past `key_rotate_days`: the polling screen says so on its
/// status line, by the key's fingerprint, never the key.
#[test]
fn the_polling_screen_says_a_key_is_due_for_rotation() {
    let server = common::PriceApi::start(serde_json::json!({}));
    let data = tempfile::tempdir().unwrap();
    let key = "e2e-rotate-key-77";
    let fingerprint = prelist::config::SecretKey::new(prelist::config::KeyKind::Demo, key)
        .expect("a key")
        .fingerprint();
    let db = prelist::store::open_state(&data.path().join("state.db")).expect("state.db");
    let now = jiff::Timestamp::now().as_second();
    prelist::store::note_key(&db, &fingerprint, now - 100 * 86_400).expect("noted");
    let data_dir = data.path().to_str().expect("a UTF-8 path");
    let api = server.url();
    let mut tui = Tui::spawn_with(
        &["--poll", "--api-url", &api, "--data-dir", data_dir],
        &[("COINGECKO_API_KEY", key)],
    );
    tui.wait_for(&format!(
        "key {fingerprint}, in use for 100 days: rotate it"
    ));
    assert!(!String::from_utf8_lossy(&tui.output().raw).contains(key));
    tui.send("q");
}

#[test]
fn the_screen_looks_at_a_pre_market_venue_and_shows_its_price() {
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, ResponseTemplate};
    let server = common::PriceApi::start(serde_json::json!({}));
    server.also(
        Mock::given(method("GET"))
            .and(path("/v5/market/instruments-info"))
            .and(query_param("status", "PreLaunch"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "retCode": 0, "result": {"list": [
                    {"symbol": "NILUSDT", "baseCoin": "NIL", "quoteCoin": "USDT",
                     "isPreListing": true, "preListingInfo": {"curAuctionPhase": "ContinuousTrading"}}
                ]}
            }))),
    );
    server.also(
        Mock::given(method("GET"))
            .and(path("/v5/market/tickers"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "retCode": 0, "result": {"list": [
                    {"symbol": "NILUSDT", "lastPrice": "0.5812", "preOpenPrice": ""}
                ]}
            }))),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let base = server.url().trim_end_matches("/api/v3").to_string();
    std::fs::write(&config, format!("[sources.url]\nbybit = \"{base}\"\n")).unwrap();
    let data_dir = dir.path().join("data");
    let api = server.url();
    let mut tui = Tui::spawn_with(
        &[
            "--poll",
            "--api-url",
            &api,
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
        &[
            ("PRELIST_CONFIG", config.to_str().unwrap()),
            ("PRELIST_PREMARKET", "bybit"),
        ],
    );
    tui.wait_for("Nillion trades before its listing: $0.5812 on Bybit (NILUSDT)");
    tui.wait_until("Nillion's row premarket at ~$0.5812", |s| {
        row_of(s, "Nillion").is_some_and(|r| r.contains("premarket") && r.contains("~$0.5812"))
    });
    // f: upcoming, scheduled, then premarket only.
    tui.send("fff");
    tui.wait_for("premarket only");
    tui.wait_until("Nillion alone", |s| {
        let rows = table_rows(s);
        rows.iter().filter(|r| r.contains("Nillion")).count() == 1
            && !rows
                .iter()
                .any(|r| r.contains("upcoming") || r.contains("Gravity"))
    });
    tui.send("q");
    tui.wait_exit();
    tui.assert_restored();
}

#[test]
fn the_screen_finds_a_coins_first_dex_pool_and_shows_it_trading() {
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, ResponseTemplate};
    let server = common::PriceApi::start(serde_json::json!({}));
    server.also(
        Mock::given(method("GET"))
            .and(path_regex("^/tokens/v1/ethereum/"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
                {"chainId": "ethereum", "dexId": "uniswap", "pairAddress": "0xpool",
                 "baseToken": {"address": "0x7CF9A80DB3B29EE8EFE3710AADB7B95270572D47", "symbol": "NIL"},
                 "quoteToken": {"symbol": "WETH"}, "priceUsd": "0.6427",
                 "liquidity": {"usd": 48000}, "pairCreatedAt": 1764900000000u64}
            ]))),
    );
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("watchlist.json");
    std::fs::write(
        &list,
        serde_json::json!({"version": 1, "coins": [
            {"rank": 1, "name": "Nillion", "ticker": "NIL", "airdrop": "confirmed",
             "contracts": [{"chain": "ethereum",
                            "address": "0x7cf9a80db3b29ee8efe3710aadb7b95270572d47"}]},
            {"rank": 2, "name": "Parcl", "ticker": "PRCL", "airdrop": "confirmed"}
        ]})
        .to_string(),
    )
    .unwrap();
    let config = dir.path().join("config.toml");
    let base = server.url().trim_end_matches("/api/v3").to_string();
    std::fs::write(
        &config,
        format!("[sources.url]\ndexscreener = \"{base}\"\n"),
    )
    .unwrap();
    let data_dir = dir.path().join("data");
    let api = server.url();
    let mut tui = Tui::spawn_with_first(
        &[
            "--poll",
            "--watchlist",
            list.to_str().unwrap(),
            "--api-url",
            &api,
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
        &[
            ("PRELIST_CONFIG", config.to_str().unwrap()),
            ("PRELIST_DEX", "dexscreener"),
        ],
        "Parcl",
    );
    tui.wait_for("Nillion (NIL) listed on a DEX: NIL/WETH on uniswap (ethereum) at $0.6427");
    tui.wait_until("Nillion's row trading at $0.6427", |s| {
        row_of(s, "Nillion").is_some_and(|r| r.contains("trading") && r.contains("$0.6427"))
    });
    tui.wait_until("Parcl still upcoming", |s| {
        row_of(s, "Parcl").is_some_and(|r| r.contains("upcoming"))
    });
    tui.send("q");
    tui.wait_exit();
    tui.assert_restored();
}

/// OKX's spot list with these live and preopen pairs, and Hyperliquid's
/// perps with their mids, from now on.
fn discover_sources(
    server: &common::PriceApi,
    live: &[&str],
    preopen: &[(&str, i64)],
    perps: &[(&str, &str)],
) {
    use serde_json::{Value, json};
    use wiremock::matchers::{body_json, method, path, query_param};
    use wiremock::{Mock, ResponseTemplate};
    server.answer(json!({}));
    let mut data: Vec<Value> = live
        .iter()
        .map(|b| json!({"baseCcy": b, "quoteCcy": "USDT", "state": "live", "listTime": "1600000000000"}))
        .collect();
    data.extend(preopen.iter().map(|(b, at)| {
        json!({"baseCcy": b, "quoteCcy": "USDT", "state": "preopen", "listTime": (at * 1000).to_string()})
    }));
    server.also(
        Mock::given(method("GET"))
            .and(path("/api/v5/public/instruments"))
            .and(query_param("instType", "SPOT"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"code": "0", "data": data})),
            ),
    );
    let names: Vec<Value> = perps.iter().map(|(n, _)| json!({"name": n})).collect();
    let mids: serde_json::Map<String, Value> = perps
        .iter()
        .map(|(n, px)| (n.to_string(), json!(px)))
        .collect();
    for (kind, body) in [
        ("meta", json!({"universe": names})),
        ("allMids", Value::Object(mids)),
    ] {
        server.also(
            Mock::given(method("POST"))
                .and(path("/info"))
                .and(body_json(json!({"type": kind})))
                .respond_with(ResponseTemplate::new(200).set_body_json(body)),
        );
    }
}

#[test]
fn discover_shows_new_coins_adds_one_and_dismisses_another_until_it_lists() {
    let server = common::PriceApi::start(serde_json::json!({}));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let base = server.url().trim_end_matches("/api/v3").to_string();
    std::fs::write(
        &config,
        format!("[sources.url]\nokx = \"{base}\"\nhyperliquid = \"{base}\"\n"),
    )
    .unwrap();
    let data_dir = dir.path().join("data");
    let envs = [
        ("PRELIST_CONFIG", config.to_str().unwrap()),
        ("PRELIST_DATA_DIR", data_dir.to_str().unwrap()),
        ("PRELIST_EXCHANGES", "okx"),
        ("PRELIST_PREMARKET", "hyperliquid"),
    ];
    let check = || {
        let mut cmd = common::command(dir.path());
        cmd.envs(envs).args(["check", "--api-url", &server.url()]);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // An earlier look found only old coins.
    discover_sources(
        &server,
        &["BTC", "ETH"],
        &[],
        &[("BTC", "97000"), ("ETH", "3500")],
    );
    check();
    // Now OKX announces ZAMA, and Hyperliquid trades MEGA.
    let opens = jiff::Timestamp::now().as_second() + 3 * 86_400;
    discover_sources(
        &server,
        &["BTC", "ETH"],
        &[("ZAMA", opens)],
        &[("BTC", "97000"), ("ETH", "3500"), ("MEGA", "0.4213")],
    );
    let api = server.url();
    let mut tui = Tui::spawn_with(&["--poll", "--api-url", &api], &envs);
    tui.send("d");
    tui.wait_until("ZAMA and MEGA in Discover", |s| {
        let t = s.contents();
        t.contains("Discover: 2 not on the watchlist") && t.contains("~$0.4213")
    });
    // ZAMA opens first; MEGA below it. x hides MEGA.
    tui.send("j");
    tui.wait_for("┌ MEGA ");
    tui.send("x");
    tui.wait_for("MEGA dismissed");
    tui.wait_for("Discover: 1 not on the watchlist");
    // a: the form, filled in with ZAMA; saving adds it to the watchlist.
    tui.send("a");
    tui.wait_for("Add a coin");
    tui.send("\r");
    tui.wait_for("ZAMA added");
    tui.wait_for("Discover: 0 not on the watchlist");
    tui.send("d");
    tui.wait_until("ZAMA on the watchlist, scheduled", |s| {
        row_of(s, "ZAMA").is_some_and(|r| r.contains("scheduled"))
    });
    // Another instance sees OKX list MEGA: its status changed, so it shows
    // again, listed.
    discover_sources(
        &server,
        &["BTC", "ETH", "MEGA"],
        &[("ZAMA", opens)],
        &[("BTC", "97000"), ("ETH", "3500"), ("MEGA", "0.4213")],
    );
    check();
    tui.send("d");
    tui.wait_within(Duration::from_secs(30), "MEGA back, listed", |s| {
        table_rows(s)
            .iter()
            .any(|r| r.contains("MEGA") && r.contains("listed"))
    });
    tui.send("q");
    tui.wait_exit();
    tui.assert_restored();
}

/// Ends a spawned `prelist watch` as a service manager would (SIGTERM),
/// and checks it exits cleanly.
fn stop_watch(mut watch: std::process::Child) {
    let kill = Command::new("kill")
        .args(["-TERM", &watch.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert!(watch.wait().unwrap().success());
}

/// The `overweight` events told by any instance, as their `message`s.
fn overweights(beside: &Beside) -> Vec<String> {
    common::told(beside.dir.path())
        .iter()
        .filter(|e| e["event"] == "overweight")
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_holding_set_in_the_form_is_told_overweight_once_and_not_again_after_a_restart() {
    let server = common::PriceApi::start(serde_json::json!({"nillion": {"usd": 0.4}}));
    let answer = |body: serde_json::Value| server.answer(body);
    let requests = || server.requests().len();
    let api = server.url();
    let beside = Beside::new();
    let mut config = std::fs::read_to_string(&beside.config).unwrap();
    config.push_str("\n[portfolio]\nsize_usd = 10000\n");
    std::fs::write(&beside.config, config).unwrap();

    // 1,000 NIL bought at $0.30, entered in the form: at $0.40 they are
    // $400, 4% of $10,000, within the 5% rule.
    let mut tui = beside.screen(&["--poll", "--interval", "10", "--api-url", &api]);
    tui.wait_until("Nillion trading", |s| {
        row_of(s, "Nillion").is_some_and(|r| r.contains("trading") && r.contains("$0.40"))
    });
    tui.send("/Nillion\r");
    tui.wait_for("Planned: at most $500 (5% of $10,000) ≈ 1,250 NIL at $0.40");
    tui.send("e");
    tui.wait_for("Edit Nillion");
    // Holding is the ninth field: eight Tabs from the name.
    tui.send("\t".repeat(8));
    tui.wait_for("quantity @ cost per token");
    tui.send("1,000 @ 0.3\r");
    tui.wait_for("Holding: 1,000 NIL worth $400 at $0.40");
    tui.wait_for("P&L: +$100 (+33.3%) on a cost of $300 ($0.30 each)");
    tui.wait_for("Weight: 4% of the portfolio, within the 5% rule");
    tui.wait_for("holdings $400 (4% of $10,000)");

    // The price moves the holding past 5%: told once, however many polls.
    answer(serde_json::json!({"nillion": {"usd": 0.72}}));
    tui.send("\x12");
    let told =
        "Nillion (NIL) is 7.2% of the portfolio: above the 5% rule, $220 over (1,000 at $0.72)";
    tui.wait_for(told);
    tui.wait_for("Weight: 7.2% of the portfolio: above the 5% rule, $220 over");
    let seen = requests();
    tui.send("\x12");
    let start = Instant::now();
    while requests() < seen + 1 {
        assert!(start.elapsed() < TIMEOUT, "polled again");
        thread::sleep(POLL);
    }
    thread::sleep(Duration::from_millis(500));
    assert_eq!(overweights(&beside), [told]);
    tui.send("q");
    tui.wait_exit();

    // Restarted as `prelist watch`, still above the rule: not told again.
    answer(serde_json::json!({"nillion": {"usd": 0.9}}));
    let (watch, lines) = beside.watch(&api);
    let seen = requests();
    let start = Instant::now();
    while requests() < seen + 2 {
        assert!(start.elapsed() < Duration::from_secs(40), "watch polls");
        thread::sleep(POLL);
    }
    assert_eq!(
        overweights(&beside),
        [told],
        "not told again after a restart"
    );
    // Back under the rule by more than 2% of it, then past it again: a
    // crossing of its own, which `watch` tells.
    answer(serde_json::json!({"nillion": {"usd": 0.45}}));
    let seen = requests();
    while requests() < seen + 1 {
        assert!(start.elapsed() < Duration::from_secs(80), "watch polls");
        thread::sleep(POLL);
    }
    answer(serde_json::json!({"nillion": {"usd": 0.8}}));
    let again = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(40))
            .expect("watch tells it");
        if line.contains("\"overweight\"") {
            break line;
        }
    };
    let event: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(
        event["message"],
        "Nillion (NIL) is 8% of the portfolio: above the 5% rule, $300 over (1,000 at $0.80)"
    );
    assert_eq!(event["price_usd"], 0.8);
    // The notify command runs beside the line printed: give it its time.
    let start = Instant::now();
    while overweights(&beside).len() < 2 {
        assert!(start.elapsed() < TIMEOUT, "{:?}", overweights(&beside));
        thread::sleep(POLL);
    }
    assert_eq!(overweights(&beside)[1], event["message"]);
    stop_watch(watch);
}
