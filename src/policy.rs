//! The policy: how much risk the gate accepts (SPEC §4).
//!
//! Every field has a default ([`Policy::default`]) and every value a field
//! can hold is valid, so a `Policy` never needs checking after it is built.
//! From JSON, every key is optional and unknown keys are an error.

use serde::{Deserialize, Serialize};

use crate::error::PolicyError;
use crate::money::{CurrencyMap, Ratio};

/// The decision policy. `Policy::default()` is SPEC §4's default table.
///
/// ```
/// use fundsgate::Policy;
/// let policy = Policy::from_json(br#"{"buffer_ratio": "0.05", "unverified_allowance": {"usd": 5000}}"#)?;
/// assert_eq!(policy.buffer_ratio.to_string(), "0.05");
/// assert_eq!(policy.max_balance_age_secs, 86_400);
/// assert!(Policy::from_json(br#"{"max_age": 10}"#).is_err());
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
        }
    }
}

impl Policy {
    /// Reads a policy from JSON bytes. Absent keys take their defaults.
    ///
    /// # Errors
    ///
    /// [`PolicyError`] naming the key at fault: an unknown key, a value of the
    /// wrong type, a ratio out of range, a duplicate currency.
    pub fn from_json(bytes: &[u8]) -> Result<Self, PolicyError> {
        crate::json::from_slice_tracked::<crate::json::Obj<Policy>>(crate::json::strip_bom(bytes))
            .map(|crate::json::Obj(policy)| policy)
    }

    /// The policy as pretty-printed JSON, every key present.
    pub fn to_json_pretty(&self) -> String {
        #[expect(
            clippy::expect_used,
            reason = "every field is a number, a bool, a string or a string-keyed map"
        )]
        serde_json::to_string_pretty(self).expect("a policy always serializes")
    }
}
