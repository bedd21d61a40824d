//! The verdict: the gate's answer, serialized exactly as the [contract](crate::contract) describes.
//!
//! Everything here is plain data that is built and copied without
//! allocating: reasons and warnings are a [`Codes`] bitset over [`Code`],
//! serialized as a JSON array in the order the codes are declared (the
//! SPEC's order), so the same verdict always prints the same bytes; the
//! strings a verdict holds (account and debit ids, the policy's name, a
//! provider's error) are stored inline or shared behind an `Arc`.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use std::borrow::Cow;
use std::sync::Arc;

use crate::debit::DebitId;
use crate::money::Currency;
use crate::policy::Fingerprint;
use crate::snapshot::{AccountId, Provider, ProviderError, UnixSeconds};
use crate::spelling::wire_enum;

mod table;
pub use table::{Piece, ROWS, Row, Rule};

wire_enum! {
    /// What the pipeline should do with the debit.
    pub enum Decision {
        /// Confirm the debit.
        Allow = "allow",
        /// Do not debit now.
        Deny = "deny",
        /// Get a fresher balance first (see the verdict's `refresh`), then ask again.
        RefreshNeeded = "refresh_needed",
    }
}

wire_enum! {
    /// A machine-readable reason or warning. Reasons and warnings share one
    /// vocabulary (the [contract](crate::contract)); a code's meaning never changes once published.
    ///
    /// The declaration order is the serialization order: the condition that
    /// decided first (the row's own cause), then the basis, link, permission and
    /// refresh state, the status-details warnings, then `funds_not_verified`.
    /// Every multi-code row of the [decision table](crate::contract) therefore prints its codes in the order
    /// the table lists them.
    #[derive(PartialOrd, Ord)]
    #[repr(u8)]
    #[non_exhaustive]
    pub enum Code {
        /// The basis balance is below the required amount.
        InsufficientFunds = "insufficient_funds",
        /// A status, category, balance type or refresh status the gate does not know.
        UnrecognizedValue = "unrecognized_value",
        /// The document's `livemode` differs from the policy's (or is absent).
        LivemodeMismatch = "livemode_mismatch",
        /// The institution reports the account closed.
        AccountClosed = "account_closed",
        /// The account cannot be debited by ACH (no `us_bank_account` payment method type).
        AchNotSupported = "ach_not_supported",
        /// None of the account's numbers is transactable.
        AccountNumberDeactivated = "account_number_deactivated",
        /// The provider's own risk ruleset declined the debit (Plaid Signal
        /// `REROUTE`).
        ProviderDeclined = "provider_declined",
        /// The provider's own risk ruleset asks for a review (Plaid Signal
        /// `REVIEW`): a reason under the policy's `provider_review: "deny"`, a
        /// warning under `"decide"`.
        ProviderReview = "provider_review",
        /// A credit account or credit balance: it cannot fund an ACH debit.
        CreditAccount = "credit_account",
        /// The account's category is not in the policy's `accept_categories`.
        CategoryNotAccepted = "category_not_accepted",
        /// An earlier presentment was returned for a reason other than R01/R09.
        ReturnNotRetryable = "return_not_retryable",
        /// The payment was already re-initiated as often as the policy allows.
        RetryLimitReached = "retry_limit_reached",
        /// The re-initiation window after the original settlement has passed.
        RetryWindowClosed = "retry_window_closed",
        /// A velocity limit's `max_count` would be exceeded (`velocity_count`).
        VelocityCountExceeded = "velocity_count_exceeded",
        /// A velocity limit's `max_amount` in the debit's currency would be
        /// exceeded (`velocity_amount`).
        VelocityAmountExceeded = "velocity_amount_exceeded",
        /// The debit has no linked account, so no balance data at all.
        NoBalanceData = "no_balance_data",
        /// The account has no balance.
        BalanceMissing = "balance_missing",
        /// The balance has no amount in the debit's currency.
        CurrencyNotInBalance = "currency_not_in_balance",
        /// The balance's `as_of` is later than now plus the allowed clock skew.
        BalanceFromFuture = "balance_from_future",
        /// The balance is older than the policy allows (or its time is unknown).
        BalanceStale = "balance_stale",
        /// The basis is `current` (posted) rather than `cash.available`.
        UsedCurrentBalance = "used_current_balance",
        /// The link is `disconnected`: no refresh can be made.
        AccountDisconnected = "account_disconnected",
        /// The link is `inactive`: no refresh can be made.
        AccountInactive = "account_inactive",
        /// The link lacks the `balances` permission: no balance will ever come.
        BalancesNotPermitted = "balances_not_permitted",
        /// The provider refused the balance request itself (Plaid `INVALID_*`
        /// errors): asking again does not help.
        RequestFailed = "request_failed",
        /// No balance refresh was ever requested.
        RefreshNotRequested = "refresh_not_requested",
        /// A balance refresh is under way.
        RefreshPending = "refresh_pending",
        /// The last balance refresh failed.
        RefreshFailed = "refresh_failed",
        /// The institution asks the customer to relink the account.
        RelinkRequired = "relink_required",
        /// The link is expected to stop working soon.
        DeactivationExpected = "deactivation_expected",
        /// Allowed under `unverified_allowance` without verified funds.
        FundsNotVerified = "funds_not_verified",
    }
}

