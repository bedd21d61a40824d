//! `decide` allocates nothing, on every path: a counting global allocator
//! (allocation-counter) watches each call. The count is deterministic, so this
//! is a test, not a benchmark.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use common::*;
use fundsgate::{
    AccountNumbers, Category, Code, Debit, Decision, Policy, Presentment, RefreshStatus,
    ReturnCode, Rule, Snapshot, Status, decide, decide_unlinked,
};

#[track_caller]
fn assert_no_allocation(
    name: &str,
    s: Option<&Snapshot>,
    debit: &Debit,
    policy: &Policy,
) -> Option<Rule> {
    let now = at(NOW);
    let mut result = None;
    let info = allocation_counter::measure(|| {
        result = Some(match s {
            Some(s) => decide(s, debit, policy, now),
            None => decide_unlinked(debit, policy, now),
        });
    });
    assert_eq!(
        info.count_total, 0,
        "{name}: decide allocated {} times",
        info.count_total
    );
    // `None`: the overflow error path.
    result.unwrap().ok().map(|v| v.rule)
}

/// One case per row of the table (and the overflow error), each checked to
/// reach its row, so that no path is left unwatched.
#[test]
fn decide_allocates_nothing_on_any_path() {
    let lenient = Policy {
        buffer_ratio: "0.05".parse().unwrap(),
        current_extra_ratio: "0.125".parse().unwrap(),
        buffer_min: 50,
        livemode: None,
        ..allowance(5_000)
    };
    let stale = |r| {
        snapshot(
            Status::Active,
            Some(cash(NOW - 90_000, Some(9_000), None)),
            r,
        )
    };
    let missing = |status, r| snapshot(status, None, r);
    let with = |f: fn(&mut Snapshot)| {
        let mut s = healthy(AMPLE);
        f(&mut s);
        s
    };
    let presented = |codes: &[&str], settled: i64| {
        debit(100).with_presentment(Presentment::new(
            settled,
            codes.iter().map(|c| c.parse::<ReturnCode>().unwrap()),
        ))
    };
    let d = debit(100);
    let live = Policy {
        livemode: Some(true),
        ..Policy::default()
    };
    let def = Policy::default();
    let cases: Vec<Case<'_>> = vec![
        ("unlinked", None, d, &lenient, Some(Rule::Unlinked)),
        (
            "unrecognized",
            Some(with(|s| s.status = Status::Unrecognized)),
            d,
            &def,
            Some(Rule::Unrecognized),
        ),
        (
            "livemode",
            Some(healthy(AMPLE)),
            d,
            &live,
            Some(Rule::Livemode),
        ),
        (
            "closed",
            Some(with(|s| s.closed = true)),
            d,
            &def,
            Some(Rule::Closed),
        ),
        (
            "not_debitable",
            Some(with(|s| s.ach_supported = Some(false))),
            d,
            &def,
            Some(Rule::NotDebitable),
        ),
        (
            "numbers_deactivated",
            Some(with(|s| {
                s.account_numbers = AccountNumbers::NoneTransactable
            })),
            d,
            &def,
            Some(Rule::NumbersDeactivated),
        ),
        (
            "credit",
            Some(with(|s| s.category = Some(Category::Credit))),
            d,
            &def,
            Some(Rule::Credit),
        ),
        (
            "category",
            Some(with(|s| s.category = Some(Category::Other))),
            d,
            &lenient,
            Some(Rule::Category),
        ),
        (
            "not_retryable",
            Some(healthy(AMPLE)),
            presented(&["R02"], NOW),
            &def,
            Some(Rule::NotRetryable),
        ),
        (
            "retry_limit",
            Some(healthy(AMPLE)),
            presented(&["R01", "R01", "R01"], NOW),
            &def,
            Some(Rule::RetryLimit),
        ),
        (
            "retry_window",
            Some(healthy(AMPLE)),
            presented(&["R01"], NOW - 200 * 86_400),
            &def,
            Some(Rule::RetryWindow),
        ),
        (
            "missing_link_down",
            Some(missing(Status::Disconnected, None)),
            d,
            &lenient,
            Some(Rule::MissingLinkDown),
        ),
        (
            "missing_not_permitted",
            Some(Snapshot {
                balances_permitted: Some(false),
                ..missing(Status::Active, None)
            }),
            d,
            &def,
            Some(Rule::MissingNotPermitted),
        ),
        (
            "missing_never_refreshed",
            Some(missing(Status::Active, None)),
            d,
            &def,
            Some(Rule::MissingNeverRefreshed),
        ),
        (
            "missing_pending",
            Some(missing(
                Status::Active,
                Some(refresh(RefreshStatus::Pending, None)),
            )),
            d,
            &def,
            Some(Rule::MissingPending),
        ),
        (
            "missing_failed_can_start",
            Some(missing(
                Status::Active,
                Some(refresh(RefreshStatus::Failed, Some(NOW))),
            )),
            d,
            &def,
            Some(Rule::MissingFailedCanStart),
        ),
        (
            "missing_failed_later",
            Some(missing(
                Status::Active,
                Some(refresh(RefreshStatus::Failed, Some(NOW + 9))),
            )),
            debit(10_000),
            &lenient,
            Some(Rule::MissingFailedLater),
        ),
        (
            "missing_not_shared",
            Some(missing(
                Status::Active,
                Some(refresh(RefreshStatus::Succeeded, None)),
            )),
            d,
            &lenient,
            Some(Rule::MissingNotShared),
        ),
        (
            "no_currency",
            Some(snapshot(
                Status::Active,
                Some(cash(AS_OF, None, None)),
                None,
            )),
            d,
            &lenient,
            Some(Rule::NoCurrency),
        ),
        (
            "future",
            Some(snapshot(
                Status::Active,
                Some(cash(NOW + 9_000, Some(9_000), None)),
                None,
            )),
            d,
            &def,
            Some(Rule::Future),
        ),
        (
            "stale_link_down",
            Some(snapshot(
                Status::Inactive,
                Some(cash(NOW - 90_000, Some(9_000), None)),
                None,
            )),
            d,
            &def,
            Some(Rule::StaleLinkDown),
        ),
        (
            "stale_not_permitted",
            Some(Snapshot {
                balances_permitted: Some(false),
                ..stale(None)
            }),
            d,
            &def,
            Some(Rule::StaleNotPermitted),
        ),
        (
            "stale_pending",
            Some(stale(Some(refresh(RefreshStatus::Pending, None)))),
            d,
            &def,
            Some(Rule::StalePending),
        ),
        (
            "stale_can_start",
            Some(stale(None)),
            d,
            &def,
            Some(Rule::StaleCanStart),
        ),
        (
            "stale_later",
            Some(stale(Some(refresh(RefreshStatus::Failed, Some(NOW + 60))))),
            d,
            &def,
            Some(Rule::StaleLater),
        ),
        (
            "sufficient, current, warnings, retry",
            Some(snapshot(
                Status::Inactive,
                Some(cash(AS_OF, None, Some(9_000))),
                Some(refresh(RefreshStatus::Failed, Some(NOW + 5))),
            )),
            presented(&["R01"], NOW),
            &lenient,
            Some(Rule::Sufficient),
        ),
        (
            "insufficient",
            Some(healthy(6_000)),
            debit(20_000),
            &def,
            Some(Rule::Insufficient),
        ),
        (
            "overflow error",
            Some(healthy(6_000)),
            Debit::new(i64::MAX, usd(), 1).unwrap(),
            &def,
            None,
        ),
    ];
    let reached: std::collections::BTreeSet<&str> =
        cases.iter().filter_map(|c| c.4).map(Rule::as_str).collect();
    assert_eq!(reached.len(), Rule::ALL.len(), "every row has a case");
    for (name, s, debit, policy, rule) in cases {
        assert_eq!(
            assert_no_allocation(name, s.as_ref(), &debit, policy),
            rule,
            "{name}"
        );
    }
}

