//! Notifications through the terminal itself: the escape sequences that
//! make a terminal emulator show a desktop notification, or the bell.
//!
//! [`sequence`] is pure: the environment it looks at (to pick a sequence for
//! `auto`, and to see tmux) is handed in as an [`Env`] built with
//! [`terminal_env`] in the program and by hand in tests.

use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};

use crate::config::Env;
use crate::{names, text};

/// The variables [`sequence`] looks at.
pub const VARS: [&str; 8] = [
    "TERM",
    "TERM_PROGRAM",
    "LC_TERMINAL",
    "KITTY_WINDOW_ID",
    "WEZTERM_PANE",
    "VTE_VERSION",
    "TMUX",
    "GHOSTTY_RESOURCES_DIR",
];

/// These variables from this process's environment.
pub fn terminal_env() -> Env {
    Env::from_process(&VARS)
}

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

/// How the terminal is told: `notify.terminal` in the config file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, EnumString, IntoStaticStr, VariantArray, EnumCount,
)]
#[strum(serialize_all = "lowercase")]
pub enum TerminalMode {
    /// The sequence the terminal in use understands, else the bell.
    #[default]
    Auto,
    /// `ESC ] 9 ; message BEL`: iTerm2, WezTerm, ghostty, Windows Terminal.
    Osc9,
    /// `ESC ] 777 ; notify ; title ; body BEL`: VTE, foot, urxvt, WezTerm,
    /// ghostty.
    Osc777,
    /// kitty's `ESC ] 99 ; metadata ; payload ESC \`.
    Osc99,
    /// The bell only.
    Bell,
    /// Nothing.
    Off,
}

impl TerminalMode {
    pub const ALL: [TerminalMode; TerminalMode::COUNT] = names::all();

    /// The name in the config file.
    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn from_key(key: &str) -> Option<TerminalMode> {
        key.parse().ok()
    }
}

/// The mode `auto` stands for in `env`: kitty's own sequence in kitty, OSC 9
/// in iTerm2, OSC 777 where it shows a title and a body (WezTerm, ghostty,
/// VTE terminals, foot, urxvt), else the bell. The variables a terminal
/// sets in its shells are looked at before `TERM_PROGRAM`, which tmux
/// replaces with its own name.
pub fn detect(env: &Env) -> TerminalMode {
    detect_why(env).0
}

/// [`detect`], with why: the variable that decided it (`prelist doctor`
/// says so).
pub fn detect_why(env: &Env) -> (TerminalMode, &'static str) {
    let var = |name: &str| env.var_os(name).and_then(|v| v.to_str()).unwrap_or("");
    let set = |name: &str| env.var_os(name).is_some();
    let term = var("TERM");
    if set("KITTY_WINDOW_ID") || term == "xterm-kitty" {
        return (TerminalMode::Osc99, "kitty (KITTY_WINDOW_ID or TERM)");
    }
    for program in [var("TERM_PROGRAM"), var("LC_TERMINAL")] {
        match program {
            "iTerm.app" | "iTerm2" => {
                return (TerminalMode::Osc9, "iTerm2 (TERM_PROGRAM or LC_TERMINAL)");
            }
            "WezTerm" | "ghostty" => {
                return (TerminalMode::Osc777, "WezTerm or ghostty (TERM_PROGRAM)");
            }
            _ => {}
        }
    }
    let osc777_term = ["foot", "rxvt", "xterm-ghostty", "wezterm"]
        .iter()
        .any(|t| term.starts_with(t));
    if set("WEZTERM_PANE") || set("GHOSTTY_RESOURCES_DIR") || set("VTE_VERSION") || osc777_term {
        return (
            TerminalMode::Osc777,
            "a terminal that shows OSC 777 (WEZTERM_PANE, GHOSTTY_RESOURCES_DIR, VTE_VERSION or TERM)",
        );
    }
    (
        TerminalMode::Bell,
        "no terminal known to show notifications was recognised",
    )
}

