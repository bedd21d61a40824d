//! Plaid: `/accounts/balance/get` responses, Plaid Signal
//! `/signal/evaluate` responses and Plaid error responses in, [`Snapshot`]
//! out (SPEC v3 §1–2).
//!
//! * **`/accounts/balance/get`.** One account of the response is read: the
//!   one whose `account_id` is given, or the only one (an id that stands
//!   twice is an error). Its `type` becomes the category (`depository` →
//!   cash; `credit`, `loan` → credit; `investment`, `brokerage` →
//!   investment; `other` → other; anything else fails closed with
//!   `unrecognized_value`). A `depository` account whose `subtype` is not
//!   null, `checking`, `savings` or `cash management` cannot be debited by
//!   ACH (Plaid Auth returns ACH numbers for those three only: row
//!   `not_debitable`).
//! * **Amounts.** `available` and `current` are JSON numbers in **major**
//!   units (`110.94` dollars). Each becomes a one-currency map in minor
//!   units, converted exactly from the number's literal text with the ISO
//!   4217 exponent of `iso_currency_code` (never through `f64`; digits
//!   beyond the exponent are cut toward −∞, so a balance is never rounded
//!   up). A number with an exponent part (`1.1e2`) is an error. A null or
//!   unknown currency code leaves the maps empty (`currency_not_in_balance`);
//!   an account whose `available` and `current` are both null has no balance.
//! * **Time.** `as_of` is `last_updated_datetime`, else the `fetched_at`
//!   the caller gives (when the response was received: both endpoints fetch
//!   live), else unknown, which the engine treats as stale. Plaid has no
//!   refresh state: a stale or missing balance asks the pipeline to call the
//!   endpoint again (`initiate`).
//! * **`/signal/evaluate`** (a top-level `ruleset`, `core_attributes` or
//!   `scores` key and no `accounts`): one cash account in USD,
//!   `core_attributes.available_balance` / `current_balance` read exactly as
//!   above, `as_of` = `balance_last_updated`, else `fetched_at`;
//!   `is_account_closed: true` is a closed account; `ruleset.result`
//!   `ACCEPT`, `REVIEW`, `REROUTE` become [`ProviderResult`]s (`REROUTE`
//!   declines: row `provider_declined`; `REVIEW`: row `provider_review`, or
//!   a warning under the policy's `provider_review: "decide"`); another
//!   value, or a ruleset without `result`, fails closed. `scores` and
//!   `warnings` are not read. The account id is the one given, else null.
//! * **Errors** (`error_type`) map by type and code to the state the gate
//!   decides on (SPEC v3 §2): `PRODUCT_NOT_READY` is a refresh pending
//!   (wait); any other `ITEM_ERROR` a link that is down (`inactive`,
//!   `relink_required`); `INSTITUTION_NO_LONGER_SUPPORTED` a disconnected
//!   link (`relink_required`); another `INSTITUTION_ERROR` or
//!   `RATE_LIMIT_EXCEEDED` a failed refresh that cannot start again now
//!   (retry after an unknown time); `API_ERROR` a failed refresh that may
//!   start again now; `INVALID_REQUEST`, `INVALID_INPUT`, `INVALID_RESULT` and
//!   any other type a request refused for good (row
//!   `missing_request_failed`: asking again does not help). The snapshot
//!   keeps the type and code ([`ProviderError`]) for the verdict and its
//!   explanation. A response with both `accounts` and `error_type` is an
//!   error; one with `error_type` and a Signal key is an error response.
//! * Unknown fields are ignored. Plaid reports no livemode: a policy that
//!   sets `livemode` never denies a Plaid document.
//!
//! ```
//! use fundsgate::{plaid, Currency, Category};
//! let response = br#"{"accounts": [{"account_id": "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp",
//!     "balances": {"available": 100, "current": 110.94, "iso_currency_code": "USD",
//!                  "limit": null, "unofficial_currency_code": null},
//!     "mask": "0000", "name": "Plaid Checking", "subtype": "checking", "type": "depository"}],
//!   "item": {"item_id": "eVBnVMp7zdTJLkRNr33Rs6zr7KNJqBFL9DrE6"}, "request_id": "qk5Bxes3gDfv4F2"}"#;
//! let snapshot = plaid::parse_response(response, None, Some(1_651_516_592))?;
//! assert_eq!(snapshot.category, Some(Category::Cash));
//! let balance = snapshot.balance.as_ref().ok_or("no balance")?;
//! assert_eq!(balance.current.get(Currency::new("usd")?), Some(11094));
//! assert_eq!(balance.as_of, Some(1_651_516_592));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::value::RawValue;