impl Code {
    const fn bit(self) -> u32 {
        1 << (self as u8)
    }
}

/// A set of [`Code`]s: a 32-bit bitset, so building one never allocates.
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
pub struct Codes(u32);

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
    pub fn iter(self) -> CodesIter {
        self.into_iter()
    }
}

impl fmt::Debug for Codes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl IntoIterator for Codes {
    type Item = Code;
    type IntoIter = CodesIter;
    fn into_iter(self) -> CodesIter {
        CodesIter(self.0)
    }
}

/// The codes of a [`Codes`] set, in [`Code::ALL`] order.
#[derive(Clone, Debug)]
pub struct CodesIter(u32);

impl Iterator for CodesIter {
    type Item = Code;
    fn next(&mut self) -> Option<Code> {
        // Bit i is `Code::ALL[i]`: walk the set bits, lowest first.
        let at = usize::try_from(self.0.trailing_zeros()).ok()?;
        let code = Code::ALL.get(at).copied()?;
        self.0 &= self.0.wrapping_sub(1);
        Some(code)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.0.count_ones() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for CodesIter {}

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

wire_enum! {
    /// Which balance the decision compared against the required amount.
    pub enum Basis {
        /// `balance.cash.available`: accounts for holds; what Stripe recommends.
        Available = "available",
        /// `balance.current`: posted only; ignores pending debits and holds.
        Current = "current",
    }
}

wire_enum! {
    /// What the pipeline should do about the balance data.
    pub enum RefreshAction {
        /// Start a balance refresh (`POST /v1/financial_connections/accounts/{id}/refresh`
        /// with `features[]=balance`), wait for the
        /// `financial_connections.account.refreshed_balance` event, ask again.
        Initiate = "initiate",
        /// A refresh is pending: wait for the `refreshed_balance` event, ask again.
        Wait = "wait",
        /// Stripe will not start a refresh before `not_before`.
        RetryAfter = "retry_after",
    }
}

/// The refresh advice of a verdict.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[non_exhaustive]
pub struct RefreshHint {
    /// What to do.
    pub action: RefreshAction,
    /// For `retry_after`: Stripe's `next_refresh_available_at` (may be null
    /// when Stripe gave none). Null for the other actions.
    pub not_before: Option<UnixSeconds>,
}

impl RefreshHint {
    /// Advice to `action`, not before `not_before` (for `retry_after`).
    pub fn new(action: RefreshAction, not_before: Option<UnixSeconds>) -> RefreshHint {
        RefreshHint { action, not_before }
    }
}

/// A re-initiated debit that may go ahead, as NACHA requires it to be sent
/// ([re-presentment](crate::contract)): serialized as `{"attempt": 1, "entry_description": "RETRY PYMT"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Retry {
    /// Which re-initiation this is: the number of earlier returns (1 or 2).
    pub attempt: u32,
}

impl Retry {
    /// The `attempt`-th re-initiation.
    pub fn new(attempt: u32) -> Retry {
        Retry { attempt }
    }

    /// The company entry description a re-initiated entry must carry.
    pub const ENTRY_DESCRIPTION: &'static str = "RETRY PYMT";
}

impl<'de> Deserialize<'de> for Retry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire<'a> {
            attempt: u32,
            #[serde(borrow)]
            entry_description: std::borrow::Cow<'a, str>,
        }
        let wire = Wire::deserialize(d)?;
        if wire.entry_description != Retry::ENTRY_DESCRIPTION {
            return Err(de::Error::custom(format_args!(
                "expected entry_description `{}`, found `{}`",
                Retry::ENTRY_DESCRIPTION,
                wire.entry_description
            )));
        }
        Ok(Retry {
            attempt: wire.attempt,
        })
    }
}

