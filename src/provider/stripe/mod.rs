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
    match fast.then(|| fast::document(bytes)).flatten() {
        Some(document) => document
            .into_snapshot("")
            .map_err(|e| not_an_account(bytes).unwrap_or(e)),
        None => serde_account(bytes, fast, false),
    }
}

/// Reads an account document with serde_json. `given_up`: a fast reader
/// has tried it and given up, so the document is as likely to be refused as
/// not, and one tracked pass (whose error names the path) reads it. The
/// reference reader alone reads untracked first, and tracks only a document
/// it refuses. `account`: the fast reader has read `object` as
/// `financial_connections.account`, so the document is no other object (the
/// probe for one is skipped).
pub(crate) fn serde_account(
    bytes: &[u8],
    given_up: bool,
    account: bool,
) -> Result<Snapshot, JsonError> {
    let bytes = strip_bom(bytes);
    check_utf8(bytes)?;
    let read = if given_up {
        from_slice_tracked::<Obj<Document>>(bytes)
    } else {
        serde_json::from_slice::<Obj<Document>>(bytes)
            .or_else(|_| from_slice_tracked::<Obj<Document>>(bytes))
    };
    // Some other Stripe object is said to be one, rather than the first
    // field that did not fit the account's model.
    let other_object = |e| match account {
        true => e,
        false => not_an_account(bytes).unwrap_or(e),
    };
    match read {
        Err(e) => Err(other_object(e)),
        Ok(Obj(document)) => document.into_snapshot("").map_err(other_object),
    }
}

/// On the error path only: when the document is some other Stripe object,
/// an error that says so at `object` (or `data.object.object`), rather than
/// the first field that did not fit the account's model (a Customer's
/// integer `balance`, say).
fn not_an_account(bytes: &[u8]) -> Option<JsonError> {
    // Reads `object`, `type` and `data.object.object`, skipping every other
    // value without building it: rejecting a document costs no more than
    // reading it (no tree of a 100 MB document on the error path). The
    // lexer's probe first; serde_json's when the lexer gives up.
    let (object, kind, inner) = match fast::object_names(bytes) {
        Some((object, kind, inner)) => (
            object.flatten().map(Cow::Borrowed),
            kind.flatten().map(Cow::Borrowed),
            inner.flatten().map(Cow::Borrowed),
        ),
        None => serde_object_names(bytes)?,
    };
    let object = object?;
    match object.as_ref() {
        ACCOUNT_OBJECT => None,
        "event" => {
            let inner = inner?;
            (inner != ACCOUNT_OBJECT).then(|| {
                JsonError::new(
                    ErrorKind::NotAnAccount,
                    "data.object.object",
                    wrong_object(&inner, Some(kind.as_deref())),
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

/// A document's `object`, `type` and `data.object.object`, each when it is
/// a string, read by serde_json: `None` when it refuses the document.
#[cold]
fn serde_object_names(bytes: &[u8]) -> Option<NameTexts<'_>> {
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
    Some((
        text(probe.object),
        text(probe.kind),
        text(inner(inner(probe.data))),
    ))
}

/// `object`, `type` and `data.object.object` as text.
type NameTexts<'a> = (
    Option<Cow<'a, str>>,
    Option<Cow<'a, str>>,
    Option<Cow<'a, str>>,
);

#[cfg(test)]
mod tests {
    //! The error path's two probes agree whenever the lexer's answers.
    use super::*;
    use proptest::prelude::*;

    fn lexer(bytes: &[u8]) -> Option<Option<NameTexts<'_>>> {
        fast::object_names(bytes).map(|(object, kind, inner)| {
            Some((
                object.flatten().map(Cow::Borrowed),
                kind.flatten().map(Cow::Borrowed),
                inner.flatten().map(Cow::Borrowed),
            ))
        })
    }

    fn name() -> impl Strategy<Value = String> {
        proptest::sample::select(
            &[
                "\"financial_connections.account\"",
                "\"event\"",
                "\"customer\"",
                "\"caf\u{e9}\"",
                "\"ev\\u0065nt\"",
                "null",
                "5",
                "[\"event\"]",
                "{\"object\": \"event\"}",
            ][..],
        )
        .prop_map(str::to_owned)
    }

    /// Objects of up to four fields drawn from `keys`, values from `value`.
    fn object(
        keys: &'static [&'static str],
        value: impl Strategy<Value = String>,
    ) -> impl Strategy<Value = String> {
        proptest::collection::vec((proptest::sample::select(keys), value), 0..4).prop_map(|f| {
            let body: Vec<String> = f.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
            format!("{{{}}}", body.join(", "))
        })
    }

    fn document() -> impl Strategy<Value = String> {
        let keys = &["object", "object", "type", "data", "id", "obj\\u0065ct"][..];
        let inner = object(&["object", "object", "x"], name());
        let data = object(
            &["object", "object", "previous_attributes"],
            prop_oneof![name(), inner],
        );
        object(keys, prop_oneof![name(), data])
    }

    proptest! {
        #[test]
        fn the_lexers_probe_agrees_with_serde(text in document(), cut in any::<proptest::sample::Index>()) {
            let bytes = text.as_bytes();
            if let Some(names) = lexer(bytes) {
                prop_assert_eq!(names, serde_object_names(bytes), "{}", text);
            }
            // A document cut short: both refuse it.
            let cut = &bytes[..cut.index(bytes.len())];
            prop_assert_eq!(lexer(cut).flatten(), None);
            prop_assert_eq!(serde_object_names(cut), None);
        }
    }

    #[test]
    fn the_lexer_answers_plain_documents() {
        let doc = r#"{"object": "event", "type": "x", "data": {"object": {"object": "customer", "id": "cus_1"}}}"#;
        let (object, kind, inner) = fast::object_names(doc.as_bytes()).expect("answered");
        assert_eq!(
            (object, kind, inner),
            (Some(Some("event")), Some(Some("x")), Some(Some("customer")))
        );
        let err = not_an_account(doc.as_bytes()).expect("not an account");
        assert_eq!(
            ParseError::from(err).path().to_string(),
            "data.object.object"
        );
    }
}
