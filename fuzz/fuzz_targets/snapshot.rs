//! Neutral snapshot document bytes → parse → decide. Checks: no panic;
//! write → read gives the same snapshot and the same bytes again;
//! `read_account` detects the document; every verdict keeps the engine's
//! promises (`common.rs`).
#![no_main]

use fundsgate::{ReadOptions, neutral, read_account};
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(snapshot) = neutral::parse(data) else { return };
    let text = neutral::to_json(&snapshot);
    let again = neutral::parse(text.as_bytes()).expect("a written snapshot reads back");
    assert_eq!(again, snapshot, "neutral round trip");
    assert_eq!(neutral::to_json(&again), text, "the document is stable");
    assert_eq!(read_account(data, &ReadOptions::new()).as_ref(), Ok(&snapshot), "detection");
    common::decide_and_check(&snapshot);
});
