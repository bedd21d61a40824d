//! The decision table (the [contract](crate::contract)), once: each row's
//! id, condition, decision, reasons, refresh advice, whether the policy's
//! allowance may soften it, and its explanation sentence. The engine takes a
//! row's outcome from here, the explanation writer its sentence, the schema
//! its ids and conditions, and a test checks the tables of the contract and
//! the README against it. Adding a row means a line here and its condition
//! in the engine (`engine::rule`, first match wins).

use super::{Code, Codes, Decision, RefreshAction};
use crate::spelling::wire_enum;

/// One row of the decision table, as [`Rule::row`] gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Row {
    /// The row.
    pub rule: Rule,
    /// When it applies (after every earlier row did not), in the
    /// contract's words.
    pub when: &'static str,
    /// Its decision before softening.
    pub decision: Decision,
    /// Its reasons before softening (the fixed ones: see `link_down`).
    pub reasons: Codes,
    /// Whether the reasons also hold `account_inactive` or
    /// `account_disconnected`, by the status of the link.
    pub link_down: bool,
    /// Its refresh advice (`retry_after` carries Stripe's
    /// `next_refresh_available_at`).
    pub refresh: Option<RefreshAction>,
    /// Whether the funds cannot be verified (marked `*` in the table): the
    /// policy's `unverified_allowance` may turn the row into `allow`. Every
    /// other row is never softened.
    pub softenable: bool,
    /// Whether the row is reached after the basis balance was chosen
    /// (`future` on), so that its verdicts report `basis` and `balance`.
    pub reports_basis: bool,
    /// The explanation sentence after its `Allowed: ` / `Denied: ` /
    /// `Refresh needed: ` opening, as text and the verdict's values.
    pub explanation: &'static [Piece],
}

/// A piece of a row's explanation: fixed text, or one of the verdict's
/// values as the sentence writes it (the sentence stays ASCII, without `"`
/// or `\`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Piece {
    /// Fixed text.
    Text(&'static str),
    /// `inactive` or `disconnected`: the state of a link that is down.
    Link,
    /// The debit's currency code, uppercase (`USD`).
    Currency,
    /// The balance's `as_of` (RFC 3339).
    AsOf,
    /// `the balance from <as_of> is too old`, or `the balance's date is
    /// unknown` when it has none.
    Stale,
    /// `before <next_refresh_available_at>`, or `yet` without one.
    NotBefore,
    /// `; it would pass at <not_before>`, or `, whenever it is presented`
    /// when no wait helps.
    PassesAt,
    /// `available` or `current`: the basis.
    Basis,
    /// The basis balance, in major units and the code (`60.00 USD`).
    Balance,
    /// The required amount, likewise.
    Required,
    /// ` (with <amount> of <n> earlier debit(s) not yet in the balance)`
    /// when prior debits counted; nothing otherwise.
    Exposure,
    /// `; at most <max_allowed> would be allowed` when there is one;
    /// nothing otherwise.
    AtMost,
}

