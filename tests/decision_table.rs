//! SPEC §5, one test per row (named after it), plus the boundaries.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a failed test"
)]

mod common;

use common::*;
use fundsgate::Code::*;
use fundsgate::Decision::{Allow, Deny, RefreshNeeded};
use fundsgate::{
    Balance, BalanceType, Basis, Category, Debit, Policy, Ratio, RefreshStatus, Rule, Snapshot,
    Status, decide,
};

const AMPLE: i64 = 1_000_000;

// ---- Row 1 -----------------------------------------------------------------

#[test]
fn row_1_disconnected_denies_even_with_ample_funds() {
    let s = snapshot(
        Status::Disconnected,
        Some(cash(AS_OF, Some(AMPLE), Some(AMPLE))),
        None,
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(&v, Rule::R1, Deny, &[AccountDisconnected], &[], None);
    // The balance is shown (as_of) but not used as a basis before row 6.
    assert_eq!((v.basis, v.balance, v.as_of), (None, None, Some(AS_OF)));
}

#[test]
fn row_1_is_never_softened() {
    let s = snapshot(Status::Disconnected, None, None);
    let v = run(&s, 100, &allowance(10_000));
    assert_row(&v, Rule::R1, Deny, &[AccountDisconnected], &[], None);
}

// ---- Row 2 -----------------------------------------------------------------

#[test]
fn row_2_unrecognized_status() {
    let mut s = healthy(AMPLE);
    s.status = Status::Unrecognized;
    let v = run(&s, 100, &allowance(10_000));
    assert_row(&v, Rule::R2, Deny, &[UnrecognizedValue], &[], None);
    assert_eq!((v.basis, v.balance), (None, None));
}

#[test]
fn row_2_unrecognized_balance_type() {
    let mut s = healthy(AMPLE);
    s.balance.as_mut().unwrap().kind = BalanceType::Unrecognized;
    let v = run(&s, 100, &allowance(10_000));
    assert_row(&v, Rule::R2, Deny, &[UnrecognizedValue], &[], None);
}

#[test]
fn row_2_unrecognized_refresh_status() {
    let mut s = healthy(AMPLE);
    s.refresh = Some(refresh(RefreshStatus::Unrecognized, None));
    let v = run(&s, 100, &allowance(10_000));
    assert_row(&v, Rule::R2, Deny, &[UnrecognizedValue], &[], None);
}

#[test]
fn row_2_comes_after_row_1() {
    let mut s = healthy(AMPLE);
    s.status = Status::Disconnected;
    s.refresh = Some(refresh(RefreshStatus::Unrecognized, None));
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::R1);
}

#[test]
fn an_unrecognized_category_is_not_credit() {
    let mut s = healthy(AMPLE);
    s.category = Some(Category::Unrecognized);
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::R8);
}

// ---- Row 3 -----------------------------------------------------------------

#[test]
fn row_3_credit_balance_type() {
    let mut s = healthy(AMPLE);
    s.balance.as_mut().unwrap().kind = BalanceType::Credit;
    let v = run(&s, 100, &Policy::default());
    assert_row(&v, Rule::R3, Deny, &[CreditAccount], &[], None);
    assert_eq!((v.basis, v.balance, v.required), (None, None, 100));
}

#[test]
fn row_3_no_balance_on_a_credit_category() {
    let mut s = snapshot(Status::Active, None, None);
    s.category = Some(Category::Credit);
    let v = run(&s, 100, &Policy::default());
    assert_row(&v, Rule::R3, Deny, &[CreditAccount], &[], None);
}

#[test]
fn row_3_a_cash_balance_on_a_credit_category_is_read_by_its_type() {
    let mut s = healthy(AMPLE);
    s.category = Some(Category::Credit);
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::R8);
}

#[test]
fn row_3_is_softened_by_the_allowance() {
    let mut s = snapshot(Status::Active, None, None);
    s.category = Some(Category::Credit);
    let v = run(&s, 5_000, &allowance(5_000));
    assert_row(
        &v,
        Rule::R3,
        Allow,
        &[],
        &[CreditAccount, FundsNotVerified],
        None,
    );
}

// ---- Row 4 -----------------------------------------------------------------

