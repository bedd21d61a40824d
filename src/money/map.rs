//! `CurrencyMap`: amounts by currency, read in `O(n log n)` whatever the input.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::currency::Currency;
use super::units::{MinorUnits, Strict};

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

/// The same currency twice in one [`CurrencyMap`](crate::CurrencyMap).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("currency `{currency}` appears twice (codes are compared case-insensitively)")]
pub struct DuplicateCurrency {
    /// The repeated currency.
    pub currency: Currency,
}
