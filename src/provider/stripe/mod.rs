//! The Stripe wire model: Financial Connections JSON in, [`Snapshot`] out.
//!
//! Accepts an account object (`"object": "financial_connections.account"`)
//! or an event (`"object": "event"`, e.g.
//! `financial_connections.account.refreshed_balance`) whose `data.object` is
//! one. A document without `object` is read as an account.
//!
//! The rules (the [contract](crate::contract)):
//!
//! * Fields the gate does not read are skipped without being built, whatever
//!   they hold: Stripe adds fields, and they are none of the gate's business.
//! * Amounts and timestamps are JSON integers in `i64` range and nothing else.
//! * Currency keys are three ASCII letters, case-folded; the same currency
//!   twice in one map is an error.
//! * `status` is required. `balance`, `balance_refresh` and `category` may be
//!   absent or null. A non-null `balance` needs an `as_of`.
//! * An enum value the gate does not know (a new `status`, `balance.type` or
//!   `balance_refresh.status`) is not an error: it is kept as `Unrecognized`
//!   and the engine denies with `unrecognized_value`. A missing
//!   `balance.type` or `balance_refresh.status` reads the same way.
//! * A leading UTF-8 byte order mark is skipped.
//!
//! Every error names its JSON path, e.g. `balance.cash.available.usd`.
//! The wire model decides nothing; it only translates.

pub(crate) mod fast;
pub(crate) mod wire;

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{ErrorKind, JsonError, ParseError};
use crate::json::{Obj, check_utf8, from_slice_tracked, strip_bom};
use crate::snapshot::Snapshot;
use wire::{Document, wrong_object};

pub use wire::ACCOUNT_OBJECT;

/// Parses an account object or an account event into a [`Snapshot`].
///
/// # Errors
///
/// [`ParseError`] naming the JSON path at fault: malformed JSON, a document
/// that is not an account or an account event, a bad amount, timestamp or
/// currency key, a duplicate currency, a missing `status`, a non-null
/// `balance` without `as_of`.
///
/// # Example
///
/// ```
/// use fundsgate::{stripe, Currency, Status};
/// let snapshot = stripe::parse_account(br#"{"status": "active", "balance": {"as_of": 1651516592,
///     "type": "cash", "current": {"usd": 6000}, "cash": {"available": null}}}"#)?;
/// assert_eq!(snapshot.status, Status::Active);
/// let balance = snapshot.balance.as_ref().ok_or("no balance")?;
/// assert_eq!(balance.current.get(Currency::new("usd")?), Some(6000));
/// assert!(balance.available.is_none());
///
/// let err = stripe::parse_account(br#"{"status": "active", "balance": {"as_of": 1,
///     "current": {"usd": 6000.5}}}"#).unwrap_err();
/// assert_eq!(err.path(), "balance.current.usd");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_account(bytes: &[u8]) -> Result<Snapshot, ParseError> {
    parse_account_with(bytes, true).map_err(ParseError::from)
}

/// [`parse_account`], with or without the fast path of [`fast`] (the
/// fuzz targets compare the two).
pub(crate) fn parse_account_with(bytes: &[u8], fast: bool) -> Result<Snapshot, JsonError> {
    let bytes = strip_bom(bytes);
    let document = match fast.then(|| fast::document(bytes)).flatten() {
        Some(document) => Ok(document),
        None => {
            check_utf8(bytes)?;
            match serde_json::from_slice::<Obj<Document>>(bytes) {
                Ok(Obj(d)) => Ok(d),
                // Some other Stripe object is said to be one before the
                // document is read a second time to name the path at fault:
                // two passes over a rejected document, not three.
                Err(_) => match not_an_account(bytes) {
                    Some(e) => return Err(e),
                    None => from_slice_tracked::<Obj<Document>>(bytes).map(|Obj(d)| d),
                },
            }
        }
    };
    document
        .and_then(|d| d.into_snapshot(""))
        .map_err(|e| not_an_account(bytes).unwrap_or(e))
}

/// On the error path only: when the document is some other Stripe object,
/// an error that says so at `object` (or `data.object.object`), rather than
/// the first field that did not fit the account's model (a Customer's
/// integer `balance`, say).
fn not_an_account(bytes: &[u8]) -> Option<JsonError> {
    // Reads `object`, `type` and `data.object.object`, skipping every other
    // value without building it: rejecting a document costs no more than
    // reading it (no tree of a 100 MB document on the error path).
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(default, borrow)]
        object: Option<&'a RawValue>,
        #[serde(default, borrow, rename = "type")]
        kind: Option<&'a RawValue>,
        #[serde(default, borrow)]
        data: Option<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct Inner<'a> {
        #[serde(default, borrow)]
        object: Option<&'a RawValue>,
    }
    /// The string a raw value holds; `None` for any other value.
    fn text(raw: Option<&RawValue>) -> Option<Cow<'_, str>> {
        raw.filter(|r| r.get().starts_with('"'))
            .and_then(|r| serde_json::from_str(r.get()).ok())
    }
    fn inner(raw: Option<&RawValue>) -> Option<&RawValue> {
        let raw = raw.filter(|r| r.get().starts_with('{'))?;
        serde_json::from_str::<Inner<'_>>(raw.get()).ok()?.object
    }
    let probe: Probe<'_> = serde_json::from_slice(bytes).ok()?;
    let object = text(probe.object)?;
    match object.as_ref() {
        ACCOUNT_OBJECT => None,
        "event" => {
            let inner = text(inner(inner(probe.data)))?;
            (inner != ACCOUNT_OBJECT).then(|| {
                let event = text(probe.kind);
                JsonError::new(
                    ErrorKind::NotAnAccount,
                    "data.object.object",
                    wrong_object(&inner, Some(event.as_deref())),
                )
            })
        }
        other => Some(JsonError::new(
            ErrorKind::NotAnAccount,
            "object",
            wrong_object(other, None),
        )),
    }
}
