//! The batch protocol (documented on [`Batch`]): one JSON request line
//! in, one answer line out; and the ordered-parallel runner of many lines
//! ([`Streaming`]) that `fundsgate batch` and Python's `decide_many` share.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;

use crate::debit::{Debit, DebitId, Presentment, PriorDebits, ReturnCode};
use crate::error::{JsonError, ParseError, RequestError};
use crate::instant::Now;
use crate::json::{Obj, from_slice_tracked, strip_bom};
use crate::money::{Currency, Strict};
use crate::policy::Policy;
use crate::provider::{ReadOptions, check_id, read_json, read_json_given_up};
use crate::run::Run;
use crate::snapshot::AccountId;

mod fast;
mod stream;

pub use stream::Streaming;

use crate::verdict::{Decision, Rule, Verdict};
use fast::AccountInput;

/// The batch protocol: one JSON request line in, one JSON answer line out.
///
/// A request line (the [contract](crate::contract)):
///
/// ```json
/// {"id": "any JSON value", "account": {...}, "amount": 6000, "currency": "usd", "in_flight": 0, "now": 1651516600,
///  "presentment": {"original_settlement": 1651000000, "returns": ["R01"]}, "prior": [...]}
/// ```
///
/// `account` is any document [`read_account`](crate::read_account) reads (a
/// Stripe account or account event, a Plaid `/accounts/balance/get` or
/// `/signal/evaluate` response or error, a neutral snapshot), or `null` for
/// an unlinked debit (a line without `account` is an error); the keys
/// `account_id` and `fetched_at` say which account of a Plaid response and
/// when it was received.
/// `in_flight`, `now`, `presentment` and `prior` are optional (`now` and
/// `original_settlement` are unix seconds or RFC 3339 strings; `now` defaults
/// to the batch's instant). Any other key is an error: the request line is
/// ours, and a misspelt key must never change a decision. The answer is the verdict with
/// `id` echoed first, byte for byte, or `{"id": ..., "error": "..."}` for a line
/// that cannot be answered; `id` is `null` when it cannot be read.
///
/// This module does no I/O: [`Batch::answer`] turns one line's bytes into one
/// answer line appended to a buffer. The `fundsgate batch` command streams
/// stdin through it.
///
/// ```
/// use fundsgate::Batch;
/// use fundsgate::from_unix;
/// use fundsgate::Policy;
///
/// let batch = Batch::new(Policy::default(), from_unix(1_651_516_600).ok_or("time")?);
/// let mut out = Vec::new();
/// batch.answer(br#"{"id": 7, "account": {"status": "disconnected"}, "amount": 100, "currency": "usd"}"#, &mut out);
/// batch.answer(br#"{"id": "x", "amount": 1.5}"#, &mut out);
/// let text = String::from_utf8(out)?;
/// let mut lines = text.lines();
/// assert!(lines.next().ok_or("no line")?.starts_with(r#"{"id":7,"decision":"deny","reasons":["balance_missing","account_disconnected"]"#));
/// assert!(lines.next().ok_or("no line")?.starts_with(r#"{"id":"x","error":"amount: expected an integer amount"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A `Batch` answers lines under one policy and one default instant.
#[derive(Clone, Debug)]
pub struct Batch {
    policy: Policy,
    now: DateTime<Utc>,
}

/// One line decided by [`Batch::decide_line`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LineOutcome<'a> {
    /// The raw JSON text of the line's `id`; `None` when it is absent, null
    /// or cannot be read.
    pub id: Option<Cow<'a, [u8]>>,
    /// The verdict, or the error message (`amount: required`, …) of the line.
    pub result: Result<Verdict, String>,
}

impl<'a> LineOutcome<'a> {
    /// An outcome (for callers that keep outcomes and write their answer
    /// lines later).
    pub fn new(id: Option<Cow<'a, [u8]>>, result: Result<Verdict, String>) -> Self {
        LineOutcome { id, result }
    }

