//! `prelist doctor`: a checklist of what prelist needs, one line each,
//! marked ok or a problem with what to do. The config, the data dir and its
//! files, CoinGecko (one request), each enabled exchange (one look) and the
//! notification channels. Secrets are never printed: the key's plan is
//! named, the webhook is "set", and no error quotes either.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{exchange_clients, print, provider, runtime};
use crate::cli::DoctorArgs;
use crate::config::Settings;
use crate::error::Error;
use crate::market::MarketProvider;
use crate::market::plan::{Plan, month_of, requests_per_poll};
use crate::model::Watchlist;
use crate::notify::terminal::{TerminalMode, detect_why, terminal_env};
use crate::sources::ExchangeSource;
use crate::store::{self, STATE_FILE, WatchlistStore};
use crate::text::{self, thousands};

/// Every network check runs under this one deadline, as `check` does.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Below this much free space in the data dir, saves may soon fail.
pub const LOW_SPACE: u64 = 50 * 1024 * 1024;

/// The id asked for when the watchlist polls none: any listed coin will do.
const PROBE_ID: &str = "bitcoin";

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: String,
    pub ok: bool,
    pub detail: String,
}

fn ok(check: &str, detail: impl Into<String>) -> Check {
    Check {
        check: check.into(),
        ok: true,
        detail: detail.into(),
    }
}

fn problem(check: &str, detail: impl Into<String>) -> Check {
    Check {
        check: check.into(),
        ok: false,
        detail: detail.into(),
    }
}

/// Runs the checklist with the config that loaded (one that does not load
/// has already ended the command with exit 2, as `config` says it).
pub fn run(
    settings: &Settings,
    data_dir: &Path,
    watchlist_file: Option<&Path>,
    args: &DoctorArgs,
) -> Result<(), Error> {
    let mut checks = vec![config_check(settings)];
    checks.extend(data_dir_checks(data_dir));
    let watchlist = match WatchlistStore::open(data_dir, watchlist_file) {
        Ok((w, store)) => {
            let polled = w.coins.iter().filter(|c| c.poll_id().is_some()).count();
            let whose = if store.path.exists() {
                store.path.display().to_string()
            } else {
                format!(
                    "the built-in list (written to {} at the first change)",
                    store.path.display()
                )
            };
            let counts = format!("{} coins, {polled} with a market id", w.coins.len());
            checks.push(ok("watchlist", format!("{whose}: {counts}")));
            Some(w)
        }
        Err(e) => {
            checks.push(problem("watchlist", format!("{e}")));
            None
        }
    };
    checks.extend(network_checks(settings, data_dir, watchlist.as_ref())?);
    checks.extend(notify_checks(settings));
    let text = if args.json {
        let mut json = serde_json::to_string_pretty(&checks)
            .map_err(|e| Error::failed(format!("cannot write JSON: {e}")))?;
        json.push('\n');
        json
    } else {
        let mut out = String::new();
        for c in &checks {
            let mark = if c.ok { "ok     " } else { "PROBLEM" };
            let line = format!("{mark} {:<22} {}", c.check, c.detail);
            out.push_str(&text::clean(&line));
            out.push('\n');
        }
        out
    };
    print(text.as_bytes());
    let problems = checks.iter().filter(|c| !c.ok).count();
    match problems {
        0 => Ok(()),
        n => Err(Error::failed(format!(
            "{n} {} to look at",
            if n == 1 { "thing" } else { "things" }
        ))),
    }
}

/// The config file in use (it loaded, or the command would have ended).
fn config_check(settings: &Settings) -> Check {
    match (&settings.config_path, settings.config_found) {
        (Some(path), true) => ok("config", format!("{} loads", path.display())),
        (Some(path), false) => ok(
            "config",
            format!(
                "no file at {}: the defaults are in use (`prelist config --default` writes one)",
                path.display()
            ),
        ),
        (None, _) => ok(
            "config",
            "no home directory to look in: the defaults are in use",
        ),
    }
}

