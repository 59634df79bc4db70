//! The config file: where it is, what it may hold, every error naming the
//! file, line and key, and the precedence flags > environment > file > defaults.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crossterm::event::KeyCode;
use prelist::app::Mode;
use prelist::config::{
    self, ColorSlot, ConfigError, DEMO_KEY_VAR, Env, ErrorKind, FileConfig, FlagValues, KeyKind,
    Origin, PRO_KEY_VAR, Settings, Source, Theme,
};
use prelist::keymap::{self, Key};
use prelist::market::coingecko::{PRO_BASE, PUBLIC_BASE};
use prelist::view::{Column, Sort};
use ratatui::style::Color;
use tempfile::TempDir;

const SECRET: &str = "CG-sekrit-value-42";

/// A config file holding `text`, private to its owner.
fn write(dir: &TempDir, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    set_mode(&path, 0o600);
    path
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

/// The error of reading `text` as a config file, and the file's path.
fn error_of(text: &str) -> (ConfigError, PathBuf) {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, text);
    let err = config::read_file(&path).expect_err("the file is refused");
    (err, path)
}

/// Checks an error's kind, line and key, and that its message says them.
fn assert_error(text: &str, kind: ErrorKind, line: usize, key: &str, says: &str) -> String {
    let (err, path) = error_of(text);
    let msg = err.to_string();
    assert_eq!(err.kind, kind, "{msg}");
    assert_eq!(err.line, Some(line), "{msg}");
    assert_eq!(err.key.as_deref(), Some(key), "{msg}");
    assert_eq!(err.origin, Origin::File(path.clone()));
    let place = format!("{}, line {line}", path.display());
    assert!(
        msg.starts_with(&place),
        "{msg:?} should start with {place:?}"
    );
    let key_shown = key.rsplit('.').next().unwrap();
    assert!(msg.contains(key_shown), "{msg:?} should name {key_shown}");
    assert!(msg.contains(says), "{msg:?} should say {says:?}");
    msg
}

fn settings(text: &str, flags: &FlagValues, env: &Env) -> Settings {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, text);
    let file = config::read_file(&path).unwrap().expect("the file exists");
    config::resolve(flags, env, Some(&path), Some(&file)).unwrap()
}

fn no_flags() -> FlagValues {
    FlagValues::default()
}

/// Every setting of `s`, without the file's path and presence.
fn values(s: &Settings) -> Settings {
    Settings {
        config_path: None,
        config_found: false,
        ..s.clone()
    }
}

// ---------------------------------------------------------------------------
// Where the file is, and no file

#[test]
fn the_config_path_comes_from_prelist_config_then_xdg() {
    let env = Env::new()
        .set("PRELIST_CONFIG", "/etc/elsewhere.toml")
        .set("XDG_CONFIG_HOME", "/xdg");
    assert_eq!(
        config::config_path(&env),
        Some(PathBuf::from("/etc/elsewhere.toml"))
    );
    let env = Env::new()
        .set("PRELIST_CONFIG", "")
        .set("XDG_CONFIG_HOME", "/xdg");
    assert_eq!(
        config::config_path(&env),
        Some(PathBuf::from("/xdg/prelist/config.toml"))
    );
    // A relative XDG_CONFIG_HOME is ignored, as the XDG spec asks.
    let env = Env::new().set("XDG_CONFIG_HOME", "relative");
    let path = config::config_path(&env);
    assert!(
        path.as_deref()
            .is_none_or(|p| p.is_absolute() && p.ends_with("prelist/config.toml")),
        "{path:?}"
    );
}

#[test]
fn a_missing_file_gives_the_defaults() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nothing-here.toml");
    assert_eq!(config::read_file(&path).unwrap(), None);

    let env = Env::new().set("PRELIST_CONFIG", &path);
    let s = config::load(&no_flags(), &env).unwrap();
    assert_eq!(s.config_path.as_deref(), Some(path.as_path()));
    assert!(!s.config_found);
    assert_eq!(values(&s), Settings::default());
    assert!(!s.poll_enabled.value);
    assert_eq!(s.interval.value, Duration::from_secs(60));
    assert_eq!(s.api_url.value, None);
    assert_eq!(s.api_url(), PUBLIC_BASE);
    assert!(s.bell.value);
    assert_eq!(s.columns.value, Column::DEFAULT.to_vec());
    assert_eq!(s.sort.value, Sort::default());
    assert_eq!(s.theme.value, Theme::Default);
    assert!(s.colors.value.is_empty() && s.keys.value.is_empty());
    assert_eq!(s.api_key.value, None);
    for source in [
        s.poll_enabled.source,
        s.interval.source,
        s.api_url.source,
        s.bell.source,
        s.columns.source,
        s.sort.source,
        s.theme.source,
        s.colors.source,
        s.keys.source,
        s.api_key.source,
    ] {
        assert_eq!(source, Source::Default);
    }
    let described = s.describe();
    assert!(described.contains("not found"), "{described}");
    assert!(described.contains("api key = none"), "{described}");
}

#[test]
fn an_empty_file_gives_the_defaults() {
    let s = settings("", &no_flags(), &Env::new());
    assert!(s.config_found);
    assert_eq!(values(&s), Settings::default());
}