/// Declares [`Rule`] (through `wire_enum!`, each variant documented by its
/// id and condition) and [`ROWS`] from one list of rows.
macro_rules! decision_table {
    (
        $(#[$($attr:tt)*])*
        pub enum Rule;
        $(
            $variant:ident = $id:literal {
                when: $when:literal,
                outcome: $decision:ident [$($code:ident),*] $(+ $link:ident)?, refresh: $refresh:expr,
                softenable: $soft:literal, reports_basis: $basis:literal,
                explanation: [$($piece:expr),* $(,)?],
            },
        )*
    ) => {
        wire_enum! {
            $(#[$($attr)*])*
            pub enum Rule {
                $(
                    #[doc = concat!("`", $id, "`: ", $when, ".")]
                    $variant = $id,
                )*
                ..
                /// A row this version does not know, in a verdict a later
                /// version wrote and this one read back: its id is in the
                /// verdict's [`unrecognized`](crate::Verdict::unrecognized).
                /// [`decide`](crate::decide) never answers it; it is not in
                /// `Rule::ALL` nor [`ROWS`], and prints as `unknown`.
                Unknown = "unknown",
            }
        }

        impl Rule {
            /// The row's line of the decision table, by value: a `match` of
            /// constants, so that where the engine has just chosen the row
            /// the compiler reads its fields as constants (an index into
            /// [`ROWS`] would load them).
            #[inline(always)]
            pub(crate) const fn row_value(self) -> Row {
                use Piece::*;
                use RefreshAction::*;
                match self {
                    Rule::Unknown => UNKNOWN_ROW,
                    $(
                        Rule::$variant => Row {
                            rule: Rule::$variant,
                            when: $when,
                            decision: Decision::$decision,
                            reasons: Codes::of(&[$(Code::$code),*]),
                            link_down: !concat!($(stringify!($link))?).is_empty(),
                            refresh: $refresh,
                            softenable: $soft,
                            reports_basis: $basis,
                            explanation: &[$($piece),*],
                        },
                    )*
                }
            }
        }

        impl Rule {
            /// Hands each piece of the row's explanation, in order, to
            /// `each`: a constant at each call, so that a writer that
            /// inlines `each` writes the sentence as straight-line code.
            #[inline(always)]
            pub(crate) fn for_each_piece(self, mut each: impl FnMut(Piece)) {
                use Piece::*;
                match self {
                    Rule::Unknown => UNKNOWN_ROW.explanation.iter().for_each(|p| each(*p)),
                    $(
                        Rule::$variant => {
                            $( each($piece); )*
                        }
                    )*
                }
            }
        }

        /// Every row, in table order: the first whose condition holds
        /// decides.
        pub const ROWS: &[Row] = &[$(Rule::$variant.row_value(),)*];
    };
}

decision_table! {
    /// The row of the [decision table](crate::contract) that produced a
    /// verdict, serialized as the row's id (`"stale_can_start"`). Ids are
    /// stable API: never renamed or reused. [`Rule::row`] gives the row:
    /// its decision, reasons, refresh advice and whether the policy's
    /// `unverified_allowance` may soften it.
    #[non_exhaustive]
    pub enum Rule;

    NotRetryable = "not_retryable" {
        when: "`presentment.returns` holds a code other than R01, R09",
        outcome: Deny [ReturnNotRetryable], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("an earlier presentment was returned for a reason other than R01 or R09, so the payment may not be presented again")],
    },
    RetryLimit = "retry_limit" {
        when: "more returns than `max_reinitiations`",
        outcome: Deny [RetryLimitReached], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("the payment was already presented again as often as allowed")],
    },
    RetryWindow = "retry_window" {
        when: "returns non-empty and now > original settlement + `reinitiation_window_days`",
        outcome: Deny [RetryWindowClosed], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("the window for presenting the payment again after its original settlement has closed")],
    },
    VelocityCount = "velocity_count" {
        when: "a `velocity` limit's `max_count` would be exceeded (prior debits initiated in its window, plus this one)",
        outcome: Deny [VelocityCountExceeded], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("the account already had as many debits as a velocity limit of the policy allows"), PassesAt],
    },
    VelocityAmount = "velocity_amount" {
        when: "a `velocity` limit's `max_amount` in the debit's currency would be exceeded",
        outcome: Deny [VelocityAmountExceeded], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("this debit would take more from the account than a velocity limit of the policy allows"), PassesAt],
    },
    Unlinked = "unlinked" {
        when: "no account document",
        outcome: Deny [NoBalanceData], refresh: None,
        softenable: true, reports_basis: false,
        explanation: [Text("the payment method has no linked account, so there is no balance data")],
    },
    Unrecognized = "unrecognized" {
        when: "an unknown value in S, category, B.type or R.status (Plaid: `type`; Plaid Signal: `ruleset.result`)",
        outcome: Deny [UnrecognizedValue], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("the account data holds a status, category, balance type, refresh status or provider result the gate does not know")],
    },
    Livemode = "livemode" {
        when: "policy `livemode` set and the document's `livemode` differs or is absent (Plaid reports none: never)",
        outcome: Deny [LivemodeMismatch], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("the account data's livemode does not match the policy's")],
    },
    Closed = "closed" {
        when: "`status_details.inactive.cause` = `account_closed` (Plaid Signal: `is_account_closed` true)",
        outcome: Deny [AccountClosed], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("the bank reports the account closed")],
    },
    NotDebitable = "not_debitable" {
        when: "`supported_payment_method_types` is an array without `us_bank_account` (Plaid: a `depository` subtype other than null, checking, savings, cash management)",
        outcome: Deny [AchNotSupported], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("the account cannot be debited by ACH")],
    },
    NumbersDeactivated = "numbers_deactivated" {
        when: "`account_numbers` is a non-empty array and no entry is `transactable`",
        outcome: Deny [AccountNumberDeactivated], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("none of the account's numbers can be debited")],
    },
    ProviderDeclined = "provider_declined" {
        when: "the provider's own ruleset declined (Plaid Signal `REROUTE`)",
        outcome: Deny [ProviderDeclined], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("the provider's own risk rules declined this debit; use another payment method")],
    },
    ProviderReview = "provider_review" {
        when: "the provider's ruleset asks for review (Plaid Signal `REVIEW`) and policy `provider_review` is `\"deny\"`",
        outcome: Deny [ProviderReview], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("the provider's own risk rules ask for a review of this debit before it is sent")],
    },
    Credit = "credit" {
        when: "B.type = credit, or category = credit",
        outcome: Deny [CreditAccount], refresh: None,
        softenable: false, reports_basis: false,
        explanation: [Text("this is a credit account, which cannot fund an ACH debit")],
    },
    Category = "category" {
        when: "category not in `accept_categories` (a null category passes)",
        outcome: Deny [CategoryNotAccepted], refresh: None,
        softenable: true, reports_basis: false,
        explanation: [Text("the account's category is not one the policy accepts")],
    },
    MissingLinkDown = "missing_link_down" {
        when: "B null, link down",
        outcome: Deny [BalanceMissing] + link, refresh: None,
        softenable: true, reports_basis: false,
        explanation: [Text("there is no balance and the account link is "), Link],
    },
    MissingNotPermitted = "missing_not_permitted" {
        when: "B null, balances not permitted",
        outcome: Deny [BalanceMissing, BalancesNotPermitted], refresh: None,
        softenable: true, reports_basis: false,
        explanation: [Text("there is no balance and the link lacks the balances permission; relink with it")],
    },
    MissingRequestFailed = "missing_request_failed" {
        when: "B null, the provider refused the balance request itself (Plaid `INVALID_*` errors)",
        outcome: Deny [BalanceMissing, RequestFailed], refresh: None,
        softenable: true, reports_basis: false,
        explanation: [Text("there is no balance because the provider refused the balance request itself; asking again will not help")],
    },
    MissingNeverRefreshed = "missing_never_refreshed" {
        when: "B null, R null",
        outcome: RefreshNeeded [BalanceMissing, RefreshNotRequested], refresh: Some(Initiate),
        softenable: false, reports_basis: false,
        explanation: [Text("there is no balance yet; start a balance refresh")],
    },
    MissingPending = "missing_pending" {
        when: "B null, R pending",
        outcome: RefreshNeeded [BalanceMissing, RefreshPending], refresh: Some(Wait),
        softenable: false, reports_basis: false,
        explanation: [Text("there is no balance yet and a refresh is pending; wait for it")],
    },
    MissingFailedCanStart = "missing_failed_can_start" {
        when: "B null, R failed, refresh can start",
        outcome: RefreshNeeded [BalanceMissing, RefreshFailed], refresh: Some(Initiate),
        softenable: false, reports_basis: false,
        explanation: [Text("the last balance refresh failed; start another")],
    },
    MissingFailedLater = "missing_failed_later" {
        when: "B null, R failed otherwise",
        outcome: Deny [BalanceMissing, RefreshFailed], refresh: Some(RetryAfter),
        softenable: true, reports_basis: false,
        explanation: [Text("the last balance refresh failed and no new one can start "), NotBefore],
    },
    MissingNotShared = "missing_not_shared" {
        when: "B null, R succeeded",
        outcome: Deny [BalanceMissing], refresh: None,
        softenable: true, reports_basis: false,
        explanation: [Text("the bank shared no balance")],
    },
    NoCurrency = "no_currency" {
        when: "neither `cash.available` nor (with fallback) `current` has the currency",
        outcome: Deny [CurrencyNotInBalance], refresh: None,
        softenable: true, reports_basis: false,
        explanation: [Text("the balance has no amount in "), Currency],
    },
    Future = "future" {
        when: "as_of > now + `max_clock_skew_secs`",
        outcome: Deny [BalanceFromFuture], refresh: None,
        softenable: false, reports_basis: true,
        explanation: [Text("the balance is dated "), AsOf, Text(", later than now")],
    },
    StaleLinkDown = "stale_link_down" {
        when: "stale (now − as_of > `max_balance_age_secs`, or as_of unknown), link down",
        outcome: Deny [BalanceStale] + link, refresh: None,
        softenable: true, reports_basis: true,
        explanation: [Stale, Text(" and the account link is "), Link],
    },
    StaleNotPermitted = "stale_not_permitted" {
        when: "stale, balances not permitted",
        outcome: Deny [BalanceStale, BalancesNotPermitted], refresh: None,
        softenable: true, reports_basis: true,
        explanation: [Stale, Text(" and the link lacks the balances permission")],
    },
    StalePending = "stale_pending" {
        when: "stale, R pending",
        outcome: RefreshNeeded [BalanceStale, RefreshPending], refresh: Some(Wait),
        softenable: false, reports_basis: true,
        explanation: [Stale, Text(" and a refresh is pending; wait for it")],
    },
    StaleCanStart = "stale_can_start" {
        when: "stale, refresh can start (Plaid: always, the link being up)",
        outcome: RefreshNeeded [BalanceStale], refresh: Some(Initiate),
        softenable: false, reports_basis: true,
        explanation: [Stale, Text("; start a balance refresh")],
    },
    StaleLater = "stale_later" {
        when: "stale otherwise",
        outcome: Deny [BalanceStale], refresh: Some(RetryAfter),
        softenable: true, reports_basis: true,
        explanation: [Stale, Text(" and no refresh can start "), NotBefore],
    },
    Sufficient = "sufficient" {
        when: "basis amount ≥ required",
        outcome: Allow [], refresh: None,
        softenable: false, reports_basis: true,
        explanation: [Basis, Text(" balance "), Balance, Text(" (as of "), AsOf, Text(") covers the "), Required, Text(" required"), Exposure],
    },
    Insufficient = "insufficient" {
        when: "otherwise",
        outcome: Deny [InsufficientFunds], refresh: None,
        softenable: false, reports_basis: true,
        explanation: [Basis, Text(" balance "), Balance, Text(" (as of "), AsOf, Text(") is below the "), Required, Text(" required"), Exposure, AtMost],
    },
}

