//! Money: currencies, per-currency amount maps and exact ratios.
//!
//! Amounts are `i64` in the currency's minor unit (cents for `usd`), exactly as
//! Stripe sends them. Nothing here uses floating point: ratios are
//! [`rust_decimal::Decimal`] and cushions are computed with integer arithmetic,
//! rounded up.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::error::{CurrencyError, RatioError};

/// A currency code: three ASCII letters, stored lowercase.
///
/// Stripe writes ISO 4217 codes in lowercase (`usd`); debits may name the
/// currency in any case. Both are folded to lowercase here so that comparisons
/// are plain equality. The code is not checked against the ISO list: a
/// well-formed code the gate has never heard of simply matches nothing.
///
/// ```
/// use fundsgate::Currency;
/// let usd: Currency = "USD".parse()?;
/// assert_eq!(usd.as_str(), "usd");
/// assert!("US".parse::<Currency>().is_err());
/// # Ok::<(), fundsgate::CurrencyError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Validates and case-folds a currency code.
    ///
    /// # Errors
    ///
    /// [`CurrencyError`] when `code` is not exactly three ASCII letters.
    pub fn new(code: &str) -> Result<Self, CurrencyError> {
        Currency::from_ascii(code.as_bytes()).ok_or_else(|| CurrencyError {
            found: code.to_owned(),
        })
    }

    /// The currency for three ASCII letters, in any case.
    pub(crate) fn from_ascii(code: &[u8]) -> Option<Self> {
        match *code {
            [a, b, c] if [a, b, c].iter().all(u8::is_ascii_alphabetic) => Some(Currency([
                a.to_ascii_lowercase(),
                b.to_ascii_lowercase(),
                c.to_ascii_lowercase(),
            ])),
            _ => None,
        }
    }

    /// The lowercase code, e.g. `"usd"`.
    pub fn as_str(&self) -> &str {
        // The bytes are ASCII letters by construction, so this never fails;
        // the fallback only exists to avoid a panic path.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Currency;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a currency code of 3 ASCII letters")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Currency, E> {
                Currency::new(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// A value that can sit in a [`CurrencyMap`]: an `i64` balance (may be
/// negative) or a `u64` limit (never negative).
///
/// Both read only JSON integers: `6000.0`, `"6000"` and `1e3` are rejected, as
/// is anything outside the type's range.
pub trait MinorUnits: Copy + Default + Eq + fmt::Debug + Serialize + sealed::Sealed {
    #[doc(hidden)]
    fn from_i64(v: i64) -> Option<Self>;
    #[doc(hidden)]
    fn from_u64(v: u64) -> Option<Self>;
    #[doc(hidden)]
    const RANGE: &'static str;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for i64 {}
    impl Sealed for u64 {}
}

impl MinorUnits for i64 {
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    const RANGE: &'static str = "an integer amount in i64 range";
}

impl MinorUnits for u64 {
    fn from_i64(v: i64) -> Option<Self> {
        u64::try_from(v).ok()
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v)
    }
    const RANGE: &'static str = "a non-negative integer amount";
}

/// Deserializes a strict JSON integer into `T`, with messages that say what
/// was found instead (`expected an integer amount in i64 range, found 6000.5`).
pub(crate) struct Strict<T>(pub T);

impl<'de, T: MinorUnits> Deserialize<'de> for Strict<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor::<T>(std::marker::PhantomData))
            .map(Strict)
    }
}

struct StrictVisitor<T>(std::marker::PhantomData<T>);

impl<T: MinorUnits> StrictVisitor<T> {
    fn found<E: de::Error>(what: fmt::Arguments<'_>) -> E {
        E::custom(format_args!("expected {}, found {}", T::RANGE, what))
    }
}