/// The data dir: there (or can be made), writable, with room; the state
/// readable; whether another prelist runs on it.
fn data_dir_checks(dir: &Path) -> Vec<Check> {
    let mut checks = Vec::new();
    if let Err(e) = std::fs::create_dir_all(dir) {
        checks.push(problem(
            "data dir",
            format!(
                "cannot make {}: {e} (--data-dir or PRELIST_DATA_DIR picks another)",
                dir.display()
            ),
        ));
        return checks;
    }
    match tempfile::Builder::new()
        .prefix(".prelist-doctor-")
        .tempfile_in(dir)
    {
        Ok(_) => checks.push(ok("data dir", format!("{} can be written", dir.display()))),
        Err(e) => checks.push(problem(
            "data dir",
            format!("cannot write in {}: {e} (saves will fail)", dir.display()),
        )),
    }
    match rustix::fs::statvfs(dir) {
        Ok(vfs) => {
            let free = vfs.f_bavail.saturating_mul(vfs.f_frsize);
            let mib = free / (1024 * 1024);
            if free < LOW_SPACE {
                checks.push(problem(
                    "free space",
                    format!(
                        "{} MiB left: saves may fail; free some space",
                        thousands(mib)
                    ),
                ));
            } else {
                checks.push(ok("free space", format!("{} MiB", thousands(mib))));
            }
        }
        Err(e) => checks.push(problem("free space", format!("cannot tell: {e}"))),
    }
    let state = dir.join(STATE_FILE);
    match store::open_state(&state).map(|db| (store::StateStore::load(&*db), db.outbox_len())) {
        Ok((Ok(s), Ok(waiting))) => {
            checks.push(ok(
                "state",
                format!("{}: {} listings", state.display(), s.listings.len()),
            ));
            checks.push(ok(
                "outbox",
                match waiting {
                    0 => "no notification waits to be delivered".to_string(),
                    n => format!(
                        "{n} notification(s) wait to be delivered by the next prelist with \
                         [notify]'s command or webhook"
                    ),
                },
            ));
        }
        Ok((Err(e), _) | (_, Err(e))) | Err(e) => checks.push(problem("state", e.to_string())),
    }
    match store::others_running(dir) {
        Some(true) => checks.push(ok(
            "other instances",
            "a screen or `prelist watch` runs on this data dir (they share it safely)",
        )),
        Some(false) => checks.push(ok("other instances", "none runs on this data dir")),
        None => checks.push(ok("other instances", "cannot tell")),
    }
    checks
}

/// The token `doctor` asks the DEX source about when no coin has a
/// contract: wrapped ether, which every DEX of Ethereum trades.
const DEX_PROBE: &str = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";

