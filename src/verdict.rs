//! The verdict: the gate's answer, serialized exactly as SPEC §3 describes.
//!
//! Everything here is plain data, `Copy`, and allocation-free: reasons and
//! warnings are a [`Codes`] bitset over [`Code`], serialized as a JSON array in
//! the order the codes are declared (the SPEC's order), so the same verdict
//! always prints the same bytes.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::snapshot::UnixSeconds;

/// What the pipeline should do with the debit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Confirm the debit.
    Allow,
    /// Do not debit now.
    Deny,
    /// Get a fresher balance first (see the verdict's `refresh`), then ask again.
    RefreshNeeded,
}

impl Decision {
    /// The snake_case wire name, e.g. `"refresh_needed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
            Decision::RefreshNeeded => "refresh_needed",
        }
    }
}

/// A machine-readable reason or warning. Reasons and warnings share one
/// vocabulary (SPEC §3).
///
/// The declaration order is the serialization order: the condition that
/// decided first (the row's own cause), then the basis, account and refresh
/// state, then `funds_not_verified`. Every multi-code row of SPEC §5 therefore
/// prints its codes in the order the table lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Code {
    /// The basis balance is below the required amount.
    InsufficientFunds,
    /// The account status is `disconnected`.
    AccountDisconnected,
    /// A status, balance type or refresh status the gate does not know.
    UnrecognizedValue,
    /// A credit account or credit balance: not evidence of funds.
    CreditAccount,
    /// No balance is available.
    BalanceMissing,
    /// The balance has no amount in the debit's currency.
    CurrencyNotInBalance,
    /// The balance's `as_of` is later than now plus the allowed clock skew.
    BalanceFromFuture,
    /// The balance is older than the policy allows.
    BalanceStale,
    /// The basis is `current` (posted) rather than `cash.available`.
    UsedCurrentBalance,
    /// The account status is `inactive`.
    AccountInactive,
    /// No balance refresh was ever requested.
    RefreshNotRequested,
    /// A balance refresh is under way.
    RefreshPending,
    /// The last balance refresh failed.
    RefreshFailed,
    /// Allowed under `unverified_allowance` without verified funds.
    FundsNotVerified,
}

impl Code {
    /// Every code, in declaration (and serialization) order.
    pub const ALL: [Code; 14] = [
        Code::InsufficientFunds,
        Code::AccountDisconnected,
        Code::UnrecognizedValue,
        Code::CreditAccount,
        Code::BalanceMissing,
        Code::CurrencyNotInBalance,
        Code::BalanceFromFuture,
        Code::BalanceStale,
        Code::UsedCurrentBalance,
        Code::AccountInactive,
        Code::RefreshNotRequested,
        Code::RefreshPending,
        Code::RefreshFailed,
        Code::FundsNotVerified,
    ];

