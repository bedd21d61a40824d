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

/// What the pipeline should do with the debit.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
/// vocabulary (the [contract](crate::contract)); a code's meaning never changes once published.
///
/// The declaration order is the serialization order: the condition that
/// decided first (the row's own cause), then the basis, link, permission and
/// refresh state, the status-details warnings, then `funds_not_verified`.
/// Every multi-code row of the [decision table](crate::contract) therefore prints its codes in the order
/// the table lists them.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
#[non_exhaustive]
pub enum Code {
    /// The basis balance is below the required amount.
    InsufficientFunds,
    /// A status, category, balance type or refresh status the gate does not know.
    UnrecognizedValue,
    /// The document's `livemode` differs from the policy's (or is absent).
    LivemodeMismatch,
    /// The institution reports the account closed.
    AccountClosed,
    /// The account cannot be debited by ACH (no `us_bank_account` payment method type).
    AchNotSupported,
    /// None of the account's numbers is transactable.
    AccountNumberDeactivated,
    /// The provider's own risk ruleset declined the debit (Plaid Signal
    /// `REROUTE`).
    ProviderDeclined,
    /// The provider's own risk ruleset asks for a review (Plaid Signal
    /// `REVIEW`): a reason under the policy's `provider_review: "deny"`, a
    /// warning under `"decide"`.
    ProviderReview,
    /// A credit account or credit balance: it cannot fund an ACH debit.
    CreditAccount,
    /// The account's category is not in the policy's `accept_categories`.
    CategoryNotAccepted,
    /// An earlier presentment was returned for a reason other than R01/R09.
    ReturnNotRetryable,
    /// The payment was already re-initiated as often as the policy allows.
    RetryLimitReached,
    /// The re-initiation window after the original settlement has passed.
    RetryWindowClosed,
    /// A velocity limit's `max_count` would be exceeded (`velocity_count`).
    VelocityCountExceeded,
    /// A velocity limit's `max_amount` in the debit's currency would be
    /// exceeded (`velocity_amount`).
    VelocityAmountExceeded,
    /// The debit has no linked account, so no balance data at all.
    NoBalanceData,
    /// The account has no balance.
    BalanceMissing,
    /// The balance has no amount in the debit's currency.
    CurrencyNotInBalance,
    /// The balance's `as_of` is later than now plus the allowed clock skew.
    BalanceFromFuture,
    /// The balance is older than the policy allows (or its time is unknown).
    BalanceStale,
    /// The basis is `current` (posted) rather than `cash.available`.
    UsedCurrentBalance,
    /// The link is `disconnected`: no refresh can be made.
    AccountDisconnected,
    /// The link is `inactive`: no refresh can be made.
    AccountInactive,
    /// The link lacks the `balances` permission: no balance will ever come.
    BalancesNotPermitted,
    /// The provider refused the balance request itself (Plaid `INVALID_*`
    /// errors): asking again does not help.
    RequestFailed,
    /// No balance refresh was ever requested.
    RefreshNotRequested,
    /// A balance refresh is under way.
    RefreshPending,
    /// The last balance refresh failed.
    RefreshFailed,
    /// The institution asks the customer to relink the account.
    RelinkRequired,
    /// The link is expected to stop working soon.
    DeactivationExpected,
    /// Allowed under `unverified_allowance` without verified funds.
    FundsNotVerified,
}

impl Code {
    /// Every code, in declaration (and serialization) order. A slice, not
    /// an array: a new code (codes are added, never renamed or removed) does
    /// not change its type.
    pub const ALL: &[Code] = &[
        Code::InsufficientFunds,
        Code::UnrecognizedValue,
        Code::LivemodeMismatch,
        Code::AccountClosed,
        Code::AchNotSupported,
        Code::AccountNumberDeactivated,
        Code::ProviderDeclined,
        Code::ProviderReview,
        Code::CreditAccount,
        Code::CategoryNotAccepted,
        Code::ReturnNotRetryable,
        Code::RetryLimitReached,
        Code::RetryWindowClosed,
        Code::VelocityCountExceeded,
        Code::VelocityAmountExceeded,
        Code::NoBalanceData,
        Code::BalanceMissing,
        Code::CurrencyNotInBalance,
        Code::BalanceFromFuture,
        Code::BalanceStale,
        Code::UsedCurrentBalance,
        Code::AccountDisconnected,
        Code::AccountInactive,
        Code::BalancesNotPermitted,
        Code::RequestFailed,
        Code::RefreshNotRequested,
        Code::RefreshPending,
        Code::RefreshFailed,
        Code::RelinkRequired,
        Code::DeactivationExpected,
        Code::FundsNotVerified,
    ];

