//! The view of a bank account that the engine reads.
//!
//! A [`Snapshot`] holds only what the decision needs: the link's status, the
//! account category, the balance (if any), the state of balance refreshes,
//! and the facts that decide whether the account can be debited by ACH at
//! all. `stripe::parse_account` builds one
//! from Stripe JSON, `plaid::parse_response` from Plaid's, and
//! [`read_account`](crate::read_account) from any document it recognises.
//! Embedders who hold another provider's data (or their own types) build one
//! directly: start from [`Snapshot::new`] and set the facts they know; every
//! field is public and every value is valid by construction. The types are
//! `#[non_exhaustive]`, so that facts added in later versions (each with a
//! neutral "unknown" value in `new`) break no one:
//!
//! ```
//! use fundsgate::{Balance, BalanceType, Currency, CurrencyMap, NextRefresh, Refresh, RefreshStatus, Snapshot, Status};
//! let usd = Currency::new("usd")?;
//! let mut balance = Balance::new(Some(1_651_516_592), BalanceType::Cash, CurrencyMap::from_pairs([(usd, 6000)])?);
//! balance.available = Some(CurrencyMap::from_pairs([(usd, 6000)])?);
//! let mut refresh = Refresh::new(RefreshStatus::Succeeded);
//! refresh.last_attempted_at = Some(1_651_516_582);
//! refresh.next_refresh_available_at = NextRefresh::At(1_651_520_182);
//!
//! let mut snapshot = Snapshot::new(Status::Active);
//! snapshot.balance = Some(balance);
//! snapshot.refresh = Some(refresh);
//! snapshot.balances_permitted = Some(true);
//! # let _ = snapshot;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Values the gate does not recognise (a new Stripe status, say) are kept as
//! the `Unrecognized` variant so that the engine can fail closed on them.
//! Facts a document does not state are `None` ("unknown"): the engine then
//! neither blocks on them nor relies on them.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::money::CurrencyMap;
use crate::spelling::wire_enum;

/// A unix timestamp in whole seconds, as Stripe sends them.
pub type UnixSeconds = i64;

/// Everything the engine knows about the account: the neutral form every
/// provider's document is read into.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Snapshot {
    /// The account's id at its provider (Stripe `fca_…`), recorded in the
    /// verdict; `None` when the document has none.
    pub account_id: Option<AccountId>,
    /// Where the data came from, recorded in the verdict.
    pub provider: Option<Provider>,
    /// The link's status.
    pub status: Status,
    /// The account category; `None` when absent or `null`.
    pub category: Option<Category>,
    /// The last balance the institution shared; `None` when there is none.
    pub balance: Option<Balance>,
    /// The state of balance refreshes; `None` when none was ever requested,
    /// or when the provider has no such thing (Plaid fetches live: a refresh
    /// is a new call).
    pub refresh: Option<Refresh>,
    /// Whether the link may read balances (Stripe: `permissions` holds
    /// `balances`); `None` when the document does not say.
    pub balances_permitted: Option<bool>,
    /// Whether the account can be debited by ACH (Stripe:
    /// `supported_payment_method_types` holds `us_bank_account`); `None`
    /// when the document does not say.
    pub ach_supported: Option<bool>,
    /// What the account's numbers allow (Stripe: `account_numbers`).
    pub account_numbers: AccountNumbers,
    /// The institution reports the account closed (Stripe:
    /// `status_details.inactive.cause` is `account_closed`).
    pub closed: bool,
    /// The customer must relink the account (Stripe: a `status_details`
    /// `action` of `relink_required`).
    pub relink_required: bool,
    /// The link is expected to stop working at this time (Stripe:
    /// `status_details.active.expected_deactivation_date`).
    pub expected_deactivation: Option<UnixSeconds>,
    /// Live or test data (Stripe: `livemode`), or why it is not known.
    pub livemode: Livemode,
    /// The provider refused the balance request itself (Plaid's
    /// `INVALID_REQUEST`, `INVALID_INPUT`, `INVALID_RESULT` errors, or an
    /// error type the gate does not know): asking again does not help
    /// (row `missing_request_failed`).
    pub request_failed: bool,
    /// The provider's error, when the document is an error response (Plaid
    /// `error_type` and `error_code`): the verdict records it and its
    /// explanation names it. The state it leaves the account in is set
    /// in the other fields (status, refresh, `request_failed`).
    pub provider_error: Option<ProviderError>,
    /// The provider's own risk ruleset's result (Plaid Signal
    /// `ruleset.result`); `None` when no ruleset ran.
    pub provider_result: Option<ProviderResult>,
}