    /// The snake_case wire name, e.g. `"insufficient_funds"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InsufficientFunds => "insufficient_funds",
            Code::AccountDisconnected => "account_disconnected",
            Code::UnrecognizedValue => "unrecognized_value",
            Code::CreditAccount => "credit_account",
            Code::BalanceMissing => "balance_missing",
            Code::CurrencyNotInBalance => "currency_not_in_balance",
            Code::BalanceFromFuture => "balance_from_future",
            Code::BalanceStale => "balance_stale",
            Code::UsedCurrentBalance => "used_current_balance",
            Code::AccountInactive => "account_inactive",
            Code::RefreshNotRequested => "refresh_not_requested",
            Code::RefreshPending => "refresh_pending",
            Code::RefreshFailed => "refresh_failed",
            Code::FundsNotVerified => "funds_not_verified",
        }
    }

    const fn bit(self) -> u16 {
        1 << (self as u8)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Code`]s: a 16-bit bitset, so building one never allocates.
/// Iterates and serializes in [`Code::ALL`] order.
///
/// ```
/// use fundsgate::{Code, Codes};
/// let codes = Codes::EMPTY.with(Code::BalanceStale).with(Code::BalanceMissing);
/// assert_eq!(codes.iter().collect::<Vec<_>>(), [Code::BalanceMissing, Code::BalanceStale]);
/// assert_eq!(serde_json::to_string(&codes)?, r#"["balance_missing","balance_stale"]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Codes(u16);

impl Codes {
    /// The empty set.
    pub const EMPTY: Codes = Codes(0);

    /// The set of the given codes.
    pub const fn of(codes: &[Code]) -> Codes {
        let mut bits = 0;
        let mut i = 0;
        while i < codes.len() {
            #[expect(
                clippy::indexing_slicing,
                clippy::arithmetic_side_effects,
                reason = "`i < codes.len()` is checked on the line above"
            )]
            {
                bits |= codes[i].bit();
                i += 1;
            }
        }
        Codes(bits)
    }

    /// This set with `code` added.
    #[must_use]
    pub const fn with(self, code: Code) -> Codes {
        Codes(self.0 | code.bit())
    }

    /// The union of two sets.
    #[must_use]
    pub const fn union(self, other: Codes) -> Codes {
        Codes(self.0 | other.0)
    }

    /// Whether `code` is in the set.
    pub const fn contains(self, code: Code) -> bool {
        self.0 & code.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The number of codes in the set.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The codes in [`Code::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Code> {
        // Bit i is `Code::ALL[i]`: walk the set bits, lowest first.
        let mut bits = self.0;
        std::iter::from_fn(move || {
            let at = usize::try_from(bits.trailing_zeros()).ok()?;
            let code = Code::ALL.get(at).copied()?;
            bits &= bits.wrapping_sub(1);
            Some(code)
        })
    }
}

impl fmt::Debug for Codes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<Code> for Codes {
    fn from_iter<I: IntoIterator<Item = Code>>(iter: I) -> Self {
        iter.into_iter().fold(Codes::EMPTY, Codes::with)
    }
}

impl Serialize for Codes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for code in self.iter() {
            seq.serialize_element(code.as_str())?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Codes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Codes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of reason codes")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Codes, A::Error> {
                let mut codes = Codes::EMPTY;
                while let Some(code) = seq.next_element::<Code>()? {
                    if codes.contains(code) {
                        return Err(de::Error::custom(format_args!(
                            "code `{code}` appears twice"
                        )));
                    }
                    codes = codes.with(code);
                }
                Ok(codes)
            }
        }
        d.deserialize_seq(V)
    }
}

/// Which balance the decision compared against the required amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// `balance.cash.available`: accounts for holds; what Stripe recommends.
    Available,
    /// `balance.current`: posted only; ignores pending debits and holds.
    Current,
}

impl Basis {
    /// The wire name, `"available"` or `"current"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Available => "available",
            Basis::Current => "current",
        }
    }
}

/// What the pipeline should do about the balance data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshAction {
    /// Start a balance refresh (`POST /v1/financial_connections/accounts/{id}/refresh`
    /// with `features[]=balance`), wait for the
    /// `financial_connections.account.refreshed_balance` event, ask again.
    Initiate,
    /// A refresh is pending: wait for the `refreshed_balance` event, ask again.
    Wait,
    /// Stripe will not start a refresh before `not_before`.
    RetryAfter,
}

impl RefreshAction {
    /// The snake_case wire name, e.g. `"retry_after"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefreshAction::Initiate => "initiate",
            RefreshAction::Wait => "wait",
            RefreshAction::RetryAfter => "retry_after",
        }
    }
}

/// The refresh advice of a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshHint {
    /// What to do.
    pub action: RefreshAction,
    /// For `retry_after`: Stripe's `next_refresh_available_at` (may be null
    /// when Stripe gave none). Null for the other actions.
    pub not_before: Option<UnixSeconds>,
}

/// The row of SPEC §5's decision table that produced a verdict.
///
/// Serialized as the row's label (`"1"`, `"4b"`, `"7c"`): a debugging aid for
/// risk teams reading verdict logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[expect(missing_docs, reason = "each variant is the row of the same label")]
pub enum Rule {
    #[serde(rename = "1")]
    R1,
    #[serde(rename = "2")]
    R2,
    #[serde(rename = "3")]
    R3,
    #[serde(rename = "4a")]
    R4a,
    #[serde(rename = "4b")]
    R4b,
    #[serde(rename = "4c")]
    R4c,
    #[serde(rename = "4d")]
    R4d,
    #[serde(rename = "4e")]
    R4e,
    #[serde(rename = "4f")]
    R4f,
    #[serde(rename = "5")]
    R5,
    #[serde(rename = "6")]
    R6,
    #[serde(rename = "7a")]
    R7a,
    #[serde(rename = "7b")]
    R7b,
    #[serde(rename = "7c")]
    R7c,
    #[serde(rename = "7d")]
    R7d,
    #[serde(rename = "8")]
    R8,
    #[serde(rename = "9")]
    R9,
}

