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
#[derive(Clone, Copy, Eq)]
pub struct Currency([u8; 3]);

impl std::hash::Hash for Currency {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

// Comparisons are written out so that the unit tests can count them
// (`comparisons::count`): reading a map must take O(n log n) of them.
impl PartialEq for Currency {
    fn eq(&self, other: &Self) -> bool {
        #[cfg(test)]
        comparisons::tick();
        self.0 == other.0
    }
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Currency {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        #[cfg(test)]
        comparisons::tick();
        self.0.cmp(&other.0)
    }
}

/// Test-only: how many currency comparisons this thread has made.
#[cfg(test)]
pub(crate) mod comparisons {
    use std::cell::Cell;

    thread_local!(static COUNT: Cell<u64> = const { Cell::new(0) });

    pub(crate) fn tick() {
        COUNT.with(|c| c.set(c.get().saturating_add(1)));
    }

    /// The comparisons `f` makes on this thread.
    pub(crate) fn count(f: impl FnOnce()) -> u64 {
        let before = COUNT.with(Cell::get);
        f();
        COUNT.with(Cell::get).saturating_sub(before)
    }
}

impl Currency {
    /// US dollars, `usd` (the only currency of Plaid Signal's amounts).
    pub(crate) const USD: Currency = Currency(*b"usd");

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
        #[expect(
            clippy::expect_used,
            reason = "the bytes are ASCII letters: `from_ascii` is the only constructor"
        )]
        std::str::from_utf8(&self.0).expect("a currency code is ASCII by construction")
    }

    /// The three lowercase ASCII letters.
    pub fn as_bytes(&self) -> [u8; 3] {
        self.0
    }

    /// The number of minor-unit digits ISO 4217 gives this currency (2 for
    /// USD, 0 for JPY, 3 for KWD), from the `iso_currency` table; `None` for
    /// a code the table does not know, or one without minor units (gold).
    pub fn iso_exponent(&self) -> Option<u32> {
        let upper = self.as_bytes().map(|b| b.to_ascii_uppercase());
        let iso = iso_currency::Currency::from_code(std::str::from_utf8(&upper).ok()?)?;
        iso.exponent().map(u32::from)
    }

    /// The code's place among the 26³ possible codes, `0..17_576`.
    fn index(self) -> usize {
        self.0.iter().fold(0, |n, &c| {
            n.saturating_mul(26)
                .saturating_add(usize::from(c.saturating_sub(b'a')))
        })
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

impl<T: MinorUnits> Serialize for Strict<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

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
/// by currency, so iteration and serialization order are stable and a look-up
/// is a binary search.
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
/// a typical account (one currency) allocates nothing for its maps. Reading a
/// map of `n` currencies (from JSON or [`CurrencyMap::from_pairs`]) takes
/// `O(n log n)` time whatever the order of its keys: duplicates are found with
/// a set indexed by the code, and the entries are sorted once at the end.
#[derive(Clone)]
pub struct CurrencyMap<V> {
    entries: Entries<V>,
}

#[derive(Clone)]
enum Entries<V> {
    /// `items[..len]` are the entries, `len ≤ INLINE`; the rest are
    /// placeholders, never read.
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

    /// A map of one currency.
    pub fn single(ccy: Currency, value: V) -> Self {
        let mut map = Self::new();
        map.push((ccy, value));
        map
    }

    /// Builds a map from pairs, refusing a currency that appears twice.
    /// `O(n log n)` for `n` pairs.
    ///
    /// # Errors
    ///
    /// [`DuplicateCurrency`](DuplicateCurrency) naming the repeated code.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (Currency, V)>,
    ) -> Result<Self, DuplicateCurrency> {
        let mut builder = MapBuilder::new();
        for (ccy, v) in pairs {
            builder.insert(ccy, Some(v))?;
        }
        Ok(builder.finish())
    }

    /// Returns the map with `ccy` added, or an error when it is already there.
    /// `O(n)` (the entries stay sorted); to build a large map, use
    /// [`CurrencyMap::from_pairs`].
    ///
    /// # Errors
    ///
    /// [`DuplicateCurrency`](DuplicateCurrency) when `ccy` is present.
    pub fn try_insert(mut self, ccy: Currency, value: V) -> Result<Self, DuplicateCurrency> {
        let at = match self.as_slice().binary_search_by_key(&ccy, |&(c, _)| c) {
            Ok(_) => return Err(DuplicateCurrency { currency: ccy }),
            Err(at) => at,
        };
        self.push((ccy, value));
        // The new entry is last; rotate it into its sorted place.
        if let Some(tail) = self.as_mut_slice().get_mut(at..) {
            tail.rotate_right(1);
        }
        Ok(self)
    }

    /// Appends an entry, spilling to the heap past [`INLINE`] entries. The
    /// caller restores the sort order.
    fn push(&mut self, entry: (Currency, V)) {
        match &mut self.entries {
            Entries::Inline { len, items } => match items.get_mut(*len) {
                Some(slot) => {
                    *slot = entry;
                    *len = len.saturating_add(1);
                }
                None => {
                    let mut heap = Vec::with_capacity(INLINE.saturating_mul(4));
                    heap.extend_from_slice(items);
                    heap.push(entry);
                    self.entries = Entries::Heap(heap);
                }
            },
            Entries::Heap(heap) => heap.push(entry),
        }
    }
}

