//! # fundsgate
//!
//! An ACH pre-debit sufficient-funds gate. Call it right before you confirm an
//! ACH Direct Debit (a Stripe PaymentIntent with a `us_bank_account` payment
//! method): hand it the bank account's balance data as Stripe Financial
//! Connections or Plaid returns it (or any provider's, as a [`neutral`]
//! snapshot), and the debit you are about to take, and it answers
//! **allow**, **deny** or **refresh_needed** with machine-readable reasons.
//!
//! Its job is to cut R01 (insufficient funds) and R09 (uncollected funds)
//! returns without blocking good payments, and never to say "allow" on data it
//! cannot trust unless the policy explicitly accepts that risk.
//!
//! ```
//! use fundsgate::chrono::DateTime;
//! use fundsgate::{decide, stripe, Code, Currency, Debit, Decision, Policy};
//!
//! // The account object (or the `refreshed_balance` event) exactly as Stripe sent it.
//! let account = br#"{
//!   "id": "fca_1Jbry3BAjqvGMUSxCDjFsrLU", "object": "financial_connections.account",
//!   "status": "active", "category": "cash",
//!   "balance": {"as_of": 1651516592, "type": "cash",
//!               "current": {"usd": 6000}, "cash": {"available": {"usd": 6000}}},
//!   "balance_refresh": {"status": "succeeded", "last_attempted_at": 1651516582,
//!                       "next_refresh_available_at": 1651520182}
//! }"#;
//! let snapshot = stripe::parse_account(account)?;
//! let debit = Debit::new(5_000, Currency::new("usd")?, 0)?; // $50.00
//! let now = DateTime::from_timestamp(1_651_516_600, 0).ok_or("bad time")?;
//!
//! let verdict = decide(&snapshot, &debit, &Policy::default(), now)?;
//! assert_eq!(verdict.decision, Decision::Allow);
//! assert!(verdict.reasons.is_empty());
//!
//! // The same account cannot cover $200.00.
//! let debit = Debit::new(20_000, Currency::new("usd")?, 0)?;
//! let verdict = decide(&snapshot, &debit, &Policy::default(), now)?;
//! assert_eq!(verdict.decision, Decision::Deny);
//! assert!(verdict.reasons.contains(Code::InsufficientFunds));
//! println!("{}", verdict.to_json());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Design
//!
//! Data flows one way: bytes → a provider's wire model ([`stripe`], [`plaid`],
//! [`neutral`]; [`read_account`] picks one from the document's shape) →
//! [`Snapshot`] → [`decide`]`(snapshot, debit, policy, now)` → [`Verdict`].
//!
//! * [`decide`] is pure: no I/O, no clock (you pass `now`), no global state,
//!   no allocation, no panic, no floating point. The same inputs always give
//!   the same verdict. Its only error is a required amount that overflows
//!   `i64`; a refusal is a `deny` verdict, not an error.
//! * The engine never sees serde types; the wire model never decides.
//! * Money is `i64` minor units with checked arithmetic; ratios are exact
//!   [`rust_decimal::Decimal`]s and cushions round up.
//! * Unknown JSON fields are ignored; unknown enum values fail closed
//!   (`deny`, `unrecognized_value`); malformed values are errors that name
//!   their JSON path.
//!
//! ## Where things are
//!
//! The root holds what an embedder needs first (also in one `use` as
//! [`prelude`]): [`read_account`] and [`ReadOptions`] (or a provider's own
//! reader: [`stripe`], [`plaid`], [`neutral`]), [`Debit`] and [`Currency`],
//! [`Policy`], [`decide`] and [`decide_unlinked`], the [`Verdict`] with its
//! [`Decision`], [`Code`]s, [`Rule`] and [`RefreshAction`], one [`Error`]
//! and its [`ErrorKind`], and [`Batch`] for JSON Lines. Everything else
//! lives in a named module:
//!
//! | module | what |
//! | --- | --- |
//! | [`snapshot`] | the neutral account the engine reads: [`Snapshot`] and its vocabulary (`Status`, `Balance`, `AccountId`, …) |
//! | [`debit`] | the debit, its payment id, its re-presentment history and prior debits |
//! | [`policy`] | the policy, its builder, fingerprint and velocity limits |
//! | [`verdict`] | the verdict's parts (`Codes`, `RefreshHint`, `Retry`, `Exposure`, …) and the decision table itself, [`verdict::ROWS`] |
//! | [`money`] | currencies, per-currency maps, exact ratios |
//! | [`instant`] | unix seconds and RFC 3339 text to the instants `decide` takes |
//! | [`error`] | each error type, and the JSON path of an input error |
//! | [`request`], [`run`], [`batch`] | one request from any front end, runs of requests, the batch protocol and its ordered-parallel runner |
//! | `arrow`, `schema` | Arrow record batches, JSON Schemas (features `arrow`, `schema`) |
//!
//! In production `now` is the clock's, read by you at the call:
//!
//! ```
//! let now = fundsgate::chrono::Utc::now(); // the library's own chrono, with its clock
//! # assert!(now.timestamp() > 1_651_516_600);
//! ```
//!
//! The behaviour is SPEC version 3: its decision table, reason codes and
//! what the pipeline does with each ship with the crate, in [`contract`]. The
//! table is implemented by [`decide`] and every verdict records its row in
//! [`Rule`]. The README explains where the gate sits in a Stripe flow.
//! Every verdict is also an audit record: the account, the debit, the
//! evaluation time, the policy's name and [`Fingerprint`], the engine's
//! version and a one-sentence explanation.

