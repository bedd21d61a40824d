//! How a verdict is written: its JSON (a hand-written writer for the batch
//! hot path, and the same bytes through serde) and its `explanation`, one
//! English sentence that a support agent can read, written straight into the
//! JSON (no allocation of its own), amounts in major units by the currency's
//! ISO 4217 exponent.
//!
//! The sentence is ASCII and holds no `"` or `\`: fixed text, digits,
//! uppercase currency codes and RFC 3339 times. The JSON writer relies on it.

use chrono::{DateTime, Datelike, Timelike};

use crate::money::Currency;
use crate::snapshot::UnixSeconds;
use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::debit::DebitId;
use crate::policy::Fingerprint;
use crate::snapshot::{AccountId, Provider, ProviderError};
use crate::verdict::{
    Basis, Code, Codes, DebitRecord, Decision, Exposure, Piece, PolicyRecord, RefreshHint, Retry,
    Rule, Verdict,
};

/// Appends the explanation of `v` to `out`: its opening, its row's sentence
/// ([`Row::explanation`]), then what any row may add (a review the policy
/// let through, the provider's error, how to re-present).
pub(crate) fn write(v: &Verdict, out: &mut Vec<u8>) {
    let all = v.reasons.union(v.warnings);
    opening(out, v.decision, all);
    // The currency's exponent, looked up once for the sentence's amounts.
    let money = Money::new(v.debit.currency);
    v.rule.for_each_piece(
        #[inline(always)]
        |piece| self::piece(out, piece, v, all, money),
    );
    if v.rule != Rule::ProviderReview && all.contains(Code::ProviderReview) {
        push(
            out,
            "; the provider's own risk rules asked for a review, which the policy leaves to you",
        );
    }
    if let Some(error) = &v.provider_error {
        provider_error(out, error);
    }
    out.push(b'.');
    if let Some(retry) = v.retry {
        push(out, " Send it as presentment ");
        out.extend_from_slice(
            itoa::Buffer::new()
                .format(retry.attempt.saturating_add(1))
                .as_bytes(),
        );
        push(out, " with the company entry description RETRY PYMT.");
    }
}

/// `Allowed: `, `Denied: `, `Refresh needed: `, or the opening of an
/// allowance's `allow`.
fn opening(out: &mut Vec<u8>, decision: Decision, all: Codes) {
    push(
        out,
        match decision {
            Decision::Allow if all.contains(Code::FundsNotVerified) => {
                "Allowed without verified funds, within the policy's unverified allowance: "
            }
            Decision::Allow => "Allowed: ",
            Decision::Deny => "Denied: ",
            Decision::RefreshNeeded => "Refresh needed: ",
        },
    );
}

/// One piece of a row's sentence, with the verdict's values. Inlined into
/// each row's constant pieces ([`Rule::for_each_piece`]).
#[inline(always)]
fn piece(out: &mut Vec<u8>, piece: Piece, v: &Verdict, all: Codes, money: Money) {
    match piece {
        Piece::Text(text) => push(out, text),
        Piece::Link => push(
            out,
            if all.contains(Code::AccountDisconnected) {
                "disconnected"
            } else {
                "inactive"
            },
        ),
        Piece::Currency => code(out, v.debit.currency),
        Piece::AsOf => time(out, v.as_of),
        Piece::Stale => stale(out, v),
        Piece::NotBefore => not_before(out, v),
        Piece::PassesAt => velocity_wait(out, v),
        Piece::Basis => push(
            out,
            match v.basis {
                Some(Basis::Current) => "current",
                _ => "available",
            },
        ),
        Piece::Balance => money.write(out, v.balance.unwrap_or(0)),
        Piece::Required => money.write(out, v.required),
        Piece::Exposure => exposure(out, v, money),
        Piece::AtMost => {
            if let Some(max) = v.max_allowed {
                push(out, "; at most ");
                money.write(out, max);
                push(out, " would be allowed");
            }
        }
    }
}

/// ` (with 25.00 USD of 2 earlier debits not yet in the balance)`, when
/// prior debits counted.
fn exposure(out: &mut Vec<u8>, v: &Verdict, money: Money) {
    if let Some(exposure) = v.exposure.filter(|e| e.count > 0) {
        push(out, " (with ");
        money.write(out, exposure.amount);
        push(out, " of ");
        out.extend_from_slice(itoa::Buffer::new().format(exposure.count).as_bytes());
        push(
            out,
            if exposure.count == 1 {
                " earlier debit not yet in the balance)"
            } else {
                " earlier debits not yet in the balance)"
            },
        );
    }
}

