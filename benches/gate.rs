//! Criterion benchmarks. Run with `cargo bench --bench gate`.
//!
//! * `decide`: the engine on already-built snapshots, one case per row of the
//!   decision table; and `max_allowed` as `decide` computes it (constant time)
//!   beside the 64-step search over `decide` it replaces.
//! * `parse_and_decide`: raw Stripe bytes to a verdict through the fast reader
//!   (`fundsgate`), beside the honest alternative: serde_json into the same
//!   typed structs, then the same `decide` (`typed_serde`); and, for scale,
//!   merely parsing the bytes into a `serde_json::Value`.
//! * `batch_throughput`: 200,000 varied ~570-byte request lines (one in ten a
//!   `refreshed_balance` event, one in eight with a null in a map) through
//!   `Batch::answer`, the function `fundsgate batch` calls per line, beside the
//!   same answers read by typed serde only, and beside parsing each line into a
//!   `serde_json::Value`. `benches/batch_cli.sh` measures the command itself
//!   (and its memory on a 1 GB input).
//! * `hostile`: a 457 KB account whose `current` and `cash.available` hold all
//!   17,576 three-letter codes in descending order, beside a benign account
//!   of the same size (one currency, the same bytes in an ignored field).
//! * `arrow` (with `--features arrow`): 1,000,000 rows of typed snapshot
//!   columns through `arrow::decide_batch`, without and with the explanation
//!   column; and the 200,000 batch lines' accounts as a JSON column, beside
//!   `Batch::answer` on the same lines.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "benchmark setup: a failure aborts the run; criterion's macros generate undocumented items"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use fundsgate::Batch;
use fundsgate::from_unix;
use fundsgate::{Currency, Debit, Policy, decide, decide_unlinked, stripe};

#[path = "support/requests.rs"]
mod requests;
#[path = "support/rows.rs"]
mod rows;

const DOCS_EXAMPLE: &[u8] = include_bytes!("../examples/accounts/active_cash.json");
const FULL_FIELDS: &[u8] = include_bytes!("../examples/accounts/full_fields.json");
const NOW: i64 = 1_651_516_600;

fn usd_debit(amount: i64) -> Debit {
    Debit::new(amount, Currency::new("usd").expect("usd"), 0).expect("valid debit")
}

fn bench_decide(c: &mut Criterion) {
    let now = from_unix(NOW).expect("time");
    let mut group = c.benchmark_group("decide");
    // One case per row of the table, in table order (`support/rows.rs`).
    for case in rows::cases() {
        group.bench_function(case.rule.as_str(), |b| match &case.snapshot {
            Some(s) => b.iter(|| {
                decide(
                    black_box(s),
                    black_box(&case.debit),
                    black_box(&case.policy),
                    black_box(now),
                )
            }),
            None => b.iter(|| {
                decide_unlinked(
                    black_box(&case.debit),
                    black_box(&case.policy),
                    black_box(now),
                )
            }),
        });
    }
    // `max_allowed`: `decide` computes it in constant time on the two
    // comparing rows; the 64-step binary search over `decide` that it
    // replaces, for comparison, on the same input.
    let sufficient = rows::cases()
        .into_iter()
        .find(|c| c.rule == fundsgate::Rule::Sufficient)
        .expect("a sufficient case");
    let s = sufficient.snapshot.as_ref().expect("an account");
    group.bench_function("max_allowed_constant_time_in_decide", |b| {
        b.iter(|| {
            decide(
                black_box(s),
                black_box(&sufficient.debit),
                black_box(&sufficient.policy),
                now,
            )
            .map(|v| v.max_allowed)
        })
    });
    group.bench_function("max_allowed_64_step_search", |b| {
        b.iter(|| {
            fundsgate::__private::max_allowed_by_search(
                black_box(s),
                black_box(&sufficient.debit),
                black_box(&sufficient.policy),
                now,
            )
        })
    });
    // Prior debits (SPEC §5b): the sufficient row with 100 of them (half
    // settled before the balance, a week of them), with no velocity limit and
    // with two (an hour's count, a week's amount), side by side with none.
    let healthy = rows::cases()
        .into_iter()
        .find(|c| c.rule == fundsgate::Rule::Insufficient)
        .and_then(|c| c.snapshot)
        .expect("a healthy account");
    let plain = usd_debit(5_000);
    let hundred: Vec<(i64, i64)> = (0..100_i64)
        .map(|i| {
            (
                i.saturating_add(100),
                NOW.saturating_sub(i.saturating_mul(6_000)),
            )
        })
        .collect();
    let with_prior = rows::with_prior(usd_debit(5_000), &hundred);
    let limits = rows::velocity(3_600, Some(1_000), None)
        .to_builder()
        .velocity(
            fundsgate::Velocity::new([
                fundsgate::VelocityLimit::new(3_600, Some(1_000), fundsgate::CurrencyMap::new())
                    .expect("limit"),
                fundsgate::VelocityLimit::new(
                    604_800,
                    None,
                    fundsgate::CurrencyMap::single(Currency::new("usd").expect("usd"), 10_000_000),
                )
                .expect("limit"),
            ])
            .expect("limits"),
        )
        .build();
    let over = rows::velocity(604_800, Some(50), None);
    for (name, debit, policy) in [
        ("prior_0", &plain, &Policy::default()),
        ("prior_100", &with_prior, &Policy::default()),
        ("prior_0_velocity_2", &plain, &limits),
        ("prior_100_velocity_2", &with_prior, &limits),
        ("prior_100_velocity_count_not_before", &with_prior, &over),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                decide(
                    black_box(&healthy),
                    black_box(debit),
                    black_box(policy),
                    now,
                )
            })
        });
    }
    group.finish();
}