const AMPLE: i64 = 1_000_000;

/// A name, the account (`None`: unlinked), the debit, the policy and the row
/// expected (`None`: the overflow error).
type Case<'a> = (&'a str, Option<Snapshot>, Debit, &'a Policy, Option<Rule>);

#[test]
fn the_counter_does_count() {
    // Guards the test above against a counter that never counts.
    let info = allocation_counter::measure(|| {
        std::hint::black_box(vec![1_u8; 64]);
    });
    assert_eq!(info.count_total, 1);
    let v = run(&healthy(1), 1, &Policy::default());
    assert_eq!(
        (v.decision, v.warnings.contains(Code::FundsNotVerified)),
        (Decision::Allow, false)
    );
}

#[test]
fn reading_a_plain_one_currency_account_allocates_nothing() {
    // The fast path and the inline currency maps: the shipped documents,
    // pretty-printed and with many fields the gate ignores, read without a
    // single heap allocation.
    for doc in [
        include_bytes!("../examples/accounts/active_cash.json").as_slice(),
        include_bytes!("../examples/accounts/full_fields.json").as_slice(),
        include_bytes!("../examples/accounts/current_only.json").as_slice(),
    ] {
        let mut parsed = None;
        let info =
            allocation_counter::measure(|| parsed = Some(fundsgate::stripe::parse_account(doc)));
        assert!(parsed.unwrap().is_ok());
        assert_eq!(
            info.count_total, 0,
            "reading allocated {} times",
            info.count_total
        );
    }
}
