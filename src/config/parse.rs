//! The whole file: its sections as serde reads them, each checked by its
//! own module, gathered in a [`FileConfig`] that holds only valid settings.
//! Every error names the line and the dotted key.

use std::path::Path;
use std::time::Duration;

use ratatui::style::Color;
use serde::Deserialize;
use toml::de::DeTable;

use super::colors::{ColorSlot, ColorsFile, RawColors};
use super::display::{DisplayFile, RawDisplay, Theme};
use super::error::{ConfigError, ErrorKind, Place, column_of, line_of};
use super::keys::{self, ModeKeys, RawKeys};
use super::notify::{NotifyFile, RawNotify};
use super::poll::{KeyKind, PollFile, RawPoll, SecretKey};
use super::portfolio::{PortfolioFile, RawPortfolio};
use super::secret_command::SecretCommand;
use super::sources::{RawSources, SourcesFile};
use crate::keymap::Mode;
use crate::keymap::{self, Keymap, Rebind};
use crate::sources::Exchange;
use crate::view::Column;

/// The whole file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    poll: Option<RawPoll>,
    sources: Option<RawSources>,
    display: Option<RawDisplay>,
    colors: Option<RawColors>,
    keys: Option<RawKeys>,
    discover_keys: Option<RawKeys>,
    search_keys: Option<RawKeys>,
    help_keys: Option<RawKeys>,
    log_keys: Option<RawKeys>,
    form_keys: Option<RawKeys>,
    lookup_keys: Option<RawKeys>,
    confirm_keys: Option<RawKeys>,
    quit_keys: Option<RawKeys>,
    notify: Option<RawNotify>,
    portfolio: Option<RawPortfolio>,
}

/// What the config file sets; `None` (or empty) where it is silent. Values
/// are checked: a `FileConfig` holds only valid settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileConfig {
    pub poll_enabled: Option<bool>,
    pub interval: Option<Duration>,
    /// The calls a month the plan allows, overriding the Demo plan's.
    pub monthly_calls: Option<u64>,
    pub api_url: Option<String>,
    pub bell: Option<bool>,
    pub key_rotate_days: Option<u32>,
    /// The pro key if the file has one, else the demo key.
    pub api_key: Option<SecretKey>,
    /// With no key in the file: the command that prints one, and its kind.
    pub api_key_command: Option<(KeyKind, SecretCommand)>,
    /// With no webhook URL in the file: the command that prints one.
    pub webhook_command: Option<SecretCommand>,
    pub columns: Option<Vec<Column>>,
    pub sort: Option<Column>,
    pub descending: Option<bool>,
    pub theme: Option<Theme>,
    pub discover_days: Option<u32>,
    /// The exchanges to watch (`Some(vec![])`: none).
    pub exchanges: Option<Vec<Exchange>>,
    pub exchange_interval: Option<Duration>,
    /// The pre-market venues to watch (`Some(vec![])`: none).
    pub premarket: Option<Vec<crate::premarket::Venue>>,
    pub premarket_interval: Option<Duration>,
    /// `[sources.url] hyperliquid`.
    pub hyperliquid_url: Option<String>,
    /// The DEX sources to watch (`Some(vec![])`: none).
    pub dex: Option<Vec<crate::dex::DexSource>>,
    pub dex_min_liquidity_usd: Option<u64>,
    pub dex_interval: Option<Duration>,
    /// `[sources.url] dexscreener`.
    pub dexscreener_url: Option<String>,
    /// `[sources.url]`: base URLs replacing exchanges' own, in the file's
    /// order.
    pub exchange_urls: Vec<(Exchange, String)>,
    /// `[poll] fallback`: whether DefiLlama is asked while CoinGecko is
    /// unusable.
    pub fallback: Option<bool>,
    /// `[sources.url] defillama`.
    pub fallback_url: Option<String>,
    /// In the file's order.
    pub colors: Vec<(ColorSlot, Color)>,
    /// The actions whose keys the file replaces, by mode in the order of
    /// [`keymap::MODES`], then in the file's order.
    pub keys: Vec<Rebind>,
    /// The keymap these keys and columns give; no key is bound to two
    /// actions of one mode.
    pub keymap: Keymap,
    /// `[notify]`.
    pub notify: NotifyFile,
    /// `[portfolio] size_usd`.
    pub portfolio_size_usd: Option<crate::money::Decimal>,
    pub max_position_pct: Option<crate::money::Decimal>,
    /// At most `max_position_pct` (or its default, where that is unset).
    pub early_stage_pct: Option<crate::money::Decimal>,
    /// The line and key of the first secret in the file (an API key, the
    /// webhook URL), for the permission check.
    pub(super) key_at: Option<(usize, &'static str)>,
}