#[test]
fn a_full_file_is_read() {
    let s = settings(
        r##"
[poll]
enabled = true
interval = 0x1E
api_url = "http://127.0.0.1:8080/api/v3"
bell = false

[display]
columns = ["name", "price", "status"]
sort = "24h"
descending = true
theme = "mono"

[colors]
border = "#ff8800"
dim = "12"
up = "Light Green"

[keys]
quit = "Q"
down = ["j", "ctrl-n", "F6", "Space"]
"##,
        &no_flags(),
        &Env::new(),
    );
    assert!(s.poll_enabled.value);
    assert_eq!(s.interval.value, Duration::from_secs(30));
    assert_eq!(s.api_url(), "http://127.0.0.1:8080/api/v3");
    assert!(!s.bell.value);
    assert_eq!(
        s.columns.value,
        vec![Column::Name, Column::Price, Column::Status]
    );
    assert_eq!(
        s.sort.value,
        Sort {
            column: Column::Change24h,
            descending: true
        }
    );
    assert_eq!(s.theme.value, Theme::Mono);
    assert_eq!(s.color(ColorSlot::Border), Some(Color::Rgb(255, 136, 0)));
    assert_eq!(s.color(ColorSlot::Dim), Some(Color::Indexed(12)));
    assert_eq!(s.color(ColorSlot::Up), Some(Color::LightGreen));
    assert_eq!(s.color(ColorSlot::Down), None);
    assert_eq!(s.keys_for(Mode::Normal, "quit"), Some(&[Key::ch('Q')][..]));
    assert_eq!(
        s.keys_for(Mode::Normal, "down"),
        Some(
            &[
                Key::ch('j'),
                Key::ctrl('n'),
                Key::plain(KeyCode::F(6)),
                Key::ch(' ')
            ][..]
        )
    );
    assert_eq!(s.keys_for(Mode::Normal, "up"), None);
    for source in [
        s.poll_enabled.source,
        s.interval.source,
        s.api_url.source,
        s.bell.source,
        s.columns.source,
        s.sort.source,
        s.theme.source,
        s.colors.source,
        s.keys.source,
    ] {
        assert_eq!(source, Source::File);
    }
}

// ---------------------------------------------------------------------------
// Errors

#[test]
fn a_syntax_error_gives_line_and_column() {
    let (err, path) = error_of("[poll]\nenabled = true\ninterval = = 5\n");
    assert_eq!(err.kind, ErrorKind::Syntax);
    assert_eq!(err.line, Some(3));
    assert!(err.column.is_some());
    let msg = err.to_string();
    let place = format!("{}, line 3, column ", path.display());
    assert!(msg.starts_with(&place), "{msg}");
    assert!(msg.contains("TOML"), "{msg}");

    let (err, _) = error_of("[poll]\ninterval = 60\ninterval = 70\n");
    assert_eq!(err.kind, ErrorKind::Syntax);
    assert_eq!(err.line, Some(3), "{err}");
}

#[test]
fn an_unknown_section_is_an_error() {
    let msg = assert_error(
        "[poll]\nbell = true\n\n[dispaly]\ntheme = \"mono\"\n",
        ErrorKind::UnknownSection,
        4,
        "dispaly",
        "unknown section [dispaly]",
    );
    assert!(msg.contains("[display]"), "lists the sections: {msg}");
    assert_error(
        "bell = true\n",
        ErrorKind::UnknownKey,
        1,
        "bell",
        "outside any section",
    );
}

#[test]
fn an_unknown_key_is_an_error() {
    let msg = assert_error(
        "[poll]\nenabled = true\nintervall = 60\n",
        ErrorKind::UnknownKey,
        3,
        "poll.intervall",
        "unknown key \"intervall\" in [poll]",
    );
    assert!(msg.contains("interval,"), "lists the keys: {msg}");
    assert_error(
        "[display]\ncolumns = [\"name\"]\nsort_by = \"rank\"\n",
        ErrorKind::UnknownKey,
        3,
        "display.sort_by",
        "unknown key \"sort_by\" in [display]",
    );
    assert_error(
        "[poll.extra]\nx = 1\n",
        ErrorKind::UnknownKey,
        1,
        "poll.extra",
        "unknown key \"extra\" in [poll]",
    );
}

#[test]
fn a_wrong_type_is_an_error_naming_the_key() {
    assert_error(
        "[poll]\ninterval = \"60\"\n",
        ErrorKind::WrongType,
        2,
        "poll.interval",
        "found a string",
    );
    assert_error(
        "[poll]\ninterval = 60.5\n",
        ErrorKind::WrongType,
        2,
        "poll.interval",
        "found a float",
    );
    assert_error(
        "[poll]\n\nenabled = \"yes\"\n",
        ErrorKind::WrongType,
        3,
        "poll.enabled",
        "expected true or false",
    );
    assert_error(
        "[poll]\nbell = 1\n",
        ErrorKind::WrongType,
        2,
        "poll.bell",
        "found an integer",
    );
    assert_error(
        "[display]\ncolumns = \"name\"\n",
        ErrorKind::WrongType,
        2,
        "display.columns",
        "a list of column names",
    );
    assert_error(
        "[display]\ncolumns = [\"name\", 3]\n",
        ErrorKind::WrongType,
        2,
        "display.columns",
        "found an integer",
    );
    assert_error(
        "[keys]\nquit = 3\n",
        ErrorKind::WrongType,
        2,
        "keys.quit",
        "a key or a list of keys",
    );
    assert_error(
        "[colors]\nborder = 1\n",
        ErrorKind::WrongType,
        2,
        "colors.border",
        "a colour",
    );
    assert_error(
        "\npoll = 5\n",
        ErrorKind::WrongType,
        2,
        "poll",
        "expected a section [poll]",
    );
}