/// ` (provider error ITEM_ERROR ITEM_LOGIN_REQUIRED)`: the error response
/// the account data was (the same words whichever document carried it, so
/// that a neutral snapshot explains as its original). Its names are plain
/// tokens ([`ProviderError`]), so the sentence stays ASCII without quotes or
/// backslashes.
fn provider_error(out: &mut Vec<u8>, error: &ProviderError) {
    push(out, " (provider error");
    match (error.error_type(), error.error_code()) {
        (None, None) => push(out, " of a kind the gate cannot name"),
        (kind, code) => {
            for name in [kind, code].into_iter().flatten() {
                push(out, " ");
                push(out, name);
            }
        }
    }
    push(out, ")");
}

fn push(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
}

fn stale(out: &mut Vec<u8>, v: &Verdict) {
    if v.as_of.is_none() {
        // A Plaid balance without a date: nothing says it is recent.
        push(out, "the balance's date is unknown");
        return;
    }
    push(out, "the balance from ");
    time(out, v.as_of);
    push(out, " is too old");
}

/// When a velocity-denied debit could go through: `; it would pass at T`,
/// or, when the debit alone breaks a limit, `, whenever it is presented`.
fn velocity_wait(out: &mut Vec<u8>, v: &Verdict) {
    match v.not_before {
        Some(at) => {
            push(out, "; it would pass at ");
            time(out, Some(at));
        }
        None => push(out, ", whenever it is presented"),
    }
}

fn not_before(out: &mut Vec<u8>, v: &Verdict) {
    match v.refresh.and_then(|r| r.not_before) {
        Some(at) => {
            push(out, "before ");
            time(out, Some(at));
        }
        None => push(out, "yet"),
    }
}

/// The currency code, uppercase (`USD`).
fn code(out: &mut Vec<u8>, ccy: Currency) {
    out.extend_from_slice(&ccy.as_bytes().map(|b| b.to_ascii_uppercase()));
}

/// A currency and its ISO 4217 exponent, looked up once per sentence.
#[derive(Clone, Copy)]
struct Money {
    currency: Currency,
    /// `None` for a code that is not ISO 4217, or has no minor unit.
    exponent: Option<u32>,
}

impl Money {
    fn new(currency: Currency) -> Money {
        Money {
            currency,
            exponent: currency.iso_exponent(),
        }
    }

    /// `minor` units as major units and the code, `60.00 USD`; a currency
    /// without an ISO 4217 exponent in minor units, `6000 minor units of XYZ`.
    fn write(self, out: &mut Vec<u8>, minor: i64) {
        let Some(scale) = self.exponent.and_then(|e| 10_u64.checked_pow(e)) else {
            out.extend_from_slice(itoa::Buffer::new().format(minor).as_bytes());
            push(out, " minor units of ");
            code(out, self.currency);
            return;
        };
        if minor < 0 {
            out.push(b'-');
        }
        let magnitude = minor.unsigned_abs();
        let (whole, fraction) = (
            magnitude.checked_div(scale).unwrap_or(magnitude),
            magnitude.checked_rem(scale).unwrap_or(0),
        );
        out.extend_from_slice(itoa::Buffer::new().format(whole).as_bytes());
        if let Some(digits) = self.exponent.filter(|&e| e > 0) {
            out.push(b'.');
            let mut buffer = itoa::Buffer::new();
            let text = buffer.format(fraction);
            let zeros = usize::try_from(digits)
                .unwrap_or(0)
                .saturating_sub(text.len());
            out.extend(std::iter::repeat_n(b'0', zeros));
            out.extend_from_slice(text.as_bytes());
        }
        out.push(b' ');
        code(out, self.currency);
    }
}

