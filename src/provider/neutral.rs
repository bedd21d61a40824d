//! The neutral snapshot document, `{"object": "fundsgate.snapshot", …}`:
//! a [`Snapshot`] written as JSON, and read back.
//!
//! It is the engine's own input, serialized: any provider's data can be
//! mapped onto it (MX, Finicity, Teller, an in-house ledger), and
//! `fundsgate snapshot` prints the one the gate reads from a Stripe or Plaid
//! document. Writing a snapshot and reading it back gives an equal snapshot
//! (its `provider` becomes `snapshot`) and the same verdicts.
//!
//! ```
//! use fundsgate::{neutral, Status};
//! let snapshot = neutral::parse(br#"{"object": "fundsgate.snapshot", "account_id": "acc_1",
//!     "status": "active", "category": "cash",
//!     "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 6000}, "available": {"usd": 6000}}}"#)?;
//! assert_eq!(snapshot.status, Status::Active);
//! let text = neutral::to_json(&snapshot);
//! assert_eq!(neutral::parse(text.as_bytes())?, snapshot);
//! # Ok::<(), fundsgate::ParseError>(())
//! ```
//!
//! The fields (all but `object` and `status` may be absent; absent reads as
//! null, `false` or `"unknown"`):
//!
//! | field | meaning |
//! | --- | --- |
//! | `object` | `"fundsgate.snapshot"` |
//! | `account_id` | the account's id at its provider, recorded in verdicts, or null |
//! | `status` | `active`, `inactive` or `disconnected` (the link) |
//! | `category` | `cash`, `credit`, `investment`, `other`, or null |
//! | `balance` | `{as_of, type, current, available}` or null: `as_of` unix seconds or null (unknown: stale), `type` `cash` or `credit`, `current` and `available` maps of currency to integer minor units (`available` may be null) |
//! | `refresh` | `{status, last_attempted_at, next_refresh_available_at}` or null (none requested, or no such thing at the provider): `status` `pending`, `succeeded` or `failed`; `next_refresh_available_at` absent (no restriction), null (cannot start) or unix seconds |
//! | `balances_permitted` | whether the link may read balances, or null |
//! | `ach_supported` | whether the account can be debited by ACH, or null |
//! | `account_numbers` | `unknown`, `transactable` or `none_transactable` |
//! | `closed` | the institution reports the account closed |
//! | `relink_required` | the customer must relink the account |
//! | `expected_deactivation` | unix seconds when the link is expected to stop, or null |
//! | `livemode` | live (true) or test (false) data; null when the provider should have said and did not (a Stripe document without `livemode`: a policy that sets `livemode` denies it); absent when the provider reports no such thing (Plaid: never checked) |
//! | `request_failed` | the provider refused the balance request itself (Plaid `INVALID_*` errors): row `missing_request_failed` |
//! | `provider_error` | `{type, code}` of the provider's error response (Plaid `error_type`, `error_code`), recorded in verdicts and named in their explanation, or null |
//! | `provider_result` | the provider's own ruleset's result: `accept`, `review`, `decline` (Plaid Signal `ACCEPT`, `REVIEW`, `REROUTE`), or null when none ran |
//!
//! Like every account document: unknown fields are ignored, and an enum
//! value the gate does not know (a `status` of `"suspended"`, say) is not an
//! error but fails closed (`unrecognized_value`); an unknown value is written
//! as `"unrecognized"`. The JSON Schema is `fundsgate schema snapshot`.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, JsonError, ParseError};
use crate::json::{Obj, from_slice_tracked, strip_bom};
use crate::money::{CurrencyMap, Strict};
use crate::provider::names::Wire;
use crate::snapshot::{
    AccountId, AccountNumbers, Balance, BalanceType, Category, Livemode, NextRefresh, Provider,
    ProviderError, ProviderResult, Refresh, RefreshStatus, Snapshot, Status,
};

/// The `object` value of a neutral snapshot document.
pub const OBJECT: &str = "fundsgate.snapshot";

/// Reads a neutral snapshot document. The snapshot's `provider` is
/// [`Provider::Snapshot`].
///
/// # Errors
///
/// [`ParseError`] naming the JSON path at fault: malformed JSON, an
/// `object` other than `"fundsgate.snapshot"` (or none), a missing `status`,
/// an amount or time that is not a JSON integer in `i64` range, a bad or
/// duplicate currency key.
pub fn parse(bytes: &[u8]) -> Result<Snapshot, ParseError> {
    parse_json(bytes).map_err(ParseError::from)
}

pub(crate) fn parse_json(bytes: &[u8]) -> Result<Snapshot, JsonError> {
    from_slice_tracked::<Obj<Document>>(strip_bom(bytes)).and_then(|Obj(d)| d.into_snapshot())
}

/// Writes `snapshot` as a neutral snapshot document (one line of JSON).
pub fn to_json(snapshot: &Snapshot) -> String {
    #[expect(
        clippy::expect_used,
        reason = "strings, integers, booleans and maps with string keys: serde_json cannot fail on them"
    )]
    serde_json::to_string(&Document::from(snapshot)).expect("a snapshot document serializes")
}

