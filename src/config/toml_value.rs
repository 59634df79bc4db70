//! The values of the file as TOML types them, each saying what it expects,
//! so a value of the wrong type is refused as "expected a whole number of
//! seconds, found a string" rather than in serde's terms. What they mean is
//! checked after, in the sections' `TryFrom`.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

/// What a value is expected to be, for messages.
pub(super) trait What {
    const WHAT: &'static str;
}

/// Markers of what a value is expected to be, each section declaring its
/// own: `what! { AUrl = "a URL in quotes"; }`.
macro_rules! what {
    ($($name:ident = $what:literal;)*) => {$(
        pub(super) struct $name;
        impl $crate::config::toml_value::What for $name {
            const WHAT: &'static str = $what;
        }
    )*};
}
pub(super) use what;

what! {
    AUrl = "a URL in quotes";
}

/// `true` or `false`.
pub(super) struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flag, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true or false")
            }
            fn visit_bool<E>(self, b: bool) -> Result<Flag, E> {
                Ok(Flag(b))
            }
        }
        d.deserialize_any(V)
    }
}

/// A whole number, however large: the range is checked later, so that the
/// message can say what range. `W` says what it counts.
pub(super) struct Whole<W>(pub i128, PhantomData<W>);

what! {
    ASeconds = "a whole number of seconds";
    ACalls = "a whole number of calls";
    ADays = "a whole number of days";
    ADollars = "a whole number of US dollars";
}

pub(super) type Seconds = Whole<ASeconds>;
pub(super) type Calls = Whole<ACalls>;
pub(super) type Days = Whole<ADays>;
pub(super) type Dollars = Whole<ADollars>;

impl<'de, W: What> Deserialize<'de> for Whole<W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Whole<W>, D::Error> {
        struct V<W>(PhantomData<W>);
        impl<W: What> Visitor<'_> for V<W> {
            type Value = Whole<W>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(W::WHAT)
            }
            fn visit_i64<E>(self, n: i64) -> Result<Whole<W>, E> {
                Ok(Whole(n.into(), PhantomData))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Whole<W>, E> {
                Ok(Whole(n.into(), PhantomData))
            }
            fn visit_i128<E>(self, n: i128) -> Result<Whole<W>, E> {
                Ok(Whole(n, PhantomData))
            }
            fn visit_u128<E: de::Error>(self, n: u128) -> Result<Whole<W>, E> {
                Ok(Whole(i128::try_from(n).unwrap_or(i128::MAX), PhantomData))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A number, whole or not (TOML types `10000` and `0.5` apart); the range
/// is checked later. `W` says what it is.
pub(super) struct Number<W>(pub f64, PhantomData<W>);

impl<'de, W: What> Deserialize<'de> for Number<W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Number<W>, D::Error> {
        struct V<W>(PhantomData<W>);
        impl<W: What> Visitor<'_> for V<W> {
            type Value = Number<W>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(W::WHAT)
            }
            fn visit_i64<E>(self, n: i64) -> Result<Number<W>, E> {
                Ok(Number(n as f64, PhantomData))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Number<W>, E> {
                Ok(Number(n as f64, PhantomData))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Number<W>, E> {
                Ok(Number(n, PhantomData))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A string, expected to be `W`.
pub(super) struct Text<W>(pub String, PhantomData<W>);

impl<'de, W: What> Deserialize<'de> for Text<W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text<W>, D::Error> {
        struct V<W>(PhantomData<W>);
        impl<W: What> Visitor<'_> for V<W> {
            type Value = Text<W>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(W::WHAT)
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<W>, E> {
                Ok(Text(s.to_string(), PhantomData))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A list of strings, each `W`; with `one`, a single string is a list of
/// one. `LIST` says what is expected.
pub(super) struct List<W, L> {
    /// The items, each with where it is; `None`: the single string form,
    /// whose place is the value's.
    pub items: Vec<(String, Option<std::ops::Range<usize>>)>,
    what: PhantomData<(W, L)>,
}

/// How a list is written, for messages.
pub(super) trait ListForm {
    const WHAT: &'static str;
    /// Whether a single string stands for a list of one.
    const ONE: bool;
}

/// Markers of how a list is written, each section declaring its own:
/// `list_form! { Keys = "a key or a list of keys", one; }` (a single string
/// stands for a list of one), `Columns = "a list of column names";` (not).
macro_rules! list_form {
    (@one) => { false };
    (@one one) => { true };
    ($($name:ident = $what:literal $(, $one:ident)?;)*) => {$(
        pub(super) struct $name;
        impl $crate::config::toml_value::ListForm for $name {
            const WHAT: &'static str = $what;
            const ONE: bool = list_form!(@one $($one)?);
        }
    )*};
}
pub(super) use list_form;

impl<'de, W: What, L: ListForm> Deserialize<'de> for List<W, L> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<List<W, L>, D::Error> {
        struct V<W, L>(PhantomData<(W, L)>);
        impl<'de, W: What, L: ListForm> Visitor<'de> for V<W, L> {
            type Value = List<W, L>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(L::WHAT)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<List<W, L>, E> {
                if !L::ONE {
                    return Err(E::invalid_type(de::Unexpected::Str(s), &self));
                }
                Ok(List {
                    items: vec![(s.to_string(), None)],
                    what: PhantomData,
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<W, L>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Text<W>>>()? {
                    let span = item.span();
                    items.push((item.into_inner().0, Some(span)));
                }
                Ok(List {
                    items,
                    what: PhantomData,
                })
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A section whose keys are not fixed (`[colors]`, `[keys]`): its entries
/// in the file's order.
pub(super) struct Table<T>(pub Vec<(Spanned<String>, Spanned<T>)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Table<T>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Table<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a section")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Table<T>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<Spanned<String>, Spanned<T>>()? {
                    entries.push(entry);
                }
                entries.sort_by_key(|(k, _)| k.span().start);
                Ok(Table(entries))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}
