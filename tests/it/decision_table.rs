//! SPEC §5 (version 2), one test per row id (named after it), plus the
//! boundaries: retry attempt 1, 2 and the limit; the window's edge;
//! `max_allowed` ± 1; absent vs null `next_refresh_available_at`; permissions
//! null vs lacking `balances`.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a failed test"
)]

use crate::common::*;
use fundsgate::Code::*;
use fundsgate::Decision::{Allow, Deny, RefreshNeeded};
use fundsgate::{
    AccountNumbers, Balance, BalanceType, Basis, Categories, Category, Debit, Livemode,
    MaxReinitiations, NextRefresh, Policy, Presentment, ProviderResult, Ratio, RefreshStatus,
    Retry, ReturnCode, Rule, Snapshot, Status, WindowDays, decide, decide_unlinked,
};

const AMPLE: i64 = 1_000_000;
const STALE: i64 = NOW - 86_401;
const DAY: i64 = 86_400;

fn unlinked(amount: i64, policy: &Policy) -> fundsgate::Verdict {
    decide_unlinked(&debit(amount), policy, at(NOW)).unwrap()
}

fn returns(codes: &[&str]) -> Vec<ReturnCode> {
    codes.iter().map(|c| c.parse().unwrap()).collect()
}

/// A usd debit of `amount` re-initiated after `codes`, the original entry
/// having settled at `settled`.
fn represented(amount: i64, settled: i64, codes: &[&str]) -> Debit {
    debit(amount).with_presentment(Presentment::new(settled, returns(codes)))
}

fn run_debit(s: &Snapshot, d: &Debit, policy: &Policy) -> fundsgate::Verdict {
    decide(s, d, policy, at(NOW)).unwrap()
}

/// A link down (`status`) with a fresh ample balance.
fn down(status: Status) -> Snapshot {
    snapshot(status, Some(cash(AS_OF, Some(AMPLE), Some(AMPLE))), None)
}

// ---- unlinked --------------------------------------------------------------

#[test]
fn row_unlinked_denies_with_no_balance_data() {
    let v = unlinked(100, &Policy::default());
    assert_row(&v, Rule::Unlinked, Deny, &[NoBalanceData], &[], None);
    assert_eq!(
        (v.basis, v.balance, v.max_allowed, v.as_of, v.retry),
        (None, None, None, None, None)
    );
    assert_eq!(v.required, 100);
}

#[test]
fn row_unlinked_is_softened_by_the_allowance() {
    let v = unlinked(100, &allowance(100));
    assert_row(
        &v,
        Rule::Unlinked,
        Allow,
        &[],
        &[NoBalanceData, FundsNotVerified],
        None,
    );
    let v = unlinked(101, &allowance(100));
    assert_row(&v, Rule::Unlinked, Deny, &[NoBalanceData], &[], None);
}

#[test]
fn the_re_presentment_rows_come_before_unlinked() {
    // SPEC v3 §5a: v2 let these through on `unlinked` under an allowance.
    let d = represented(100, NOW - 400 * DAY, &["R02", "R01", "R01"]);
    let v = decide_unlinked(&d, &Policy::default(), at(NOW)).unwrap();
    assert_eq!((v.rule, v.retry), (Rule::NotRetryable, None));
    for (returns, settled, rule) in [
        (&["R10"][..], NOW - DAY, Rule::NotRetryable),
        (&["R01", "R01", "R01"], NOW - DAY, Rule::RetryLimit),
        (&["R01"], NOW - 200 * DAY, Rule::RetryWindow),
    ] {
        let d = represented(100, settled, returns);
        let v = decide_unlinked(&d, &allowance(5_000), at(NOW)).unwrap();
        assert_row(
            &v,
            rule,
            Deny,
            &[v.reasons.into_iter().next().unwrap()],
            &[],
            None,
        );
        assert_eq!(v.retry, None);
    }
    // A retryable re-presentment of an unlinked debit goes on to `unlinked`,
    // softened by the allowance, and carries `retry`.
    let d = represented(100, NOW - DAY, &["R01"]);
    let v = decide_unlinked(&d, &allowance(5_000), at(NOW)).unwrap();
    assert_eq!(
        (v.rule, v.decision, v.retry),
        (Rule::Unlinked, Allow, Some(Retry::new(1)))
    );
}

#[test]
fn the_re_presentment_rows_come_before_category() {
    let investment = with!(healthy(AMPLE);
        category: Some(Category::Investment),
    );
    let d = represented(100, NOW - DAY, &["R10"]);
    let v = run_debit(&investment, &d, &allowance(5_000));
    assert_eq!((v.rule, v.decision), (Rule::NotRetryable, Deny));
    let credit = with!(healthy(AMPLE);
        category: Some(Category::Credit),
    );
    assert_eq!(
        run_debit(&credit, &d, &Policy::default()).rule,
        Rule::NotRetryable
    );
}

// ---- unrecognized ----------------------------------------------------------

#[test]
fn row_unrecognized_status() {
    let mut s = healthy(AMPLE);
    s.status = Status::Unrecognized;
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::Unrecognized,
        Deny,
        &[UnrecognizedValue],
        &[],
        None,
    );
    assert_eq!((v.basis, v.balance, v.max_allowed), (None, None, None));
}

#[test]
fn row_unrecognized_category() {
    let mut s = healthy(AMPLE);
    s.category = Some(Category::Unrecognized);
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::Unrecognized,
        Deny,
        &[UnrecognizedValue],
        &[],
        None,
    );
}

