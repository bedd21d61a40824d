//! The verdict's `explanation`: one English sentence that a support agent
//! can read, written straight into the verdict's JSON (no allocation of its
//! own), amounts in major units by the currency's ISO 4217 exponent.
//!
//! The sentence is ASCII and holds no `"` or `\`: fixed text, digits,
//! uppercase currency codes and RFC 3339 times. The JSON writer relies on it.

use chrono::{DateTime, Datelike, Timelike};

use crate::money::Currency;
use crate::snapshot::UnixSeconds;
use crate::verdict::{Basis, Code, Decision, Rule, Verdict};

/// Appends the explanation of `v` to `out`.
pub(crate) fn write(v: &Verdict, out: &mut Vec<u8>) {
    let all = v.reasons.union(v.warnings);
    let softened = v.decision == Decision::Allow && all.contains(Code::FundsNotVerified);
    push(
        out,
        match v.decision {
            Decision::Allow if softened => {
                "Allowed without verified funds, within the policy's unverified allowance: "
            }
            Decision::Allow => "Allowed: ",
            Decision::Deny => "Denied: ",
            Decision::RefreshNeeded => "Refresh needed: ",
        },
    );
    let ccy = Money::new(v.debit.currency);
    let link = if all.contains(Code::AccountDisconnected) {
        "disconnected"
    } else {
        "inactive"
    };
    match v.rule {
        Rule::Unlinked => push(
            out,
            "the payment method has no linked account, so there is no balance data",
        ),
        Rule::Unrecognized => push(
            out,
            "the account data holds a status, category, balance type or refresh status the gate does not know",
        ),
        Rule::Livemode => push(
            out,
            "the account data's livemode does not match the policy's",
        ),
        Rule::Closed => push(out, "the bank reports the account closed"),
        Rule::NotDebitable => push(out, "the account cannot be debited by ACH"),
        Rule::NumbersDeactivated => push(out, "none of the account's numbers can be debited"),
        Rule::Credit => push(
            out,
            "this is a credit account, which cannot fund an ACH debit",
        ),
        Rule::Category => push(out, "the account's category is not one the policy accepts"),
        Rule::NotRetryable => push(
            out,
            "an earlier presentment was returned for a reason other than R01 or R09, so the payment may not be presented again",
        ),
        Rule::RetryLimit => push(
            out,
            "the payment was already presented again as often as allowed",
        ),
        Rule::RetryWindow => push(
            out,
            "the window for presenting the payment again after its original settlement has closed",
        ),
        Rule::MissingLinkDown => {
            push(out, "there is no balance and the account link is ");
            push(out, link);
        }
        Rule::MissingNotPermitted => push(
            out,
            "there is no balance and the link lacks the balances permission; relink with it",
        ),
        Rule::MissingNeverRefreshed => {
            push(out, "there is no balance yet; start a balance refresh")
        }
        Rule::MissingPending => push(
            out,
            "there is no balance yet and a refresh is pending; wait for it",
        ),
        Rule::MissingFailedCanStart => push(out, "the last balance refresh failed; start another"),
        Rule::MissingFailedLater => {
            push(
                out,
                "the last balance refresh failed and no new one can start ",
            );
            not_before(out, v);
        }
        Rule::MissingNotShared => push(out, "the bank shared no balance"),
        Rule::NoCurrency => {
            push(out, "the balance has no amount in ");
            code(out, ccy.currency);
        }
        Rule::Future => {
            push(out, "the balance is dated ");
            time(out, v.as_of);
            push(out, ", later than now");
        }
        Rule::StaleLinkDown => {
            stale(out, v);
            push(out, " and the account link is ");
            push(out, link);
        }
        Rule::StaleNotPermitted => {
            stale(out, v);
            push(out, " and the link lacks the balances permission");
        }
        Rule::StalePending => {
            stale(out, v);
            push(out, " and a refresh is pending; wait for it");
        }
        Rule::StaleCanStart => {
            stale(out, v);
            push(out, "; start a balance refresh");
        }
        Rule::StaleLater => {
            stale(out, v);
            push(out, " and no refresh can start ");
            not_before(out, v);
        }
        Rule::Sufficient | Rule::Insufficient => {
            push(
                out,
                match v.basis {
                    Some(Basis::Current) => "current balance ",
                    _ => "available balance ",
                },
            );
            ccy.write(out, v.balance.unwrap_or(0));
            push(out, " (as of ");
            time(out, v.as_of);
            push(
                out,
                if v.rule == Rule::Sufficient {
                    ") covers the "
                } else {
                    ") is below the "
                },
            );
            ccy.write(out, v.required);
            push(out, " required");
            if let (Rule::Insufficient, Some(max)) = (v.rule, v.max_allowed) {
                push(out, "; at most ");
                ccy.write(out, max);
                push(out, " would be allowed");
            }
        }
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

fn push(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
}

fn stale(out: &mut Vec<u8>, v: &Verdict) {
    push(out, "the balance from ");
    time(out, v.as_of);
    push(out, " is too old");
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
        let upper = currency.as_bytes().map(|b| b.to_ascii_uppercase());
        let exponent = std::str::from_utf8(&upper)
            .ok()
            .and_then(iso_currency::Currency::from_code)
            .and_then(|c| c.exponent())
            .map(u32::from);
        Money { currency, exponent }
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