    /// Appends the answer line, `\n` included, exactly as [`Batch::answer`]
    /// writes it.
    pub fn write_answer(&self, out: &mut Vec<u8>) {
        match &self.result {
            Ok(verdict) => write_verdict(self.id.as_deref(), verdict, out),
            Err(message) => write_error(self.id.as_deref(), message, out),
        }
    }
}

/// What became of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answered {
    /// A verdict was written: its decision and the row that decided.
    Verdict(Decision, Rule),
    /// An error line was written.
    Error,
}

impl Batch {
    /// A batch deciding under `policy`, at `now` unless a line says otherwise.
    pub fn new(policy: Policy, now: DateTime<Utc>) -> Self {
        Batch { policy, now }
    }

    /// Answers one request line (without its line terminator; a trailing
    /// `\r` is ignored) by appending one JSON line, `\n` included, to `out`.
    pub fn answer(&self, line: &[u8], out: &mut Vec<u8>) -> Answered {
        self.answer_with(line, out, true)
    }

    /// Decides one request line without writing its answer: the verdict
    /// itself (or the message of the error line [`Batch::answer`] would
    /// write), and the raw JSON text of the line's `id`. For bindings that
    /// hand verdicts over as objects rather than JSON lines.
    ///
    /// ```
    /// use fundsgate::{Batch, Decision, Policy, from_unix};
    /// let batch = Batch::new(Policy::default(), from_unix(1_651_516_600).ok_or("time")?);
    /// let line = br#"{"id": "pi_1", "account": {"status": "disconnected"}, "amount": 100, "currency": "usd"}"#;
    /// let outcome = batch.decide_line(line);
    /// assert_eq!(outcome.id.as_deref(), Some(&br#""pi_1""#[..]));
    /// assert_eq!(outcome.result.map(|v| v.decision), Ok(Decision::Deny));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_line<'a>(&self, line: &'a [u8]) -> LineOutcome<'a> {
        self.outcome(line, true)
    }

    /// [`Batch::answer`], with or without the fast path of [`fast`]
    /// (the fuzz targets compare the two).
    pub(crate) fn answer_with(&self, line: &[u8], out: &mut Vec<u8>, fast: bool) -> Answered {
        let outcome = self.outcome(line, fast);
        outcome.write_answer(out);
        match &outcome.result {
            Ok(verdict) => Answered::Verdict(verdict.decision, verdict.rule),
            Err(_) => Answered::Error,
        }
    }

    fn outcome<'a>(&self, line: &'a [u8], fast: bool) -> LineOutcome<'a> {
        self.decide_read(self.read(line, fast), &mut Run::independent())
    }

    /// Reads one request line and its account, without deciding it: the
    /// part of [`Batch::answer`] that does not depend on the other lines of
    /// a run, so that a caller may read lines in parallel and then decide
    /// them in order with [`Batch::decide_read`].
    pub fn read_line<'a>(&self, line: &'a [u8]) -> ReadLine<'a> {
        self.read(line, true)
    }

    /// Decides a line read by [`Batch::read_line`], after every line `run`
    /// decided before it (SPEC §5b, "Within a run").
    ///
    /// ```
    /// use fundsgate::{Batch, Decision, Policy, Run, from_unix};
    /// let batch = Batch::new(Policy::default(), from_unix(1_651_516_600).ok_or("time")?);
    /// let account = r#"{"id": "fca_1", "object": "financial_connections.account", "status": "active",
    ///   "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 6000}, "cash": {"available": {"usd": 6000}}}}"#;
    /// let lines: Vec<String> = (1..=3)
    ///     .map(|i| format!(r#"{{"id": "pi_{i}", "account": {account}, "amount": 3000, "currency": "usd"}}"#))
    ///     .collect();
    /// let mut run = Run::new();
    /// let decisions: Vec<_> = lines
    ///     .iter()
    ///     .map(|line| batch.decide_read(batch.read_line(line.as_bytes()), &mut run).result.map(|v| v.decision))
    ///     .collect();
    /// assert_eq!(decisions, [Ok(Decision::Allow), Ok(Decision::Allow), Ok(Decision::Deny)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_read<'a>(&self, mut read: ReadLine<'a>, run: &mut Run) -> LineOutcome<'a> {
        self.decide_in_place(&mut read, run);
        self.outcome_of(read)
    }

    /// A line's outcome: the decision [`Batch::decide_in_place`] kept in it
    /// (or its decision alone), as [`Batch::write_line`] would write it.
    fn outcome_of<'a>(&self, read: ReadLine<'a>) -> LineOutcome<'a> {
        let result = self.result(&read).map_err(Cow::into_owned);
        let ReadLine { line_id, .. } = read;
        let id = match line_id {
            LineId::Echoed(id) => Some(id),
            LineId::Owned(id) => Some(Cow::Owned(id.as_bytes().to_vec())),
            LineId::Unread => None,
        };
        let id = id.filter(|id| echoed(id, result.is_ok()));
        LineOutcome::new(id, result)
    }

    /// [`Batch::decide_read`] that keeps the decision in the line instead
    /// of moving the line into a [`LineOutcome`]: for pipelines that read
    /// lines in parallel, decide them in order on one thread and write them
    /// in parallel ([`Batch::write_line`]), the decision is the only thing
    /// the ordered stage writes. Deciding a line again replaces its
    /// decision.
    ///
    /// ```
    /// use fundsgate::{Batch, Policy, Run, from_unix};
    /// let batch = Batch::new(Policy::default(), from_unix(1_651_516_600).ok_or("time")?);
    /// let account = r#"{"id": "fca_1", "object": "financial_connections.account", "status": "active",
    ///   "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 6000}, "cash": {"available": {"usd": 6000}}}}"#;
    /// let lines: Vec<String> = (1..=3)
    ///     .map(|i| format!(r#"{{"id": "pi_{i}", "account": {account}, "amount": 3000, "currency": "usd"}}"#))
    ///     .collect();
    /// // Read (in parallel, in a real pipeline), then decided in order...
    /// let mut read: Vec<_> = lines.iter().map(|l| batch.read_line(l.as_bytes())).collect();
    /// let mut run = Run::new();
    /// for line in &mut read {
    ///     batch.decide_in_place(line, &mut run);
    /// }
    /// // ...then written (in parallel, in a real pipeline).
    /// let mut out = Vec::new();
    /// for line in &read {
    ///     batch.write_line(line, &mut out);
    /// }
    /// let answers = String::from_utf8(out)?;
    /// assert_eq!(answers.matches(r#""decision":"allow""#).count(), 2);
    /// assert_eq!(answers.matches(r#""decision":"deny""#).count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_in_place(&self, line: &mut ReadLine<'_>, run: &mut Run) {
        if let Ok(r) = &mut line.read {
            let now = r.now.timestamp();
            match run.outcome(r.snapshot.as_ref(), &r.debit, &self.policy, now) {
                Ok(outcome) => r.decided = Some(outcome),
                Err(e) => line.read = Err(RequestError::overflow(&e).to_string()),
            }
        }
    }

    /// Appends a line's answer, `\n` included: the decision
    /// [`Batch::decide_in_place`] kept in it, exactly as
    /// [`Batch::decide_read`] and [`LineOutcome::write_answer`] would write
    /// it; a line no run decided is decided alone, as [`Batch::answer`]
    /// decides every line.
    pub fn write_line(&self, line: &ReadLine<'_>, out: &mut Vec<u8>) {
        let result = self.result(line);
        let id = line.line_id.text().filter(|id| echoed(id, result.is_ok()));
        match result {
            Ok(verdict) => write_verdict(id, &verdict, out),
            Err(message) => write_error(id, &message, out),
        }
    }

    /// A line's verdict, or its error message: the decision
    /// [`Batch::decide_in_place`] kept (or, for a line no run decided, its
    /// decision alone) with its audit record.
    fn result<'l>(&self, line: &'l ReadLine<'_>) -> Result<Verdict, Cow<'l, str>> {
        let r = line.read.as_ref().map_err(|m| Cow::Borrowed(m.as_str()))?;
        let now = r.now.timestamp();
        let outcome = match r.decided {
            Some(outcome) => outcome,
            None => crate::engine::outcome(r.snapshot.as_ref(), &r.debit, &[], &self.policy, now)
                .map_err(|e| Cow::Owned(RequestError::overflow(&e).to_string()))?,
        };
        // An id no reader could read back is refused last, as before runs
        // existed: the request's own faults come first.
        match &r.id_fault {
            Some(fault) => Err(Cow::Borrowed(fault.as_str())),
            None => Ok(outcome.into_verdict(r.snapshot.as_ref(), &r.debit, &self.policy, now)),
        }
    }

    fn read<'a>(&self, line: &'a [u8], fast: bool) -> ReadLine<'a> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match self.read_request(line, fast) {
            Ok((id, read)) => ReadLine {
                line_id: id.map_or(LineId::Unread, |id| LineId::Echoed(Cow::Borrowed(id))),
                read: Ok(read),
            },
            Err(Unanswered { id, message }) => ReadLine {
                // The id as the request's reader read it, or, when the line
                // could not be read as a request, as the id alone reads.
                line_id: id
                    .unwrap_or_else(|| read_id(line))
                    .filter(|raw| echoable(raw).is_ok())
                    .map_or(LineId::Unread, |id| LineId::Echoed(Cow::Borrowed(id))),
                read: Err(message),
            },
        }
    }

    fn read_request<'a>(
        &self,
        line: &'a [u8],
        fast: bool,
    ) -> Result<(Option<&'a [u8]>, ReadRequest), Unanswered<'a>> {
        let line = strip_bom(line);
        let request = match if fast { fast::request(line) } else { None } {
            Some(request) => request,
            None => serde_request(line).map_err(|e| Unanswered {
                id: None,
                message: e.without_position().to_string(),
            })?,
        };
        let id = request.id;
        Self::check_request(request, self.now, fast).map_err(|message| Unanswered {
            id: Some(id),
            message,
        })
    }

    /// A request line's values, read, checked and put together (the
    /// account read and checked last).
    fn check_request(
        request: fast::Request<'_>,
        default_now: DateTime<Utc>,
        fast: bool,
    ) -> Result<(Option<&[u8]>, ReadRequest), String> {
        // `"account": null` is an unlinked debit; no `account` key at all is
        // a mistake.
        let account = request
            .account
            .ok_or("account: required (null for an unlinked debit)")?;
        let required = |field: &str| format!("{field}: required");
        let amount = request.amount.ok_or_else(|| required("amount"))?;
        let currency = request.currency.ok_or_else(|| required("currency"))?;
        let debit = Debit::new(amount, currency, request.in_flight.unwrap_or(0))
            .map_err(|e| RequestError::debit(&e).to_string())?;
        let debit = match request.presentment {
            Some(presentment) => debit.with_presentment(presentment),
            None => debit,
        };
        // The request's id, when a string, is the payment's id.
        let debit = match request.id.map(debit_id).transpose()?.flatten() {
            Some(id) => debit.with_id(id),
            None => debit,
        };
        let debit = debit.with_prior(request.prior);
        let now = request.now.unwrap_or(default_now);
        // The debit's values first, then the account (the order of every
        // front end: see `Request`).
        let mut options = ReadOptions {
            provider: None,
            account_id: request.account_id.as_deref(),
            fetched_at: request.fetched_at.map(|t| t.timestamp()),
        };
        // Matched out, not mapped: each combinator would move the snapshot
        // once more.
        let read = match account {
            None => None,
            Some(AccountInput::Stripe(document)) => Some(
                document
                    .into_snapshot("")
                    .and_then(|s| check_id(s, options.account_id, "id")),
            ),
            Some(AccountInput::Plaid(response)) => {
                Some(response.into_snapshot(options.account_id, options.fetched_at))
            }
            Some(AccountInput::Raw(bytes, provider)) => {
                options.provider = provider;
                Some(match provider {
                    // Found by the line's fast reader, which has tried the
                    // document and given up: serde_json reads it.
                    Some(_) => read_json_given_up(bytes, &options),
                    None => read_json(bytes, &options, fast),
                })
            }
        };
        let snapshot = match read {
            None => None,
            Some(Ok(snapshot)) => Some(snapshot),
            Some(Err(e)) => return Err(RequestError::account(ParseError::from(e)).to_string()),
        };
        let id_fault = request.id.map(echoable).and_then(Result::err);
        Ok((
            request.id,
            ReadRequest {
                snapshot,
                debit,
                now,
                id_fault,
                decided: None,
            },
        ))
    }
}

