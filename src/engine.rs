//! The decision engine: the decision table of the [`contract`](crate::contract) (SPEC version 3), row for row.
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
//! 3. `Rule::outcome`: the row's decision, reasons and refresh advice, read
//!    from the one table of rows ([`ROWS`](crate::ROWS)); then the row-independent warnings, the `unverified_allowance`
//!    softening of the rows marked `*`, `max_allowed` and `retry`.

use chrono::{DateTime, Utc};

use crate::debit::{Debit, DebitId, PriorDebit};
use crate::error::RequiredOverflow;
use crate::money::{Ratio, div_floor};
use crate::policy::{Policy, ProviderReview, VelocityLimit};
use crate::snapshot::{
    AccountNumbers, Balance, BalanceType, Category, NextRefresh, ProviderResult, RefreshStatus,
    Snapshot, Status, UnixSeconds,
};
use crate::verdict::{
    Basis, Code, Codes, DebitRecord, Decision, Engine, Exposure, PolicyRecord, RefreshAction,
    RefreshHint, Retry, Rule, Verdict,
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
    decide_in_run(Some(snapshot), debit, &[], policy, now)
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
    decide_in_run(None, debit, &[], policy, now)
}

/// [`decide`] (or [`decide_unlinked`] for `None`) for a request of a run:
/// `run` is what the run allowed earlier on the same account, in order of
/// `initiated_at`, without the entries whose id the debit's own prior list
/// holds (the request's own entry wins: see [`crate::Run`]).
#[inline]
pub(crate) fn decide_in_run(
    snapshot: Option<&Snapshot>,
    debit: &Debit,
    run: &[PriorDebit],
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Verdict, RequiredOverflow> {
    let now = now.timestamp();
    let outcome = outcome(snapshot, debit, run, policy, now)?;
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
    pub(crate) exposure: Option<Exposure>,
    pub(crate) not_before: Option<UnixSeconds>,
    pub(crate) rule: Rule,
}

impl Outcome {
    /// The verdict: this outcome and the record of what was decided.
    #[inline]
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
            exposure: self.exposure,
            not_before: self.not_before,
            rule: self.rule,
            account: snapshot.and_then(|s| s.account_id.clone()),
            provider: snapshot.and_then(|s| s.provider),
            provider_error: snapshot.and_then(|s| s.provider_error.clone()),
            debit: DebitRecord {
                amount: debit.amount(),
                currency: debit.currency(),
                in_flight: debit.in_flight(),
                id: debit.id().cloned(),
            },
            evaluated_at: now,
            policy: PolicyRecord {
                name: policy.shared_name(),
                fingerprint: *policy.fingerprint(),
            },
            engine: Engine::CURRENT,
            unrecognized: None,
        }
    }
}