#[test]
fn row_4a_no_balance_inactive() {
    let s = snapshot(
        Status::Inactive,
        None,
        Some(refresh(RefreshStatus::Failed, None)),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::R4a,
        Deny,
        &[BalanceMissing, AccountInactive],
        &[],
        None,
    );
}

#[test]
fn row_4b_no_balance_never_refreshed() {
    let s = snapshot(Status::Active, None, None);
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::R4b,
        RefreshNeeded,
        &[BalanceMissing, RefreshNotRequested],
        &[],
        initiate(),
    );
    assert_eq!(
        (v.basis, v.balance, v.as_of, v.balance_age_secs),
        (None, None, None, None)
    );
}

#[test]
fn row_4c_no_balance_refresh_pending() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Pending, None)),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::R4c,
        RefreshNeeded,
        &[BalanceMissing, RefreshPending],
        &[],
        wait(),
    );
}

#[test]
fn row_4d_no_balance_refresh_failed_and_can_start() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Failed, Some(NOW - 1))),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::R4d,
        RefreshNeeded,
        &[BalanceMissing, RefreshFailed],
        &[],
        initiate(),
    );
}

#[test]
fn row_4d_next_refresh_available_exactly_now_can_start() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Failed, Some(NOW))),
    );
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::R4d);
}

#[test]
fn row_4e_no_balance_refresh_failed_not_yet_retryable() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Failed, Some(NOW + 1))),
    );
    let v = run(&s, 100, &Policy::default());
    let hint = retry_after(Some(NOW + 1));
    assert_row(
        &v,
        Rule::R4e,
        Deny,
        &[BalanceMissing, RefreshFailed],
        &[],
        hint,
    );
}

#[test]
fn row_4e_with_a_null_next_refresh_time() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Failed, None)),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::R4e,
        Deny,
        &[BalanceMissing, RefreshFailed],
        &[],
        retry_after(None),
    );
}

#[test]
fn row_4e_is_softened_and_keeps_its_refresh_advice() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Failed, Some(NOW + 60))),
    );
    let v = run(&s, 100, &allowance(100));
    let warnings = [BalanceMissing, RefreshFailed, FundsNotVerified];
    assert_row(
        &v,
        Rule::R4e,
        Allow,
        &[],
        &warnings,
        retry_after(Some(NOW + 60)),
    );
}

#[test]
fn row_4f_no_balance_after_a_successful_refresh() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Succeeded, Some(NOW - 1))),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(&v, Rule::R4f, Deny, &[BalanceMissing], &[], None);
}

#[test]
fn row_4a_is_softened_but_4b_4c_4d_are_not() {
    let p = allowance(10_000);
    let inactive = snapshot(Status::Inactive, None, None);
    assert_eq!(run(&inactive, 100, &p).decision, Allow);
    let never = snapshot(Status::Active, None, None);
    assert_eq!(run(&never, 100, &p).decision, RefreshNeeded);
    let pending = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Pending, None)),
    );
    assert_eq!(run(&pending, 100, &p).decision, RefreshNeeded);
    let failed = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Failed, Some(0))),
    );
    assert_eq!(run(&failed, 100, &p).decision, RefreshNeeded);
}

// ---- Row 5 -----------------------------------------------------------------

#[test]
fn row_5_currency_not_in_balance() {
    let mut s = healthy(AMPLE);
    let b = s.balance.as_mut().unwrap();
    b.current = map(&[("eur", AMPLE)]);
    b.available = Some(map(&[("eur", AMPLE)]));
    let v = run(&s, 100, &Policy::default());
    assert_row(&v, Rule::R5, Deny, &[CurrencyNotInBalance], &[], None);
    assert_eq!((v.basis, v.balance), (None, None));
    assert_eq!(v.as_of, Some(AS_OF));
}

#[test]
fn row_5_when_only_current_has_it_and_fallback_is_off() {
    let s = snapshot(Status::Active, Some(cash(AS_OF, None, Some(AMPLE))), None);
    let policy = Policy {
        fallback_to_current: false,
        ..Policy::default()
    };
    let v = run(&s, 100, &policy);
    assert_row(&v, Rule::R5, Deny, &[CurrencyNotInBalance], &[], None);
}