/// Why a line has no verdict, and its id when the line was read as a
/// request (`Some(None)`: it has none); `None` when it could not be.
struct Unanswered<'a> {
    id: Option<Option<&'a [u8]>>,
    message: String,
}

/// A request line read by [`Batch::read_line`], its account included, not
/// yet decided.
#[derive(Clone, Debug)]
pub struct ReadLine<'a> {
    line_id: LineId<'a>,
    read: Result<ReadRequest, String>,
}

impl ReadLine<'_> {
    /// A line that cannot be read at all (too long to hold, say): its answer
    /// is an error line with this message and a null id.
    pub fn failed(message: String) -> ReadLine<'static> {
        ReadLine {
            line_id: LineId::Unread,
            read: Err(message),
        }
    }

    /// The same line, owning its id's text (to send it to another thread):
    /// an id of up to [`AccountId::INLINE`](crate::AccountId::INLINE) bytes
    /// (a payment id with its quotes) is copied into the line, not allocated.
    pub fn into_owned(self) -> ReadLine<'static> {
        ReadLine {
            line_id: match self.line_id {
                LineId::Echoed(Cow::Borrowed(id)) => match std::str::from_utf8(id) {
                    Ok(text) => LineId::Owned(AccountId::new(text)),
                    Err(_) => LineId::Echoed(Cow::Owned(id.to_vec())),
                },
                LineId::Echoed(Cow::Owned(id)) => LineId::Echoed(Cow::Owned(id)),
                LineId::Owned(id) => LineId::Owned(id),
                LineId::Unread => LineId::Unread,
            },
            read: self.read,
        }
    }
}