    /// The snake_case wire name, e.g. `"insufficient_funds"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InsufficientFunds => "insufficient_funds",
            Code::UnrecognizedValue => "unrecognized_value",
            Code::LivemodeMismatch => "livemode_mismatch",
            Code::AccountClosed => "account_closed",
            Code::AchNotSupported => "ach_not_supported",
            Code::AccountNumberDeactivated => "account_number_deactivated",
            Code::ProviderDeclined => "provider_declined",
            Code::ProviderReview => "provider_review",
            Code::CreditAccount => "credit_account",
            Code::CategoryNotAccepted => "category_not_accepted",
            Code::ReturnNotRetryable => "return_not_retryable",
            Code::RetryLimitReached => "retry_limit_reached",
            Code::RetryWindowClosed => "retry_window_closed",
            Code::VelocityCountExceeded => "velocity_count_exceeded",
            Code::VelocityAmountExceeded => "velocity_amount_exceeded",
            Code::NoBalanceData => "no_balance_data",
            Code::BalanceMissing => "balance_missing",
            Code::CurrencyNotInBalance => "currency_not_in_balance",
            Code::BalanceFromFuture => "balance_from_future",
            Code::BalanceStale => "balance_stale",
            Code::UsedCurrentBalance => "used_current_balance",
            Code::AccountDisconnected => "account_disconnected",
            Code::AccountInactive => "account_inactive",
            Code::BalancesNotPermitted => "balances_not_permitted",
            Code::RequestFailed => "request_failed",
            Code::RefreshNotRequested => "refresh_not_requested",
            Code::RefreshPending => "refresh_pending",
            Code::RefreshFailed => "refresh_failed",
            Code::RelinkRequired => "relink_required",
            Code::DeactivationExpected => "deactivation_expected",
            Code::FundsNotVerified => "funds_not_verified",
        }
    }

    const fn bit(self) -> u32 {
        1 << (self as u8)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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

/// Which balance the decision compared against the required amount.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// `balance.cash.available`: accounts for holds; what Stripe recommends.
    Available,
    /// `balance.current`: posted only; ignores pending debits and holds.
    Current,
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl fmt::Display for RefreshAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// The row of the [decision table](crate::contract) that produced a verdict, serialized
/// as the row's id (`"stale_can_start"`). Ids are stable API: never renamed
/// or reused. Rows marked * "cannot verify" the funds: the policy's
/// `unverified_allowance` may soften them into `allow`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Rule {
    /// `not_retryable`: A re-initiated debit whose earlier returns include a code other than R01/R09. `deny`, `return_not_retryable`.
    #[serde(rename = "not_retryable")]
    NotRetryable,
    /// `retry_limit`: More earlier returns than `max_reinitiations`. `deny`, `retry_limit_reached`.
    #[serde(rename = "retry_limit")]
    RetryLimit,
    /// `retry_window`: A re-initiation later than `reinitiation_window_days` after the original settlement. `deny`, `retry_window_closed`.
    #[serde(rename = "retry_window")]
    RetryWindow,
    /// `velocity_count`: A velocity limit's `max_count` would be exceeded by this debit. `deny`, `velocity_count_exceeded`; `not_before` says when it would not be.
    #[serde(rename = "velocity_count")]
    VelocityCount,
    /// `velocity_amount`: A velocity limit's `max_amount` in the debit's currency would be exceeded by this debit. `deny`, `velocity_amount_exceeded`; `not_before` says when it would not be.
    #[serde(rename = "velocity_amount")]
    VelocityAmount,
    /// `unlinked`: No account document: the debit's payment method has no linked account (entered by hand or verified by microdeposits). `deny`*, `no_balance_data`.
    #[serde(rename = "unlinked")]
    Unlinked,
    /// `unrecognized`: A status, category, balance type or refresh status the gate does not know. `deny`, `unrecognized_value`.
    #[serde(rename = "unrecognized")]
    Unrecognized,
    /// `livemode`: The policy sets `livemode` and the document's differs or is absent. `deny`, `livemode_mismatch`.
    #[serde(rename = "livemode")]
    Livemode,
    /// `closed`: The institution reports the account closed. `deny`, `account_closed`.
    #[serde(rename = "closed")]
    Closed,
    /// `not_debitable`: The account's payment method types do not include `us_bank_account`. `deny`, `ach_not_supported`.
    #[serde(rename = "not_debitable")]
    NotDebitable,
    /// `numbers_deactivated`: Account numbers are listed and none is transactable. `deny`, `account_number_deactivated`.
    #[serde(rename = "numbers_deactivated")]
    NumbersDeactivated,
    /// `provider_declined`: The provider's own risk ruleset declined the debit (Plaid Signal `REROUTE`). `deny`, `provider_declined`.
    #[serde(rename = "provider_declined")]
    ProviderDeclined,
    /// `provider_review`: The provider's own risk ruleset asks for a review (Plaid Signal `REVIEW`) and the policy's `provider_review` is `"deny"`. `deny`, `provider_review`.
    #[serde(rename = "provider_review")]
    ProviderReview,
    /// `credit`: A credit balance or a credit category. `deny` (never softened), `credit_account`.
    #[serde(rename = "credit")]
    Credit,
    /// `category`: The category is not in `accept_categories` (a null category passes). `deny`*, `category_not_accepted`.
    #[serde(rename = "category")]
    Category,
    /// `missing_link_down`: No balance and the link is down. `deny`*, `balance_missing` + `account_inactive` / `account_disconnected`.
    #[serde(rename = "missing_link_down")]
    MissingLinkDown,
    /// `missing_not_permitted`: No balance and the link lacks the `balances` permission. `deny`*, `balance_missing` + `balances_not_permitted`.
    #[serde(rename = "missing_not_permitted")]
    MissingNotPermitted,
    /// `missing_request_failed`: No balance because the provider refused the balance request itself (Plaid `INVALID_*` errors): asking again does not help. `deny`*, `balance_missing` + `request_failed`.
    #[serde(rename = "missing_request_failed")]
    MissingRequestFailed,
    /// `missing_never_refreshed`: No balance and no refresh ever requested. `refresh_needed` / `initiate`, `balance_missing` + `refresh_not_requested`.
    #[serde(rename = "missing_never_refreshed")]
    MissingNeverRefreshed,
    /// `missing_pending`: No balance and a refresh pending. `refresh_needed` / `wait`, `balance_missing` + `refresh_pending`.
    #[serde(rename = "missing_pending")]
    MissingPending,
    /// `missing_failed_can_start`: No balance, the last refresh failed and a new one can start. `refresh_needed` / `initiate`, `balance_missing` + `refresh_failed`.
    #[serde(rename = "missing_failed_can_start")]
    MissingFailedCanStart,
    /// `missing_failed_later`: No balance, the last refresh failed and none can start yet. `deny`* / `retry_after`, `balance_missing` + `refresh_failed`.
    #[serde(rename = "missing_failed_later")]
    MissingFailedLater,
    /// `missing_not_shared`: No balance although the last refresh succeeded. `deny`*, `balance_missing`.
    #[serde(rename = "missing_not_shared")]
    MissingNotShared,
    /// `no_currency`: Neither `cash.available` nor (with fallback) `current` has the debit's currency. `deny`*, `currency_not_in_balance`.
    #[serde(rename = "no_currency")]
    NoCurrency,
    /// `future`: `as_of` is later than now plus `max_clock_skew_secs`. `deny`, `balance_from_future`.
    #[serde(rename = "future")]
    Future,
    /// `stale_link_down`: A stale balance and the link is down. `deny`*, `balance_stale` + `account_inactive` / `account_disconnected`.
    #[serde(rename = "stale_link_down")]
    StaleLinkDown,
    /// `stale_not_permitted`: A stale balance and the link lacks the `balances` permission. `deny`*, `balance_stale` + `balances_not_permitted`.
    #[serde(rename = "stale_not_permitted")]
    StaleNotPermitted,
    /// `stale_pending`: A stale balance and a refresh pending. `refresh_needed` / `wait`, `balance_stale` + `refresh_pending`.
    #[serde(rename = "stale_pending")]
    StalePending,
    /// `stale_can_start`: A stale balance and a refresh can start. `refresh_needed` / `initiate`, `balance_stale`.
    #[serde(rename = "stale_can_start")]
    StaleCanStart,
    /// `stale_later`: A stale balance and no refresh can start yet. `deny`* / `retry_after`, `balance_stale`.
    #[serde(rename = "stale_later")]
    StaleLater,
    /// `sufficient`: The basis balance covers the required amount. `allow`.
    #[serde(rename = "sufficient")]
    Sufficient,
    /// `insufficient`: Otherwise. `deny`, `insufficient_funds`.
    #[serde(rename = "insufficient")]
    Insufficient,
}