#[test]
fn an_interval_below_ten_seconds_is_an_error() {
    let text = "# prelist\n\n[poll]\nenabled = true\nbell = true\n\ninterval = 5\n";
    let (err, path) = error_of(text);
    assert_eq!(
        err.to_string(),
        format!(
            "{}, line 7: poll.interval: 5 is below the minimum of 10 seconds",
            path.display()
        )
    );
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_error(
        "[poll]\ninterval = -60\n",
        ErrorKind::Invalid,
        2,
        "poll.interval",
        "below the minimum",
    );
    assert_error(
        "[poll]\ninterval = 99999999999999999999\n",
        ErrorKind::Invalid,
        2,
        "poll.interval",
        "99999999999999999999 is out of range: give 10 to 86400 seconds",
    );
    assert_error(
        "[poll]\ninterval = -99999999999999999999\n",
        ErrorKind::Invalid,
        2,
        "poll.interval",
        "-99999999999999999999 is out of range",
    );
}

#[test]
fn interval_ten_is_the_minimum_accepted() {
    let s = settings("[poll]\ninterval = 10\n", &no_flags(), &Env::new());
    assert_eq!(s.interval.value, Duration::from_secs(10));
    assert_error(
        "[poll]\ninterval = 9\n",
        ErrorKind::Invalid,
        2,
        "poll.interval",
        "9 is below the minimum of 10 seconds",
    );
    assert_error(
        "[poll]\ninterval = 1000000\n",
        ErrorKind::Invalid,
        2,
        "poll.interval",
        "above the maximum",
    );
}

#[test]
fn a_bad_api_url_is_an_error() {
    assert_error(
        "[poll]\napi_url = \"not a url\"\n",
        ErrorKind::Invalid,
        2,
        "poll.api_url",
        "not a URL",
    );
    assert_error(
        "[poll]\napi_url = \"ftp://example.com\"\n",
        ErrorKind::Invalid,
        2,
        "poll.api_url",
        "not an http or https URL",
    );
}

#[test]
fn columns_must_be_known_distinct_and_include_name() {
    assert_error(
        "[display]\ncolumns = [\"rank\", \"nmae\"]\n",
        ErrorKind::Invalid,
        2,
        "display.columns",
        "unknown column \"nmae\"",
    );
    // The line of the element, in an array over several lines.
    assert_error(
        "[display]\ncolumns = [\n  \"name\",\n  \"price\",\n  \"name\",\n]\n",
        ErrorKind::Invalid,
        5,
        "display.columns",
        "\"name\" is listed twice",
    );
    assert_error(
        "[display]\ncolumns = [\"rank\", \"price\"]\n",
        ErrorKind::Invalid,
        2,
        "display.columns",
        "must include \"name\"",
    );
    assert_error(
        "[display]\ncolumns = []\n",
        ErrorKind::Invalid,
        2,
        "display.columns",
        "must include \"name\"",
    );
}

#[test]
fn the_sort_column_and_theme_must_be_known() {
    let msg = assert_error(
        "[display]\nsort = \"volume\"\n",
        ErrorKind::Invalid,
        2,
        "display.sort",
        "unknown column \"volume\"",
    );
    assert!(msg.contains("24h"), "lists the columns: {msg}");
    assert_error(
        "[display]\ntheme = \"dark\"\n",
        ErrorKind::Invalid,
        2,
        "display.theme",
        "unknown theme \"dark\"",
    );
}

#[test]
fn a_bad_colour_or_slot_is_an_error() {
    assert_error(
        "[colors]\nborder = \"blurple\"\n",
        ErrorKind::Invalid,
        2,
        "colors.border",
        "\"blurple\" is not a colour",
    );
    assert_error(
        "[colors]\nborder = \"#12345\"\n",
        ErrorKind::Invalid,
        2,
        "colors.border",
        "is not a colour",
    );
    assert_error(
        "[colors]\nbackground = \"red\"\n",
        ErrorKind::UnknownKey,
        2,
        "colors.background",
        "unknown key \"background\" in [colors]",
    );
}

#[test]
fn an_unknown_action_is_an_error() {
    let msg = assert_error(
        "[keys]\nquit = \"q\"\nexit = \"x\"\n",
        ErrorKind::UnknownKey,
        3,
        "keys.exit",
        "unknown key \"exit\" in [keys]",
    );
    assert!(msg.contains("poll_now"), "lists the actions: {msg}");
}

#[test]
fn a_bad_key_is_an_error() {
    let text = "[keys]\n\n\n\n\n\n\n\n\n\n\nquit = [\"q\", \"ctrl-\"]\n";
    let (err, path) = error_of(text);
    let msg = err.to_string();
    let expected = format!(
        "{}, line 12: keys.quit: \"ctrl-\" is not a key",
        path.display()
    );
    assert!(msg.starts_with(&expected), "{msg}");
    for bad in ["ctrl-1", "f13", "shift-a", "", "jj"] {
        assert_error(
            &format!("[keys]\nquit = {bad:?}\n"),
            ErrorKind::Invalid,
            2,
            "keys.quit",
            "is not a key",
        );
    }
    assert_error(
        "[keys]\nquit = []\n",
        ErrorKind::Invalid,
        2,
        "keys.quit",
        "at least one key",
    );
}

#[test]
fn a_key_bound_to_two_actions_is_an_error() {
    let msg = assert_error(
        "[keys]\nup = [\"k\", \"x\"]\ndown = [\"j\",\n  \"X\",\n  \"x\"]\n",
        ErrorKind::Invalid,
        5,
        "keys.down",
        "\"x\" is already bound to keys.up",
    );
    assert!(msg.contains("keys.down"), "{msg}");
    // Names are read without case: "Enter" and "enter" are the same key.
    assert_error(
        "[keys]\nback = \"Enter\"\nfull_detail = \"enter\"\n",
        ErrorKind::Invalid,
        3,
        "keys.full_detail",
        "already bound to keys.back",
    );
    assert_error(
        "[keys]\nquit = [\"q\", \"q\"]\n",
        ErrorKind::Invalid,
        2,
        "keys.quit",
        "listed twice",
    );
    // Different case is a different character.
    let s = settings(
        "[keys]\nlast = \"G\"\nfirst = \"g\"\n",
        &no_flags(),
        &Env::new(),
    );
    assert_eq!(s.keys_for(Mode::Normal, "last"), Some(&[Key::ch('G')][..]));
}

