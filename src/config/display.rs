//! `[display]`: which columns, in which order, sorted how, in which theme.

use std::ops::Range;

use serde::Deserialize;
use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};
use toml::Spanned;

use super::error::Bad;
use super::toml_value::{Flag, List, Text, list_form, what};
use crate::names;
use crate::view::Column;

what! {
    AColumn = "a column name in quotes";
    ATheme = "a theme name in quotes";
}

list_form! {
    Columns = "a list of column names";
}

/// `[display]` as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a section")]
pub(super) struct RawDisplay {
    columns: Option<Spanned<List<AColumn, Columns>>>,
    sort: Option<Spanned<Text<AColumn>>>,
    descending: Option<Spanned<Flag>>,
    theme: Option<Spanned<Text<ATheme>>>,
    discover_days: Option<Spanned<super::toml_value::Days>>,
}

/// What `[display]` sets, checked; `None` where it is silent.
#[derive(Default)]
pub(super) struct DisplayFile {
    /// Always holds [`Column::Name`], each column at most once.
    pub(super) columns: Option<Vec<Column>>,
    pub(super) sort: Option<Column>,
    pub(super) descending: Option<bool>,
    pub(super) theme: Option<Theme>,
    /// How long a new listing stays a row of Discover.
    pub(super) discover_days: Option<u32>,
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

impl TryFrom<RawDisplay> for DisplayFile {
    type Error = Bad;

    fn try_from(raw: RawDisplay) -> Result<DisplayFile, Bad> {
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
        let theme = Bad::check(raw.theme, "theme", |t| {
            Theme::from_key(&t.0).ok_or_else(|| {
                format!(
                    "unknown theme {:?} (the themes are {})",
                    t.0,
                    Theme::ALL.map(Theme::key).join(", ")
                )
            })
        })?;
        Ok(DisplayFile {
            columns,
            sort,
            descending: raw.descending.map(|b| b.into_inner().0),
            theme,
            discover_days: Bad::check(raw.discover_days, "discover_days", |d| {
                u32::try_from(d.0)
                    .ok()
                    .filter(|n| (1..=365).contains(n))
                    .ok_or_else(|| format!("{} is not a number of days from 1 to 365", d.0))
            })?,
        })
    }
}

/// The colour scheme.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, EnumString, IntoStaticStr, VariantArray, EnumCount,
)]
#[strum(serialize_all = "lowercase")]
pub enum Theme {
    /// The colours of `ui::theme`.
    #[default]
    Default,
    /// No colours: bold and reverse video only, for monochrome terminals
    /// and for those who prefer it.
    Mono,
}

impl Theme {
    pub const ALL: [Theme; Theme::COUNT] = names::all();

    /// The name used in the config file.
    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn from_key(key: &str) -> Option<Theme> {
        key.parse().ok()
    }
}
