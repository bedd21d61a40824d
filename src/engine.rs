//! The decision engine: the decision table of the [`contract`](crate::contract) (SPEC version 2), row for row.
//!
//! [`decide`] is a pure function of its four arguments. It reads no clock,
//! does no I/O, keeps no state, allocates nothing and cannot panic; the only
//! way it fails is a required amount too large for an `i64`.
//! [`decide_unlinked`] is the same for a debit with no account data at all.
//!
//! It works in three steps, each readable on its own:
//!
//! 1. `Facts`: the handful of observations the table asks about, computed
//!    once from the snapshot, debit, policy and `now`.
//! 2. `rule`: the table itself, first matching row wins, one `if` per row.
//! 3. `Rule::outcome`: each row's decision, reasons and refresh advice;
//!    then the row-independent warnings, the `unverified_allowance`
//!    softening of the rows marked `*`, `max_allowed` and `retry`.

use chrono::{DateTime, Utc};

use crate::debit::Debit;
use crate::error::RequiredOverflow;
use crate::money::{Ratio, div_floor};
use crate::policy::Policy;
use crate::snapshot::{
    AccountNumbers, Balance, BalanceType, Category, NextRefresh, RefreshStatus, Snapshot, Status,
    UnixSeconds,
};
use crate::verdict::{
    Basis, Code, Codes, DebitRecord, Decision, Engine, PolicyRecord, RefreshAction, RefreshHint,
    Retry, Rule, Verdict,
};

/// Seconds in a day, for `reinitiation_window_days`.
const DAY: i128 = 86_400;