/// A line's `id` as the answer echoes it.
#[derive(Clone, Debug)]
enum LineId<'a> {
    /// The raw JSON text (absent or null ids are `Unread`).
    Echoed(Cow<'a, [u8]>),
    /// The same, owned: inline when short, as an account id is.
    Owned(AccountId),
    Unread,
}

impl LineId<'_> {
    /// The raw JSON text of the id, if there is one.
    fn text(&self) -> Option<&[u8]> {
        match self {
            LineId::Echoed(id) => Some(id),
            LineId::Owned(id) => Some(id.as_bytes()),
            LineId::Unread => None,
        }
    }
}

/// A request read: its account, debit and instant.
#[derive(Clone, Debug)]
struct ReadRequest {
    snapshot: Option<crate::snapshot::Snapshot>,
    debit: Debit,
    now: DateTime<Utc>,
    /// Why the id cannot be echoed, if it cannot.
    id_fault: Option<String>,
    /// The decision [`Batch::decide_in_place`] made, the audit record left
    /// to [`Batch::write_line`].
    decided: Option<crate::engine::Outcome>,
}

/// The payment id of a request whose `id` is a JSON string: at most 255
/// characters. Other ids (numbers, objects) name the line only.
fn debit_id(raw: &[u8]) -> Result<Option<DebitId>, String> {
    if raw.first() != Some(&b'"') {
        return Ok(None);
    }
    match serde_json::from_slice::<Cow<'_, str>>(raw) {
        Ok(text) => DebitId::new(&text)
            .map(Some)
            .map_err(|e| format!("id: {e}")),
        // Half a surrogate pair: `echoable` names it.
        Err(_) => Ok(None),
    }
}

