//! The providers' readers: each turns its provider's documents into a
//! [`Snapshot`]. The core (money, snapshot, policy, engine, verdict) imports
//! nothing from here; see ARCHITECTURE.md.
//!
//! [`read_account`] reads any account document, finding its provider from
//! its shape unless told; [`stripe`], [`plaid`] and [`neutral`] read one
//! provider's documents each.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::error::{ErrorKind, JsonError, ParseError};
use crate::json::strip_bom;
use crate::lexer::{Lexer, Seen, fields};
use crate::snapshot::{AccountId, Provider, Snapshot, UnixSeconds};
use stripe::wire::ObjectKind;

pub(crate) mod names;
pub mod neutral;
pub mod plaid;
pub mod stripe;

/// What [`read_account`] needs besides the document's bytes.
///
/// ```
/// use fundsgate::{ReadOptions, Provider};
/// let options = ReadOptions::new()
///     .provider(Provider::Plaid)
///     .account_id("BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp")
///     .fetched_at(1_651_516_592);
/// # let _ = options;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions<'a> {
    /// The document's provider; `None` finds it from the document's shape.
    pub provider: Option<Provider>,
    /// The account to read: required for a Plaid response that holds
    /// several accounts. For a Stripe account or a neutral snapshot, the id
    /// the document must carry (a mismatch is an error).
    pub account_id: Option<&'a str>,
    /// When the document was received (unix seconds): the time of a Plaid
    /// balance without `last_updated_datetime`. Stripe and neutral documents
    /// date their balances themselves and ignore it.
    pub fetched_at: Option<UnixSeconds>,
}

impl<'a> ReadOptions<'a> {
    /// No provider forced, no account id, no fetch time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the document as `provider`'s, whatever its shape.
    #[must_use]
    pub fn provider(self, provider: Provider) -> Self {
        ReadOptions {
            provider: Some(provider),
            ..self
        }
    }

    /// Selects (Plaid) or checks (Stripe, neutral) the account id.
    #[must_use]
    pub fn account_id(self, account_id: &'a str) -> Self {
        ReadOptions {
            account_id: Some(account_id),
            ..self
        }
    }

    /// When the document was received.
    #[must_use]
    pub fn fetched_at(self, fetched_at: UnixSeconds) -> Self {
        ReadOptions {
            fetched_at: Some(fetched_at),
            ..self
        }
    }
}

/// Reads an account document of any provider into a [`Snapshot`] (SPEC §2):
/// a Stripe account or account event, a Plaid `/accounts/balance/get` or
/// error response, or a neutral snapshot document. The provider is found
/// from the document's shape unless [`ReadOptions::provider`] says:
/// `"object": "fundsgate.snapshot"` is a neutral snapshot; an `accounts`
/// array or an `error_type`, or a `ruleset`, `core_attributes` or `scores`
/// key (Plaid Signal), and no `object`, is Plaid; anything else is read as
/// Stripe.
///
/// ```
/// use fundsgate::{read_account, Provider, ReadOptions};
/// let plaid = br#"{"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED"}"#;
/// let snapshot = read_account(plaid, &ReadOptions::new())?;
/// assert_eq!(snapshot.provider, Some(Provider::Plaid));
/// assert!(snapshot.relink_required);
///
/// let stripe = br#"{"object": "financial_connections.account", "status": "active"}"#;
/// assert_eq!(read_account(stripe, &ReadOptions::new())?.provider, Some(Provider::Stripe));
/// # Ok::<(), fundsgate::ParseError>(())
/// ```
///
/// # Errors
///
/// [`ParseError`] naming the JSON path at fault, as each provider's reader
/// reports it; for a Stripe or neutral document whose id is not
/// [`ReadOptions::account_id`], an error at its id.
pub fn read_account(bytes: &[u8], options: &ReadOptions<'_>) -> Result<Snapshot, ParseError> {
    read_json(bytes, options, true).map_err(ParseError::from)
}

/// [`read_account`], with or without the fast path of the Stripe reader
/// (the fuzz targets and `batch --reader serde` compare the two).
pub(crate) fn read_json(
    bytes: &[u8],
    options: &ReadOptions<'_>,
    fast: bool,
) -> Result<Snapshot, JsonError> {
    let bytes = strip_bom(bytes);
    match options.provider {
        Some(provider) => read_as(bytes, provider, options, fast, Tried::NONE),
        None => {
            // The common case first: a plain Stripe document read by the fast
            // reader, which gives up on other providers' shapes.
            let said = if fast {
                match stripe::fast::document_or_object(bytes) {
                    Ok(document) => {
                        let snapshot = document.into_snapshot("")?;
                        return check_id(snapshot, options.account_id, "id");
                    }
                    Err(said) => said,
                }
            } else {
                None
            };
            let tried = Tried {
                stripe: fast,
                plaid: false,
            };
            match said {
                // A document that said it is a Stripe account: no other
                // provider's, and no other Stripe object's.
                Some(ObjectKind::Account) => check_id(
                    stripe::serde_account(bytes, true, true)?,
                    options.account_id,
                    "id",
                ),
                Some(_) => read_as(bytes, Provider::Stripe, options, fast, tried),
                None => read_as(bytes, detect_provider(bytes), options, fast, tried),
            }
        }
    }
}

