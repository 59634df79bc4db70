//! Precedence: a flag, else the environment, else the file, else the
//! built-in default; and the settings that result.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ratatui::style::Color;

use super::colors::ColorSlot;
use super::display::Theme;
use super::env::{DEX_VAR, EXCHANGES_VAR, Env, FALLBACK_VAR, PREMARKET_VAR, config_path};
use super::error::{ConfigError, Origin};
use super::file::read_file;
use super::notify::NotifySettings;
use super::parse::FileConfig;
use super::poll::{KeyKind, SecretKey, check_interval, check_url};
use super::secret_command;
use super::sources::{dex_from_env, exchanges_from_env, venues_from_env};
use super::values::{Setting, Source};
use crate::keymap::Mode;
use crate::keymap::{Key, Keymap, Rebind};
use crate::market::coingecko;
use crate::market::plan as plans;
use crate::market::plan::{DEFAULT_INTERVAL, Plan};
use crate::money::Decimal;
use crate::position::Portfolio;
use crate::premarket::Venue;
use crate::sources::{DEFAULT_EXCHANGE_INTERVAL, Exchange};
use crate::view::{Column, Sort};

/// The command-line flags that are settings, as given. `poll` and `no_bell`
/// are true only when the flag was given; `interval` and `api_url` are
/// `None` when not given, so the file can set them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagValues {
    pub poll: bool,
    pub interval: Option<u64>,
    pub api_url: Option<String>,
    pub no_bell: bool,
}

/// The settings in effect, each with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The config file looked for (`None`: no home directory to look in).
    pub config_path: Option<PathBuf>,
    /// Whether it was there (and read).
    pub config_found: bool,
    pub poll_enabled: Setting<bool>,
    /// The interval given, or the keyless default: with a key, or a
    /// budget, the default follows the plan (see [`Settings::poll_plan`]).
    pub interval: Setting<Duration>,
    /// `poll.monthly_calls`: the calls a month the plan allows, when it is
    /// not the Demo plan's (see [`Plan::monthly_calls`]).
    pub monthly_calls: Setting<Option<u64>>,
    /// `None` means the default for the key: [`coingecko::PRO_BASE`] with a
    /// pro key, else [`coingecko::PUBLIC_BASE`]; see [`Settings::api_url`].
    pub api_url: Setting<Option<String>>,
    pub bell: Setting<bool>,
    /// Days a key may be in use before prelist says to rotate it; 0: never.
    pub key_rotate_days: Setting<u32>,
    /// Whether DefiLlama is asked for prices while CoinGecko is unusable
    /// (`[poll] fallback`, "defillama" or "off").
    pub fallback: Setting<bool>,
    /// Its base URL (`[sources.url] defillama`); `None`, its own.
    pub fallback_url: Setting<Option<String>>,
    /// The columns shown, in order; always holds [`Column::Name`].
    pub columns: Setting<Vec<Column>>,
    pub sort: Setting<Sort>,
    pub theme: Setting<Theme>,
    /// How long a new listing stays a row of Discover.
    pub discover_days: Setting<u32>,
    /// Colours overriding the theme's, each slot at most once.
    pub colors: Setting<Vec<(ColorSlot, Color)>>,
    /// The actions whose default keys the file replaces, with their new keys.
    pub keys: Setting<Vec<Rebind>>,
    /// The keys in force in every mode: the defaults with `keys` applied,
    /// `1`…`9` sorting by the shown `columns`. No key of a mode has two
    /// actions.
    pub keymap: Keymap,
    pub api_key: Setting<Option<SecretKey>>,
    /// With the key from a command: its dotted key and its program.
    pub api_key_command: Option<(&'static str, String)>,
    /// The config file holds a secret and lies in a git work tree: what
    /// to say about it.
    pub secret_in_git: Option<String>,
    /// The exchanges whose lists are watched, in the order given; empty:
    /// none.
    pub exchanges: Setting<Vec<Exchange>>,
    /// The time between two looks at each exchange's list.
    pub exchange_interval: Setting<Duration>,
    /// Base URLs replacing exchanges' own (`[sources.url]`), each exchange
    /// at most once; see [`Settings::exchange_url`].
    pub exchange_urls: Setting<Vec<(Exchange, String)>>,
    /// The pre-market venues looked at, in the order given; empty: none.
    pub premarket: Setting<Vec<Venue>>,
    /// The time between two looks at each venue.
    pub premarket_interval: Setting<Duration>,
    /// `[sources.url] hyperliquid`.
    pub hyperliquid_url: Setting<Option<String>>,
    /// The DEX sources looked at; empty: none.
    pub dex: Setting<Vec<crate::dex::DexSource>>,
    /// The liquidity in USD a DEX pool needs to be a listing.
    pub dex_min_liquidity_usd: Setting<u64>,
    /// The time between two looks at the DEX source.
    pub dex_interval: Setting<Duration>,
    /// `[sources.url] dexscreener`.
    pub dexscreener_url: Setting<Option<String>>,
    /// `[notify]`: how events reach the user.
    pub notify: NotifySettings,
    /// `[portfolio] size_usd`: the whole portfolio in USD; `None`, sizing
    /// is off.
    pub portfolio_size_usd: Setting<Option<Decimal>>,
    /// The most of the portfolio in any single project, in percent.
    pub max_position_pct: Setting<Decimal>,
    /// The most in an early-stage one (a coin not trading yet), in percent;
    /// at most `max_position_pct`.
    pub early_stage_pct: Setting<Decimal>,
}