/// Reads a request line with serde_json: the reference reader, and the one
/// whose errors name their path.
pub(crate) fn serde_request(line: &[u8]) -> Result<fast::Request<'_>, JsonError> {
    from_slice_tracked::<Obj<Request<'_>>>(line).map(|Obj(r)| r.into())
}

/// One request line, as serde_json reads it. A key the protocol does not
/// name is an error: the request is ours, and a misspelt `in_flight` must
/// never be read as "nothing in flight".
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(title = "Request", description = "A fundsgate batch request line.")
)]
#[cfg_attr(feature = "schema", schemars(transform = request_schema))]
#[serde(deny_unknown_fields)]
pub(crate) struct Request<'a> {
    /// Any JSON value, echoed first in the answer line.
    #[serde(default, borrow)]
    #[cfg_attr(feature = "schema", schemars(with = "serde_json::Value"))]
    id: Option<&'a RawValue>,
    /// The account document (a Stripe account or account event, a Plaid
    /// `/accounts/balance/get`, `/signal/evaluate` or error response, a
    /// neutral snapshot), or null for an unlinked debit. Absent is an error.
    #[serde(default, borrow, deserialize_with = "crate::json::present")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "serde_json::Map<String, serde_json::Value>")
    )]
    account: Option<Option<&'a RawValue>>,
    /// The account to read from a Plaid response that holds several; for
    /// other documents, the id the document must carry.
    #[serde(default, borrow)]
    account_id: Option<Cow<'a, str>>,
    /// When the account document was received: the time of a Plaid balance
    /// without `last_updated_datetime`. Unix seconds or RFC 3339.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<InstantSchema>"))]
    fetched_at: Option<Now>,
    /// The debit amount in minor units, at least 1.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "i64", range(min = 1)))]
    amount: Option<Strict<i64>>,
    /// The debit currency.
    #[serde(default)]
    currency: Option<Currency>,
    /// Debits already approved and not yet in the balance.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<i64>", range(min = 0)))]
    in_flight: Option<Strict<i64>>,
    /// The evaluation instant: unix seconds or RFC 3339.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<InstantSchema>"))]
    now: Option<Now>,
    /// The history of a re-initiated entry.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<WirePresentment>"))]
    presentment: Option<Obj<WirePresentment>>,
    /// The account's earlier debits that were initiated and have not failed
    /// or been returned (at most 10,000).
    #[serde(default)]
    prior: Option<PriorDebits>,
}

