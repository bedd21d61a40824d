//! Policy bytes → Policy. Checks: no panic; a policy that reads writes back
//! to the same policy.
#![no_main]

use fundsgate::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(policy) = Policy::from_json(data) {
        let again = Policy::from_json(policy.to_json_pretty().as_bytes()).expect("a written policy reads");
        assert_eq!(again, policy);
    }
});