impl Rule {
    /// The row's label as in SPEC §5, e.g. `"4b"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::R1 => "1",
            Rule::R2 => "2",
            Rule::R3 => "3",
            Rule::R4a => "4a",
            Rule::R4b => "4b",
            Rule::R4c => "4c",
            Rule::R4d => "4d",
            Rule::R4e => "4e",
            Rule::R4f => "4f",
            Rule::R5 => "5",
            Rule::R6 => "6",
            Rule::R7a => "7a",
            Rule::R7b => "7b",
            Rule::R7c => "7c",
            Rule::R7d => "7d",
            Rule::R8 => "8",
            Rule::R9 => "9",
        }
    }
}

/// The gate's answer (SPEC §3).
///
/// Serializes to exactly the SPEC's JSON object, plus `rule`, the table row:
///
/// ```json
/// {"decision":"deny","reasons":["insufficient_funds"],"warnings":[],"basis":"available",
///  "balance":6000,"required":20000,"as_of":1651516592,"balance_age_secs":8,"refresh":null,"rule":"9"}
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// Allow, deny or refresh_needed.
    pub decision: Decision,
    /// Why the debit is denied or needs a refresh; empty on `allow`.
    pub reasons: Codes,
    /// Things to know about any decision.
    pub warnings: Codes,
    /// Which balance was compared, when the decision got that far.
    pub basis: Option<Basis>,
    /// The basis amount, in minor units of the debit's currency.
    pub balance: Option<i64>,
    /// `amount + in_flight + cushions`: what the basis must cover.
    pub required: i64,
    /// When the institution computed the balance; null without a balance.
    pub as_of: Option<UnixSeconds>,
    /// `now − as_of` in seconds (negative when `as_of` is ahead of `now`
    /// within the allowed skew); null without a balance.
    pub balance_age_secs: Option<i64>,
    /// What to do about the balance data, or null.
    pub refresh: Option<RefreshHint>,
    /// The decision-table row that decided.
    pub rule: Rule,
}

impl Verdict {
    /// The verdict as one line of JSON (the same bytes as its `Serialize`
    /// impl produces through `serde_json`).
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(256);
        self.write_json(&mut out);
        #[expect(
            clippy::expect_used,
            reason = "`write_json` writes fixed ASCII names and digits only"
        )]
        String::from_utf8(out).expect("the verdict writer writes ASCII")
    }

    /// Appends the verdict as one line of JSON (no newline) to `out`.
    ///
    /// A hand-written writer for the batch hot path: every string it writes is
    /// a fixed ASCII name that needs no escaping, and integers go through
    /// `itoa`. A property test checks it against `serde_json::to_vec`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        fn opt_int(out: &mut Vec<u8>, n: Option<i64>) {
            match n {
                Some(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
                None => out.extend_from_slice(b"null"),
            }
        }
        fn codes(out: &mut Vec<u8>, codes: Codes) {
            out.push(b'[');
            for (i, code) in codes.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                quoted(out, code.as_str());
            }
            out.push(b']');
        }
        fn quoted(out: &mut Vec<u8>, s: &str) {
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        out.extend_from_slice(b"{\"decision\":");
        quoted(out, self.decision.as_str());
        out.extend_from_slice(b",\"reasons\":");
        codes(out, self.reasons);
        out.extend_from_slice(b",\"warnings\":");
        codes(out, self.warnings);
        out.extend_from_slice(b",\"basis\":");
        match self.basis {
            Some(basis) => quoted(out, basis.as_str()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"balance\":");
        opt_int(out, self.balance);
        out.extend_from_slice(b",\"required\":");
        opt_int(out, Some(self.required));
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
        out.extend_from_slice(b",\"rule\":");
        quoted(out, self.rule.as_str());
        out.push(b'}');
    }
}
