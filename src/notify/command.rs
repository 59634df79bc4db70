//! The command channel: a program run for each event, without a shell, its
//! arguments filled in from the event and the event's JSON on its stdin.
//! `notify-send`, `osascript` or `terminal-notifier` make desktop
//! notifications of it without prelist speaking D-Bus.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::event::Event;
use crate::text;

/// How long a command may run before it is killed.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The placeholders an argument may hold.
pub const PLACEHOLDERS: [&str; 6] = [
    "{event}",
    "{coin}",
    "{ticker}",
    "{price}",
    "{source}",
    "{message}",
];

/// How much of the command's stderr is kept to say why it failed.
const STDERR_KEPT: usize = 4096;

/// The value of a placeholder: `{price}` is the bare USD number
/// (`0.6132`), for scripts to compare; the message says it formatted. A
/// value the event does not have is empty.
fn value(placeholder: &str, event: &Event) -> String {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    match placeholder {
        "{event}" => event.event.key().to_string(),
        "{coin}" => text(&event.coin),
        "{ticker}" => text(&event.ticker),
        "{price}" => event.price_usd.map(|p| p.to_string()).unwrap_or_default(),
        "{source}" => event.source.clone(),
        _ => event.message.clone(),
    }
}

/// `argv` with the placeholders of each argument replaced by the event's
/// values, in one pass: a value that itself holds `{coin}` stays as it
/// is. Anything else in braces is left alone.
pub fn expand(argv: &[String], event: &Event) -> Vec<String> {
    argv.iter()
        .map(|arg| {
            let mut out = String::with_capacity(arg.len());
            let mut rest = arg.as_str();
            while let Some(i) = rest.find('{') {
                out.push_str(&rest[..i]);
                let tail = &rest[i..];
                match PLACEHOLDERS.iter().find(|p| tail.starts_with(*p)) {
                    Some(p) => {
                        out.push_str(&value(p, event));
                        rest = &tail[p.len()..];
                    }
                    None => {
                        out.push('{');
                        rest = &tail[1..];
                    }
                }
            }
            out.push_str(rest);
            out
        })
        .collect()
}

/// Why a command did not do its work. Names the program, never its other
/// arguments (they may hold a token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("the notification command {program:?} could not start: {reason}")]
    Spawn { program: String, reason: String },
    #[error("the notification command {program:?} ran over {} s and was stopped", .timeout.as_secs_f64())]
    Timeout { program: String, timeout: Duration },
    #[error("the notification command {program:?} failed ({status}){}", stderr_note(.stderr))]
    Failed {
        program: String,
        status: String,
        /// The first line of what it wrote to stderr, cleaned.
        stderr: String,
    },
}

fn stderr_note(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

/// Runs `argv` (not empty) for `event` and waits for it, at most
/// `timeout`; past it its process group is killed. Its stdout is discarded (the
/// screen owns it); the first line of its stderr says why it failed.
pub async fn run(argv: &[String], event: &Event, timeout: Duration) -> Result<(), CommandError> {
    let args = expand(argv, event);
    let Some((program, rest)) = args.split_first() else {
        return Ok(());
    };
    let shown = text::clean(program).into_owned();
    let mut child = tokio::process::Command::new(program)
        .args(rest)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // A group of its own, so that what it starts (a shell's `sleep`)
        // is stopped with it.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| CommandError::Spawn {
            program: shown.clone(),
            reason: e.kind().to_string(),
        })?;
    // Dropped before the command ends (a timeout, or the app closing and
    // dropping this future), it kills the whole group.
    let mut group = Group(child.id());
    let stdin = child.stdin.take();
    let stderr = child.stderr.take();
    let json = format!("{}\n", event.to_json());
    let work = async {
        // A command that does not read its stdin closes the pipe: not an
        // error. Dropping the pipe tells the command the JSON has ended.
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(json.as_bytes()).await;
        }
        let read_stderr = async {
            let mut kept = Vec::new();
            if let Some(mut stderr) = stderr {
                // Read to the end (a full pipe would stall the command),
                // keeping the start.
                let mut buf = [0u8; 1024];
                while let Ok(n) = stderr.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    let room = STDERR_KEPT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
            kept
        };
        tokio::join!(child.wait(), read_stderr)
    };
    let outcome = tokio::time::timeout(timeout, work).await;
    let Ok((status, stderr)) = outcome else {
        // The group is killed here; waiting reaps the command itself.
        group.kill();
        let _ = child.wait().await;
        return Err(CommandError::Timeout {
            program: shown,
            timeout,
        });
    };
    // It ended by itself: what it left running in the background is its
    // own business.
    group.0 = None;
    let status = status.map_err(|e| CommandError::Spawn {
        program: shown.clone(),
        reason: e.kind().to_string(),
    })?;
    if status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&stderr);
    let first = stderr.lines().map(str::trim).find(|l| !l.is_empty());
    Err(CommandError::Failed {
        program: shown,
        status: status.to_string(),
        stderr: text::clean(first.unwrap_or("")).into_owned(),
    })
}

