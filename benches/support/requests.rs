//! Deterministic, varied batch request lines of about 500 bytes, shared by the
//! `batch_throughput` benchmark and `examples/gen_requests.rs` (which writes
//! them to a file for the command-line measurements).
#![allow(
    clippy::arithmetic_side_effects,
    reason = "the generator's arithmetic is on small numbers"
)]

/// The `i`-th request line (no trailing newline). Accounts vary in status,
/// balance age, available/current presence, refresh state, currency case and
/// amounts, so that every row family of the decision table is exercised.
pub fn request_line(i: u64) -> String {
    // A small LCG: the same `i` always gives the same line.
    let mut x = i
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = |m: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % m
    };
    let status = match next(20) {
        0 => "inactive",
        1 => "disconnected",
        _ => "active",
    };
    let as_of = 1_651_516_592 - next(120_000) as i64;
    let available = next(2_000_000) as i64 - 50_000;
    let current = available + next(100_000) as i64;
    let available = if next(10) == 0 {
        "null".to_owned()
    } else {
        format!("{{\"usd\":{available}}}")
    };
    let balance = if next(15) == 0 {
        "null".to_owned()
    } else {
        format!(
            "{{\"as_of\":{as_of},\"cash\":{{\"available\":{available}}},\"credit\":null,\"current\":{{\"usd\":{current}}},\"type\":\"cash\"}}"
        )
    };
    let refresh = match next(6) {
        0 => "{\"last_attempted_at\":1651516582,\"next_refresh_available_at\":null,\"status\":\"pending\"}".to_owned(),
        1 => format!(
            "{{\"last_attempted_at\":1651516582,\"next_refresh_available_at\":{},\"status\":\"failed\"}}",
            1_651_516_000 + next(1_200)
        ),
        _ => "{\"last_attempted_at\":1651516582,\"next_refresh_available_at\":1651520182,\"status\":\"succeeded\"}".to_owned(),
    };
    let currency = if next(4) == 0 { "USD" } else { "usd" };
    let amount = 100 + next(500_000);
    let in_flight = if next(3) == 0 { next(20_000) } else { 0 };
    format!(
        "{{\"id\":\"pi_{i:010}\",\"account\":{{\"id\":\"fca_{i:014}\",\"object\":\"financial_connections.account\",\
\"balance\":{balance},\
\"balance_refresh\":{refresh},\"category\":\"cash\",\
\"institution_name\":\"StripeBank\",\"last4\":\"{:04}\",\"livemode\":true,\"permissions\":[\"balances\",\"payment_method\"],\
\"status\":\"{status}\",\"subcategory\":\"checking\"}},\
\"amount\":{amount},\"currency\":\"{currency}\",\"in_flight\":{in_flight}}}",
        i % 10_000
    )
}
