//! The policy: how much risk the gate accepts (the [contract](crate::contract)).
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

/// The decision policy. `Policy::default()` is the [contract](crate::contract)'s default table.
///
/// A policy is plain data: it reads from JSON ([`Policy::from_json`]) or from
/// any serde format (TOML, YAML, a `serde_json::Value`) with the same rules —
/// every key optional, unknown keys and positional arrays refused — and is
/// built in code with [`Policy::builder`]. Its [`Fingerprint`] is computed
/// once, when it is built, and recorded in every verdict.
///
/// ```
/// use fundsgate::Policy;
/// let policy = Policy::from_json(br#"{"name": "cautious", "buffer_ratio": "0.05",
///     "unverified_allowance": {"usd": 5000}}"#)?;
/// assert_eq!(policy.buffer_ratio().to_string(), "0.05");
/// assert_eq!(policy.max_balance_age_secs(), 86_400);
/// assert_eq!(policy.name(), Some("cautious"));
/// assert!(policy.fingerprint().to_string().starts_with("sha256:"));
/// assert!(Policy::from_json(br#"{"max_age": 10}"#).is_err());
/// assert!(Policy::from_json(br#"{"accept_categories": ["cash", "credit"]}"#).is_err());
///
/// let built = Policy::builder().buffer_ratio("0.05".parse()?).build();
/// assert_eq!(built.fingerprint(), Policy::from_json(br#"{"buffer_ratio": 0.050}"#)?.fingerprint());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    settings: Settings,
    fingerprint: Fingerprint,
}

/// Every key of a policy: the plain data behind [`Policy`] and
/// [`PolicyBuilder`], read and written by serde.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<PolicyName>,
    max_balance_age_secs: u64,
    max_clock_skew_secs: u64,
    fallback_to_current: bool,
    buffer_ratio: Ratio,
    buffer_min: u64,
    current_extra_ratio: Ratio,
    unverified_allowance: CurrencyMap<u64>,
    accept_categories: Categories,
    livemode: Option<bool>,
    max_reinitiations: MaxReinitiations,
    reinitiation_window_days: WindowDays,
    velocity: Velocity,
    provider_review: ProviderReview,
    /// Accepted on input only when it matches (`policy --check` prints it);
    /// never written by this struct.
    #[serde(skip_serializing)]
    fingerprint: Option<Fingerprint>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name: None,
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
            velocity: Velocity::NONE,
            provider_review: ProviderReview::Deny,
            fingerprint: None,
        }
    }
}

impl Settings {
    /// SHA-256 of the canonical JSON: every key that affects a decision (so
    /// not `name`), keys sorted, ratios as normalized decimal strings,
    /// `accept_categories` sorted without duplicates, no whitespace.
    fn fingerprint(&self) -> Fingerprint {
        use sha2::{Digest, Sha256};
        // `fingerprint` is never serialized, so only the name is dropped.
        let canonical = Settings {
            name: None,
            ..self.clone()
        };
        // serde_json's maps are sorted by key (no `preserve_order`), and
        // every field serializes: a `Value` and its bytes cannot fail here.
        #[expect(
            clippy::expect_used,
            reason = "every field is a number, a bool, null, a string, a string array or a string-keyed map"
        )]
        let bytes = serde_json::to_value(&canonical)
            .and_then(|value| serde_json::to_vec(&value))
            .expect("a policy serializes");
        Fingerprint(Sha256::digest(&bytes).into())
    }
}

impl Default for Policy {
    fn default() -> Self {
        Settings::default().into_policy_unchecked()
    }
}

impl Settings {
    fn into_policy_unchecked(self) -> Policy {
        let fingerprint = self.fingerprint();
        Policy {
            settings: Settings {
                fingerprint: None,
                ..self
            },
            fingerprint,
        }
    }

    /// The policy, refusing a stated fingerprint that does not match.
    fn into_policy(self) -> Result<Policy, String> {
        let stated = self.fingerprint;
        let policy = self.into_policy_unchecked();
        match stated {
            Some(stated) if stated != policy.fingerprint => Err(format!(
                "fingerprint {stated} does not match the policy's, {}",
                policy.fingerprint
            )),
            _ => Ok(policy),
        }
    }
}

