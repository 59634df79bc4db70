//! The file's sections as serde reads them, and the checks of what their
//! values mean (`TryFrom`), giving a [`FileConfig`] that holds only valid
//! settings. Every error names the line and the dotted key.

use std::ops::Range;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use ratatui::style::Color;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::MAX_INTERVAL;
use super::error::{ConfigError, ErrorKind, column_of, line_of};
use super::notify::{NotifyFile, RawNotify};
use super::toml_value::{
    AColour, AColumn, AKey, ASecret, ATheme, AUrl, AnExchange, Calls, Columns, Exchanges, Flag,
    Keys, List, Seconds, Table, Text,
};
use super::values::{ColorSlot, KeyKind, SecretKey, Theme};
use crate::app::Mode;
use crate::keymap::{self, Key, Keymap, Rebind};
use crate::market::coingecko;
use crate::market::poller::MIN_INTERVAL;
use crate::sources::{Exchange, MIN_EXCHANGE_INTERVAL, client};
use crate::view::Column;

/// The whole file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    poll: Option<RawPoll>,
    sources: Option<RawSources>,
    display: Option<RawDisplay>,
    colors: Option<Table<Text<AColour>>>,
    keys: Option<Table<List<AKey, Keys>>>,
    search_keys: Option<Table<List<AKey, Keys>>>,
    help_keys: Option<Table<List<AKey, Keys>>>,
    log_keys: Option<Table<List<AKey, Keys>>>,
    form_keys: Option<Table<List<AKey, Keys>>>,
    lookup_keys: Option<Table<List<AKey, Keys>>>,
    confirm_keys: Option<Table<List<AKey, Keys>>>,
    quit_keys: Option<Table<List<AKey, Keys>>>,
    notify: Option<RawNotify>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a section")]
struct RawPoll {
    enabled: Option<Spanned<Flag>>,
    interval: Option<Spanned<Seconds>>,
    monthly_calls: Option<Spanned<Calls>>,
    api_url: Option<Spanned<Text<AUrl>>>,
    bell: Option<Spanned<Flag>>,
    api_key: Option<Spanned<Text<ASecret>>>,
    pro_api_key: Option<Spanned<Text<ASecret>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a section")]
struct RawSources {
    exchanges: Option<Spanned<List<AnExchange, Exchanges>>>,
    exchange_interval: Option<Spanned<Seconds>>,
    url: Option<Table<Text<AUrl>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a section")]
struct RawDisplay {
    columns: Option<Spanned<List<AColumn, Columns>>>,
    sort: Option<Spanned<Text<AColumn>>>,
    descending: Option<Spanned<Flag>>,
    theme: Option<Spanned<Text<ATheme>>>,
}

/// A value that is not allowed: which key of its section, where, and why.
pub(super) struct Bad {
    key: String,
    span: Range<usize>,
    message: String,
}

impl Bad {
    pub(super) fn new(key: &str, span: Range<usize>, message: impl Into<String>) -> Bad {
        Bad {
            key: key.to_string(),
            span,
            message: message.into(),
        }
    }
}

/// `[poll]`, checked.
#[derive(Default)]
struct Poll {
    enabled: Option<bool>,
    interval: Option<Duration>,
    monthly_calls: Option<u64>,
    api_url: Option<String>,
    bell: Option<bool>,
    /// The key, and the place of the first key line (either makes the file
    /// secret).
    api_key: Option<SecretKey>,
    key_at: Option<(Range<usize>, &'static str)>,
}

impl TryFrom<RawPoll> for Poll {
    type Error = Bad;