#[test]
fn row_unrecognized_balance_type() {
    let mut s = healthy(AMPLE);
    s.balance.as_mut().unwrap().kind = BalanceType::Unrecognized;
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::Unrecognized,
        Deny,
        &[UnrecognizedValue],
        &[],
        None,
    );
}

#[test]
fn row_unrecognized_refresh_status() {
    let mut s = healthy(AMPLE);
    s.refresh = Some(refresh(RefreshStatus::Unrecognized, Some(NOW)));
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::Unrecognized,
        Deny,
        &[UnrecognizedValue],
        &[],
        None,
    );
}

// ---- livemode --------------------------------------------------------------

#[test]
fn row_livemode_denies_a_mismatch_and_an_absent_livemode() {
    let live = allowance(10_000).to_builder().livemode(Some(true)).build();
    for livemode in [Livemode::Is(false), Livemode::Missing] {
        let s = with!(healthy(AMPLE);
            livemode: livemode,
        );
        let v = run(&s, 100, &live);
        assert_row(&v, Rule::Livemode, Deny, &[LivemodeMismatch], &[], None);
    }
    let s = with!(healthy(AMPLE);
        livemode: Livemode::Is(true),
    );
    assert_eq!(run(&s, 100, &live).rule, Rule::Sufficient);
}

/// SPEC v3 §4: a provider that reports no livemode (Plaid), or a neutral
/// snapshot that says nothing about it, is never denied by it.
#[test]
fn row_livemode_skips_an_account_whose_provider_reports_none() {
    for wanted in [true, false] {
        let policy = allowance(10_000)
            .to_builder()
            .livemode(Some(wanted))
            .build();
        let s = with!(healthy(AMPLE);
            livemode: Livemode::NotReported,
        );
        assert_eq!(run(&s, 100, &policy).rule, Rule::Sufficient);
    }
}

#[test]
fn row_livemode_is_not_checked_without_a_policy_value() {
    for livemode in [
        Livemode::Is(false),
        Livemode::Is(true),
        Livemode::Missing,
        Livemode::NotReported,
    ] {
        let s = with!(healthy(AMPLE);
            livemode: livemode,
        );
        assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::Sufficient);
    }
}

#[test]
fn row_livemode_comes_after_unrecognized() {
    let s = with!(healthy(AMPLE);
        livemode: Livemode::Is(false),
        status: Status::Unrecognized,
    );
    let policy = Policy::builder().livemode(Some(true)).build();
    assert_eq!(run(&s, 100, &policy).rule, Rule::Unrecognized);
}

// ---- closed ----------------------------------------------------------------

#[test]
fn row_closed_denies_even_with_a_fresh_ample_balance() {
    let s = with!(down(Status::Inactive);
        closed: true,
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(&v, Rule::Closed, Deny, &[AccountClosed], &[], None);
}

// ---- not_debitable ---------------------------------------------------------

#[test]
fn row_not_debitable_when_ach_is_not_supported() {
    let s = with!(healthy(AMPLE);
        ach_supported: Some(false),
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(&v, Rule::NotDebitable, Deny, &[AchNotSupported], &[], None);
    for ach_supported in [Some(true), None] {
        let s = with!(healthy(AMPLE);
            ach_supported: ach_supported,
        );
        assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::Sufficient);
    }
}

// ---- numbers_deactivated ---------------------------------------------------

#[test]
fn row_numbers_deactivated_when_no_number_is_transactable() {
    let s = with!(healthy(AMPLE);
        account_numbers: AccountNumbers::NoneTransactable,
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::NumbersDeactivated,
        Deny,
        &[AccountNumberDeactivated],
        &[],
        None,
    );
    for numbers in [AccountNumbers::Transactable, AccountNumbers::Unknown] {
        let s = with!(healthy(AMPLE);
            account_numbers: numbers,
        );
        assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::Sufficient);
    }
}

// ---- credit ----------------------------------------------------------------

#[test]
fn row_credit_balance_type() {
    let mut s = healthy(AMPLE);
    s.balance.as_mut().unwrap().kind = BalanceType::Credit;
    let v = run(&s, 100, &Policy::default());
    assert_row(&v, Rule::Credit, Deny, &[CreditAccount], &[], None);
}

#[test]
fn row_credit_category_with_a_cash_balance_or_none() {
    let mut s = healthy(AMPLE);
    s.category = Some(Category::Credit);
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::Credit);
    s.balance = None;
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::Credit);
}

#[test]
fn row_credit_is_never_softened() {
    let mut s = healthy(AMPLE);
    s.category = Some(Category::Credit);
    let v = run(&s, 100, &allowance(u64::MAX));
    assert_row(&v, Rule::Credit, Deny, &[CreditAccount], &[], None);
}

// ---- category --------------------------------------------------------------

#[test]
fn row_category_investment_and_other_need_accepting() {
    for category in [Category::Investment, Category::Other] {
        let s = with!(healthy(AMPLE);
            category: Some(category),
        );
        let v = run(&s, 100, &Policy::default());
        assert_row(&v, Rule::Category, Deny, &[CategoryNotAccepted], &[], None);
        let accepting = Policy::builder()
            .accept_categories(Categories::CASH.with(category).unwrap())
            .build();
        assert_eq!(run(&s, 100, &accepting).rule, Rule::Sufficient);
    }
}