impl<'de, T: MinorUnits> Visitor<'de> for StrictVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::RANGE)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_i64(v).ok_or_else(|| Self::found(format_args!("{v}")))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_u64(v).ok_or_else(|| Self::found(format_args!("{v}")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // Debug keeps the decimal point: `6000.0`, not `6000`.
        Err(Self::found(format_args!("the float {v:?}")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Err(Self::found(format_args!("the string {v:?}")))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Err(Self::found(format_args!("{v}")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Err(Self::found(format_args!("null")))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        Err(Self::found(format_args!("an array")))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        Err(Self::found(format_args!("an object")))
    }
}

/// Amounts per currency, as in Stripe's `{"usd": 6000, "eur": 120}`.
///
/// Keys are validated [`Currency`] codes and unique after case folding
/// (`"usd"` and `"USD"` in one map is an error, not a silent overwrite). A
/// `null` value reads as if the currency were absent. Entries are kept sorted
/// by currency, so iteration and serialization order are stable.
///
/// ```
/// use fundsgate::{Currency, CurrencyMap};
/// let usd = Currency::new("usd")?;
/// let map = CurrencyMap::from_pairs([(usd, 6000_i64)])?;
/// assert_eq!(map.get(usd), Some(6000));
/// assert!(map.try_insert(usd, 1).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Up to [`CurrencyMap::INLINE`] currencies are stored inline, so that reading
/// a typical account (one currency) allocates nothing for its maps.
#[derive(Clone)]
pub struct CurrencyMap<V> {
    entries: Entries<V>,
}

#[derive(Clone)]
enum Entries<V> {
    /// `items[..len]` are the entries; the rest are placeholders, never read.
    Inline {
        len: usize,
        items: [(Currency, V); INLINE],
    },
    Heap(Vec<(Currency, V)>),
}

const INLINE: usize = 2;

/// Fills unused inline slots; never visible through the API.
const PLACEHOLDER: Currency = Currency([0; 3]);

impl<V: Copy + Default> Default for CurrencyMap<V> {
    fn default() -> Self {
        CurrencyMap {
            entries: Entries::Inline {
                len: 0,
                items: [(PLACEHOLDER, V::default()); INLINE],
            },
        }
    }
}

impl<V: Copy + Default> CurrencyMap<V> {
    /// How many currencies fit without a heap allocation.
    pub const INLINE: usize = INLINE;

    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a map from pairs, refusing a currency that appears twice.
    ///
    /// # Errors
    ///
    /// [`DuplicateCurrency`](crate::DuplicateCurrency) naming the repeated code.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (Currency, V)>,
    ) -> Result<Self, crate::DuplicateCurrency> {
        let mut map = CurrencyMap::new();
        for (ccy, v) in pairs {
            map.insert_new(ccy, v)?;
        }
        Ok(map)
    }

    /// Returns the map with `ccy` added, or an error when it is already there.
    ///
    /// # Errors
    ///
    /// [`DuplicateCurrency`](crate::DuplicateCurrency) when `ccy` is present.
    pub fn try_insert(mut self, ccy: Currency, value: V) -> Result<Self, crate::DuplicateCurrency> {
        self.insert_new(ccy, value)?;
        Ok(self)
    }

    pub(crate) fn insert_new(
        &mut self,
        ccy: Currency,
        value: V,
    ) -> Result<(), crate::DuplicateCurrency> {
        if self.get(ccy).is_some() {
            return Err(crate::DuplicateCurrency { currency: ccy });
        }
        match &mut self.entries {
            Entries::Inline { len, items } if *len < INLINE => {
                if let Some(slot) = items.get_mut(*len) {
                    *slot = (ccy, value);
                }
                *len = len.saturating_add(1);
                if let Some(used) = items.get_mut(..*len) {
                    used.sort_unstable_by_key(|&(c, _)| c);
                }
            }
            Entries::Inline { .. } => {
                let mut heap = Vec::with_capacity(INLINE.saturating_mul(2));
                heap.extend_from_slice(self.as_slice());
                heap.push((ccy, value));
                heap.sort_unstable_by_key(|&(c, _)| c);
                self.entries = Entries::Heap(heap);
            }
            Entries::Heap(heap) => {
                heap.push((ccy, value));
                heap.sort_unstable_by_key(|&(c, _)| c);
            }
        }
        Ok(())
    }
}

impl<V: Copy> CurrencyMap<V> {
    fn as_slice(&self) -> &[(Currency, V)] {
        match &self.entries {
            Entries::Inline { len, items } => items.get(..*len).unwrap_or_default(),
            Entries::Heap(heap) => heap,
        }
    }

    /// The amount for `ccy`, if the map has one.
    pub fn get(&self, ccy: Currency) -> Option<V> {
        self.as_slice()
            .iter()
            .find(|(c, _)| *c == ccy)
            .map(|&(_, v)| v)
    }

    /// The entries in currency order.
    pub fn iter(&self) -> impl Iterator<Item = (Currency, V)> + '_ {
        self.as_slice().iter().copied()
    }

    /// The number of currencies.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether the map holds no currency.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }
}

impl<V: Copy + PartialEq> PartialEq for CurrencyMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<V: Copy + Eq> Eq for CurrencyMap<V> {}

impl<V: Copy + fmt::Debug> fmt::Debug for CurrencyMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V: MinorUnits> Serialize for CurrencyMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (c, v) in self.iter() {
            m.serialize_entry(c.as_str(), &v)?;
        }
        m.end()
    }
}