impl<V: Copy> CurrencyMap<V> {
    fn as_slice(&self) -> &[(Currency, V)] {
        match &self.entries {
            #[expect(
                clippy::indexing_slicing,
                reason = "len ≤ INLINE: `push` is the only writer and checks it"
            )]
            Entries::Inline { len, items } => &items[..*len],
            Entries::Heap(heap) => heap,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [(Currency, V)] {
        match &mut self.entries {
            #[expect(
                clippy::indexing_slicing,
                reason = "len ≤ INLINE: `push` is the only writer and checks it"
            )]
            Entries::Inline { len, items } => &mut items[..*len],
            Entries::Heap(heap) => heap,
        }
    }

    /// The amount for `ccy`, if the map has one. `O(log n)`.
    pub fn get(&self, ccy: Currency) -> Option<V> {
        let entries = self.as_slice();
        entries
            .binary_search_by_key(&ccy, |&(c, _)| c)
            .ok()
            .and_then(|at| entries.get(at))
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

/// Builds a [`CurrencyMap`] from entries in any order, in `O(n log n)`:
/// every reader of currency maps (serde, the fast scanner,
/// [`CurrencyMap::from_pairs`]) goes through it.
///
/// A `None` value is a currency read as `null`: absent from the map, but
/// still counted by the duplicate check.
pub(crate) struct MapBuilder<V> {
    map: CurrencyMap<V>,
    seen: SeenCurrencies,
}

impl<V: Copy + Default> MapBuilder<V> {
    pub(crate) fn new() -> Self {
        MapBuilder {
            map: CurrencyMap::new(),
            seen: SeenCurrencies::default(),
        }
    }

    /// Records `ccy`; an error when it was recorded before.
    pub(crate) fn insert(
        &mut self,
        ccy: Currency,
        value: Option<V>,
    ) -> Result<(), DuplicateCurrency> {
        if !self.seen.insert(ccy) {
            return Err(DuplicateCurrency { currency: ccy });
        }
        if let Some(v) = value {
            self.map.push((ccy, v));
        }
        Ok(())
    }

    /// The map, sorted by currency.
    pub(crate) fn finish(mut self) -> CurrencyMap<V> {
        self.map.as_mut_slice().sort_unstable_by_key(|&(c, _)| c);
        self.map
    }
}

/// The set of currencies read so far in one map: a short inline list for
/// the usual one or two codes, then a bitset over all 26³ possible codes
/// (2.2 KB), so that each check is `O(1)` however many codes a map holds.
enum SeenCurrencies {
    Few { len: usize, codes: [Currency; FEW] },
    Many(Box<[u64; WORDS]>),
}

const FEW: usize = 4;
/// 26³ = 17,576 possible codes, one bit each.
const WORDS: usize = 17_576_usize.div_ceil(64);

impl Default for SeenCurrencies {
    fn default() -> Self {
        SeenCurrencies::Few {
            len: 0,
            codes: [PLACEHOLDER; FEW],
        }
    }
}

impl SeenCurrencies {
    /// Adds `ccy`; `false` when it was already there.
    fn insert(&mut self, ccy: Currency) -> bool {
        match self {
            SeenCurrencies::Few { len, codes } => {
                #[expect(
                    clippy::indexing_slicing,
                    reason = "len ≤ FEW: it grows only below FEW, then the set becomes `Many`"
                )]
                let used = &codes[..*len];
                if used.contains(&ccy) {
                    return false;
                }
                if let Some(slot) = codes.get_mut(*len) {
                    *slot = ccy;
                    *len = len.saturating_add(1);
                    return true;
                }
                let mut bits = Box::new([0_u64; WORDS]);
                for &code in codes.iter() {
                    set_bit(&mut bits, code);
                }
                *self = SeenCurrencies::Many(bits);
                self.insert(ccy)
            }
            SeenCurrencies::Many(bits) => set_bit(bits, ccy),
        }
    }
}

