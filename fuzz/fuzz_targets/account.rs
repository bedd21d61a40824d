//! Account document bytes → parse → decide. Checks: no panic; the fast path
//! and serde_json agree exactly; every verdict keeps the engine's promises
//! (`common.rs`).
#![no_main]

use fundsgate::stripe;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let parsed = stripe::parse_account(data);
    let reference = fundsgate::__private::parse_account_reference(data);
    assert_eq!(parsed, reference, "fast path and serde_json disagree");
    let Ok(snapshot) = parsed else { return };
    common::decide_and_check(&snapshot);
});