#[cfg(unix)]
#[test]
fn a_key_in_a_file_others_may_read_is_refused() {
    for mode in [0o644, 0o640, 0o604, 0o660] {
        let dir = TempDir::new().unwrap();
        let path = write(
            &dir,
            format!("[poll]\nbell = true\napi_key = \"{SECRET}\"\n"),
        );
        set_mode(&path, mode);
        let err = config::read_file(&path).expect_err("refused");
        let msg = err.to_string();
        assert_eq!(err.kind, ErrorKind::Permissions, "{msg}");
        assert_eq!(err.line, Some(3));
        assert_eq!(err.key.as_deref(), Some("poll.api_key"));
        assert!(
            msg.contains(&format!("chmod 600 {}", path.display())),
            "{msg}"
        );
        assert!(msg.starts_with(&path.display().to_string()), "{msg}");
        assert!(!msg.contains(SECRET), "{msg}");
        assert!(!format!("{err:?}").contains(SECRET));
    }
    // The same file, private: accepted.
    let dir = TempDir::new().unwrap();
    let path = write(&dir, format!("[poll]\napi_key = \"{SECRET}\"\n"));
    set_mode(&path, 0o400);
    assert!(config::read_file(&path).unwrap().unwrap().api_key.is_some());
    // Without a key, anyone may read it.
    set_mode(&path, 0o644);
    std::fs::write(&path, "[poll]\napi_key = \"\"\nbell = false\n").unwrap();
    let file = config::read_file(&path).unwrap().unwrap();
    assert_eq!(file.api_key, None);
    assert_eq!(file.bell, Some(false));
}

#[test]
fn a_file_over_one_mib_is_refused() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from("[poll]\n");
    while text.len() <= 1024 * 1024 {
        text.push_str("# padding padding padding padding padding padding padding\n");
    }
    let path = write(&dir, &text);
    let err = config::read_file(&path).expect_err("refused");
    assert_eq!(err.kind, ErrorKind::TooLarge);
    let msg = err.to_string();
    assert!(msg.starts_with(&path.display().to_string()), "{msg}");
    assert!(msg.contains("1 MiB"), "{msg}");

    // Just at the limit is fine.
    text.truncate(1024 * 1024 - 1);
    text.push('\n');
    std::fs::write(&path, &text).unwrap();
    assert!(config::read_file(&path).unwrap().is_some());
}

#[test]
fn a_file_that_is_not_utf8_is_refused() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, b"[poll]\n# caf\xe9\nbell = true\n");
    let err = config::read_file(&path).expect_err("refused");
    assert_eq!(err.kind, ErrorKind::NotUtf8);
    assert_eq!(err.line, Some(2));
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("{}, line 2:", path.display())),
        "{msg}"
    );
    assert!(msg.contains("not UTF-8"), "{msg}");
}

#[test]
fn a_directory_is_not_read_as_defaults() {
    let dir = TempDir::new().unwrap();
    let err = config::read_file(dir.path()).expect_err("a directory is no file");
    assert_eq!(err.kind, ErrorKind::Read);
    assert!(
        err.to_string()
            .starts_with(&dir.path().display().to_string())
    );
}

// ---------------------------------------------------------------------------
// Precedence

const FILE_SETS_ALL: &str = "[poll]\nenabled = true\ninterval = 120\n\
                             api_url = \"https://file.example/api/v3\"\nbell = false\n";

#[test]
fn the_file_wins_over_the_defaults() {
    let s = settings(FILE_SETS_ALL, &no_flags(), &Env::new());
    assert_eq!(
        (s.poll_enabled.value, s.poll_enabled.source),
        (true, Source::File)
    );
    assert_eq!(
        (s.interval.value, s.interval.source),
        (Duration::from_secs(120), Source::File)
    );
    assert_eq!(
        (s.api_url.value.as_deref(), s.api_url.source),
        (Some("https://file.example/api/v3"), Source::File)
    );
    assert_eq!((s.bell.value, s.bell.source), (false, Source::File));
}

#[test]
fn flags_win_over_the_file() {
    let flags = FlagValues {
        poll: true,
        interval: Some(30),
        api_url: Some("https://flag.example/api/v3".into()),
        no_bell: true,
    };
    let s = settings(
        "[poll]\nenabled = false\ninterval = 120\napi_url = \"https://file.example\"\nbell = true\n",
        &flags,
        &Env::new(),
    );
    assert_eq!(
        (s.poll_enabled.value, s.poll_enabled.source),
        (true, Source::Flag)
    );
    assert_eq!(
        (s.interval.value, s.interval.source),
        (Duration::from_secs(30), Source::Flag)
    );
    assert_eq!(s.api_url(), "https://flag.example/api/v3");
    assert_eq!(s.api_url.source, Source::Flag);
    assert_eq!((s.bell.value, s.bell.source), (false, Source::Flag));

    // Flags not given leave the file's values.
    let s = settings(
        FILE_SETS_ALL,
        &no_flags(),
        &Env::new().set(DEMO_KEY_VAR, SECRET),
    );
    assert_eq!(s.interval.source, Source::File);
    assert_eq!(s.api_url.source, Source::File);
}

