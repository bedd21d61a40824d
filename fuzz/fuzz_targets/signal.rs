//! Plaid Signal `/signal/evaluate` bytes → parse → decide, seeded with Plaid's
//! own examples (`tests/fixtures/plaid/signal_*.json`). Checks: no panic; the
//! fast reader and serde_json agree exactly; a document read as Signal (a
//! ruleset result, no error) is one USD cash account named by the id given,
//! detected as Plaid; the neutral round trip keeps it; every verdict keeps the
//! engine's promises (`common.rs`: never an allow on a decline or an unknown
//! result, a review only under `provider_review: "decide"`).
#![no_main]

use fundsgate::{Category, Currency, Provider, ReadOptions, neutral, plaid, read_account};
use libfuzzer_sys::fuzz_target;

mod common;

const ID: &str = "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp";

fuzz_target!(|data: &[u8]| {
    let parsed = plaid::parse_response(data, Some(ID), Some(1_651_516_590));
    let reference =
        fundsgate::__private::parse_plaid_reference(data, Some(ID), Some(1_651_516_590));
    assert_eq!(parsed, reference, "fast reader and serde_json disagree");
    let Ok(snapshot) = parsed else { return };
    if snapshot.provider_result.is_some() {
        // Only a Signal response carries a ruleset's result.
        assert_eq!(snapshot.category, Some(Category::Cash));
        assert_eq!(snapshot.provider_error, None);
        assert_eq!(snapshot.account_id.as_ref().map(|id| id.as_str()), Some(ID));
        if let Some(balance) = &snapshot.balance {
            let usd = Currency::new("usd").unwrap();
            assert!(balance.current.iter().all(|(ccy, _)| ccy == usd));
        }
        assert_eq!(fundsgate::detect_provider(data), Provider::Plaid);
        let detected =
            read_account(data, &ReadOptions::new().account_id(ID).fetched_at(1_651_516_590));
        assert_eq!(detected.as_ref(), Ok(&snapshot), "detected Signal reads differently");
    }
    let text = neutral::to_json(&snapshot);
    let mut again = neutral::parse(text.as_bytes()).expect("a written snapshot reads back");
    again.provider = snapshot.provider;
    assert_eq!(again, snapshot, "neutral round trip");
    common::decide_and_check(&snapshot);
});