impl FileConfig {
    /// Reads config text; `path` is only for the messages. Does not check
    /// the file's permissions: [`super::read_file`] does.
    pub fn parse(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
        let doc = DeTable::parse(text).map_err(|e| {
            let mut err = ConfigError::file(
                path,
                ErrorKind::Syntax,
                format!("not valid TOML: {}", e.message().trim()),
            );
            if let Some(span) = e.span() {
                err.line = Some(line_of(text.as_bytes(), span.start));
                err.column = Some(column_of(text, span.start));
            }
            err
        })?;
        let place = Place {
            path,
            text,
            doc: doc.get_ref(),
        };
        let raw = RawFile::deserialize(toml::de::Deserializer::from(doc.clone()))
            .map_err(|e| place.serde(&e))?;
        let poll = raw
            .poll
            .map(PollFile::try_from)
            .transpose()
            .map_err(|bad| place.bad("poll", bad))?
            .unwrap_or_default();
        let sources = raw
            .sources
            .map(SourcesFile::try_from)
            .transpose()
            .map_err(|bad| place.bad("sources", bad))?
            .unwrap_or_default();
        let display = raw
            .display
            .map(DisplayFile::try_from)
            .transpose()
            .map_err(|bad| place.bad("display", bad))?
            .unwrap_or_default();
        let colors = raw
            .colors
            .map(ColorsFile::try_from)
            .transpose()
            .map_err(|bad| place.bad("colors", bad))?
            .map_or_else(Vec::new, |c| c.0);
        let mut rebinds = Vec::new();
        for (mode, table) in [
            (Mode::Normal, raw.keys),
            (Mode::Discover, raw.discover_keys),
            (Mode::Search, raw.search_keys),
            (Mode::Help, raw.help_keys),
            (Mode::Log, raw.log_keys),
            (Mode::Form, raw.form_keys),
            (Mode::Lookup, raw.lookup_keys),
            (Mode::ConfirmDelete, raw.confirm_keys),
            (Mode::ConfirmQuit, raw.quit_keys),
        ] {
            if let Some(table) = table {
                let keys = ModeKeys::try_from((mode, table))
                    .map_err(|bad| place.bad(keymap::section(mode), bad))?;
                rebinds.extend(keys.0);
            }
        }
        let notify = raw
            .notify
            .map(NotifyFile::try_from)
            .transpose()
            .map_err(|bad| place.bad("notify", bad))?
            .unwrap_or_default();
        let portfolio = raw
            .portfolio
            .map(PortfolioFile::try_from)
            .transpose()
            .map_err(|bad| place.bad("portfolio", bad))?
            .unwrap_or_default();
        let columns = display.columns;
        let keymap = keys::keymap(
            columns.as_deref().unwrap_or(&Column::DEFAULT),
            &rebinds,
            &place,
        )?;
        let key_at = [
            poll.key_at,
            notify.webhook_at.clone().map(|s| (s, "notify.webhook")),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(span, _)| span.start)
        .map(|(span, key)| (place.line(&span), key));
        Ok(FileConfig {
            poll_enabled: poll.enabled,
            interval: poll.interval,
            monthly_calls: poll.monthly_calls,
            api_url: poll.api_url,
            bell: poll.bell,
            key_rotate_days: poll.key_rotate_days,
            api_key: poll.api_key,
            api_key_command: poll.key_command.map(|(kind, argv, span, key)| {
                let line = place.line(&span);
                (kind, SecretCommand { argv, key, line })
            }),
            webhook_command: notify
                .webhook_command
                .clone()
                .map(|(argv, span)| SecretCommand {
                    argv,
                    key: "notify.webhook_command",
                    line: place.line(&span),
                }),
            columns,
            sort: display.sort,
            descending: display.descending,
            theme: display.theme,
            discover_days: display.discover_days,
            exchanges: sources.exchanges,
            exchange_interval: sources.exchange_interval,
            premarket: sources.premarket,
            premarket_interval: sources.premarket_interval,
            hyperliquid_url: sources.hyperliquid_url,
            dex: sources.dex,
            dex_min_liquidity_usd: sources.dex_min_liquidity_usd,
            dex_interval: sources.dex_interval,
            dexscreener_url: sources.dexscreener_url,
            exchange_urls: sources.urls,
            fallback: poll.fallback,
            fallback_url: sources.fallback_url,
            colors,
            keys: rebinds.into_iter().map(|r| r.rebind).collect(),
            keymap,
            key_at,
            notify,
            portfolio_size_usd: portfolio.size_usd,
            max_position_pct: portfolio.max_position_pct,
            early_stage_pct: portfolio.early_stage_pct,
        })
    }
}
