//! Plaid response bytes → parse → decide. Checks: no panic; the fast reader
//! and serde_json agree exactly; detection finds
//! Plaid whenever the Plaid reader accepts a document without `object`; the
//! snapshot survives the neutral document unchanged (but for `provider`);
//! every verdict keeps the engine's promises (`common.rs`).
#![no_main]

use fundsgate::{Provider, ReadOptions, neutral, plaid, read_account};
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let parsed = plaid::parse_response(data, None, Some(1_651_516_590));
    let reference = fundsgate::__private::parse_plaid_reference(data, None, Some(1_651_516_590));
    assert_eq!(parsed, reference, "fast reader and serde_json disagree");
    let Ok(snapshot) = parsed else { return };
    assert_eq!(snapshot.provider, Some(Provider::Plaid));
    let forced = read_account(data, &ReadOptions::new().provider(Provider::Plaid).fetched_at(1_651_516_590));
    assert_eq!(forced.as_ref(), Ok(&snapshot), "read_account(plaid) differs");
    if fundsgate::detect_provider(data) == Provider::Plaid {
        let detected = read_account(data, &ReadOptions::new().fetched_at(1_651_516_590));
        assert_eq!(detected.as_ref(), Ok(&snapshot), "detected Plaid reads differently");
    }
    let text = neutral::to_json(&snapshot);
    let mut again = neutral::parse(text.as_bytes()).expect("a written snapshot reads back");
    again.provider = snapshot.provider;
    assert_eq!(again, snapshot, "neutral round trip");
    common::decide_and_check(&snapshot);
});
