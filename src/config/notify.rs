//! `[notify]`: how events reach the user. The terminal's own notifications,
//! a command run for each event, and a webhook, whose URL is a secret like
//! the API key: `PRELIST_WEBHOOK_URL` wins over the file, a file holding
//! one must be private to its owner, and it is never printed.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::env::{Env, WEBHOOK_VAR};
use super::error::{Bad, ConfigError, Origin};
use super::secret_command::{self, SecretCommand};
use super::toml_value::{Flag, List, Text, list_form, what};
use super::values::{Setting, Source, quoted};
use crate::notify::{NotifyConfig, TerminalMode, WebhookFormat};

what! {
    ATerminal = "a terminal notification kind in quotes";
    AFormat = "a webhook format in quotes";
    AnArgument = "an argument in quotes";
    AWebhook = "the webhook URL in quotes";
}

list_form! {
    Argv = "a list of strings: the program, then its arguments";
}

/// A command as the file gives it: the program, then its arguments.
pub(super) type RawCommand = Spanned<List<AnArgument, Argv>>;

/// A command of the file, checked: no NUL in any argument, and a program.
pub(super) fn argv(list: RawCommand, key: &str) -> Result<Vec<String>, Bad> {
    let whole = list.span();
    let items = list.into_inner().items;
    if let Some((_, span)) = items.iter().find(|(arg, _)| arg.contains('\0')) {
        let span = span.clone().unwrap_or_else(|| whole.clone());
        return Err(Bad::new(
            key,
            span,
            "an argument cannot hold a NUL character",
        ));
    }
    if items
        .first()
        .is_some_and(|(program, _)| program.trim().is_empty())
    {
        return Err(Bad::new(
            key,
            whole,
            "the first item is the program to run: it cannot be empty",
        ));
    }
    Ok(items.into_iter().map(|(arg, _)| arg).collect())
}

/// `[notify]` as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a section")]
pub(super) struct RawNotify {
    terminal: Option<Spanned<Text<ATerminal>>>,
    command: Option<RawCommand>,
    webhook: Option<Spanned<Text<AWebhook>>>,
    webhook_command: Option<RawCommand>,
    webhook_format: Option<Spanned<Text<AFormat>>>,
    discover: Option<Flag>,
}

/// What `[notify]` sets, checked; `None` where it is silent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyFile {
    pub terminal: Option<TerminalMode>,
    /// An empty list turns the command off.
    pub command: Option<Vec<String>>,
    pub webhook: Option<SecretUrl>,
    pub webhook_format: Option<WebhookFormat>,
    /// Where the webhook URL is, for the permission check.
    pub(super) webhook_at: Option<Range<usize>>,
    /// The command that prints the webhook URL, and where it is.
    pub(super) webhook_command: Option<(Vec<String>, Range<usize>)>,
    /// Tell each new row of Discover (`discovered` events).
    pub discover: Option<bool>,
}

impl TryFrom<RawNotify> for NotifyFile {
    type Error = Bad;

    fn try_from(raw: RawNotify) -> Result<NotifyFile, Bad> {
        let terminal = Bad::check(raw.terminal, "terminal", |t| {
            TerminalMode::from_key(&t.0).ok_or_else(|| {
                format!(
                    "unknown terminal notification {:?} (one of {})",
                    t.0,
                    TerminalMode::ALL.map(TerminalMode::key).join(", ")
                )
            })
        })?;
        let webhook_format = Bad::check(raw.webhook_format, "webhook_format", |f| {
            WebhookFormat::from_key(&f.0).ok_or_else(|| {
                format!(
                    "unknown webhook format {:?} (one of {})",
                    f.0,
                    WebhookFormat::ALL.map(WebhookFormat::key).join(", ")
                )
            })
        })?;
        let command = raw.command.map(|c| argv(c, "command")).transpose()?;
        let webhook_command = match raw.webhook_command {
            None => None,
            Some(c) => {
                let span = c.span();
                let argv = argv(c, "webhook_command")?;
                // An empty list, as for `command`, turns it off.
                (!argv.is_empty()).then_some((argv, span))
            }
        };
        if webhook_command.is_some()
            && raw
                .webhook
                .as_ref()
                .is_some_and(|u| !u.get_ref().0.trim().is_empty())
        {
            let span = webhook_command.as_ref().map_or(0..0, |(_, s)| s.clone());
            return Err(Bad::new(
                "webhook_command",
                span,
                "give webhook or webhook_command, not both",
            ));
        }
        let (webhook, webhook_at) = match raw.webhook {
            Some(url) if !url.get_ref().0.trim().is_empty() => {
                let span = url.span();
                let url = SecretUrl::new(&url.get_ref().0)
                    .map_err(|m| Bad::new("webhook", span.clone(), m))?;
                (Some(url), Some(span))
            }
            _ => (None, None),
        };
        Ok(NotifyFile {
            terminal,
            command,
            webhook,
            webhook_format,
            webhook_at,
            webhook_command,
            discover: raw.discover.map(|f| f.0),
        })
    }
}

/// The `[notify]` settings in effect, each with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifySettings {
    pub terminal: Setting<TerminalMode>,
    /// Empty: no command.
    pub command: Setting<Vec<String>>,
    pub webhook: Setting<Option<SecretUrl>>,
    /// With the URL from a command: its program.
    pub webhook_command: Option<String>,
    pub webhook_format: Setting<WebhookFormat>,
    /// Tell each new scheduled or pre-market row of Discover.
    pub discover: Setting<bool>,
}