#[test]
fn row_category_a_null_category_passes() {
    let s = with!(healthy(AMPLE);
        category: None,
    );
    let none = Policy::builder()
        .accept_categories(Categories::NONE)
        .build();
    assert_eq!(run(&s, 100, &none).rule, Rule::Sufficient);
    let cash = with!(healthy(AMPLE);
        category: Some(Category::Cash),
    );
    assert_eq!(run(&cash, 100, &none).rule, Rule::Category);
}

#[test]
fn row_category_is_softened() {
    let s = with!(healthy(AMPLE);
        category: Some(Category::Investment),
    );
    let v = run(&s, 100, &allowance(100));
    assert_row(
        &v,
        Rule::Category,
        Allow,
        &[],
        &[CategoryNotAccepted, FundsNotVerified],
        None,
    );
}

// ---- not_retryable, retry_limit, retry_window --------------------------------

#[test]
fn row_not_retryable_any_return_but_r01_r09() {
    for codes in [&["R02"][..], &["R01", "R03"], &["R29"], &["R10", "R09"]] {
        let d = represented(100, NOW - DAY, codes);
        let v = run_debit(&healthy(AMPLE), &d, &allowance(10_000));
        assert_row(
            &v,
            Rule::NotRetryable,
            Deny,
            &[ReturnNotRetryable],
            &[],
            None,
        );
        assert_eq!(v.retry, None, "{codes:?}");
    }
}

#[test]
fn row_retry_limit_attempts_1_and_2_pass_3_does_not() {
    for (codes, attempt) in [(&["R01"][..], 1), (&["R01", "R09"], 2)] {
        let v = run_debit(
            &healthy(AMPLE),
            &represented(100, NOW - DAY, codes),
            &Policy::default(),
        );
        assert_eq!(v.rule, Rule::Sufficient);
        assert_eq!(v.retry, Some(Retry::new(attempt)));
    }
    let d = represented(100, NOW - DAY, &["R01", "R09", "R01"]);
    let v = run_debit(&healthy(AMPLE), &d, &allowance(10_000));
    assert_row(&v, Rule::RetryLimit, Deny, &[RetryLimitReached], &[], None);
    assert_eq!(v.retry, None);
}

#[test]
fn row_retry_limit_follows_max_reinitiations() {
    let none = Policy::builder()
        .max_reinitiations(MaxReinitiations::new(0).unwrap())
        .build();
    let v = run_debit(
        &healthy(AMPLE),
        &represented(100, NOW - DAY, &["R01"]),
        &none,
    );
    assert_eq!(v.rule, Rule::RetryLimit);
    let one = Policy::builder()
        .max_reinitiations(MaxReinitiations::new(1).unwrap())
        .build();
    let v = run_debit(
        &healthy(AMPLE),
        &represented(100, NOW - DAY, &["R01"]),
        &one,
    );
    assert_eq!(v.rule, Rule::Sufficient);
    let v = run_debit(
        &healthy(AMPLE),
        &represented(100, NOW - DAY, &["R01", "R01"]),
        &one,
    );
    assert_eq!(v.rule, Rule::RetryLimit);
}

#[test]
fn row_retry_window_edge() {
    let edge = NOW - 180 * DAY;
    let v = run_debit(
        &healthy(AMPLE),
        &represented(100, edge, &["R01"]),
        &Policy::default(),
    );
    assert_eq!((v.rule, v.retry), (Rule::Sufficient, Some(Retry::new(1))));
    let v = run_debit(
        &healthy(AMPLE),
        &represented(100, edge - 1, &["R01"]),
        &allowance(10_000),
    );
    assert_row(&v, Rule::RetryWindow, Deny, &[RetryWindowClosed], &[], None);
    assert_eq!(v.retry, None);
    let short = Policy::builder()
        .reinitiation_window_days(WindowDays::new(30).unwrap())
        .build();
    let v = run_debit(
        &healthy(AMPLE),
        &represented(100, NOW - 30 * DAY - 1, &["R09"]),
        &short,
    );
    assert_eq!(v.rule, Rule::RetryWindow);
}

#[test]
fn re_presentment_rows_ignore_an_original_presentment() {
    // No returns: an original entry, whatever the settlement date.
    let d = represented(100, NOW - 1_000 * DAY, &[]);
    let v = run_debit(&healthy(AMPLE), &d, &Policy::default());
    assert_eq!((v.rule, v.retry), (Rule::Sufficient, None));
}

#[test]
fn retry_is_set_on_every_row_after_the_window_whatever_the_decision() {
    let d = represented(7_000, NOW - DAY, &["R01"]);
    let v = run_debit(&healthy(6_000), &d, &Policy::default());
    assert_eq!((v.rule, v.retry), (Rule::Insufficient, Some(Retry::new(1))));
    let pending = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Pending, None)),
    );
    let v = run_debit(&pending, &d, &Policy::default());
    assert_eq!(
        (v.rule, v.retry),
        (Rule::MissingPending, Some(Retry::new(1)))
    );
    // Every row after the re-presentment rows carries it (SPEC v3: they
    // all are), `credit` included.
    let credit = with!(healthy(AMPLE);
        category: Some(Category::Credit),
    );
    let v = run_debit(&credit, &d, &Policy::default());
    assert_eq!((v.rule, v.retry), (Rule::Credit, Some(Retry::new(1))));
}

// ---- missing_* ---------------------------------------------------------------

