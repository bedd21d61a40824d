//! The decision engine: SPEC §5's table, row for row.
//!
//! [`decide`] is a pure function of its four arguments. It reads no clock,
//! does no I/O, keeps no state, allocates nothing and cannot panic; the only
//! way it fails is a required amount too large for an `i64`.
//!
//! It works in three steps, each readable on its own:
//!
//! 1. `Facts`: the handful of yes/no observations the table asks about,
//!    computed once from the snapshot, debit, policy and `now`.
//! 2. `rule`: the table itself, first matching row wins, one `if` per row.
//! 3. `Rule::outcome`: each row's decision, reasons and refresh advice;
//!    then the row-independent warnings and the `unverified_allowance`
//!    softening of the rows marked `*`.

use chrono::{DateTime, Utc};

use crate::debit::Debit;
use crate::error::RequiredOverflow;
use crate::policy::Policy;
use crate::snapshot::{BalanceType, Category, RefreshStatus, Snapshot, Status, UnixSeconds};
use crate::verdict::{Basis, Code, Codes, Decision, RefreshAction, RefreshHint, Rule, Verdict};

/// Decides whether `debit` may be taken from the account described by
/// `snapshot`, under `policy`, at the instant `now`.
///
/// `now` is compared with Stripe's whole-second timestamps at whole-second
/// precision (its fraction is dropped).
///
/// # Errors
///
/// [`RequiredOverflow`] when `amount + in_flight + cushions` does not fit an
/// `i64` (SPEC §2). Every business outcome, `deny` included, is a [`Verdict`].
///
/// # Example
///
/// ```
/// use chrono::DateTime;
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
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide(
    snapshot: &Snapshot,
    debit: &Debit,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Verdict, RequiredOverflow> {
    let now = now.timestamp();
    let facts = Facts::observe(snapshot, debit, policy, now)?;
    let rule = rule(&facts);
    let (decision, reasons, refresh) = rule.outcome(&facts);

    // Warnings that do not depend on the row (SPEC §5, "Basis" paragraph).
    let mut warnings = Codes::EMPTY;
    let basis = facts.basis.filter(|_| rule.resolves_basis());
    if matches!(basis, Some((Basis::Current, _))) {
        warnings = warnings.with(Code::UsedCurrentBalance);
    }
    if matches!(rule, Rule::R8 | Rule::R9) {
        if snapshot.status == Status::Inactive {
            warnings = warnings.with(Code::AccountInactive);
        }
        match facts.refresh {
            Some(RefreshStatus::Pending) => warnings = warnings.with(Code::RefreshPending),
            Some(RefreshStatus::Failed) => warnings = warnings.with(Code::RefreshFailed),
            _ => {}
        }
    }

    let mut verdict = Verdict {
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
        as_of: snapshot.balance.as_ref().map(|b| b.as_of),
        balance_age_secs: snapshot
            .balance
            .as_ref()
            .map(|b| now.saturating_sub(b.as_of)),
        refresh,
        rule,
    };

    // Rows marked * cannot verify the funds: a small enough debit may go
    // through anyway, if the policy says so, with every reason kept as a
    // warning.
    if rule.cannot_verify() && facts.within_unverified_allowance {
        verdict.decision = Decision::Allow;
        verdict.warnings = verdict
            .warnings
            .union(verdict.reasons)
            .with(Code::FundsNotVerified);
        verdict.reasons = Codes::EMPTY;
    }
    Ok(verdict)
}

/// What the decision table asks about, observed once.
#[derive(Clone, Copy, Debug)]
struct Facts {
    status: Status,
    /// Row 2: a status, balance type or refresh status the gate does not know.
    unrecognized: bool,
    /// Row 3: a credit balance, or no balance on a credit account.
    credit: bool,
    has_balance: bool,
    refresh: Option<RefreshStatus>,
    /// `next_refresh_available_at`, for `retry_after`.
    next_refresh_at: Option<UnixSeconds>,
    /// SPEC §5: S = active and (R is null, or R is not pending and
    /// `next_refresh_available_at` ≤ now). A null `next_refresh_available_at`
    /// means no refresh can start.
    refresh_can_start: bool,
    /// The balance compared, and its amount; `None` when neither
    /// `cash.available` nor (with fallback) `current` has the currency.
    basis: Option<(Basis, i64)>,
    /// Row 6: `as_of` > now + max_clock_skew_secs.
    from_future: bool,
    /// Row 7: now − as_of > max_balance_age_secs.
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
        debit: &Debit,
        policy: &Policy,
        now: UnixSeconds,
    ) -> Result<Facts, RequiredOverflow> {
        let ccy = debit.currency();
        let refresh = s.refresh.map(|r| r.status);
        let next_refresh_at = s.refresh.and_then(|r| r.next_refresh_available_at);
        let refresh_can_start = s.status == Status::Active
            && match s.refresh {
                None => true,
                Some(r) => {
                    r.status != RefreshStatus::Pending
                        && r.next_refresh_available_at.is_some_and(|at| at <= now)
                }
            };

        let basis = s.balance.as_ref().and_then(|b| {
            let available = b.available.as_ref().and_then(|m| m.get(ccy));
            match available {
                Some(amount) => Some((Basis::Available, amount)),
                None if policy.fallback_to_current => {
                    b.current.get(ccy).map(|amount| (Basis::Current, amount))
                }
                None => None,
            }
        });

        // Time comparisons in i128: no i64 timestamp or u64 policy value can
        // overflow them.
        let (from_future, stale) = match &s.balance {
            Some(b) => {
                let (as_of, now) = (i128::from(b.as_of), i128::from(now));
                let skew = i128::from(policy.max_clock_skew_secs);
                let max_age = i128::from(policy.max_balance_age_secs);
                (
                    as_of > now.saturating_add(skew),
                    now.saturating_sub(as_of) > max_age,
                )
            }
            None => (false, false),
        };

        let required_before_basis = required(debit, policy)?;
        let required = match basis {
            Some((Basis::Current, _)) => required_on_current(required_before_basis, debit, policy)?,
            _ => required_before_basis,
        };

        let within_unverified_allowance = policy
            .unverified_allowance
            .get(ccy)
            .is_some_and(|limit| u64::try_from(debit.amount()).is_ok_and(|a| a <= limit));

        Ok(Facts {
            status: s.status,
            unrecognized: s.status == Status::Unrecognized
                || s.balance
                    .as_ref()
                    .is_some_and(|b| b.kind == BalanceType::Unrecognized)
                || refresh == Some(RefreshStatus::Unrecognized),
            credit: match &s.balance {
                Some(b) => b.kind == BalanceType::Credit,
                None => s.category == Some(Category::Credit),
            },
            has_balance: s.balance.is_some(),
            refresh,
            next_refresh_at,
            refresh_can_start,
            basis,
            from_future,
            stale,
            required_before_basis,
            required,
            within_unverified_allowance,
        })
    }
}