impl Policy {
    /// A builder starting from the default policy.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder {
            settings: Settings::default(),
        }
    }

    /// A builder starting from this policy.
    pub fn to_builder(&self) -> PolicyBuilder {
        PolicyBuilder {
            settings: self.settings.clone(),
        }
    }

    /// Reads a policy from JSON bytes. Absent keys take their defaults.
    ///
    /// # Errors
    ///
    /// [`PolicyError`] naming the key at fault: an unknown key, a value of the
    /// wrong type, a ratio or a count out of range, a duplicate currency,
    /// `credit` in `accept_categories`, a name over 100 characters, a
    /// `fingerprint` that does not match.
    pub fn from_json(bytes: &[u8]) -> Result<Self, PolicyError> {
        crate::json::from_slice_tracked::<Policy>(crate::json::strip_bom(bytes))
            .map_err(PolicyError::from)
    }

    /// The policy as pretty-printed JSON, every key present (`name` when
    /// set), then its `fingerprint`. It reads back as the same policy.
    pub fn to_json_pretty(&self) -> String {
        #[expect(
            clippy::expect_used,
            reason = "every field is a number, a bool, a string, a string array or a string-keyed map"
        )]
        serde_json::to_string_pretty(self).expect("a policy always serializes")
    }

    /// The SHA-256 fingerprint of what the policy decides (the [contract](crate::contract)): two
    /// policies written differently but deciding alike have the same one.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The policy's name (free text, at most 100 characters), if any.
    pub fn name(&self) -> Option<&str> {
        self.settings.name.as_ref().map(|n| &*n.0)
    }

    /// The name, shared: cloning it into a verdict does not allocate.
    pub(crate) fn shared_name(&self) -> Option<std::sync::Arc<str>> {
        self.settings
            .name
            .as_ref()
            .map(|n| std::sync::Arc::clone(&n.0))
    }

    /// A balance whose `as_of` is more than this many seconds before `now`
    /// is stale. Default 86 400 (one day).
    pub fn max_balance_age_secs(&self) -> u64 {
        self.settings.max_balance_age_secs
    }

    /// An `as_of` more than this many seconds after `now` is
    /// `balance_from_future`. Default 300.
    pub fn max_clock_skew_secs(&self) -> u64 {
        self.settings.max_clock_skew_secs
    }

    /// Use `current` when `cash.available` lacks the currency. Default true.
    pub fn fallback_to_current(&self) -> bool {
        self.settings.fallback_to_current
    }

    /// Cushion as a fraction of the amount (0 to 10). Default 0.
    pub fn buffer_ratio(&self) -> Ratio {
        self.settings.buffer_ratio
    }

    /// Cushion floor in minor units. Default 0.
    pub fn buffer_min(&self) -> u64 {
        self.settings.buffer_min
    }

    /// Extra cushion fraction when the basis is `current` (0 to 10).
    /// Default 0.
    pub fn current_extra_ratio(&self) -> Ratio {
        self.settings.current_extra_ratio
    }

    /// Per currency: a debit whose amount is at most this may be allowed,
    /// with warning `funds_not_verified`, when funds cannot be verified.
    /// Default empty.
    pub fn unverified_allowance(&self) -> &CurrencyMap<u64> {
        &self.settings.unverified_allowance
    }

    /// Account categories that may be debited. Default `["cash"]`; `credit`
    /// is never accepted. A `null` category always passes.
    pub fn accept_categories(&self) -> Categories {
        self.settings.accept_categories
    }

    /// When set, a document whose `livemode` differs (or is absent) is denied
    /// with `livemode_mismatch`. Default `None`: not checked.
    pub fn livemode(&self) -> Option<bool> {
        self.settings.livemode
    }

    /// Re-presentments allowed after R01/R09 returns, 0 to 2 (NACHA's
    /// limit). Default 2.
    pub fn max_reinitiations(&self) -> MaxReinitiations {
        self.settings.max_reinitiations
    }

    /// Days after the original settlement in which a re-presentment may be
    /// made, 1 to 180. Default 180.
    pub fn reinitiation_window_days(&self) -> WindowDays {
        self.settings.reinitiation_window_days
    }

    /// Velocity limits on the account's debits (the [contract](crate::contract),
    /// exposure and velocity). Default none.
    pub fn velocity(&self) -> &Velocity {
        &self.settings.velocity
    }

    /// What a provider's REVIEW result does (Plaid Signal `ruleset.result`).
    /// Default [`ProviderReview::Deny`].
    pub fn provider_review(&self) -> ProviderReview {
        self.settings.provider_review
    }
}