fn bench_parse_and_decide(c: &mut Criterion) {
    let now = from_unix(NOW).expect("time");
    let policy = Policy::default();
    let debit = usd_debit(5_000);
    let mut group = c.benchmark_group("parse_and_decide");
    for (name, bytes) in [
        ("docs_example", DOCS_EXAMPLE),
        ("full_fields_3kb", FULL_FIELDS),
    ] {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("fundsgate", name), bytes, |b, bytes| {
            b.iter(|| {
                let s = stripe::parse_account(black_box(bytes)).expect("parses");
                decide(&s, &debit, &policy, now)
            })
        });
        group.bench_with_input(
            BenchmarkId::new("serde_json_value", name),
            bytes,
            |b, bytes| {
                b.iter(|| {
                    serde_json::from_slice::<serde_json::Value>(black_box(bytes)).expect("parses")
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("typed_serde", name), bytes, |b, bytes| {
            b.iter(|| {
                let s = fundsgate::__private::parse_account_reference(black_box(bytes))
                    .expect("parses");
                decide(&s, &debit, &policy, now)
            })
        });
    }
    group.finish();
}

/// Every three-letter code, `zzz` first, each with an amount.
fn every_currency_descending() -> String {
    let mut entries = Vec::with_capacity(17_576);
    for a in (b'a'..=b'z').rev() {
        for b in (b'a'..=b'z').rev() {
            for c in (b'a'..=b'z').rev() {
                let code = [a, b, c].map(char::from).iter().collect::<String>();
                entries.push(format!(r#""{code}": 123456"#));
            }
        }
    }
    format!("{{{}}}", entries.join(", "))
}

fn bench_hostile(c: &mut Criterion) {
    let now = from_unix(NOW).expect("time");
    let policy = Policy::default();
    let debit = usd_debit(5_000);
    let map = every_currency_descending();
    let hostile = format!(
        r#"{{"object": "financial_connections.account", "status": "active",
  "balance": {{"as_of": 1651516592, "type": "cash", "current": {map}, "cash": {{"available": {map}}}}}}}"#
    );
    // The same bytes, moved to a field the gate ignores: the maps the gate
    // reads hold one currency.
    let benign = format!(
        r#"{{"object": "financial_connections.account", "status": "active",
  "balance": {{"as_of": 1651516592, "type": "cash", "current": {{"usd": 6000}}, "cash": {{"available": {{"usd": 6000}}}},
  "padding": [{map}, {map}]}}}}"#
    );
    let mut group = c.benchmark_group("hostile");
    group.sample_size(20);
    for (name, doc) in [
        ("every_currency_descending", &hostile),
        ("benign_same_size", &benign),
    ] {
        let bytes = doc.as_bytes();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("fundsgate", name), bytes, |b, bytes| {
            b.iter(|| {
                let s = stripe::parse_account(black_box(bytes)).expect("parses");
                decide(&s, &debit, &policy, now)
            })
        });
        group.bench_with_input(BenchmarkId::new("typed_serde", name), bytes, |b, bytes| {
            b.iter(|| {
                let s = fundsgate::__private::parse_account_reference(black_box(bytes))
                    .expect("parses");
                decide(&s, &debit, &policy, now)
            })
        });
    }
    group.finish();
}

fn bench_batch(c: &mut Criterion) {
    const LINES: u64 = 200_000;
    let lines: Vec<String> = (0..LINES).map(requests::request_line).collect();
    let batch = Batch::new(Policy::default(), from_unix(NOW).expect("time"));
    let mut group = c.benchmark_group("batch_throughput");
    group.sample_size(10);
    group.throughput(Throughput::Elements(LINES));
    group.bench_function("fundsgate_answer", |b| {
        let mut out = Vec::with_capacity(1024);
        b.iter(|| {
            for line in &lines {
                out.clear();
                black_box(batch.answer(line.as_bytes(), &mut out));
            }
        })
    });
    // The honest alternative: serde_json into the same typed structs.
    group.bench_function("typed_serde", |b| {
        let mut out = Vec::with_capacity(1024);
        b.iter(|| {
            for line in &lines {
                out.clear();
                black_box(fundsgate::__private::answer_reference(
                    &batch,
                    line.as_bytes(),
                    &mut out,
                ));
            }
        })
    });
    // Plaid lines: read by serde (the fast reader is Stripe's), ~1,100 bytes.
    let plaid: Vec<String> = (0..LINES).map(requests::plaid_request_line).collect();
    group.bench_function("fundsgate_answer_plaid", |b| {
        let mut out = Vec::with_capacity(1024);
        b.iter(|| {
            for line in &plaid {
                out.clear();
                black_box(batch.answer(line.as_bytes(), &mut out));
            }
        })
    });
    // For scale: merely parsing each line into a `serde_json::Value`.
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(serde_json::from_str::<serde_json::Value>(line).expect("parses"));
            }
        })
    });
    group.finish();
}