/// Sets the bit of `ccy`; `false` when it was set already.
fn set_bit(bits: &mut [u64; WORDS], ccy: Currency) -> bool {
    let index = ccy.index();
    let (word, bit) = (index / 64, index % 64);
    match bits.get_mut(word) {
        Some(w) => {
            let mask = 1_u64 << bit;
            let fresh = *w & mask == 0;
            *w |= mask;
            fresh
        }
        // `index < 26³` by construction of `Currency`; a set that cannot
        // hold the code reports it as a duplicate rather than lose it.
        None => false,
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
                let mut builder = MapBuilder::new();
                while let Some(ccy) = access.next_key::<Currency>()? {
                    let value = access.next_value::<Option<Strict<V>>>()?;
                    builder
                        .insert(ccy, value.map(|Strict(v)| v))
                        .map_err(de::Error::custom)?;
                }
                Ok(builder.finish())
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
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    value: Decimal,
    /// `value` as `numerator / denominator` (its mantissa over `10^scale`),
    /// computed once: `numerator ≤ 10^19` and `denominator ≤ 10^18` both fit
    /// a `u64`, and `decide` needs them on every call.
    numerator: u64,
    denominator: u64,
}

impl Default for Ratio {
    fn default() -> Self {
        Ratio::ZERO
    }
}

impl Ratio {
    /// The zero ratio: no cushion.
    pub const ZERO: Ratio = Ratio {
        value: Decimal::ZERO,
        numerator: 0,
        denominator: 1,
    };

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
        if value.is_zero() {
            return Ok(Ratio::ZERO);
        }
        // 0 < value ≤ 10 with at most 18 decimal places: the mantissa is at
        // most 10^19 and 10^scale at most 10^18, both below u64::MAX.
        let out_of_range = || RatioError::OutOfRange(value.to_string());
        let numerator = u64::try_from(value.mantissa()).map_err(|_| out_of_range())?;
        let denominator = 10_u64
            .checked_pow(value.scale())
            .ok_or_else(|| RatioError::TooPrecise(value.to_string()))?;
        Ok(Ratio {
            value,
            numerator,
            denominator,
        })
    }

    /// The ratio as a decimal.
    pub fn get(&self) -> Decimal {
        self.value
    }

    /// `ceil(amount × self)` for a non-negative amount, exactly; `None` when
    /// `amount` is negative or the result does not fit an `i64`.
    pub fn cushion(&self, amount: i64) -> Option<i64> {
        let amount = u128::try_from(amount).ok()?;
        // self = mantissa / 10^scale with mantissa ≤ 10 × 10^18 and
        // scale ≤ 18, so the product is below 9.3 × 10^37 < u128::MAX.
        if self.numerator == 0 {
            return Some(0);
        }
        let product = amount.checked_mul(u128::from(self.numerator))?;
        i64::try_from(div_ceil(product, u128::from(self.denominator))?).ok()
    }

    /// The ratio as `numerator / denominator`: its mantissa over
    /// `10^scale` (numerator ≤ 10^19, denominator ≤ 10^18).
    pub(crate) fn fraction(&self) -> (u128, u128) {
        (u128::from(self.numerator), u128::from(self.denominator))
    }

    /// Parses a ratio from its text: digits with an optional fraction
    /// (`0.05`, `10`), nothing else — no sign but a `-` that makes the error
    /// say "out of range", no `+`, no blank, no `_`, no `.5` or `5.`. With
    /// `exponent` (the literal text of a JSON number) an exponent part is read
    /// too, exactly (`5e-2` is `0.05`). Trailing zeros of the fraction do not
    /// count toward [`Ratio::MAX_SCALE`].
    fn parse_literal(text: &str, exponent: bool) -> Result<Self, RatioError> {
        let not_decimal = || RatioError::NotADecimal(text.to_owned());
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (number, power) = match unsigned.split_once(['e', 'E']) {
            Some((number, power)) if exponent => {
                let power_digits = power.strip_prefix(['+', '-']).unwrap_or(power);
                if !digits(power_digits) {
                    return Err(not_decimal());
                }
                // Beyond ±10^6 the value is 0 or out of range whatever the
                // digits; saturating keeps the arithmetic below in range.
                let magnitude: i64 = power_digits
                    .get(..power_digits.len().min(7))
                    .and_then(|d| d.parse().ok())
                    .ok_or_else(not_decimal)?;
                (
                    number,
                    if power.starts_with('-') {
                        magnitude.saturating_neg()
                    } else {
                        magnitude
                    },
                )
            }
            Some(_) => return Err(not_decimal()),
            None => (unsigned, 0),
        };
        let (int, frac) = match number.split_once('.') {
            Some((int, frac)) if digits(frac) => (int, frac),
            Some(_) => return Err(not_decimal()),
            None => (number, ""),
        };
        if !digits(int) {
            return Err(not_decimal());
        }
        // The significant digits and their scale: value = coefficient × 10^-scale.
        let frac = frac.trim_end_matches('0');
        let coefficient = format!("{int}{frac}");
        let coefficient = coefficient.trim_start_matches('0');
        if coefficient.is_empty() {
            return Ok(Ratio::ZERO);
        }
        if negative {
            return Err(RatioError::OutOfRange(text.to_owned()));
        }
        let frac_len = i64::try_from(frac.len()).map_err(|_| not_decimal())?;
        let mut scale = frac_len.saturating_sub(power);
        let mut coefficient = coefficient.to_owned();
        // Trailing zeros of the integer part, with a positive exponent, are
        // not decimal places either.
        while scale > 0 && coefficient.ends_with('0') {
            coefficient.pop();
            scale = scale.saturating_sub(1);
        }
        if scale > i64::from(Self::MAX_SCALE) {
            return Err(RatioError::TooPrecise(text.to_owned()));
        }
        // At most 10 × 10^18: 20 significant digits, or fewer with a
        // negative scale (a whole number with an exponent).
        let whole_digits = i64::try_from(coefficient.len())
            .map_err(|_| not_decimal())?
            .saturating_sub(scale);
        if whole_digits > 2 {
            return Err(RatioError::OutOfRange(text.to_owned()));
        }
        let zeros = usize::try_from(scale.min(0).unsigned_abs()).map_err(|_| not_decimal())?;
        coefficient.extend(std::iter::repeat_n('0', zeros));
        let mantissa: i128 = coefficient.parse().map_err(|_| not_decimal())?;
        let scale = u32::try_from(scale.max(0)).map_err(|_| not_decimal())?;
        Ratio::new(Decimal::from_i128_with_scale(mantissa, scale))
            .map_err(|_| RatioError::OutOfRange(text.to_owned()))
    }
}