/// The document as serde reads and writes it.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(
        title = "Snapshot",
        description = "A fundsgate neutral snapshot: the facts the gate decides on, from any provider."
    )
)]
pub(crate) struct Document {
    /// Always `"fundsgate.snapshot"`.
    #[cfg_attr(feature = "schema", schemars(with = "ObjectSchema"))]
    object: Option<String>,
    /// The account's id at its provider, recorded in verdicts.
    #[serde(default)]
    account_id: Option<AccountId>,
    /// The link's status.
    #[cfg_attr(feature = "schema", schemars(with = "StatusSchema"))]
    status: Option<Wire<Status>>,
    /// The account category.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<CategorySchema>"))]
    category: Option<Wire<Category>>,
    /// The last balance the institution shared.
    #[serde(default)]
    balance: Option<Obj<DocBalance>>,
    /// The state of balance refreshes: null when none was requested, or when
    /// the provider has no such thing.
    #[serde(default)]
    refresh: Option<Obj<DocRefresh>>,
    /// Whether the link may read balances.
    #[serde(default)]
    balances_permitted: Option<bool>,
    /// Whether the account can be debited by ACH.
    #[serde(default)]
    ach_supported: Option<bool>,
    /// What the account's numbers allow.
    #[serde(default)]
    account_numbers: Option<DocAccountNumbers>,
    /// The institution reports the account closed.
    #[serde(default)]
    closed: Option<bool>,
    /// The customer must relink the account.
    #[serde(default)]
    relink_required: Option<bool>,
    /// When the link is expected to stop working (unix seconds).
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<i64>"))]
    expected_deactivation: Option<Strict<i64>>,
    /// Live (true) or test (false) data; null when the provider should have
    /// said and did not (checked: a policy that sets `livemode` denies it);
    /// absent when it reports no such thing (never checked).
    #[serde(
        default,
        deserialize_with = "crate::json::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "schema", schemars(with = "Option<bool>"))]
    livemode: Option<Option<bool>>,
    /// The provider refused the balance request itself: asking again does
    /// not help.
    #[serde(default)]
    request_failed: Option<bool>,
    /// The provider's error response, recorded in verdicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider_error: Option<ProviderError>,
    /// The provider's own ruleset's result (`accept`, `review`, `decline`),
    /// or null when none ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<ProviderResultSchema>"))]
    provider_result: Option<Wire<ProviderResult>>,
}

/// The last balance the institution shared.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Balance"))]
struct DocBalance {
    /// When the institution computed the balance (unix seconds); null when
    /// unknown, which makes the balance stale.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<i64>"))]
    as_of: Option<Strict<i64>>,
    /// `cash` or `credit`.
    #[serde(default, rename = "type")]
    #[cfg_attr(feature = "schema", schemars(with = "BalanceTypeSchema"))]
    kind: Option<Wire<BalanceType>>,
    /// Posted balance per currency, in minor units.
    #[serde(default)]
    current: Option<CurrencyMap<i64>>,
    /// Balance after holds per currency, in minor units; null when not
    /// reported.
    #[serde(default)]
    available: Option<CurrencyMap<i64>>,
}

/// The state of balance refreshes.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Refresh"))]
struct DocRefresh {
    /// The last refresh's status.
    #[cfg_attr(feature = "schema", schemars(with = "RefreshStatusSchema"))]
    #[serde(default)]
    status: Option<Wire<RefreshStatus>>,
    /// When the last refresh was attempted (unix seconds).
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<i64>"))]
    last_attempted_at: Option<Strict<i64>>,
    /// When a new refresh may start: absent (no restriction known), null
    /// (cannot start now) or unix seconds.
    #[serde(
        default,
        deserialize_with = "crate::json::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "schema", schemars(with = "Option<i64>"))]
    next_refresh_available_at: Option<Option<Strict<i64>>>,
}

/// What the account's numbers allow.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "AccountNumbers"))]
#[serde(rename_all = "snake_case")]
enum DocAccountNumbers {
    /// Not listed.
    Unknown,
    /// At least one number can be debited.
    Transactable,
    /// Numbers are listed and none can be debited.
    NoneTransactable,
}