/// RFC 3339 in UTC (`2022-05-02T18:36:32Z`); `unix time N` outside chrono's
/// range, `an unknown time` for none.
fn time(out: &mut Vec<u8>, at: Option<UnixSeconds>) {
    let Some(at) = at else {
        push(out, "an unknown time");
        return;
    };
    let Some(t) = DateTime::from_timestamp(at, 0) else {
        push(out, "unix time ");
        out.extend_from_slice(itoa::Buffer::new().format(at).as_bytes());
        return;
    };
    let year = t.year();
    if year < 0 {
        out.push(b'-');
    }
    padded(out, year.unsigned_abs(), 4);
    out.push(b'-');
    padded(out, t.month(), 2);
    out.push(b'-');
    padded(out, t.day(), 2);
    out.push(b'T');
    padded(out, t.hour(), 2);
    out.push(b':');
    padded(out, t.minute(), 2);
    out.push(b':');
    padded(out, t.second(), 2);
    out.push(b'Z');
}

/// `n` with leading zeros to at least `width` digits.
fn padded(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(n);
    out.extend(std::iter::repeat_n(
        b'0',
        width.saturating_sub(digits.len()),
    ));
    out.extend_from_slice(digits.as_bytes());
}

/// A JSON object the verdict writes, its fields in the SPEC's order,
/// listed once (in [`Record::fields`]) and walked by both writers: the
/// hand-written one ([`Verdict::write_json`], the batch hot path) and
/// serde's ([`Serialize`]). A property test checks that they agree byte for
/// byte through `serde_json`.
trait Record {
    /// The struct's name, for serde.
    const NAME: &'static str;
    /// How many fields it has (at most), for serde.
    const FIELDS: usize;
    /// Hands each field, in order, to `f`.
    fn fields<F: Fields>(&self, f: &mut F);
}

/// A field's name, and the same as the JSON writer writes it before the
/// value (`,"name":`), both from one literal ([`key!`]).
#[derive(Clone, Copy)]
struct Key {
    name: &'static str,
    json: &'static str,
}

/// The [`Key`] of a field name.
macro_rules! key {
    ($name:literal) => {
        Key {
            name: $name,
            json: concat!(",\"", $name, "\":"),
        }
    };
}

/// What a field of a [`Record`] can hold.
trait Fields {
    /// A name of the crate's own vocabulary (ASCII, nothing to escape), or
    /// null.
    fn name(&mut self, key: Key, value: Option<&str>);
    /// An integer, or null.
    fn int(&mut self, key: Key, value: Option<i64>);
    /// Text from outside the crate (an id, a policy's name), escaped as
    /// JSON needs, or null.
    fn text(&mut self, key: Key, value: Option<&str>);
    /// An account or payment id, or null (its text, escaped as JSON needs).
    fn id(&mut self, key: Key, value: Option<&AccountId>);
    /// A set of codes, and the names read back without being known.
    fn codes(&mut self, key: Key, codes: Codes, unrecognized: &[Box<str>]);
    /// A policy fingerprint.
    fn fingerprint(&mut self, key: Key, value: &Fingerprint);
    /// A nested object, or null.
    fn record<R: Record>(&mut self, key: Key, value: Option<&R>);
    /// A nested object written only when there is one (`provider_error`).
    fn record_if_any<R: Record>(&mut self, key: Key, value: Option<&R>);
    /// The verdict's explanation sentence.
    fn explanation(&mut self, key: Key, verdict: &Verdict);
}

impl Record for Verdict {
    const NAME: &'static str = "Verdict";
    const FIELDS: usize = 22;
    #[inline]
    fn fields<F: Fields>(&self, f: &mut F) {
        let (reasons, warnings) = self.unrecognized_codes();
        f.name(key!("decision"), Some(self.decision.as_str()));
        f.codes(key!("reasons"), self.reasons, reasons);
        f.codes(key!("warnings"), self.warnings, warnings);
        f.name(key!("basis"), self.basis.map(Basis::as_str));
        f.int(key!("balance"), self.balance);
        f.int(key!("required"), Some(self.required));
        f.int(key!("max_allowed"), self.max_allowed);
        f.int(key!("as_of"), self.as_of);
        f.int(key!("balance_age_secs"), self.balance_age_secs);
        f.record(key!("refresh"), self.refresh.as_ref());
        f.record(key!("retry"), self.retry.as_ref());
        f.record(key!("exposure"), self.exposure.as_ref());
        f.int(key!("not_before"), self.not_before);
        match self.rule {
            Rule::Unknown => f.text(key!("rule"), Some(self.rule_id())),
            rule => f.name(key!("rule"), Some(rule.as_str())),
        }
        f.id(key!("account"), self.account.as_ref());
        f.name(key!("provider"), self.provider.map(Provider::as_str));
        f.record_if_any(key!("provider_error"), self.provider_error.as_ref());
        f.record(key!("debit"), Some(&self.debit));
        f.int(key!("evaluated_at"), Some(self.evaluated_at));
        f.record(key!("policy"), Some(&self.policy));
        f.text(key!("engine"), Some(self.engine.as_str()));
        f.explanation(key!("explanation"), self);
    }
}