// The root shows what an embedder needs first (read an account, build a
// debit, decide under a policy, act on the verdict, handle the error); every
// other public item lives in a named module (`fundsgate::policy::Velocity`,
// `fundsgate::verdict::Codes`). The modules that are not public are
// internals. Items that were at the root before 0.2 stay there, hidden from
// the docs, so that code written against them still compiles.
#[cfg(feature = "arrow")]
pub mod arrow;
pub mod batch;
pub mod debit;
mod engine;
pub mod error;
pub mod instant;
mod json;
mod lexer;
pub mod money;
pub mod policy;
mod provider;
mod render;
pub mod request;
pub mod run;
#[cfg(feature = "schema")]
pub mod schema;
pub mod snapshot;
mod spelling;
pub mod verdict;

pub use provider::{ReadOptions, detect_provider, neutral, plaid, read_account, stripe};

pub use batch::Batch;
pub use debit::Debit;
pub use engine::{decide, decide_unlinked};
pub use error::ErrorKind;
pub use instant::{from_unix, unix_seconds};
pub use money::Currency;
pub use policy::Policy;
pub use snapshot::Snapshot;
pub use verdict::{Code, Decision, RefreshAction, Rule, Verdict};

#[doc(hidden)]
pub use {
    batch::{Answered, LineOutcome, ReadLine, Streaming},
    debit::{DebitId, Presentment, PriorDebit, PriorDebits, ReturnCode},
    error::{
        DebitError, DebitIdTooLong, JsonPath, ParseError, PathSegment, PolicyError, RequestError,
        RequiredOverflow, ReturnCodeError, TooManyPriorDebits,
    },
    instant::{InstantError, MAX_UNIX_SECONDS, parse_instant},
    money::{CurrencyError, CurrencyMap, DuplicateCurrency, MinorUnits, Ratio, RatioError},
    policy::{
        Categories, CategoryNotAcceptable, Fingerprint, FingerprintError, MaxReinitiations,
        PolicyBuilder, PolicyNameTooLong, ProviderReview, Velocity, VelocityError, VelocityLimit,
        WindowDays,
    },
    request::{AccountSource, Request},
    run::Run,
    snapshot::{
        AccountId, AccountNumbers, Balance, BalanceType, Category, Livemode, NextRefresh, Provider,
        ProviderError, ProviderResult, Refresh, RefreshStatus, Status, UnixSeconds,
    },
    verdict::{
        Basis, Codes, CodesIter, DebitRecord, Engine, Exposure, Piece, PolicyRecord, ROWS,
        RefreshHint, Retry, Row, Unrecognized,
    },
};

/// The time library of [`decide`]'s signature, re-exported so that callers
/// need no `chrono` dependency of their own (and never a mismatched one).
pub use chrono;

/// The decimal library of [`Ratio`]'s API (`Ratio::new`, `Ratio::get`),
/// re-exported for the same reason.
pub use rust_decimal;

/// What an embedder needs first, in one `use`: read an account, build a
/// debit, decide under a policy, act on the verdict. (The error type,
/// [`Error`], is left out so that a glob import never shadows another
/// crate's `Error`; name it `fundsgate::Error`.)
///
/// ```
/// use fundsgate::prelude::*;
///
/// let account = br#"{"object": "financial_connections.account", "status": "active",
///   "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 6000}, "cash": {"available": {"usd": 6000}}}}"#;
/// let snapshot = read_account(account, &ReadOptions::new())?;
/// let debit = Debit::new(2_500, Currency::new("usd")?, 0)?;
/// let now = DateTime::from_timestamp(1_651_516_600, 0).ok_or("bad time")?;
/// let verdict: Verdict = decide(&snapshot, &debit, &Policy::default(), now)?;
/// assert_eq!((verdict.decision, verdict.rule), (Decision::Allow, Rule::Sufficient));
/// assert!(!verdict.warnings.contains(Code::UsedCurrentBalance));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod prelude {
    pub use crate::chrono::{DateTime, Utc};
    pub use crate::{
        Code, Currency, Debit, Decision, Policy, ReadOptions, RefreshAction, Rule, Verdict, decide,
        decide_unlinked, read_account,
    };
}

