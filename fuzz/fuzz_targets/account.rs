//! Account document bytes → parse → decide. Checks: no panic; the fast path
//! and serde_json agree exactly; every verdict keeps the engine's promises.
#![no_main]

use fundsgate::{Code, Currency, Debit, Decision, Policy, Status, decide, stripe};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = stripe::parse_account(data);
    let reference = fundsgate::__private::parse_account_reference(data);
    assert_eq!(parsed, reference, "fast path and serde_json disagree");
    let Ok(snapshot) = parsed else { return };

    let usd = Currency::new("usd").unwrap();
    let now = chrono::DateTime::from_timestamp(1_651_516_600, 0).unwrap();
    let policies = [
        Policy::default(),
        Policy::from_json(br#"{"buffer_ratio": "0.05", "current_extra_ratio": "0.1", "unverified_allowance": {"usd": 5000}}"#).unwrap(),
    ];
    for policy in &policies {
        for (amount, in_flight) in [(1, 0), (5_000, 0), (6_000, 250), (i64::MAX, 0), (i64::MAX, i64::MAX)] {
            let debit = Debit::new(amount, usd, in_flight).unwrap();
            let Ok(v) = decide(&snapshot, &debit, policy, now) else { continue };
            assert_eq!(v, decide(&snapshot, &debit, policy, now).unwrap(), "not deterministic");
            assert_eq!(v.to_json(), serde_json::to_string(&v).unwrap(), "writer differs from serde");
            assert_eq!(v.reasons.is_empty(), v.decision == Decision::Allow);
            if v.decision == Decision::Allow && !v.warnings.contains(Code::FundsNotVerified) {
                assert!(matches!(snapshot.status, Status::Active | Status::Inactive));
                assert!(v.balance.unwrap() >= v.required);
            }
            if snapshot.status == Status::Disconnected {
                assert_eq!(v.decision, Decision::Deny);
            }
        }
    }
});