impl Record for RefreshHint {
    const NAME: &'static str = "RefreshHint";
    const FIELDS: usize = 2;
    #[inline]
    fn fields<F: Fields>(&self, f: &mut F) {
        f.name(key!("action"), Some(self.action.as_str()));
        f.int(key!("not_before"), self.not_before);
    }
}

impl Record for Retry {
    const NAME: &'static str = "Retry";
    const FIELDS: usize = 2;
    #[inline]
    fn fields<F: Fields>(&self, f: &mut F) {
        f.int(key!("attempt"), Some(i64::from(self.attempt)));
        f.name(key!("entry_description"), Some(Retry::ENTRY_DESCRIPTION));
    }
}

impl Record for Exposure {
    const NAME: &'static str = "Exposure";
    const FIELDS: usize = 2;
    #[inline]
    fn fields<F: Fields>(&self, f: &mut F) {
        f.int(key!("count"), Some(i64::from(self.count)));
        f.int(key!("amount"), Some(self.amount));
    }
}

impl Record for ProviderError {
    const NAME: &'static str = "ProviderError";
    const FIELDS: usize = 2;
    #[inline]
    fn fields<F: Fields>(&self, f: &mut F) {
        // Plain tokens only (`ProviderError`): nothing to escape, but
        // written as text all the same.
        f.text(key!("type"), self.error_type());
        f.text(key!("code"), self.error_code());
    }
}

impl Record for DebitRecord {
    const NAME: &'static str = "DebitRecord";
    const FIELDS: usize = 4;
    #[inline]
    fn fields<F: Fields>(&self, f: &mut F) {
        f.int(key!("amount"), Some(self.amount));
        f.name(key!("currency"), Some(self.currency.as_str()));
        f.int(key!("in_flight"), Some(self.in_flight));
        f.id(key!("id"), self.id.as_ref().map(DebitId::as_account_id));
    }
}

impl Record for PolicyRecord {
    const NAME: &'static str = "PolicyRecord";
    const FIELDS: usize = 2;
    #[inline]
    fn fields<F: Fields>(&self, f: &mut F) {
        f.text(key!("name"), self.name.as_deref());
        f.fingerprint(key!("fingerprint"), &self.fingerprint);
    }
}

/// Serializes a [`Record`] through serde.
struct AsSerde<'r, R>(&'r R);

impl<R: Record> Serialize for AsSerde<'_, R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut fields = SerdeFields {
            st: s.serialize_struct(R::NAME, R::FIELDS)?,
            error: None,
        };
        self.0.fields(&mut fields);
        match fields.error {
            Some(e) => Err(e),
            None => fields.st.end(),
        }
    }
}

/// Serde's writer of a record: each field through `serialize_field`; the
/// first error stops the rest.
struct SerdeFields<S: SerializeStruct> {
    st: S,
    error: Option<S::Error>,
}

impl<S: SerializeStruct> SerdeFields<S> {
    fn field<T: Serialize + ?Sized>(&mut self, key: Key, value: &T) {
        if self.error.is_none()
            && let Err(e) = self.st.serialize_field(key.name, value)
        {
            self.error = Some(e);
        }
    }
}