impl Default for Settings {
    /// The built-in defaults, with no config file.
    fn default() -> Settings {
        Settings {
            config_path: None,
            config_found: false,
            poll_enabled: Setting::builtin(false),
            interval: Setting::builtin(DEFAULT_INTERVAL),
            monthly_calls: Setting::builtin(None),
            api_url: Setting::builtin(None),
            bell: Setting::builtin(true),
            key_rotate_days: Setting::builtin(super::poll::DEFAULT_ROTATE_DAYS),
            fallback: Setting::builtin(true),
            fallback_url: Setting::builtin(None),
            columns: Setting::builtin(Column::DEFAULT.to_vec()),
            sort: Setting::builtin(Sort::default()),
            theme: Setting::builtin(Theme::Default),
            discover_days: Setting::builtin(crate::discover::DEFAULT_DAYS),
            colors: Setting::builtin(Vec::new()),
            keys: Setting::builtin(Vec::new()),
            keymap: Keymap::default(),
            api_key: Setting::builtin(None),
            api_key_command: None,
            secret_in_git: None,
            exchanges: Setting::builtin(Exchange::ALL.to_vec()),
            exchange_interval: Setting::builtin(DEFAULT_EXCHANGE_INTERVAL),
            exchange_urls: Setting::builtin(Vec::new()),
            premarket: Setting::builtin(Venue::ALL.to_vec()),
            premarket_interval: Setting::builtin(crate::sources::premarket::DEFAULT_INTERVAL),
            hyperliquid_url: Setting::builtin(None),
            dex: Setting::builtin(crate::dex::DexSource::ALL.to_vec()),
            dex_min_liquidity_usd: Setting::builtin(crate::sources::dex::DEFAULT_MIN_LIQUIDITY_USD),
            dex_interval: Setting::builtin(crate::sources::dex::DEFAULT_INTERVAL),
            dexscreener_url: Setting::builtin(None),
            notify: NotifySettings::default(),
            portfolio_size_usd: Setting::builtin(None),
            max_position_pct: Setting::builtin(Decimal::from(
                crate::position::DEFAULT_MAX_POSITION_PCT,
            )),
            early_stage_pct: Setting::builtin(Decimal::from(
                crate::position::DEFAULT_EARLY_STAGE_PCT,
            )),
        }
    }
}

/// Finds the config file, reads it and resolves the settings: the usual
/// entry point.
pub fn load(flags: &FlagValues, env: &Env) -> Result<Settings, ConfigError> {
    let path = config_path(env);
    let file = match &path {
        Some(path) => read_file(path)?,
        None => None,
    };
    resolve(flags, env, path.as_deref(), file.as_ref())
}