/// Any error of this library, for code that handles them in one place: `?`
/// turns each specific error into it, and its `Display` is the specific
/// error's own message. Match on the variant to react to one kind of
/// failure; [`Error::kind`] sorts the input errors that carry a JSON path.
///
/// ```
/// use fundsgate::{decide, read_account, Currency, Debit, Decision, Policy, ReadOptions, Verdict};
///
/// /// The gate as one function: every failure is a `fundsgate::Error`.
/// fn gate(account: &[u8], amount: i64, currency: &str, now: i64) -> Result<Verdict, fundsgate::Error> {
///     let snapshot = read_account(account, &ReadOptions::new())?;
///     let debit = Debit::new(amount, Currency::new(currency)?, 0)?;
///     let now = fundsgate::unix_seconds(now)?; // milliseconds by mistake are an error
///     Ok(decide(&snapshot, &debit, &Policy::default(), now)?)
/// }
///
/// let account = br#"{"object": "financial_connections.account", "status": "active",
///   "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 6000}, "cash": {"available": {"usd": 6000}}}}"#;
/// assert_eq!(gate(account, 5_000, "usd", 1_651_516_600)?.decision, Decision::Allow);
///
/// let err = gate(br#"{"object": "customer", "id": "cus_1"}"#, 5_000, "usd", 1_651_516_600).unwrap_err();
/// assert!(matches!(err, fundsgate::Error::Parse(_)));
/// assert_eq!(err.kind(), Some(fundsgate::ErrorKind::NotAnAccount));
/// let err = gate(account, 0, "usd", 1_651_516_600).unwrap_err();
/// assert_eq!(err.to_string(), "must be a positive integer in minor units, found 0");
/// assert_eq!(err.kind(), None);
/// let err = gate(account, 5_000, "usd", 1_651_516_600_000).unwrap_err();
/// assert!(matches!(err, fundsgate::Error::Instant(_)));
/// # Ok::<(), fundsgate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An account document that cannot be read.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A policy that is not valid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A request (a batch line, a Python call, an Arrow row) that cannot be
    /// decided.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A debit that cannot be evaluated.
    #[error(transparent)]
    Debit(#[from] DebitError),
    /// `amount + in_flight + exposure + cushions` does not fit in `i64`.
    #[error(transparent)]
    RequiredOverflow(#[from] RequiredOverflow),
    /// A currency code that is not three ASCII letters.
    #[error(transparent)]
    Currency(#[from] CurrencyError),
    /// A currency twice in one map.
    #[error(transparent)]
    DuplicateCurrency(#[from] DuplicateCurrency),
    /// A ratio out of range or not exact.
    #[error(transparent)]
    Ratio(#[from] RatioError),
    /// An instant out of range or not readable.
    #[error(transparent)]
    Instant(#[from] InstantError),
    /// Text that is not a NACHA return code.
    #[error(transparent)]
    ReturnCode(#[from] ReturnCodeError),
    /// A payment id over 255 characters.
    #[error(transparent)]
    DebitIdTooLong(#[from] DebitIdTooLong),
    /// More prior debits than one request may carry.
    #[error(transparent)]
    TooManyPriorDebits(#[from] TooManyPriorDebits),
    /// Text that is not a policy fingerprint.
    #[error(transparent)]
    Fingerprint(#[from] FingerprintError),
    /// A category a policy can never accept.
    #[error(transparent)]
    CategoryNotAcceptable(#[from] CategoryNotAcceptable),
    /// An Arrow column that is missing or of the wrong type.
    #[cfg(feature = "arrow")]
    #[error(transparent)]
    Column(#[from] arrow::ColumnError),
}

impl Error {
    /// The kind of an input error that names a place in a document or a
    /// batch (a parse, policy, request or Arrow column error); `None` for
    /// the errors of a single argument.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Error::Parse(e) => Some(e.kind()),
            Error::Policy(e) => Some(e.kind()),
            Error::Request(e) => Some(e.kind()),
            #[cfg(feature = "arrow")]
            Error::Column(e) => Some(e.kind()),
            _ => None,
        }
    }
}

/// The contract: SPEC version 3's decision table, reason codes and what the
/// pipeline does with each, in the crate's own documentation.
#[doc = include_str!("../docs/contract.md")]
pub mod contract {}

/// Not part of the API: hooks for the fuzz targets (`fuzz/`), which check the
/// fast path of the readers against serde_json alone.
#[doc(hidden)]
pub mod __private {
    use crate::batch::{Answered, Batch};
    use crate::{ParseError, Snapshot};

    pub use crate::engine::max_allowed_by_search;

    /// `stripe::parse_account` through serde_json only.
    pub fn parse_account_reference(bytes: &[u8]) -> Result<Snapshot, ParseError> {
        crate::stripe::parse_account_with(bytes, false).map_err(ParseError::from)
    }

    /// `plaid::parse_response` through serde_json only.
    pub fn parse_plaid_reference(
        bytes: &[u8],
        account_id: Option<&str>,
        fetched_at: Option<i64>,
    ) -> Result<Snapshot, ParseError> {
        crate::provider::plaid::parse_json(bytes, account_id, fetched_at, false)
            .map_err(ParseError::from)
    }

    /// `Batch::answer` through serde_json only.
    pub fn answer_reference(batch: &Batch, line: &[u8], out: &mut Vec<u8>) -> Answered {
        batch.answer_with(line, out, false)
    }

    /// The same streaming, every line read by serde_json only.
    pub fn reference_streaming(how: crate::Streaming) -> crate::Streaming {
        how.reference()
    }
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
