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

use serde::{Serialize, Serializer};

use crate::snapshot::{AccountId, ProviderError};
use crate::verdict::{Basis, Code, Codes, Decision, Piece, Retry, Rule, Verdict};

/// Appends the explanation of `v` to `out`: its opening, its row's sentence
/// ([`Row::explanation`]), then what any row may add (a review the policy
/// let through, the provider's error, how to re-present).
pub(crate) fn write(v: &Verdict, out: &mut Vec<u8>) {
    let all = v.reasons.union(v.warnings);
    opening(out, v.decision, all);
    for piece in v.rule.row().explanation {
        self::piece(out, *piece, v, all);
    }
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

/// One piece of a row's sentence, with the verdict's values.
fn piece(out: &mut Vec<u8>, piece: Piece, v: &Verdict, all: Codes) {
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
        Piece::Balance => Money::new(v.debit.currency).write(out, v.balance.unwrap_or(0)),
        Piece::Required => Money::new(v.debit.currency).write(out, v.required),
        Piece::Exposure => exposure(out, v),
        Piece::AtMost => {
            if let Some(max) = v.max_allowed {
                push(out, "; at most ");
                Money::new(v.debit.currency).write(out, max);
                push(out, " would be allowed");
            }
        }
    }
}

/// ` (with 25.00 USD of 2 earlier debits not yet in the balance)`, when
/// prior debits counted.
fn exposure(out: &mut Vec<u8>, v: &Verdict) {
    if let Some(exposure) = v.exposure.filter(|e| e.count > 0) {
        push(out, " (with ");
        Money::new(v.debit.currency).write(out, exposure.amount);
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

impl Serialize for Verdict {
    /// Every field, then `explanation`, in the SPEC's order; the same bytes as
    /// [`Verdict::write_json`] through `serde_json`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Verdict", 22)?;
        st.serialize_field("decision", &self.decision)?;
        let (reasons, warnings) = self.unrecognized_codes();
        st.serialize_field("reasons", &AllCodes(self.reasons, reasons))?;
        st.serialize_field("warnings", &AllCodes(self.warnings, warnings))?;
        st.serialize_field("basis", &self.basis)?;
        st.serialize_field("balance", &self.balance)?;
        st.serialize_field("required", &self.required)?;
        st.serialize_field("max_allowed", &self.max_allowed)?;
        st.serialize_field("as_of", &self.as_of)?;
        st.serialize_field("balance_age_secs", &self.balance_age_secs)?;
        st.serialize_field("refresh", &self.refresh)?;
        st.serialize_field("retry", &self.retry)?;
        st.serialize_field("exposure", &self.exposure)?;
        st.serialize_field("not_before", &self.not_before)?;
        st.serialize_field("rule", self.rule_id())?;
        st.serialize_field("account", &self.account)?;
        st.serialize_field("provider", &self.provider)?;
        if let Some(error) = &self.provider_error {
            st.serialize_field("provider_error", error)?;
        } else {
            st.skip_field("provider_error")?;
        }
        st.serialize_field("debit", &self.debit)?;
        st.serialize_field("evaluated_at", &self.evaluated_at)?;
        st.serialize_field("policy", &self.policy)?;
        st.serialize_field("engine", &self.engine)?;
        st.serialize_field("explanation", &self.explanation())?;
        st.end()
    }
}

/// A verdict's codes: those this version knows, then those it read back
/// without knowing them ([`Unrecognized`](crate::Unrecognized)).
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

    /// Appends the verdict as one line of JSON (no newline) to `out`.
    ///
    /// A hand-written writer for the batch hot path: fixed names need no
    /// escaping, integers go through `itoa`, the two strings that come from
    /// outside (the account id and the policy name) through `serde_json`.
    /// A property test checks it against `serde_json::to_vec`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        fn opt_int(out: &mut Vec<u8>, n: Option<i64>) {
            match n {
                Some(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
                None => out.extend_from_slice(b"null"),
            }
        }
        fn codes(out: &mut Vec<u8>, codes: Codes, unrecognized: &[Box<str>]) {
            out.push(b'[');
            for (i, code) in codes.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                quoted(out, code.as_str());
            }
            for (i, name) in unrecognized.iter().enumerate() {
                if i > 0 || !codes.is_empty() {
                    out.push(b',');
                }
                string(out, Some(name.as_bytes()));
            }
            out.push(b']');
        }
        fn quoted(out: &mut Vec<u8>, s: &str) {
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        /// A JSON string: as is when nothing needs escaping (ids and names
        /// usually), through serde_json otherwise.
        fn string(out: &mut Vec<u8>, s: Option<&[u8]>) {
            match s {
                Some(s) if !s.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') => {
                    out.push(b'"');
                    out.extend_from_slice(s);
                    out.push(b'"');
                }
                #[expect(
                    clippy::expect_used,
                    reason = "the bytes come from a &str, a string always serializes, and writing to a Vec cannot fail"
                )]
                Some(s) => serde_json::to_writer(&mut *out, std::str::from_utf8(s).expect("UTF-8"))
                    .expect("a string serializes"),
                None => out.extend_from_slice(b"null"),
            }
        }
        out.extend_from_slice(b"{\"decision\":");
        quoted(out, self.decision.as_str());
        let (reasons, warnings) = self.unrecognized_codes();
        out.extend_from_slice(b",\"reasons\":");
        codes(out, self.reasons, reasons);
        out.extend_from_slice(b",\"warnings\":");
        codes(out, self.warnings, warnings);
        out.extend_from_slice(b",\"basis\":");
        match self.basis {
            Some(basis) => quoted(out, basis.as_str()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"balance\":");
        opt_int(out, self.balance);
        out.extend_from_slice(b",\"required\":");
        opt_int(out, Some(self.required));
        out.extend_from_slice(b",\"max_allowed\":");
        opt_int(out, self.max_allowed);
        out.extend_from_slice(b",\"as_of\":");
        opt_int(out, self.as_of);
        out.extend_from_slice(b",\"balance_age_secs\":");
        opt_int(out, self.balance_age_secs);
        out.extend_from_slice(b",\"refresh\":");
        match self.refresh {
            Some(hint) => {
                out.extend_from_slice(b"{\"action\":");
                quoted(out, hint.action.as_str());
                out.extend_from_slice(b",\"not_before\":");
                opt_int(out, hint.not_before);
                out.push(b'}');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"retry\":");
        match self.retry {
            Some(retry) => {
                out.extend_from_slice(b"{\"attempt\":");
                opt_int(out, Some(i64::from(retry.attempt)));
                out.extend_from_slice(b",\"entry_description\":");
                quoted(out, Retry::ENTRY_DESCRIPTION);
                out.push(b'}');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"exposure\":");
        match self.exposure {
            Some(exposure) => {
                out.extend_from_slice(b"{\"count\":");
                opt_int(out, Some(i64::from(exposure.count)));
                out.extend_from_slice(b",\"amount\":");
                opt_int(out, Some(exposure.amount));
                out.push(b'}');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"not_before\":");
        opt_int(out, self.not_before);
        out.extend_from_slice(b",\"rule\":");
        match self.rule {
            Rule::Unknown => string(out, Some(self.rule_id().as_bytes())),
            rule => quoted(out, rule.as_str()),
        }
        out.extend_from_slice(b",\"account\":");
        string(out, self.account.as_ref().map(AccountId::as_bytes));
        out.extend_from_slice(b",\"provider\":");
        match self.provider {
            Some(provider) => quoted(out, provider.as_str()),
            None => out.extend_from_slice(b"null"),
        }
        if let Some(error) = &self.provider_error {
            // Plain tokens only (`ProviderError`): nothing to escape.
            out.extend_from_slice(b",\"provider_error\":{\"type\":");
            string(out, error.error_type().map(str::as_bytes));
            out.extend_from_slice(b",\"code\":");
            string(out, error.error_code().map(str::as_bytes));
            out.push(b'}');
        }
        out.extend_from_slice(b",\"debit\":{\"amount\":");
        opt_int(out, Some(self.debit.amount));
        out.extend_from_slice(b",\"currency\":");
        quoted(out, self.debit.currency.as_str());
        out.extend_from_slice(b",\"in_flight\":");
        opt_int(out, Some(self.debit.in_flight));
        out.extend_from_slice(b",\"id\":");
        string(out, self.debit.id.as_ref().map(|id| id.as_str().as_bytes()));
        out.extend_from_slice(b"},\"evaluated_at\":");
        opt_int(out, Some(self.evaluated_at));
        out.extend_from_slice(b",\"policy\":{\"name\":");
        string(out, self.policy.name.as_deref().map(str::as_bytes));
        out.extend_from_slice(b",\"fingerprint\":\"");
        self.policy.fingerprint.write_to(out);
        out.extend_from_slice(b"\"},\"engine\":");
        string(out, Some(self.engine.as_str().as_bytes()));
        out.extend_from_slice(b",\"explanation\":\"");
        // The sentence is ASCII without quotes or backslashes (module docs).
        write(self, out);
        out.extend_from_slice(b"\"}");
    }
}