/// The gate's answer (the [contract](crate::contract)): the decision, why, and a record of what was
/// decided fit for an audit trail (the account, the debit, when, under which
/// policy, by which engine, and a sentence a support agent can read).
///
/// Serializes (through serde, [`Verdict::to_json`] or [`Verdict::write_json`]:
/// one list of fields, the same bytes) to the SPEC's JSON object, fields in
/// the SPEC's order:
///
/// ```json
/// {"decision":"deny","reasons":["insufficient_funds"],"warnings":[],"basis":"available",
///  "balance":6000,"required":20000,"max_allowed":6000,"as_of":1651516592,"balance_age_secs":8,
///  "refresh":null,"retry":null,"rule":"insufficient","account":"fca_1Jbry3BAjqvGMUSxCDjFsrLU",
///  "provider":"stripe","debit":{"amount":20000,"currency":"usd","in_flight":0},
///  "evaluated_at":1651516600,"policy":{"name":null,"fingerprint":"sha256:8d98…"},
///  "engine":"fundsgate 0.1.0","explanation":"Denied: available balance 60.00 USD …"}
/// ```
///
/// `explanation` is not stored: it is written from the other fields (see
/// [`Verdict::explanation`]), so `decide` allocates nothing. Reading a verdict
/// back accepts fields it does not know: a later version adds some, and a
/// batch answer line carries the request's `id`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = add_explanation))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
// The derived reading is `Verdict::deserialize`, which the `Deserialize`
// impl below calls after it has set aside the names this version does not
// know.
#[serde(remote = "Self")]
#[non_exhaustive]
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
    /// On rows `sufficient` and `insufficient`: the largest amount this
    /// basis and policy would allow now (same in_flight and cushions), 0 when
    /// not even one minor unit would be; null elsewhere. Exact: a positive
    /// `max_allowed` is itself allowed, one more minor unit is not.
    pub max_allowed: Option<i64>,
    /// When the institution computed the balance; null without a balance.
    pub as_of: Option<UnixSeconds>,
    /// `now − as_of` in seconds (negative when `as_of` is ahead of `now`
    /// within the allowed skew); null without a balance.
    pub balance_age_secs: Option<i64>,
    /// What to do about the balance data, or null.
    pub refresh: Option<RefreshHint>,
    /// For a re-initiated debit decided past the re-presentment rows: how to
    /// send it (`RETRY PYMT`); null otherwise.
    pub retry: Option<Retry>,
    /// The prior debits that counted against the balance: how many, and
    /// their sum in the debit's currency (already in `required`). Null when
    /// the request carried no prior debit and its run added none.
    #[serde(default)]
    pub exposure: Option<Exposure>,
    /// On rows `velocity_count` and `velocity_amount`: the earliest instant
    /// at which the same debit would pass every velocity limit with the same
    /// prior debits; null when no wait helps, and on every other row.
    #[serde(default)]
    pub not_before: Option<UnixSeconds>,
    /// The decision-table row that decided.
    pub rule: Rule,
    /// The account's id at its provider; null for an unlinked debit or a
    /// document without one.
    #[serde(default)]
    pub account: Option<AccountId>,
    /// Where the account data came from; null for an unlinked debit.
    #[serde(default)]
    pub provider: Option<Provider>,
    /// The provider's error, when the account document was an error
    /// response (Plaid `error_type` and `error_code`); written only then
    /// (after `provider`), so every other verdict is as SPEC §3 shows it.
    #[serde(default)]
    pub provider_error: Option<ProviderError>,
    /// The debit decided.
    pub debit: DebitRecord,
    /// The evaluation instant (`now`), unix seconds.
    pub evaluated_at: UnixSeconds,
    /// The policy that decided.
    pub policy: PolicyRecord,
    /// The engine that decided, `fundsgate <version>`.
    pub engine: Engine,
    /// The codes and the row id of a verdict a later version wrote that
    /// this version does not know, kept from reading it back (see
    /// [`Unrecognized`]); `None` for every verdict this version decides.
    #[serde(skip)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub unrecognized: Option<Box<Unrecognized>>,
}