/// The decision table and what follows it (warnings, softening,
/// `max_allowed`, `retry`): [`decide`] without the audit record. `None` is
/// an unlinked debit.
#[inline]
pub(crate) fn outcome(
    snapshot: Option<&Snapshot>,
    debit: &Debit,
    run: &[PriorDebit],
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
    let priors = Priors {
        own: debit.prior().as_slice(),
        run,
        skip: debit.id(),
    };
    let facts = Facts::observe(s, snapshot.is_some(), debit, priors, policy, now)?;
    let rule = rule(&facts);
    let (mut decision, mut reasons, refresh) = rule.outcome(&facts);

    // Warnings that do not depend on the row (SPEC §5, "Basis" paragraph).
    let mut warnings = Codes::EMPTY;
    let basis = facts.basis.filter(|_| rule.row_value().reports_basis);
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
    if facts.review_let_through {
        warnings = warnings.with(Code::ProviderReview);
    }

    let max_allowed = match (rule, basis) {
        (Rule::Sufficient | Rule::Insufficient, Some((kind, balance))) => {
            let by_balance = max_allowed(balance, kind, facts.reserved, policy);
            // The velocity limits' room (this row passed them, so it is at
            // least the debit's amount): a larger amount would stop at
            // `velocity_amount`.
            Some(match facts.velocity.amount_room {
                Some(room) => i128::from(by_balance)
                    .min(room)
                    .try_into()
                    .unwrap_or(by_balance),
                None => by_balance,
            })
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
        exposure: priors.any_given().then_some(facts.exposure),
        not_before: facts.velocity.not_before,
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
    /// The provider's ruleset declined the debit (row `provider_declined`).
    provider_declined: bool,
    /// The provider's ruleset asks for a review and the policy denies it
    /// (row `provider_review`).
    provider_review: bool,
    /// The provider's ruleset asks for a review and the policy lets the
    /// table go on (warning `provider_review`).
    review_let_through: bool,
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
    /// The provider refused the balance request itself.
    request_failed: bool,
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
    /// `amount + in_flight + exposure + max(buffer_min, ceil(amount × buffer_ratio))`.
    required_before_basis: i64,
    /// The same plus `ceil(amount × current_extra_ratio)` when the basis is
    /// `current`.
    required: i64,
    /// amount + in_flight + exposure ≤ `unverified_allowance[currency]`.
    within_unverified_allowance: bool,
    /// The prior debits that count against the balance.
    exposure: Exposure,
    /// `in_flight` + exposure: what the balance must hold besides the debit.
    reserved: i64,
    /// The velocity limits' verdict.
    velocity: VelocityCheck,
}

impl Facts {
    fn observe(
        s: &Snapshot,
        linked: bool,
        debit: &Debit,
        priors: Priors<'_>,
        policy: &Policy,
        now: UnixSeconds,
    ) -> Result<Facts, RequiredOverflow> {
        let ccy = debit.currency();
        let as_of = s.balance.as_ref().and_then(|b| b.as_of);
        let (exposure, reserved, overflow) = exposure(priors, debit, as_of)?;
        let refresh = s.refresh.map(|r| r.status);
        let not_permitted = s.balances_permitted == Some(false);
        let refresh_can_start = refresh_can_start(s, not_permitted, now);
        let basis = basis(s, ccy, policy);
        let (from_future, stale) = age(s, policy, now);
        let returns = debit.presentment().filter(|p| p.attempt() > 0);
        let retry_window = returns.is_some_and(|p| retry_window_closed(p, policy, now));

        let required_before_basis = required(debit, reserved, policy).ok_or(overflow)?;
        let required = match basis {
            Some((Basis::Current, _)) => {
                required_on_current(required_before_basis, debit, policy).ok_or(overflow)?
            }
            _ => required_before_basis,
        };

        // The allowance is the unverified risk accepted per account: the
        // debit and everything not yet in the balance together.
        let within_unverified_allowance =
            policy.unverified_allowance().get(ccy).is_some_and(|limit| {
                i128::from(debit.amount()).saturating_add(i128::from(reserved)) <= i128::from(limit)
            });

        let review = s.provider_result == Some(ProviderResult::Review);
        Ok(Facts {
            linked,
            status: s.status,
            unrecognized: s.status == Status::Unrecognized
                || s.category == Some(Category::Unrecognized)
                || s.provider_result == Some(ProviderResult::Unrecognized)
                || s.balance
                    .as_ref()
                    .is_some_and(|b| b.kind == BalanceType::Unrecognized)
                || refresh == Some(RefreshStatus::Unrecognized),
            livemode_mismatch: policy
                .livemode()
                .is_some_and(|wanted| s.livemode.mismatches(wanted)),
            closed: s.closed,
            not_debitable: s.ach_supported == Some(false),
            numbers_deactivated: s.account_numbers == AccountNumbers::NoneTransactable,
            provider_declined: s.provider_result == Some(ProviderResult::Decline),
            provider_review: review && policy.provider_review() == ProviderReview::Deny,
            review_let_through: review && policy.provider_review() == ProviderReview::Decide,
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
            request_failed: s.request_failed,
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
            exposure,
            reserved,
            velocity: velocity(priors, debit, policy, now),
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

/// `amount + reserved + max(buffer_min, ceil(amount × buffer_ratio))`,
/// where `reserved = in_flight + exposure`; `None` on overflow.
fn required(debit: &Debit, reserved: i64, policy: &Policy) -> Option<i64> {
    let amount = debit.amount();
    let proportional = policy.buffer_ratio().cushion(amount)?;
    let floor = i64::try_from(policy.buffer_min()).ok()?;
    amount
        .checked_add(reserved)?
        .checked_add(proportional.max(floor))
}

/// `base + ceil(amount × current_extra_ratio)`: the required amount when
/// the basis is `current`; `None` on overflow.
fn required_on_current(base: i64, debit: &Debit, policy: &Policy) -> Option<i64> {
    let extra = policy.current_extra_ratio().cushion(debit.amount())?;
    base.checked_add(extra)
}

/// The largest amount `a ≥ 1` whose required amount the basis `balance`
/// covers, with what is reserved (the debit's in-flight amount and the
/// exposure) and the policy's cushions; 0 when there is none. Constant
/// time, exact.
///
/// With `C = balance − reserved`, `r = buffer_ratio`, `e` the extra ratio on
/// `current` (else 0) and `m = buffer_min`, the answer is the largest `a` with
/// `cost(a) = a + max(m, ⌈a·r⌉) + ⌈a·e⌉ ≤ C`. `cost` is increasing, and
/// `cost(a) ≥ a(1+r+e)` and `cost(a) ≥ a(1+e) + m` bound the answer above by
/// `U = min(⌊C/(1+r+e)⌋, ⌊(C−m)/(1+e)⌋)`. Each ceiling adds less than one,
/// so `cost(U−3) < C`: the answer is one of `U, U−1, U−2, U−3`, and the
/// first of them (from the top) whose cost fits is it.
fn max_allowed(balance: i64, basis: Basis, reserved: i64, policy: &Policy) -> i64 {
    let extra = match basis {
        Basis::Current => policy.current_extra_ratio(),
        Basis::Available => Ratio::ZERO,
    };
    let capacity = i128::from(balance).saturating_sub(i128::from(reserved));
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
    if let Some(rule) = f.velocity.rule {
        return rule;
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
    if f.provider_declined {
        return Rule::ProviderDeclined;
    }
    if f.provider_review {
        return Rule::ProviderReview;
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
            _ if f.request_failed => Rule::MissingRequestFailed,
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
    /// The row's decision, reasons and refresh advice (its line of
    /// [`ROWS`](crate::ROWS)), before warnings and softening.
    #[inline]
    fn outcome(self, f: &Facts) -> (Decision, Codes, Option<RefreshHint>) {
        let row = self.row_value();
        let reasons = if row.link_down {
            row.reasons.union(f.link_down_code())
        } else {
            row.reasons
        };
        let refresh = row.refresh.map(|action| RefreshHint {
            action,
            not_before: match action {
                RefreshAction::RetryAfter => f.next_refresh_at,
                RefreshAction::Initiate | RefreshAction::Wait => None,
            },
        });
        (row.decision, reasons, refresh)
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

/// The exposure (SPEC §5b) of the request's prior debits against a balance
/// dated `as_of`, and `reserved` = `in_flight` + its amount: what the
/// balance must hold besides the debit. The error to report, should an
/// amount overflow, comes along for the later sums.
#[inline]
fn exposure(
    priors: Priors<'_>,
    debit: &Debit,
    as_of: Option<UnixSeconds>,
) -> Result<(Exposure, i64, RequiredOverflow), RequiredOverflow> {
    let (count, sum) = priors.exposure(debit.currency(), as_of);
    let overflow = RequiredOverflow {
        amount: debit.amount(),
        in_flight: debit.in_flight(),
        exposure: sum,
    };
    let amount = i64::try_from(sum).map_err(|_| overflow)?;
    let reserved = amount.checked_add(debit.in_flight()).ok_or(overflow)?;
    Ok((Exposure { count, amount }, reserved, overflow))
}

/// S in the [decision table](crate::contract): the account is active, its
/// balances are permitted (or not known to be refused), and a refresh is
/// not pending and may start now (`next_refresh_available_at` absent or
/// reached).
#[inline]
fn refresh_can_start(s: &Snapshot, not_permitted: bool, now: UnixSeconds) -> bool {
    s.status == Status::Active
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
        }
}

/// The balance compared and its amount in the debit's currency:
/// `cash.available`, else (when the policy falls back) `current`.
#[inline]
fn basis(s: &Snapshot, ccy: crate::money::Currency, policy: &Policy) -> Option<(Basis, i64)> {
    let b = s.balance.as_ref()?;
    match b.available.as_ref().and_then(|m| m.get(ccy)) {
        Some(amount) => Some((Basis::Available, amount)),
        None if policy.fallback_to_current() => {
            b.current.get(ccy).map(|amount| (Basis::Current, amount))
        }
        None => None,
    }
}

/// `(from_future, stale)` for the balance's date: ahead of `now` by more
/// than the allowed skew, or older than the allowed age. A balance of
/// unknown date is stale: nothing says it is recent. In `i128`, so that no
/// i64 timestamp or u64 policy value can overflow the comparisons.
#[inline]
fn age(s: &Snapshot, policy: &Policy, now: UnixSeconds) -> (bool, bool) {
    match &s.balance {
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
    }
}

/// A re-initiation after the policy's window (days after the original
/// settlement) closed.
#[inline]
fn retry_window_closed(p: &crate::debit::Presentment, policy: &Policy, now: UnixSeconds) -> bool {
    let days = i128::from(policy.reinitiation_window_days().get());
    let closes = i128::from(p.original_settlement()).saturating_add(days.saturating_mul(DAY));
    i128::from(now) > closes
}

/// The prior debits a request counts: its own and those its run added for
/// the account, each in order of `initiated_at`, leaving out every entry
/// with the debit's own id (the same payment checked again).
#[derive(Clone, Copy, Debug)]
struct Priors<'a> {
    own: &'a [PriorDebit],
    run: &'a [PriorDebit],
    skip: Option<&'a DebitId>,
}

impl<'a> Priors<'a> {
    /// Whether the request carried any prior debit or its run added any:
    /// the verdict then reports `exposure`, even with count 0.
    fn any_given(&self) -> bool {
        !self.own.is_empty() || !self.run.is_empty()
    }

    /// Every counted entry, in no particular order (for sums).
    fn all(&self) -> impl Iterator<Item = &'a PriorDebit> + use<'a> {
        let skip = self.skip;
        self.own
            .iter()
            .chain(self.run)
            .filter(move |p| skip.is_none_or(|id| p.id() != Some(id)))
    }

    /// The counted entries initiated in `(after, until]`, in no particular
    /// order (for counts and sums).
    fn within(
        &self,
        after: UnixSeconds,
        until: UnixSeconds,
    ) -> impl Iterator<Item = &'a PriorDebit> + use<'a> {
        let Merge { own, run, skip } = self.initiated_in(after, until);
        own.iter()
            .chain(run)
            .filter(move |p| skip.is_none_or(|id| p.id() != Some(id)))
    }

    /// The counted entries initiated in `(after, until]`, in order of
    /// `initiated_at`: two binary searches, then a merge.
    fn initiated_in(&self, after: UnixSeconds, until: UnixSeconds) -> Merge<'a> {
        let cut = |list: &'a [PriorDebit]| {
            let from = list.partition_point(|p| p.initiated_at() <= after);
            let to = list.partition_point(|p| p.initiated_at() <= until);
            list.get(from..to.max(from)).unwrap_or_default()
        };
        Merge {
            own: cut(self.own),
            run: cut(self.run),
            skip: self.skip,
        }
    }

    /// The exposure (SPEC §5b): the entries in `ccy` that a balance dated
    /// `as_of` may not show yet, how many and their sum (in `i128`: 10,000
    /// entries of `i64::MAX` fit).
    fn exposure(&self, ccy: crate::money::Currency, as_of: Option<UnixSeconds>) -> (u32, i128) {
        self.all()
            .filter(|p| p.currency() == ccy && p.outstanding_at(as_of))
            .fold((0_u32, 0_i128), |(n, sum), p| {
                (
                    n.saturating_add(1),
                    sum.saturating_add(i128::from(p.amount())),
                )
            })
    }
}

/// Two lists in order of `initiated_at` read as one, in that order (the
/// request's own entry first on a tie), without the skipped id.
#[derive(Clone, Debug)]
struct Merge<'a> {
    own: &'a [PriorDebit],
    run: &'a [PriorDebit],
    skip: Option<&'a DebitId>,
}

impl<'a> Iterator for Merge<'a> {
    type Item = &'a PriorDebit;
    fn next(&mut self) -> Option<&'a PriorDebit> {
        loop {
            let next = match (self.own.split_first(), self.run.split_first()) {
                (Some((a, rest)), Some((b, _))) if a.initiated_at() <= b.initiated_at() => {
                    self.own = rest;
                    a
                }
                (_, Some((b, rest))) => {
                    self.run = rest;
                    b
                }
                (Some((a, rest)), None) => {
                    self.own = rest;
                    a
                }
                (None, None) => return None,
            };
            if self.skip.is_none_or(|id| next.id() != Some(id)) {
                return Some(next);
            }
        }
    }
}

/// What the velocity limits say about a debit.
#[derive(Clone, Copy, Debug, Default)]
struct VelocityCheck {
    /// `velocity_count` or `velocity_amount` when a limit would be exceeded.
    rule: Option<Rule>,
    /// On those rows, the earliest instant at which every limit would hold.
    not_before: Option<UnixSeconds>,
    /// The most this debit could be and still pass every `max_amount` in
    /// its currency; `None` when no limit names the currency.
    amount_room: Option<i128>,
}

/// One limit over the entries in its window (SPEC §5b).
#[derive(Clone, Copy, Debug)]
struct LimitState {
    /// Entries in the window, any currency, this debit left out.
    count: u64,
    /// Their sum in the debit's currency.
    sum: i128,
    /// `count + 1 > max_count`.
    count_exceeded: bool,
    /// `max_amount[ccy]`, when the limit names the currency.
    max_amount: Option<i128>,
}

/// The velocity rows (SPEC §5b). Each limit counts the entries initiated in
/// `(now − window_secs, now]` plus this debit; `count` is checked first.
fn velocity(priors: Priors<'_>, debit: &Debit, policy: &Policy, now: UnixSeconds) -> VelocityCheck {
    let limits = policy.velocity().limits();
    if limits.is_empty() {
        return VelocityCheck::default();
    }
    let ccy = debit.currency();
    let amount = i128::from(debit.amount());
    let mut check = VelocityCheck::default();
    let (mut count_exceeded, mut amount_exceeded) = (false, false);
    for limit in limits {
        let state = limit_state(priors, limit, debit, now);
        count_exceeded |= state.count_exceeded;
        if let Some(max) = state.max_amount {
            amount_exceeded |= state.sum.saturating_add(amount) > max;
            let room = max.saturating_sub(state.sum);
            check.amount_room = Some(check.amount_room.map_or(room, |r: i128| r.min(room)));
        }
    }
    check.rule = if count_exceeded {
        Some(Rule::VelocityCount)
    } else if amount_exceeded {
        Some(Rule::VelocityAmount)
    } else {
        None
    };
    if check.rule.is_some() {
        check.not_before = limits.iter().try_fold(now, |latest, limit| {
            let state = limit_state(priors, limit, debit, now);
            earliest_pass(priors, limit, &state, ccy, amount, now).map(|t| latest.max(t))
        });
    }
    check
}

fn limit_state(
    priors: Priors<'_>,
    limit: &VelocityLimit,
    debit: &Debit,
    now: UnixSeconds,
) -> LimitState {
    let ccy = debit.currency();
    let after = now.saturating_sub(i64::from(limit.window_secs()));
    let (count, sum) = priors
        .within(after, now)
        .fold((0_u64, 0_i128), |(n, sum), p| {
            let add = if p.currency() == ccy {
                i128::from(p.amount())
            } else {
                0
            };
            (n.saturating_add(1), sum.saturating_add(add))
        });
    LimitState {
        count,
        sum,
        count_exceeded: limit
            .max_count()
            .is_some_and(|max| count.saturating_add(1) > u64::from(max)),
        max_amount: limit.max_amount().get(ccy).map(i128::from),
    }
}

/// The earliest instant (at least `now`) at which `limit` holds, the
/// entries of its window leaving it in order of `initiated_at` (one
/// initiated at `t0` leaves a window of `w` seconds at `t0 + w`); `None`
/// when the debit alone breaks its `max_amount`. Each limit only loosens as
/// time passes, so the instant at which every limit holds is the latest of
/// these. Entries initiated after `now` are in no window now and are not
/// foreseen entering one.
fn earliest_pass(
    priors: Priors<'_>,
    limit: &VelocityLimit,
    state: &LimitState,
    ccy: crate::money::Currency,
    amount: i128,
    now: UnixSeconds,
) -> Option<UnixSeconds> {
    let window = i64::from(limit.window_secs());
    let after = now.saturating_sub(window);
    let leaves = |p: &PriorDebit| p.initiated_at().saturating_add(window);
    let mut at = now;
    if state.count_exceeded {
        // `count + 1 − max_count` entries must leave: the oldest first.
        let max = u64::from(limit.max_count().unwrap_or(u32::MAX));
        let must_leave = state.count.saturating_add(1).saturating_sub(max);
        let nth = usize::try_from(must_leave.saturating_sub(1)).unwrap_or(usize::MAX);
        if let Some(p) = priors.initiated_in(after, now).nth(nth) {
            at = at.max(leaves(p));
        }
    }
    if let Some(max) = state.max_amount {
        if amount > max {
            return None;
        }
        let excess = state.sum.saturating_add(amount).saturating_sub(max);
        if excess > 0 {
            let mut left = 0_i128;
            for p in priors
                .initiated_in(after, now)
                .filter(|p| p.currency() == ccy)
            {
                left = left.saturating_add(i128::from(p.amount()));
                if left >= excess {
                    at = at.max(leaves(p));
                    break;
                }
            }
        }
    }
    Some(at)
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
        let d = debit.with_amount(amount)?;
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
