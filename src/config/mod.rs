//! The config file, its validation, and the settings in effect.
//!
//! Every setting comes from, in order of precedence: a command-line flag, the
//! environment, the config file, the built-in default. The file is TOML, at
//! `$PRELIST_CONFIG`, else `$XDG_CONFIG_HOME/prelist/config.toml`, else
//! `~/.config/prelist/config.toml`; a missing file means all defaults. Every
//! error names the file, the line and the key, and a file holding an API key
//! must be private to its owner (`chmod 600`).
//!
//! The modules, from the ground up: `values`, `toml_value` and `error` are
//! what every section shares (where a value came from, how TOML types it,
//! where a mistake is); `poll`, `sources`, `display`, `colors`, `keys` and
//! `notify` are one section each: what serde reads, its checks (the same
//! ones for a flag or a variable that sets it) and the values it gives;
//! `parse` gathers the sections, `file` reads the file, `resolve` applies
//! precedence, `describe` is what `prelist config` prints. Nothing here
//! reads global state: the environment is passed in as an [`Env`], so
//! callers (and tests) decide what it holds.

mod colors;
mod describe;
mod display;
mod env;
mod error;
mod file;
mod git;
mod keys;
mod notify;
mod parse;
mod poll;
mod portfolio;
mod resolve;
mod secret_command;
mod sources;
mod toml_value;
mod values;

pub use colors::{ColorSlot, color_name};
pub use display::Theme;
pub use env::{
    CONFIG_VAR, DATA_DIR_VAR, DEMO_KEY_VAR, EXCHANGES_VAR, Env, FALLBACK_VAR, NO_COLOR_VAR,
    PREMARKET_VAR, PRO_KEY_VAR, WEBHOOK_VAR, config_path,
};
pub use error::{ConfigError, ErrorKind, Origin};
pub use file::{MAX_FILE_SIZE, read_file};
pub use notify::{NotifyFile, NotifySettings, SecretUrl};
pub use parse::FileConfig;
pub use poll::{KeyKind, SecretKey};
pub use resolve::{FlagValues, PollPlan, Settings, load, resolve};
pub use values::{MAX_INTERVAL, Setting, Source};