#[test]
fn flags_win_over_the_defaults_and_are_checked() {
    let flags = FlagValues {
        poll: true,
        interval: Some(10),
        api_url: None,
        no_bell: true,
    };
    let s = config::resolve(&flags, &Env::new(), None, None).unwrap();
    assert_eq!(s.poll_enabled.source, Source::Flag);
    assert_eq!(s.interval.value, Duration::from_secs(10));
    assert_eq!(s.api_url.source, Source::Default);
    assert_eq!(s.bell.source, Source::Flag);

    let flags = FlagValues {
        interval: Some(5),
        ..FlagValues::default()
    };
    let err = config::resolve(&flags, &Env::new(), None, None).unwrap_err();
    assert_eq!(err.origin, Origin::Flag("--interval"));
    assert_eq!(
        err.to_string(),
        "--interval: 5 is below the minimum of 10 seconds"
    );
}

#[test]
fn the_environment_key_wins_over_the_file_key() {
    let file = format!("[poll]\napi_key = \"{SECRET}-file\"\n");
    let s = settings(&file, &no_flags(), &Env::new());
    let key = s.api_key.value.as_ref().unwrap();
    assert_eq!(
        (key.kind(), key.expose()),
        (KeyKind::Demo, "CG-sekrit-value-42-file")
    );
    assert_eq!(s.api_key.source, Source::File);

    let env = Env::new().set(DEMO_KEY_VAR, format!("{SECRET}-env"));
    let s = settings(&file, &no_flags(), &env);
    let key = s.api_key.value.as_ref().unwrap();
    assert_eq!(
        (key.kind(), key.expose()),
        (KeyKind::Demo, "CG-sekrit-value-42-env")
    );
    assert_eq!(s.api_key.source, Source::Env);

    // The pro key wins over the demo key, in the environment as in the file.
    let env = env.set(PRO_KEY_VAR, format!("{SECRET}-pro"));
    let s = settings(&file, &no_flags(), &env);
    let key = s.api_key.value.as_ref().unwrap();
    assert_eq!(
        (key.kind(), key.expose()),
        (KeyKind::Pro, "CG-sekrit-value-42-pro")
    );
    assert_eq!(s.api_url(), PRO_BASE);

    let s = settings(
        &format!("[poll]\napi_key = \"{SECRET}\"\npro_api_key = \"{SECRET}-pro\"\n"),
        &no_flags(),
        &Env::new(),
    );
    assert_eq!(s.api_key.value.as_ref().unwrap().kind(), KeyKind::Pro);
    assert_eq!(s.api_key.source, Source::File);

    // An empty variable counts as unset.
    let s = settings(&file, &no_flags(), &Env::new().set(PRO_KEY_VAR, ""));
    assert_eq!(s.api_key.source, Source::File);
}

#[test]
fn a_key_that_cannot_be_sent_is_refused_without_showing_it() {
    let env = Env::new().set(DEMO_KEY_VAR, format!("{SECRET}\u{1}"));
    let err = config::resolve(&no_flags(), &env, None, None).unwrap_err();
    assert_eq!(err.origin, Origin::Env(DEMO_KEY_VAR));
    assert!(!err.to_string().contains(SECRET), "{err}");
    assert!(err.to_string().contains(DEMO_KEY_VAR), "{err}");

    let (err, _) = error_of(&format!("[poll]\npro_api_key = \"{SECRET}\\u0001\"\n"));
    assert_eq!(err.key.as_deref(), Some("poll.pro_api_key"));
    assert!(!err.to_string().contains(SECRET), "{err}");
}

// ---------------------------------------------------------------------------
// describe

#[test]
fn describe_names_every_setting_and_its_source() {
    let dir = TempDir::new().unwrap();
    let path = write(
        &dir,
        "[poll]\ninterval = 120\n[display]\ntheme = \"mono\"\n[keys]\nquit = [\"q\", \"ctrl-c\"]\n\
         [colors]\nborder = \"red\"\n",
    );
    let file = config::read_file(&path).unwrap().unwrap();
    let flags = FlagValues {
        no_bell: true,
        ..FlagValues::default()
    };
    let s = config::resolve(&flags, &Env::new(), Some(&path), Some(&file)).unwrap();
    let out = s.describe();
    let shown = path.display().to_string();
    let has = |line: &str| {
        assert!(
            out.lines().any(|l| l == line),
            "no line {line:?} in:\n{out}"
        )
    };
    has(&format!("config file = {shown}  (found)"));
    has("poll.enabled = false  (default)");
    has(&format!("poll.interval = 120  (from config file {shown})"));
    has("poll.api_url = \"https://api.coingecko.com/api/v3\"  (default)");
    has("poll.bell = false  (from flag --no-bell)");
    has(
        "display.columns = [\"rank\", \"name\", \"ticker\", \"category\", \"score\", \"airdrop\", \
         \"status\", \"price\", \"24h\", \"since\", \"listed\"]  (default)",
    );
    has("display.sort = \"rank\"  (default)");
    has("display.descending = false  (default)");
    has(&format!(
        "display.theme = \"mono\"  (from config file {shown})"
    ));
    has(&format!(
        "colors.border = \"red\"  (from config file {shown})"
    ));
    // Every key in force, with the one description of its action.
    has(&format!(
        "keys.quit = [\"q\", \"ctrl-c\"]  (from config file {shown})  # quit"
    ));
    has("keys.down = [\"j\", \"down\"]  (default)  # move down");
    has("help_keys.help = [\"?\", \"esc\", \"q\"]  (default)  # close help");
    has("api key = none  (default)");
}

