//! One batch line → one answer line. Checks: no panic; exactly one JSON
//! object line with `id` and either a verdict or `error`; the fast path and
//! serde_json answer byte for byte alike.
#![no_main]

use fundsgate::Policy;
use fundsgate::Batch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let batch = Batch::new(Policy::default(), chrono::DateTime::from_timestamp(1_651_516_600, 0).unwrap());
    let mut fast = Vec::new();
    batch.answer(data, &mut fast);
    let mut reference = Vec::new();
    fundsgate::__private::answer_reference(&batch, data, &mut reference);
    assert_eq!(fast, reference, "fast path and serde_json disagree");

    let line = fast.strip_suffix(b"\n").expect("ends with a newline");
    assert!(!line.contains(&b'\n'), "one line only");
    let value: serde_json::Value = serde_json::from_slice(line).expect("the answer is JSON");
    let object = value.as_object().expect("an object");
    assert!(object.contains_key("id"));
    assert!(object.contains_key("decision") != object.contains_key("error"));
});