pub(crate) mod fast;

use crate::error::{ErrorKind, JsonError, ParseError};
use crate::instant::parse_instant;
use crate::json::{Obj, from_slice_tracked, strip_bom};
use crate::money::{Currency, CurrencyMap, minor_from_major};
use crate::snapshot::{
    AccountId, Balance, BalanceType, Category, Livemode, NextRefresh, Provider, ProviderError,
    ProviderResult, Refresh, RefreshStatus, Snapshot, Status, UnixSeconds,
};

/// Reads a Plaid `/accounts/balance/get` response, a Plaid Signal
/// `/signal/evaluate` response or a Plaid error response into a
/// [`Snapshot`] of one account.
///
/// `account_id` selects the account of a balance response; it may be `None`
/// when the response holds exactly one. A Signal or error response names no
/// account: `account_id` becomes the snapshot's (and the verdict's) account.
/// `fetched_at` is when the response was received (unix seconds), the
/// balance's time when Plaid gives no `last_updated_datetime` /
/// `balance_last_updated`.
///
/// # Errors
///
/// [`ParseError`] naming the JSON path at fault: malformed JSON; a document
/// with none of `accounts`, `error_type`, `ruleset`, `core_attributes`,
/// `scores`; both `accounts` and `error_type`; an `account_id` that is not
/// in the response, stands in it twice, or none given when it holds several
/// accounts (the message lists the ids present); an amount that is not a
/// plain decimal number, has an exponent part or overflows `i64` in minor
/// units; a time that is not RFC 3339.
pub fn parse_response(
    bytes: &[u8],
    account_id: Option<&str>,
    fetched_at: Option<UnixSeconds>,
) -> Result<Snapshot, ParseError> {
    parse_json(bytes, account_id, fetched_at, true).map_err(ParseError::from)
}

/// [`parse_response`], with or without the fast reader ([`fast`]; the fuzz
/// targets compare the two).
pub(crate) fn parse_json(
    bytes: &[u8],
    account_id: Option<&str>,
    fetched_at: Option<UnixSeconds>,
    fast: bool,
) -> Result<Snapshot, JsonError> {
    let bytes = strip_bom(bytes);
    let response = match fast.then(|| fast::response(bytes)).flatten() {
        Some(response) => response,
        None => from_slice_tracked::<Obj<Response<'_>>>(bytes)?.0,
    };
    response.into_snapshot(account_id, fetched_at)
}

/// The parts of a response the gate reads; everything else is skipped. The
/// fast reader ([`fast`]) builds the same structs.
#[derive(Deserialize, Default, Debug, PartialEq)]
pub(crate) struct Response<'a> {
    #[serde(default, borrow)]
    pub(crate) accounts: Option<Vec<Obj<Account<'a>>>>,
    /// Present (`Some`), even when null: a response with `accounts` and an
    /// `error_type` key is ambiguous.
    #[serde(default, borrow, deserialize_with = "crate::json::present")]
    pub(crate) error_type: Option<Option<Cow<'a, str>>>,
    #[serde(default, borrow)]
    pub(crate) error_code: Option<Cow<'a, str>>,
    /// Signal: present (`Some`), even when null.
    #[serde(default, borrow, deserialize_with = "crate::json::present")]
    pub(crate) ruleset: Option<Option<Obj<Ruleset<'a>>>>,
    /// Signal: present (`Some`), even when null.
    #[serde(default, borrow, deserialize_with = "crate::json::present")]
    pub(crate) core_attributes: Option<Option<Obj<CoreAttributes<'a>>>>,
    /// Signal: present (`Some`), even when null (a Balance-only ruleset);
    /// never read.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub(crate) scores: Option<Skipped>,
}

