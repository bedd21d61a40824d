//! The verdict vocabulary: wire names, code sets and their order.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use fundsgate::{Basis, Code, Codes, Decision, RefreshAction, Rule};
use serde::Serialize;

fn wire<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn every_name_agrees_with_serde() {
    for code in Code::ALL {
        assert_eq!(code.as_str(), wire(code));
        assert_eq!(code.to_string(), code.as_str());
        assert_eq!(
            serde_json::from_value::<Code>(code.as_str().into()).unwrap(),
            code
        );
    }
    for d in [Decision::Allow, Decision::Deny, Decision::RefreshNeeded] {
        assert_eq!(d.as_str(), wire(d));
    }
    for b in [Basis::Available, Basis::Current] {
        assert_eq!(b.as_str(), wire(b));
    }
    for a in [
        RefreshAction::Initiate,
        RefreshAction::Wait,
        RefreshAction::RetryAfter,
    ] {
        assert_eq!(a.as_str(), wire(a));
    }
    let rules = [
        Rule::R1,
        Rule::R2,
        Rule::R3,
        Rule::R4a,
        Rule::R4b,
        Rule::R4c,
        Rule::R4d,
        Rule::R4e,
        Rule::R4f,
        Rule::R5,
        Rule::R6,
        Rule::R7a,
        Rule::R7b,
        Rule::R7c,
        Rule::R7d,
        Rule::R8,
        Rule::R9,
    ];
    let labels: Vec<&str> = rules.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        labels,
        [
            "1", "2", "3", "4a", "4b", "4c", "4d", "4e", "4f", "5", "6", "7a", "7b", "7c", "7d",
            "8", "9"
        ]
    );
    for r in rules {
        assert_eq!(r.as_str(), wire(r));
    }
}

#[test]
fn the_spec_vocabulary_is_exactly_the_codes() {
    let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    names.sort_unstable();
    let mut spec = vec![
        "insufficient_funds",
        "account_disconnected",
        "account_inactive",
        "credit_account",
        "balance_missing",
        "refresh_not_requested",
        "refresh_pending",
        "refresh_failed",
        "balance_stale",
        "balance_from_future",
        "currency_not_in_balance",
        "unrecognized_value",
        "used_current_balance",
        "funds_not_verified",
    ];
    spec.sort_unstable();
    assert_eq!(names, spec);
}

#[test]
fn code_sets() {
    assert!(Codes::EMPTY.is_empty());
    assert_eq!(Codes::EMPTY.len(), 0);
    let all: Codes = Code::ALL.into_iter().collect();
    assert_eq!(all.len(), Code::ALL.len());
    assert_eq!(all.iter().collect::<Vec<_>>(), Code::ALL);
    let some = Codes::of(&[Code::RefreshFailed, Code::BalanceMissing]);
    assert_eq!((some.len(), some.is_empty()), (2, false));
    assert!(some.contains(Code::BalanceMissing) && !some.contains(Code::BalanceStale));
    assert_eq!(
        some.union(Codes::EMPTY.with(Code::FundsNotVerified)).len(),
        3
    );
    assert_eq!(some.with(Code::BalanceMissing), some);
    assert_eq!(some.union(some), some);
    assert_eq!(format!("{some:?}"), "{BalanceMissing, RefreshFailed}");
    assert_eq!(
        serde_json::to_string(&some).unwrap(),
        r#"["balance_missing","refresh_failed"]"#
    );
    assert_eq!(
        serde_json::from_str::<Codes>(r#"["refresh_failed","balance_missing"]"#).unwrap(),
        some
    );
    let not_a_list = serde_json::from_str::<Codes>("5").unwrap_err();
    assert!(
        not_a_list
            .to_string()
            .contains("expected an array of reason codes"),
        "{not_a_list}"
    );
    let twice =
        serde_json::from_str::<Codes>(r#"["refresh_failed","refresh_failed"]"#).unwrap_err();
    assert!(twice.to_string().contains("appears twice"), "{twice}");
}