/// What a provider's own ruleset asking for a review (Plaid Signal
/// `REVIEW`) does to the decision (policy key `provider_review`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderReview {
    /// `"deny"`: row `provider_review` denies the debit (no allowance
    /// softens it): a payment someone should look at is not sent unseen.
    #[default]
    Deny,
    /// `"decide"`: the result becomes the warning `provider_review` and the
    /// table goes on (for teams that review after the gate, or not at all).
    Decide,
}

impl Serialize for Policy {
    /// Every key, then `fingerprint`, which reading the policy back checks.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            #[serde(flatten)]
            settings: &'a Settings,
            fingerprint: &'a Fingerprint,
        }
        View {
            settings: &self.settings,
            fingerprint: &self.fingerprint,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Policy {
    /// Any serde format; a map only (a positional array is refused), the
    /// same keys and rules as [`Policy::from_json`].
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let crate::json::Obj(settings) = crate::json::Obj::<Settings>::deserialize(d)?;
        settings.into_policy().map_err(de::Error::custom)
    }
}

/// Builds a [`Policy`] in code; [`PolicyBuilder::build`] computes its
/// fingerprint.
///
/// ```
/// use fundsgate::{Categories, Category, Policy};
/// let policy = Policy::builder()
///     .name("portfolio re-check")?
///     .max_balance_age_secs(3_600)
///     .accept_categories(Categories::CASH.with(Category::Investment)?)
///     .build();
/// assert_eq!(policy.max_balance_age_secs(), 3_600);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct PolicyBuilder {
    settings: Settings,
}

macro_rules! setters {
    ($($(#[$doc:meta])* $field:ident: $ty:ty;)*) => {
        impl PolicyBuilder {
            $(
                $(#[$doc])*
                pub fn $field(mut self, value: $ty) -> Self {
                    self.settings.$field = value;
                    self
                }
            )*
        }
    };
}

setters! {
    /// See [`Policy::max_balance_age_secs`].
    max_balance_age_secs: u64;
    /// See [`Policy::max_clock_skew_secs`].
    max_clock_skew_secs: u64;
    /// See [`Policy::fallback_to_current`].
    fallback_to_current: bool;
    /// See [`Policy::buffer_ratio`].
    buffer_ratio: Ratio;
    /// See [`Policy::buffer_min`].
    buffer_min: u64;
    /// See [`Policy::current_extra_ratio`].
    current_extra_ratio: Ratio;
    /// See [`Policy::unverified_allowance`].
    unverified_allowance: CurrencyMap<u64>;
    /// See [`Policy::accept_categories`].
    accept_categories: Categories;
    /// See [`Policy::livemode`].
    livemode: Option<bool>;
    /// See [`Policy::max_reinitiations`].
    max_reinitiations: MaxReinitiations;
    /// See [`Policy::reinitiation_window_days`].
    reinitiation_window_days: WindowDays;
    /// See [`Policy::velocity`].
    velocity: Velocity;
    /// See [`Policy::provider_review`].
    provider_review: ProviderReview;
}

impl PolicyBuilder {
    /// Names the policy (recorded in every verdict; not part of the
    /// fingerprint).
    ///
    /// # Errors
    ///
    /// [`PolicyNameTooLong`] over 100 characters.
    pub fn name(mut self, name: &str) -> Result<Self, PolicyNameTooLong> {
        self.settings.name = Some(PolicyName::new(name)?);
        Ok(self)
    }

    /// The policy, with its fingerprint.
    pub fn build(self) -> Policy {
        self.settings.into_policy_unchecked()
    }
}

/// A policy name: free text of at most 100 characters, shared so that
/// recording it in a verdict never allocates.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PolicyName(std::sync::Arc<str>);

#[cfg(feature = "schema")]
impl schemars::JsonSchema for PolicyName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PolicyName".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"description": "Free text recorded in every verdict.", "type": "string", "maxLength": PolicyName::MAX_CHARS})
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Policy {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Policy".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Settings::json_schema(generator)
    }
}

impl Serialize for PolicyName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl PolicyName {
    const MAX_CHARS: usize = 100;

    fn new(name: &str) -> Result<PolicyName, PolicyNameTooLong> {
        let chars = name.chars().count();
        if chars > PolicyName::MAX_CHARS {
            return Err(PolicyNameTooLong { chars });
        }
        Ok(PolicyName(std::sync::Arc::from(name)))
    }
}

impl<'de> Deserialize<'de> for PolicyName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        PolicyName::new(&name).map_err(de::Error::custom)
    }
}

/// A policy name over 100 characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a policy name has at most 100 characters, found {chars}")]
pub struct PolicyNameTooLong {
    /// The name's length in characters.
    pub chars: usize,
}