/// `⌈n / d⌉`, `None` for `d = 0`. In 64-bit arithmetic when both fit (the
/// usual case: a hardware division instead of a 128-bit library call), one
/// division either way.
pub(crate) fn div_ceil(n: u128, d: u128) -> Option<u128> {
    if let (Ok(n), Ok(d)) = (u64::try_from(n), u64::try_from(d)) {
        return n.checked_div(d).map(|q| {
            let exact = q.wrapping_mul(d) == n;
            u128::from(if exact { q } else { q.wrapping_add(1) })
        });
    }
    let q = n.checked_div(d)?;
    let exact = q.checked_mul(d)? == n;
    if exact { Some(q) } else { q.checked_add(1) }
}

/// Why a major-unit amount could not be read (see [`minor_from_major`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MajorError {
    /// Not a plain decimal number (`-`, digits, optionally `.` and digits).
    NotDecimal,
    /// An exponent part (`1e3`): refused rather than scaled.
    Exponent,
    /// Out of `i64` range once in minor units.
    OutOfRange,
}

impl fmt::Display for MajorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MajorError::NotDecimal => "expected a number in major units, such as 110.94",
            MajorError::Exponent => {
                "expected a number without an exponent part, such as 110.94 (found an `e`)"
            }
            MajorError::OutOfRange => "out of range: the amount in minor units overflows i64",
        })
    }
}

