//! The names enums go by in files, the config, JSON and on the command
//! line. Each such enum derives them with strum (`IntoStaticStr` to name a
//! variant, `EnumString` to parse one, one `serialize_all` rule, and serde's
//! matching `rename_all` where it is serialised), so every name is written
//! once: as the variant. Names meant for people (`Exchange::name`, a
//! column's title) are not derived: they differ from the keys.

/// Every variant of `T` in declaration order, as an array: strum's
/// `VARIANTS` is a slice, and an array can be mapped (`ALL.map(T::key)`)
/// and can size other arrays. `N` is strum's `EnumCount::COUNT`; any other
/// `N` stops the build where the array is used.
pub const fn all<T: strum::VariantArray + Copy, const N: usize>() -> [T; N] {
    match T::VARIANTS.as_array() {
        Some(all) => *all,
        None => panic!("N is not the number of variants"),
    }
}