/// The bytes to write to the terminal to notify `title` and `body` in
/// `mode`; empty for [`TerminalMode::Off`]. Title and body are cleaned of
/// control characters (they cannot end the sequence early or start another);
/// `;` is replaced where it would split a field. Inside tmux (`TMUX` set) a
/// notification sequence is wrapped in tmux's passthrough, which tmux 3.3
/// and later forward only with `set -g allow-passthrough on`.
pub fn sequence(mode: TerminalMode, env: &Env, title: &str, body: &str) -> Vec<u8> {
    let mut out = Vec::new();
    match mode {
        TerminalMode::Auto => return sequence(detect(env), env, title, body),
        TerminalMode::Off => return out,
        // tmux passes a bell on by itself (and flags the window).
        TerminalMode::Bell => return vec![BEL],
        TerminalMode::Osc9 => {
            let message = if body.trim().is_empty() { title } else { body };
            out.extend_from_slice(b"\x1b]9;");
            out.extend_from_slice(osc9_message(message).as_bytes());
            out.push(BEL);
        }
        TerminalMode::Osc777 => {
            out.extend_from_slice(b"\x1b]777;notify;");
            out.extend_from_slice(field(title).as_bytes());
            out.push(b';');
            out.extend_from_slice(field(body).as_bytes());
            out.push(BEL);
        }
        TerminalMode::Osc99 => {
            // The payload is all after the second `;`, so it may hold `;`.
            // The title is sent first and held (d=0) until the body under
            // the same id completes it; an id from the text makes a repeat
            // of the same notification replace it rather than pile up.
            let title = text::clean(title.trim());
            let body = text::clean(body.trim());
            let id = fnv(title.as_bytes(), body.as_bytes());
            out.extend_from_slice(format!("\x1b]99;i={id:016x}:d=0;{title}\x1b\\").as_bytes());
            out.extend_from_slice(
                format!("\x1b]99;i={id:016x}:d=1:p=body;{body}\x1b\\").as_bytes(),
            );
        }
    }
    if env.var_os("TMUX").is_some() {
        out = tmux_passthrough(&out);
    }
    out
}

/// `seq` inside tmux's passthrough: `ESC P tmux ;`, the sequence with each
/// ESC doubled, `ESC \`.
pub fn tmux_passthrough(seq: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(seq.len() + 16);
    out.extend_from_slice(b"\x1bPtmux;");
    for &b in seq {
        if b == ESC {
            out.push(ESC);
        }
        out.push(b);
    }
    out.extend_from_slice(b"\x1b\\");
    out
}

/// One `;`-separated field of OSC 777: cleaned, its `;` made `,`.
fn field(s: &str) -> String {
    text::clean(s.trim()).replace(';', ",")
}

/// The message of OSC 9, cleaned. A message starting with a digit would be
/// read as one of the sub-commands of OSC 9 (`9;4;…` sets a progress bar in
/// Windows Terminal and ConEmu): a space in front keeps it a message.
fn osc9_message(s: &str) -> String {
    let message = text::clean(s.trim());
    if message.starts_with(|c: char| c.is_ascii_digit()) {
        format!(" {message}")
    } else {
        message.into_owned()
    }
}