/// The settings from flags, else the environment, else `file` (read from
/// `config_path`), else the defaults. Fails on a flag or an environment
/// variable with a bad value.
pub fn resolve(
    flags: &FlagValues,
    env: &Env,
    config_path: Option<&Path>,
    file: Option<&FileConfig>,
) -> Result<Settings, ConfigError> {
    let mut s = Settings {
        config_path: config_path.map(Path::to_path_buf),
        config_found: file.is_some(),
        ..Settings::default()
    };
    let empty = FileConfig::default();
    let f = file.unwrap_or(&empty);

    // A flag can only turn polling on; the file can turn it on or off.
    if flags.poll {
        s.poll_enabled = Setting::new(true, Source::Flag);
    } else if let Some(enabled) = f.poll_enabled {
        s.poll_enabled = Setting::new(enabled, Source::File);
    }

    if let Some(secs) = flags.interval {
        let interval = check_interval(secs.into())
            .map_err(|m| ConfigError::outside(Origin::Flag("--interval"), m))?;
        s.interval = Setting::new(interval, Source::Flag);
    } else if let Some(interval) = f.interval {
        s.interval = Setting::new(interval, Source::File);
    }

    if let Some(calls) = f.monthly_calls {
        s.monthly_calls = Setting::new(Some(calls), Source::File);
    }

    if let Some(url) = &flags.api_url {
        check_url(url).map_err(|m| ConfigError::outside(Origin::Flag("--api-url"), m))?;
        s.api_url = Setting::new(Some(url.clone()), Source::Flag);
    } else if let Some(url) = &f.api_url {
        s.api_url = Setting::new(Some(url.clone()), Source::File);
    }

    if flags.no_bell {
        s.bell = Setting::new(false, Source::Flag);
    } else if let Some(bell) = f.bell {
        s.bell = Setting::new(bell, Source::File);
    }
    if let Some(days) = f.key_rotate_days {
        s.key_rotate_days = Setting::new(days, Source::File);
    }
    if let Some(value) = env.var(FALLBACK_VAR) {
        let on = super::poll::fallback_named(value)
            .map_err(|m| ConfigError::outside(Origin::Env(FALLBACK_VAR), m))?;
        s.fallback = Setting::new(on, Source::Env);
    } else if let Some(on) = f.fallback {
        s.fallback = Setting::new(on, Source::File);
    }
    if let Some(url) = &f.fallback_url {
        s.fallback_url = Setting::new(Some(url.clone()), Source::File);
    }

    if let Some(columns) = &f.columns {
        s.columns = Setting::new(columns.clone(), Source::File);
    }
    if f.sort.is_some() || f.descending.is_some() {
        let sort = Sort {
            column: f.sort.unwrap_or(Sort::default().column),
            descending: f.descending.unwrap_or(false),
        };
        s.sort = Setting::new(sort, Source::File);
    }
    if let Some(theme) = f.theme {
        s.theme = Setting::new(theme, Source::File);
    }
    if let Some(days) = f.discover_days {
        s.discover_days = Setting::new(days, Source::File);
    }
    if !f.colors.is_empty() {
        s.colors = Setting::new(f.colors.clone(), Source::File);
    }
    if !f.keys.is_empty() {
        s.keys = Setting::new(f.keys.clone(), Source::File);
    }
    s.keymap = f.keymap.clone();

    if let Some(value) = env.var_set(EXCHANGES_VAR) {
        let exchanges = exchanges_from_env(value)
            .map_err(|m| ConfigError::outside(Origin::Env(EXCHANGES_VAR), m))?;
        s.exchanges = Setting::new(exchanges, Source::Env);
    } else if let Some(exchanges) = &f.exchanges {
        s.exchanges = Setting::new(exchanges.clone(), Source::File);
    }
    if let Some(interval) = f.exchange_interval {
        s.exchange_interval = Setting::new(interval, Source::File);
    }
    if !f.exchange_urls.is_empty() {
        s.exchange_urls = Setting::new(f.exchange_urls.clone(), Source::File);
    }
    if let Some(value) = env.var_set(PREMARKET_VAR) {
        let venues = venues_from_env(value)
            .map_err(|m| ConfigError::outside(Origin::Env(PREMARKET_VAR), m))?;
        s.premarket = Setting::new(venues, Source::Env);
    } else if let Some(venues) = &f.premarket {
        s.premarket = Setting::new(venues.clone(), Source::File);
    }
    if let Some(interval) = f.premarket_interval {
        s.premarket_interval = Setting::new(interval, Source::File);
    }
    if let Some(url) = &f.hyperliquid_url {
        s.hyperliquid_url = Setting::new(Some(url.clone()), Source::File);
    }
    if let Some(value) = env.var_set(DEX_VAR) {
        let dex = dex_from_env(value).map_err(|m| ConfigError::outside(Origin::Env(DEX_VAR), m))?;
        s.dex = Setting::new(dex, Source::Env);
    } else if let Some(dex) = &f.dex {
        s.dex = Setting::new(dex.clone(), Source::File);
    }
    if let Some(usd) = f.dex_min_liquidity_usd {
        s.dex_min_liquidity_usd = Setting::new(usd, Source::File);
    }
    if let Some(interval) = f.dex_interval {
        s.dex_interval = Setting::new(interval, Source::File);
    }
    if let Some(url) = &f.dexscreener_url {
        s.dexscreener_url = Setting::new(Some(url.clone()), Source::File);
    }
    if let Some(size) = f.portfolio_size_usd {
        s.portfolio_size_usd = Setting::new(Some(size), Source::File);
    }
    if let Some(pct) = f.max_position_pct {
        s.max_position_pct = Setting::new(pct, Source::File);
        // The early-stage default is held to a stricter rule than its own.
        s.early_stage_pct.value = s.early_stage_pct.value.min(pct);
    }
    if let Some(pct) = f.early_stage_pct {
        s.early_stage_pct = Setting::new(pct, Source::File);
    }

    let env_key = [KeyKind::Pro, KeyKind::Demo]
        .into_iter()
        .find_map(|kind| Some((kind, env.var(kind.env_var())?)));
    if let Some((kind, value)) = env_key {
        let key = SecretKey::new(kind, value)
            .map_err(|m| ConfigError::outside(Origin::Env(kind.env_var()), m))?;
        s.api_key = Setting::new(Some(key), Source::Env);
    } else if let Some(key) = &f.api_key {
        s.api_key = Setting::new(Some(key.clone()), Source::File);
    } else if let Some((kind, command)) = &f.api_key_command {
        // Run only when nothing else gives a key: a secret manager may ask
        // for a passphrase.
        let secret = command.secret(config_path, secret_command::TIMEOUT)?;
        let key = SecretKey::new(*kind, &secret).map_err(|m| {
            command.error(
                config_path,
                format!(
                    "the command {:?} printed a key that cannot be used: {m}",
                    command.program()
                ),
            )
        })?;
        s.api_key = Setting::new(Some(key), Source::Command);
        s.api_key_command = Some((command.key, command.program()));
    }
    if let (Some(path), Some((_, key))) = (config_path, f.key_at) {
        s.secret_in_git =
            super::git::work_tree_of(path).map(|tree| super::git::warning(path, key, &tree));
    }
    s.notify = NotifySettings::resolve(env, &f.notify, f.webhook_command.as_ref(), config_path)?;
    Ok(s)
}