/// `amount + in_flight + max(buffer_min, ceil(amount × buffer_ratio))`;
/// checked.
fn required(debit: &Debit, policy: &Policy) -> Result<i64, RequiredOverflow> {
    let overflow = overflow(debit);
    let amount = debit.amount();
    let proportional = policy.buffer_ratio.cushion(amount).ok_or(overflow)?;
    let floor = i64::try_from(policy.buffer_min).map_err(|_| overflow)?;
    amount
        .checked_add(debit.in_flight())
        .and_then(|t| t.checked_add(proportional.max(floor)))
        .ok_or(overflow)
}

/// `base + ceil(amount × current_extra_ratio)`: the required amount when
/// the basis is `current`; checked.
fn required_on_current(base: i64, debit: &Debit, policy: &Policy) -> Result<i64, RequiredOverflow> {
    let extra = policy.current_extra_ratio.cushion(debit.amount());
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

/// SPEC §5: the first matching row wins.
fn rule(f: &Facts) -> Rule {
    use RefreshStatus::{Failed, Pending};
    if f.status == Status::Disconnected {
        return Rule::R1;
    }
    if f.unrecognized {
        return Rule::R2;
    }
    if f.credit {
        return Rule::R3;
    }
    if !f.has_balance {
        return match f.refresh {
            _ if f.status == Status::Inactive => Rule::R4a,
            None => Rule::R4b,
            Some(Pending) => Rule::R4c,
            Some(Failed) if f.refresh_can_start => Rule::R4d,
            Some(Failed) => Rule::R4e,
            // Succeeded; an unrecognized refresh status stopped at row 2.
            Some(_) => Rule::R4f,
        };
    }
    let Some((_, balance)) = f.basis else {
        return Rule::R5;
    };
    if f.from_future {
        return Rule::R6;
    }
    if f.stale {
        return match f.refresh {
            _ if f.status == Status::Inactive => Rule::R7a,
            Some(Pending) => Rule::R7b,
            _ if f.refresh_can_start => Rule::R7c,
            _ => Rule::R7d,
        };
    }
    if balance >= f.required {
        Rule::R8
    } else {
        Rule::R9
    }
}

impl Rule {
    /// The row's decision, reasons and refresh advice, before warnings and
    /// softening.
    fn outcome(self, f: &Facts) -> (Decision, Codes, Option<RefreshHint>) {
        use Code::*;
        use Decision::{Allow, Deny, RefreshNeeded};
        let initiate = Some(RefreshHint {
            action: RefreshAction::Initiate,
            not_before: None,
        });
        let wait = Some(RefreshHint {
            action: RefreshAction::Wait,
            not_before: None,
        });
        let retry_after = Some(RefreshHint {
            action: RefreshAction::RetryAfter,
            not_before: f.next_refresh_at,
        });
        match self {
            Rule::R1 => (Deny, Codes::of(&[AccountDisconnected]), None),
            Rule::R2 => (Deny, Codes::of(&[UnrecognizedValue]), None),
            Rule::R3 => (Deny, Codes::of(&[CreditAccount]), None),
            Rule::R4a => (Deny, Codes::of(&[BalanceMissing, AccountInactive]), None),
            Rule::R4b => (
                RefreshNeeded,
                Codes::of(&[BalanceMissing, RefreshNotRequested]),
                initiate,
            ),
            Rule::R4c => (
                RefreshNeeded,
                Codes::of(&[BalanceMissing, RefreshPending]),
                wait,
            ),
            Rule::R4d => (
                RefreshNeeded,
                Codes::of(&[BalanceMissing, RefreshFailed]),
                initiate,
            ),
            Rule::R4e => (
                Deny,
                Codes::of(&[BalanceMissing, RefreshFailed]),
                retry_after,
            ),
            Rule::R4f => (Deny, Codes::of(&[BalanceMissing]), None),
            Rule::R5 => (Deny, Codes::of(&[CurrencyNotInBalance]), None),
            Rule::R6 => (Deny, Codes::of(&[BalanceFromFuture]), None),
            Rule::R7a => (Deny, Codes::of(&[BalanceStale, AccountInactive]), None),
            Rule::R7b => (
                RefreshNeeded,
                Codes::of(&[BalanceStale, RefreshPending]),
                wait,
            ),
            Rule::R7c => (RefreshNeeded, Codes::of(&[BalanceStale]), initiate),
            Rule::R7d => (Deny, Codes::of(&[BalanceStale]), retry_after),
            Rule::R8 => (Allow, Codes::EMPTY, None),
            Rule::R9 => (Deny, Codes::of(&[InsufficientFunds]), None),
        }
    }

    /// The rows marked `*` in SPEC §5: funds cannot be verified, so
    /// `unverified_allowance` may turn them into `allow`. Rows 1, 2, 6 and 9
    /// are never softened, nor are the `refresh_needed` rows.
    pub fn cannot_verify(self) -> bool {
        matches!(
            self,
            Rule::R3 | Rule::R4a | Rule::R4e | Rule::R4f | Rule::R5 | Rule::R7a | Rule::R7d
        )
    }

    /// Rows reached after the basis balance was chosen (6 to 9): their
    /// verdicts report `basis` and `balance`.
    fn resolves_basis(self) -> bool {
        matches!(
            self,
            Rule::R6 | Rule::R7a | Rule::R7b | Rule::R7c | Rule::R7d | Rule::R8 | Rule::R9
        )
    }
}
