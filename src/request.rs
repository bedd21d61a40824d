//! One request, every front end: the account (a document, a snapshot or
//! none), the debit and the instant, read and decided in one place, with
//! one error type. `fundsgate check`, the batch protocol, Python and Arrow
//! all build a [`Request`]: the same fault gives the same [`RequestError`]
//! message on each of them.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::debit::{Debit, PriorDebits};
use crate::engine::{decide, decide_unlinked};
use crate::error::{ErrorKind, RequestError};
use crate::money::Currency;
use crate::policy::Policy;
use crate::provider::{ReadOptions, read_account};
use crate::snapshot::Snapshot;
use crate::verdict::Verdict;

/// Where a request's account comes from.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum AccountSource<'a> {
    /// A document as its provider sent it (Stripe, Plaid, a neutral
    /// snapshot), read by [`read_account`] with these options.
    Document(&'a [u8], ReadOptions<'a>),
    /// An account already read (typed Arrow columns, a snapshot kept).
    Snapshot(&'a Snapshot),
    /// No linked account (a payment method entered by hand): row `unlinked`.
    Unlinked,
}

impl<'a> AccountSource<'a> {
    /// The snapshot the engine reads; `None` for an unlinked debit.
    ///
    /// # Errors
    ///
    /// The document's [`ParseError`](crate::ParseError), named under
    /// `account` (`account.balance.as_of: …`).
    pub fn read(&self) -> Result<Option<Cow<'a, Snapshot>>, RequestError> {
        match *self {
            AccountSource::Document(bytes, options) => read_account(bytes, &options)
                .map(|s| Some(Cow::Owned(s)))
                .map_err(RequestError::account),
            AccountSource::Snapshot(snapshot) => Ok(Some(Cow::Borrowed(snapshot))),
            AccountSource::Unlinked => Ok(None),
        }
    }
}

/// One debit to decide: its account, the debit and the evaluation instant.
///
/// ```
/// use fundsgate::{AccountSource, Policy, ReadOptions, Request, from_unix};
/// let account = br#"{"object": "financial_connections.account", "status": "active",
///   "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 6000},
///               "cash": {"available": {"usd": 6000}}}}"#;
/// let debit = Request::debit(5_000, "usd", None)?;
/// let now = from_unix(1_651_516_600).ok_or("time")?;
/// let request = Request::new(AccountSource::Document(account, ReadOptions::new()), debit.clone(), now);
/// assert!(request.decide(&Policy::default())?.reasons.is_empty());
///
/// let bad = Request::new(AccountSource::Document(b"{\"status\": 7}", ReadOptions::new()), debit, now);
/// assert_eq!(bad.decide(&Policy::default()).unwrap_err().path(), "account.status");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request<'a> {
    /// The account.
    pub account: AccountSource<'a>,
    /// The debit, validated.
    pub debit: Debit,
    /// The evaluation instant.
    pub now: DateTime<Utc>,
}

impl<'a> Request<'a> {
    /// A request.
    pub fn new(account: AccountSource<'a>, debit: Debit, now: DateTime<Utc>) -> Self {
        Request {
            account,
            debit,
            now,
        }
    }

    /// A debit from a request's raw values, each fault named at its field
    /// (`amount`, `currency`, `in_flight`) as every front end names it.
    ///
    /// # Errors
    ///
    /// A [`RequestError`] at the field at fault.
    pub fn debit(
        amount: i64,
        currency: &str,
        in_flight: Option<i64>,
    ) -> Result<Debit, RequestError> {
        let currency = Currency::new(currency)
            .map_err(|e| RequestError::new(ErrorKind::Invalid, "currency", e.to_string()))?;
        Debit::new(amount, currency, in_flight.unwrap_or(0)).map_err(|e| RequestError::debit(&e))
    }

    /// A prior-debit list from its JSON text (an array of `{"id", "amount",
    /// "currency", "initiated_at", "settled_at"}`), each fault named under
    /// `prior` (`prior[2].amount`) as every front end names it.
    ///
    /// # Errors
    ///
    /// A [`RequestError`] at the entry and key at fault.
    pub fn prior(json: &[u8]) -> Result<PriorDebits, RequestError> {
        crate::json::from_slice_tracked::<PriorDebits>(crate::json::strip_bom(json))
            .map_err(|e| RequestError::under("prior", e))
    }

    /// Reads the account and decides.
    ///
    /// # Errors
    ///
    /// A [`RequestError`]: the account document's faults under `account`,
    /// a required amount that overflows at `amount`. A refusal is a `deny`
    /// verdict, not an error.
    pub fn decide(&self, policy: &Policy) -> Result<Verdict, RequestError> {
        match self.account.read()? {
            Some(snapshot) => decide(&snapshot, &self.debit, policy, self.now),
            None => decide_unlinked(&self.debit, policy, self.now),
        }
        .map_err(|e| RequestError::overflow(&e))
    }
}