#[test]
fn row_5_is_softened() {
    let s = snapshot(Status::Active, Some(cash(AS_OF, None, None)), None);
    let v = run(&s, 100, &allowance(100));
    assert_row(
        &v,
        Rule::R5,
        Allow,
        &[],
        &[CurrencyNotInBalance, FundsNotVerified],
        None,
    );
}

// ---- Row 6 -----------------------------------------------------------------

#[test]
fn row_6_balance_from_the_future() {
    let s = snapshot(
        Status::Active,
        Some(cash(NOW + 301, Some(AMPLE), None)),
        None,
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(&v, Rule::R6, Deny, &[BalanceFromFuture], &[], None);
    assert_eq!(v.balance_age_secs, Some(-301));
}

#[test]
fn row_6_as_of_exactly_now_plus_skew_is_accepted() {
    let s = snapshot(
        Status::Active,
        Some(cash(NOW + 300, Some(AMPLE), None)),
        None,
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(&v, Rule::R8, Allow, &[], &[], None);
}

// ---- Row 7 -----------------------------------------------------------------

const STALE: i64 = NOW - 86_401;

#[test]
fn row_7a_stale_and_inactive() {
    let s = snapshot(Status::Inactive, Some(cash(STALE, Some(AMPLE), None)), None);
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::R7a,
        Deny,
        &[BalanceStale, AccountInactive],
        &[],
        None,
    );
}

#[test]
fn row_7b_stale_refresh_pending() {
    let s = snapshot(
        Status::Active,
        Some(cash(STALE, Some(AMPLE), None)),
        Some(refresh(RefreshStatus::Pending, None)),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::R7b,
        RefreshNeeded,
        &[BalanceStale, RefreshPending],
        &[],
        wait(),
    );
}

#[test]
fn row_7c_stale_refresh_can_start() {
    let s = snapshot(
        Status::Active,
        Some(cash(STALE, Some(AMPLE), None)),
        Some(refresh(RefreshStatus::Succeeded, Some(NOW))),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::R7c,
        RefreshNeeded,
        &[BalanceStale],
        &[],
        initiate(),
    );
    assert_eq!(v.basis, Some(Basis::Available));
    assert_eq!(v.balance_age_secs, Some(86_401));
}

#[test]
fn row_7c_stale_never_refreshed() {
    let s = snapshot(Status::Active, Some(cash(STALE, Some(AMPLE), None)), None);
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::R7c);
}

#[test]
fn row_7d_stale_refresh_not_yet_available() {
    let s = snapshot(
        Status::Active,
        Some(cash(STALE, Some(AMPLE), None)),
        Some(refresh(RefreshStatus::Succeeded, Some(NOW + 1))),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::R7d,
        Deny,
        &[BalanceStale],
        &[],
        retry_after(Some(NOW + 1)),
    );
}

#[test]
fn row_7d_is_softened() {
    let s = snapshot(
        Status::Active,
        Some(cash(STALE, Some(AMPLE), None)),
        Some(refresh(RefreshStatus::Failed, Some(NOW + 1))),
    );
    let v = run(&s, 100, &allowance(100));
    let hint = retry_after(Some(NOW + 1));
    assert_row(
        &v,
        Rule::R7d,
        Allow,
        &[],
        &[BalanceStale, FundsNotVerified],
        hint,
    );
}

#[test]
fn row_7_age_exactly_the_maximum_is_fresh_one_more_second_is_stale() {
    let fresh = snapshot(
        Status::Active,
        Some(cash(NOW - 86_400, Some(AMPLE), None)),
        None,
    );
    assert_eq!(run(&fresh, 100, &Policy::default()).rule, Rule::R8);
    let stale = snapshot(
        Status::Active,
        Some(cash(NOW - 86_401, Some(AMPLE), None)),
        None,
    );
    assert_eq!(run(&stale, 100, &Policy::default()).rule, Rule::R7c);
}

#[test]
fn row_7_age_follows_the_policy() {
    let s = snapshot(
        Status::Active,
        Some(cash(NOW - 61, Some(AMPLE), None)),
        None,
    );
    let policy = Policy {
        max_balance_age_secs: 60,
        ..Policy::default()
    };
    assert_eq!(run(&s, 100, &policy).rule, Rule::R7c);
}

// ---- Rows 8 and 9 ----------------------------------------------------------