/// Decides whether `debit` may be taken from the account described by
/// `snapshot`, under `policy`, at the instant `now`.
///
/// `now` is compared with Stripe's whole-second timestamps at whole-second
/// precision (its fraction is dropped).
///
/// # Errors
///
/// [`RequiredOverflow`] when `amount + in_flight + cushions` does not fit an
/// `i64` (the [contract](crate::contract)). Every business outcome, `deny` included, is a [`Verdict`].
///
/// # Example
///
/// ```
/// use fundsgate::chrono::DateTime;
/// use fundsgate::{decide, Currency, Debit, Decision, Policy, stripe};
///
/// let account = br#"{"object": "financial_connections.account", "status": "active",
///   "balance": {"as_of": 1651516592, "type": "cash",
///               "current": {"usd": 6000}, "cash": {"available": {"usd": 6000}}},
///   "balance_refresh": {"status": "succeeded", "last_attempted_at": 1651516582,
///                       "next_refresh_available_at": 1651520182}}"#;
/// let snapshot = stripe::parse_account(account)?;
/// let debit = Debit::new(20_000, Currency::new("usd")?, 0)?;
/// let now = DateTime::from_timestamp(1_651_516_600, 0).ok_or("bad time")?;
/// let verdict = decide(&snapshot, &debit, &Policy::default(), now)?;
/// assert_eq!(verdict.decision, Decision::Deny); // 60.00 on hand, 200.00 asked
/// assert_eq!(verdict.max_allowed, Some(6000));   // 60.00 would go through
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide(
    snapshot: &Snapshot,
    debit: &Debit,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Verdict, RequiredOverflow> {
    evaluate(Some(snapshot), debit, policy, now)
}

/// Decides a debit whose payment method has no linked account, so no balance
/// data at all (a bank account entered by hand, or verified by
/// microdeposits): row `unlinked`, `deny` with `no_balance_data`, which the
/// policy's `unverified_allowance` may soften.
///
/// # Errors
///
/// [`RequiredOverflow`], as for [`decide`].
///
/// ```
/// use fundsgate::chrono::DateTime;
/// use fundsgate::{decide_unlinked, Currency, Debit, Decision, Policy, Rule};
/// let debit = Debit::new(2_500, Currency::new("usd")?, 0)?;
/// let now = DateTime::from_timestamp(1_651_516_600, 0).ok_or("bad time")?;
/// let verdict = decide_unlinked(&debit, &Policy::default(), now)?;
/// assert_eq!((verdict.decision, verdict.rule), (Decision::Deny, Rule::Unlinked));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide_unlinked(
    debit: &Debit,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Verdict, RequiredOverflow> {
    evaluate(None, debit, policy, now)
}

fn evaluate(
    snapshot: Option<&Snapshot>,
    debit: &Debit,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Verdict, RequiredOverflow> {
    let now = now.timestamp();
    let outcome = outcome(snapshot, debit, policy, now)?;
    Ok(outcome.into_verdict(snapshot, debit, policy, now))
}

/// A verdict's decision without its audit record: what [`decide`] computes
/// before it copies the account, debit and policy into the [`Verdict`].
/// Front ends that write columns of outcomes (Arrow) stop here, so they
/// neither copy nor drop the record per row; every verdict is built from one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Outcome {
    pub(crate) decision: Decision,
    pub(crate) reasons: Codes,
    pub(crate) warnings: Codes,
    pub(crate) basis: Option<Basis>,
    pub(crate) balance: Option<i64>,
    pub(crate) required: i64,
    pub(crate) max_allowed: Option<i64>,
    pub(crate) refresh: Option<RefreshHint>,
    pub(crate) retry: Option<Retry>,
    pub(crate) rule: Rule,
}

impl Outcome {
    /// The verdict: this outcome and the record of what was decided.
    pub(crate) fn into_verdict(
        self,
        snapshot: Option<&Snapshot>,
        debit: &Debit,
        policy: &Policy,
        now: UnixSeconds,
    ) -> Verdict {
        let as_of = snapshot
            .and_then(|s| s.balance.as_ref())
            .and_then(|b| b.as_of);
        Verdict {
            decision: self.decision,
            reasons: self.reasons,
            warnings: self.warnings,
            basis: self.basis,
            balance: self.balance,
            required: self.required,
            max_allowed: self.max_allowed,
            as_of,
            balance_age_secs: as_of.map(|as_of| now.saturating_sub(as_of)),
            refresh: self.refresh,
            retry: self.retry,
            rule: self.rule,
            account: snapshot.and_then(|s| s.account_id.clone()),
            provider: snapshot.and_then(|s| s.provider),
            debit: DebitRecord {
                amount: debit.amount(),
                currency: debit.currency(),
                in_flight: debit.in_flight(),
            },
            evaluated_at: now,
            policy: PolicyRecord {
                name: policy.shared_name(),
                fingerprint: *policy.fingerprint(),
            },
            engine: Engine::CURRENT,
        }
    }
}

/// The decision table and what follows it (warnings, softening,
/// `max_allowed`, `retry`): [`decide`] without the audit record. `None` is
/// an unlinked debit.
pub(crate) fn outcome(
    snapshot: Option<&Snapshot>,
    debit: &Debit,
    policy: &Policy,
    now: UnixSeconds,
) -> Result<Outcome, RequiredOverflow> {
    // An unlinked debit is read as an account about which nothing is known;
    // `Facts::linked` sends it to the first row.
    let unknown;
    let s = match snapshot {
        Some(s) => s,
        None => {
            unknown = Snapshot::new(Status::Active);
            &unknown
        }
    };
    let facts = Facts::observe(s, snapshot.is_some(), debit, policy, now)?;
    let rule = rule(&facts);
    let (mut decision, mut reasons, refresh) = rule.outcome(&facts);

    // Warnings that do not depend on the row (SPEC §5, "Basis" paragraph).
    let mut warnings = Codes::EMPTY;
    let basis = facts.basis.filter(|_| rule.resolves_basis());
    if matches!(basis, Some((Basis::Current, _))) {
        warnings = warnings.with(Code::UsedCurrentBalance);
    }
    if matches!(rule, Rule::Sufficient | Rule::Insufficient) {
        warnings = warnings.union(facts.link_down_code());
        match facts.refresh {
            Some(RefreshStatus::Pending) => warnings = warnings.with(Code::RefreshPending),
            Some(RefreshStatus::Failed) => warnings = warnings.with(Code::RefreshFailed),
            _ => {}
        }
    }
    if s.relink_required {
        warnings = warnings.with(Code::RelinkRequired);
    }
    if s.expected_deactivation.is_some() {
        warnings = warnings.with(Code::DeactivationExpected);
    }

    let max_allowed = match (rule, basis) {
        (Rule::Sufficient | Rule::Insufficient, Some((kind, balance))) => {
            Some(max_allowed(balance, kind, debit, policy))
        }
        _ => None,
    };
    let retry = debit
        .presentment()
        .filter(|p| p.attempt() > 0 && rule.after_retry_rows())
        .map(|p| Retry {
            attempt: p.attempt(),
        });

    // Rows marked * cannot verify the funds: a small enough debit may go
    // through anyway, if the policy says so, with every reason kept as a
    // warning and the refresh advice kept.
    if rule.cannot_verify() && facts.within_unverified_allowance {
        decision = Decision::Allow;
        warnings = warnings.union(reasons).with(Code::FundsNotVerified);
        reasons = Codes::EMPTY;
    }
    Ok(Outcome {
        decision,
        reasons,
        warnings,
        basis: basis.map(|(b, _)| b),
        balance: basis.map(|(_, amount)| amount),
        required: if basis.is_some() {
            facts.required
        } else {
            facts.required_before_basis
        },
        max_allowed,
        refresh,
        retry,
        rule,
    })
}

/// What the decision table asks about, observed once.
#[derive(Clone, Copy, Debug)]
struct Facts {
    /// There is an account document at all (row `unlinked`).
    linked: bool,
    status: Status,
    /// A status, category, balance type or refresh status the gate does not
    /// know.
    unrecognized: bool,
    /// The policy sets `livemode` and the document's differs or is absent.
    livemode_mismatch: bool,
    closed: bool,
    /// `supported_payment_method_types` is known and lacks `us_bank_account`.
    not_debitable: bool,
    numbers_deactivated: bool,
    /// A credit balance, or a credit category.
    credit: bool,
    /// A category outside `accept_categories` (a null category passes).
    category_not_accepted: bool,
    /// A re-initiation after a return other than R01/R09.
    not_retryable: bool,
    /// More earlier returns than `max_reinitiations`.
    retry_limit: bool,
    /// A re-initiation after the window closed.
    retry_window: bool,
    /// `permissions` is known and lacks `balances`.
    not_permitted: bool,
    has_balance: bool,
    refresh: Option<RefreshStatus>,
    /// `next_refresh_available_at`, for `retry_after`.
    next_refresh_at: Option<UnixSeconds>,
    /// the [decision table](crate::contract): S = active, balances permitted (or unknown), and (R is
    /// null, or R is not pending and `next_refresh_available_at` is absent
    /// or ≤ now).
    refresh_can_start: bool,
    /// The balance compared, and its amount; `None` when neither
    /// `cash.available` nor (with fallback) `current` has the currency.
    basis: Option<(Basis, i64)>,
    /// `as_of` > now + max_clock_skew_secs.
    from_future: bool,
    /// now − as_of > max_balance_age_secs, or `as_of` unknown.
    stale: bool,
    /// `amount + in_flight + max(buffer_min, ceil(amount × buffer_ratio))`.
    required_before_basis: i64,
    /// The same plus `ceil(amount × current_extra_ratio)` when the basis is
    /// `current`.
    required: i64,
    /// The debit's amount ≤ `unverified_allowance[currency]`.
    within_unverified_allowance: bool,
}

impl Facts {
    fn observe(
        s: &Snapshot,
        linked: bool,
        debit: &Debit,
        policy: &Policy,
        now: UnixSeconds,
    ) -> Result<Facts, RequiredOverflow> {
        let ccy = debit.currency();
        let refresh = s.refresh.map(|r| r.status);
        let not_permitted = s.balances_permitted == Some(false);
        let refresh_can_start = s.status == Status::Active
            && !not_permitted
            && match s.refresh {
                None => true,
                Some(r) => {
                    r.status != RefreshStatus::Pending
                        && match r.next_refresh_available_at {
                            NextRefresh::NotStated => true,
                            NextRefresh::Unavailable => false,
                            NextRefresh::At(at) => at <= now,
                        }
                }
            };

        let basis = s.balance.as_ref().and_then(|b| {
            let available = b.available.as_ref().and_then(|m| m.get(ccy));
            match available {
                Some(amount) => Some((Basis::Available, amount)),
                None if policy.fallback_to_current() => {
                    b.current.get(ccy).map(|amount| (Basis::Current, amount))
                }
                None => None,
            }
        });

        // Time comparisons in i128: no i64 timestamp or u64 policy value can
        // overflow them.
        // A balance of unknown date is stale: nothing says it is recent.
        let (from_future, stale) = match &s.balance {
            Some(Balance { as_of: None, .. }) => (false, true),
            Some(Balance {
                as_of: Some(as_of), ..
            }) => {
                let (as_of, now) = (i128::from(*as_of), i128::from(now));
                let skew = i128::from(policy.max_clock_skew_secs());
                let max_age = i128::from(policy.max_balance_age_secs());
                (
                    as_of > now.saturating_add(skew),
                    now.saturating_sub(as_of) > max_age,
                )
            }
            None => (false, false),
        };

        let returns = debit.presentment().filter(|p| p.attempt() > 0);
        let retry_window = returns.is_some_and(|p| {
            let days = i128::from(policy.reinitiation_window_days().get());
            let closes =
                i128::from(p.original_settlement()).saturating_add(days.saturating_mul(DAY));
            i128::from(now) > closes
        });

        let required_before_basis = required(debit, policy)?;
        let required = match basis {
            Some((Basis::Current, _)) => required_on_current(required_before_basis, debit, policy)?,
            _ => required_before_basis,
        };

        let within_unverified_allowance = policy
            .unverified_allowance()
            .get(ccy)
            .is_some_and(|limit| u64::try_from(debit.amount()).is_ok_and(|a| a <= limit));

        Ok(Facts {
            linked,
            status: s.status,
            unrecognized: s.status == Status::Unrecognized
                || s.category == Some(Category::Unrecognized)
                || s.balance
                    .as_ref()
                    .is_some_and(|b| b.kind == BalanceType::Unrecognized)
                || refresh == Some(RefreshStatus::Unrecognized),
            livemode_mismatch: policy
                .livemode()
                .is_some_and(|wanted| s.livemode != Some(wanted)),
            closed: s.closed,
            not_debitable: s.ach_supported == Some(false),
            numbers_deactivated: s.account_numbers == AccountNumbers::NoneTransactable,
            credit: s.category == Some(Category::Credit)
                || s.balance
                    .as_ref()
                    .is_some_and(|b| b.kind == BalanceType::Credit),
            category_not_accepted: s
                .category
                .is_some_and(|c| !policy.accept_categories().contains(c)),
            not_retryable: returns.is_some_and(|p| !p.only_funds_returns()),
            retry_limit: returns
                .is_some_and(|p| p.attempt() > u32::from(policy.max_reinitiations().get())),
            retry_window,
            not_permitted,
            has_balance: s.balance.is_some(),
            refresh,
            next_refresh_at: s.refresh.and_then(|r| r.next_refresh_available_at.at()),
            refresh_can_start,
            basis,
            from_future,
            stale,
            required_before_basis,
            required,
            within_unverified_allowance,
        })
    }

    /// `account_inactive` or `account_disconnected` when the link is down.
    fn link_down_code(&self) -> Codes {
        match self.status {
            Status::Inactive => Codes::of(&[Code::AccountInactive]),
            Status::Disconnected => Codes::of(&[Code::AccountDisconnected]),
            Status::Active | Status::Unrecognized => Codes::EMPTY,
        }
    }
}

/// `amount + in_flight + max(buffer_min, ceil(amount × buffer_ratio))`;
/// checked.
fn required(debit: &Debit, policy: &Policy) -> Result<i64, RequiredOverflow> {
    let overflow = overflow(debit);
    let amount = debit.amount();
    let proportional = policy.buffer_ratio().cushion(amount).ok_or(overflow)?;
    let floor = i64::try_from(policy.buffer_min()).map_err(|_| overflow)?;
    amount
        .checked_add(debit.in_flight())
        .and_then(|t| t.checked_add(proportional.max(floor)))
        .ok_or(overflow)
}

/// `base + ceil(amount × current_extra_ratio)`: the required amount when
/// the basis is `current`; checked.
fn required_on_current(base: i64, debit: &Debit, policy: &Policy) -> Result<i64, RequiredOverflow> {
    let extra = policy.current_extra_ratio().cushion(debit.amount());
    extra
        .and_then(|extra| base.checked_add(extra))
        .ok_or(overflow(debit))
}

fn overflow(debit: &Debit) -> RequiredOverflow {
    RequiredOverflow {
        amount: debit.amount(),
        in_flight: debit.in_flight(),
    }
}

/// The largest amount `a ≥ 1` whose required amount the basis `balance`
/// covers, with the debit's in-flight amount and the policy's cushions; 0
/// when there is none. Constant time, exact.
///
/// With `C = balance − in_flight`, `r = buffer_ratio`, `e` the extra ratio on
/// `current` (else 0) and `m = buffer_min`, the answer is the largest `a` with
/// `cost(a) = a + max(m, ⌈a·r⌉) + ⌈a·e⌉ ≤ C`. `cost` is increasing, and
/// `cost(a) ≥ a(1+r+e)` and `cost(a) ≥ a(1+e) + m` bound the answer above by
/// `U = min(⌊C/(1+r+e)⌋, ⌊(C−m)/(1+e)⌋)`. Each ceiling adds less than one,
/// so `cost(U−3) < C`: the answer is one of `U, U−1, U−2, U−3`, and the
/// first of them (from the top) whose cost fits is it.
fn max_allowed(balance: i64, basis: Basis, debit: &Debit, policy: &Policy) -> i64 {
    let extra = match basis {
        Basis::Current => policy.current_extra_ratio(),
        Basis::Available => Ratio::ZERO,
    };
    let capacity = i128::from(balance).saturating_sub(i128::from(debit.in_flight()));
    let floor = i128::from(policy.buffer_min());
    let cost = |a: i128| -> Option<i128> {
        let a64 = i64::try_from(a).ok()?;
        let proportional = i128::from(policy.buffer_ratio().cushion(a64)?);
        let on_current = i128::from(extra.cushion(a64)?);
        Some(
            a.saturating_add(proportional.max(floor))
                .saturating_add(on_current),
        )
    };
    let upper = bound(capacity, policy.buffer_ratio(), extra, 0).min(bound(
        capacity.saturating_sub(floor),
        Ratio::ZERO,
        extra,
        0,
    ));
    (0..4_i128)
        .map(|step| upper.saturating_sub(step))
        .take_while(|&a| a >= 1)
        .find(|&a| cost(a).is_some_and(|c| c <= capacity))
        .and_then(|a| i64::try_from(a).ok())
        .unwrap_or(0)
}

/// `⌊c / (1 + r + e)⌋` for `c ≥ 0` (and a negative `c` stays negative),
/// exactly, in 128-bit integers: `r + e = (p·10^(k−i) + q·10^(k−j)) / 10^k`
/// with `k = max(i, j) ≤ 18`, so every product stays below `10^38`.
fn bound(c: i128, r: Ratio, e: Ratio, fallback: i128) -> i128 {
    let ((p, pd), (q, qd)) = (r.fraction(), e.fraction());
    let denominator = pd.max(qd);
    let scaled = |n: u128, d: u128| n.checked_mul(denominator.checked_div(d)?);
    let (Some(p), Some(q)) = (scaled(p, pd), scaled(q, qd)) else {
        return fallback;
    };
    let Ok(c) = u128::try_from(c) else {
        return c;
    };
    denominator
        .checked_add(p)
        .and_then(|d| d.checked_add(q))
        .and_then(|d| div_floor(c.checked_mul(denominator)?, d))
        .and_then(|a| i128::try_from(a).ok())
        .unwrap_or(fallback)
}

/// the [decision table](crate::contract): the first matching row wins.
fn rule(f: &Facts) -> Rule {
    use RefreshStatus::{Failed, Pending};
    let link_down = f.status.is_down();
    // SPEC v3: the re-presentment rows come first. No allowance, unlinked
    // debit or category can let a non-retryable, over-limit or
    // out-of-window re-presentment through (version 2 let one through on
    // `unlinked` and `category` under an `unverified_allowance`).
    if f.not_retryable {
        return Rule::NotRetryable;
    }
    if f.retry_limit {
        return Rule::RetryLimit;
    }
    if f.retry_window {
        return Rule::RetryWindow;
    }
    if !f.linked {
        return Rule::Unlinked;
    }
    if f.unrecognized {
        return Rule::Unrecognized;
    }
    if f.livemode_mismatch {
        return Rule::Livemode;
    }
    if f.closed {
        return Rule::Closed;
    }
    if f.not_debitable {
        return Rule::NotDebitable;
    }
    if f.numbers_deactivated {
        return Rule::NumbersDeactivated;
    }
    if f.credit {
        return Rule::Credit;
    }
    if f.category_not_accepted {
        return Rule::Category;
    }
    if !f.has_balance {
        return match f.refresh {
            _ if link_down => Rule::MissingLinkDown,
            _ if f.not_permitted => Rule::MissingNotPermitted,
            None => Rule::MissingNeverRefreshed,
            Some(Pending) => Rule::MissingPending,
            Some(Failed) if f.refresh_can_start => Rule::MissingFailedCanStart,
            Some(Failed) => Rule::MissingFailedLater,
            // Succeeded; an unrecognized refresh status stopped at `unrecognized`.
            Some(_) => Rule::MissingNotShared,
        };
    }
    let Some((_, balance)) = f.basis else {
        return Rule::NoCurrency;
    };
    if f.from_future {
        return Rule::Future;
    }
    if f.stale {
        return match f.refresh {
            _ if link_down => Rule::StaleLinkDown,
            _ if f.not_permitted => Rule::StaleNotPermitted,
            Some(Pending) => Rule::StalePending,
            _ if f.refresh_can_start => Rule::StaleCanStart,
            _ => Rule::StaleLater,
        };
    }
    if balance >= f.required {
        Rule::Sufficient
    } else {
        Rule::Insufficient
    }
}

impl Rule {
    /// The row's decision, reasons and refresh advice, before warnings and
    /// softening.
    fn outcome(self, f: &Facts) -> (Decision, Codes, Option<RefreshHint>) {
        use Code::*;
        use Decision::{Allow, Deny, RefreshNeeded};
        let hint = |action| {
            Some(RefreshHint {
                action,
                not_before: None,
            })
        };
        let initiate = hint(RefreshAction::Initiate);
        let wait = hint(RefreshAction::Wait);
        let retry_after = Some(RefreshHint {
            action: RefreshAction::RetryAfter,
            not_before: f.next_refresh_at,
        });
        let deny = |codes: &[Code]| (Deny, Codes::of(codes), None);
        match self {
            Rule::Unlinked => deny(&[NoBalanceData]),
            Rule::Unrecognized => deny(&[UnrecognizedValue]),
            Rule::Livemode => deny(&[LivemodeMismatch]),
            Rule::Closed => deny(&[AccountClosed]),
            Rule::NotDebitable => deny(&[AchNotSupported]),
            Rule::NumbersDeactivated => deny(&[AccountNumberDeactivated]),
            Rule::Credit => deny(&[CreditAccount]),
            Rule::Category => deny(&[CategoryNotAccepted]),
            Rule::NotRetryable => deny(&[ReturnNotRetryable]),
            Rule::RetryLimit => deny(&[RetryLimitReached]),
            Rule::RetryWindow => deny(&[RetryWindowClosed]),
            Rule::MissingLinkDown => (
                Deny,
                Codes::of(&[BalanceMissing]).union(f.link_down_code()),
                None,
            ),
            Rule::MissingNotPermitted => deny(&[BalanceMissing, BalancesNotPermitted]),
            Rule::MissingNeverRefreshed => (
                RefreshNeeded,
                Codes::of(&[BalanceMissing, RefreshNotRequested]),
                initiate,
            ),
            Rule::MissingPending => (
                RefreshNeeded,
                Codes::of(&[BalanceMissing, RefreshPending]),
                wait,
            ),
            Rule::MissingFailedCanStart => (
                RefreshNeeded,
                Codes::of(&[BalanceMissing, RefreshFailed]),
                initiate,
            ),
            Rule::MissingFailedLater => (
                Deny,
                Codes::of(&[BalanceMissing, RefreshFailed]),
                retry_after,
            ),
            Rule::MissingNotShared => deny(&[BalanceMissing]),
            Rule::NoCurrency => deny(&[CurrencyNotInBalance]),
            Rule::Future => deny(&[BalanceFromFuture]),
            Rule::StaleLinkDown => (
                Deny,
                Codes::of(&[BalanceStale]).union(f.link_down_code()),
                None,
            ),
            Rule::StaleNotPermitted => deny(&[BalanceStale, BalancesNotPermitted]),
            Rule::StalePending => (
                RefreshNeeded,
                Codes::of(&[BalanceStale, RefreshPending]),
                wait,
            ),
            Rule::StaleCanStart => (RefreshNeeded, Codes::of(&[BalanceStale]), initiate),
            Rule::StaleLater => (Deny, Codes::of(&[BalanceStale]), retry_after),
            Rule::Sufficient => (Allow, Codes::EMPTY, None),
            Rule::Insufficient => deny(&[InsufficientFunds]),
        }
    }

    /// The rows marked `*` in the [decision table](crate::contract): funds cannot be verified, so
    /// `unverified_allowance` may turn them into `allow`. Every other row is
    /// never softened: the `refresh_needed` rows, and the denials that no
    /// amount can make safe (`credit`, `closed`, `insufficient`, …).
    pub fn cannot_verify(self) -> bool {
        matches!(
            self,
            Rule::Unlinked
                | Rule::Category
                | Rule::MissingLinkDown
                | Rule::MissingNotPermitted
                | Rule::MissingFailedLater
                | Rule::MissingNotShared
                | Rule::NoCurrency
                | Rule::StaleLinkDown
                | Rule::StaleNotPermitted
                | Rule::StaleLater
        )
    }

    /// Rows reached after the basis balance was chosen (`future` on): their
    /// verdicts report `basis` and `balance`.
    fn resolves_basis(self) -> bool {
        matches!(
            self,
            Rule::Future
                | Rule::StaleLinkDown
                | Rule::StaleNotPermitted
                | Rule::StalePending
                | Rule::StaleCanStart
                | Rule::StaleLater
                | Rule::Sufficient
                | Rule::Insufficient
        )
    }

    /// Rows after `retry_window` in the table: a re-initiated debit decided
    /// there carries `retry` ([re-presentment](crate::contract)).
    fn after_retry_rows(self) -> bool {
        !matches!(
            self,
            Rule::NotRetryable | Rule::RetryLimit | Rule::RetryWindow
        )
    }
}

/// Not part of the API: `max_allowed` by a 64-step binary search over
/// `decide`, the reference the constant-time formula is benchmarked and
/// tested against. `None` when the verdict has no `max_allowed`.
#[doc(hidden)]
pub fn max_allowed_by_search(
    snapshot: &Snapshot,
    debit: &Debit,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Option<i64> {
    let at = |amount: i64| {
        let d = Debit::new(amount, debit.currency(), debit.in_flight()).ok()?;
        let d = match debit.presentment() {
            Some(p) => d.with_presentment(*p),
            None => d,
        };
        decide(snapshot, &d, policy, now).ok()
    };
    let first = at(debit.amount())?;
    first.max_allowed?;
    let allowed = |amount: i64| at(amount).is_some_and(|v| v.decision == Decision::Allow);
    // Largest allowed amount in [0, i64::MAX], allow being monotone.
    let (mut low, mut high) = (0_i64, i64::MAX);
    while low < high {
        let mid = low.saturating_add(high.saturating_sub(low).saturating_add(1) / 2);
        if allowed(mid) {
            low = mid;
        } else {
            high = mid.saturating_sub(1);
        }
    }
    Some(low)
}