/// What the derive cannot say: `account`, `amount` and `currency` are
/// required (they are read with defaults only to name a missing one in the
/// error), and `account` may be null (an unlinked debit).
#[cfg(feature = "schema")]
fn request_schema(schema: &mut schemars::Schema) {
    schema.insert(
        "required".to_owned(),
        serde_json::json!(["account", "amount", "currency"]),
    );
    if let Some(account) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut("account"))
        .and_then(serde_json::Value::as_object_mut)
    {
        account.insert("type".to_owned(), serde_json::json!(["object", "null"]));
    }
}

/// The request line's schema type.
#[cfg(feature = "schema")]
pub(crate) type RequestSchema = Request<'static>;

/// An instant: unix seconds (at most 100,000,000,000) or RFC 3339.
#[cfg(feature = "schema")]
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "a schema only: instants are read by `Now`")]
enum InstantSchema {
    Seconds(#[schemars(range(min = -100_000_000_000_i64, max = 100_000_000_000_i64))] i64),
    Rfc3339(#[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}T"))] String),
}

/// A request's `presentment`: the history of a re-initiated entry.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct WirePresentment {
    /// When the original entry settled: unix seconds or RFC 3339.
    #[cfg_attr(feature = "schema", schemars(with = "InstantSchema"))]
    original_settlement: Now,
    /// The return codes of the earlier presentments, oldest first.
    #[cfg_attr(feature = "schema", schemars(with = "Vec<ReturnCode>"))]
    returns: Vec<WireReturnCode>,
}

/// A return code, `R` and two digits.
struct WireReturnCode(ReturnCode);

impl<'de> Deserialize<'de> for WireReturnCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = WireReturnCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a NACHA return code such as \"R01\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<WireReturnCode, E> {
                ReturnCode::new(v).map(WireReturnCode).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl<'a> From<Request<'a>> for fast::Request<'a> {
    fn from(r: Request<'a>) -> Self {
        fast::Request {
            id: r.id.map(|raw| raw.get().as_bytes()),
            account: r
                .account
                .map(|a| a.map(|raw| AccountInput::Raw(raw.get().as_bytes(), None))),
            account_id: r.account_id,
            fetched_at: r.fetched_at.map(|Now(t)| t),
            amount: r.amount.map(|Strict(n)| n),
            currency: r.currency,
            in_flight: r.in_flight.map(|Strict(n)| n),
            now: r.now.map(|Now(t)| t),
            presentment: r.presentment.map(|Obj(p)| {
                Presentment::new(
                    p.original_settlement.0.timestamp(),
                    p.returns.into_iter().map(|WireReturnCode(c)| c),
                )
            }),
            prior: r.prior.unwrap_or_default(),
        }
    }
}