#[cfg(feature = "arrow")]
#[expect(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_wrap,
    clippy::indexing_slicing,
    reason = "benchmark setup: the generator's arithmetic is on small numbers; a missing key aborts the run"
)]
fn bench_arrow(c: &mut Criterion) {
    use std::sync::Arc;

    use fundsgate::arrow::arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use fundsgate::arrow::{Options, decide_batch};

    const ROWS: usize = 1_000_000;
    // Varied rows: a few statuses, balance ages either side of a day, one in
    // ten without `available`, one in twenty without a balance, refresh states.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |m: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % m
    };
    let (mut status, mut as_of, mut available, mut current) = (vec![], vec![], vec![], vec![]);
    let (mut refresh, mut amount) = (vec![], vec![]);
    for _ in 0..ROWS {
        status.push(match next(20) {
            0 => "inactive",
            1 => "disconnected",
            _ => "active",
        });
        let balance = next(20) != 0;
        let a = next(2_000_000) as i64 - 50_000;
        as_of.push(balance.then(|| NOW - 8 - next(120_000) as i64));
        available.push((balance && next(10) != 0).then_some(a));
        current.push(balance.then(|| a + next(100_000) as i64));
        refresh.push(match next(6) {
            0 => Some("pending"),
            1 => Some("failed"),
            _ => Some("succeeded"),
        });
        amount.push(100 + next(500_000) as i64);
    }
    let typed = RecordBatch::try_from_iter([
        ("status", Arc::new(StringArray::from(status)) as ArrayRef),
        (
            "category",
            Arc::new(StringArray::from(vec!["cash"; ROWS])) as ArrayRef,
        ),
        ("as_of", Arc::new(Int64Array::from(as_of)) as ArrayRef),
        (
            "available",
            Arc::new(Int64Array::from(available)) as ArrayRef,
        ),
        ("current", Arc::new(Int64Array::from(current)) as ArrayRef),
        (
            "refresh_status",
            Arc::new(StringArray::from(refresh)) as ArrayRef,
        ),
        ("amount", Arc::new(Int64Array::from(amount)) as ArrayRef),
        (
            "currency",
            Arc::new(StringArray::from(vec!["usd"; ROWS])) as ArrayRef,
        ),
    ])
    .expect("batch");
    let policy = Policy::default();
    let now = from_unix(NOW).expect("time");
    let mut group = c.benchmark_group("arrow");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("typed_columns", |b| {
        b.iter(|| {
            decide_batch(black_box(&typed), &policy, now, &Options::default()).expect("decides")
        })
    });
    group.bench_function("typed_columns_with_explanation", |b| {
        b.iter(|| {
            decide_batch(
                black_box(&typed),
                &policy,
                now,
                &Options::default().with_explanation(),
            )
            .expect("decides")
        })
    });

    // The batch benchmark's lines: their accounts as a JSON column.
    const LINES: u64 = 200_000;
    let lines: Vec<String> = (0..LINES).map(requests::request_line).collect();
    let mut accounts = Vec::new();
    let (mut amounts, mut currencies, mut in_flight) = (vec![], vec![], vec![]);
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        accounts.push(v["account"].to_string());
        amounts.push(v["amount"].as_i64().expect("amount"));
        currencies.push(v["currency"].as_str().expect("currency").to_owned());
        in_flight.push(v["in_flight"].as_i64().unwrap_or(0));
    }
    let json = RecordBatch::try_from_iter([
        ("account", Arc::new(StringArray::from(accounts)) as ArrayRef),
        ("amount", Arc::new(Int64Array::from(amounts)) as ArrayRef),
        (
            "currency",
            Arc::new(StringArray::from(currencies)) as ArrayRef,
        ),
        (
            "in_flight",
            Arc::new(Int64Array::from(in_flight)) as ArrayRef,
        ),
    ])
    .expect("batch");
    group.throughput(Throughput::Elements(LINES));
    group.bench_function("json_column", |b| {
        b.iter(|| {
            decide_batch(black_box(&json), &policy, now, &Options::default()).expect("decides")
        })
    });
    let batch = Batch::new(Policy::default(), now);
    group.bench_function("batch_answer_same_lines", |b| {
        let mut out = Vec::with_capacity(1024);
        b.iter(|| {
            for line in &lines {
                out.clear();
                black_box(batch.answer(line.as_bytes(), &mut out));
            }
        })
    });
    group.finish();
}

#[cfg(not(feature = "arrow"))]
fn bench_arrow(_: &mut Criterion) {}

criterion_group!(
    benches,
    bench_decide,
    bench_parse_and_decide,
    bench_batch,
    bench_hostile,
    bench_arrow
);
criterion_main!(benches);