impl<'de, V: MinorUnits> Deserialize<'de> for CurrencyMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: MinorUnits> Visitor<'de> for MapVisitor<V> {
            type Value = CurrencyMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of currency codes to integer amounts")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = CurrencyMap::new();
                // Currencies whose amount was null: absent from the map, but
                // still part of the duplicate check. `Vec::new` does not
                // allocate until a null shows up.
                let mut nulls: Vec<Currency> = Vec::new();
                while let Some(ccy) = access.next_key::<Currency>()? {
                    let value = access.next_value::<Option<Strict<V>>>()?;
                    if nulls.contains(&ccy) || map.get(ccy).is_some() {
                        return Err(de::Error::custom(format_args!(
                            "currency `{ccy}` appears twice (codes are compared case-insensitively)"
                        )));
                    }
                    match value {
                        Some(Strict(v)) => map.insert_new(ccy, v).map_err(de::Error::custom)?,
                        None => nulls.push(ccy),
                    }
                }
                Ok(map)
            }
        }
        d.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

/// An exact, non-negative fraction of an amount, from `0` to `10`
/// inclusive, with at most [`Ratio::MAX_SCALE`] decimal places.
///
/// Policy cushions are ratios: `"0.05"` asks for 5 % of the debit on top. The
/// value is a [`Decimal`], read from a JSON string or from the literal digits of
/// a JSON number, so `0.1` is one tenth, not the nearest binary float.
/// [`Ratio::cushion`] multiplies an amount and rounds **up**, always.
///
/// ```
/// use fundsgate::Ratio;
/// let r: Ratio = "0.015".parse()?;
/// assert_eq!(r.cushion(1001), Some(16)); // 15.015 rounds up to 16
/// assert_eq!(r.cushion(1000), Some(15)); // exact: no rounding
/// # Ok::<(), fundsgate::RatioError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ratio(Decimal);

impl Ratio {
    /// The zero ratio: no cushion.
    pub const ZERO: Ratio = Ratio(Decimal::ZERO);

    /// The largest ratio accepted, `10` (a cushion of ten times the amount).
    pub const MAX: Decimal = Decimal::TEN;

    /// The most decimal places a ratio may carry after trailing zeros are
    /// dropped. Eighteen keeps [`Ratio::cushion`] exact in 128-bit integers for
    /// every `i64` amount.
    pub const MAX_SCALE: u32 = 18;

    /// Validates a ratio.
    ///
    /// # Errors
    ///
    /// [`RatioError`] when `value` is negative, above 10, or has more than
    /// [`Ratio::MAX_SCALE`] decimal places.
    pub fn new(value: Decimal) -> Result<Self, RatioError> {
        let value = value.normalize();
        if value.is_sign_negative() && !value.is_zero() {
            return Err(RatioError::OutOfRange(value.to_string()));
        }
        if value > Self::MAX {
            return Err(RatioError::OutOfRange(value.to_string()));
        }
        if value.scale() > Self::MAX_SCALE {
            return Err(RatioError::TooPrecise(value.to_string()));
        }
        // `normalize` keeps the sign of a negative zero; store a plain zero.
        Ok(Ratio(if value.is_zero() {
            Decimal::ZERO
        } else {
            value
        }))
    }