#[test]
fn describe_never_shows_the_key() {
    let env = Env::new().set(DEMO_KEY_VAR, SECRET);
    let s = config::resolve(&no_flags(), &env, None, None).unwrap();
    let out = s.describe();
    assert!(!out.contains(SECRET), "{out}");
    assert!(!format!("{s:?}").contains(SECRET));
    assert!(
        out.lines()
            .any(|l| l == "api key = demo key set  (from environment COINGECKO_API_KEY)"),
        "{out}"
    );

    let env = Env::new().set(PRO_KEY_VAR, SECRET);
    let out = config::resolve(&no_flags(), &env, None, None)
        .unwrap()
        .describe();
    assert!(!out.contains(SECRET), "{out}");
    assert!(out.contains("api key = pro key set  (from environment COINGECKO_PRO_API_KEY)"));
    assert!(
        out.contains(&format!(
            "poll.api_url = \"{PRO_BASE}\"  (default for a pro key)"
        )),
        "{out}"
    );

    let s = settings(
        &format!("[poll]\npro_api_key = \"{SECRET}\"\n"),
        &no_flags(),
        &Env::new(),
    );
    let out = s.describe();
    assert!(!out.contains(SECRET), "{out}");
    assert!(
        out.contains("api key = pro key set  (from config file "),
        "{out}"
    );
}

// ---------------------------------------------------------------------------
// The default file

#[test]
fn the_default_file_loads_as_the_defaults() {
    let text = config::default_file();
    let dir = TempDir::new().unwrap();
    let path = write(&dir, text);
    set_mode(&path, 0o644);
    let file = config::read_file(&path).unwrap().expect("written");
    assert_eq!(file, FileConfig::default());
    let s = config::resolve(&no_flags(), &Env::new(), Some(&path), Some(&file)).unwrap();
    assert!(s.config_found);
    assert_eq!(values(&s), Settings::default());
}

/// The default file with every `# name = value` line uncommented.
fn uncommented(text: &str) -> String {
    text.lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if rest.split_once(" = ").is_some_and(|(name, _)| {
                    name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                }) =>
            {
                rest
            }
            _ => line,
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn every_value_of_the_default_file_can_be_uncommented() {
    let text = uncommented(config::default_file());
    assert!(text.contains("\ninterval = 60\n"), "{text}");
    assert!(text.contains("\nquit = [\"q\", \"ctrl-c\"]  "), "{text}");
    let dir = TempDir::new().unwrap();
    let path = write(&dir, &text);
    let file = config::read_file(&path).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let s = config::resolve(&no_flags(), &Env::new(), Some(&path), file.as_ref()).unwrap();
    let d = Settings::default();
    // Every uncommented value is the default (the key and URL aside).
    assert_eq!(s.poll_enabled.value, d.poll_enabled.value);
    assert_eq!(s.interval.value, d.interval.value);
    assert_eq!(s.api_url(), d.api_url());
    assert_eq!(s.bell.value, d.bell.value);
    assert_eq!(s.columns.value, d.columns.value);
    assert_eq!(s.sort.value, d.sort.value);
    assert_eq!(s.theme.value, d.theme.value);
    assert_eq!(s.colors.value.len(), ColorSlot::ALL.len());
    for slot in ColorSlot::ALL {
        assert_eq!(s.color(slot), Some(slot.default_color()));
    }
    // The keys written are the default keys of every mode, each action once.
    let all: usize = keymap::MODES
        .iter()
        .map(|(mode, _, _)| keymap::defaults(*mode).len())
        .sum();
    assert_eq!(s.keys.value.len(), all);
    for rebind in &s.keys.value {
        let default = keymap::defaults(rebind.mode)
            .into_iter()
            .find(|d| d.action == rebind.action)
            .unwrap();
        assert_eq!(default.keys, rebind.keys.as_slice());
    }
    assert_eq!(s.keymap, keymap::Keymap::default());
    assert_eq!(s.api_key.value.as_ref().unwrap().kind(), KeyKind::Pro);
    assert!(!s.describe().contains("your-pro-key"));
}

// ---------------------------------------------------------------------------
// Through the binary: `prelist config` refuses what the screen would

/// Runs the binary with `args`, `text` as its config file, every
/// `PRELIST_*` and `COINGECKO_*` variable cleared and home in a temp dir.
fn prelist_with_config(text: &str, args: &[&str]) -> (std::process::Output, PathBuf, TempDir) {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, text);
    let mut cmd = common::command(dir.path());
    cmd.args(args).env("PRELIST_CONFIG", &path);
    (cmd.output().unwrap(), path, dir)
}

