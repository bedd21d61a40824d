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
use crate::snapshot::{AccountId, Provider, Snapshot, UnixSeconds};

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
/// array or an `error_type` (and no `object`) is Plaid; anything else is
/// read as Stripe.
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
    let provider = match options.provider {
        Some(provider) => provider,
        None => {
            // The common case first: a plain Stripe document read by the fast
            // reader, which gives up on other providers' shapes.
            if let Some(document) = fast.then(|| stripe::fast::document(bytes)).flatten() {
                let snapshot = document.into_snapshot("")?;
                return check_id(snapshot, options.account_id, "id");
            }
            detect_provider(bytes)
        }
    };
    match provider {
        Provider::Plaid => plaid::parse_json(bytes, options.account_id, options.fetched_at),
        Provider::Snapshot => check_id(
            neutral::parse_json(bytes)?,
            options.account_id,
            "account_id",
        ),
        Provider::Stripe => check_id(
            stripe::parse_account_with(bytes, fast)?,
            options.account_id,
            "id",
        ),
    }
}

/// The provider of a document, from its shape (see [`read_account`]).
/// Malformed JSON is Stripe's, whose reader reports the error.
pub fn detect_provider(bytes: &[u8]) -> Provider {
    #[derive(Deserialize)]
    struct Shape<'a> {
        #[serde(default, borrow)]
        object: Option<Cow<'a, str>>,
        #[serde(default)]
        accounts: Option<IgnoredAny>,
        #[serde(default)]
        error_type: Option<IgnoredAny>,
    }
    match serde_json::from_slice::<Shape<'_>>(strip_bom(bytes)) {
        Ok(shape) => match shape.object.as_deref() {
            Some(neutral::OBJECT) => Provider::Snapshot,
            Some(_) => Provider::Stripe,
            None if shape.accounts.is_some() || shape.error_type.is_some() => Provider::Plaid,
            None => Provider::Stripe,
        },
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