/// A value that is only looked for, never read (Signal's `scores`).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Skipped)
    }
}

/// Signal's `ruleset`: only its `result` is read.
#[derive(Deserialize, Default, Debug, PartialEq)]
pub(crate) struct Ruleset<'a> {
    #[serde(default, borrow)]
    pub(crate) result: Option<Cow<'a, str>>,
}

/// Signal's `core_attributes`: the balance and whether the account is
/// closed (of over 80 attributes).
#[derive(Deserialize, Default, Debug, PartialEq)]
pub(crate) struct CoreAttributes<'a> {
    #[serde(default, borrow)]
    pub(crate) available_balance: Option<Literal<'a>>,
    #[serde(default, borrow)]
    pub(crate) current_balance: Option<Literal<'a>>,
    #[serde(default, borrow)]
    pub(crate) balance_last_updated: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) is_account_closed: Option<bool>,
}

#[derive(Deserialize, Default, Debug, PartialEq)]
pub(crate) struct Account<'a> {
    #[serde(default, borrow)]
    pub(crate) account_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(crate) balances: Option<Obj<Balances<'a>>>,
    #[serde(default, borrow, rename = "type")]
    pub(crate) kind: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(crate) subtype: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default, Debug, PartialEq)]
pub(crate) struct Balances<'a> {
    #[serde(default, borrow)]
    pub(crate) available: Option<Literal<'a>>,
    #[serde(default, borrow)]
    pub(crate) current: Option<Literal<'a>>,
    #[serde(default, borrow)]
    pub(crate) iso_currency_code: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(crate) last_updated_datetime: Option<Cow<'a, str>>,
}

/// The literal JSON text of a value (an amount: converted exactly from its
/// digits, or refused), exactly as it stands in the document.
#[derive(Clone, Copy, PartialEq)]
pub(crate) struct Literal<'a>(pub(crate) &'a str);

impl fmt::Debug for Literal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Literal<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de RawValue>::deserialize(d).map(|raw| Literal(raw.get()))
    }
}

/// ISO 4217's exponent of USD (cents), without a table lookup per Signal
/// response (a unit test checks it against the table).
const USD_EXPONENT: u32 = 2;

/// The depository subtypes Plaid Auth returns ACH numbers for.
const ACH_SUBTYPES: [&str; 3] = ["checking", "savings", "cash management"];

/// How many account ids an error message lists before "and N more".
const LISTED_IDS: usize = 10;

impl Response<'_> {
    /// Whether a Plaid Signal key stands in the response, even with `null`.
    pub(crate) fn is_signal(&self) -> bool {
        self.ruleset.is_some() || self.core_attributes.is_some() || self.scores.is_some()
    }

    /// Whether detection finds the response to be Plaid's
    /// ([`crate::detect_provider`], with no `object`): `accounts` or
    /// `error_type` not null, or a Signal key.
    pub(crate) fn is_plaid_shaped(&self) -> bool {
        self.accounts.is_some() || matches!(self.error_type, Some(Some(_))) || self.is_signal()
    }

    /// The snapshot of the account `wanted` (or the only one; a Signal or
    /// error response's account is named `wanted`).
    pub(crate) fn into_snapshot(
        self,
        wanted: Option<&str>,
        fetched_at: Option<UnixSeconds>,
    ) -> Result<Snapshot, JsonError> {
        let signal = self.is_signal();
        let accounts = match (self.accounts, self.error_type) {
            (Some(_), Some(_)) => {
                return Err(JsonError::new(
                    ErrorKind::Invalid,
                    "error_type",
                    "a response with both `accounts` and `error_type` is ambiguous: \
                     neither is read",
                ));
            }
            (Some(accounts), None) => accounts,
            (None, Some(Some(error_type))) => {
                return Ok(error_snapshot(
                    &error_type,
                    self.error_code.as_deref(),
                    wanted,
                ));
            }
            (None, _) if signal => {
                return signal_snapshot(self.core_attributes, self.ruleset, wanted, fetched_at);
            }
            (None, Some(None) | None) => {
                return Err(JsonError::new(
                    ErrorKind::NotAnAccount,
                    "accounts",
                    "required: a Plaid /accounts/balance/get response has `accounts` \
                     (a /signal/evaluate response has `ruleset`, `core_attributes` or \
                     `scores`; an error response has `error_type`)",
                ));
            }
        };
        let index = select(&accounts, wanted)?;
        let Some(Obj(account)) = accounts.into_iter().nth(index) else {
            return Err(JsonError::new(ErrorKind::Missing, "accounts", "no account"));
        };
        // The path is written only for an error.
        account
            .into_snapshot(fetched_at)
            .map_err(|e| e.under(&format!("accounts[{index}]")))
    }
}