#[test]
fn row_missing_link_down_inactive_and_disconnected() {
    for (status, code) in [
        (Status::Inactive, AccountInactive),
        (Status::Disconnected, AccountDisconnected),
    ] {
        let s = snapshot(
            status,
            None,
            Some(refresh(RefreshStatus::Failed, Some(NOW - 1))),
        );
        let v = run(&s, 100, &Policy::default());
        assert_row(
            &v,
            Rule::MissingLinkDown,
            Deny,
            &[BalanceMissing, code],
            &[],
            None,
        );
        let v = run(&s, 100, &allowance(100));
        assert_row(
            &v,
            Rule::MissingLinkDown,
            Allow,
            &[],
            &[BalanceMissing, code, FundsNotVerified],
            None,
        );
    }
}

#[test]
fn row_missing_not_permitted_never_asks_for_a_refresh() {
    let s = with!(snapshot(Status::Active, None, None);
        balances_permitted: Some(false),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::MissingNotPermitted,
        Deny,
        &[BalanceMissing, BalancesNotPermitted],
        &[],
        None,
    );
    assert_eq!(run(&s, 100, &allowance(100)).decision, Allow);
}

// ---- missing_request_failed (SPEC v3) ---------------------------------------------

#[test]
fn row_missing_request_failed_denies_and_never_asks_to_call_again() {
    let s = with!(snapshot(Status::Active, None, None);
        request_failed: true,
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::MissingRequestFailed,
        Deny,
        &[BalanceMissing, RequestFailed],
        &[],
        None,
    );
    // A row marked *: an allowance softens it, reasons kept as warnings.
    let v = run(&s, 100, &allowance(100));
    assert_eq!(v.decision, Allow);
    assert!(v.warnings.contains(RequestFailed) && v.warnings.contains(FundsNotVerified));
    assert_eq!(run(&s, 101, &allowance(100)).decision, Deny);
}

#[test]
fn row_missing_request_failed_comes_after_link_down_and_permission_and_before_refresh() {
    let failed = |status, permitted, refresh| {
        with!(snapshot(status, None, refresh);
            request_failed: true,
            balances_permitted: permitted,
        )
    };
    let rule = |s: &Snapshot| run(s, 100, &Policy::default()).rule;
    assert_eq!(
        rule(&failed(Status::Inactive, None, None)),
        Rule::MissingLinkDown
    );
    assert_eq!(
        rule(&failed(Status::Active, Some(false), None)),
        Rule::MissingNotPermitted
    );
    for r in [RefreshStatus::Pending, RefreshStatus::Failed] {
        assert_eq!(
            rule(&failed(Status::Active, None, Some(refresh(r, None)))),
            Rule::MissingRequestFailed
        );
    }
    // With a balance, the request did not fail after all: the balance decides.
    let s = with!(healthy(AMPLE);
        request_failed: true,
    );
    assert_eq!(rule(&s), Rule::Sufficient);
}

// ---- provider_declined, provider_review (SPEC v3) ----------------------------------

#[test]
fn row_provider_declined_is_never_softened() {
    let s = with!(healthy(AMPLE);
        provider_result: Some(ProviderResult::Decline),
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::ProviderDeclined,
        Deny,
        &[ProviderDeclined],
        &[],
        None,
    );
    // After numbers_deactivated, before credit.
    let s = with!(healthy(AMPLE);
        provider_result: Some(ProviderResult::Decline),
        account_numbers: AccountNumbers::NoneTransactable,
    );
    assert_eq!(
        run(&s, 100, &Policy::default()).rule,
        Rule::NumbersDeactivated
    );
    let s = with!(healthy(AMPLE);
        provider_result: Some(ProviderResult::Decline),
        category: Some(Category::Credit),
    );
    assert_eq!(
        run(&s, 100, &Policy::default()).rule,
        Rule::ProviderDeclined
    );
}

#[test]
fn row_provider_review_denies_by_default_and_warns_under_decide() {
    let s = with!(healthy(AMPLE);
        provider_result: Some(ProviderResult::Review),
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(&v, Rule::ProviderReview, Deny, &[ProviderReview], &[], None);
    let decide_it = Policy::builder()
        .provider_review(fundsgate::ProviderReview::Decide)
        .build();
    let v = run(&s, 100, &decide_it);
    assert_row(&v, Rule::Sufficient, Allow, &[], &[ProviderReview], None);
    // The warning stands on whatever row decides.
    let stale = with!(snapshot(Status::Active, Some(cash(STALE, Some(AMPLE), None)), None);
        provider_result: Some(ProviderResult::Review),
    );
    let v = run(&stale, 100, &decide_it);
    assert_eq!(v.rule, Rule::StaleCanStart);
    assert!(v.warnings.contains(ProviderReview));
    // After numbers_deactivated, before credit (and so before every
    // softenable row: no allowance lets a review through).
    let s = with!(healthy(AMPLE);
        provider_result: Some(ProviderResult::Review),
        account_numbers: AccountNumbers::NoneTransactable,
    );
    assert_eq!(
        run(&s, 100, &Policy::default()).rule,
        Rule::NumbersDeactivated
    );
    let s = with!(healthy(AMPLE);
        provider_result: Some(ProviderResult::Review),
        category: Some(Category::Credit),
    );
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::ProviderReview);
    let s = with!(snapshot(Status::Active, None, None);
        provider_result: Some(ProviderResult::Review),
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_eq!((v.rule, v.decision), (Rule::ProviderReview, Deny));
    // An accepted result, or none, adds nothing.
    for result in [Some(ProviderResult::Accept), None] {
        let s = with!(healthy(AMPLE);
            provider_result: result,
        );
        assert_row(
            &run(&s, 100, &Policy::default()),
            Rule::Sufficient,
            Allow,
            &[],
            &[],
            None,
        );
    }
}

#[test]
fn an_unrecognized_provider_result_is_row_unrecognized() {
    let s = with!(healthy(AMPLE);
        provider_result: Some(ProviderResult::Unrecognized),
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::Unrecognized,
        Deny,
        &[UnrecognizedValue],
        &[],
        None,
    );
}

#[test]
fn permissions_null_is_unknown_not_lacking() {
    let s = with!(snapshot(Status::Active, None, None);
        balances_permitted: None,
    );
    assert_eq!(
        run(&s, 100, &Policy::default()).rule,
        Rule::MissingNeverRefreshed
    );
    let s = with!(snapshot(Status::Active, None, None);
        balances_permitted: Some(true),
    );
    assert_eq!(
        run(&s, 100, &Policy::default()).rule,
        Rule::MissingNeverRefreshed
    );
}

#[test]
fn row_missing_never_refreshed() {
    let s = snapshot(Status::Active, None, None);
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::MissingNeverRefreshed,
        RefreshNeeded,
        &[BalanceMissing, RefreshNotRequested],
        &[],
        initiate(),
    );
}

