//! `decide` allocates nothing, on every path: a counting global allocator
//! (allocation-counter) watches each call. The count is deterministic, so this
//! is a test, not a benchmark.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use common::*;
use fundsgate::{Code, Decision, Policy, RefreshStatus, Rule, Status, decide};

#[track_caller]
fn assert_no_allocation(
    name: &str,
    s: &fundsgate::Snapshot,
    amount: i64,
    in_flight: i64,
    policy: &Policy,
) -> Rule {
    let debit = fundsgate::Debit::new(amount, usd(), in_flight).unwrap();
    let now = at(NOW);
    let mut result = None;
    let info = allocation_counter::measure(|| {
        result = Some(decide(s, &debit, policy, now));
    });
    assert_eq!(
        info.count_total, 0,
        "{name}: decide allocated {} times",
        info.count_total
    );
    match result.unwrap() {
        Ok(v) => v.rule,
        Err(_) => Rule::R9, // the overflow path; its rule does not matter here
    }
}

#[test]
fn decide_allocates_nothing_on_any_path() {
    let lenient = Policy {
        buffer_ratio: "0.05".parse().unwrap(),
        current_extra_ratio: "0.125".parse().unwrap(),
        buffer_min: 50,
        ..allowance(5_000)
    };
    let stale = snapshot(
        Status::Active,
        Some(cash(NOW - 90_000, Some(9_000), None)),
        None,
    );
    let current_only = snapshot(
        Status::Inactive,
        Some(cash(AS_OF, None, Some(9_000))),
        Some(refresh(RefreshStatus::Failed, Some(NOW + 5))),
    );
    let pending = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Pending, None)),
    );
    let failed = snapshot(
        Status::Active,
        None,
        Some(refresh(RefreshStatus::Failed, Some(NOW + 9))),
    );
    let cases = [
        (
            "allow",
            healthy(6_000),
            5_000,
            0,
            Policy::default(),
            Rule::R8,
        ),
        (
            "deny",
            healthy(6_000),
            20_000,
            0,
            Policy::default(),
            Rule::R9,
        ),
        (
            "refresh_needed wait",
            pending,
            100,
            0,
            Policy::default(),
            Rule::R4c,
        ),
        (
            "refresh_needed initiate",
            stale.clone(),
            100,
            0,
            Policy::default(),
            Rule::R7c,
        ),
        (
            "deny retry_after",
            failed,
            10_000,
            0,
            lenient.clone(),
            Rule::R4e,
        ),
        (
            "allow with warnings",
            current_only,
            1_000,
            500,
            lenient.clone(),
            Rule::R8,
        ),
        (
            "softened",
            snapshot(Status::Active, Some(cash(AS_OF, None, None)), None),
            100,
            0,
            lenient,
            Rule::R5,
        ),
        (
            "disconnected",
            snapshot(Status::Disconnected, None, None),
            1,
            0,
            Policy::default(),
            Rule::R1,
        ),
        (
            "overflow error",
            healthy(6_000),
            i64::MAX,
            1,
            Policy::default(),
            Rule::R9,
        ),
    ];
    for (name, s, amount, in_flight, policy, rule) in cases {
        assert_eq!(
            assert_no_allocation(name, &s, amount, in_flight, &policy),
            rule,
            "{name}"
        );
    }
}

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
