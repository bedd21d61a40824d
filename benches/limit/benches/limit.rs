//! fundsgate's batch answer against the limit (issue 22): on the same lines,
//!
//! - `fundsgate`: [`Batch::answer`] of each line (read, decide, write the
//!   verdict with its audit record), one thread;
//! - `typed_serde`: the same with serde_json reading the same typed structs
//!   (the honest alternative);
//! - `parse_only_sonic_rs`: sonic-rs (SIMD) parsing each line into its
//!   document tree, and nothing else;
//! - `write_only`: copying each line's answer, already made, into the output
//!   buffer, and nothing else.
//!
//! fundsgate's time over (`parse_only_sonic_rs` + `write_only`) is the
//! multiple of the limit that `benches/before_after.sh` reports. The lines
//! are `mixed_request_line`'s: Stripe accounts and events, non-ASCII text,
//! Plaid, Plaid Signal and refused lines. Two more groups compare kinds of
//! line: `text` (non-ASCII text in an ignored field beside its ASCII twin)
//! and `refusal` (refused lines beside the accepted lines they were made
//! from).
#![allow(
    clippy::expect_used,
    missing_docs,
    reason = "benchmark code: a failure aborts the run"
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fundsgate::{Batch, Policy, from_unix};

#[path = "../../support/requests.rs"]
mod requests;

const NOW: i64 = 1_651_516_600;
const LINES: u64 = 50_000;

fn lines(make: fn(u64) -> String) -> Vec<String> {
    (0..LINES).map(make).collect()
}

fn batch() -> Batch {
    Batch::new(Policy::default(), from_unix(NOW).expect("time"))
}

/// Answers every line into one reused buffer, as `fundsgate batch` does.
fn answer_all(batch: &Batch, lines: &[String], out: &mut Vec<u8>) {
    for line in lines {
        out.clear();
        black_box(batch.answer(line.as_bytes(), out));
    }
}

fn bench_limit(c: &mut Criterion) {
    let lines = lines(requests::mixed_request_line);
    let batch = batch();
    let answers: Vec<Vec<u8>> = lines
        .iter()
        .map(|line| {
            let mut out = Vec::new();
            batch.answer(line.as_bytes(), &mut out);
            out
        })
        .collect();
    let mut group = c.benchmark_group("limit");
    group.sample_size(10);
    group.throughput(Throughput::Elements(LINES));
    group.bench_function("fundsgate", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| answer_all(&batch, &lines, &mut out));
    });
    group.bench_function("typed_serde", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            for line in &lines {
                out.clear();
                black_box(fundsgate::__private::answer_reference(
                    &batch,
                    line.as_bytes(),
                    &mut out,
                ));
            }
        });
    });
    group.bench_function("parse_only_sonic_rs", |b| {
        b.iter(|| {
            for line in &lines {
                // A refused line may fail to parse: the attempt is the cost.
                let _ = black_box(sonic_rs::from_slice::<sonic_rs::Value>(line.as_bytes()));
            }
        });
    });
    group.bench_function("parse_only_serde_json_value", |b| {
        b.iter(|| {
            for line in &lines {
                let _ = black_box(serde_json::from_slice::<serde_json::Value>(line.as_bytes()));
            }
        });
    });
    group.bench_function("write_only", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            for answer in &answers {
                out.clear();
                out.extend_from_slice(black_box(answer));
                out.push(b'\n');
                black_box(&out);
            }
        });
    });
    group.finish();
}

fn bench_kinds(c: &mut Criterion) {
    let batch = batch();
    for (group_name, kinds) in [
        (
            "text",
            [
                (
                    "ascii",
                    requests::ascii_twin_request_line as fn(u64) -> String,
                ),
                ("non_ascii", requests::non_ascii_request_line),
            ],
        ),
        (
            "refusal",
            [
                ("accepted", requests::request_line as fn(u64) -> String),
                ("refused", requests::refused_request_line),
            ],
        ),
    ] {
        let mut group = c.benchmark_group(group_name);
        group.sample_size(10);
        group.throughput(Throughput::Elements(LINES));
        for (name, make) in kinds {
            let lines = lines(make);
            group.bench_function(name, |b| {
                let mut out = Vec::with_capacity(4096);
                b.iter(|| answer_all(&batch, &lines, &mut out));
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_limit, bench_kinds);
criterion_main!(benches);
