//! What `prelist config` prints: every setting in effect and where it came
//! from, the keys of every mode with what each does, never an API key.

use std::fmt::Write as _;

use super::colors::color_name;
use super::env::EXCHANGES_VAR;
use super::resolve::Settings;
use super::values::{Source, quoted};
use crate::keymap;
use crate::market::coingecko;
use crate::market::plan::{Plan, monthly_use};
use crate::sources::Exchange;
use crate::text::thousands;

/// A TOML list of quoted strings: `["a", "b"]`.
fn quoted_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(quoted).collect();
    format!("[{}]", items.join(", "))
}

impl Settings {
    /// [`Settings::describe_with`] without a watchlist or a state file:
    /// the interval for one request a poll, and no count of calls.
    pub fn describe(&self) -> String {
        self.describe_lines(1, None, None)
    }

    /// What `prelist config` prints: the config file, then every setting on
    /// its own line as `name = value  (from …)`, then the keys of every mode
    /// with what each does. The API key line says only
    /// whether a key is set, of which kind and from where: never the key.
    /// The interval is the one for a watchlist making `requests_per_poll`
    /// requests a poll, with what is wrong with it; `calls_this_month` is
    /// the count of the key's calls in the state file (or why it is not
    /// known); `rotate` says the key is due for rotation.
    pub fn describe_with(
        &self,
        requests_per_poll: u32,
        calls_this_month: Result<u64, String>,
        rotate: Option<String>,
    ) -> String {
        self.describe_lines(requests_per_poll, Some(calls_this_month), rotate)
    }