/// Programs known to read a leading `-` in any argument as an option, as
/// getopt does, unless `--` comes before it.
const READS_OPTIONS: [&str; 1] = ["notify-send"];

/// A warning when `command` would hand a placeholder to a program that
/// reads options before any `--`: a coin named `-u critical` would become
/// an option there. `None` when it is safe.
pub fn option_warning(command: &[String]) -> Option<String> {
    let program = command.first()?;
    let name = program.rsplit('/').next().unwrap_or(program);
    if !READS_OPTIONS.contains(&name) {
        return None;
    }
    let args = &command[1..];
    let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let exposed = args[..end]
        .iter()
        .find(|a| PLACEHOLDERS.iter().any(|p| a.contains(p)))?;
    Some(format!(
        "notify.command: {exposed} comes before `--`, so {name} may read a coin named \
         like an option (-u critical) as one: put \"--\" before the placeholders"
    ))
}

/// The process group of a running command, by its leader's id (`None`
/// once nothing is to be killed).
struct Group(Option<u32>);

impl Group {
    /// Sends SIGKILL to every process of the group, once.
    fn kill(&mut self) {
        let pid = self.0.take().and_then(|id| i32::try_from(id).ok());
        if let Some(pid) = pid.and_then(rustix::process::Pid::from_raw) {
            // Gone already (every member ended) is what was wanted.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Listed;

    fn event() -> Event {
        let listed = Listed {
            market_id: "nillion".into(),
            name: "Nil{ticker}lion".into(),
            price: 0.6132,
        };
        Event::listed(
            &listed,
            Some("NIL"),
            "coingecko",
            jiff::Timestamp::UNIX_EPOCH,
        )
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn placeholders_are_filled_once_per_argument() {
        let argv = strings(&[
            "notify-send",
            "{event}: {coin} ({ticker})",
            "{price} from {source}",
            "{message}",
            "{unknown} {{coin} {",
            "",
        ]);
        assert_eq!(
            expand(&argv, &event()),
            [
                "notify-send",
                "listed: Nil{ticker}lion (NIL)",
                "0.6132 from coingecko",
                "Nil{ticker}lion is now trading at $0.6132",
                "{unknown} {Nil{ticker}lion {",
                "",
            ]
        );
        let mut down = event();
        down.ticker = None;
        down.price_usd = None;
        assert_eq!(expand(&strings(&["[{ticker}{price}]"]), &down), ["[]"]);
    }

    #[test]
    fn a_placeholder_before_dashes_is_warned_of_for_notify_send() {
        let cmd = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let warned = option_warning(&cmd(&["notify-send", "prelist", "{message}"])).unwrap();
        assert!(
            warned.contains("{message}") && warned.contains("--"),
            "{warned}"
        );
        assert!(option_warning(&cmd(&["/usr/bin/notify-send", "{coin}"])).is_some());
        assert_eq!(
            option_warning(&cmd(&["notify-send", "--", "prelist", "{message}"])),
            None
        );
        assert_eq!(
            option_warning(&cmd(&["notify-send", "-u", "low", "--", "{coin}"])),
            None
        );
        assert_eq!(option_warning(&cmd(&["my-script", "{coin}"])), None);
        assert_eq!(option_warning(&[]), None);
    }
}
