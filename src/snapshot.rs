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
    /// Live or test data (Stripe: `livemode`); `None` when the document does
    /// not say.
    pub livemode: Option<bool>,
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
            livemode: None,
        }
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

/// Where a snapshot's data came from (the verdict's `provider`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Provider {
    /// Stripe Financial Connections.
    Stripe,
    /// Plaid.
    Plaid,
    /// fundsgate's own neutral snapshot document.
    Snapshot,
}

impl Provider {
    /// The wire name, e.g. `"stripe"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Stripe => "stripe",
            Provider::Plaid => "plaid",
            Provider::Snapshot => "snapshot",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account's id at its provider (`fca_…` at Stripe), as recorded in
/// verdicts. Ids of up to [`AccountId::INLINE`] bytes (every Stripe and Plaid
/// id) are stored inline, so reading one allocates nothing; longer ones are
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

const ID_INLINE: usize = 62;

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
