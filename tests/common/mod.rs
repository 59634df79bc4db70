//! The one way tests spawn the binary: with none of the caller's `PRELIST_*`
//! or `COINGECKO_*` variables and a home of its own, so no test reads a
//! developer's config, data or API key, whichever variables the app learns
//! to read next.

// Each test crate compiles this module and uses only part of it.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Command;

use portable_pty::CommandBuilder;

pub const BIN: &str = env!("CARGO_BIN_EXE_prelist");

/// Every variable whose name starts with one of these is removed.
pub const CLEARED_PREFIXES: [&str; 2] = ["PRELIST_", "COINGECKO_"];

/// A process about to be spawned: `std`'s and the pty's command builders.
pub trait Spawn {
    fn set_env(&mut self, key: &str, value: &OsStr);
    fn remove_env(&mut self, key: &OsStr);
}

impl Spawn for Command {
    fn set_env(&mut self, key: &str, value: &OsStr) {
        self.env(key, value);
    }
    fn remove_env(&mut self, key: &OsStr) {
        self.env_remove(key);
    }
}

impl Spawn for CommandBuilder {
    fn set_env(&mut self, key: &str, value: &OsStr) {
        self.env(key, value);
    }
    fn remove_env(&mut self, key: &OsStr) {
        self.env_remove(key);
    }
}

/// The names among `vars` that `hermetic` removes.
pub fn cleared(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Vec<OsString> {
    vars.into_iter()
        .map(|(name, _)| name)
        .filter(|name| {
            CLEARED_PREFIXES
                .iter()
                .any(|p| name.as_encoded_bytes().starts_with(p.as_bytes()))
        })
        .collect()
}

/// Removes from `cmd` every `PRELIST_*` and `COINGECKO_*` variable of
/// `parent` (the environment the child would inherit) and `NO_COLOR`, and
/// puts its home, config, data, cache and state dirs under `home`, with no
/// exchange watched (`PRELIST_EXCHANGES` empty). Call
/// sites set what they need (a data dir, a key) afterwards.
pub fn hermetic(
    cmd: &mut impl Spawn,
    home: &Path,
    parent: impl IntoIterator<Item = (OsString, OsString)>,
) {
    for name in cleared(parent) {
        cmd.remove_env(&name);
    }
    cmd.remove_env(OsStr::new("NO_COLOR"));
    // No test looks at a real exchange: set and empty, it watches none,
    // whatever the config's default list.
    cmd.set_env("PRELIST_EXCHANGES", OsStr::new(""));
    // Nor the fallback price source, which a failing test API would wake.
    cmd.set_env("PRELIST_FALLBACK", OsStr::new("off"));
    // Nor a pre-market venue.
    cmd.set_env("PRELIST_PREMARKET", OsStr::new(""));
    // Nor the DEX source.
    cmd.set_env("PRELIST_DEX", OsStr::new(""));
    cmd.set_env("HOME", home.as_os_str());
    for (var, dir) in [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ] {
        cmd.set_env(var, home.join(dir).as_os_str());
    }
}

/// The binary, hermetic, with `home` as its home.
pub fn command(home: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    hermetic(&mut cmd, home, std::env::vars_os());
    cmd
}

/// The binary for a pseudo-terminal, hermetic, run in and with `home` as
/// its home.
pub fn pty_command(home: &Path) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(BIN);
    cmd.cwd(home);
    hermetic(&mut cmd, home, std::env::vars_os());
    cmd.env("TERM", "xterm-256color");
    cmd
}

/// A loopback mock server, and the runtime of its own it runs on.
pub fn mock_server() -> (tokio::runtime::Runtime, wiremock::MockServer) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(wiremock::MockServer::start());
    (rt, server)
}

/// A loopback CoinGecko whose `/simple/price` answer a test sets, with a
/// runtime of its own that lives as long as it does.
pub struct PriceApi {
    rt: tokio::runtime::Runtime,
    server: wiremock::MockServer,
}

impl PriceApi {
    /// Starts one that answers `body` to every price request.
    pub fn start(body: serde_json::Value) -> PriceApi {
        let (rt, server) = mock_server();
        let api = PriceApi { rt, server };
        api.answer(body);
        api
    }

    /// Answers `body` from now on.
    pub fn answer(&self, body: serde_json::Value) {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, ResponseTemplate};
        self.rt.block_on(async {
            self.server.reset().await;
            Mock::given(method("GET"))
                .and(path("/api/v3/simple/price"))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&self.server)
                .await;
        });
    }

    /// Answers `body` from now on, each answer `delay` after its request.
    pub fn answer_after(&self, body: serde_json::Value, delay: std::time::Duration) {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, ResponseTemplate};
        self.rt.block_on(async {
            self.server.reset().await;
            Mock::given(method("GET"))
                .and(path("/api/v3/simple/price"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(body)
                        .set_delay(delay),
                )
                .mount(&self.server)
                .await;
        });
    }

    /// The base URL to give `--api-url`.
    pub fn url(&self) -> String {
        format!("{}/api/v3", self.server.uri())
    }

    /// Answers requests `mock` matches too (until the next `answer`).
    #[allow(dead_code, reason = "not every test binary mounts others")]
    pub fn also(&self, mock: wiremock::Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    /// The requests it has had.
    pub fn requests(&self) -> Vec<wiremock::Request> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }
}

/// Writes `<dir>/config.toml` with `extra` and a `[notify]` command that
/// appends each event's JSON (its stdin) as a line of `<dir>/told`.
pub fn recording_config(dir: &Path, extra: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("record.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\n{{ cat; echo; }} >> '{}/told'\n", dir.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[notify]\n{extra}command = [{:?}]\n",
            script.display().to_string()
        ),
    )
    .unwrap();
    config
}

/// The events the command of [`recording_config`] was run for, in order.
pub fn told(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("told"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The lines a child writes to `stdout`, as they come, read on a thread
/// of their own.
#[allow(dead_code, reason = "not every test binary reads a child's lines")]
pub fn lines_of(stdout: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    lines
}

/// What the state database in `data_dir` holds (empty when there is none),
/// read as prelist reads it.
#[allow(dead_code)]
pub fn stored(data_dir: &Path) -> prelist::store::State {
    let db = prelist::store::StateDb::open(&data_dir.join(prelist::store::STATE_FILE)).unwrap();
    prelist::store::StateStore::load(&db).unwrap()
}