impl<S: SerializeStruct> Fields for SerdeFields<S> {
    fn name(&mut self, key: Key, value: Option<&str>) {
        self.field(key, &value);
    }
    fn int(&mut self, key: Key, value: Option<i64>) {
        self.field(key, &value);
    }
    fn text(&mut self, key: Key, value: Option<&str>) {
        self.field(key, &value);
    }
    fn id(&mut self, key: Key, value: Option<&AccountId>) {
        self.field(key, &value.map(AccountId::as_str));
    }
    fn codes(&mut self, key: Key, codes: Codes, unrecognized: &[Box<str>]) {
        self.field(key, &AllCodes(codes, unrecognized));
    }
    fn fingerprint(&mut self, key: Key, value: &Fingerprint) {
        self.field(key, value);
    }
    fn record<R: Record>(&mut self, key: Key, value: Option<&R>) {
        self.field(key, &value.map(AsSerde));
    }
    fn record_if_any<R: Record>(&mut self, key: Key, value: Option<&R>) {
        match value {
            Some(value) => self.field(key, &AsSerde(value)),
            None => {
                if self.error.is_none()
                    && let Err(e) = self.st.skip_field(key.name)
                {
                    self.error = Some(e);
                }
            }
        }
    }
    fn explanation(&mut self, key: Key, verdict: &Verdict) {
        self.field(key, &verdict.explanation());
    }
}

/// The hand-written writer of a record: fixed names need no escaping,
/// integers go through `itoa`, text from outside through `serde_json` when
/// it needs escaping.
struct JsonFields<'o> {
    out: &'o mut Vec<u8>,
}

impl JsonFields<'_> {
    /// Writes `{`, the record's fields and `}`.
    #[inline(always)]
    fn object<R: Record>(out: &mut Vec<u8>, record: &R) {
        // Every field is written after a comma: the first one's becomes
        // the opening brace.
        let start = out.len();
        record.fields(&mut JsonFields { out });
        match out.get_mut(start) {
            Some(comma) => *comma = b'{',
            None => out.push(b'{'),
        }
        out.push(b'}');
    }

    /// `,"key":`: a constant copy where it is written.
    #[inline(always)]
    fn key(&mut self, key: Key) {
        self.out.extend_from_slice(key.json.as_bytes());
    }

    #[inline]
    fn quoted(&mut self, name: &str) {
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'"');
    }

    /// A JSON string of UTF-8 `text`: as is when nothing needs escaping
    /// (ids and names usually), through serde_json otherwise.
    #[inline]
    fn string(&mut self, text: &[u8]) {
        if text.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
            self.escaped(text);
        } else {
            self.out.push(b'"');
            self.out.extend_from_slice(text);
            self.out.push(b'"');
        }
    }

    #[cold]
    fn escaped(&mut self, text: &[u8]) {
        #[expect(
            clippy::expect_used,
            reason = "the bytes come from a &str, a string always serializes, and writing to a Vec cannot fail"
        )]
        serde_json::to_writer(&mut *self.out, std::str::from_utf8(text).expect("UTF-8"))
            .expect("a string serializes");
    }
}

impl Fields for JsonFields<'_> {
    #[inline(always)]
    fn name(&mut self, key: Key, value: Option<&str>) {
        self.key(key);
        match value {
            Some(name) => self.quoted(name),
            None => self.out.extend_from_slice(b"null"),
        }
    }
    #[inline(always)]
    fn int(&mut self, key: Key, value: Option<i64>) {
        self.key(key);
        match value {
            Some(n) => self
                .out
                .extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
            None => self.out.extend_from_slice(b"null"),
        }
    }
    #[inline(always)]
    fn text(&mut self, key: Key, value: Option<&str>) {
        self.key(key);
        match value {
            Some(text) => self.string(text.as_bytes()),
            None => self.out.extend_from_slice(b"null"),
        }
    }
    // `text`'s body again, not a call to it: the call changed what is
    // inlined into `Verdict::fields` and cost 320 instructions a batch line
    // (callgrind, 20,000 Stripe lines: 336.3 M against 329.9 M).
    #[inline(always)]
    fn id(&mut self, key: Key, value: Option<&AccountId>) {
        self.key(key);
        match value {
            Some(id) => self.string(id.as_bytes()),
            None => self.out.extend_from_slice(b"null"),
        }
    }
    #[inline(always)]
    fn codes(&mut self, key: Key, codes: Codes, unrecognized: &[Box<str>]) {
        self.key(key);
        self.out.push(b'[');
        for (i, code) in codes.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.quoted(code.as_str());
        }
        for (i, name) in unrecognized.iter().enumerate() {
            if i > 0 || !codes.is_empty() {
                self.out.push(b',');
            }
            self.string(name.as_bytes());
        }
        self.out.push(b']');
    }
    #[inline(always)]
    fn fingerprint(&mut self, key: Key, value: &Fingerprint) {
        self.key(key);
        self.out.push(b'"');
        value.write_to(self.out);
        self.out.push(b'"');
    }
    #[inline(always)]
    fn record<R: Record>(&mut self, key: Key, value: Option<&R>) {
        self.key(key);
        match value {
            Some(record) => JsonFields::object(self.out, record),
            None => self.out.extend_from_slice(b"null"),
        }
    }
    #[inline(always)]
    fn record_if_any<R: Record>(&mut self, key: Key, value: Option<&R>) {
        if let Some(record) = value {
            self.key(key);
            JsonFields::object(self.out, record);
        }
    }
    #[inline(always)]
    fn explanation(&mut self, key: Key, verdict: &Verdict) {
        self.key(key);
        // The sentence is ASCII without quotes or backslashes (module docs).
        self.out.push(b'"');
        write(verdict, self.out);
        self.out.push(b'"');
    }
}