#[test]
fn row_missing_pending() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Pending, None)),
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::MissingPending,
        RefreshNeeded,
        &[BalanceMissing, RefreshPending],
        &[],
        wait(),
    );
}

#[test]
fn row_missing_failed_can_start() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Failed, Some(NOW - 1))),
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::MissingFailedCanStart,
        RefreshNeeded,
        &[BalanceMissing, RefreshFailed],
        &[],
        initiate(),
    );
    // Exactly now can start.
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Failed, Some(NOW))),
    );
    assert_eq!(
        run(&s, 100, &Policy::default()).rule,
        Rule::MissingFailedCanStart
    );
}

#[test]
fn an_absent_next_refresh_time_lets_a_refresh_start_a_null_one_does_not() {
    let mut absent = refresh(RefreshStatus::Failed, None);
    absent.next_refresh_available_at = NextRefresh::NotStated;
    let s = snapshot(Status::Active, None, Some(absent));
    assert_eq!(
        run(&s, 100, &Policy::default()).rule,
        Rule::MissingFailedCanStart
    );
    let null = refresh(RefreshStatus::Failed, None);
    assert_eq!(null.next_refresh_available_at, NextRefresh::Unavailable);
    let s = snapshot(Status::Active, None, Some(null));
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::MissingFailedLater,
        Deny,
        &[BalanceMissing, RefreshFailed],
        &[],
        retry_after(None),
    );
}

#[test]
fn row_missing_failed_later() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Failed, Some(NOW + 1))),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::MissingFailedLater,
        Deny,
        &[BalanceMissing, RefreshFailed],
        &[],
        retry_after(Some(NOW + 1)),
    );
    // Softened, keeping its refresh advice.
    let v = run(&s, 100, &allowance(100));
    assert_row(
        &v,
        Rule::MissingFailedLater,
        Allow,
        &[],
        &[BalanceMissing, RefreshFailed, FundsNotVerified],
        retry_after(Some(NOW + 1)),
    );
}

#[test]
fn row_missing_not_shared() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Succeeded, Some(NOW + 10))),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::MissingNotShared,
        Deny,
        &[BalanceMissing],
        &[],
        None,
    );
}

#[test]
fn refresh_needed_rows_are_never_softened() {
    let pending = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Pending, None)),
    );
    assert_eq!(
        run(&pending, 1, &allowance(u64::MAX)).decision,
        RefreshNeeded
    );
    let never = snapshot(Status::Active, None, None);
    assert_eq!(run(&never, 1, &allowance(u64::MAX)).decision, RefreshNeeded);
}

// ---- no_currency, future -------------------------------------------------------

#[test]
fn row_no_currency() {
    let mut s = healthy(AMPLE);
    let b = s.balance.as_mut().unwrap();
    b.current = map(&[("eur", AMPLE)]);
    b.available = Some(map(&[("eur", AMPLE)]));
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::NoCurrency,
        Deny,
        &[CurrencyNotInBalance],
        &[],
        None,
    );
    assert_eq!(run(&s, 100, &allowance(100)).decision, Allow);
}

#[test]
fn row_no_currency_when_only_current_has_it_and_fallback_is_off() {
    let s = snapshot(Status::Active, Some(cash(AS_OF, None, Some(AMPLE))), None);
    let policy = Policy::builder().fallback_to_current(false).build();
    assert_eq!(run(&s, 100, &policy).rule, Rule::NoCurrency);
}

#[test]
fn row_future_and_its_edge() {
    let s = snapshot(
        Status::Active,
        Some(cash(NOW + 301, Some(AMPLE), None)),
        None,
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(&v, Rule::Future, Deny, &[BalanceFromFuture], &[], None);
    assert_eq!(v.basis, Some(Basis::Available));
    let s = snapshot(
        Status::Active,
        Some(cash(NOW + 300, Some(AMPLE), None)),
        None,
    );
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::Sufficient);
}

// ---- stale_* ------------------------------------------------------------------

#[test]
fn row_stale_link_down() {
    for (status, code) in [
        (Status::Inactive, AccountInactive),
        (Status::Disconnected, AccountDisconnected),
    ] {
        let s = snapshot(status, Some(cash(STALE, Some(AMPLE), None)), None);
        let v = run(&s, 100, &Policy::default());
        assert_row(
            &v,
            Rule::StaleLinkDown,
            Deny,
            &[BalanceStale, code],
            &[],
            None,
        );
        assert_eq!(run(&s, 100, &allowance(100)).decision, Allow);
    }
}