/// The id's JSON text, when every JSON reader can read it back from the
/// answer line: a number that overflows a double (`1e999`, 400 digits) is
/// valid JSON grammar but an error in serde_json and many others, and would
/// make the whole answer line unreadable to them.
/// Whether an answer echoes the line's raw `id`: always beside a verdict;
/// beside an error only when any reader could read it back.
fn echoed(raw: &[u8], answered: bool) -> bool {
    answered || echoable(raw).is_ok()
}

fn echoable(raw: &[u8]) -> Result<&[u8], String> {
    if raw.first() == Some(&b'"') {
        // A string the reader accepted: any reader can read it back, unless
        // an escape stands for half a surrogate pair (`"\ud800"`), which is
        // JSON grammar but no Unicode text (serde_json, Python's `json` in
        // strict decoders, and most others refuse it).
        if !raw.windows(2).any(|w| w == b"\\u") {
            return Ok(raw);
        }
        return serde_json::from_slice::<String>(raw)
            .map(|_| raw)
            .map_err(|_| {
                "id: cannot be echoed: a string escape that is half a UTF-16 surrogate pair"
                    .to_owned()
            });
    }
    match serde_json::from_slice::<serde_json::Value>(raw) {
        Ok(_) => Ok(raw),
        Err(e) => Err(format!(
            "id: cannot be echoed: {}",
            e.to_string()
                .split(" at line ")
                .next()
                .unwrap_or("not readable")
        )),
    }
}

/// Reads only the `id` of a line that could not be answered, so that the
/// error can still be matched to its request.
fn read_id(line: &[u8]) -> Option<&[u8]> {
    #[derive(Deserialize)]
    struct IdOnly<'a> {
        #[serde(default, borrow)]
        id: Option<&'a RawValue>,
    }
    serde_json::from_slice::<Obj<IdOnly<'_>>>(strip_bom(line))
        .ok()
        .and_then(|Obj(r)| r.id)
        .map(|raw| raw.get().as_bytes())
}

/// Echoes the id's JSON text. A line break inside it (`[0,\n1]`: JSON
/// allows one between tokens, never inside a string, where it must be
/// escaped) would split the answer in two lines, so line breaks are dropped;
/// every other byte is kept.
fn write_id(id: Option<&[u8]>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"id\":");
    let id = id.unwrap_or(b"null");
    if id.iter().any(|b| matches!(b, b'\n' | b'\r')) {
        out.extend(id.iter().filter(|b| !matches!(b, b'\n' | b'\r')));
    } else {
        out.extend_from_slice(id);
    }
}

fn write_verdict(id: Option<&[u8]>, verdict: &Verdict, out: &mut Vec<u8>) {
    write_id(id, out);
    let start = out.len();
    verdict.write_json(out);
    // The verdict's opening `{` becomes the comma after the id.
    if let Some(brace) = out.get_mut(start) {
        *brace = b',';
    }
    out.push(b'\n');
}

fn write_error(id: Option<&[u8]>, message: &str, out: &mut Vec<u8>) {
    write_id(id, out);
    out.extend_from_slice(b",\"error\":");
    #[expect(
        clippy::expect_used,
        reason = "a string always serializes, and writing to a Vec cannot fail"
    )]
    serde_json::to_writer(&mut *out, message).expect("a string serializes into a Vec");
    out.extend_from_slice(b"}\n");
}