impl Document {
    fn into_snapshot(self) -> Result<Snapshot, JsonError> {
        match self.object.as_deref() {
            Some(OBJECT) => {}
            Some(other) => {
                return Err(JsonError::new(
                    ErrorKind::NotAnAccount,
                    "object",
                    format!("expected `{OBJECT}`, found `{other}`"),
                ));
            }
            None => {
                return Err(JsonError::new(
                    ErrorKind::Missing,
                    "object",
                    format!("required: `{OBJECT}`"),
                ));
            }
        }
        let Some(Wire(status)) = self.status else {
            return Err(JsonError::new(ErrorKind::Missing, "status", "required"));
        };
        let mut s = Snapshot::new(status);
        s.account_id = self.account_id;
        s.provider = Some(Provider::Snapshot);
        s.category = self.category.map(|Wire(c)| c);
        s.balance = self.balance.map(|Obj(b)| {
            let mut balance = Balance::new(
                b.as_of.map(|Strict(t)| t),
                b.kind.map_or(BalanceType::Unrecognized, |Wire(k)| k),
                b.current.unwrap_or_default(),
            );
            balance.available = b.available;
            balance
        });
        s.refresh = self.refresh.map(|Obj(r)| {
            let mut refresh =
                Refresh::new(r.status.map_or(RefreshStatus::Unrecognized, |Wire(s)| s));
            refresh.last_attempted_at = r.last_attempted_at.map(|Strict(t)| t);
            refresh.next_refresh_available_at = match r.next_refresh_available_at {
                None => NextRefresh::NotStated,
                Some(None) => NextRefresh::Unavailable,
                Some(Some(Strict(t))) => NextRefresh::At(t),
            };
            refresh
        });
        s.balances_permitted = self.balances_permitted;
        s.ach_supported = self.ach_supported;
        s.account_numbers = match self.account_numbers {
            None | Some(DocAccountNumbers::Unknown) => AccountNumbers::Unknown,
            Some(DocAccountNumbers::Transactable) => AccountNumbers::Transactable,
            Some(DocAccountNumbers::NoneTransactable) => AccountNumbers::NoneTransactable,
        };
        s.closed = self.closed.unwrap_or(false);
        s.relink_required = self.relink_required.unwrap_or(false);
        s.expected_deactivation = self.expected_deactivation.map(|Strict(t)| t);
        s.livemode = Livemode::from_field(self.livemode);
        s.request_failed = self.request_failed.unwrap_or(false);
        s.provider_error = self.provider_error;
        s.provider_result = self.provider_result.map(|Wire(r)| r);
        Ok(s)
    }
}

impl From<&Snapshot> for Document {
    fn from(s: &Snapshot) -> Self {
        Document {
            object: Some(OBJECT.to_owned()),
            account_id: s.account_id.clone(),
            status: Some(Wire(s.status)),
            category: s.category.map(Wire),
            balance: s.balance.as_ref().map(|b| {
                Obj(DocBalance {
                    as_of: b.as_of.map(Strict),
                    kind: Some(Wire(b.kind)),
                    current: Some(b.current.clone()),
                    available: b.available.clone(),
                })
            }),
            refresh: s.refresh.map(|r| {
                Obj(DocRefresh {
                    status: Some(Wire(r.status)),
                    last_attempted_at: r.last_attempted_at.map(Strict),
                    next_refresh_available_at: match r.next_refresh_available_at {
                        NextRefresh::NotStated => None,
                        NextRefresh::Unavailable => Some(None),
                        NextRefresh::At(t) => Some(Some(Strict(t))),
                    },
                })
            }),
            balances_permitted: s.balances_permitted,
            ach_supported: s.ach_supported,
            account_numbers: Some(match s.account_numbers {
                AccountNumbers::Unknown => DocAccountNumbers::Unknown,
                AccountNumbers::Transactable => DocAccountNumbers::Transactable,
                AccountNumbers::NoneTransactable => DocAccountNumbers::NoneTransactable,
            }),
            closed: Some(s.closed),
            relink_required: Some(s.relink_required),
            expected_deactivation: s.expected_deactivation.map(Strict),
            livemode: s.livemode.to_field(),
            request_failed: Some(s.request_failed),
            provider_error: s.provider_error.clone(),
            provider_result: s.provider_result.map(Wire),
        }
    }
}

/// Schema-only spellings of the document's enums: the known values and
/// `unrecognized` (readers accept any string and fail closed on unknown ones).
#[cfg(feature = "schema")]
mod schema_types {
    #![expect(dead_code, reason = "schemas only: the values are read by `Wire`")]

    #[derive(schemars::JsonSchema)]
    #[schemars(rename = "Object")]
    pub(super) enum ObjectSchema {
        #[serde(rename = "fundsgate.snapshot")]
        Snapshot,
    }

    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[schemars(rename = "Status")]
    pub(super) enum StatusSchema {
        Active,
        Inactive,
        Disconnected,
        Unrecognized,
    }

    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[schemars(rename = "Category")]
    pub(super) enum CategorySchema {
        Cash,
        Credit,
        Investment,
        Other,
        Unrecognized,
    }

    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[schemars(rename = "BalanceType")]
    pub(super) enum BalanceTypeSchema {
        Cash,
        Credit,
        Unrecognized,
    }

    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[schemars(rename = "ProviderResult")]
    pub(super) enum ProviderResultSchema {
        Accept,
        Review,
        Decline,
        Unrecognized,
    }

    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[schemars(rename = "RefreshStatus")]
    pub(super) enum RefreshStatusSchema {
        Pending,
        Succeeded,
        Failed,
        Unrecognized,
    }
}
#[cfg(feature = "schema")]
use schema_types::{
    BalanceTypeSchema, CategorySchema, ObjectSchema, ProviderResultSchema, RefreshStatusSchema,
    StatusSchema,
};