/// [`read_json`] of a document the fast readers have tried and given up
/// on (a batch line's account): serde_json reads it, once.
pub(crate) fn read_json_given_up(
    bytes: &[u8],
    options: &ReadOptions<'_>,
) -> Result<Snapshot, JsonError> {
    let bytes = strip_bom(bytes);
    let provider = options.provider.unwrap_or_else(|| detect_provider(bytes));
    let tried = Tried {
        stripe: true,
        plaid: true,
    };
    read_as(bytes, provider, options, true, tried)
}

/// Which fast readers have tried a document and given up on it: each is not
/// tried again, and serde_json reads the document at once.
#[derive(Clone, Copy)]
struct Tried {
    stripe: bool,
    plaid: bool,
}

impl Tried {
    const NONE: Tried = Tried {
        stripe: false,
        plaid: false,
    };
}

/// Reads a document as `provider`'s, with its fast reader unless `fast` is
/// off or it has [`Tried`] already.
fn read_as(
    bytes: &[u8],
    provider: Provider,
    options: &ReadOptions<'_>,
    fast: bool,
    tried: Tried,
) -> Result<Snapshot, JsonError> {
    match provider {
        Provider::Plaid => plaid::parse_json(
            bytes,
            options.account_id,
            options.fetched_at,
            fast && !tried.plaid,
        ),
        Provider::Snapshot => check_id(
            neutral::parse_json(bytes)?,
            options.account_id,
            "account_id",
        ),
        Provider::Stripe => {
            let snapshot = if fast && tried.stripe {
                stripe::serde_account(bytes, true, false)?
            } else {
                stripe::parse_account_with(bytes, fast)?
            };
            check_id(snapshot, options.account_id, "id")
        }
    }
}

/// The provider of a document, from its shape (see [`read_account`]).
/// Malformed JSON is Stripe's, whose reader reports the error.
pub fn detect_provider(bytes: &[u8]) -> Provider {
    let bytes = strip_bom(bytes);
    shape_fast(bytes).unwrap_or_else(|| shape_serde(bytes))
}

fn provider_of(object: Option<&[u8]>, plaid_keys: bool) -> Provider {
    match object {
        Some(object) if object == neutral::OBJECT.as_bytes() => Provider::Snapshot,
        Some(_) => Provider::Stripe,
        None if plaid_keys => Provider::Plaid,
        None => Provider::Stripe,
    }
}

/// The top-level keys of a Plaid Signal `/signal/evaluate` response: any
/// one of them, even with `null` (a Balance-only ruleset's `scores`), and no
/// `accounts`, is Signal (SPEC v3 §2).
pub(crate) const SIGNAL_KEYS: [&[u8]; 3] = [b"ruleset", b"core_attributes", b"scores"];

fields!(ShapeField {
    Object,
    Accounts,
    ErrorType,
    Ruleset,
    CoreAttributes,
    Scores
});

/// [`detect_provider`] on the lexer: the top-level keys only, every value
/// skipped; `None` where serde_json must judge (see [`crate::lexer`]).
fn shape_fast(bytes: &[u8]) -> Option<Provider> {
    let mut s = Lexer::new(bytes);
    let provider = shape_of(&mut s)?;
    s.end()?;
    Some(provider)
}

/// The provider of the object at the lexer's position, which it skips: the
/// batch reader detects a request's account in the pass that finds its end.
pub(crate) fn shape_of(s: &mut Lexer<'_>) -> Option<Provider> {
    let mut seen = Seen::default();
    let (mut object, mut plaid) = (None, false);
    s.object(|s, key| match key {
        b"object" => {
            seen.first(ShapeField::Object)?;
            object = s.nullable(Lexer::string)?;
            Some(())
        }
        b"accounts" | b"error_type" => {
            seen.first(if key == b"accounts" {
                ShapeField::Accounts
            } else {
                ShapeField::ErrorType
            })?;
            // `null` reads as absent, like serde's `Option`.
            plaid |= s.nullable(Lexer::skip_value)?.is_some();
            Some(())
        }
        // Plaid Signal: the key alone, even with `null` (a Balance-only
        // ruleset's `scores`).
        key if SIGNAL_KEYS.contains(&key) => {
            seen.first(match key {
                b"ruleset" => ShapeField::Ruleset,
                b"core_attributes" => ShapeField::CoreAttributes,
                _ => ShapeField::Scores,
            })?;
            plaid = true;
            s.skip_value()
        }
        _ => s.skip_value(),
    })?;
    Some(provider_of(object, plaid))
}