#[test]
fn a_key_clash_with_a_default_key_fails_prelist_config_at_its_line() {
    let text = "[display]\ntheme = \"mono\"\n\n[keys]\nquit = \"j\"\n";
    let (out, path, _dir) = prelist_with_config(text, &["config"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains(&format!(
            "{}, line 5: keys.quit: \"j\" is already bound to keys.down (move down)",
            path.display()
        )),
        "{err}"
    );
    // The library refuses it the same way, so the screen never starts on it.
    let env = Env::new().set("PRELIST_CONFIG", &path);
    let err = config::load(&no_flags(), &env).unwrap_err();
    assert_eq!((err.kind, err.line), (ErrorKind::Invalid, Some(5)));
    assert_eq!(err.key.as_deref(), Some("keys.quit"));
}

#[test]
fn a_key_that_opens_an_overlay_may_not_clash_inside_it() {
    let msg = assert_error(
        "[help_keys]\ndown = \"x\"\n\n[keys]\nhelp = \"x\"\n",
        ErrorKind::Invalid,
        5,
        "keys.help",
        "\"x\" is already bound to help_keys.down (scroll down)",
    );
    assert!(msg.contains("closes what it opens"), "{msg}");
    assert_error(
        "[lookup_keys]\nsubmit = [\"enter\", \"esc\"]\n",
        ErrorKind::Invalid,
        2,
        "lookup_keys.submit",
        "\"esc\" is already bound to lookup_keys.back (cancel)",
    );
    assert_error(
        "[keys]\nquit = \"3\"\n",
        ErrorKind::Invalid,
        2,
        "keys.quit",
        "a digit that sorts by a column",
    );
}

#[test]
fn every_mode_has_its_keys_section() {
    let s = settings(
        "[search_keys]\nkeep = \"tab\"\n[help_keys]\nhelp = \"x\"\n[log_keys]\nlog = \"esc\"\n\
         [form_keys]\nsubmit = \"ctrl-s\"\n[lookup_keys]\nsubmit = \"ctrl-s\"\n\
         [confirm_keys]\nyes = \"d\"\n",
        &no_flags(),
        &Env::new(),
    );
    assert_eq!(
        s.keys_for(Mode::Search, "keep"),
        Some(&[Key::plain(KeyCode::Tab)][..])
    );
    assert_eq!(
        s.keys_for(Mode::ConfirmDelete, "yes"),
        Some(&[Key::ch('d')][..])
    );
    assert_eq!(s.keys.value.len(), 6);
    // Help closes with `x` and with the key that opens it.
    assert_eq!(
        s.keymap.keys(Mode::Help, &keymap::Action::Help),
        [Key::ch('?'), Key::ch('x')]
    );
    // An action of another mode is unknown here.
    let msg = assert_error(
        "[confirm_keys]\nkeep = \"y\"\n",
        ErrorKind::UnknownKey,
        2,
        "confirm_keys.keep",
        "unknown key \"keep\" in [confirm_keys] (known keys: yes, quit)",
    );
    assert!(!msg.contains("search"), "{msg}");
}

#[test]
fn prelist_config_default_prints_the_shipped_file() {
    let (out, _, _dir) = prelist_with_config("[[[ broken", &["config", "--default"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        config::default_file()
    );
    assert!(config::default_file().contains("\n[help_keys]\n# The help overlay.\n"));
}

// ---------------------------------------------------------------------------
// Secrets in the API URL, special files, a byte-order mark

#[test]
fn prelist_config_hides_credentials_and_query_values_in_the_api_url() {
    let text = format!(
        "[poll]\napi_url = \"https://me:{SECRET}@file.example/api/v3?x_cg_demo_api_key={SECRET}\"\n"
    );
    let (out, path, _dir) = prelist_with_config(&text, &["config"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(!shown.contains("me:"), "{shown}");
    let line = format!(
        "poll.api_url = \"https://***@file.example/api/v3?x_cg_demo_api_key=***\"  \
         (from config file {})",
        path.display()
    );
    assert!(shown.lines().any(|l| l == line), "no {line:?} in:\n{shown}");

    // The flag's URL, and a URL refused as such, are hidden the same way.
    let flag = format!("https://u:{SECRET}@flag.example/?key={SECRET}");
    let (out, _, _dir) = prelist_with_config("", &["--api-url", &flag, "config"]);
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.contains("\"https://***@flag.example/?key=***\""),
        "{shown}"
    );
    assert!(!shown.contains(SECRET), "{shown}");
    for bad in [
        format!("ftp://u:{SECRET}@x/?k={SECRET}"),
        format!("u:{SECRET}@x?k={SECRET}"),
    ] {
        let (out, _, _dir) = prelist_with_config("", &["--api-url", &bad, "config"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("--api-url"), "{err}");
        assert!(err.contains("***"), "{err}");
        assert!(!err.contains(SECRET), "{err}");
        let (out, path, _dir) =
            prelist_with_config(&format!("[poll]\napi_url = {bad:?}\n"), &["config"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("{}, line 2", path.display())),
            "{err}"
        );
        assert!(!err.contains(SECRET), "{err}");
    }
    // Any command that is handed such a URL refuses it without showing it.
    let (out, _, _dir) = prelist_with_config(&text, &["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains(SECRET), "{err}");
}

/// Runs `prelist config` with `PRELIST_CONFIG` naming `path`, failing the
/// test instead of hanging if the binary never returns.
fn prelist_config_at(path: &Path) -> std::process::Output {
    let home = TempDir::new().unwrap();
    let mut child = common::command(home.path())
        .arg("config")
        .env("PRELIST_CONFIG", path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    panic!("prelist config kept reading {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_config_that_is_no_regular_file_is_refused_at_once_naming_it() {
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("config.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for (path, kind) in [
        (fifo, "FIFO"),
        (PathBuf::from("/dev/zero"), "character device"),
        (dir.path().to_path_buf(), "directory"),
    ] {
        let out = prelist_config_at(&path);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{kind}: {err}");
        assert!(err.contains(&path.display().to_string()), "{kind}: {err}");
        assert!(
            err.contains(&format!("it is a {kind}, not a regular file")),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_byte_order_mark_is_read_past() {
    let dir = TempDir::new().unwrap();
    let path = write(
        &dir,
        "\u{feff}[poll]\ninterval = 120\n\n[display]\nbogus = 1\n",
    );
    let err = config::read_file(&path).expect_err("an unknown key");
    assert_eq!(
        (err.line, err.key.as_deref()),
        (Some(5), Some("display.bogus")),
        "lines count as without the mark: {err}"
    );
    std::fs::write(&path, "\u{feff}[poll]\ninterval = 120\n").unwrap();
    let out = prelist_config_at(&path);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        shown.contains("poll.interval = 120  (from config file"),
        "{shown}"
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_private_config_with_a_key_is_still_read() {
    // The permission check is made on what is read: the link's target.
    let dir = TempDir::new().unwrap();
    let target = write(&dir, format!("[poll]\napi_key = \"{SECRET}\"\n"));
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let file = config::read_file(&link).unwrap().unwrap();
    assert!(file.api_key.is_some());
    set_mode(&target, 0o644);
    let err = config::read_file(&link).expect_err("others may read the key");
    assert_eq!(err.kind, ErrorKind::Permissions);
}

#[test]
fn hostile_section_and_key_names_are_cleaned_in_messages() {
    for text in [
        "[\"\\u001B]0;pwned\\u0007\"]\n",
        "[poll]\n\"\\u001B[31m\" = 1\n",
        "[colors]\n\"\\u202Eevil\" = \"red\"\n",
    ] {
        let (out, path, _dir) = prelist_with_config(text, &["config"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("{}, line ", path.display())), "{err}");
        assert!(
            !err.trim_end().chars().any(prelist::text::is_unsafe),
            "{err:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// [portfolio]

#[test]
fn the_portfolio_is_off_until_sized_and_its_rules_default_to_the_articles() {
    let s = Settings::default();
    assert_eq!(s.portfolio(), None, "no size: sizing is off");
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "[portfolio]\nsize_usd = 10000.5\n");
    let file = config::read_file(&path).unwrap().unwrap();
    let s = config::resolve(&no_flags(), &Env::new(), Some(&path), Some(&file)).unwrap();
    let p = s.portfolio().expect("sized");
    assert_eq!(p.size_usd.to_string(), "10000.5");
    assert_eq!(p.max_position_pct.to_string(), "5");
    assert_eq!(p.early_stage_pct.to_string(), "1");
    let out = s.describe();
    let shown = path.display().to_string();
    for line in [
        format!("portfolio.size_usd = 10000.5  (from config file {shown})"),
        "portfolio.max_position_pct = 5  (default)".to_string(),
        "portfolio.early_stage_pct = 1  (default)".to_string(),
    ] {
        assert!(out.lines().any(|l| l == line), "no {line:?} in:\n{out}");
    }
    assert!(
        Settings::default()
            .describe()
            .lines()
            .any(|l| l == "portfolio.size_usd = unset: sizing is off  (default)")
    );

    let s = settings(
        "[portfolio]\nsize_usd = 2500\nmax_position_pct = 2.5\nearly_stage_pct = 0.5\n",
        &no_flags(),
        &Env::new(),
    );
    let p = s.portfolio().unwrap();
    assert_eq!(
        (
            p.max_position_pct.to_string(),
            p.early_stage_pct.to_string()
        ),
        ("2.5".into(), "0.5".into())
    );
    // A rule stricter than the early-stage default takes it down with it.
    let s = settings(
        "[portfolio]\nsize_usd = 1\nmax_position_pct = 0.5\n",
        &no_flags(),
        &Env::new(),
    );
    assert_eq!(s.portfolio().unwrap().early_stage_pct.to_string(), "0.5");
}

#[test]
fn portfolio_values_are_checked_naming_line_and_key() {
    for (text, line, key, kind, says) in [
        (
            "[portfolio]\nsize_usd = 0\n",
            2,
            "portfolio.size_usd",
            ErrorKind::Invalid,
            "0 is not a portfolio size (above 0, at most 1e12 USD)",
        ),
        (
            "[portfolio]\nsize_usd = -5\n",
            2,
            "portfolio.size_usd",
            ErrorKind::Invalid,
            "-5 is not a portfolio size",
        ),
        (
            "[portfolio]\nsize_usd = 2e12\n",
            2,
            "portfolio.size_usd",
            ErrorKind::Invalid,
            "2.000e12 is not a portfolio size",
        ),
        (
            "[portfolio]\nsize_usd = nan\n",
            2,
            "portfolio.size_usd",
            ErrorKind::Invalid,
            "NaN is not a portfolio size",
        ),
        (
            "[portfolio]\nsize_usd = inf\n",
            2,
            "portfolio.size_usd",
            ErrorKind::Invalid,
            "inf is not a portfolio size",
        ),
        (
            "[portfolio]\nsize_usd = \"10000\"\n",
            2,
            "portfolio.size_usd",
            ErrorKind::WrongType,
            "expected a number of US dollars, found a string",
        ),
        (
            "[portfolio]\n\nmax_position_pct = 101\n",
            3,
            "portfolio.max_position_pct",
            ErrorKind::Invalid,
            "101 is not a share of the portfolio (above 0, at most 100 percent)",
        ),
        (
            "[portfolio]\nmax_position_pct = 1e-30\n",
            2,
            "portfolio.max_position_pct",
            ErrorKind::Invalid,
            "1.000e-30 is not a share of the portfolio",
        ),
        (
            "[portfolio]\nearly_stage_pct = 0\n",
            2,
            "portfolio.early_stage_pct",
            ErrorKind::Invalid,
            "0 is not a share of the portfolio",
        ),
        (
            "[portfolio]\nmax_position_pct = 2\nearly_stage_pct = 3\n",
            3,
            "portfolio.early_stage_pct",
            ErrorKind::Invalid,
            "3 is above max_position_pct (2): the early-stage rule is at most the rule for any \
             project",
        ),
        (
            "[portfolio]\nearly_stage_pct = 6\n",
            2,
            "portfolio.early_stage_pct",
            ErrorKind::Invalid,
            "6 is above max_position_pct (5)",
        ),
        (
            "[portfolio]\nsize = 10000\n",
            2,
            "portfolio.size",
            ErrorKind::UnknownKey,
            "size",
        ),
    ] {
        assert_error(text, kind, line, key, says);
    }
}