#[test]
fn row_stale_not_permitted() {
    let s = with!(snapshot(Status::Active, Some(cash(STALE, Some(AMPLE), None)), None);
        balances_permitted: Some(false),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::StaleNotPermitted,
        Deny,
        &[BalanceStale, BalancesNotPermitted],
        &[],
        None,
    );
}

#[test]
fn row_stale_pending() {
    let s = snapshot(
        Status::Active,
        Some(cash(STALE, Some(AMPLE), None)),
        Some(refresh(RefreshStatus::Pending, None)),
    );
    let v = run(&s, 100, &allowance(10_000));
    assert_row(
        &v,
        Rule::StalePending,
        RefreshNeeded,
        &[BalanceStale, RefreshPending],
        &[],
        wait(),
    );
}

#[test]
fn row_stale_can_start() {
    for r in [
        None,
        Some(refresh(RefreshStatus::Succeeded, Some(NOW))),
        Some(refresh(RefreshStatus::Failed, Some(NOW - 10))),
    ] {
        let s = snapshot(Status::Active, Some(cash(STALE, Some(AMPLE), None)), r);
        let v = run(&s, 100, &allowance(10_000));
        assert_row(
            &v,
            Rule::StaleCanStart,
            RefreshNeeded,
            &[BalanceStale],
            &[],
            initiate(),
        );
    }
}

#[test]
fn row_stale_later() {
    let s = snapshot(
        Status::Active,
        Some(cash(STALE, Some(AMPLE), None)),
        Some(refresh(RefreshStatus::Succeeded, Some(NOW + 60))),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::StaleLater,
        Deny,
        &[BalanceStale],
        &[],
        retry_after(Some(NOW + 60)),
    );
    let v = run(&s, 100, &allowance(100));
    assert_row(
        &v,
        Rule::StaleLater,
        Allow,
        &[],
        &[BalanceStale, FundsNotVerified],
        retry_after(Some(NOW + 60)),
    );
}

#[test]
fn stale_edge_is_max_age_exactly() {
    let fresh = snapshot(
        Status::Active,
        Some(cash(NOW - 86_400, Some(AMPLE), None)),
        None,
    );
    assert_eq!(run(&fresh, 100, &Policy::default()).rule, Rule::Sufficient);
    let stale = snapshot(
        Status::Active,
        Some(cash(NOW - 86_401, Some(AMPLE), None)),
        None,
    );
    assert_eq!(
        run(&stale, 100, &Policy::default()).rule,
        Rule::StaleCanStart
    );
}

// ---- sufficient, insufficient, max_allowed ------------------------------------------

#[test]
fn row_sufficient() {
    let v = run(&healthy(6_000), 6_000, &Policy::default());
    assert_row(&v, Rule::Sufficient, Allow, &[], &[], None);
    assert_eq!(
        (v.basis, v.balance, v.required, v.max_allowed),
        (Some(Basis::Available), Some(6_000), 6_000, Some(6_000))
    );
}

#[test]
fn row_insufficient_is_never_softened() {
    let v = run(&healthy(6_000), 6_001, &allowance(u64::MAX));
    assert_row(
        &v,
        Rule::Insufficient,
        Deny,
        &[InsufficientFunds],
        &[],
        None,
    );
    assert_eq!(v.max_allowed, Some(6_000));
}

#[test]
fn a_disconnected_link_with_a_fresh_balance_uses_it_and_warns() {
    let v = run(&down(Status::Disconnected), 100, &Policy::default());
    assert_row(
        &v,
        Rule::Sufficient,
        Allow,
        &[],
        &[AccountDisconnected],
        None,
    );
    let v = run(&down(Status::Inactive), 2 * AMPLE, &Policy::default());
    assert_row(
        &v,
        Rule::Insufficient,
        Deny,
        &[InsufficientFunds],
        &[AccountInactive],
        None,
    );
}

#[test]
fn sufficient_and_insufficient_warn_about_the_refresh_state() {
    let fresh = || Some(cash(AS_OF, Some(6000), None));
    let pending = snapshot(
        Status::Active,
        fresh(),
        Some(refresh(RefreshStatus::Pending, None)),
    );
    assert_row(
        &run(&pending, 100, &Policy::default()),
        Rule::Sufficient,
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
    assert_row(
        &run(&failed, 7000, &Policy::default()),
        Rule::Insufficient,
        Deny,
        &[InsufficientFunds],
        &[RefreshFailed],
        None,
    );
}

#[test]
fn status_details_warnings_on_every_row() {
    let s = with!(healthy(AMPLE);
        relink_required: true,
        expected_deactivation: Some(NOW + 30 * DAY),
    );
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::Sufficient,
        Allow,
        &[],
        &[RelinkRequired, DeactivationExpected],
        None,
    );
    let closed = with!(down(Status::Inactive);
        closed: true,
        relink_required: true,
    );
    let v = run(&closed, 100, &Policy::default());
    assert_row(
        &v,
        Rule::Closed,
        Deny,
        &[AccountClosed],
        &[RelinkRequired],
        None,
    );
}

fn ratio(s: &str) -> Ratio {
    s.parse().unwrap()
}