/// An amount in major units, as the literal text of a JSON number
/// (`110.94`), in minor units of a currency with `exponent` decimal places:
/// exactly, with no binary floating point anywhere. Digits beyond the
/// exponent are cut toward −∞ (`-0.005` usd is −1 cent, `0.009` is 0): a
/// balance is never rounded up.
pub(crate) fn minor_from_major(text: &str, exponent: u32) -> Result<i64, MajorError> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if !unsigned.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(MajorError::NotDecimal);
    }
    if unsigned.contains(['e', 'E']) {
        return Err(MajorError::Exponent);
    }
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|c| c.is_ascii_digit());
    let bad_fraction = unsigned.contains('.') && frac.is_empty();
    if int.is_empty() || !digits(int) || !digits(frac) || bad_fraction {
        return Err(MajorError::NotDecimal);
    }
    let keep = usize::try_from(exponent).map_err(|_| MajorError::OutOfRange)?;
    let (kept, cut) = frac.split_at(frac.len().min(keep));
    let mut magnitude: i128 = 0;
    let padding = std::iter::repeat_n(b'0', keep.saturating_sub(kept.len()));
    for c in int.bytes().chain(kept.bytes()).chain(padding) {
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(c.wrapping_sub(b'0'))))
            .filter(|m| *m <= i128::from(i64::MAX).saturating_add(1))
            .ok_or(MajorError::OutOfRange)?;
    }
    let dropped = cut.bytes().any(|c| c != b'0');
    let value = if negative {
        // Toward −∞: a dropped fraction makes a negative amount one unit
        // more negative.
        magnitude
            .checked_add(i128::from(dropped))
            .map(|m| m.saturating_neg())
    } else {
        Some(magnitude)
    };
    value
        .and_then(|v| i64::try_from(v).ok())
        .ok_or(MajorError::OutOfRange)
}

/// `⌊n / d⌋`, `None` for `d = 0`; in 64-bit arithmetic when both fit.
pub(crate) fn div_floor(n: u128, d: u128) -> Option<u128> {
    match (u64::try_from(n), u64::try_from(d)) {
        (Ok(n), Ok(d)) => n.checked_div(d).map(u128::from),
        _ => n.checked_div(d),
    }
}

impl FromStr for Ratio {
    type Err = RatioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ratio::parse_literal(s, false)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl fmt::Debug for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ratio({})", self.value)
    }
}

impl Serialize for Ratio {
    /// A decimal string, e.g. `"0.05"`, so that no reader rounds it.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.value)
    }
}

/// serde_json's name for its raw-value newtype: asking any deserializer for
/// a newtype struct of this name makes serde_json (and `serde_json::Value`)
/// hand over the value's JSON text, while every other format simply visits
/// the newtype's content. This is how `Box<serde_json::value::RawValue>`
/// itself deserializes.
///
/// The name is serde_json's, not a public API. Should a serde_json release
/// rename it, ratios from JSON would arrive as floats, and the test
/// `policy_ratios_are_exact_from_strings_and_numbers` (tests/parse.rs) fails
/// on its 17-digit ratio (checked by renaming the token: it reads back
/// `0.12345678901234566`).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl<'de> Deserialize<'de> for Ratio {
    /// Reads a string (`"0.05"`) or a number (`0.05`), from any serde format.
    ///
    /// From JSON, a number's literal text is read, so it never passes
    /// through a float: `0.12345678901234567` is exactly that. A format that
    /// hands over a float (TOML's `0.05`) is read by the float's shortest
    /// decimal representation, exact for up to 15 significant digits; a
    /// string is exact in every format.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(RAW_VALUE_TOKEN, RatioVisitor)
    }
}

struct RatioVisitor;