/// FNV-1a over the parts: a stable identifier made of `[0-9a-f]` only, as
/// the metadata of OSC 99 requires.
fn fnv(a: &[u8], b: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in a.iter().chain([0u8].iter()).chain(b) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    const T: &str = "prelist: now trading";
    const B: &str = "Nillion is now trading at $0.6132";

    #[test]
    fn each_mode_writes_its_sequence() {
        let env = Env::new();
        assert_eq!(
            s(&sequence(TerminalMode::Osc9, &env, T, B)),
            "\x1b]9;Nillion is now trading at $0.6132\x07"
        );
        assert_eq!(
            s(&sequence(TerminalMode::Osc777, &env, T, B)),
            "\x1b]777;notify;prelist: now trading;Nillion is now trading at $0.6132\x07"
        );
        let id = format!("{:016x}", fnv(T.as_bytes(), B.as_bytes()));
        assert_eq!(
            s(&sequence(TerminalMode::Osc99, &env, T, B)),
            format!(
                "\x1b]99;i={id}:d=0;prelist: now trading\x1b\\\
                 \x1b]99;i={id}:d=1:p=body;Nillion is now trading at $0.6132\x1b\\"
            )
        );
        assert_eq!(sequence(TerminalMode::Bell, &env, T, B), b"\x07");
        assert!(sequence(TerminalMode::Off, &env, T, B).is_empty());
        // Without a body, OSC 9 says the title.
        assert_eq!(
            s(&sequence(TerminalMode::Osc9, &env, T, " ")),
            "\x1b]9;prelist: now trading\x07"
        );
    }

    #[test]
    fn modes_name_round_trip() {
        for m in TerminalMode::ALL {
            assert_eq!(TerminalMode::from_key(m.key()), Some(m));
        }
        assert_eq!(TerminalMode::from_key("OSC9"), None);
    }

    #[test]
    fn auto_picks_by_terminal_and_falls_back_to_the_bell() {
        let cases: [(&[(&str, &str)], TerminalMode); 14] = [
            (&[], TerminalMode::Bell),
            (&[("TERM", "xterm-256color")], TerminalMode::Bell),
            (&[("TERM_PROGRAM", "Apple_Terminal")], TerminalMode::Bell),
            (&[("TERM_PROGRAM", "iTerm.app")], TerminalMode::Osc9),
            // iTerm2 seen through tmux, or over ssh.
            (
                &[("TERM_PROGRAM", "tmux"), ("LC_TERMINAL", "iTerm2")],
                TerminalMode::Osc9,
            ),
            (&[("TERM_PROGRAM", "WezTerm")], TerminalMode::Osc777),
            (&[("WEZTERM_PANE", "3")], TerminalMode::Osc777),
            (&[("TERM_PROGRAM", "ghostty")], TerminalMode::Osc777),
            (&[("TERM", "xterm-ghostty")], TerminalMode::Osc777),
            (&[("KITTY_WINDOW_ID", "1")], TerminalMode::Osc99),
            (
                &[("TERM", "xterm-kitty"), ("TERM_PROGRAM", "tmux")],
                TerminalMode::Osc99,
            ),
            (&[("VTE_VERSION", "7600")], TerminalMode::Osc777),
            (&[("TERM", "foot-extra")], TerminalMode::Osc777),
            (&[("TERM", "rxvt-unicode-256color")], TerminalMode::Osc777),
        ];
        for (vars, expected) in cases {
            let env = vars
                .iter()
                .fold(Env::new(), |env, (name, value)| env.set(name, *value));
            assert_eq!(detect(&env), expected, "{vars:?}");
            assert_eq!(
                sequence(TerminalMode::Auto, &env, T, B),
                sequence(expected, &env, T, B),
                "{vars:?}"
            );
        }
    }

    #[test]
    fn inside_tmux_a_sequence_goes_through_passthrough() {
        let env = Env::new()
            .set("TMUX", "/tmp/tmux-1000/default,1234,0")
            .set("TERM_PROGRAM", "tmux");
        assert_eq!(
            s(&sequence(TerminalMode::Osc9, &env, T, "hi")),
            "\x1bPtmux;\x1b\x1b]9;hi\x07\x1b\\"
        );
        let inner = sequence(TerminalMode::Osc99, &Env::new(), T, "hi");
        let wrapped = sequence(TerminalMode::Osc99, &env, T, "hi");
        assert_eq!(wrapped, tmux_passthrough(&inner));
        // Every ESC of the inner sequences doubled: 4 of them, plus the
        // opening and closing ones.
        assert_eq!(wrapped.iter().filter(|&&b| b == ESC).count(), 4 * 2 + 2);
        assert!(wrapped.starts_with(b"\x1bPtmux;\x1b\x1b]99;"));
        assert!(wrapped.ends_with(b"\x1b\x1b\\\x1b\\"));
        // The bell needs no wrapping, and nothing stays nothing.
        assert_eq!(sequence(TerminalMode::Bell, &env, T, B), b"\x07");
        assert!(sequence(TerminalMode::Off, &env, T, B).is_empty());
        // Auto looks past tmux's TERM_PROGRAM.
        let kitty_in_tmux = env.set("KITTY_WINDOW_ID", "2");
        assert!(
            sequence(TerminalMode::Auto, &kitty_in_tmux, T, B)
                .starts_with(b"\x1bPtmux;\x1b\x1b]99;")
        );
    }

    #[test]
    fn hostile_text_cannot_break_out() {
        let evil_title = "Title\x07\x1b]0;owned\x1b\\;x\u{9c}\u{9d}";
        let evil_body = "1;Coin\x1b[2J\r\nnow; trading\u{202e}";
        let env = Env::new();
        for mode in [
            TerminalMode::Osc9,
            TerminalMode::Osc777,
            TerminalMode::Osc99,
        ] {
            let bytes = sequence(mode, &env, evil_title, evil_body);
            let text = s(&bytes);
            // Only the sequence's own control bytes: ESC at its start (and
            // before the `\` of ST for OSC 99), BEL at its end.
            let controls: Vec<char> = text.chars().filter(|c| c.is_control()).collect();
            let expected: &[char] = match mode {
                TerminalMode::Osc99 => &['\x1b', '\x1b', '\x1b', '\x1b'],
                _ => &['\x1b', '\x07'],
            };
            assert_eq!(controls, expected, "{mode:?}: {text:?}");
            assert!(!text.contains('\u{202e}'), "{mode:?}");
        }
        // OSC 777 keeps its four fields.
        let text = s(&sequence(TerminalMode::Osc777, &env, evil_title, evil_body));
        assert_eq!(text.matches(';').count(), 3, "{text:?}");
        assert_eq!(
            text,
            "\x1b]777;notify;Title]0,owned\\,x;1,Coin[2Jnow, trading\x07"
        );
        // OSC 9 never starts with a digit and `;`.
        let text = s(&sequence(TerminalMode::Osc9, &env, evil_title, evil_body));
        assert_eq!(text, "\x1b]9; 1;Coin[2Jnow; trading\x07");
        let text = s(&sequence(TerminalMode::Osc9, &env, "", "4;3;50"));
        assert!(text.starts_with("\x1b]9; 4;3;50"), "{text:?}");
    }
}