/// CoinGecko (one request), each enabled exchange and venue (one look) and
/// the DEX source (one look), all at once under one deadline.
fn network_checks(
    settings: &Settings,
    data_dir: &Path,
    watchlist: Option<&Watchlist>,
) -> Result<Vec<Check>, Error> {
    let ids: Vec<String> = watchlist
        .map(|w| {
            w.coins
                .iter()
                .filter_map(|c| c.poll_id().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let plan = settings.poll_plan(requests_per_poll(ids.len()));
    let mut checks = Vec::new();
    let month = month_of(jiff::Timestamp::now().as_second());
    let calls = store::open_state(&data_dir.join(STATE_FILE))
        .and_then(|db| store::load_calls(&db))
        .map(|book| store::calls_in(&book, &month, settings.plan()));
    checks.push(match (calls, plan.budget) {
        (Ok(n), Some(budget)) if n >= budget => problem(
            "API calls",
            format!(
                "{} of {} this month: the budget is spent; polls wait for the next month",
                thousands(n),
                thousands(budget)
            ),
        ),
        (Ok(n), Some(budget)) => ok(
            "API calls",
            format!("{} of {} this month", thousands(n), thousands(budget)),
        ),
        (Ok(n), None) => ok("API calls", format!("{} this month", thousands(n))),
        (Err(e), _) => problem("API calls", format!("cannot count them: {e}")),
    });
    let probe: Vec<String> = vec![ids.first().cloned().unwrap_or_else(|| PROBE_ID.into())];
    let api = provider(settings);
    let exchanges = exchange_clients(settings);
    let venues = super::venue_clients(settings);
    let dex = super::dex_client(settings);
    // The watchlist's tokens, or one every DEX trades when it has none.
    let no_book = crate::dex::DexBook::default();
    let mut tokens = watchlist.map_or_else(Vec::new, |w| {
        crate::dex::watched_tokens(&w.coins, &no_book, |_| false)
    });
    if tokens.is_empty() {
        tokens.push(crate::dex::Watched {
            chain: crate::model::Chain::Ethereum,
            address: DEX_PROBE.to_string(),
            listed: false,
        });
    }
    let plan_name = plan_words(settings.plan());
    let rt = runtime()?;
    let (api_check, looks, venue_looks, dex_look) = rt.block_on(async {
        let api_check = async {
            let api = match api {
                Ok(api) => Arc::new(api),
                Err(e) => return problem("CoinGecko", format!("{plan_name}: {e}")),
            };
            let start = Instant::now();
            match tokio::time::timeout(DEADLINE, api.prices(&probe)).await {
                Ok(Ok(_)) => ok(
                    "CoinGecko",
                    format!(
                        "{plan_name}: answered in {} ms ({})",
                        start.elapsed().as_millis(),
                        settings.api_url()
                    ),
                ),
                Ok(Err(e)) => problem("CoinGecko", format!("{plan_name}: {e}")),
                Err(_) => problem(
                    "CoinGecko",
                    format!("{plan_name}: no answer within {} s", DEADLINE.as_secs()),
                ),
            }
        };
        let looks = async {
            let Ok(clients) = &exchanges else {
                return Vec::new();
            };
            let now = jiff::Timestamp::now().as_second();
            let each = clients.iter().map(|c| async move {
                let name = c.exchange().name();
                let start = Instant::now();
                match tokio::time::timeout(DEADLINE, c.look_sized(now)).await {
                    Ok(Ok((pairs, bytes))) => ok(
                        name,
                        format!(
                            "answered in {} ms: {} bytes, {} pairs",
                            start.elapsed().as_millis(),
                            thousands(bytes),
                            thousands(pairs.len())
                        ),
                    ),
                    Ok(Err(e)) => problem(name, e.to_string()),
                    Err(_) => problem(name, format!("no answer within {} s", DEADLINE.as_secs())),
                }
            });
            futures_util::future::join_all(each).await
        };
        let venue_looks = async {
            let Ok(clients) = &venues else {
                return Vec::new();
            };
            let each = clients.iter().map(|c| async move {
                let name = format!("{} (pre-market)", c.venue().name());
                let start = Instant::now();
                match tokio::time::timeout(DEADLINE, c.look()).await {
                    Ok(Ok(offers)) => ok(
                        &name,
                        format!(
                            "answered in {} ms: {} instruments, {} priced",
                            start.elapsed().as_millis(),
                            thousands(offers.len()),
                            thousands(offers.iter().filter(|o| o.price_usd.is_some()).count())
                        ),
                    ),
                    Ok(Err(e)) => problem(&name, e.to_string()),
                    Err(_) => problem(&name, format!("no answer within {} s", DEADLINE.as_secs())),
                }
            });
            futures_util::future::join_all(each).await
        };
        let dex_look = async {
            let Ok(Some(client)) = &dex else {
                return None;
            };
            client.set_tokens(tokens);
            let name = crate::dex::NAME;
            let start = Instant::now();
            Some(match tokio::time::timeout(DEADLINE, client.look()).await {
                Ok(Ok(answer)) => ok(
                    name,
                    format!(
                        "answered in {} ms: {} pools of {} tokens",
                        start.elapsed().as_millis(),
                        thousands(answer.pools.len()),
                        thousands(answer.asked.len())
                    ),
                ),
                Ok(Err(e)) => problem(name, e.to_string()),
                Err(_) => problem(name, format!("no answer within {} s", DEADLINE.as_secs())),
            })
        };
        tokio::join!(api_check, looks, venue_looks, dex_look)
    });
    checks.push(api_check);
    match exchanges {
        Ok(clients) if clients.is_empty() => checks.push(ok(
            "exchanges",
            "none enabled (sources.exchanges, or PRELIST_EXCHANGES)",
        )),
        Ok(_) => checks.extend(looks),
        Err(e) => checks.push(problem("exchanges", e.to_string())),
    }
    match venues {
        Ok(clients) if clients.is_empty() => checks.push(ok(
            "pre-market venues",
            "none enabled (sources.premarket, or PRELIST_PREMARKET)",
        )),
        Ok(_) => checks.extend(venue_looks),
        Err(e) => checks.push(problem("pre-market venues", e.to_string())),
    }
    match dex {
        Ok(None) => checks.push(ok(
            "DEX pools",
            "none enabled (sources.dex, or PRELIST_DEX)",
        )),
        Ok(Some(_)) => checks.extend(dex_look),
        Err(e) => checks.push(problem("DEX pools", e.to_string())),
    }
    Ok(checks)
}

/// The plan in words, never the key.
fn plan_words(plan: Plan) -> &'static str {
    match plan {
        Plan::Keyless => "keyless (no API key)",
        Plan::Demo => "Demo key",
        Plan::Pro => "Pro key",
    }
}

/// How events reach the user: the terminal's channel, tmux's passthrough,
/// the command, the webhook.
fn notify_checks(settings: &Settings) -> Vec<Check> {
    let config = settings.notify.config();
    let env = terminal_env();
    let mut checks = Vec::new();
    let terminal = match config.terminal {
        TerminalMode::Auto => {
            let (mode, why) = detect_why(&env);
            format!("auto picks {}: {why}", mode.key())
        }
        mode => format!("{} (notify.terminal)", mode.key()),
    };
    checks.push(ok("terminal", terminal));
    if env.var_os("TMUX").is_some() {
        checks.push(tmux_check());
    }
    match config.command.first() {
        None => checks.push(ok("notify command", "none set")),
        Some(program) => match find_program(program) {
            Some(_) if let Some(w) = crate::notify::command::option_warning(&config.command) => {
                checks.push(problem("notify command", w));
            }
            Some(path) => checks.push(ok("notify command", format!("{} is found", path.display()))),
            None => checks.push(problem(
                "notify command",
                format!(
                    "{program} is not found on PATH: install it, or give its full path in \
                     notify.command"
                ),
            )),
        },
    }
    checks.push(ok(
        "webhook",
        if config.webhook.is_some() {
            "set"
        } else {
            "none set"
        },
    ));
    checks
}

/// Inside tmux, notifications reach the terminal only with
/// `allow-passthrough` on (tmux 3.3 and later).
fn tmux_check() -> Check {
    let out = std::process::Command::new("tmux")
        .args(["show", "-gv", "allow-passthrough"])
        .stdin(std::process::Stdio::null())
        .output();
    match out {
        Ok(out) if out.status.success() => {
            let value = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if value == "on" || value == "all" {
                ok("tmux passthrough", format!("allow-passthrough is {value}"))
            } else {
                problem(
                    "tmux passthrough",
                    format!(
                        "allow-passthrough is {}: notifications stop at tmux; add \
                         `set -g allow-passthrough on` to ~/.tmux.conf",
                        if value.is_empty() { "off" } else { &value }
                    ),
                )
            }
        }
        Ok(_) => problem(
            "tmux passthrough",
            "tmux does not know allow-passthrough (3.3 or later has it): notifications stop at tmux",
        ),
        Err(e) => problem("tmux passthrough", format!("cannot ask tmux: {e}")),
    }
}

/// Where `program` would be run from: itself when it names a path, else
/// the first executable file of that name on `PATH`.
fn find_program(program: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let p = Path::new(program);
        return runnable(p).then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| runnable(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_on_path_or_by_their_path() {
        assert!(find_program("sh").is_some());
        assert!(find_program("/bin/sh").is_some());
        assert!(find_program("no-such-program-prelist").is_none());
        assert!(find_program("/nonexistent/sh").is_none());
    }
}
