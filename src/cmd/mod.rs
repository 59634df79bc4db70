//! The commands: one module each. `run` loads what they share (settings,
//! the watchlist and the state file) and hands over.

mod check;
mod discover;
mod doctor;
mod export;
mod import;
mod list;
mod metered;
mod screen;
mod search;
mod shell;
mod stdout;
mod watch;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::{Cli, Command};
use crate::config::{self, Env, FlagValues, Settings};
use crate::error::Error;
use crate::market::MarketProvider;
use crate::market::coingecko::CoinGecko;
use crate::market::defillama::DefiLlama;
use crate::market::plan::{month_of, requests_per_poll};
use crate::model::Watchlist;
use crate::sources::{self, Exchange};
use crate::store::{self, CallLedger, STATE_FILE, State, StateDb, StateStore, WatchlistStore};

/// What every command but `config` starts from.
pub struct Context {
    pub settings: Settings,
    pub data_dir: PathBuf,
    pub watchlist: Watchlist,
    pub store: WatchlistStore,
    /// The state database, shared by the runner and the ledger of calls.
    pub db: Arc<StateDb>,
    /// The state as it was at start.
    pub state: State,
}

/// Runs the command line.
pub fn run(cli: Cli) -> Result<(), Error> {
    // The default file, the completions and the man page are printed
    // even when the present config is broken.
    match cli.command {
        Some(Command::Config { default: true }) => {
            print(config::default_file().as_bytes());
            return Ok(());
        }
        Some(Command::Completions { shell }) => return shell::completions(shell),
        Some(Command::Manpage) => return shell::manpage(),
        _ => {}
    }
    let flags = FlagValues {
        poll: cli.poll,
        interval: cli.interval,
        api_url: cli.api_url.clone(),
        no_bell: cli.no_bell,
    };
    let settings = config::load(&flags, &Env::process()).map_err(Error::usage)?;
    if let Some(Command::Config { .. }) = cli.command {
        let (requests, calls, rotate) = poll_facts(&cli, &settings);
        print(settings.describe_with(requests, calls, rotate).as_bytes());
        return Ok(());
    }
    let data_dir = store::data_dir(cli.data_dir.as_deref(), Env::process().data_dir())
        .map_err(Error::usage)?;
    // A command on the command line says on stderr when it waits for
    // another instance's write; the screen owns the terminal, so it only
    // logs that.
    if cli.command.is_some() {
        crate::fs::set_wait_notice(|msg| say(&format!("prelist: {msg}")));
    }
    // The doctor reports a data dir or a file that does not load; it does
    // not stop at one.
    if let Some(Command::Doctor(args)) = &cli.command {
        return doctor::run(&settings, &data_dir, cli.watchlist.as_deref(), args);
    }
    crate::fs::tidy(&data_dir);
    if let Some(file) = cli.watchlist.as_deref() {
        let target = crate::fs::write_target(file);
        crate::fs::tidy(target.parent().unwrap_or(Path::new(".")));
    }
    let (watchlist, store) =
        WatchlistStore::open(&data_dir, cli.watchlist.as_deref()).map_err(Error::usage)?;
    let db = store::open_state(&data_dir.join(STATE_FILE)).map_err(Error::usage)?;
    let state = db.load().map_err(Error::usage)?;
    let cx = Context {
        settings,
        data_dir,
        watchlist,
        store,
        db,
        state,
    };
    match cli.command {
        Some(Command::List(args)) => list::run(&cx, &args),
        Some(Command::Check(args)) => check::run(cx, &args),
        Some(Command::Discover(args)) => discover::run(cx, &args),
        Some(Command::Watch(args)) => watch::run(cx, &args),
        Some(Command::Search { name }) => search::run(&cx, &name),
        Some(Command::Export { format }) => export::run(&cx, format),
        Some(Command::Import { file }) => import::run(cx, &file),
        Some(
            Command::Config { .. }
            | Command::Completions { .. }
            | Command::Manpage
            | Command::Doctor(_),
        ) => {
            unreachable!("handled above")
        }
        None => screen::run(cx),
    }
}

/// For `prelist config`: the requests a poll of the watchlist makes, and
/// the month's calls the state file counts for the key in use. What cannot
/// be read is said, not fatal: the config is still worth showing.
fn poll_facts(cli: &Cli, settings: &Settings) -> (u32, Result<u64, String>, Option<String>) {
    let data_dir = match store::data_dir(cli.data_dir.as_deref(), Env::process().data_dir()) {
        Ok(dir) => dir,
        Err(e) => return (1, Err(e.to_string()), None),
    };
    let requests = WatchlistStore::open(&data_dir, cli.watchlist.as_deref())
        .map(|(w, _)| requests_per_poll(w.coins.iter().filter_map(|c| c.poll_id()).count()))
        .unwrap_or(1);
    let month = month_of(jiff::Timestamp::now().as_second());
    let db = store::open_state(&data_dir.join(STATE_FILE));
    let calls = db
        .as_ref()
        .map_err(|e| e.to_string())
        .and_then(|db| store::load_calls(db).map_err(|e| e.to_string()))
        .map(|book| store::calls_in(&book, &month, settings.plan()));
    // Only looked up: showing the settings notes no use of the key.
    let rotate = settings.api_key.value.as_ref().and_then(|key| {
        let first = store::key_first_used(db.as_ref().ok()?, &key.fingerprint()).ok()??;
        let now = jiff::Timestamp::now().as_second();
        key.rotation_warning(first, now, settings.key_rotate_days.value)
    });
    (requests, calls, rotate)
}