/// The SHA-256 fingerprint of a policy's canonical JSON, written
/// `sha256:<64 lowercase hex digits>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The 32 bytes of the digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl Fingerprint {
    /// Writes `sha256:<hex>` (71 ASCII bytes) to `out`, without allocating.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        // Written into a stack buffer, then copied once: one capacity check
        // instead of 64 (every verdict writes its policy's fingerprint).
        let mut text = [0_u8; 71];
        let (prefix, digits) = text.split_at_mut(7);
        prefix.copy_from_slice(b"sha256:");
        for (byte, pair) in self.0.iter().zip(digits.chunks_exact_mut(2)) {
            for (digit, nibble) in pair.iter_mut().zip([byte >> 4, byte & 0xf]) {
                *digit = HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
            }
        }
        out.extend_from_slice(&text);
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256:")?;
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = FingerprintError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = || FingerprintError {
            found: s.to_owned(),
        };
        let hex = s.strip_prefix("sha256:").ok_or_else(error)?;
        if hex.len() != 64 {
            return Err(error());
        }
        let mut bytes = [0_u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            let text = std::str::from_utf8(pair).map_err(|_| error())?;
            *byte = u8::from_str_radix(text, 16).map_err(|_| error())?;
        }
        Ok(Fingerprint(bytes))
    }
}

/// Text that is not `sha256:` and 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected `sha256:` and 64 hex digits, found `{found}`")]
pub struct FingerprintError {
    /// The text offered.
    pub found: String,
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        text.parse().map_err(de::Error::custom)
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

/// A policy's velocity limits: at most [`Velocity::MAX_LIMITS`], kept sorted
/// and without duplicates (so that two policies listing the same limits in
/// another order have the same fingerprint).
///
/// ```
/// use fundsgate::{Currency, CurrencyMap, Policy, Velocity, VelocityLimit};
/// let usd = Currency::new("usd")?;
/// // A lender: at most 3 debits and 1,000.00 USD a week per account.
/// let week = VelocityLimit::new(7 * 86_400, Some(3), CurrencyMap::single(usd, 100_000))?;
/// let policy = Policy::builder().velocity(Velocity::new([week])?).build();
/// assert_eq!(policy.velocity().limits().len(), 1);
///
/// let read = Policy::from_json(br#"{"velocity": [{"window_secs": 604800, "max_count": 3, "max_amount": {"USD": 100000}}]}"#)?;
/// assert_eq!(read.fingerprint(), policy.fingerprint());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Velocity(Vec<VelocityLimit>);

impl Velocity {
    /// The most limits a policy may set.
    pub const MAX_LIMITS: usize = 8;

    /// No limit.
    pub const NONE: Velocity = Velocity(Vec::new());

    /// The limits `limits`, in any order.
    ///
    /// # Errors
    ///
    /// [`VelocityError`] over [`Velocity::MAX_LIMITS`] limits.
    pub fn new(limits: impl IntoIterator<Item = VelocityLimit>) -> Result<Velocity, VelocityError> {
        let mut limits: Vec<VelocityLimit> = limits.into_iter().collect();
        if limits.len() > Velocity::MAX_LIMITS {
            return Err(VelocityError(format!(
                "at most {} limits, found {}",
                Velocity::MAX_LIMITS,
                limits.len()
            )));
        }
        limits.sort_by(VelocityLimit::canonical_order);
        limits.dedup();
        Ok(Velocity(limits))
    }

    /// The limits, sorted.
    pub fn limits(&self) -> &[VelocityLimit] {
        &self.0
    }
}

/// One velocity limit: in any window of `window_secs` seconds ending now,
/// at most `max_count` debits of the account (any currency, this one
/// included), and at most `max_amount[ccy]` minor units of the debit's
/// currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VelocityLimit {
    window_secs: u32,
    max_count: Option<u32>,
    max_amount: CurrencyMap<u64>,
}

impl VelocityLimit {
    /// The longest window: 365 days, in seconds.
    pub const MAX_WINDOW_SECS: u32 = 31_536_000;

