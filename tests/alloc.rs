//! `decide` allocates nothing, on every path: a counting global allocator
//! (allocation-counter) watches each call. The count is deterministic, so this
//! is a test, not a benchmark.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

#[path = "it/common/mod.rs"]
mod common;

use common::*;
use fundsgate::{Code, Debit, Decision, Policy, Rule, Snapshot, decide, decide_unlinked};

#[path = "../benches/support/rows.rs"]
mod rows;

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

/// One case per row of the table (`benches/support/rows.rs`, shared with the
/// `decide` benchmark), each checked to reach its row, and the overflow error:
/// no path is left unwatched.
#[test]
fn decide_allocates_nothing_on_any_path() {
    let cases = rows::cases();
    let reached: Vec<Rule> = cases.iter().map(|c| c.rule).collect();
    assert_eq!(reached, Rule::ALL, "one case per row, in table order");
    for case in &cases {
        let name = case.rule.as_str();
        let rule = assert_no_allocation(name, case.snapshot.as_ref(), &case.debit, &case.policy);
        assert_eq!(rule, Some(case.rule), "{name}");
    }
    let overflow = Debit::new(i64::MAX, usd(), 1).unwrap();
    assert_eq!(
        assert_no_allocation(
            "overflow",
            Some(&healthy(6_000)),
            &overflow,
            &Policy::default()
        ),
        None
    );
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

/// Rejecting a document costs memory in proportion to it at most (SPEC v3
/// §2): the "is this some other Stripe object?" probe on the error path
/// skips what it does not read instead of building a tree of the whole
/// document (which took 16 bytes of memory per byte of input).
#[test]
fn rejecting_a_large_document_builds_no_tree_of_it() {
    let items = vec![r#"{"k": [1, 2, "x"], "n": {"a": null}}"#; 30_000].join(",");
    for doc in [
        format!(
            r#"{{"object": "customer", "id": "cus_1", "balance": -500, "metadata": [{items}]}}"#
        ),
        format!(
            r#"{{"object": "event", "type": "customer.updated", "data": {{"object": {{"object": "customer", "x": [{items}]}}}}}}"#
        ),
        format!(r#"{{"object": "financial_connections.account", "status": 7, "x": [{items}]}}"#),
    ] {
        let mut rejected = false;
        let info = allocation_counter::measure(|| {
            rejected = fundsgate::stripe::parse_account(doc.as_bytes()).is_err();
        });
        assert!(rejected);
        assert!(
            info.bytes_max < doc.len() as u64,
            "peak {} bytes for a {}-byte document",
            info.bytes_max,
            doc.len()
        );
    }
}