/// The index of the account to read: the one with id `wanted`, or the only
/// one. An id that stands twice in the response is an error, whichever
/// account is wanted: the response is not one Plaid would send, and which of
/// the two is meant cannot be known.
fn select(accounts: &[Obj<Account<'_>>], wanted: Option<&str>) -> Result<usize, JsonError> {
    // A response holds a handful of accounts: pairs are compared without a
    // table (no allocation on the batch hot path); a long list is hashed.
    let ids = || {
        accounts
            .iter()
            .enumerate()
            .filter_map(|(i, Obj(a))| a.account_id.as_deref().map(|id| (i, id)))
    };
    let twice = if accounts.len() <= 16 {
        ids().find_map(|(i, id)| {
            ids()
                .take_while(|(j, _)| *j < i)
                .find(|(_, other)| *other == id)
                .map(|(first, _)| (first, i, id))
        })
    } else {
        let mut seen = std::collections::HashMap::with_capacity(accounts.len());
        ids().find_map(|(i, id)| seen.insert(id, i).map(|first| (first, i, id)))
    };
    if let Some((first, i, id)) = twice {
        return Err(JsonError::new(
            ErrorKind::Duplicate,
            &format!("accounts[{i}].account_id"),
            format!(
                "account `{id}` appears twice in the response (accounts[{first}] and accounts[{i}])"
            ),
        ));
    }
    let id = |a: &Obj<Account<'_>>| a.0.account_id.as_deref().map(str::to_owned);
    let found = match wanted {
        Some(wanted) => accounts
            .iter()
            .position(|a| a.0.account_id.as_deref() == Some(wanted)),
        None if accounts.len() == 1 => Some(0),
        None => None,
    };
    found.ok_or_else(|| {
        let mut ids = accounts
            .iter()
            .take(LISTED_IDS)
            .map(|a| id(a).map_or_else(|| "(no account_id)".to_owned(), |id| format!("`{id}`")))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(more) = accounts.len().checked_sub(LISTED_IDS).filter(|m| *m > 0) {
            ids.push_str(&format!(" and {more} more"));
        }
        let message = match (wanted, accounts.len()) {
            (_, 0) => "the response holds no account".to_owned(),
            (Some(wanted), _) => {
                format!("account `{wanted}` is not in this response, which holds {ids}")
            }
            (None, n) => {
                format!("the response holds {n} accounts ({ids}): give the account_id of the one to debit")
            }
        };
        JsonError::new(ErrorKind::Missing, "accounts", message)
    })
}

/// What a Plaid error leaves the account as (SPEC v3 §2's table), by its
/// type and code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrorState {
    /// `PRODUCT_NOT_READY`: the data is on its way; wait, then call again.
    NotReady,
    /// Any other `ITEM_ERROR`: the login is broken; the customer relinks.
    LoginDown,
    /// `INSTITUTION_NO_LONGER_SUPPORTED`: the link is gone for good.
    InstitutionGone,
    /// Another `INSTITUTION_ERROR`, or `RATE_LIMIT_EXCEEDED`: transient, but
    /// not to be retried at once (when is unknown).
    RetryLater,
    /// `API_ERROR`: Plaid's own transient failure; call again.
    CallAgain,
    /// `INVALID_REQUEST`, `INVALID_INPUT`, `INVALID_RESULT` or a type the
    /// gate does not know: the request itself is wrong.
    RequestFailed,
}