#[test]
fn row_8_allow() {
    let v = run(&healthy(6000), 5000, &Policy::default());
    assert_row(&v, Rule::R8, Allow, &[], &[], None);
    assert_eq!(v.basis, Some(Basis::Available));
    assert_eq!((v.balance, v.required), (Some(6000), 5000));
    assert_eq!((v.as_of, v.balance_age_secs), (Some(AS_OF), Some(8)));
}

#[test]
fn row_8_balance_exactly_equal_to_required() {
    assert_eq!(run(&healthy(6000), 6000, &Policy::default()).rule, Rule::R8);
    assert_eq!(run(&healthy(6000), 6001, &Policy::default()).rule, Rule::R9);
}

#[test]
fn row_9_insufficient_funds() {
    let v = run(&healthy(6000), 20_000, &Policy::default());
    assert_row(&v, Rule::R9, Deny, &[InsufficientFunds], &[], None);
}

#[test]
fn row_9_is_never_softened() {
    let v = run(&healthy(6000), 6001, &allowance(1_000_000));
    assert_row(&v, Rule::R9, Deny, &[InsufficientFunds], &[], None);
}

#[test]
fn row_8_on_current_warns_used_current_balance() {
    let s = snapshot(Status::Active, Some(cash(AS_OF, None, Some(6000))), None);
    let v = run(&s, 6000, &Policy::default());
    assert_row(&v, Rule::R8, Allow, &[], &[UsedCurrentBalance], None);
    assert_eq!(v.basis, Some(Basis::Current));
}

#[test]
fn available_wins_over_current_even_when_smaller() {
    let s = snapshot(
        Status::Active,
        Some(cash(AS_OF, Some(100), Some(AMPLE))),
        None,
    );
    let v = run(&s, 101, &Policy::default());
    assert_row(&v, Rule::R9, Deny, &[InsufficientFunds], &[], None);
    assert_eq!((v.basis, v.balance), (Some(Basis::Available), Some(100)));
}

#[test]
fn available_for_another_currency_falls_back_to_current() {
    let mut s = healthy(AMPLE);
    s.balance.as_mut().unwrap().available = Some(map(&[("eur", AMPLE)]));
    let v = run(&s, 100, &Policy::default());
    assert_eq!(
        (v.basis, v.warnings),
        (Some(Basis::Current), codes(&[UsedCurrentBalance]))
    );
}

#[test]
fn rows_8_and_9_warn_about_account_and_refresh_state() {
    let fresh = || Some(cash(AS_OF, Some(6000), None));
    let inactive = snapshot(Status::Inactive, fresh(), None);
    assert_row(
        &run(&inactive, 100, &Policy::default()),
        Rule::R8,
        Allow,
        &[],
        &[AccountInactive],
        None,
    );
    let pending = snapshot(
        Status::Active,
        fresh(),
        Some(refresh(RefreshStatus::Pending, None)),
    );
    assert_row(
        &run(&pending, 100, &Policy::default()),
        Rule::R8,
        Allow,
        &[],
        &[RefreshPending],
        None,
    );
    let failed = snapshot(
        Status::Active,
        fresh(),
        Some(refresh(RefreshStatus::Failed, None)),
    );
    let v = run(&failed, 7000, &Policy::default());
    assert_row(
        &v,
        Rule::R9,
        Deny,
        &[InsufficientFunds],
        &[RefreshFailed],
        None,
    );
}

#[test]
fn a_stale_current_basis_still_warns_used_current_balance() {
    let s = snapshot(Status::Active, Some(cash(STALE, None, Some(AMPLE))), None);
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::R7c,
        RefreshNeeded,
        &[BalanceStale],
        &[UsedCurrentBalance],
        initiate(),
    );
}

// ---- Required amount -------------------------------------------------------

fn ratio(s: &str) -> Ratio {
    s.parse().unwrap()
}

#[test]
fn required_adds_in_flight_and_the_larger_cushion_rounded_up() {
    let policy = Policy {
        buffer_ratio: ratio("0.015"),
        buffer_min: 10,
        ..Policy::default()
    };
    let d = Debit::new(1001, usd(), 500).unwrap();
    let v = decide(&healthy(AMPLE), &d, &policy, at(NOW)).unwrap();
    // ceil(1001 × 0.015) = ceil(15.015) = 16 > 10
    assert_eq!(v.required, 1001 + 500 + 16);
    let d = Debit::new(100, usd(), 0).unwrap();
    let v = decide(&healthy(AMPLE), &d, &policy, at(NOW)).unwrap();
    // ceil(1.5) = 2 < buffer_min 10
    assert_eq!(v.required, 110);
}