    /// A limit over a window of `window_secs` seconds (1 to 365 days): at
    /// most `max_count` debits (at least 1) and, per currency, at most
    /// `max_amount` minor units (each at least 1). An empty map sets no
    /// amount limit.
    ///
    /// # Errors
    ///
    /// [`VelocityError`] naming the value out of range, or when the limit
    /// sets neither a count nor an amount.
    pub fn new(
        window_secs: u32,
        max_count: Option<u32>,
        max_amount: CurrencyMap<u64>,
    ) -> Result<VelocityLimit, VelocityError> {
        let error = |m: String| Err(VelocityError(m));
        if !(1..=VelocityLimit::MAX_WINDOW_SECS).contains(&window_secs) {
            return error(format!(
                "window_secs: {window_secs} is out of range: expected 1 to {}",
                VelocityLimit::MAX_WINDOW_SECS
            ));
        }
        if max_count == Some(0) {
            return error("max_count: must be at least 1 (or null)".to_owned());
        }
        if let Some((ccy, _)) = max_amount.iter().find(|&(_, v)| v == 0) {
            return error(format!("max_amount.{ccy}: must be at least 1"));
        }
        if max_count.is_none() && max_amount.is_empty() {
            return error("a limit sets max_count, max_amount or both".to_owned());
        }
        Ok(VelocityLimit {
            window_secs,
            max_count,
            max_amount,
        })
    }

    /// The window's length in seconds: the window is `(now − window_secs, now]`.
    pub fn window_secs(&self) -> u32 {
        self.window_secs
    }

    /// The most debits in a window, this one included.
    pub fn max_count(&self) -> Option<u32> {
        self.max_count
    }

    /// Per currency, the most minor units debited in a window, this debit
    /// included; a currency not listed has no amount limit.
    pub fn max_amount(&self) -> &CurrencyMap<u64> {
        &self.max_amount
    }

    fn canonical_order(a: &VelocityLimit, b: &VelocityLimit) -> std::cmp::Ordering {
        (a.window_secs, a.max_count)
            .cmp(&(b.window_secs, b.max_count))
            .then_with(|| a.max_amount.iter().cmp(b.max_amount.iter()))
    }
}

/// A velocity limit or list out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VelocityError(String);

impl Serialize for VelocityLimit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            window_secs: u32,
            max_count: Option<u32>,
            max_amount: Option<&'a CurrencyMap<u64>>,
        }
        View {
            window_secs: self.window_secs,
            max_count: self.max_count,
            max_amount: (!self.max_amount.is_empty()).then_some(&self.max_amount),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for VelocityLimit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire {
            window_secs: crate::money::Strict<u64>,
            #[serde(default)]
            max_count: Option<crate::money::Strict<u64>>,
            #[serde(default)]
            max_amount: Option<CurrencyMap<u64>>,
        }
        let crate::json::Obj(w) = crate::json::Obj::<Wire>::deserialize(d)?;
        let crate::money::Strict(window) = w.window_secs;
        let window = u32::try_from(window)
            .ok()
            .filter(|w| *w <= VelocityLimit::MAX_WINDOW_SECS)
            .ok_or_else(|| {
                de::Error::custom(format_args!(
                    "window_secs: {window} is out of range: expected 1 to {}",
                    VelocityLimit::MAX_WINDOW_SECS
                ))
            })?;
        let count = w
            .max_count
            .map(|crate::money::Strict(n)| u32::try_from(n).unwrap_or(u32::MAX));
        VelocityLimit::new(window, count, w.max_amount.unwrap_or_default())
            .map_err(de::Error::custom)
    }
}

impl Serialize for Velocity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Velocity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Velocity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of at most 8 velocity limits")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Velocity, A::Error> {
                let mut limits = Vec::new();
                while let Some(limit) = seq.next_element::<VelocityLimit>()? {
                    if limits.len() == Velocity::MAX_LIMITS {
                        return Err(de::Error::custom(format_args!(
                            "at most {} velocity limits",
                            Velocity::MAX_LIMITS
                        )));
                    }
                    limits.push(limit);
                }
                Velocity::new(limits).map_err(de::Error::custom)
            }
        }
        d.deserialize_seq(V)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Velocity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Velocity".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let amount = generator.subschema_for::<CurrencyMap<u64>>();
        schemars::json_schema!({
            "description": "Velocity limits: in every window of window_secs seconds ending now, at most max_count debits (any currency, this one included) and at most max_amount[ccy] minor units of the debit's currency.",
            "type": "array",
            "maxItems": Velocity::MAX_LIMITS,
            "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["window_secs"],
                "properties": {
                    "window_secs": {"type": "integer", "minimum": 1, "maximum": VelocityLimit::MAX_WINDOW_SECS},
                    "max_count": {"type": ["integer", "null"], "minimum": 1},
                    "max_amount": {"anyOf": [amount, {"type": "null"}]}
                }
            }
        })
    }
}