    fn try_from(raw: RawPoll) -> Result<Poll, Bad> {
        let interval = raw
            .interval
            .map(|n| {
                let span = n.span();
                check_interval_wide(n.into_inner().0).map_err(|m| Bad::new("interval", span, m))
            })
            .transpose()?;
        let monthly_calls = raw
            .monthly_calls
            .map(|n| {
                let span = n.span();
                check_monthly_calls(n.into_inner().0)
                    .map_err(|m| Bad::new("monthly_calls", span, m))
            })
            .transpose()?;
        let api_url = raw
            .api_url
            .map(|url| {
                let span = url.span();
                let url = url.into_inner().0;
                check_url(&url)
                    .map(|()| url)
                    .map_err(|m| Bad::new("api_url", span, m))
            })
            .transpose()?;
        let secret = |value: Option<Spanned<Text<ASecret>>>, kind: KeyKind| {
            let Some(value) = value else {
                return Ok(None);
            };
            let span = value.span();
            let text = value.into_inner().0;
            if text.trim().is_empty() {
                return Ok(None);
            }
            SecretKey::new(kind, &text)
                .map(|key| Some((key, span.clone())))
                .map_err(|m| Bad::new(kind.file_key(), span, m))
        };
        let demo = secret(raw.api_key, KeyKind::Demo)?;
        let pro = secret(raw.pro_api_key, KeyKind::Pro)?;
        let key_at = [
            demo.as_ref().map(|(_, s)| (s.clone(), "poll.api_key")),
            pro.as_ref().map(|(_, s)| (s.clone(), "poll.pro_api_key")),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(span, _)| span.start);
        Ok(Poll {
            enabled: raw.enabled.map(|b| b.into_inner().0),
            interval,
            monthly_calls,
            api_url,
            bell: raw.bell.map(|b| b.into_inner().0),
            // The pro key wins, as in the environment.
            api_key: pro.or(demo).map(|(key, _)| key),
            key_at,
        })
    }
}

/// `[sources]` and `[sources.url]`, checked.
#[derive(Default)]
struct Sources {
    exchanges: Option<Vec<Exchange>>,
    exchange_interval: Option<Duration>,
    urls: Vec<(Exchange, String)>,
}

/// Every exchange's config name: `binance, coinbase, …`.
fn exchange_keys() -> String {
    Exchange::ALL.map(Exchange::key).join(", ")
}

impl TryFrom<RawSources> for Sources {
    type Error = Bad;

    fn try_from(raw: RawSources) -> Result<Sources, Bad> {
        let exchanges = match raw.exchanges {
            None => None,
            Some(list) => {
                let whole = list.span();
                let mut chosen = Vec::new();
                for (name, span) in list.into_inner().items {
                    let span = span.unwrap_or_else(|| whole.clone());
                    let exchange = Exchange::from_str(name.trim()).map_err(|_| {
                        Bad::new(
                            "exchanges",
                            span.clone(),
                            format!(
                                "unknown exchange {name:?} (the exchanges are {})",
                                exchange_keys()
                            ),
                        )
                    })?;
                    if chosen.contains(&exchange) {
                        return Err(Bad::new(
                            "exchanges",
                            span,
                            format!("{:?} is listed twice", exchange.key()),
                        ));
                    }
                    chosen.push(exchange);
                }
                Some(chosen)
            }
        };
        let exchange_interval = raw
            .exchange_interval
            .map(|n| {
                let span = n.span();
                check_exchange_interval(n.into_inner().0)
                    .map_err(|m| Bad::new("exchange_interval", span, m))
            })
            .transpose()?;
        let mut urls = Vec::new();
        for (name, value) in raw.url.map_or_else(Vec::new, |t| t.0) {
            let Ok(exchange) = Exchange::from_str(name.get_ref()) else {
                return Err(unknown_key(name, "sources.url", exchange_keys()));
            };
            let url = value.get_ref().0.trim().to_string();
            client::check_base(&url)
                .map_err(|m| Bad::new(&format!("url.{}", exchange.key()), value.span(), m))?;
            urls.push((exchange, url));
        }
        Ok(Sources {
            exchanges,
            exchange_interval,
            urls,
        })
    }
}

/// `[display]`, checked.
#[derive(Default)]
struct Display {
    columns: Option<Vec<Column>>,
    sort: Option<Column>,
    descending: Option<bool>,
    theme: Option<Theme>,
}

fn column(name: &str, key: &str, span: Range<usize>) -> Result<Column, Bad> {
    Column::from_key(name).ok_or_else(|| {
        Bad::new(
            key,
            span,
            format!(
                "unknown column {name:?} (the columns are {})",
                Column::ALL.map(Column::key).join(", ")
            ),
        )
    })
}

impl TryFrom<RawDisplay> for Display {
    type Error = Bad;

