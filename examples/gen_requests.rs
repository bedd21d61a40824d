//! Writes N varied batch request lines (about 500 bytes each) to stdout, for
//! measuring `fundsgate batch`:
//!
//! ```sh
//! cargo run --release --example gen_requests -- 200000 > /tmp/requests.jsonl
//! cargo run --release --example gen_requests -- 200000 plaid > /tmp/plaid.jsonl
//! cargo run --release --example gen_requests -- 200000 signal > /tmp/signal.jsonl
//! ```
//!
//! The second argument may also be `non_ascii` (Stripe lines with text in
//! Spanish in an ignored field), `ascii_twin` (the same in ASCII), `refused`
//! (Stripe lines with a type or a syntax error) or `mixed` (all kinds).

#![allow(
    clippy::unwrap_used,
    reason = "an example program: a failure aborts it"
)]

use std::io::{BufWriter, Write};

#[path = "../benches/support/requests.rs"]
mod requests;

fn main() -> std::io::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    // `plaid` / `signal` as the second argument: lines over Plaid
    // `/accounts/balance/get` / `/signal/evaluate` responses; the other
    // kinds: see the module docs.
    let line = match std::env::args().nth(2).as_deref() {
        Some("plaid") => requests::plaid_request_line,
        Some("signal") => requests::signal_request_line,
        Some("non_ascii") => requests::non_ascii_request_line,
        Some("ascii_twin") => requests::ascii_twin_request_line,
        Some("refused") => requests::refused_request_line,
        Some("mixed") => requests::mixed_request_line,
        _ => requests::request_line,
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    for i in 0..n {
        writeln!(out, "{}", line(i))?;
    }
    out.flush()
}