    /// The ratio as a decimal.
    pub fn get(&self) -> Decimal {
        self.0
    }

    /// `ceil(amount × self)` for a non-negative amount, exactly; `None` when
    /// `amount` is negative or the result does not fit an `i64`.
    pub fn cushion(&self, amount: i64) -> Option<i64> {
        let amount = u128::try_from(amount).ok()?;
        // self = mantissa / 10^scale with mantissa ≤ 10 × 10^18 and
        // scale ≤ 18, so the product is below 9.3 × 10^37 < u128::MAX.
        let mantissa = u128::try_from(self.0.mantissa()).ok()?;
        let denominator = 10_u128.checked_pow(self.0.scale())?;
        let product = amount.checked_mul(mantissa)?;
        let whole = product.checked_div(denominator)?;
        let rem = product.checked_rem(denominator)?;
        let rounded = if rem == 0 {
            whole
        } else {
            whole.checked_add(1)?
        };
        i64::try_from(rounded).ok()
    }

    /// Parses a ratio from the text of a JSON number or string content, e.g.
    /// `0.05`, `5e-2` or `"0.05"`'s inner `0.05`.
    fn parse_literal(text: &str) -> Result<Self, RatioError> {
        let value = if text.contains(['e', 'E']) {
            Decimal::from_scientific(text)
        } else {
            Decimal::from_str_exact(text)
        }
        .map_err(|_| RatioError::NotADecimal(text.to_owned()))?;
        Ratio::new(value)
    }
}

impl FromStr for Ratio {
    type Err = RatioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ratio::parse_literal(s.trim())
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ratio({})", self.0)
    }
}

impl Serialize for Ratio {
    /// A decimal string, e.g. `"0.05"`, so that no reader rounds it.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Ratio {
    /// Reads a JSON string (`"0.05"`) or a JSON number (`0.05`). The number's
    /// literal text is read through [`serde_json::value::RawValue`] so that it
    /// never passes through a float; this impl therefore expects a
    /// `serde_json` deserializer.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        let text = raw.get();
        if text.starts_with('"') {
            let inner: String = serde_json::from_str(text).map_err(de::Error::custom)?;
            inner.parse().map_err(de::Error::custom)
        } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            Ratio::parse_literal(text).map_err(de::Error::custom)
        } else {
            Err(de::Error::custom(format_args!(
                "expected a decimal ratio as a string or number, found {text}"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::Error as ValueError;

    fn strict<T: MinorUnits>(d: impl Deserializer<'static, Error = ValueError>) -> Option<T> {
        Strict::<T>::deserialize(d).ok().map(|Strict(v)| v)
    }

    /// serde_json hands positive integers to `visit_u64`, but other formats
    /// (TOML, say) use `visit_i64`: both must read them.
    #[test]
    fn amounts_read_from_either_integer_visitor() {
        assert_eq!(strict::<u64>(5_i64.into_deserializer()), Some(5));
        assert_eq!(strict::<u64>((-5_i64).into_deserializer()), None);
        assert_eq!(strict::<u64>(u64::MAX.into_deserializer()), Some(u64::MAX));
        assert_eq!(strict::<i64>(u64::MAX.into_deserializer()), None);
        assert_eq!(strict::<i64>((-7_i64).into_deserializer()), Some(-7));
        assert_eq!(strict::<i64>(7_u64.into_deserializer()), Some(7));
        assert_eq!(strict::<i64>(1.5_f64.into_deserializer()), None);
    }

    /// What no JSON document reaches (a bare null, bytes) still errors and
    /// says what was expected.
    #[test]
    fn other_shapes_are_errors_that_say_what_was_expected() {
        let unit = Strict::<i64>::deserialize(().into_deserializer())
            .err()
            .map(|e: ValueError| e.to_string());
        assert_eq!(
            unit.as_deref(),
            Some("expected an integer amount in i64 range, found null")
        );
        let bytes = serde::de::value::BytesDeserializer::<ValueError>::new(b"12");
        let err = Strict::<u64>::deserialize(bytes)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("invalid type: byte array, expected a non-negative integer amount")
        );
    }
}
