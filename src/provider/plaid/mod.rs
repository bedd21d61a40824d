//! Plaid: `/accounts/balance/get` responses and Plaid error responses in,
//! [`Snapshot`] out (SPEC v2 §1–2).
//!
//! * One account of the response is read: the one whose `account_id` is
//!   given, or the only one. Its `type` becomes the category (`depository`
//!   → cash; `credit`, `loan` → credit; `investment`, `brokerage` →
//!   investment; `other` → other; anything else fails closed with
//!   `unrecognized_value`).
//! * `balances.available` and `balances.current` are JSON numbers in
//!   **major** units (`110.94` dollars). Each becomes a one-currency map in
//!   minor units, converted exactly from the number's literal text with the
//!   ISO 4217 exponent of `iso_currency_code` (never through `f64`; digits
//!   beyond the exponent are cut toward −∞, so a balance is never rounded
//!   up). A number with an exponent part (`1.1e2`) is an error. A null or
//!   unknown currency code leaves the maps empty (`currency_not_in_balance`);
//!   an account whose `available` and `current` are both null has no balance.
//! * `as_of` is `last_updated_datetime`, else the `fetched_at` the caller
//!   gives (when the response was received: `/accounts/balance/get` fetches
//!   live), else unknown, which the engine treats as stale.
//! * Plaid has no refresh state: a stale or missing balance asks the
//!   pipeline to call `/accounts/balance/get` again (`initiate`).
//! * An error response (`error_type`) is a link without a balance: an
//!   `ITEM_ERROR` (`ITEM_LOGIN_REQUIRED`, …) is a link that is down (status
//!   `inactive`, warning `relink_required`); any other (rate limit,
//!   institution down, API error) is an active link to call again.
//! * Unknown fields are ignored. Plaid says nothing about live or test data
//!   (`livemode` is unknown: a policy that sets `livemode` denies Plaid
//!   documents), ACH support or account numbers.
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
    AccountId, Balance, BalanceType, Category, Provider, Snapshot, Status, UnixSeconds,
};

/// Reads a Plaid `/accounts/balance/get` response (or a Plaid error
/// response) into a [`Snapshot`] of one of its accounts.
///
/// `account_id` selects the account; it may be `None` when the response
/// holds exactly one. `fetched_at` is when the response was received (unix
/// seconds), the balance's time when Plaid gives no `last_updated_datetime`.
///
/// # Errors
///
/// [`ParseError`] naming the JSON path at fault: malformed JSON; a document
/// with neither `accounts` nor `error_type`; an `account_id` that is not in
/// the response, or none given when it holds several accounts (the message
/// lists the ids present); an amount that is not a plain decimal number, has
/// an exponent part or overflows `i64` in minor units; a
/// `last_updated_datetime` that is not RFC 3339.
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
}

#[derive(Deserialize, Default, Debug, PartialEq)]
pub(crate) struct Account<'a> {
    #[serde(default, borrow)]
    pub(crate) account_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(crate) balances: Option<Obj<Balances<'a>>>,
    #[serde(default, borrow, rename = "type")]
    pub(crate) kind: Option<Cow<'a, str>>,
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

/// The Plaid error type of a link that is down (the user must relink).
const ITEM_ERROR: &str = "ITEM_ERROR";

/// How many account ids an error message lists before "and N more".
const LISTED_IDS: usize = 10;

impl Response<'_> {
    fn into_snapshot(
        self,
        wanted: Option<&str>,
        fetched_at: Option<UnixSeconds>,
    ) -> Result<Snapshot, JsonError> {
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
            (None, Some(Some(error_type))) => return Ok(error_snapshot(&error_type, wanted)),
            (None, Some(None) | None) => {
                return Err(JsonError::new(
                    ErrorKind::NotAnAccount,
                    "accounts",
                    "required: a Plaid /accounts/balance/get response has `accounts` \
                     (an error response has `error_type`)",
                ));
            }
        };
        let index = select(&accounts, wanted)?;
        let at = format!("accounts[{index}]");
        let Some(Obj(account)) = accounts.into_iter().nth(index) else {
            return Err(JsonError::new(ErrorKind::Missing, "accounts", "no account"));
        };
        account.into_snapshot(fetched_at).map_err(|e| e.under(&at))
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
            format!("accounts[{i}].account_id"),
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

/// A Plaid error response: a link without a balance.
fn error_snapshot(error_type: &str, account_id: Option<&str>) -> Snapshot {
    let item_error = error_type == ITEM_ERROR;
    let mut s = Snapshot::new(if item_error {
        Status::Inactive
    } else {
        Status::Active
    });
    s.account_id = account_id.map(AccountId::new);
    s.provider = Some(Provider::Plaid);
    s.relink_required = item_error;
    s
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
        s.category = Some(category);
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
        let currency = self.iso_currency_code.as_deref().and_then(iso_currency);
        let amount = |raw: Option<Literal<'_>>, field: &str| -> Result<Option<i64>, JsonError> {
            let Some(Literal(text)) = raw else {
                return Ok(None);
            };
            // Without a known currency there is no exponent to read the
            // number with; it is checked all the same.
            let exponent = currency.map_or(0, |(_, e)| e);
            minor_from_major(text, exponent)
                .map(Some)
                .map_err(|e| JsonError::new(ErrorKind::Invalid, field, e.to_string()))
        };
        let available = amount(self.available, "available")?;
        let current = amount(self.current, "current")?;
        if available.is_none() && current.is_none() {
            return Ok(None);
        }
        let as_of = match self.last_updated_datetime.as_deref() {
            Some(text) => Some(
                parse_instant(text)
                    .map_err(|e| {
                        JsonError::new(ErrorKind::Invalid, "last_updated_datetime", e.to_string())
                    })?
                    .timestamp(),
            ),
            None => fetched_at,
        };
        let map = |amount: Option<i64>| match (currency, amount) {
            (Some((ccy, _)), Some(v)) => Some(CurrencyMap::single(ccy, v)),
            (None, Some(_)) => Some(CurrencyMap::new()),
            (_, None) => None,
        };
        let kind = if category == Category::Credit {
            BalanceType::Credit
        } else {
            BalanceType::Cash
        };
        let mut balance = Balance::new(as_of, kind, map(current).unwrap_or_default());
        balance.available = map(available);
        Ok(Some(balance))
    }
}

/// The currency of an ISO 4217 code Plaid sends (`"USD"`) and its exponent;
/// `None` for a code the ISO table does not know or that has no minor unit
/// exponent (gold, SDR).
fn iso_currency(code: &str) -> Option<(Currency, u32)> {
    let currency = Currency::new(code).ok()?;
    Some((currency, currency.iso_exponent()?))
}