#[track_caller]
fn assert_max_allowed_exact(s: &Snapshot, in_flight: i64, policy: &Policy) -> i64 {
    let d = Debit::new(1, usd(), in_flight).unwrap();
    let v = decide(s, &d, policy, at(NOW)).unwrap();
    let max = v.max_allowed.unwrap();
    let at_amount = |a: i64| {
        decide(
            s,
            &Debit::new(a, usd(), in_flight).unwrap(),
            policy,
            at(NOW),
        )
        .unwrap()
    };
    if max > 0 {
        assert_eq!(
            at_amount(max).decision,
            Allow,
            "max_allowed {max} is allowed"
        );
    }
    let next = at_amount(max + 1);
    assert_eq!(next.decision, Deny, "max_allowed {max} + 1 is denied");
    assert_eq!(
        next.max_allowed,
        Some(max),
        "max_allowed does not depend on the amount"
    );
    max
}

#[test]
fn max_allowed_plus_and_minus_one_under_every_cushion() {
    let cushions = Policy::builder()
        .buffer_ratio(ratio("0.015"))
        .buffer_min(25)
        .current_extra_ratio(ratio("0.1"))
        .build();
    // On available: a + max(25, ceil(0.015 a)) ≤ 6000 − 500.
    assert_eq!(
        assert_max_allowed_exact(&healthy(6_000), 500, &cushions),
        5_418
    );
    // On current: + ceil(0.1 a) too.
    let current = snapshot(Status::Active, Some(cash(AS_OF, None, Some(6_000))), None);
    assert_eq!(assert_max_allowed_exact(&current, 0, &cushions), 5_380);
    // The floor decides for small balances: a + 25 ≤ 100.
    assert_eq!(assert_max_allowed_exact(&healthy(100), 0, &cushions), 75);
    // No cushion at all: the balance itself.
    assert_eq!(
        assert_max_allowed_exact(&healthy(6_000), 0, &Policy::default()),
        6_000
    );
}

#[test]
fn max_allowed_is_zero_when_not_one_minor_unit_fits() {
    let floor = Policy::builder().buffer_min(10).build();
    assert_eq!(assert_max_allowed_exact(&healthy(10), 0, &floor), 0);
    assert_eq!(assert_max_allowed_exact(&healthy(11), 0, &floor), 1);
    assert_eq!(
        assert_max_allowed_exact(&healthy(-5_000), 0, &Policy::default()),
        0
    );
    assert_eq!(
        assert_max_allowed_exact(&healthy(6_000), 6_000, &Policy::default()),
        0
    );
}

#[test]
fn max_allowed_never_overflows() {
    let big = Policy::builder()
        .buffer_ratio(ratio("10"))
        .current_extra_ratio(ratio("10"))
        .buffer_min(u64::MAX)
        .build();
    let v = run(&healthy(i64::MAX), 1, &Policy::default());
    assert_eq!(v.max_allowed, Some(i64::MAX));
    let current = snapshot(
        Status::Active,
        Some(cash(AS_OF, None, Some(i64::MAX))),
        None,
    );
    let d = Debit::new(1, usd(), 0).unwrap();
    let v = decide(
        &current,
        &d,
        &big.clone().to_builder().buffer_min(0).build(),
        at(NOW),
    )
    .unwrap();
    // a + ceil(10a) + ceil(10a) ≤ i64::MAX.
    assert_eq!(v.max_allowed, Some(i64::MAX / 21));
    assert!(
        decide(&current, &d, &big, at(NOW)).is_err(),
        "buffer_min beyond i64 overflows"
    );
}

#[test]
fn max_allowed_is_null_off_the_two_comparing_rows() {
    let s = snapshot(Status::Active, Some(cash(STALE, Some(AMPLE), None)), None);
    assert_eq!(run(&s, 100, &Policy::default()).max_allowed, None);
    assert_eq!(unlinked(100, &Policy::default()).max_allowed, None);
}

// ---- Basis and required amount ---------------------------------------------------

#[test]
fn available_wins_over_current_even_when_smaller() {
    let s = snapshot(
        Status::Active,
        Some(cash(AS_OF, Some(100), Some(AMPLE))),
        None,
    );
    let v = run(&s, 101, &Policy::default());
    assert_row(
        &v,
        Rule::Insufficient,
        Deny,
        &[InsufficientFunds],
        &[],
        None,
    );
    assert_eq!((v.basis, v.balance), (Some(Basis::Available), Some(100)));
}

#[test]
fn current_is_used_with_a_warning_when_available_lacks_the_currency() {
    let mut s = healthy(AMPLE);
    s.balance.as_mut().unwrap().available = Some(map(&[("eur", AMPLE)]));
    let v = run(&s, 100, &Policy::default());
    assert_eq!(
        (v.basis, v.warnings),
        (Some(Basis::Current), codes(&[UsedCurrentBalance]))
    );
}

#[test]
fn a_stale_current_basis_still_warns_used_current_balance() {
    let s = snapshot(Status::Active, Some(cash(STALE, None, Some(AMPLE))), None);
    let v = run(&s, 100, &Policy::default());
    assert_row(
        &v,
        Rule::StaleCanStart,
        RefreshNeeded,
        &[BalanceStale],
        &[UsedCurrentBalance],
        initiate(),
    );
}