impl RatioVisitor {
    /// A ratio from JSON text: a string literal or a number literal.
    fn from_json_text<E: de::Error>(text: &str) -> Result<Ratio, E> {
        if text.starts_with('"') {
            let inner: String = serde_json::from_str(text).map_err(E::custom)?;
            inner.parse().map_err(E::custom)
        } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            Ratio::parse_literal(text, true).map_err(E::custom)
        } else {
            Err(E::custom(format_args!(
                "expected a decimal ratio as a string or number, found {text}"
            )))
        }
    }
}

impl<'de> Visitor<'de> for RatioVisitor {
    type Value = Ratio;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal ratio as a string or number")
    }

    /// serde_json: one entry, whose value is the JSON text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ratio, A::Error> {
        let Some(_token) = map.next_key::<de::IgnoredAny>()? else {
            return Err(de::Error::custom(
                "expected a decimal ratio as a string or number, found an object",
            ));
        };
        let text = map.next_value::<std::borrow::Cow<'de, str>>()?;
        RatioVisitor::from_json_text(&text)
    }

    /// Other formats: the value itself.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Ratio, D::Error> {
        d.deserialize_any(RatioVisitor)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Ratio, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ratio, E> {
        Ratio::new(Decimal::from(v)).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ratio, E> {
        Ratio::new(Decimal::from(v)).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ratio, E> {
        // `Display` of an f64 is its shortest round-trip decimal.
        if !v.is_finite() {
            return Err(E::custom(format_args!(
                "expected a decimal ratio, found {v}"
            )));
        }
        Ratio::parse_literal(&format!("{v}"), false).map_err(E::custom)
    }
}

/// A currency code that is not three ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a currency code of 3 ASCII letters, found `{found}`")]
pub struct CurrencyError {
    /// The text that was offered as a currency code.
    pub found: String,
}

/// The same currency twice in one [`CurrencyMap`](crate::CurrencyMap).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("currency `{currency}` appears twice (codes are compared case-insensitively)")]
pub struct DuplicateCurrency {
    /// The repeated currency.
    pub currency: Currency,
}

/// A policy ratio that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RatioError {
    /// The text is not a decimal number.
    #[error(
        "expected a decimal ratio such as \"0.05\" (digits, optionally a point and at most 18 decimal places), found `{0}`"
    )]
    NotADecimal(String),
    /// Below 0 or above 10.
    #[error("ratio `{0}` is out of range: it must be from 0 to 10")]
    OutOfRange(String),
    /// More decimal places than [`Ratio::MAX_SCALE`](crate::Ratio::MAX_SCALE).
    #[error("ratio `{0}` has more than 18 decimal places")]
    TooPrecise(String),
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, reason = "test code on small numbers")]
pub(crate) mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::Error as ValueError;

    fn strict<T: MinorUnits>(d: impl Deserializer<'static, Error = ValueError>) -> Option<T> {
        Strict::<T>::deserialize(d).ok().map(|Strict(v)| v)
    }

    /// `minor` written in major units with `exponent` decimals (`-1235`, 2:
    /// `-12.35`), as a test oracle independent of `minor_from_major`.
    fn major_text(minor: i64, exponent: u32) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let digits = minor.unsigned_abs().to_string();
        let e = exponent as usize;
        if e == 0 {
            return format!("{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = e + 1);
        let (int, frac) = padded.split_at(padded.len() - e);
        format!("{sign}{int}.{frac}")
    }

    #[test]
    fn iso_exponents_come_from_the_iso_table() {
        let exponent = |code: &str| Currency::new(code).ok().and_then(|c| c.iso_exponent());
        assert_eq!(exponent("usd"), Some(2));
        assert_eq!(exponent("JPY"), Some(0));
        assert_eq!(exponent("kwd"), Some(3));
        assert_eq!(exponent("xau"), None, "gold has no minor unit");
        assert_eq!(exponent("zzz"), None, "not an ISO 4217 code");
    }

    #[test]
    fn major_amounts_read_exactly() {
        assert_eq!(minor_from_major("110.94", 2), Ok(11094));
        assert_eq!(minor_from_major("110.9", 2), Ok(11090));
        assert_eq!(minor_from_major("110", 2), Ok(11000));
        assert_eq!(minor_from_major("0", 2), Ok(0));
        assert_eq!(minor_from_major("-0.00", 2), Ok(0));
        assert_eq!(minor_from_major("12345.9", 0), Ok(12345));
        assert_eq!(minor_from_major("1.2345", 3), Ok(1234));
        // Toward −∞: never a balance rounded up.
        assert_eq!(minor_from_major("0.009", 2), Ok(0));
        assert_eq!(minor_from_major("-0.001", 2), Ok(-1));
        assert_eq!(minor_from_major("-12.341", 2), Ok(-1235));
        assert_eq!(minor_from_major("-12.3400", 2), Ok(-1234));
        assert_eq!(minor_from_major("92233720368547758.07", 2), Ok(i64::MAX));
        assert_eq!(minor_from_major("-92233720368547758.08", 2), Ok(i64::MIN));
        assert_eq!(
            minor_from_major("-92233720368547758.081", 2),
            Err(MajorError::OutOfRange)
        );
        assert_eq!(
            minor_from_major("92233720368547758.08", 2),
            Err(MajorError::OutOfRange)
        );
        assert_eq!(
            minor_from_major(&"9".repeat(10_000), 2),
            Err(MajorError::OutOfRange)
        );
        for bad in [
            "", "-", "1.", ".5", "\"1\"", "true", "1,5", "--1", "1.2.3", "0x10",
        ] {
            assert_eq!(
                minor_from_major(bad, 2),
                Err(MajorError::NotDecimal),
                "{bad}"
            );
        }
        for exp in ["1e2", "1.5E2", "-1e-2", "1.1e+2"] {
            assert_eq!(minor_from_major(exp, 2), Err(MajorError::Exponent), "{exp}");
        }
    }

    proptest::proptest! {
        /// Writing minor units as major text and reading it back is exact.
        #[test]
        fn major_text_round_trips(minor in proptest::num::i64::ANY, exponent in 0_u32..=4) {
            proptest::prop_assert_eq!(minor_from_major(&major_text(minor, exponent), exponent), Ok(minor));
        }

        /// Extra digits are cut toward −∞: the result is the floor of the
        /// exact value, so it never exceeds what the text says.
        #[test]
        fn extra_digits_are_floored(minor in -1_000_000_000_000_i64..1_000_000_000_000, exponent in 0_u32..=3, extra in "[0-9]{1,6}") {
            let base = major_text(minor, exponent);
            let text = if exponent == 0 { format!("{base}.{extra}") } else { format!("{base}{extra}") };
            let got = minor_from_major(&text, exponent).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let dropped = extra.bytes().any(|c| c != b'0');
            let expected = if minor < 0 && dropped { minor - 1 } else { minor };
            // `-0.00` + extra digits is still negative when they are not all zero.
            let expected = if minor == 0 && base.starts_with('-') && dropped { -1 } else { expected };
            proptest::prop_assert_eq!(got, expected, "{}", text);
        }
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

    /// A map of `n` currency codes, in descending order (the worst order for
    /// a map that re-sorts or scans on every insert).
    pub(crate) fn descending_map(n: usize) -> String {
        let codes: Vec<String> = (0..17_576_usize)
            .rev()
            .take(n)
            .map(|i| {
                let letter = |k: usize| char::from(b'a' + u8::try_from(k % 26).unwrap_or(0));
                format!(
                    "\"{}{}{}\": {i}",
                    letter(i / 676),
                    letter(i / 26),
                    letter(i)
                )
            })
            .collect();
        format!("{{{}}}", codes.join(", "))
    }

    /// Reading a map costs O(n log n) comparisons: doubling the number of
    /// currencies (in the worst order) little more than doubles them. A
    /// map that re-sorted, or scanned for duplicates, on every insert would
    /// quadruple them.
    #[test]
    fn reading_a_map_is_n_log_n_in_comparisons() {
        let cost = |n: usize| {
            let text = descending_map(n);
            comparisons::count(|| {
                let map: CurrencyMap<i64> = serde_json::from_str(&text).unwrap_or_default();
                assert_eq!(map.len(), n);
            })
        };
        let (small, large) = (cost(4_000), cost(8_000));
        assert!(small > 0, "the counter counts");
        assert!(
            large.saturating_mul(10) <= small.saturating_mul(25),
            "4,000 codes: {small} comparisons, 8,000: {large}"
        );
        // Every one of the 26³ codes: a few comparisons per code.
        assert!(cost(17_576) < 17_576 * 20);
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