/// A verdict's codes: those this version knows, then those it read back
/// without knowing them ([`Unrecognized`](crate::verdict::Unrecognized)).
struct AllCodes<'a>(Codes, &'a [Box<str>]);

impl Serialize for AllCodes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len().saturating_add(self.1.len())))?;
        for code in self.0 {
            seq.serialize_element(code.as_str())?;
        }
        for name in self.1 {
            seq.serialize_element(&**name)?;
        }
        seq.end()
    }
}

impl Verdict {
    /// The row's id as written: the id read back for [`Rule::Unknown`].
    fn rule_id(&self) -> &str {
        match (&self.unrecognized, self.rule) {
            (Some(u), Rule::Unknown) => u.rule.as_deref().unwrap_or(Rule::Unknown.as_str()),
            _ => self.rule.as_str(),
        }
    }

    /// The reason and warning names read back without being known.
    fn unrecognized_codes(&self) -> (&[Box<str>], &[Box<str>]) {
        match &self.unrecognized {
            Some(u) => (&u.reasons, &u.warnings),
            None => (&[], &[]),
        }
    }
}

/// `Serialize` through the [`Record`]'s one list of fields.
macro_rules! serialize_records {
    ($($(#[$doc:meta])* $record:ty;)*) => {
        $(
            $(#[$doc])*
            impl Serialize for $record {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    AsSerde(self).serialize(s)
                }
            }
        )*
    };
}

serialize_records! {
    /// Every field, then `explanation`, in the SPEC's order: the same bytes
    /// as [`Verdict::write_json`] through `serde_json`.
    Verdict;
    /// `{"action": …, "not_before": …}`.
    RefreshHint;
    /// `{"attempt": 1, "entry_description": "RETRY PYMT"}`.
    Retry;
    /// `{"count": …, "amount": …}`.
    Exposure;
    /// `{"type": …, "code": …}`, in a verdict and in a neutral snapshot.
    ProviderError;
    /// `{"amount": …, "currency": …, "in_flight": …, "id": …}`.
    DebitRecord;
    /// `{"name": …, "fingerprint": "sha256:…"}`.
    PolicyRecord;
}

impl fmt::Display for Verdict {
    /// The explanation sentence.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explanation())
    }
}

impl Verdict {
    /// The verdict as one line of JSON (the same bytes as its `Serialize`
    /// impl produces through `serde_json`).
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(512);
        self.write_json(&mut out);
        #[expect(
            clippy::expect_used,
            reason = "the writer writes ASCII names, digits and the bytes of &strs: UTF-8"
        )]
        String::from_utf8(out).expect("a verdict's JSON is UTF-8")
    }

    /// One English sentence that a support agent can read, amounts in major
    /// units of the debit's currency (by its ISO 4217 exponent), e.g.
    /// `Denied: available balance 60.00 USD (as of 2022-05-02T18:36:32Z) is
    /// below the 200.00 USD required; at most 60.00 USD would be allowed.`
    pub fn explanation(&self) -> String {
        let mut out = Vec::with_capacity(160);
        write(self, &mut out);
        #[expect(
            clippy::expect_used,
            reason = "the sentence is fixed ASCII text, digits and currency codes"
        )]
        String::from_utf8(out).expect("an explanation is ASCII")
    }

    /// Appends the verdict as one line of JSON (no newline) to `out`: the
    /// hand-written writer of its one field list (the batch hot path), the
    /// same bytes as its `Serialize` impl through `serde_json`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        JsonFields::object(out, self);
    }
}