/// How polling fits the plan, for a watchlist making `requests_per_poll`
/// requests a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollPlan {
    pub plan: Plan,
    /// The interval given by a flag or the file, else the plan's default.
    pub interval: Setting<Duration>,
    pub requests_per_poll: u32,
    /// The month's calls, where known: `poll.monthly_calls`, else the plan's.
    pub budget: Option<u64>,
    /// What is wrong with the interval: it runs out of the month's calls,
    /// or polls faster than the answers change.
    pub warnings: Vec<String>,
}

impl Settings {
    /// The portfolio positions are sized in; `None` while `size_usd` is
    /// unset (sizing is off).
    pub fn portfolio(&self) -> Option<Portfolio> {
        Some(Portfolio {
            size_usd: self.portfolio_size_usd.value?,
            max_position_pct: self.max_position_pct.value,
            early_stage_pct: self.early_stage_pct.value,
        })
    }

    /// The plan of the key in use.
    pub fn plan(&self) -> Plan {
        match self.api_key.value.as_ref().map(SecretKey::kind) {
            None => Plan::Keyless,
            Some(KeyKind::Demo) => Plan::Demo,
            Some(KeyKind::Pro) => Plan::Pro,
        }
    }

    /// The month's calls, where known: `poll.monthly_calls`, else the
    /// plan's.
    pub fn budget(&self) -> Option<u64> {
        self.monthly_calls.value.or(self.plan().monthly_calls())
    }