impl Snapshot {
    /// A snapshot of an account with `status` and nothing else known: no
    /// category, no balance, no refresh, no permissions or debitability
    /// facts. Set the fields you know.
    pub fn new(status: Status) -> Snapshot {
        Snapshot {
            account_id: None,
            provider: None,
            status,
            category: None,
            balance: None,
            refresh: None,
            balances_permitted: None,
            ach_supported: None,
            account_numbers: AccountNumbers::Unknown,
            closed: false,
            relink_required: false,
            expected_deactivation: None,
            livemode: Livemode::NotReported,
            request_failed: false,
            provider_error: None,
            provider_result: None,
        }
    }
}

/// Whether the account's data is live or test data (Stripe `livemode`), as
/// the policy's `livemode` checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Livemode {
    /// The provider reports no such thing (Plaid), or a neutral snapshot
    /// says nothing about it: never checked, so a policy that sets
    /// `livemode` does not deny it.
    NotReported,
    /// The document should say and does not (a Stripe document without
    /// `livemode`, or with `null`): a policy that sets `livemode` denies it.
    Missing,
    /// Live (`true`) or test (`false`) data.
    Is(bool),
}

impl Livemode {
    /// From a document's field: absent (`None`, not reported), `null`
    /// (`Some(None)`, missing) or a boolean.
    pub(crate) fn from_field(field: Option<Option<bool>>) -> Livemode {
        match field {
            None => Livemode::NotReported,
            Some(None) => Livemode::Missing,
            Some(Some(live)) => Livemode::Is(live),
        }
    }

    /// The document's field: [`Livemode::from_field`] reversed.
    pub(crate) fn to_field(self) -> Option<Option<bool>> {
        match self {
            Livemode::NotReported => None,
            Livemode::Missing => Some(None),
            Livemode::Is(live) => Some(Some(live)),
        }
    }

    /// Whether a policy that wants `wanted` denies this account (row
    /// `livemode`): a stated value that differs, or a missing one.
    pub fn mismatches(self, wanted: bool) -> bool {
        match self {
            Livemode::NotReported => false,
            Livemode::Missing => true,
            Livemode::Is(live) => live != wanted,
        }
    }
}

/// The result of the provider's own risk ruleset (Plaid Signal
/// `ruleset.result`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProviderResult {
    /// Go ahead (Plaid `ACCEPT`): nothing for the gate to add.
    Accept,
    /// Look at it before going ahead (Plaid `REVIEW`): row `provider_review`,
    /// or a warning under the policy's `provider_review: "decide"`.
    Review,
    /// Too risky for this payment method (Plaid `REROUTE`): row
    /// `provider_declined`.
    Decline,
    /// A value the gate does not know, or a ruleset without a result:
    /// `unrecognized_value`.
    Unrecognized,
}

/// A provider's error response, as the verdict records it (Plaid
/// `error_type`, `error_code`).
///
/// Names are kept as the provider wrote them when they are 1 to
/// [`ProviderError::MAX_NAME`] ASCII letters, digits, `_`, `-` or `.`
/// (every Plaid type and code); anything else is not repeated in a verdict
/// and is read as an unnamed error of a type the gate does not know.
///
/// One pointer wide (the names are shared), so that a verdict that copies it
/// stays small and copying it never allocates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProviderError(Arc<ErrorNames>);

#[derive(Debug, PartialEq, Eq, Hash)]
struct ErrorNames {
    error_type: Option<Box<str>>,
    error_code: Option<Box<str>>,
}

impl ProviderError {
    /// The longest name kept, in bytes.
    pub const MAX_NAME: usize = 64;

    /// The error of type `error_type` with code `error_code`; a name that is
    /// no plain token (see the type's docs) is left out.
    pub fn new(error_type: Option<&str>, error_code: Option<&str>) -> ProviderError {
        ProviderError(Arc::new(ErrorNames {
            error_type: error_type.and_then(Self::name),
            error_code: error_code.and_then(Self::name),
        }))
    }

    /// `name`, when it is a plain token the verdict may repeat.
    fn name(name: &str) -> Option<Box<str>> {
        let plain = (1..=Self::MAX_NAME).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        plain.then(|| Box::from(name))
    }

    /// Whether `name` would be kept as it is.
    pub fn is_plain_name(name: &str) -> bool {
        Self::name(name).is_some()
    }

