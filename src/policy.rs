//! The policy: how much risk the gate accepts (SPEC §4).
//!
//! Every field has a default ([`Policy::default`]) and every value a field
//! can hold is valid, so a `Policy` never needs checking after it is built.
//! From JSON, every key is optional and unknown keys are an error.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::error::PolicyError;
use crate::money::{CurrencyMap, Ratio};
use crate::snapshot::Category;

/// The decision policy. `Policy::default()` is SPEC §4's default table.
///
/// ```
/// use fundsgate::Policy;
/// let policy = Policy::from_json(br#"{"buffer_ratio": "0.05", "unverified_allowance": {"usd": 5000}}"#)?;
/// assert_eq!(policy.buffer_ratio.to_string(), "0.05");
/// assert_eq!(policy.max_balance_age_secs, 86_400);
/// assert!(Policy::from_json(br#"{"max_age": 10}"#).is_err());
/// assert!(Policy::from_json(br#"{"accept_categories": ["cash", "credit"]}"#).is_err());
/// # Ok::<(), fundsgate::PolicyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// A balance whose `as_of` is more than this many seconds before `now`
    /// is stale. Default 86 400 (one day).
    pub max_balance_age_secs: u64,
    /// An `as_of` more than this many seconds after `now` is
    /// `balance_from_future`. Default 300.
    pub max_clock_skew_secs: u64,
    /// Use `current` when `cash.available` lacks the currency. Default true.
    pub fallback_to_current: bool,
    /// Cushion as a fraction of the amount (0 to 10). Default 0.
    pub buffer_ratio: Ratio,
    /// Cushion floor in minor units. Default 0.
    pub buffer_min: u64,
    /// Extra cushion fraction when the basis is `current` (0 to 10).
    /// Default 0.
    pub current_extra_ratio: Ratio,
    /// Per currency: a debit whose amount is at most this may be allowed,
    /// with warning `funds_not_verified`, when funds cannot be verified.
    /// Default empty.
    pub unverified_allowance: CurrencyMap<u64>,
    /// Account categories that may be debited. Default `["cash"]`; `credit`
    /// is never accepted. A `null` category always passes.
    pub accept_categories: Categories,
    /// When set, a document whose `livemode` differs (or is absent) is denied
    /// with `livemode_mismatch`. Default `null`: not checked.
    pub livemode: Option<bool>,
    /// Re-presentments allowed after R01/R09 returns, 0 to 2 (NACHA's
    /// limit). Default 2.
    pub max_reinitiations: MaxReinitiations,
    /// Days after the original settlement in which a re-presentment may be
    /// made, 1 to 180. Default 180.
    pub reinitiation_window_days: WindowDays,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_balance_age_secs: 86_400,
            max_clock_skew_secs: 300,
            fallback_to_current: true,
            buffer_ratio: Ratio::ZERO,
            buffer_min: 0,
            current_extra_ratio: Ratio::ZERO,
            unverified_allowance: CurrencyMap::new(),
            accept_categories: Categories::CASH,
            livemode: None,
            max_reinitiations: MaxReinitiations::NACHA,
            reinitiation_window_days: WindowDays::NACHA,
        }
    }
}

impl Policy {
    /// Reads a policy from JSON bytes. Absent keys take their defaults.
    ///
    /// # Errors
    ///
    /// [`PolicyError`] naming the key at fault: an unknown key, a value of the
    /// wrong type, a ratio or a count out of range, a duplicate currency,
    /// `credit` in `accept_categories`.
    pub fn from_json(bytes: &[u8]) -> Result<Self, PolicyError> {
        crate::json::from_slice_tracked::<crate::json::Obj<Policy>>(crate::json::strip_bom(bytes))
            .map(|crate::json::Obj(policy)| policy)
    }

    /// The policy as pretty-printed JSON, every key present.
    pub fn to_json_pretty(&self) -> String {
        #[expect(
            clippy::expect_used,
            reason = "every field is a number, a bool, a string, a string array or a string-keyed map"
        )]
        serde_json::to_string_pretty(self).expect("a policy always serializes")
    }
}

/// The account categories a policy accepts: a set of `cash`, `investment`
/// and `other` (never `credit`). Serialized as a sorted array without
/// duplicates.
///
/// ```
/// use fundsgate::{Categories, Category};
/// let both = Categories::CASH.with(Category::Investment)?;
/// assert!(both.contains(Category::Investment));
/// assert!(!both.contains(Category::Other));
/// assert!(Categories::CASH.with(Category::Credit).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Categories(u8);