    /// The interval for a watchlist making `requests_per_poll` requests a
    /// poll: the one given is honoured, warned about where it does not fit
    /// the plan; else the plan's default, which fits.
    pub fn poll_plan(&self, requests_per_poll: u32) -> PollPlan {
        let plan = self.plan();
        let monthly_calls = self.monthly_calls.value;
        let interval = match self.interval.source {
            Source::Default => {
                Setting::builtin(plans::plan_interval(plan, requests_per_poll, monthly_calls))
            }
            _ => self.interval.clone(),
        };
        let warnings = [
            plans::budget_warning(plan, interval.value, requests_per_poll, monthly_calls),
            plans::cache_warning(plan, interval.value),
        ]
        .into_iter()
        .flatten()
        .collect();
        PollPlan {
            plan,
            interval,
            requests_per_poll,
            budget: self.budget(),
            warnings,
        }
    }

    /// The API's base URL: the one set, else the default for the key.
    pub fn api_url(&self) -> &str {
        self.api_url.value.as_deref().unwrap_or_else(|| {
            coingecko::default_base(self.api_key.value.as_ref().map(SecretKey::api_key))
        })
    }

    /// The fallback price source's base URL: the one `[sources.url]` sets,
    /// else its own.
    pub fn fallback_url(&self) -> &str {
        self.fallback_url
            .value
            .as_deref()
            .unwrap_or(crate::market::defillama::BASE)
    }

    /// The base URL of `exchange`'s API: the one `[sources.url]` sets, else
    /// its own.
    pub fn exchange_url(&self, exchange: Exchange) -> &str {
        self.exchange_urls
            .value
            .iter()
            .rev()
            .find(|(e, _)| *e == exchange)
            .map_or(exchange.default_url(), |(_, url)| url.as_str())
    }

    /// The base URL of `venue`'s API: `[sources.url] hyperliquid`, or the
    /// exchange's of the same name (one API serves its spot and its
    /// pre-market), else its own.
    pub fn venue_url(&self, venue: Venue) -> &str {
        match venue {
            Venue::Hyperliquid => self
                .hyperliquid_url
                .value
                .as_deref()
                .unwrap_or(venue.default_url()),
            Venue::Bybit => self.exchange_url(Exchange::Bybit),
            Venue::Okx => self.exchange_url(Exchange::Okx),
            Venue::Binance => self.exchange_url(Exchange::Binance),
        }
    }

    /// The base URL of the DEX source: `[sources.url] dexscreener`, else
    /// its own.
    pub fn dex_url(&self) -> &str {
        self.dexscreener_url
            .value
            .as_deref()
            .unwrap_or(crate::sources::dex::DEFAULT_URL)
    }

    /// Where `exchange`'s base URL comes from.
    pub fn exchange_url_source(&self, exchange: Exchange) -> Source {
        if self.exchange_urls.value.iter().any(|(e, _)| *e == exchange) {
            self.exchange_urls.source
        } else {
            Source::Default
        }
    }

    /// The keys the file set for the action called `name` in `mode`, if it
    /// replaced its defaults.
    pub fn keys_for(&self, mode: Mode, name: &str) -> Option<&[Key]> {
        self.keys
            .value
            .iter()
            .find(|r| r.mode == mode && r.action.name() == name)
            .map(|r| r.keys.as_slice())
    }

    /// The colour for `slot` if the file overrides it.
    pub fn color(&self, slot: ColorSlot) -> Option<Color> {
        self.colors
            .value
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|&(_, c)| c)
    }
}