/// Notes that the API key is in use on this data dir (its fingerprint,
/// never the key), and says when it is due for rotation. A failure to note
/// it is logged, not fatal: the command's own work comes first.
fn key_rotation(db: &StateDb, settings: &Settings) -> Option<String> {
    let key = settings.api_key.value.as_ref()?;
    let now = jiff::Timestamp::now().as_second();
    match store::note_key(db, &key.fingerprint(), now) {
        Ok(first) => key.rotation_warning(first, now, settings.key_rotate_days.value),
        Err(e) => {
            tracing::warn!("the key's first use was not noted: {e}");
            None
        }
    }
}

/// Adds the API calls `provider` sent to the month's count in the state
/// file. A failure is said, not fatal: the command's own work is done.
fn count_calls(db: &Arc<StateDb>, settings: &Settings, provider: &impl MarketProvider) {
    let now = jiff::Timestamp::now().as_second();
    let ledger = CallLedger::new(Arc::clone(db), settings.plan());
    ledger.note(provider.usage().total(), now);
    if let Err(e) = ledger.flush(now) {
        tracing::warn!("the month's API calls were not counted: {e}");
        say(&format!(
            "prelist: the month's API calls were not counted: {e}"
        ));
    }
}

/// Writes a command's output. A closed pipe (`prelist list | head`) is not
/// an error worth a message.
fn print(bytes: &[u8]) {
    let _ = std::io::stdout().lock().write_all(bytes);
}

/// Writes a line for the user on stderr; a closed stderr is ignored, not
/// a panic as `eprintln!` would make it.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The fallback price source, when `[poll] fallback` asks for one.
fn fallback(settings: &Settings) -> Result<Option<DefiLlama>, Error> {
    if !settings.fallback.value {
        return Ok(None);
    }
    DefiLlama::new(settings.fallback_url())
        .map(Some)
        .map_err(Error::usage)
}

/// The CoinGecko client for the effective API URL and key.
fn provider(settings: &Settings) -> Result<CoinGecko, Error> {
    let key = settings.api_key.value.as_ref().map(|k| k.api_key().clone());
    CoinGecko::new(settings.api_url(), key).map_err(Error::usage)
}

/// The exchanges to watch (the config's, or `PRELIST_EXCHANGES`'), each at
/// the base URL the config gives it.
fn watched_exchanges(settings: &Settings) -> Vec<(Exchange, String)> {
    settings
        .exchanges
        .value
        .iter()
        .map(|&e| (e, settings.exchange_url(e).to_string()))
        .collect()
}

/// A list client for each watched exchange.
fn exchange_clients(settings: &Settings) -> Result<Vec<Arc<sources::watch::Client>>, Error> {
    sources::watch::clients(&watched_exchanges(settings)).map_err(Error::usage)
}

/// A client for each watched pre-market venue, at the base URL the config
/// gives it.
fn venue_clients(
    settings: &Settings,
) -> Result<Vec<Arc<sources::premarket::client::VenueClient>>, Error> {
    settings
        .premarket
        .value
        .iter()
        .map(|&v| {
            sources::premarket::client::VenueClient::new(v, settings.venue_url(v))
                .map(Arc::new)
                .map_err(Error::usage)
        })
        .collect()
}

/// The DEX source's client, when one is watched, at the base URL the config
/// gives it.
fn dex_client(settings: &Settings) -> Result<Option<Arc<sources::dex::DexClient>>, Error> {
    if settings.dex.value.is_empty() {
        return Ok(None);
    }
    sources::dex::DexClient::new(settings.dex_url())
        .map(|c| Some(Arc::new(c)))
        .map_err(Error::usage)
}

/// How long between two looks at an exchange's list.
fn exchange_interval(settings: &Settings) -> std::time::Duration {
    settings.exchange_interval.value
}

/// A runtime on this thread: the app needs no more than one.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::failed(format!("cannot start: {e}")))
}

/// Logs to `prelist.log` in the data dir; stdout and stderr belong to the
/// output or the screen. Without a writable data dir the command runs on,
/// unlogged.
fn init_logging(data_dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    std::fs::create_dir_all(data_dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join(store::LOG_FILE))
        .ok()?;
    // The default queue sets aside room for 128,000 lines, which stays
    // resident (about 4 MB); a thousand is plenty for a log written a few
    // lines a minute.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .finish(file);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_target(false)
        .init();
    Some(guard)
}