/// [`detect_provider`] on serde_json: malformed JSON is Stripe's.
fn shape_serde(bytes: &[u8]) -> Provider {
    #[derive(Deserialize)]
    struct Shape<'a> {
        #[serde(default, borrow)]
        object: Option<Cow<'a, str>>,
        #[serde(default)]
        accounts: Option<IgnoredAny>,
        #[serde(default)]
        error_type: Option<IgnoredAny>,
        #[serde(default, deserialize_with = "crate::json::present")]
        ruleset: Option<IgnoredAny>,
        #[serde(default, deserialize_with = "crate::json::present")]
        core_attributes: Option<IgnoredAny>,
        #[serde(default, deserialize_with = "crate::json::present")]
        scores: Option<IgnoredAny>,
    }
    match serde_json::from_slice::<Shape<'_>>(bytes) {
        Ok(shape) => provider_of(
            shape.object.as_deref().map(str::as_bytes),
            shape.accounts.is_some()
                || shape.error_type.is_some()
                || shape.ruleset.is_some()
                || shape.core_attributes.is_some()
                || shape.scores.is_some(),
        ),
        Err(_) => Provider::Stripe,
    }
}

/// `snapshot` with its account id checked against the one the caller
/// expects (or, when the document has none, set to it).
pub(crate) fn check_id(
    mut snapshot: Snapshot,
    expected: Option<&str>,
    field: &str,
) -> Result<Snapshot, JsonError> {
    let Some(expected) = expected else {
        return Ok(snapshot);
    };
    match &snapshot.account_id {
        None => {
            snapshot.account_id = Some(AccountId::new(expected));
            Ok(snapshot)
        }
        Some(id) if id.as_str() == expected => Ok(snapshot),
        Some(id) => Err(JsonError::new(
            ErrorKind::Invalid,
            field,
            format!("this document is account `{id}`, not the expected `{expected}`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    //! Detection on the lexer agrees with detection on serde_json whenever
    //! the lexer answers.
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("null".to_owned()),
            Just("\"fundsgate.snapshot\"".to_owned()),
            Just("\"financial_connections.account\"".to_owned()),
            Just("\"fundsgate\\u002esnapshot\"".to_owned()),
            Just("[]".to_owned()),
            Just("[{\"account_id\": \"a\", \"balances\": {\"current\": 1.5e3}}]".to_owned()),
            Just("{}".to_owned()),
            Just("-0.5E+2".to_owned()),
            Just("01".to_owned()),
            Just("1.".to_owned()),
            Just("7".to_owned()),
            Just("\"ITEM_ERROR\"".to_owned()),
        ]
    }

    fn document() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("object"),
            Just("accounts"),
            Just("error_type"),
            Just("status"),
            Just("ruleset"),
            Just("core_attributes"),
            Just("scores"),
        ];
        proptest::collection::vec((key, value()), 0..5).prop_map(|fields| {
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("\"{k}\": {v}"))
                .collect();
            format!("{{{}}}", body.join(", "))
        })
    }

    proptest! {
        #[test]
        fn the_lexer_detects_as_serde_does(doc in document()) {
            if let Some(fast) = shape_fast(doc.as_bytes()) {
                prop_assert_eq!(fast, shape_serde(doc.as_bytes()), "{}", doc);
            }
        }
    }

    #[test]
    fn the_lexer_answers_for_plain_documents() {
        for (doc, provider) in [
            (
                r#"{"accounts": [{"balances": {"current": 110.94}}], "item": {}}"#,
                Provider::Plaid,
            ),
            (
                r#"{"error_type": "ITEM_ERROR", "status": 400}"#,
                Provider::Plaid,
            ),
            (r#"{"accounts": null}"#, Provider::Stripe),
            (r#"{"scores": null, "request_id": "r"}"#, Provider::Plaid),
            (
                r#"{"core_attributes": {"available_balance": 22}}"#,
                Provider::Plaid,
            ),
            (r#"{"ruleset": {"result": "ACCEPT"}}"#, Provider::Plaid),
            (
                r#"{"object": "fundsgate.snapshot", "scores": {}}"#,
                Provider::Snapshot,
            ),
            (r#"{"object": "fundsgate.snapshot"}"#, Provider::Snapshot),
            (r#"{"object": "event", "accounts": []}"#, Provider::Stripe),
        ] {
            assert_eq!(shape_fast(doc.as_bytes()), Some(provider), "{doc}");
        }
    }
}
