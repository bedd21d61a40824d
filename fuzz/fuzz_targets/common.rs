//! What every verdict must keep, whatever document it came from (SPEC v2):
//! determinism, the JSON writer equal to serde's, a verdict that reads back,
//! reasons empty iff allow, no verified allow without a covering basis on
//! `sufficient`, never an allow on a credit, closed or undebitable account,
//! `max_allowed` exact, `retry` only for a re-presentment.

use fundsgate::{
    AccountNumbers, Category, Code, Currency, Debit, Decision, Policy, Presentment,
    ProviderResult, ProviderReview, Rule, Snapshot, Verdict, decide,
};

pub fn check(snapshot: &Snapshot, debit: &Debit, policy: &Policy, v: &Verdict) {
    let now = chrono::DateTime::from_timestamp(1_651_516_600, 0).unwrap();
    assert_eq!(*v, decide(snapshot, debit, policy, now).unwrap(), "not deterministic");
    assert_eq!(v.to_json(), serde_json::to_string(v).unwrap(), "writer differs from serde");
    assert_eq!(serde_json::from_str::<Verdict>(&v.to_json()).unwrap(), *v, "round trip");
    assert_eq!(v.reasons.is_empty(), v.decision == Decision::Allow);
    if v.decision == Decision::Allow && !v.warnings.contains(Code::FundsNotVerified) {
        assert_eq!(v.rule, Rule::Sufficient);
        assert!(v.balance.unwrap() >= v.required);
    }
    if v.decision == Decision::Allow {
        // A provider's decline or an unknown result is never let through;
        // a review only under `provider_review: "decide"`, with its warning.
        assert!(!matches!(
            snapshot.provider_result,
            Some(ProviderResult::Decline | ProviderResult::Unrecognized)
        ));
        if snapshot.provider_result == Some(ProviderResult::Review) {
            assert_eq!(policy.provider_review(), ProviderReview::Decide);
            assert!(v.warnings.contains(Code::ProviderReview));
        }
        assert_ne!(snapshot.category, Some(Category::Credit));
        assert!(!snapshot.closed);
        assert_ne!(snapshot.ach_supported, Some(false));
        assert_ne!(snapshot.account_numbers, AccountNumbers::NoneTransactable);
    }
    if let Some(max) = v.max_allowed {
        let at = |amount: i64| {
            let d = Debit::new(amount, debit.currency(), debit.in_flight())
                .unwrap()
                .with_prior(debit.prior().clone());
            let d = match debit.presentment() {
                Some(p) => d.with_presentment(*p),
                None => d,
            };
            decide(snapshot, &d, policy, now).map(|v| v.decision)
        };
        if max > 0 {
            assert_eq!(at(max), Ok(Decision::Allow), "max_allowed {max} is allowed");
        }
        if max < i64::MAX {
            assert_ne!(at(max + 1), Ok(Decision::Allow), "max_allowed {max} + 1 is not");
        }
    }
    let returns = debit.presentment().map_or(0, |p| p.attempt());
    assert!(v.retry.is_none() || returns > 0);
}

/// Decides a few debits under a few policies and checks every verdict.
pub fn decide_and_check(snapshot: &Snapshot) {
    let usd = Currency::new("usd").unwrap();
    let now = chrono::DateTime::from_timestamp(1_651_516_600, 0).unwrap();
    let policies = [
        Policy::default(),
        Policy::from_json(br#"{"buffer_ratio": "0.05", "buffer_min": 30, "current_extra_ratio": "0.1",
            "unverified_allowance": {"usd": 5000}, "accept_categories": ["cash", "investment", "other"],
            "livemode": false, "max_reinitiations": 1, "provider_review": "decide"}"#).unwrap(),
    ];
    let presentment = Presentment::new(1_650_000_000, ["R01".parse().unwrap()]);
    for policy in &policies {
        for (amount, in_flight) in [(1, 0), (5_000, 0), (6_000, 250), (i64::MAX, 0), (i64::MAX, i64::MAX)] {
            let plain = Debit::new(amount, usd, in_flight).unwrap();
            for debit in [plain.clone(), plain.with_presentment(presentment)] {
                let Ok(v) = decide(&snapshot, &debit, policy, now) else { continue };
                check(&snapshot, &debit, policy, &v);
            }
        }
    }
}
