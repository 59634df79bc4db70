use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use prelist::app::{App, LogEntry, LogKind};
use prelist::cli::{CheckArgs, Cli, Command, ExportFormat, ListArgs};
use prelist::config::{self, Env, FlagValues, Settings, Source, Theme};
use prelist::listing::{Listings, apply_quotes};
use prelist::market::coingecko::CoinGecko;
use prelist::market::{MarketProvider, order_candidates};
use prelist::model::Watchlist;
use prelist::store::{self, LOG_FILE, STATE_FILE, WatchlistStore};
use prelist::ui::theme::Palette;
use prelist::view::{Filter, Sort};
use prelist::{list, text, transfer, tui};
use std::sync::Arc;

/// Bad usage or an unreadable or invalid input file.
const EXIT_USAGE: u8 = 2;
/// `check` could not reach or understand the API.
const EXIT_API: u8 = 3;

/// A failure on the way to running: its exit code and message.
struct Fail(u8, String);

impl Fail {
    fn usage(message: impl ToString) -> Fail {
        Fail(EXIT_USAGE, message.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Fail(code, message)) => {
            eprintln!("prelist: {message}");
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Fail> {
    // The default file is printed even when the present one is broken.
    if let Some(Command::Config { default: true }) = cli.command {
        print!("{}", config::default_file());
        return Ok(ExitCode::SUCCESS);
    }
    let flags = FlagValues {
        poll: cli.poll,
        interval: cli.interval,
        api_url: cli.api_url.clone(),
        no_bell: cli.no_bell,
    };
    let settings = config::load(&flags, &Env::process()).map_err(Fail::usage)?;
    if let Some(Command::Config { .. }) = cli.command {
        print!("{}", settings.describe());
        return Ok(ExitCode::SUCCESS);
    }
    let data_dir = store::data_dir(cli.data_dir.as_deref()).map_err(Fail::usage)?;
    let (watchlist, wstore) =
        WatchlistStore::open(&data_dir, cli.watchlist.as_deref()).map_err(Fail::usage)?;
    let state_path = data_dir.join(STATE_FILE);
    let listings = store::load_state(&state_path).map_err(Fail::usage)?;
    match &cli.command {
        Some(Command::List(args)) => Ok(run_list(&watchlist, &listings, args, settings.sort.value)),
        Some(Command::Check(args)) => run_check(&settings, watchlist, listings, &data_dir, args),
        Some(Command::Search { name }) => run_search(&settings, &watchlist, name),
        Some(Command::Export { format }) => Ok(run_export(&watchlist, &listings, *format)),
        Some(Command::Import { file }) => {
            run_import(watchlist, wstore, listings, &state_path, file)
        }
        Some(Command::Config { .. }) => unreachable!("handled above"),
        None => run_tui(&settings, watchlist, wstore, listings, &data_dir),
    }
}

fn run_search(settings: &Settings, watchlist: &Watchlist, name: &str) -> Result<ExitCode, Fail> {
    let provider = provider(settings)?;
    let found = runtime()?
        .block_on(provider.search(name))
        .map_err(|e| Fail(EXIT_API, format!("search failed: {e}")))?;
    // A watched coin of that name puts candidates with its ticker first.
    let ticker = watchlist
        .coins
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name.trim()))
        .and_then(|c| c.ticker.as_deref());
    let found = order_candidates(found, ticker);
    // The same columns as the screen's lookup: the id, which is what to use, first.
    let mut out = format!("{:<32} {:<10} {:>6}  {}\n", "id", "symbol", "rank", "name");
    for c in &found {
        let rank = c.market_cap_rank.map_or("—".to_string(), |r| r.to_string());
        out.push_str(&format!(
            "{:<32} {:<10} {:>6}  {}\n",
            c.id,
            text::clean(&c.symbol),
            rank,
            text::clean(&c.name)
        ));
    }
    if found.is_empty() {
        eprintln!("no candidates for \"{}\"", text::clean(name));
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn run_export(watchlist: &Watchlist, listings: &Listings, format: ExportFormat) -> ExitCode {
    let coins = list::select(
        &watchlist.coins,
        listings,
        Sort::default(),
        &Filter::default(),
    );
    let out = match format {
        ExportFormat::Json => transfer::export_json(&coins, listings),
        ExportFormat::Csv => transfer::export_csv(&coins, listings),
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

fn run_import(
    mut watchlist: Watchlist,
    mut wstore: WatchlistStore,
    listings: Listings,
    state_path: &Path,
    file: &Path,
) -> Result<ExitCode, Fail> {
    let (text, shown) = if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
            .map_err(|e| Fail::usage(format!("cannot read standard input: {e}")))?;
        (text, PathBuf::from("<standard input>"))
    } else {
        let w = std::fs::read(file)
            .map_err(|e| Fail::usage(format!("cannot read {}: {e}", file.display())))?;
        let text = String::from_utf8(w)
            .map_err(|_| Fail::usage(format!("cannot read {}: not UTF-8 text", file.display())))?;
        (text, file.to_path_buf())
    };
    let (coins, incoming_listings) = transfer::read_import(&text, &shown).map_err(Fail::usage)?;
    let counts = transfer::merge_import(&mut watchlist.coins, coins);
    if counts.added + counts.updated > 0 {
        wstore
            .save(&watchlist)
            .map_err(|e| Fail(1, format!("watchlist not saved: {e}")))?;
    }
    let merged = prelist::merge::merge_listings(&listings, &incoming_listings);
    if merged != listings {
        store::save_state_merged(state_path, &merged)
            .map_err(|e| Fail(1, format!("could not save state: {e}")))?;
    }
    println!(
        "{} added, {} updated, {} skipped ({})",
        counts.added,
        counts.updated,
        counts.skipped,
        wstore.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn run_list(
    watchlist: &Watchlist,
    listings: &Listings,
    args: &ListArgs,
    configured: Sort,
) -> ExitCode {
    // The screen's order: the config's sort unless one is given here.
    let sort = match args.sort {
        Some(column) => Sort {
            column,
            descending: args.desc,
        },
        None => Sort {
            column: configured.column,
            descending: configured.descending != args.desc,
        },
    };
    let filter = Filter {
        text: args.filter.clone().unwrap_or_default(),
        status: args.status.map(Into::into).unwrap_or_default(),
        ..Filter::default()
    };
    print_coins(watchlist, listings, sort, &filter, args.json);
    ExitCode::SUCCESS
}

fn print_coins(
    watchlist: &Watchlist,
    listings: &Listings,
    sort: Sort,
    filter: &Filter,
    json: bool,
) {
    let coins = list::select(&watchlist.coins, listings, sort, filter);
    let out = if json {
        list::to_json(&coins, listings)
    } else {
        list::to_text(&coins, listings, jiff::Timestamp::now().as_second())
    };
    // A closed pipe (`prelist list | head`) is not an error worth a message.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
}

/// The CoinGecko client for the effective API URL and key.
fn provider(settings: &Settings) -> Result<CoinGecko, Fail> {
    let key = settings.api_key.value.as_ref().map(|k| k.api_key().clone());
    CoinGecko::new(settings.api_url(), key).map_err(Fail::usage)
}

/// Logs to `prelist.log` in the data dir; stdout and stderr belong to the
/// UI. Without a writable data dir the app runs on, unlogged.
fn init_logging(data_dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    std::fs::create_dir_all(data_dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join(LOG_FILE))
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_target(false)
        .init();
    Some(guard)
}

fn runtime() -> Result<tokio::runtime::Runtime, Fail> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail(1, format!("cannot start: {e}")))
}

fn run_check(
    settings: &Settings,
    watchlist: Watchlist,
    mut listings: Listings,
    data_dir: &Path,
    args: &CheckArgs,
) -> Result<ExitCode, Fail> {
    let provider = provider(settings)?;
    let _guard = init_logging(data_dir);
    let ids: Vec<String> = watchlist
        .coins
        .iter()
        .filter_map(|c| c.market_id.clone())
        .collect();
    let quotes = if ids.is_empty() {
        Default::default()
    } else {
        runtime()?.block_on(provider.prices(&ids)).map_err(|e| {
            tracing::warn!("check failed: {e}");
            Fail(EXIT_API, format!("check failed: {e}"))
        })?
    };
    let before = listings.clone();
    let now = jiff::Timestamp::now().as_second();
    for flip in apply_quotes(&mut listings, &ids, &quotes, now) {
        let name = watchlist
            .coins
            .iter()
            .find(|c| c.market_id.as_deref() == Some(flip.market_id.as_str()))
            .map_or(flip.market_id.clone(), |c| {
                text::clean(&c.name).into_owned()
            });
        let msg = format!("{name} is now trading at {}", text::price(flip.price));
        tracing::info!("{msg}");
        eprintln!("{msg}");
    }
    if listings != before {
        listings = store::save_state_merged(&data_dir.join(STATE_FILE), &listings)
            .map_err(|e| Fail(1, format!("could not save state: {e}")))?;
    }
    print_coins(
        &watchlist,
        &listings,
        Sort::default(),
        &Filter::default(),
        args.json,
    );
    Ok(ExitCode::SUCCESS)
}

fn run_tui(
    settings: &Settings,
    watchlist: Watchlist,
    wstore: WatchlistStore,
    listings: Listings,
    data_dir: &Path,
) -> Result<ExitCode, Fail> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Fail::usage(
            "the watchlist screen needs a terminal; use `prelist list` to print it",
        ));
    }
    // Polling needs a working client; without polling, a broken one only
    // matters if the user asks for a lookup, which then says why.
    let polling = settings.poll_enabled.value;
    let provider = match provider(settings) {
        Ok(p) => Ok(Arc::new(p)),
        Err(Fail(_, why)) if !polling => Err(why),
        Err(fail) => return Err(fail),
    };
    let keymap = settings.keymap.clone();
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
    prelist::ui::theme::set_palette(palette);
    let session = tui::Session {
        provider,
        poll: polling.then_some(settings.interval.value),
        state_path: data_dir.join(STATE_FILE),
        watchlist: wstore,
    };
    let _guard = init_logging(data_dir);
    let mut app = App::new(watchlist, listings);
    app.configure(settings.columns.value.clone(), settings.sort.value, keymap);
    app.bell = settings.bell.value;
    app.log = known_listings(&app);
    match runtime()?.block_on(tui::run(app, session)) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Fail(1, format!("terminal error: {e}"))),
    }
}

/// The event log starts with the listings already on record, oldest first.
fn known_listings(app: &App) -> Vec<LogEntry> {
    let mut entries: Vec<LogEntry> = app
        .watchlist
        .coins
        .iter()
        .filter_map(|c| {
            let l = prelist::listing::listing_of(c, &app.listings)?;
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