    /// The error's type (`"ITEM_ERROR"`), when it is a plain token.
    pub fn error_type(&self) -> Option<&str> {
        self.0.error_type.as_deref()
    }

    /// The error's code (`"ITEM_LOGIN_REQUIRED"`), when it is a plain token.
    pub fn error_code(&self) -> Option<&str> {
        self.0.error_code.as_deref()
    }
}

/// `{"type": "ITEM_ERROR", "code": "ITEM_LOGIN_REQUIRED"}` (either may be
/// null), in a verdict and in a neutral snapshot. Other keys are ignored, as
/// in every document the gate reads (a later version may add some).
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "ProviderError"))]
struct ErrorWire<'a> {
    /// The error's type (Plaid `error_type`), or null when it was no plain
    /// token (1 to 64 ASCII letters, digits, `_`, `-`, `.`).
    #[serde(rename = "type", borrow)]
    error_type: Option<std::borrow::Cow<'a, str>>,
    /// The error's code (Plaid `error_code`), or null.
    #[serde(rename = "code", borrow)]
    error_code: Option<std::borrow::Cow<'a, str>>,
}

impl<'de> Deserialize<'de> for ProviderError {
    /// Names that are no plain token are an error here: the document is a
    /// snapshot or a verdict that fundsgate wrote, which never holds one.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = ErrorWire::deserialize(d)?;
        for name in [&wire.error_type, &wire.error_code].into_iter().flatten() {
            if !ProviderError::is_plain_name(name) {
                return Err(serde::de::Error::custom(format_args!(
                    "an error name is 1 to {} ASCII letters, digits, `_`, `-` or `.`",
                    ProviderError::MAX_NAME
                )));
            }
        }
        Ok(ProviderError::new(
            wire.error_type.as_deref(),
            wire.error_code.as_deref(),
        ))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for ProviderError {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ProviderError".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        ErrorWire::json_schema(generator)
    }
}

/// The link's status (Stripe `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// The connection works; refreshes are possible.
    Active,
    /// The link is down: no refresh can be made (token expired, access
    /// revoked, account closed…).
    Inactive,
    /// The link was ended by the account holder or the merchant. Data can no
    /// longer be refreshed, but PaymentMethods made from the account still
    /// work (Stripe), so a fresh balance, if any, is still used.
    Disconnected,
    /// A value the gate does not know: the engine denies with
    /// `unrecognized_value`.
    Unrecognized,
}

impl Status {
    /// Whether the link is down (`inactive` or `disconnected`).
    pub fn is_down(self) -> bool {
        matches!(self, Status::Inactive | Status::Disconnected)
    }
}

/// The account category (Stripe `category`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// Checking or savings.
    Cash,
    /// A credit card or line of credit: never debited.
    Credit,
    /// A brokerage or retirement account.
    Investment,
    /// Anything else Stripe knows of.
    Other,
    /// A value the gate does not know: the engine denies with
    /// `unrecognized_value`.
    Unrecognized,
}

/// The balance the institution computed at `as_of`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Balance {
    /// When the institution computed the balance (not when it was fetched);
    /// `None` when no one knows (a Plaid balance without
    /// `last_updated_datetime` or `fetched_at`): the engine then treats the
    /// balance as stale.
    pub as_of: Option<UnixSeconds>,
    /// Whether this is a cash or a credit balance.
    pub kind: BalanceType,
    /// Posted balance per currency; ignores pending transfers and holds.
    pub current: CurrencyMap<i64>,
    /// `cash.available`: balance after holds, per currency; `None` when the
    /// institution does not report it (`cash` or `cash.available` null).
    pub available: Option<CurrencyMap<i64>>,
}

impl Balance {
    /// A balance of `kind` computed at `as_of`, with `current` amounts and no
    /// `available` ones (set [`Balance::available`] when the institution
    /// reports them).
    pub fn new(
        as_of: Option<UnixSeconds>,
        kind: BalanceType,
        current: CurrencyMap<i64>,
    ) -> Balance {
        Balance {
            as_of,
            kind,
            current,
            available: None,
        }
    }
}

/// The kind of balance (Stripe `balance.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BalanceType {
    /// A cash balance: positive is money the holder has.
    Cash,
    /// A credit balance: never evidence of funds for a debit.
    Credit,
    /// A value the gate does not know, or no `type` at all: fail closed.
    Unrecognized,
}