#[test]
fn current_extra_ratio_applies_only_on_current() {
    let policy = Policy {
        current_extra_ratio: ratio("0.1"),
        ..Policy::default()
    };
    let on_available = run(&healthy(AMPLE), 1000, &policy);
    assert_eq!(on_available.required, 1000);
    let s = snapshot(Status::Active, Some(cash(AS_OF, None, Some(1099))), None);
    let v = run(&s, 1000, &policy);
    assert_eq!((v.required, v.rule), (1100, Rule::R9));
}

#[test]
fn the_cushion_decides_the_boundary() {
    let policy = Policy {
        buffer_ratio: ratio("0.1"),
        ..Policy::default()
    };
    assert_eq!(run(&healthy(1100), 1000, &policy).rule, Rule::R8);
    assert_eq!(run(&healthy(1099), 1000, &policy).rule, Rule::R9);
}

#[test]
fn a_required_amount_that_overflows_is_an_error() {
    let d = Debit::new(i64::MAX, usd(), 1).unwrap();
    assert!(decide(&healthy(AMPLE), &d, &Policy::default(), at(NOW)).is_err());
    let policy = Policy {
        buffer_ratio: ratio("1"),
        ..Policy::default()
    };
    let d = Debit::new(i64::MAX / 2 + 1, usd(), 0).unwrap();
    assert!(decide(&healthy(AMPLE), &d, &policy, at(NOW)).is_err());
    let policy = Policy {
        buffer_min: u64::MAX,
        ..Policy::default()
    };
    assert!(decide(&healthy(AMPLE), &debit(1), &policy, at(NOW)).is_err());
}

#[test]
fn the_allowance_is_compared_with_the_amount_alone() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Succeeded, None)),
    );
    let d = Debit::new(5000, usd(), 1_000_000).unwrap();
    let v = decide(&s, &d, &allowance(5000), at(NOW)).unwrap();
    assert_eq!(v.decision, Allow);
    let v = decide(&s, &debit(5001), &allowance(5000), at(NOW)).unwrap();
    assert_row(&v, Rule::R4f, Deny, &[BalanceMissing], &[], None);
}

#[test]
fn the_allowance_is_per_currency() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Succeeded, None)),
    );
    let eur = Debit::new(100, "eur".parse().unwrap(), 0).unwrap();
    let v = decide(&s, &eur, &allowance(5000), at(NOW)).unwrap();
    assert_eq!(v.decision, Deny);
}

#[test]
fn extreme_timestamps_do_not_overflow() {
    let s = snapshot(
        Status::Active,
        Some(cash(i64::MIN, Some(AMPLE), None)),
        None,
    );
    let v = run(&s, 100, &Policy::default());
    assert_eq!((v.rule, v.balance_age_secs), (Rule::R7c, Some(i64::MAX)));
    let s = snapshot(
        Status::Active,
        Some(cash(i64::MAX, Some(AMPLE), None)),
        None,
    );
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::R6);
    let policy = Policy {
        max_balance_age_secs: u64::MAX,
        max_clock_skew_secs: u64::MAX,
        ..Policy::default()
    };
    let s = snapshot(
        Status::Active,
        Some(cash(i64::MAX, Some(AMPLE), None)),
        None,
    );
    assert_eq!(run(&s, 100, &policy).rule, Rule::R8);
}

#[test]
fn an_empty_snapshot_builds_from_public_fields() {
    let s = Snapshot {
        status: Status::Active,
        category: None,
        balance: None,
        refresh: None,
    };
    assert_eq!(run(&s, 1, &Policy::default()).rule, Rule::R4b);
    let b = Balance {
        as_of: AS_OF,
        kind: BalanceType::Cash,
        current: map(&[]),
        available: None,
    };
    let s = Snapshot {
        balance: Some(b),
        ..s
    };
    assert_eq!(run(&s, 1, &Policy::default()).rule, Rule::R5);
}