#[test]
fn required_adds_in_flight_and_the_larger_cushion_rounded_up() {
    let policy = Policy::builder()
        .buffer_ratio(ratio("0.015"))
        .buffer_min(10)
        .build();
    let d = Debit::new(1001, usd(), 500).unwrap();
    let v = decide(&healthy(AMPLE), &d, &policy, at(NOW)).unwrap();
    assert_eq!(v.required, 1001 + 500 + 16);
    let d = Debit::new(100, usd(), 0).unwrap();
    let v = decide(&healthy(AMPLE), &d, &policy, at(NOW)).unwrap();
    assert_eq!(v.required, 110);
}

#[test]
fn current_extra_ratio_applies_only_on_current() {
    let policy = Policy::builder().current_extra_ratio(ratio("0.1")).build();
    assert_eq!(run(&healthy(AMPLE), 1000, &policy).required, 1000);
    let s = snapshot(Status::Active, Some(cash(AS_OF, None, Some(1099))), None);
    let v = run(&s, 1000, &policy);
    assert_eq!((v.required, v.rule), (1100, Rule::Insufficient));
}

#[test]
fn a_required_amount_that_overflows_is_an_error() {
    let d = Debit::new(i64::MAX, usd(), 1).unwrap();
    assert!(decide(&healthy(AMPLE), &d, &Policy::default(), at(NOW)).is_err());
    let policy = Policy::builder().buffer_min(u64::MAX).build();
    assert!(decide(&healthy(AMPLE), &debit(1), &policy, at(NOW)).is_err());
}

#[test]
fn the_allowance_covers_amount_and_in_flight_together_and_per_currency() {
    let s = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Succeeded, None)),
    );
    // SPEC v3: the allowance is the unverified risk per account, so what is
    // already in flight uses it up (v2 compared the amount alone).
    let d = Debit::new(4000, usd(), 1000).unwrap();
    assert_eq!(
        decide(&s, &d, &allowance(5000), at(NOW)).unwrap().decision,
        Allow
    );
    let d = Debit::new(4000, usd(), 1001).unwrap();
    assert_eq!(
        decide(&s, &d, &allowance(5000), at(NOW)).unwrap().decision,
        Deny
    );
    let v = decide(&s, &debit(5001), &allowance(5000), at(NOW)).unwrap();
    assert_row(
        &v,
        Rule::MissingNotShared,
        Deny,
        &[BalanceMissing],
        &[],
        None,
    );
    let eur = Debit::new(100, "eur".parse().unwrap(), 0).unwrap();
    assert_eq!(
        decide(&s, &eur, &allowance(5000), at(NOW))
            .unwrap()
            .decision,
        Deny
    );
}

#[test]
fn extreme_timestamps_do_not_overflow() {
    let s = snapshot(
        Status::Active,
        Some(cash(i64::MIN, Some(AMPLE), None)),
        None,
    );
    let v = run(&s, 100, &Policy::default());
    assert_eq!(
        (v.rule, v.balance_age_secs),
        (Rule::StaleCanStart, Some(i64::MAX))
    );
    let s = snapshot(
        Status::Active,
        Some(cash(i64::MAX, Some(AMPLE), None)),
        None,
    );
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::Future);
    let d = represented(100, i64::MIN, &["R01"]);
    assert_eq!(
        run_debit(&healthy(AMPLE), &d, &Policy::default()).rule,
        Rule::RetryWindow
    );
    let d = represented(100, i64::MAX, &["R01"]);
    assert_eq!(
        run_debit(&healthy(AMPLE), &d, &Policy::default()).rule,
        Rule::Sufficient
    );
}

#[test]
fn every_row_is_reached_by_some_test_input() {
    // The table has as many rows as `Rule::ALL`, in order, and each id is unique.
    let ids: std::collections::BTreeSet<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(ids.len(), Rule::ALL.len());
    assert_eq!(Rule::ALL.first(), Some(&Rule::NotRetryable));
    assert_eq!(Rule::ALL.last(), Some(&Rule::Insufficient));
}

#[test]
fn an_empty_snapshot_builds_from_public_fields() {
    let s = Snapshot::new(Status::Active);
    assert_eq!(
        run(&s, 1, &Policy::default()).rule,
        Rule::MissingNeverRefreshed
    );
    let b = Balance::new(Some(AS_OF), BalanceType::Cash, map(&[]));
    let s = with!(Snapshot::new(Status::Active);
        balance: Some(b),
    );
    assert_eq!(run(&s, 1, &Policy::default()).rule, Rule::NoCurrency);
}

#[test]
fn max_allowed_agrees_with_the_64_step_search() {
    let cushions = Policy::builder()
        .buffer_ratio(ratio("0.015"))
        .buffer_min(25)
        .current_extra_ratio(ratio("0.1"))
        .build();
    let current = snapshot(Status::Active, Some(cash(AS_OF, None, Some(6_000))), None);
    for (s, in_flight, policy) in [
        (healthy(6_000), 500, &cushions),
        (current, 0, &cushions),
        (healthy(100), 0, &cushions),
        (healthy(10), 0, &Policy::builder().buffer_min(10).build()),
    ] {
        let d = Debit::new(1, usd(), in_flight).unwrap();
        let v = decide(&s, &d, policy, at(NOW)).unwrap();
        let searched = fundsgate::__private::max_allowed_by_search(&s, &d, policy, at(NOW));
        assert_eq!(searched, v.max_allowed);
        assert!(searched.is_some());
    }
    let stale = snapshot(Status::Active, Some(cash(STALE, Some(AMPLE), None)), None);
    assert_eq!(
        fundsgate::__private::max_allowed_by_search(&stale, &debit(1), &Policy::default(), at(NOW)),
        None
    );
}