/// The categories a policy may list, in serialization order.
const ACCEPTABLE: [(Category, &str); 3] = [
    (Category::Cash, "cash"),
    (Category::Investment, "investment"),
    (Category::Other, "other"),
];

impl Categories {
    /// No category: only accounts whose category is null pass.
    pub const NONE: Categories = Categories(0);
    /// Cash accounts only (checking, savings): the default.
    pub const CASH: Categories = Categories(1);

    fn bit(category: Category) -> Option<u8> {
        match category {
            Category::Cash => Some(1),
            Category::Investment => Some(2),
            Category::Other => Some(4),
            Category::Credit | Category::Unrecognized => None,
        }
    }

    /// The set with `category` added.
    ///
    /// # Errors
    ///
    /// [`CategoryNotAcceptable`] for `credit` (a credit account cannot fund
    /// an ACH debit) and for an unrecognized category.
    pub fn with(self, category: Category) -> Result<Categories, CategoryNotAcceptable> {
        Categories::bit(category)
            .map(|bit| Categories(self.0 | bit))
            .ok_or(CategoryNotAcceptable(category))
    }

    /// Whether `category` is in the set.
    pub fn contains(self, category: Category) -> bool {
        Categories::bit(category).is_some_and(|bit| self.0 & bit != 0)
    }

    /// The categories in the set, in serialization order.
    pub fn iter(self) -> impl Iterator<Item = Category> {
        ACCEPTABLE
            .into_iter()
            .map(|(c, _)| c)
            .filter(move |&c| self.contains(c))
    }
}

/// A category a policy cannot accept: `credit`, or one the gate does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", match .0 {
    Category::Credit => "`credit` can never be accepted: a credit account cannot fund an ACH debit",
    _ => "only `cash`, `investment` and `other` can be accepted",
})]
pub struct CategoryNotAcceptable(pub Category);

impl fmt::Debug for Categories {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for Categories {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for (category, name) in ACCEPTABLE {
            if self.contains(category) {
                seq.serialize_element(name)?;
            }
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Categories {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Categories;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of account categories (`cash`, `investment`, `other`)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Categories, A::Error> {
                let mut set = Categories::NONE;
                while let Some(name) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                    let category = match name.as_ref() {
                        "credit" => Category::Credit,
                        other => ACCEPTABLE
                            .iter()
                            .find(|(_, n)| *n == other)
                            .map(|&(c, _)| c)
                            .ok_or_else(|| {
                                de::Error::custom(format_args!(
                                    "unknown category `{other}`: expected `cash`, `investment` or `other`"
                                ))
                            })?,
                    };
                    set = set.with(category).map_err(de::Error::custom)?;
                }
                Ok(set)
            }
        }
        d.deserialize_seq(V)
    }
}

/// Declares a bounded integer policy value: a newtype whose every value is
/// in range, read from any integer in range and refused otherwise.
macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident($int:ty), $min:expr, $max:expr, $default:ident = $value:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name($int);

        impl $name {
            /// The smallest value accepted.
            pub const MIN: $int = $min;
            /// The largest value accepted.
            pub const MAX: $int = $max;
            /// NACHA's limit, the default.
            pub const $default: $name = $name($value);

            /// The value, when it is within [`Self::MIN`]`..=`[`Self::MAX`].
            pub fn new(value: $int) -> Option<$name> {
                (Self::MIN..=Self::MAX).contains(&value).then_some($name(value))
            }

            /// The value.
            pub fn get(self) -> $int {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::$default
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let crate::money::Strict(value) = crate::money::Strict::<u64>::deserialize(d)?;
                <$int>::try_from(value)
                    .ok()
                    .and_then($name::new)
                    .ok_or_else(|| {
                        de::Error::custom(format_args!(
                            "{value} is out of range: expected {} to {}",
                            Self::MIN,
                            Self::MAX
                        ))
                    })
            }
        }
    };
}

bounded!(
    /// How many times an entry returned R01 or R09 may be re-initiated:
    /// 0 to 2 (NACHA Rules 2.12.4 allow two).
    MaxReinitiations(u8), 0, 2, NACHA = 2
);

bounded!(
    /// Days after the original entry's settlement in which it may be
    /// re-initiated: 1 to 180 (NACHA Rules 2.12.4).
    WindowDays(u16), 1, 180, NACHA = 180
);