impl Default for NotifySettings {
    fn default() -> NotifySettings {
        NotifySettings {
            terminal: Setting::builtin(TerminalMode::default()),
            command: Setting::builtin(Vec::new()),
            webhook: Setting::builtin(None),
            webhook_command: None,
            webhook_format: Setting::builtin(WebhookFormat::default()),
            discover: Setting::builtin(false),
        }
    }
}

impl NotifySettings {
    /// The file's settings, with the webhook URL of `PRELIST_WEBHOOK_URL`
    /// winning over the file's. Fails, without quoting it, on a URL in the
    /// environment that cannot be used.
    pub(super) fn resolve(
        env: &Env,
        f: &NotifyFile,
        webhook_command: Option<&SecretCommand>,
        config_path: Option<&Path>,
    ) -> Result<NotifySettings, ConfigError> {
        let mut s = NotifySettings::default();
        if let Some(terminal) = f.terminal {
            s.terminal = Setting::new(terminal, Source::File);
        }
        if let Some(command) = &f.command {
            s.command = Setting::new(command.clone(), Source::File);
        }
        if let Some(url) = env.var(WEBHOOK_VAR) {
            let url = SecretUrl::new(url)
                .map_err(|m| ConfigError::outside(Origin::Env(WEBHOOK_VAR), m))?;
            s.webhook = Setting::new(Some(url), Source::Env);
        } else if let Some(url) = &f.webhook {
            s.webhook = Setting::new(Some(url.clone()), Source::File);
        } else if let Some(command) = webhook_command {
            let secret = command.secret(config_path, secret_command::TIMEOUT)?;
            let url = SecretUrl::new(&secret).map_err(|m| {
                command.error(
                    config_path,
                    format!(
                        "the command {:?} printed a URL that cannot be used: {m}",
                        command.program()
                    ),
                )
            })?;
            s.webhook = Setting::new(Some(url), Source::Command);
            s.webhook_command = Some(command.program());
        }
        if let Some(format) = f.webhook_format {
            s.webhook_format = Setting::new(format, Source::File);
        }
        if let Some(discover) = f.discover {
            s.discover = Setting::new(discover, Source::File);
        }
        Ok(s)
    }

    /// What the channels need.
    pub fn config(&self) -> NotifyConfig {
        NotifyConfig {
            terminal: self.terminal.value,
            command: self.command.value.clone(),
            webhook: self.webhook.value.clone(),
            webhook_format: self.webhook_format.value,
        }
    }

    /// The lines of `prelist config`: name, value as the file writes it,
    /// source, and the variable it can come from. The webhook says only
    /// whether one is set.
    pub(super) fn describe(&self) -> [(&'static str, String, Source, &'static str); 5] {
        let command: Vec<String> = self.command.value.iter().map(|a| quoted(a)).collect();
        let webhook = match (&self.webhook.value, &self.webhook_command) {
            (Some(_), Some(program)) => format!("from command {program:?}"),
            (Some(_), None) => "set".to_string(),
            (None, _) => "none".to_string(),
        };
        [
            (
                "notify.terminal",
                quoted(self.terminal.value.key()),
                self.terminal.source,
                "",
            ),
            (
                "notify.command",
                format!("[{}]", command.join(", ")),
                self.command.source,
                "",
            ),
            ("notify.webhook", webhook, self.webhook.source, WEBHOOK_VAR),
            (
                "notify.webhook_format",
                quoted(self.webhook_format.value.key()),
                self.webhook_format.source,
                "",
            ),
            (
                "notify.discover",
                self.discover.value.to_string(),
                self.discover.source,
                "",
            ),
        ]
    }
}

/// A webhook URL, checked to be https, or plain http to this machine (a
/// loopback address or `localhost`): anything else would send the secret,
/// and every event, where others can read them. Its `Debug` never shows
/// the URL, nor does any message here: the path of a webhook URL is the
/// secret (an ntfy topic, a Discord or Slack token).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(url::Url);

impl SecretUrl {
    pub fn new(text: &str) -> Result<SecretUrl, String> {
        let url = url::Url::parse(text.trim())
            .map_err(|e| format!("the webhook URL is not a URL ({e})"))?;
        match url.scheme() {
            _ if !url.has_host() => Err("the webhook URL has no host".to_string()),
            "https" => Ok(SecretUrl(url)),
            "http" if crate::market::http::is_loopback(&url) => Ok(SecretUrl(url)),
            "http" => Err(
                "the webhook URL must be https (plain http is allowed to this machine only)"
                    .to_string(),
            ),
            _ => Err("the webhook URL must be an https URL".to_string()),
        }
    }

    /// The URL itself. Never print it.
    pub fn expose(&self) -> &url::Url {
        &self.0
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretUrl([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_and_never_quoted() {
        for ok in [
            "https://ntfy.sh/my-topic",
            "http://127.0.0.1:8080/hook",
            "http://localhost/x",
            "http://[::1]:9/x",
        ] {
            assert!(SecretUrl::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://ntfy.sh/sekrit-topic",
            "ftp://host/sekrit-topic",
            "sekrit-topic",
            "file:///sekrit-topic",
            "http://10.0.0.1/sekrit-topic",
        ] {
            let err = SecretUrl::new(bad).expect_err(bad);
            assert!(!err.contains("sekrit"), "{err}");
        }
        let url = SecretUrl::new("https://ntfy.sh/sekrit-topic").unwrap();
        assert!(!format!("{url:?}").contains("sekrit"));
    }
}
