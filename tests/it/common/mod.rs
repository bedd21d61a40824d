//! Shared builders for the integration tests: snapshots built field by field,
//! so that each test shows exactly the condition it is about.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test; not every test file uses every helper"
)]

#[path = "../../../benches/support/with.rs"]
#[allow(
    clippy::duplicate_mod,
    reason = "tests/alloc.rs also loads it through benches/support/rows.rs; each copy is private"
)]
mod with;
pub(crate) use with::with;

use chrono::{DateTime, Utc};
use fundsgate::{
    Balance, BalanceType, Category, Code, Codes, Currency, CurrencyMap, Debit, Decision,
    NextRefresh, Policy, Refresh, RefreshAction, RefreshHint, RefreshStatus, Rule, Snapshot,
    Status, Verdict, decide,
};

/// The evaluation instant of most tests (8 s after the docs example's as_of).
pub const NOW: i64 = 1_651_516_600;
/// The docs example's `as_of`.
pub const AS_OF: i64 = 1_651_516_592;

pub fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

pub fn usd() -> Currency {
    Currency::new("usd").unwrap()
}

pub fn map(pairs: &[(&str, i64)]) -> CurrencyMap<i64> {
    CurrencyMap::from_pairs(pairs.iter().map(|&(c, v)| (Currency::new(c).unwrap(), v))).unwrap()
}

/// A cash balance in usd: `available` and `current` amounts (None = absent).
pub fn cash(as_of: i64, available: Option<i64>, current: Option<i64>) -> Balance {
    with!(Balance::new(
            Some(as_of),
            BalanceType::Cash,
            current.map_or_else(CurrencyMap::new, |c| map(&[("usd", c)])),
        );
        available: available.map(|a| map(&[("usd", a)])),
    )
}

/// A refresh whose `next_refresh_available_at` is `next` (`None`: null).
pub fn refresh(status: RefreshStatus, next: Option<i64>) -> Refresh {
    with!(Refresh::new(status);
        last_attempted_at: Some(AS_OF - 10),
        next_refresh_available_at: next.map_or(NextRefresh::Unavailable, NextRefresh::At),
    )
}

/// A cash account with `status`, `balance` and `refresh`, and every other
/// fact unknown.
pub fn snapshot(status: Status, balance: Option<Balance>, refresh: Option<Refresh>) -> Snapshot {
    with!(Snapshot::new(status);
        category: Some(Category::Cash),
        balance: balance,
        refresh: refresh,
    )
}

/// An active account holding `available` usd as of [`AS_OF`], last refresh
/// succeeded.
pub fn healthy(available: i64) -> Snapshot {
    snapshot(
        Status::Active,
        Some(cash(AS_OF, Some(available), Some(available))),
        Some(refresh(RefreshStatus::Succeeded, Some(AS_OF + 3600))),
    )
}

pub fn debit(amount: i64) -> Debit {
    Debit::new(amount, usd(), 0).unwrap()
}

/// Decides a usd debit of `amount` at [`NOW`].
pub fn run(s: &Snapshot, amount: i64, policy: &Policy) -> Verdict {
    decide(s, &debit(amount), policy, at(NOW)).unwrap()
}

pub fn codes(list: &[Code]) -> Codes {
    Codes::of(list)
}

pub fn initiate() -> Option<RefreshHint> {
    Some(RefreshHint::new(RefreshAction::Initiate, None))
}

pub fn wait() -> Option<RefreshHint> {
    Some(RefreshHint::new(RefreshAction::Wait, None))
}

pub fn retry_after(at: Option<i64>) -> Option<RefreshHint> {
    Some(RefreshHint::new(RefreshAction::RetryAfter, at))
}

/// Asserts the parts of a verdict that a decision-table row fixes.
#[track_caller]
pub fn assert_row(
    v: &Verdict,
    rule: Rule,
    decision: Decision,
    reasons: &[Code],
    warnings: &[Code],
    refresh: Option<RefreshHint>,
) {
    assert_eq!(v.rule, rule, "rule of {v:?}");
    assert_eq!(v.decision, decision, "decision of {v:?}");
    assert_eq!(v.reasons, codes(reasons), "reasons of {v:?}");
    assert_eq!(v.warnings, codes(warnings), "warnings of {v:?}");
    assert_eq!(v.refresh, refresh, "refresh of {v:?}");
}

/// A policy that lets usd debits up to `limit` through unverified.
pub fn allowance(limit: u64) -> Policy {
    Policy::builder()
        .unverified_allowance(CurrencyMap::from_pairs([(usd(), limit)]).unwrap())
        .build()
}

/// The one proptest configuration of the integration tests: `cases` cases,
/// no regression file (proptest cannot place one for an integration test; a
/// failure prints its minimal input instead). `PROPTEST_CASES` in the
/// environment overrides the count (mutation testing runs fewer).
pub(crate) fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    let env = std::env::var("PROPTEST_CASES").ok();
    proptest::test_runner::Config {
        cases: env.and_then(|v| v.parse().ok()).unwrap_or(cases),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}
