//! What `prelist config` prints: every setting in effect and where it came
//! from, the keys of every mode with what each does, never an API key.

use std::fmt::Write as _;

use super::resolve::Settings;
use super::values::{Source, color_name};
use crate::keymap;
use crate::market::coingecko;

/// A value as the config file writes it.
pub(super) fn quoted(s: &str) -> String {
    format!("{s:?}")
}

impl Settings {
    /// What `prelist config` prints: the config file, then every setting on
    /// its own line as `name = value  (from …)`, then the keys of every mode
    /// with what each does. The API key line says only
    /// whether a key is set, of which kind and from where: never the key.
    pub fn describe(&self) -> String {
        let file = self
            .config_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let from = |source: Source, flag: &str, var: &str| match source {
            Source::Flag => format!("from flag {flag}"),
            Source::Env => format!("from environment {var}"),
            Source::File => format!("from config file {file}"),
            Source::Default => "default".to_string(),
        };
        let mut out = String::new();
        let mut line = |name: &str, value: String, source: String| {
            let _ = writeln!(out, "{name} = {value}  ({source})");
        };
        let (config, note) = match (&self.config_path, self.config_found) {
            (Some(_), true) => (file.as_str(), "found"),
            (Some(_), false) => (file.as_str(), "not found: built-in defaults"),
            (None, _) => ("none", "no home directory"),
        };
        line("config file", config.to_string(), note.to_string());

        let s = self;
        line(
            "poll.enabled",
            s.poll_enabled.value.to_string(),
            from(s.poll_enabled.source, "--poll", ""),
        );
        line(
            "poll.interval",
            s.interval.value.as_secs().to_string(),
            from(s.interval.source, "--interval", ""),
        );
        let url_source = match (&s.api_url.value, &s.api_key.value) {
            (None, Some(key)) => format!("default for a {}", key.kind().describe()),
            _ => from(s.api_url.source, "--api-url", ""),
        };
        // A URL can carry a password or a key in its query: never shown.
        line(
            "poll.api_url",
            quoted(&coingecko::redact_url(s.api_url())),
            url_source,
        );
        line(
            "poll.bell",
            s.bell.value.to_string(),
            from(s.bell.source, "--no-bell", ""),
        );
        let columns: Vec<String> = s.columns.value.iter().map(|c| quoted(c.key())).collect();
        line(
            "display.columns",
            format!("[{}]", columns.join(", ")),
            from(s.columns.source, "", ""),
        );
        line(
            "display.sort",
            quoted(s.sort.value.column.key()),
            from(s.sort.source, "", ""),
        );
        line(
            "display.descending",
            s.sort.value.descending.to_string(),
            from(s.sort.source, "", ""),
        );
        line(
            "display.theme",
            quoted(s.theme.value.key()),
            from(s.theme.source, "", ""),
        );
        if s.colors.value.is_empty() {
            line(
                "colors",
                "the theme's own".into(),
                from(s.colors.source, "", ""),
            );
        }
        for (slot, color) in &s.colors.value {
            line(
                &format!("colors.{}", slot.key()),
                quoted(&color_name(*color)),
                from(s.colors.source, "", ""),
            );
        }
        let key = match &s.api_key.value {
            Some(key) => format!(
                "{} set  ({})",
                key.kind().describe(),
                from(s.api_key.source, "", key.kind().env_var()),
            ),
            None => "none  (default)".to_string(),
        };
        let _ = writeln!(out, "api key = {key}");
        for (name, value, source, var) in s.notify.describe() {
            let _ = writeln!(out, "{name} = {value}  ({})", from(source, "", var));
        }
        // Every key of every mode in force, with what it does: the file's
        // where it rebinds an action, else the default.
        for (mode, section, _) in keymap::MODES {
            for d in keymap::defaults(mode) {
                let keys = s.keymap.keys(mode, &d.action);
                let names: Vec<String> = keys.iter().map(|k| quoted(&k.to_string())).collect();
                let rebound = s
                    .keys
                    .value
                    .iter()
                    .any(|r| r.mode == mode && r.action == d.action);
                let source = from(
                    if rebound {
                        s.keys.source
                    } else {
                        Source::Default
                    },
                    "",
                    "",
                );
                let _ = writeln!(
                    out,
                    "{section}.{} = [{}]  ({source})  # {}",
                    d.action.name(),
                    names.join(", "),
                    d.help
                );
            }
        }
        out
    }
}