/// What [`Rule::row`] gives for [`Rule::Unknown`]: a `deny` that no
/// allowance softens, the row of a later version that this one reads back
/// but cannot name.
const UNKNOWN_ROW: Row = Row {
    rule: Rule::Unknown,
    when: "a row of a later version of the table",
    decision: Decision::Deny,
    reasons: Codes::EMPTY,
    link_down: false,
    refresh: None,
    softenable: false,
    reports_basis: false,
    explanation: &[Piece::Text(
        "a row of a later version of the decision table, which this version cannot name, decided",
    )],
};

// `Rule::row` indexes `ROWS` by the rule: every row sits at its rule's index.
const _: () = {
    assert!(ROWS.len() == Rule::ALL.len());
    let mut i = 0;
    while i < ROWS.len() {
        #[expect(
            clippy::indexing_slicing,
            reason = "`i < ROWS.len()` is checked on the line above; a compile-time loop"
        )]
        {
            assert!(ROWS[i].rule as usize == i);
            i += 1;
        }
    }
};

impl Rule {
    /// The row's line of the decision table.
    ///
    /// ```
    /// use fundsgate::{Code, Decision, RefreshAction, Rule};
    /// let row = Rule::StaleLater.row();
    /// assert_eq!((row.decision, row.refresh), (Decision::Deny, Some(RefreshAction::RetryAfter)));
    /// assert!(row.reasons.contains(Code::BalanceStale) && row.softenable);
    /// ```
    /// [`Rule::Unknown`], read back from a later version's verdict, gives a
    /// `deny` row that names no reason.
    pub const fn row(self) -> &'static Row {
        match self {
            Rule::Unknown => &UNKNOWN_ROW,
            #[expect(
                clippy::indexing_slicing,
                reason = "ROWS lists every other rule at its index (the compile-time check above)"
            )]
            rule => &ROWS[rule as usize],
        }
    }

    /// The rows marked `*` in the [decision table](crate::contract): funds
    /// cannot be verified, so `unverified_allowance` may turn them into
    /// `allow` ([`Row::softenable`]).
    pub const fn cannot_verify(self) -> bool {
        self.row_value().softenable
    }
}