    fn try_from(raw: RawDisplay) -> Result<Display, Bad> {
        let columns = match raw.columns {
            None => None,
            Some(list) => {
                let whole = list.span();
                let mut shown = Vec::new();
                for (name, span) in list.into_inner().items {
                    let span = span.unwrap_or_else(|| whole.clone());
                    let col = column(&name, "columns", span.clone())?;
                    if shown.contains(&col) {
                        return Err(Bad::new(
                            "columns",
                            span,
                            format!("{:?} is listed twice", col.key()),
                        ));
                    }
                    shown.push(col);
                }
                if !shown.contains(&Column::Name) {
                    return Err(Bad::new(
                        "columns",
                        whole,
                        "the columns must include \"name\"",
                    ));
                }
                Some(shown)
            }
        };
        let sort = raw
            .sort
            .map(|s| column(&s.get_ref().0, "sort", s.span()))
            .transpose()?;
        let theme = raw
            .theme
            .map(|t| {
                Theme::from_key(&t.get_ref().0).ok_or_else(|| {
                    Bad::new(
                        "theme",
                        t.span(),
                        format!(
                            "unknown theme {:?} (the themes are {})",
                            t.get_ref().0,
                            Theme::ALL.map(Theme::key).join(", ")
                        ),
                    )
                })
            })
            .transpose()?;
        Ok(Display {
            columns,
            sort,
            descending: raw.descending.map(|b| b.into_inner().0),
            theme,
        })
    }
}

/// `[colors]`, checked: each slot and its colour, in the file's order.
struct Colors(Vec<(ColorSlot, Color)>);

impl TryFrom<Table<Text<AColour>>> for Colors {
    type Error = Bad;

    fn try_from(table: Table<Text<AColour>>) -> Result<Colors, Bad> {
        let mut colors = Vec::new();
        for (name, value) in table.0 {
            let Some(slot) = ColorSlot::from_key(name.get_ref()) else {
                return Err(unknown_key(
                    name,
                    "colors",
                    ColorSlot::ALL.map(ColorSlot::key).join(", "),
                ));
            };
            let text = &value.get_ref().0;
            let color = Color::from_str(text).map_err(|_| {
                Bad::new(
                    slot.key(),
                    value.span(),
                    format!(
                        "{text:?} is not a colour (use a name such as \"red\" or \
                         \"lightgreen\", \"#rrggbb\", or a number 0-255)"
                    ),
                )
            })?;
            colors.push((slot, color));
        }
        Ok(Colors(colors))
    }
}

/// An unknown key of a section with open keys; `Bad::key` is empty to
/// mark it (the caller makes it an [`ErrorKind::UnknownKey`]).
fn unknown_key(name: Spanned<String>, section: &str, known: String) -> Bad {
    Bad {
        key: String::new(),
        span: name.span(),
        message: format!(
            "unknown key {:?} in [{section}] (known keys: {known})",
            name.get_ref()
        ),
    }
}

/// One mode's `[…keys]` section, checked: the rebinds, each key with its
/// place in the file for a clash found later.
struct ModeKeys {
    rebinds: Vec<(Rebind, String, Vec<Range<usize>>)>,
}

impl TryFrom<(Mode, Table<List<AKey, Keys>>)> for ModeKeys {
    type Error = Bad;