impl Rule {
    /// Every row, in table order (first match wins). A slice, not an
    /// array: a new row does not change its type.
    pub const ALL: &[Rule] = &[
        Rule::NotRetryable,
        Rule::RetryLimit,
        Rule::RetryWindow,
        Rule::VelocityCount,
        Rule::VelocityAmount,
        Rule::Unlinked,
        Rule::Unrecognized,
        Rule::Livemode,
        Rule::Closed,
        Rule::NotDebitable,
        Rule::NumbersDeactivated,
        Rule::ProviderDeclined,
        Rule::ProviderReview,
        Rule::Credit,
        Rule::Category,
        Rule::MissingLinkDown,
        Rule::MissingNotPermitted,
        Rule::MissingRequestFailed,
        Rule::MissingNeverRefreshed,
        Rule::MissingPending,
        Rule::MissingFailedCanStart,
        Rule::MissingFailedLater,
        Rule::MissingNotShared,
        Rule::NoCurrency,
        Rule::Future,
        Rule::StaleLinkDown,
        Rule::StaleNotPermitted,
        Rule::StalePending,
        Rule::StaleCanStart,
        Rule::StaleLater,
        Rule::Sufficient,
        Rule::Insufficient,
    ];

    /// The row's id, e.g. `"missing_pending"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Unlinked => "unlinked",
            Rule::Unrecognized => "unrecognized",
            Rule::Livemode => "livemode",
            Rule::Closed => "closed",
            Rule::NotDebitable => "not_debitable",
            Rule::NumbersDeactivated => "numbers_deactivated",
            Rule::ProviderDeclined => "provider_declined",
            Rule::ProviderReview => "provider_review",
            Rule::Credit => "credit",
            Rule::Category => "category",
            Rule::NotRetryable => "not_retryable",
            Rule::RetryLimit => "retry_limit",
            Rule::RetryWindow => "retry_window",
            Rule::VelocityCount => "velocity_count",
            Rule::VelocityAmount => "velocity_amount",
            Rule::MissingLinkDown => "missing_link_down",
            Rule::MissingNotPermitted => "missing_not_permitted",
            Rule::MissingRequestFailed => "missing_request_failed",
            Rule::MissingNeverRefreshed => "missing_never_refreshed",
            Rule::MissingPending => "missing_pending",
            Rule::MissingFailedCanStart => "missing_failed_can_start",
            Rule::MissingFailedLater => "missing_failed_later",
            Rule::MissingNotShared => "missing_not_shared",
            Rule::NoCurrency => "no_currency",
            Rule::Future => "future",
            Rule::StaleLinkDown => "stale_link_down",
            Rule::StaleNotPermitted => "stale_not_permitted",
            Rule::StalePending => "stale_pending",
            Rule::StaleCanStart => "stale_can_start",
            Rule::StaleLater => "stale_later",
            Rule::Sufficient => "sufficient",
            Rule::Insufficient => "insufficient",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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

impl Serialize for Retry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Retry", 2)?;
        st.serialize_field("attempt", &self.attempt)?;
        st.serialize_field("entry_description", Retry::ENTRY_DESCRIPTION)?;
        st.end()
    }
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
/// Serializes to the SPEC's JSON object, fields in the SPEC's order:
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
}

/// The debit a verdict decided (the verdict's `debit`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