impl ErrorState {
    fn of(error_type: &str, error_code: Option<&str>) -> ErrorState {
        match (error_type, error_code) {
            ("ITEM_ERROR", Some("PRODUCT_NOT_READY")) => ErrorState::NotReady,
            ("ITEM_ERROR", _) => ErrorState::LoginDown,
            ("INSTITUTION_ERROR", Some("INSTITUTION_NO_LONGER_SUPPORTED")) => {
                ErrorState::InstitutionGone
            }
            ("INSTITUTION_ERROR" | "RATE_LIMIT_EXCEEDED", _) => ErrorState::RetryLater,
            ("API_ERROR", _) => ErrorState::CallAgain,
            _ => ErrorState::RequestFailed,
        }
    }
}

/// A Plaid error response: an account without a balance, in the state the
/// error says.
fn error_snapshot(
    error_type: &str,
    error_code: Option<&str>,
    account_id: Option<&str>,
) -> Snapshot {
    let failed = |next| {
        let mut refresh = Refresh::new(RefreshStatus::Failed);
        refresh.next_refresh_available_at = next;
        Some(refresh)
    };
    let mut s = Snapshot::new(Status::Active);
    match ErrorState::of(error_type, error_code) {
        ErrorState::NotReady => {
            let mut refresh = Refresh::new(RefreshStatus::Pending);
            refresh.next_refresh_available_at = NextRefresh::Unavailable;
            s.refresh = Some(refresh);
        }
        ErrorState::LoginDown => {
            s.status = Status::Inactive;
            s.relink_required = true;
        }
        ErrorState::InstitutionGone => {
            s.status = Status::Disconnected;
            s.relink_required = true;
        }
        ErrorState::RetryLater => s.refresh = failed(NextRefresh::Unavailable),
        ErrorState::CallAgain => s.refresh = failed(NextRefresh::NotStated),
        ErrorState::RequestFailed => s.request_failed = true,
    }
    s.account_id = account_id.map(AccountId::new);
    s.provider = Some(Provider::Plaid);
    s.livemode = Livemode::NotReported;
    s.provider_error = Some(ProviderError::new(Some(error_type), error_code));
    s
}

/// A Plaid Signal `/signal/evaluate` response: one cash account in USD.
fn signal_snapshot(
    core: Option<Option<Obj<CoreAttributes<'_>>>>,
    ruleset: Option<Option<Obj<Ruleset<'_>>>>,
    account_id: Option<&str>,
    fetched_at: Option<UnixSeconds>,
) -> Result<Snapshot, JsonError> {
    let core = core.flatten().map(|Obj(c)| c).unwrap_or_default();
    let mut s = Snapshot::new(Status::Active);
    s.account_id = account_id.map(AccountId::new);
    s.provider = Some(Provider::Plaid);
    s.livemode = Livemode::NotReported;
    s.category = Some(Category::Cash);
    s.closed = core.is_account_closed == Some(true);
    s.provider_result = ruleset.flatten().map(|Obj(r)| match r.result.as_deref() {
        Some("ACCEPT") => ProviderResult::Accept,
        Some("REVIEW") => ProviderResult::Review,
        Some("REROUTE") => ProviderResult::Decline,
        _ => ProviderResult::Unrecognized,
    });
    s.balance = balance(
        (core.available_balance, core.current_balance),
        core.balance_last_updated.as_deref(),
        fetched_at,
    )
    .map_err(|e| e.under("core_attributes"))?;
    Ok(s)
}

impl Account<'_> {
    fn into_snapshot(self, fetched_at: Option<UnixSeconds>) -> Result<Snapshot, JsonError> {
        let category = match self.kind.as_deref() {
            Some("depository") => Category::Cash,
            Some("credit" | "loan") => Category::Credit,
            Some("investment" | "brokerage") => Category::Investment,
            Some("other") => Category::Other,
            // A new type, or none at all: fail closed.
            _ => Category::Unrecognized,
        };
        let mut s = Snapshot::new(Status::Active);
        s.account_id = self.account_id.as_deref().map(AccountId::new);
        s.provider = Some(Provider::Plaid);
        s.livemode = Livemode::NotReported;
        s.category = Some(category);
        // Plaid Auth returns ACH numbers for these depository subtypes only.
        if self.kind.as_deref() == Some("depository")
            && self
                .subtype
                .as_deref()
                .is_some_and(|st| !ACH_SUBTYPES.contains(&st))
        {
            s.ach_supported = Some(false);
        }
        s.balance = match self.balances {
            Some(Obj(b)) => b
                .into_balance(category, fetched_at)
                .map_err(|e| e.under("balances"))?,
            None => None,
        };
        Ok(s)
    }
}