/// A config file with every setting, each explained, commented out at its
/// default value: loaded as is, it gives the default settings; any
/// `# name = value` line can be uncommented as it stands.
pub fn default_file() -> &'static str {
    include_str!("../../assets/config.toml")
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::str::FromStr;

    use ratatui::style::Color;

    use super::*;
    use crate::keymap::{self, Keymap};
    use crate::market::coingecko;
    use crate::market::plan::{DEMO_MONTHLY_CALLS, MIN_INTERVAL, Plan, plan_interval};
    use crate::sources::Exchange;
    use crate::view::Column;

    #[test]
    fn the_default_file_parses_to_exactly_the_defaults() {
        let file = FileConfig::parse(default_file(), Path::new("config.toml")).unwrap();
        assert_eq!(file, FileConfig::default());
        assert_eq!(file.keymap, Keymap::default());
        let s = resolve(&FlagValues::default(), &Env::new(), None, Some(&file)).unwrap();
        assert_eq!(
            s,
            Settings {
                config_found: true,
                ..Settings::default()
            }
        );
    }

    /// The lines of the default file that the code's own tables give: a
    /// value or a description changed in the code shows up here.
    #[test]
    fn the_default_file_says_what_the_code_does() {
        let text = default_file();
        let d = Settings::default();
        let mut expected = vec![
            format!("# enabled = {}", d.poll_enabled.value),
            format!("# interval = {}", d.interval.value.as_secs()),
            format!("# monthly_calls = {DEMO_MONTHLY_CALLS}"),
            format!(
                "# ({} for up to 250 coins with a market id, {} for up to 500...). One that",
                plan_interval(Plan::Demo, 1, None).as_secs(),
                plan_interval(Plan::Demo, 2, None).as_secs()
            ),
            format!(
                "# Seconds between polls, at least {} and at most {} (a day); the same as",
                MIN_INTERVAL.as_secs(),
                MAX_INTERVAL.as_secs()
            ),
            format!("# api_url = \"{}\"", coingecko::PUBLIC_BASE),
            format!("# {} with a pro key.", coingecko::PRO_BASE),
            format!("# bell = {}", d.bell.value),
            format!(
                "# columns = [{}]",
                Column::DEFAULT.map(|c| format!("{:?}", c.key())).join(", ")
            ),
            format!("# sort = \"{}\"", d.sort.value.column.key()),
            format!("# descending = {}", d.sort.value.descending),
            format!("# theme = \"{}\"", d.theme.value.key()),
            format!("# discover_days = {}", d.discover_days.value),
            format!(
                "# exchanges = [{}]",
                d.exchanges
                    .value
                    .iter()
                    .map(|e| format!("{:?}", e.key()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "# exchange_interval = {}",
                d.exchange_interval.value.as_secs()
            ),
            format!(
                "# Seconds between looks at each exchange's list, at least {} and at most",
                crate::sources::MIN_EXCHANGE_INTERVAL.as_secs()
            ),
            format!(
                "# premarket = [{}]",
                d.premarket
                    .value
                    .iter()
                    .map(|v| format!("{:?}", v.key()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "# premarket_interval = {}",
                d.premarket_interval.value.as_secs()
            ),
            format!(
                "# hyperliquid = \"{}\"",
                crate::premarket::Venue::Hyperliquid.default_url()
            ),
            "# dex = [\"dexscreener\"]".to_string(),
            format!(
                "# dex_min_liquidity_usd = {}",
                d.dex_min_liquidity_usd.value
            ),
            format!("# dex_interval = {}", d.dex_interval.value.as_secs()),
            format!("# dexscreener = \"{}\"", crate::sources::dex::DEFAULT_URL),
        ];
        for exchange in crate::sources::Exchange::ALL {
            expected.push(format!(
                "# {} = \"{}\"",
                exchange.key(),
                exchange.default_url()
            ));
        }
        let n = d.notify.config();
        expected.extend([
            format!("# terminal = \"{}\"", n.terminal.key()),
            format!("# command = {:?}", n.command),
            format!("# webhook_format = \"{}\"", n.webhook_format.key()),
            format!("# discover = {}", d.notify.discover.value),
        ]);
        for slot in ColorSlot::ALL {
            let setting = format!("{} = {:?}", slot.key(), color_name(slot.default_color()));
            expected.push(format!("# {setting:<26} # {}", slot.describe()));
        }
        for (mode, section, title) in keymap::MODES {
            expected.push(format!("[{section}]"));
            expected.push(format!("# {title}."));
            for b in keymap::defaults(mode) {
                let keys: Vec<String> = b
                    .keys
                    .iter()
                    .map(|k| format!("{:?}", k.to_string()))
                    .collect();
                let setting = format!("{} = [{}]", b.action.name(), keys.join(", "));
                expected.push(format!("# {setting:<34} # {}", b.help));
            }
        }
        let missing: Vec<&String> = expected
            .iter()
            .filter(|line| !text.lines().any(|l| l == line.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "not in assets/config.toml: {missing:#?}"
        );
    }

    #[test]
    fn colours_name_round_trip() {
        for slot in ColorSlot::ALL {
            assert_eq!(ColorSlot::from_key(slot.key()), Some(slot));
            let c = slot.default_color();
            assert_eq!(Color::from_str(&color_name(c)), Ok(c));
        }
        for c in [
            Color::Rgb(255, 136, 0),
            Color::Indexed(12),
            Color::LightGreen,
        ] {
            assert_eq!(Color::from_str(&color_name(c)), Ok(c));
        }
    }

    #[test]
    fn a_flag_goes_through_the_files_check() {
        let flags = FlagValues {
            interval: Some(u64::MAX),
            ..FlagValues::default()
        };
        let err = resolve(&flags, &Env::new(), None, None).unwrap_err();
        let file = FileConfig::parse(
            &format!("[poll]\ninterval = {}\n", u64::MAX),
            Path::new("config.toml"),
        )
        .unwrap_err();
        assert_eq!(err.message, file.message);
        assert!(err.message.contains("give 10 to 86400 seconds"), "{err}");
    }

    #[test]
    fn the_exchanges_variable_wins_over_the_file_at_the_files_urls() {
        let file = FileConfig::parse(
            "[sources]\nexchanges = [\"kraken\"]\n[sources.url]\nokx = \"http://127.0.0.1:9\"\n",
            Path::new("config.toml"),
        )
        .unwrap();
        let s = resolve(&FlagValues::default(), &Env::new(), None, Some(&file)).unwrap();
        assert_eq!(s.exchanges.value, [Exchange::Kraken]);
        let env = Env::new().set(EXCHANGES_VAR, "OKX, binance,okx");
        let s = resolve(&FlagValues::default(), &env, None, Some(&file)).unwrap();
        assert_eq!(s.exchanges.value, [Exchange::Okx, Exchange::Binance]);
        assert_eq!(s.exchanges.source, Source::Env);
        assert_eq!(s.exchange_url(Exchange::Okx), "http://127.0.0.1:9");
        // Set and empty: none, not the file's.
        let env = Env::new().set(EXCHANGES_VAR, "");
        let s = resolve(&FlagValues::default(), &env, None, Some(&file)).unwrap();
        assert!(s.exchanges.value.is_empty());
        let env = Env::new().set(EXCHANGES_VAR, "mtgox");
        let err = resolve(&FlagValues::default(), &env, None, Some(&file)).unwrap_err();
        assert_eq!(err.origin, Origin::Env(EXCHANGES_VAR));
        assert!(err.to_string().contains("\"mtgox\""), "{err}");
    }

    #[test]
    fn the_fallback_is_on_by_default_set_by_the_file_or_the_variable_and_checked() {
        let s = resolve(&FlagValues::default(), &Env::new(), None, None).unwrap();
        assert!(s.fallback.value);
        assert_eq!(s.fallback_url(), crate::market::defillama::BASE);
        let file = FileConfig::parse(
            "[poll]\nfallback = \"off\"\n[sources.url]\ndefillama = \"http://127.0.0.1:9/llama\"\n",
            Path::new("config.toml"),
        )
        .unwrap();
        let s = resolve(&FlagValues::default(), &Env::new(), None, Some(&file)).unwrap();
        assert_eq!((s.fallback.value, s.fallback.source), (false, Source::File));
        assert_eq!(s.fallback_url(), "http://127.0.0.1:9/llama");
        let env = Env::new().set(FALLBACK_VAR, "DefiLlama");
        let s = resolve(&FlagValues::default(), &env, None, Some(&file)).unwrap();
        assert_eq!((s.fallback.value, s.fallback.source), (true, Source::Env));
        let env = Env::new().set(FALLBACK_VAR, "coinpaprika\u{1b}[2J");
        let err = resolve(&FlagValues::default(), &env, None, None).unwrap_err();
        assert_eq!(err.origin, Origin::Env(FALLBACK_VAR));
        assert!(!err.to_string().contains('\u{1b}'), "{err}");
        for (text, says) in [
            ("[poll]\nfallback = \"coinpaprika\"\n", "unknown fallback"),
            ("[poll]\nfallback = 1\n", "\"defillama\" or \"off\""),
            (
                "[sources.url]\ndefillama = \"http://example.com\"\n",
                "plain http is allowed only to 127.0.0.1",
            ),
            ("[sources.url]\ncoinpaprika = \"https://x\"\n", "defillama"),
        ] {
            let err = FileConfig::parse(text, Path::new("config.toml")).unwrap_err();
            assert!(err.to_string().contains(says), "{text}: {err}");
            assert!(err.to_string().contains("config.toml, line"), "{err}");
        }
    }

    #[test]
    fn the_data_dir_and_no_color_come_from_the_env_value() {
        assert_eq!(Env::new().data_dir(), None);
        assert_eq!(Env::new().set(DATA_DIR_VAR, "").data_dir(), None);
        let env = Env::new().set(DATA_DIR_VAR, "/data");
        assert_eq!(env.data_dir(), Some(std::ffi::OsStr::new("/data")));
        assert!(!Env::new().no_color());
        assert!(!Env::new().set(NO_COLOR_VAR, "").no_color());
        assert!(Env::new().set(NO_COLOR_VAR, "1").no_color());
        assert!(Env::VARS.contains(&DATA_DIR_VAR) && Env::VARS.contains(&NO_COLOR_VAR));
    }

    #[test]
    fn debug_never_shows_a_key() {
        let key = SecretKey::new(KeyKind::Pro, "sekrit-123").unwrap();
        assert!(!format!("{key:?}").contains("sekrit"));
        let env = Env::new().set(PRO_KEY_VAR, "sekrit-123");
        assert!(!format!("{env:?}").contains("sekrit"));
    }
}