/// What a verdict read back holds that this version does not know: codes
/// and a decision-table row added by a later version (codes and rows are
/// added, never renamed or removed). Reading keeps them here, in the order
/// read, so that the verdict reads back whole: its `rule` is then
/// [`Rule::Unknown`], its `reasons` and `warnings` the codes this version
/// knows, and writing it again writes the known codes then these.
///
/// ```
/// use fundsgate::{Code, Rule, Verdict};
/// let stored = r#"{"decision":"deny","reasons":["insufficient_funds","balance_hold"],"warnings":[],
///   "basis":"available","balance":6000,"required":20000,"max_allowed":6000,"as_of":1651516592,
///   "balance_age_secs":8,"refresh":null,"retry":null,"rule":"hold_pending","account":"fca_1",
///   "provider":"stripe","debit":{"amount":20000,"currency":"usd","in_flight":0},
///   "evaluated_at":1651516600,"policy":{"name":null,"fingerprint":"sha256:8d98b1ee4bd5e3b3dfc8b8cb1fa4a1e8d3bd4a2f1cb4bd3b6e9f1d3a5d7e9c1b"},
///   "engine":"fundsgate 9.0.0","explanation":"Denied: …"}"#;
/// let verdict: Verdict = serde_json::from_str(stored)?;
/// assert_eq!(verdict.rule, Rule::Unknown);
/// assert!(verdict.reasons.contains(Code::InsufficientFunds));
/// let unrecognized = verdict.unrecognized.as_deref().ok_or("kept")?;
/// assert_eq!(unrecognized.rule.as_deref(), Some("hold_pending"));
/// assert_eq!(unrecognized.reasons, ["balance_hold".into()]);
/// // Written again, the names are all there.
/// assert!(verdict.to_json().contains(r#""reasons":["insufficient_funds","balance_hold"]"#));
/// assert!(verdict.to_json().contains(r#""rule":"hold_pending""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Unrecognized {
    /// Reason codes this version does not know.
    pub reasons: Vec<Box<str>>,
    /// Warning codes this version does not know.
    pub warnings: Vec<Box<str>>,
    /// The row id, when this version does not know it.
    pub rule: Option<Box<str>>,
}

impl<'de> Deserialize<'de> for Verdict {
    /// The fields of the verdict (unknown ones ignored), the codes and row
    /// id this version does not know set aside in
    /// [`Verdict::unrecognized`]; anything else wrong is an error, as
    /// serde's derive reports it.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        let mut fields = serde_json::Map::<String, Value>::deserialize(d)?;
        let mut unrecognized = Unrecognized::default();
        for (key, names) in [
            ("reasons", &mut unrecognized.reasons),
            ("warnings", &mut unrecognized.warnings),
        ] {
            if let Some(Value::Array(codes)) = fields.get_mut(key) {
                codes.retain(|code| match code.as_str() {
                    Some(name) if Code::from_name(name).is_none() => {
                        names.push(name.into());
                        false
                    }
                    _ => true,
                });
            }
        }
        if let Some(Value::String(id)) = fields.get_mut("rule")
            && Rule::from_name(id).is_none()
        {
            // Read as any known row, then named Unknown below.
            unrecognized.rule =
                Some(std::mem::replace(id, Rule::Sufficient.as_str().into()).into());
        }
        let mut verdict = Verdict::deserialize(Value::Object(fields)).map_err(de::Error::custom)?;
        if unrecognized.rule.is_some() {
            verdict.rule = Rule::Unknown;
        }
        if unrecognized != Unrecognized::default() {
            verdict.unrecognized = Some(Box::new(unrecognized));
        }
        Ok(verdict)
    }
}

/// The debit a verdict decided (the verdict's `debit`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[non_exhaustive]
pub struct DebitRecord {
    /// The amount, in minor units.
    pub amount: i64,
    /// The currency, lowercase.
    pub currency: Currency,
    /// Debits already approved and not yet in the balance.
    pub in_flight: i64,
    /// The payment's own id, or null.
    #[serde(default)]
    pub id: Option<DebitId>,
}

/// The prior debits that counted against a balance (the verdict's
/// `exposure`): how many, and their sum in the debit's currency.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[non_exhaustive]
pub struct Exposure {
    /// How many prior debits counted.
    pub count: u32,
    /// Their sum, in minor units of the debit's currency.
    pub amount: i64,
}

/// The policy a verdict was decided under (the verdict's `policy`): its name
/// and its fingerprint, so that storing the policy text beside every verdict
/// is unnecessary.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[non_exhaustive]
pub struct PolicyRecord {
    /// The policy's `name`, if it has one.
    pub name: Option<Arc<str>>,
    /// [`Policy::fingerprint`](crate::Policy::fingerprint).
    pub fingerprint: Fingerprint,
}

/// The engine that decided: `fundsgate <version>` ([`Engine::CURRENT`] for
/// verdicts decided by this build; whatever was recorded for verdicts read
/// back).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Engine(Cow<'static, str>);

impl Engine {
    /// This build: `fundsgate` and the crate's version.
    pub const CURRENT: Engine = Engine(Cow::Borrowed(concat!(
        "fundsgate ",
        env!("CARGO_PKG_VERSION")
    )));

    /// The recorded text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "schema")]
/// Adds the verdict's computed `explanation` to its schema (it is written,
/// never stored).
fn add_explanation(schema: &mut schemars::Schema) {
    if let Some(properties) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        properties.insert(
            "explanation".to_owned(),
            serde_json::json!({
                "description": "One English sentence a support agent can read.",
                "type": "string"
            }),
        );
    }
    if let Some(required) = schema
        .get_mut("required")
        .and_then(serde_json::Value::as_array_mut)
    {
        required.push("explanation".into());
    }
}
