//! The config file, its validation, and the settings in effect.
//!
//! Every setting comes from, in order of precedence: a command-line flag, the
//! environment, the config file, the built-in default. The file is TOML, at
//! `$PRELIST_CONFIG`, else `$XDG_CONFIG_HOME/prelist/config.toml`, else
//! `~/.config/prelist/config.toml`; a missing file means all defaults. Every
//! error names the file, the line and the key, and a file holding an API key
//! must be private to its owner (`chmod 600`).
//!
//! The modules: `file` reads the file, `parse` gives its sections meaning
//! (serde, then `TryFrom`), `resolve` applies precedence, `describe` is what
//! `prelist config` prints, `error` says where a mistake is. Nothing here
//! reads global state: the environment is passed in as an [`Env`], so
//! callers (and tests) decide what it holds.

mod describe;
mod env;
mod error;
mod file;
mod notify;
mod parse;
mod resolve;
mod toml_value;
mod values;

use std::time::Duration;

pub use env::{Env, config_path};
pub use error::{ConfigError, ErrorKind, Origin};
pub use file::read_file;
pub use notify::{NotifyFile, NotifySettings, SecretUrl};
pub use parse::FileConfig;
pub use resolve::{FlagValues, PollPlan, Settings, load, resolve};
pub use values::{ColorSlot, KeyKind, SecretKey, Setting, Source, Theme, color_name};

/// The variable naming the config file, overriding the usual place.
pub const CONFIG_VAR: &str = "PRELIST_CONFIG";
/// A CoinGecko demo key.
pub const DEMO_KEY_VAR: &str = "COINGECKO_API_KEY";
/// A CoinGecko pro key; wins over a demo key.
pub const PRO_KEY_VAR: &str = "COINGECKO_PRO_API_KEY";

/// The webhook URL of `[notify]`; wins over the file's.
pub const WEBHOOK_VAR: &str = "PRELIST_WEBHOOK_URL";

/// Config files larger than this are refused.
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;
/// The longest poll interval accepted: longer ones are surely a mistake, and
/// a timer that far away could overflow.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

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
    use crate::market::poller::{DEMO_MONTHLY_CALLS, MIN_INTERVAL, Plan, plan_interval};
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
                Column::ALL.map(|c| format!("{:?}", c.key())).join(", ")
            ),
            format!("# sort = \"{}\"", d.sort.value.column.key()),
            format!("# descending = {}", d.sort.value.descending),
            format!("# theme = \"{}\"", d.theme.value.key()),
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
    fn debug_never_shows_a_key() {
        let key = SecretKey::new(KeyKind::Pro, "sekrit-123").unwrap();
        assert!(!format!("{key:?}").contains("sekrit"));
        let env = Env::new().set(PRO_KEY_VAR, "sekrit-123");
        assert!(!format!("{env:?}").contains("sekrit"));
    }
}