    fn try_from((mode, table): (Mode, Table<List<AKey, Keys>>)) -> Result<ModeKeys, Bad> {
        let section = keymap::section(mode);
        let mut rebinds = Vec::new();
        for (name, value) in table.0 {
            let Some(action) = keymap::action_named(mode, name.get_ref()) else {
                let known: Vec<&str> = keymap::defaults(mode)
                    .into_iter()
                    .map(|d| d.action.name())
                    .collect();
                return Err(unknown_key(name, section, known.join(", ")));
            };
            let whole = value.span();
            let items = value.into_inner().items;
            if items.is_empty() {
                return Err(Bad::new(
                    name.get_ref(),
                    whole,
                    "give at least one key (an action cannot be left without one)",
                ));
            }
            let mut keys = Vec::new();
            let mut spans = Vec::new();
            for (text, span) in items {
                let span = span.unwrap_or_else(|| whole.clone());
                let key = Key::from_str(&text)
                    .map_err(|e| Bad::new(name.get_ref(), span.clone(), e.to_string()))?;
                if keys.contains(&key) {
                    return Err(Bad::new(
                        name.get_ref(),
                        span,
                        format!("{text:?} is listed twice"),
                    ));
                }
                keys.push(key);
                spans.push(span);
            }
            let rebind = Rebind { mode, action, keys };
            rebinds.push((rebind, format!("{section}.{}", name.get_ref()), spans));
        }
        Ok(ModeKeys { rebinds })
    }
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
    /// The pro key if the file has one, else the demo key.
    pub api_key: Option<SecretKey>,
    pub columns: Option<Vec<Column>>,
    pub sort: Option<Column>,
    pub descending: Option<bool>,
    pub theme: Option<Theme>,
    /// The exchanges to watch (`Some(vec![])`: none).
    pub exchanges: Option<Vec<Exchange>>,
    pub exchange_interval: Option<Duration>,
    /// `[sources.url]`: base URLs replacing exchanges' own, in the file's
    /// order.
    pub exchange_urls: Vec<(Exchange, String)>,
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
    /// The line and key of the first secret in the file (an API key, the
    /// webhook URL), for the permission check.
    pub(super) key_at: Option<(usize, &'static str)>,
}

impl FileConfig {
    /// Reads config text; `path` is only for the messages. Does not check
    /// the file's permissions: [`super::read_file`] does.
    pub fn parse(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
        let at = |kind: ErrorKind, span: Range<usize>, key: String, message: String| {
            let mut err = ConfigError::file(path, kind, message);
            err.line = Some(line_of(text.as_bytes(), span.start));
            err.key = Some(key);
            err
        };
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
        let raw = RawFile::deserialize(toml::de::Deserializer::from(doc.clone()))
            .map_err(|e| serde_error(&e, text, doc.get_ref(), &at))?;
        let doc_table = doc.get_ref();
        let in_section = |section: &'static str| {
            move |bad: Bad| {
                let kind = if bad.key.is_empty() {
                    ErrorKind::UnknownKey
                } else {
                    ErrorKind::Invalid
                };
                let key = key_at(doc_table, &bad.span, "")
                    .unwrap_or_else(|| format!("{section}.{}", bad.key));
                at(kind, bad.span, key, bad.message)
            }
        };
        let poll = raw
            .poll
            .map(Poll::try_from)
            .transpose()
            .map_err(in_section("poll"))?
            .unwrap_or_default();
        let sources = raw
            .sources
            .map(Sources::try_from)
            .transpose()
            .map_err(in_section("sources"))?
            .unwrap_or_default();
        let display = raw
            .display
            .map(Display::try_from)
            .transpose()
            .map_err(in_section("display"))?
            .unwrap_or_default();
        let colors = raw
            .colors
            .map(Colors::try_from)
            .transpose()
            .map_err(in_section("colors"))?
            .map_or_else(Vec::new, |c| c.0);
        let mut rebinds = Vec::new();
        for (mode, table) in [
            (Mode::Normal, raw.keys),
            (Mode::Search, raw.search_keys),
            (Mode::Help, raw.help_keys),
            (Mode::Log, raw.log_keys),
            (Mode::Form, raw.form_keys),
            (Mode::Lookup, raw.lookup_keys),
            (Mode::ConfirmDelete, raw.confirm_keys),
            (Mode::ConfirmQuit, raw.quit_keys),
        ] {
            if let Some(table) = table {
                let keys =
                    ModeKeys::try_from((mode, table)).map_err(in_section(keymap::section(mode)))?;
                rebinds.extend(keys.rebinds);
            }
        }
        let notify = raw
            .notify
            .map(NotifyFile::try_from)
            .transpose()
            .map_err(in_section("notify"))?
            .unwrap_or_default();
        let columns = display.columns.clone();
        let keys: Vec<Rebind> = rebinds.iter().map(|(r, _, _)| r.clone()).collect();
        let keymap =
            Keymap::new(columns.as_deref().unwrap_or(&Column::ALL), &keys).map_err(|clash| {
                let (span, key, message) = clash_error(&clash, &rebinds);
                at(ErrorKind::Invalid, span, key, message)
            })?;
        Ok(FileConfig {
            poll_enabled: poll.enabled,
            interval: poll.interval,
            monthly_calls: poll.monthly_calls,
            api_url: poll.api_url,
            bell: poll.bell,
            api_key: poll.api_key,
            columns,
            sort: display.sort,
            descending: display.descending,
            theme: display.theme,
            exchanges: sources.exchanges,
            exchange_interval: sources.exchange_interval,
            exchange_urls: sources.urls,
            colors,
            keys,
            keymap,
            key_at: [
                poll.key_at,
                notify.webhook_at.clone().map(|s| (s, "notify.webhook")),
            ]
            .into_iter()
            .flatten()
            .min_by_key(|(span, _)| span.start)
            .map(|(span, key)| (line_of(text.as_bytes(), span.start), key)),
            notify,
        })
    }
}

/// Where and how to report a key bound twice in one mode: at the later of
/// the file's lines that bind it, naming the action it is already bound to.
fn clash_error(
    clash: &keymap::Clash,
    rebinds: &[(Rebind, String, Vec<Range<usize>>)],
) -> (Range<usize>, String, String) {
    let opener = match clash.mode {
        Mode::Help => Some(keymap::Action::Help),
        Mode::Log => Some(keymap::Action::ToggleLog),
        _ => None,
    };
    // Every line of the file that puts the key on one of the two actions,
    // directly or (for an overlay) through the key that opens it.
    let culprit = rebinds
        .iter()
        .filter(|(r, _, _)| {
            let direct = r.mode == clash.mode && [&clash.first, &clash.second].contains(&&r.action);
            let opens = r.mode == Mode::Normal
                && opener.as_ref() == Some(&r.action)
                && [&clash.first, &clash.second].contains(&&r.action);
            direct || opens
        })
        .filter_map(|(r, key, spans)| {
            let i = r.keys.iter().position(|k| *k == clash.key)?;
            Some((r, key, spans[i].clone()))
        })
        .max_by_key(|(_, _, span)| span.start);
    let section = keymap::section(clash.mode);
    let Some((rebind, key, span)) = culprit else {
        // A clash the file did not cause cannot happen: the defaults have
        // none. Report it whole rather than nowhere.
        return (0..0, section.to_string(), clash.message.clone());
    };
    let (other, other_help) = if rebind.action == clash.first {
        (&clash.second, &clash.second_help)
    } else {
        (&clash.first, &clash.first_help)
    };
    let other = match other {
        // The digits have no name in the file: say what they do.
        keymap::Action::SortBy(_) => format!("a digit that sorts by a column ({other_help})"),
        other => format!("{section}.{} ({other_help})", other.name()),
    };
    let through = if rebind.mode == clash.mode {
        String::new()
    } else {
        format!(" (it also closes what it opens, in [{section}])")
    };
    let message = format!(
        "\"{}\" is already bound to {other}{through}: give one of them another key",
        clash.key,
    );
    (span, key.clone(), message)
}

/// The dotted key whose name or value holds `span`, searching `table`.
fn key_at(table: &DeTable<'_>, span: &Range<usize>, prefix: &str) -> Option<String> {
    for (name, value) in table.iter() {
        let path = format!("{prefix}{}", name.get_ref());
        let holds = |s: Range<usize>| s.start <= span.start && span.end <= s.end && s != (0..0);
        if let DeValue::Table(inner) = value.get_ref()
            && let Some(found) = key_at(inner, span, &format!("{path}."))
        {
            return Some(found);
        }
        if holds(name.span()) || holds(value.span()) {
            return Some(path);
        }
    }
    None
}

/// A serde error in the file's terms: an unknown section or key, or a value
/// of the wrong type, at its line and key.
fn serde_error(
    e: &toml::de::Error,
    text: &str,
    doc: &DeTable<'_>,
    at: &dyn Fn(ErrorKind, Range<usize>, String, String) -> ConfigError,
) -> ConfigError {
    let span = e.span().unwrap_or(0..0);
    let key = key_at(doc, &span, "").unwrap_or_default();
    let message = e.message();
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let found = value_at(doc, &span).map_or_else(|| a_type(found), type_of);
        let expected = if expected == "a section" {
            format!("a section [{key}]")
        } else {
            expected.to_string()
        };
        return at(
            ErrorKind::WrongType,
            span,
            key,
            format!("expected {expected}, found {found}"),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((name, known)) = rest.split_once('`')
    {
        let known = known
            .trim_start_matches(", expected ")
            .trim_start_matches("one of ")
            .replace('`', "");
        return match key.rsplit_once('.') {
            Some((section, _)) => at(
                ErrorKind::UnknownKey,
                span,
                key.clone(),
                format!("unknown key {name:?} in [{section}] (known keys: {known})"),
            ),
            None if matches!(doc.get(name).map(|v| v.get_ref()), Some(DeValue::Table(_))) => {
                let sections: Vec<String> = known.split(", ").map(|s| format!("[{s}]")).collect();
                at(
                    ErrorKind::UnknownSection,
                    span,
                    key,
                    format!(
                        "unknown section [{name}] (the sections are {})",
                        sections.join(", ")
                    ),
                )
            }
            None => at(
                ErrorKind::UnknownKey,
                span,
                key,
                format!(
                    "unknown key {name:?} outside any section (settings go under a section: \
                     [poll], [display], [colors], [keys]…)"
                ),
            ),
        };
    }
    if message == "integer number overflowed" {
        let number = text.get(span.clone()).unwrap_or("the number");
        return at(
            ErrorKind::Invalid,
            span,
            key,
            format!("{number} is out of range"),
        );
    }
    at(ErrorKind::Invalid, span, key, message.to_string())
}

/// The value of the document at exactly `span`.
fn value_at<'a>(table: &'a DeTable<'_>, span: &Range<usize>) -> Option<&'a DeValue<'a>> {
    table.values().find_map(|value| match value.get_ref() {
        _ if value.span() == *span => Some(value.get_ref()),
        DeValue::Table(inner) => value_at(inner, span),
        DeValue::Array(items) => items.iter().find_map(|item| match item.get_ref() {
            _ if item.span() == *span => Some(item.get_ref()),
            DeValue::Table(inner) => value_at(inner, span),
            _ => None,
        }),
        _ => None,
    })
}

fn type_of(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// "a string", "an integer"…, from serde's description of a value.
fn a_type(found: &str) -> &'static str {
    let kinds = [
        ("string", "a string"),
        ("integer", "an integer"),
        ("floating point", "a float"),
        ("boolean", "a boolean"),
        ("sequence", "an array"),
        ("map", "a table"),
    ];
    kinds
        .iter()
        .find(|(prefix, _)| found.starts_with(prefix))
        .map_or("another type", |&(_, a)| a)
}

/// The interval a file, flag or test gives, as seconds however large.
fn check_interval_wide(secs: i128) -> Result<Duration, String> {
    match i64::try_from(secs) {
        Ok(secs) => check_interval(secs),
        Err(_) => Err(format!(
            "{secs} is out of range: give {} to {} seconds",
            MIN_INTERVAL.as_secs(),
            MAX_INTERVAL.as_secs()
        )),
    }
}

/// `[sources] exchange_interval`: at least a minute, at most a day.
fn check_exchange_interval(secs: i128) -> Result<Duration, String> {
    let (min, max) = (MIN_EXCHANGE_INTERVAL.as_secs(), MAX_INTERVAL.as_secs());
    match u64::try_from(secs) {
        Ok(secs) if (min..=max).contains(&secs) => Ok(Duration::from_secs(secs)),
        Ok(secs) if secs > max => Err(format!(
            "{secs} is above the maximum of {max} seconds (a day)"
        )),
        _ => Err(format!("{secs} is below the minimum of {min} seconds")),
    }
}

pub(super) fn check_interval(secs: i64) -> Result<Duration, String> {
    if secs < MIN_INTERVAL.as_secs() as i64 {
        return Err(format!(
            "{secs} is below the minimum of {} seconds",
            MIN_INTERVAL.as_secs()
        ));
    }
    if secs > MAX_INTERVAL.as_secs() as i64 {
        return Err(format!(
            "{secs} is above the maximum of {} seconds (a day)",
            MAX_INTERVAL.as_secs()
        ));
    }
    Ok(Duration::from_secs(secs as u64))
}

/// The calls a month of `poll.monthly_calls`: at least one.
fn check_monthly_calls(calls: i128) -> Result<u64, String> {
    if calls <= 0 {
        return Err(format!(
            "{calls} calls a month leaves nothing to poll with: give the number your plan \
             allows, above 0"
        ));
    }
    u64::try_from(calls).map_err(|_| format!("{calls} is out of range"))
}

/// Whether `url` can be an API's base URL. The message quotes the URL with
/// any credentials and query values hidden.
pub(super) fn check_url(url: &str) -> Result<(), String> {
    let shown = || coingecko::redact_url(url);
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        Ok(_) => Err(format!("{:?} is not an http or https URL", shown())),
        Err(e) => Err(format!("{:?} is not a URL: {e}", shown())),
    }
}