impl Balances<'_> {
    fn into_balance(
        self,
        category: Category,
        fetched_at: Option<UnixSeconds>,
    ) -> Result<Option<Balance>, JsonError> {
        let kind = if category == Category::Credit {
            BalanceType::Credit
        } else {
            BalanceType::Cash
        };
        let fields = BalanceFields {
            available: "available",
            current: "current",
            updated: "last_updated_datetime",
        };
        read_balance(
            self.iso_currency_code.as_deref().and_then(iso_currency),
            (self.available, self.current),
            self.last_updated_datetime.as_deref(),
            kind,
            fetched_at,
            &fields,
        )
    }
}

/// The names of a balance's fields in one of Plaid's responses.
struct BalanceFields {
    available: &'static str,
    current: &'static str,
    updated: &'static str,
}

/// Signal's balance: USD, in `core_attributes`.
fn balance(
    amounts: (Option<Literal<'_>>, Option<Literal<'_>>),
    updated: Option<&str>,
    fetched_at: Option<UnixSeconds>,
) -> Result<Option<Balance>, JsonError> {
    let fields = BalanceFields {
        available: "available_balance",
        current: "current_balance",
        updated: "balance_last_updated",
    };
    read_balance(
        Some((Currency::USD, USD_EXPONENT)),
        amounts,
        updated,
        BalanceType::Cash,
        fetched_at,
        &fields,
    )
}

/// A Plaid balance: `available` and `current` in major units of
/// `currency` (exact, never rounded up), dated `updated`, else `fetched_at`;
/// `None` when both amounts are null.
fn read_balance(
    currency: Option<(Currency, u32)>,
    (available, current): (Option<Literal<'_>>, Option<Literal<'_>>),
    updated: Option<&str>,
    kind: BalanceType,
    fetched_at: Option<UnixSeconds>,
    fields: &BalanceFields,
) -> Result<Option<Balance>, JsonError> {
    let amount = |raw: Option<Literal<'_>>, field: &str| -> Result<Option<i64>, JsonError> {
        let Some(Literal(text)) = raw else {
            return Ok(None);
        };
        // Without a known currency there is no exponent to read the number
        // with; it is checked all the same.
        let exponent = currency.map_or(0, |(_, e)| e);
        minor_from_major(text, exponent)
            .map(Some)
            .map_err(|e| JsonError::new(ErrorKind::Invalid, field, e.to_string()))
    };
    let available = amount(available, fields.available)?;
    let current = amount(current, fields.current)?;
    // Checked even without an amount: nothing the gate reads goes unchecked.
    let as_of = match updated {
        Some(text) => Some(
            parse_instant(text)
                .map_err(|e| JsonError::new(ErrorKind::Invalid, fields.updated, e.to_string()))?
                .timestamp(),
        ),
        None => fetched_at,
    };
    if available.is_none() && current.is_none() {
        return Ok(None);
    }
    let map = |amount: Option<i64>| match (currency, amount) {
        (Some((ccy, _)), Some(v)) => Some(CurrencyMap::single(ccy, v)),
        (None, Some(_)) => Some(CurrencyMap::new()),
        (_, None) => None,
    };
    let mut balance = Balance::new(as_of, kind, map(current).unwrap_or_default());
    balance.available = map(available);
    Ok(Some(balance))
}

/// The currency of an ISO 4217 code Plaid sends (`"USD"`) and its exponent;
/// `None` for a code the ISO table does not know or that has no minor unit
/// exponent (gold, SDR).
fn iso_currency(code: &str) -> Option<(Currency, u32)> {
    let currency = Currency::new(code).ok()?;
    Some((currency, currency.iso_exponent()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_reads_usd_with_the_iso_exponent() {
        assert_eq!(iso_currency("USD"), Some((Currency::USD, USD_EXPONENT)));
    }
}
