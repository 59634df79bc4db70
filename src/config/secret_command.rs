//! Secrets from a secret manager: `api_key_command = ["pass", "show",
//! "coingecko"]` (and `pro_api_key_command`, `notify.webhook_command`) runs
//! once at start, as git's credential helpers or restic's
//! `--password-command` do, and the first line it prints is the secret. So
//! the key need not lie in a file at all.
//!
//! The command runs without a shell, its stdin empty and its stderr
//! discarded, in a process group of its own that is killed whole after
//! [`TIMEOUT`]. What it prints is never shown: a failure names the program
//! and how it ended, nothing more.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::error::{ConfigError, ErrorKind};

/// How long a secret command may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What is read of its output at most: a secret is one short line.
const MAX_OUTPUT: usize = 64 * 1024;

/// A secret command of the config file, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretCommand {
    /// The program, then its arguments (never empty).
    pub argv: Vec<String>,
    /// The dotted key it is under (`poll.api_key_command`).
    pub key: &'static str,
    /// 1-based.
    pub line: usize,
}

impl SecretCommand {
    /// The program as messages and `prelist config` name it.
    pub fn program(&self) -> String {
        crate::text::clean(self.argv.first().map_or("", String::as_str)).into_owned()
    }

    /// Runs it: its first line, or an error at its line of `path`.
    pub fn secret(&self, path: Option<&Path>, timeout: Duration) -> Result<String, ConfigError> {
        run(&self.argv, timeout).map_err(|message| self.error(path, message))
    }

    /// An error about what the command gave, at its line of `path`.
    pub fn error(&self, path: Option<&Path>, message: String) -> ConfigError {
        let mut err = ConfigError::file(
            path.unwrap_or(Path::new("config.toml")),
            ErrorKind::Invalid,
            message,
        );
        err.line = Some(self.line);
        err.key = Some(self.key.to_string());
        err
    }
}

/// Runs `argv` and returns the first line of its stdout, trimmed; the
/// error says why not, naming the program, and never holds its output.
pub fn run(argv: &[String], timeout: Duration) -> Result<String, String> {
    let Some((program, args)) = argv.split_first() else {
        return Err("the command is empty".into());
    };
    let shown = crate::text::clean(program).into_owned();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // A group of its own, so that what it starts is stopped with it.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("the command {shown:?} could not start: {}", e.kind()))?;
    let group = child.id();
    let mut stdout = child.stdout.take();
    // Read on a thread of its own: a command that fills the pipe would
    // otherwise never end, and one that never prints must still time out.
    let (sent, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.take(MAX_OUTPUT as u64).read_to_end(&mut kept);
            // The rest is drained, unread, so the command can finish.
            let _ = std::io::copy(out, &mut std::io::sink());
        }
        let _ = sent.send(kept);
    });
    let deadline = Instant::now() + timeout;
    let timed_out = || {
        format!(
            "the command {shown:?} did not finish within {} s",
            timeout.as_secs_f64()
        )
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) | Err(_) => {
                kill_group(group);
                let _ = child.wait();
                return Err(timed_out());
            }
        }
    };
    // What it started in the background may hold its stdout open: that
    // much is waited for until the deadline, then the group is killed.
    let left = deadline.saturating_duration_since(Instant::now());
    let Ok(out) = output.recv_timeout(left) else {
        kill_group(group);
        return Err(timed_out());
    };
    if !status.success() {
        return Err(format!("the command {shown:?} failed ({status})"));
    }
    let first = out.split(|b| *b == b'\n').next().unwrap_or_default();
    let Ok(first) = std::str::from_utf8(first) else {
        return Err(format!(
            "the command {shown:?} printed a first line that is not text"
        ));
    };
    let secret = first.trim();
    if secret.is_empty() {
        return Err(format!(
            "the command {shown:?} printed nothing on its first line"
        ));
    }
    Ok(secret.to_string())
}

/// Sends SIGKILL to the process group led by `pid`; gone already is fine.
fn kill_group(pid: u32) {
    let pid = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw);
    if let Some(pid) = pid {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        ["sh", "-c", script].map(String::from).to_vec()
    }

    #[test]
    fn the_first_line_printed_is_the_secret() {
        let got = run(&sh("printf '  CG-secret-1 \\r\\nsecond line\\n'"), TIMEOUT);
        assert_eq!(got.unwrap(), "CG-secret-1");
        // A last line without its newline.
        assert_eq!(run(&sh("printf CG-2"), TIMEOUT).unwrap(), "CG-2");
    }

    #[test]
    fn a_failure_names_the_program_and_its_status_never_its_output() {
        let err = run(&sh("echo CG-leaked; echo oops >&2; exit 3"), TIMEOUT).unwrap_err();
        assert!(
            err.contains("\"sh\"") && err.contains("exit status: 3"),
            "{err}"
        );
        assert!(!err.contains("CG-leaked") && !err.contains("oops"), "{err}");
        let err = run(&["/no/such/program".to_string()], TIMEOUT).unwrap_err();
        assert!(
            err.contains("\"/no/such/program\" could not start"),
            "{err}"
        );
    }

    #[test]
    fn a_command_that_prints_nothing_gives_no_secret() {
        for script in ["true", "printf '\\n\\nCG-late\\n'", "printf '   \\n'"] {
            let err = run(&sh(script), TIMEOUT).unwrap_err();
            assert!(
                err.contains("printed nothing on its first line"),
                "{script}: {err}"
            );
            assert!(!err.contains("CG-late"));
        }
        let err = run(&sh("printf '\\377\\376\\n'"), TIMEOUT).unwrap_err();
        assert!(err.contains("not text"), "{err}");
    }

    #[test]
    fn a_command_that_hangs_is_killed_with_what_it_started() {
        let marker = tempfile::tempdir().unwrap();
        let flag = marker.path().join("survived");
        // The shell starts a child that would write the flag later.
        let script = format!("(sleep 2; touch {}) & sleep 30", flag.display());
        let err = run(&sh(&script), Duration::from_millis(300)).unwrap_err();
        assert!(err.contains("did not finish within 0.3 s"), "{err}");
        std::thread::sleep(Duration::from_millis(2500));
        assert!(!flag.exists(), "the whole group was killed");
    }

    #[test]
    fn a_command_printing_a_flood_ends_and_keeps_its_first_line() {
        let got = run(&sh("echo CG-3; yes | head -c 1000000"), TIMEOUT);
        assert_eq!(got.unwrap(), "CG-3");
    }
}