    fn describe_lines(
        &self,
        requests_per_poll: u32,
        calls_this_month: Option<Result<u64, String>>,
        rotate: Option<String>,
    ) -> String {
        let file = self
            .config_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let from = |source: Source, flag: &str, var: &str| match source {
            Source::Flag => format!("from flag {flag}"),
            Source::Env => format!("from environment {var}"),
            Source::File => format!("from config file {file}"),
            // The command is the file's.
            Source::Command => format!("from config file {file}"),
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
        let plan = s.poll_plan(requests_per_poll);
        let whose = match plan.plan {
            Plan::Keyless => "keyless",
            Plan::Demo => "a demo key",
            Plan::Pro => "a pro key",
        };
        let requests = match requests_per_poll {
            1 => "1 request a poll".to_string(),
            n => format!("{n} requests a poll"),
        };
        let interval_source = match (plan.interval.source, plan.budget) {
            (Source::Default, Some(budget)) => format!(
                "default for {whose}: {} of {} calls a month at {requests}",
                thousands(monthly_use(plan.interval.value, requests_per_poll)),
                thousands(budget)
            ),
            (Source::Default, None) if plan.plan == Plan::Pro => "default for a pro key".into(),
            (source, _) => from(source, "--interval", ""),
        };
        line(
            "poll.interval",
            plan.interval.value.as_secs().to_string(),
            interval_source,
        );
        let (calls, calls_source) = match (s.monthly_calls.value, plan.plan.monthly_calls()) {
            (Some(n), _) => (n.to_string(), from(s.monthly_calls.source, "", "")),
            (None, Some(n)) => (n.to_string(), format!("default for {whose}")),
            (None, None) => ("none".to_string(), "default: no limit known".to_string()),
        };
        line("poll.monthly_calls", calls, calls_source);
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
        line(
            "poll.key_rotate_days",
            s.key_rotate_days.value.to_string(),
            from(s.key_rotate_days.source, "", ""),
        );
        line(
            "poll.fallback",
            quoted(if s.fallback.value { "defillama" } else { "off" }),
            from(s.fallback.source, "", super::env::FALLBACK_VAR),
        );
        line(
            "sources.exchanges",
            quoted_list(s.exchanges.value.iter().map(|e| e.key())),
            from(s.exchanges.source, "", EXCHANGES_VAR),
        );
        line(
            "sources.exchange_interval",
            s.exchange_interval.value.as_secs().to_string(),
            from(s.exchange_interval.source, "", ""),
        );
        line(
            "sources.premarket",
            quoted_list(s.premarket.value.iter().map(|v| v.key())),
            from(s.premarket.source, "", super::env::PREMARKET_VAR),
        );
        line(
            "sources.premarket_interval",
            s.premarket_interval.value.as_secs().to_string(),
            from(s.premarket_interval.source, "", ""),
        );
        line(
            "sources.url.hyperliquid",
            quoted(&coingecko::redact_url(
                s.venue_url(crate::premarket::Venue::Hyperliquid),
            )),
            from(s.hyperliquid_url.source, "", ""),
        );
        line(
            "sources.dex",
            quoted_list(s.dex.value.iter().map(|d| d.key())),
            from(s.dex.source, "", super::env::DEX_VAR),
        );
        line(
            "sources.dex_min_liquidity_usd",
            s.dex_min_liquidity_usd.value.to_string(),
            from(s.dex_min_liquidity_usd.source, "", ""),
        );
        line(
            "sources.dex_interval",
            s.dex_interval.value.as_secs().to_string(),
            from(s.dex_interval.source, "", ""),
        );
        line(
            "sources.url.dexscreener",
            quoted(&coingecko::redact_url(s.dex_url())),
            from(s.dexscreener_url.source, "", ""),
        );
        for exchange in Exchange::ALL {
            // As with the API's URL: a mirror's may carry a password.
            line(
                &format!("sources.url.{}", exchange.key()),
                quoted(&coingecko::redact_url(s.exchange_url(exchange))),
                from(s.exchange_url_source(exchange), "", ""),
            );
        }
        line(
            "sources.url.defillama",
            quoted(&coingecko::redact_url(s.fallback_url())),
            from(s.fallback_url.source, "", ""),
        );
        line(
            "display.columns",
            quoted_list(s.columns.value.iter().map(|c| c.key())),
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
            "display.discover_days",
            s.discover_days.value.to_string(),
            from(s.discover_days.source, "", ""),
        );
        line(
            "display.theme",
            quoted(s.theme.value.key()),
            from(s.theme.source, "", ""),
        );
        line(
            "portfolio.size_usd",
            s.portfolio_size_usd.value.map_or_else(
                || "unset: sizing is off".into(),
                |d| d.normalize().to_string(),
            ),
            from(s.portfolio_size_usd.source, "", ""),
        );
        line(
            "portfolio.max_position_pct",
            s.max_position_pct.value.normalize().to_string(),
            from(s.max_position_pct.source, "", ""),
        );
        line(
            "portfolio.early_stage_pct",
            s.early_stage_pct.value.normalize().to_string(),
            from(s.early_stage_pct.source, "", ""),
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
        let key = match (&s.api_key.value, &s.api_key_command) {
            (Some(key), Some((name, program))) => {
                // `poll.api_key_command` printed `poll.api_key`.
                let name = name.trim_end_matches("_command");
                let _ = writeln!(
                    out,
                    "{name} = from command {program:?}  ({}; {})",
                    key.kind().describe(),
                    from(s.api_key.source, "", ""),
                );
                None
            }
            (Some(key), None) => Some(format!(
                "{} set  ({})",
                key.kind().describe(),
                from(s.api_key.source, "", key.kind().env_var()),
            )),
            (None, _) => Some("none  (default)".to_string()),
        };
        if let Some(key) = key {
            let _ = writeln!(out, "api key = {key}");
        }
        match calls_this_month {
            None => {}
            Some(Ok(n)) => {
                let of = plan
                    .budget
                    .map_or(String::new(), |b| format!(" of {}", thousands(b)));
                let _ = writeln!(out, "CoinGecko calls this month: {}{of}", thousands(n));
            }
            Some(Err(why)) => {
                let _ = writeln!(out, "CoinGecko calls this month: not known ({why})");
            }
        }
        let command = crate::notify::command::option_warning(&s.notify.command.value);
        for warning in plan
            .warnings
            .iter()
            .chain(&command)
            .chain(&s.secret_in_git)
            .chain(&rotate)
        {
            let _ = writeln!(out, "warning: {warning}");
        }
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
