//! `Currency`: a three-letter code, stored lowercase.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
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
pub struct Currency(pub(super) [u8; 3]);

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
        // ACH debits are in US dollars: their exponent without the table's
        // search of 180 codes (about 900 instructions; a unit test checks
        // that the two agree).
        if self.0 == *b"usd" {
            return Some(2);
        }
        let upper = self.as_bytes().map(|b| b.to_ascii_uppercase());
        let iso = iso_currency::Currency::from_code(std::str::from_utf8(&upper).ok()?)?;
        iso.exponent().map(u32::from)
    }

    /// The code's place among the 26³ possible codes, `0..17_576`.
    pub(super) fn index(self) -> usize {
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

/// A currency code that is not three ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a currency code of 3 ASCII letters, found `{found}`")]
pub struct CurrencyError {
    /// The text that was offered as a currency code.
    pub found: String,
}