/// The state of balance refreshes (Stripe `balance_refresh`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Refresh {
    /// The last refresh's status.
    pub status: RefreshStatus,
    /// When the last refresh was attempted.
    pub last_attempted_at: Option<UnixSeconds>,
    /// When a new refresh may start.
    pub next_refresh_available_at: NextRefresh,
}

impl Refresh {
    /// A refresh in `status`, with no attempt time and no restriction on the
    /// next one ([`NextRefresh::NotStated`]).
    pub fn new(status: RefreshStatus) -> Refresh {
        Refresh {
            status,
            last_attempted_at: None,
            next_refresh_available_at: NextRefresh::NotStated,
        }
    }
}

/// When a new balance refresh may start (Stripe
/// `balance_refresh.next_refresh_available_at`). Absent and `null` mean
/// different things.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NextRefresh {
    /// The key is absent (API versions before December 2023): no restriction
    /// is known, so a refresh may start.
    NotStated,
    /// `null`: no refresh can start now (one is pending, or the account is
    /// inactive).
    Unavailable,
    /// From this time on.
    At(UnixSeconds),
}

impl NextRefresh {
    /// The time, when one is given.
    pub fn at(self) -> Option<UnixSeconds> {
        match self {
            NextRefresh::At(t) => Some(t),
            NextRefresh::NotStated | NextRefresh::Unavailable => None,
        }
    }
}

/// The last refresh's status (Stripe `balance_refresh.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefreshStatus {
    /// Requested and not finished.
    Pending,
    /// Finished with a new balance.
    Succeeded,
    /// Finished without one.
    Failed,
    /// A value the gate does not know: the engine denies with
    /// `unrecognized_value`.
    Unrecognized,
}

/// What the account's numbers allow (Stripe `account_numbers`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountNumbers {
    /// The document does not list them (`null` or absent), or lists none.
    Unknown,
    /// At least one number is `transactable`.
    Transactable,
    /// Numbers are listed and none is `transactable` (all deactivated, or in
    /// states the gate does not know): no ACH debit can reach the account.
    NoneTransactable,
}

wire_enum! {
    /// Where a snapshot's data came from (the verdict's `provider`).
    #[non_exhaustive]
    pub enum Provider {
        /// Stripe Financial Connections.
        Stripe = "stripe",
        /// Plaid.
        Plaid = "plaid",
        /// fundsgate's own neutral snapshot document.
        Snapshot = "snapshot",
    }
}

/// An account's id at its provider (`fca_…` at Stripe), as recorded in
/// verdicts. Ids of up to [`AccountId::INLINE`] bytes (every Stripe and Plaid
/// id: 28 and 37 bytes; a UUID payments key, 36) are stored inline, so reading one allocates nothing; longer ones are
/// shared, so that copying one into a verdict never allocates either.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountId(IdRepr);

/// Hashes the id's bytes only (not the unused inline slots): equal ids are
/// stored alike (inline up to [`AccountId::INLINE`] bytes, shared beyond),
/// so this agrees with `Eq`.
impl std::hash::Hash for AccountId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum IdRepr {
    /// `bytes[..len]` is the id, whole UTF-8.
    Inline {
        len: u8,
        bytes: [u8; ID_INLINE],
    },
    Shared(Arc<str>),
}

const ID_INLINE: usize = 46;

impl AccountId {
    /// The longest id stored inline, in bytes.
    pub const INLINE: usize = ID_INLINE;

    /// The id `id`.
    pub fn new(id: &str) -> AccountId {
        let mut bytes = [0_u8; ID_INLINE];
        match (bytes.get_mut(..id.len()), u8::try_from(id.len())) {
            (Some(slot), Ok(len)) => {
                slot.copy_from_slice(id.as_bytes());
                AccountId(IdRepr::Inline { len, bytes })
            }
            _ => AccountId(IdRepr::Shared(Arc::from(id))),
        }
    }

    /// The id's UTF-8 bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            IdRepr::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            IdRepr::Shared(id) => id.as_bytes(),
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            IdRepr::Inline { len, bytes } =>
            {
                #[expect(
                    clippy::indexing_slicing,
                    clippy::expect_used,
                    reason = "`new` stores a whole &str of `len` bytes: the slice is in range and UTF-8"
                )]
                std::str::from_utf8(&bytes[..usize::from(*len)])
                    .expect("an inline id is a whole &str")
            }
            IdRepr::Shared(id) => id,
        }
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AccountId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = AccountId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an account id string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AccountId, E> {
                Ok(AccountId::new(v))
            }
        }
        d.deserialize_str(V)
    }
}
