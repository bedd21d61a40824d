//! `fundsgate::arrow` (feature `arrow`): verdict columns equal `decide`'s
//! verdicts row for row, on typed snapshot columns (every decision-table row
//! they can express) and on account JSON columns (every shipped example and
//! the batch examples, against `Batch`); bad rows fill `error`, bad columns
//! are errors naming them.
#![cfg(feature = "arrow")]

use crate::rows;

use std::sync::Arc;

use fundsgate::arrow::arrow_array::cast::AsArray;
use fundsgate::arrow::arrow_array::types::{Int8Type, Int32Type, Int64Type};
use fundsgate::arrow::arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Int64Array, RecordBatch, StringArray,
};
use fundsgate::arrow::{Options, decide_batch, output_schema};
use fundsgate::{
    AccountNumbers, BalanceType, Batch, Category, Currency, Livemode, NextRefresh, Policy,
    ProviderResult, RefreshStatus, Run, Snapshot, Status, Verdict, decide, decide_unlinked,
    from_unix,
};

fn now() -> fundsgate::chrono::DateTime<fundsgate::chrono::Utc> {
    from_unix(rows::NOW).unwrap()
}

/// A verdict as the arrow columns carry it.
#[derive(Debug, PartialEq)]
struct Row {
    decision: Option<String>,
    reasons: Option<Vec<String>>,
    warnings: Option<Vec<String>>,
    basis: Option<String>,
    balance: Option<i64>,
    required: Option<i64>,
    max_allowed: Option<i64>,
    rule: Option<String>,
    refresh_action: Option<String>,
    refresh_not_before: Option<i64>,
    retry_attempt: Option<i32>,
    exposure_count: Option<i32>,
    exposure_amount: Option<i64>,
    not_before: Option<i64>,
    explanation: Option<String>,
    error: Option<String>,
}

fn expected(v: &Verdict, explanation: bool) -> Row {
    let codes = |c: fundsgate::Codes| Some(c.into_iter().map(|c| c.as_str().to_owned()).collect());
    Row {
        decision: Some(v.decision.as_str().to_owned()),
        reasons: codes(v.reasons),
        warnings: codes(v.warnings),
        basis: v.basis.map(|b| b.as_str().to_owned()),
        balance: v.balance,
        required: Some(v.required),
        max_allowed: v.max_allowed,
        rule: Some(v.rule.as_str().to_owned()),
        refresh_action: v.refresh.map(|r| r.action.as_str().to_owned()),
        refresh_not_before: v.refresh.and_then(|r| r.not_before),
        retry_attempt: v.retry.map(|r| r.attempt as i32),
        exposure_count: v.exposure.map(|e| e.count as i32),
        exposure_amount: v.exposure.map(|e| e.amount),
        not_before: v.not_before,
        explanation: explanation.then(|| v.explanation()),
        error: None,
    }
}

fn dict(batch: &RecordBatch, name: &str, row: usize) -> Option<String> {
    let d = batch
        .column_by_name(name)
        .unwrap()
        .as_dictionary::<Int8Type>();
    let values = d.values().as_string::<i32>();
    d.keys()
        .is_valid(row)
        .then(|| values.value(d.keys().value(row) as usize).to_owned())
}

fn list(batch: &RecordBatch, name: &str, row: usize) -> Option<Vec<String>> {
    let l = batch.column_by_name(name).unwrap().as_list::<i32>();
    if l.is_null(row) {
        return None;
    }
    let items = l.value(row);
    let d = items.as_dictionary::<Int8Type>();
    let values = d.values().as_string::<i32>();
    Some(
        d.keys()
            .iter()
            .map(|k| values.value(k.unwrap() as usize).to_owned())
            .collect(),
    )
}

fn int(batch: &RecordBatch, name: &str, row: usize) -> Option<i64> {
    let c = batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Int64Type>();
    c.is_valid(row).then(|| c.value(row))
}

fn text(batch: &RecordBatch, name: &str, row: usize) -> Option<String> {
    let c = batch.column_by_name(name)?.as_string::<i32>();
    c.is_valid(row).then(|| c.value(row).to_owned())
}

fn row(batch: &RecordBatch, i: usize) -> Row {
    let int32 = |name: &str| {
        let c = batch
            .column_by_name(name)
            .unwrap()
            .as_primitive::<Int32Type>();
        c.is_valid(i).then(|| c.value(i))
    };
    Row {
        decision: dict(batch, "decision", i),
        reasons: list(batch, "reasons", i),
        warnings: list(batch, "warnings", i),
        basis: dict(batch, "basis", i),
        balance: int(batch, "balance", i),
        required: int(batch, "required", i),
        max_allowed: int(batch, "max_allowed", i),
        rule: dict(batch, "rule", i),
        refresh_action: dict(batch, "refresh_action", i),
        refresh_not_before: int(batch, "refresh_not_before", i),
        retry_attempt: int32("retry_attempt"),
        exposure_count: int32("exposure_count"),
        exposure_amount: int(batch, "exposure_amount", i),
        not_before: int(batch, "not_before", i),
        explanation: text(batch, "explanation", i),
        error: text(batch, "error", i),
    }
}

fn strings(values: Vec<Option<&str>>) -> ArrayRef {
    Arc::new(StringArray::from(values))
}

fn ints(values: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(Int64Array::from(values))
}

fn flags(values: Vec<Option<bool>>) -> ArrayRef {
    Arc::new(BooleanArray::from(values))
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Active => "active",
        Status::Inactive => "inactive",
        Status::Disconnected => "disconnected",
        _ => "suspended",
    }
}

fn category_name(c: Category) -> &'static str {
    match c {
        Category::Cash => "cash",
        Category::Credit => "credit",
        Category::Investment => "investment",
        Category::Other => "other",
        _ => "crypto",
    }
}

/// A one-row batch of typed columns for `s` and a debit, or `None` when the
/// snapshot holds what the typed columns cannot say (several currencies).
fn typed_row(s: &Snapshot, amount: i64, ccy: Currency, in_flight: i64) -> Option<RecordBatch> {
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        ("status", strings(vec![Some(status_name(s.status))])),
        ("request_failed", flags(vec![Some(s.request_failed)])),
        (
            "provider_result",
            strings(vec![s.provider_result.map(|r| match r {
                ProviderResult::Accept => "accept",
                ProviderResult::Review => "review",
                ProviderResult::Decline => "decline",
                _ => "escalate",
            })]),
        ),
        ("category", strings(vec![s.category.map(category_name)])),
        ("amount", ints(vec![Some(amount)])),
        ("currency", strings(vec![Some(ccy.as_str())])),
        ("in_flight", ints(vec![Some(in_flight)])),
        ("balances_permitted", flags(vec![s.balances_permitted])),
        ("ach_supported", flags(vec![s.ach_supported])),
        ("closed", flags(vec![Some(s.closed)])),
        ("relink_required", flags(vec![Some(s.relink_required)])),
        ("expected_deactivation", ints(vec![s.expected_deactivation])),
        (
            "account_numbers",
            strings(vec![Some(match s.account_numbers {
                AccountNumbers::Unknown => "unknown",
                AccountNumbers::Transactable => "transactable",
                AccountNumbers::NoneTransactable => "none_transactable",
            })]),
        ),
        (
            "account_id",
            strings(vec![s.account_id.as_ref().map(|id| id.as_str())]),
        ),
    ];
    // No column: not reported; a null: missing (SPEC v3 §4).
    match s.livemode {
        Livemode::NotReported => {}
        Livemode::Missing => columns.push(("livemode", flags(vec![None]))),
        Livemode::Is(live) => columns.push(("livemode", flags(vec![Some(live)]))),
    }
    if let Some(b) = &s.balance {
        let currencies: Vec<Currency> = b
            .current
            .iter()
            .map(|(c, _)| c)
            .chain(b.available.iter().flat_map(|m| m.iter().map(|(c, _)| c)))
            .collect();
        let bc = match currencies.first() {
            Some(first) if currencies.iter().all(|c| c == first) => *first,
            Some(_) => return None,
            None => return None,
        };
        columns.push(("balance_currency", strings(vec![Some(bc.as_str())])));
        columns.push(("as_of", ints(vec![b.as_of])));
        columns.push((
            "balance_type",
            strings(vec![Some(match b.kind {
                BalanceType::Cash => "cash",
                BalanceType::Credit => "credit",
                _ => "overdraft",
            })]),
        ));
        columns.push(("current", ints(vec![b.current.get(bc)])));
        columns.push((
            "available",
            ints(vec![b.available.as_ref().and_then(|m| m.get(bc))]),
        ));
    }
    if let Some(r) = &s.refresh {
        columns.push((
            "refresh_status",
            strings(vec![Some(match r.status {
                RefreshStatus::Pending => "pending",
                RefreshStatus::Succeeded => "succeeded",
                RefreshStatus::Failed => "failed",
                _ => "queued",
            })]),
        ));
        match r.next_refresh_available_at {
            NextRefresh::NotStated => {}
            NextRefresh::Unavailable => {
                columns.push(("next_refresh_available_at", ints(vec![None])))
            }
            NextRefresh::At(t) => columns.push(("next_refresh_available_at", ints(vec![Some(t)]))),
        }
    }
    Some(RecordBatch::try_from_iter(columns).unwrap())
}

/// `batch` with `returns` and `original_settlement` columns for a
/// with a `prior` column (a list of structs) holding the debit's prior
/// debits, when it has any.
fn with_prior(batch: RecordBatch, prior: &fundsgate::PriorDebits) -> RecordBatch {
    use fundsgate::arrow::arrow_array::builder::{
        Int64Builder, ListBuilder, StringBuilder, StructBuilder,
    };
    use fundsgate::arrow::arrow_schema::{DataType, Field};
    if prior.is_empty() {
        return batch;
    }
    let fields = vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("amount", DataType::Int64, true),
        Field::new("currency", DataType::Utf8, true),
        Field::new("initiated_at", DataType::Int64, true),
        Field::new("settled_at", DataType::Int64, true),
    ];
    let mut list = ListBuilder::new(StructBuilder::from_fields(fields, prior.len()));
    for p in prior {
        let entry = list.values();
        let id = entry.field_builder::<StringBuilder>(0).unwrap();
        match p.id() {
            Some(id_) => id.append_value(id_.as_str()),
            None => id.append_null(),
        }
        entry
            .field_builder::<Int64Builder>(1)
            .unwrap()
            .append_value(p.amount());
        entry
            .field_builder::<StringBuilder>(2)
            .unwrap()
            .append_value(p.currency().as_str());
        entry
            .field_builder::<Int64Builder>(3)
            .unwrap()
            .append_value(p.initiated_at());
        entry
            .field_builder::<Int64Builder>(4)
            .unwrap()
            .append_option(p.settled_at());
        entry.append(true);
    }
    list.append(true);
    let mut columns: Vec<(String, ArrayRef)> = batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, c)| (f.name().clone(), Arc::clone(c)))
        .collect();
    columns.push(("prior".to_owned(), Arc::new(list.finish())));
    RecordBatch::try_from_iter(columns).unwrap()
}

/// re-initiated debit (the codes listed as the presentment holds them: the
/// set, repeated to its count, which is all a decision reads).
fn with_presentment(batch: RecordBatch, p: Option<&fundsgate::Presentment>) -> RecordBatch {
    use fundsgate::ReturnCode;
    use fundsgate::arrow::arrow_array::builder::{ListBuilder, StringBuilder};
    let Some(p) = p else { return batch };
    let mut codes: Vec<String> = (1..=99)
        .map(|n| format!("R{n:02}"))
        .filter(|c| p.contains(ReturnCode::new(c).unwrap()))
        .collect();
    while codes.len() < p.attempt() as usize {
        codes.push(codes[0].clone());
    }
    let mut returns = ListBuilder::new(StringBuilder::new());
    for code in &codes {
        returns.values().append_value(code);
    }
    returns.append(true);
    let mut columns: Vec<(String, ArrayRef)> = batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, c)| (f.name().clone(), Arc::clone(c)))
        .collect();
    columns.push(("returns".to_owned(), Arc::new(returns.finish())));
    columns.push((
        "original_settlement".to_owned(),
        ints(vec![Some(p.original_settlement())]),
    ));
    RecordBatch::try_from_iter(columns).unwrap()
}

#[test]
fn typed_columns_decide_every_expressible_row_as_decide_does() {
    let mut covered = Vec::new();
    for case in rows::cases() {
        let Some(snapshot) = &case.snapshot else {
            continue;
        };
        // Typed columns hold no provider error (only a document does): the
        // same snapshot without one.
        let mut snapshot = snapshot.clone();
        snapshot.provider_error = None;
        let snapshot = &snapshot;
        let d = &case.debit;
        let Some(batch) = typed_row(snapshot, d.amount(), d.currency(), d.in_flight()) else {
            continue;
        };
        let batch = with_presentment(batch, d.presentment());
        let batch = with_prior(batch, d.prior());
        let verdict = decide(snapshot, d, &case.policy, now()).unwrap();
        assert_eq!(verdict.rule, case.rule);
        for options in [Options::default(), Options::default().with_explanation()] {
            let out = decide_batch(&batch, &case.policy, now(), &options).unwrap();
            assert_eq!(out.schema(), output_schema(&options));
            assert_eq!(
                row(&out, 0),
                expected(&verdict, options.explanation),
                "{:?}",
                case.rule
            );
        }
        covered.push(case.rule);
    }
    assert!(
        covered.len() >= 23,
        "only {} rows covered: {covered:?}",
        covered.len()
    );
    for rule in [
        fundsgate::Rule::NotRetryable,
        fundsgate::Rule::RetryLimit,
        fundsgate::Rule::RetryWindow,
        fundsgate::Rule::ProviderDeclined,
        fundsgate::Rule::ProviderReview,
        fundsgate::Rule::MissingRequestFailed,
    ] {
        assert!(covered.contains(&rule), "{rule:?} not covered: {covered:?}");
    }
}

fn examples() -> Vec<(String, Vec<u8>)> {
    let dir = format!("{}/examples/accounts", env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (path.display().to_string(), std::fs::read(&path).unwrap())
        })
        .collect();
    docs.sort();
    docs
}

#[test]
fn account_json_columns_decide_as_batch_does() {
    let docs = examples();
    let n = docs.len() * 3 + 1;
    let savings = "dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK";
    let mut accounts: Vec<Option<&[u8]>> = Vec::new();
    let mut amounts = Vec::new();
    let mut ids = Vec::new();
    let mut fetched = Vec::new();
    let mut lines = Vec::new();
    for (name, doc) in &docs {
        for amount in [1_i64, 6000, 100_000_000] {
            let many = name.ends_with("plaid_balance_get.json");
            accounts.push(Some(doc.as_slice()));
            amounts.push(Some(amount));
            ids.push(many.then_some(savings));
            fetched.push(many.then_some(rows::NOW - 10));
            let mut line = serde_json::json!({
                "account": serde_json::from_slice::<serde_json::Value>(doc).unwrap(),
                "amount": amount, "currency": "usd",
            });
            if many {
                line["account_id"] = savings.into();
                line["fetched_at"] = (rows::NOW - 10).into();
            }
            lines.push(line.to_string());
        }
    }
    // An unlinked debit.
    accounts.push(None);
    amounts.push(Some(100));
    ids.push(None);
    fetched.push(None);
    lines.push(r#"{"account": null, "amount": 100, "currency": "usd"}"#.to_owned());
    assert_eq!(accounts.len(), n);

    let batch_of = |account: ArrayRef| {
        RecordBatch::try_from_iter([
            ("account", account),
            ("amount", ints(amounts.clone())),
            ("currency", strings(vec![Some("usd"); n])),
            ("account_id", strings(ids.clone())),
            ("fetched_at", ints(fetched.clone())),
        ])
        .unwrap()
    };
    let text: Vec<Option<&str>> = accounts
        .iter()
        .map(|a| a.map(|b| std::str::from_utf8(b).unwrap()))
        .collect();
    let gate = Batch::new(Policy::default(), now());
    for input in [
        batch_of(strings(text)),
        batch_of(Arc::new(BinaryArray::from(accounts.clone()))),
    ] {
        // Rows of one account accumulate, in a batch as in a run of lines;
        // independent rows are decided as lines are one by one.
        for options in [Options::default(), Options::default().with_independent()] {
            let out = decide_batch(&input, &Policy::default(), now(), &options).unwrap();
            assert_eq!(out.num_rows(), n);
            let mut run = if options.independent {
                Run::independent()
            } else {
                Run::new()
            };
            for (i, line) in lines.iter().enumerate() {
                let read = gate.read_line(line.as_bytes());
                let verdict = gate.decide_read(read, &mut run).result.unwrap();
                assert_eq!(row(&out, i), expected(&verdict, false), "{line:.80}");
            }
        }
    }
}

#[test]
fn a_bad_row_fills_error_and_never_fails_the_batch() {
    let batch = RecordBatch::try_from_iter([
        (
            "status",
            strings(vec![
                Some("active"),
                None,
                Some("active"),
                Some("active"),
                Some("active"),
            ]),
        ),
        ("available", ints(vec![Some(6000); 5])),
        ("as_of", ints(vec![Some(rows::NOW - 8); 5])),
        (
            "amount",
            ints(vec![Some(100), Some(100), None, Some(0), Some(100)]),
        ),
        (
            "currency",
            strings(vec![
                Some("usd"),
                Some("usd"),
                Some("usd"),
                Some("usd"),
                Some("us"),
            ]),
        ),
    ])
    .unwrap();
    let out = decide_batch(&batch, &Policy::default(), now(), &Options::default()).unwrap();
    let errors: Vec<Option<String>> = (0..5).map(|i| text(&out, "error", i)).collect();
    assert_eq!(errors[0], None);
    assert_eq!(errors[1].as_deref(), Some("status: null"));
    assert_eq!(errors[2].as_deref(), Some("amount: null"));
    assert!(
        errors[3].as_deref().unwrap().starts_with("amount: "),
        "{errors:?}"
    );
    assert!(
        errors[4].as_deref().unwrap().starts_with("currency: "),
        "{errors:?}"
    );
    assert_eq!(dict(&out, "decision", 0).as_deref(), Some("allow"));
    for i in 1..5 {
        assert_eq!(row(&out, i).decision, None);
        assert_eq!(row(&out, i).reasons, None);
    }
    // A bad document in a JSON column is a row error with its path.
    let batch = RecordBatch::try_from_iter([
        (
            "account",
            strings(vec![Some(
                r#"{"status": "active", "balance": {"as_of": 1, "current": {"usd": 1.5}}}"#,
            )]),
        ),
        ("amount", ints(vec![Some(1)])),
        ("currency", strings(vec![Some("usd")])),
    ])
    .unwrap();
    let out = decide_batch(&batch, &Policy::default(), now(), &Options::default()).unwrap();
    assert!(
        text(&out, "error", 0)
            .unwrap()
            .starts_with("account.balance.current.usd: ")
    );
}

#[test]
fn bad_presentment_rows_fill_error() {
    use fundsgate::arrow::arrow_array::builder::{ListBuilder, StringBuilder};
    let mut returns = ListBuilder::new(StringBuilder::new());
    returns.values().append_value("R01");
    returns.append(true);
    returns.values().append_value("X1");
    returns.append(true);
    returns.append(false);
    let batch = RecordBatch::try_from_iter([
        ("status", strings(vec![Some("active"); 3])),
        ("available", ints(vec![Some(6000); 3])),
        ("as_of", ints(vec![Some(rows::NOW - 8); 3])),
        ("amount", ints(vec![Some(100); 3])),
        ("currency", strings(vec![Some("usd"); 3])),
        ("returns", Arc::new(returns.finish()) as ArrayRef),
        (
            "original_settlement",
            ints(vec![None, Some(rows::NOW), None]),
        ),
    ])
    .unwrap();
    let out = decide_batch(&batch, &Policy::default(), now(), &Options::default()).unwrap();
    assert_eq!(
        text(&out, "error", 0).as_deref(),
        Some("original_settlement: required with returns")
    );
    assert!(text(&out, "error", 1).unwrap().starts_with("returns[0]: "));
    assert_eq!(
        row(&out, 2).rule.as_deref(),
        Some("sufficient"),
        "a null list: an original entry"
    );
}

#[test]
fn missing_and_mistyped_columns_are_errors_naming_them() {
    let ok = |columns: Vec<(&str, ArrayRef)>| RecordBatch::try_from_iter(columns).unwrap();
    let cases = [
        (
            ok(vec![
                ("status", strings(vec![Some("active")])),
                ("currency", strings(vec![Some("usd")])),
            ]),
            "amount",
            "missing",
        ),
        (
            ok(vec![
                ("status", strings(vec![Some("active")])),
                ("amount", ints(vec![Some(1)])),
            ]),
            "currency",
            "missing",
        ),
        (
            ok(vec![
                ("amount", ints(vec![Some(1)])),
                ("currency", strings(vec![Some("usd")])),
            ]),
            "status",
            "missing",
        ),
        (
            ok(vec![
                ("status", ints(vec![Some(1)])),
                ("amount", ints(vec![Some(1)])),
                ("currency", strings(vec![Some("usd")])),
            ]),
            "status",
            "Int64",
        ),
        (
            ok(vec![
                ("status", strings(vec![Some("active")])),
                ("amount", strings(vec![Some("1")])),
                ("currency", strings(vec![Some("usd")])),
            ]),
            "amount",
            "Utf8",
        ),
        (
            ok(vec![
                ("account", ints(vec![Some(1)])),
                ("amount", ints(vec![Some(1)])),
                ("currency", strings(vec![Some("usd")])),
            ]),
            "account",
            "Int64",
        ),
        (
            ok(vec![
                ("status", strings(vec![Some("active")])),
                ("closed", ints(vec![Some(1)])),
                ("amount", ints(vec![Some(1)])),
                ("currency", strings(vec![Some("usd")])),
            ]),
            "closed",
            "Boolean",
        ),
    ];
    for (batch, column, said) in cases {
        let e = decide_batch(&batch, &Policy::default(), now(), &Options::default()).unwrap_err();
        assert_eq!(e.column(), column, "{e}");
        assert!(e.to_string().contains(said), "{e}");
    }
}

#[test]
fn an_unlinked_row_in_a_json_column_and_a_row_now() {
    let batch = RecordBatch::try_from_iter([
        ("account", strings(vec![None, None])),
        ("amount", ints(vec![Some(100), Some(100)])),
        ("currency", strings(vec![Some("usd"), Some("usd")])),
        ("now", ints(vec![None, Some(rows::NOW + 60)])),
    ])
    .unwrap();
    let out = decide_batch(
        &batch,
        &Policy::default(),
        now(),
        &Options::default().with_explanation(),
    )
    .unwrap();
    let debit = fundsgate::Debit::new(100, Currency::new("usd").unwrap(), 0).unwrap();
    let v = decide_unlinked(&debit, &Policy::default(), now()).unwrap();
    assert_eq!(row(&out, 0), expected(&v, true));
    assert_eq!(row(&out, 1).rule.as_deref(), Some("unlinked"));
}

mod many_rows {
    //! A batch of many rows (validity bitmaps span several 64-row words,
    //! error rows interleave) and a sliced batch (input offsets) decide each
    //! row as a batch of that row alone does; the one-row batches are checked
    //! against `decide` above.
    #![expect(
        clippy::arithmetic_side_effects,
        reason = "row indices below 300 in a test"
    )]
    use proptest::prelude::*;

    use super::*;

    /// One row of typed columns: status, as_of, available, current,
    /// refresh_status, next_refresh_available_at, amount, currency.
    type Spec = (
        Option<&'static str>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<&'static str>,
        Option<i64>,
        Option<i64>,
        &'static str,
    );

    fn spec() -> impl Strategy<Value = Spec> {
        (
            prop::sample::select(vec![
                Some("active"),
                Some("inactive"),
                Some("disconnected"),
                Some("suspended"),
                None,
            ]),
            prop::option::weighted(0.9, (rows::NOW - 200_000)..(rows::NOW + 1_000)),
            prop::option::weighted(0.7, -50_000_i64..2_000_000),
            prop::option::weighted(0.8, -50_000_i64..2_000_000),
            prop::sample::select(vec![
                Some("pending"),
                Some("succeeded"),
                Some("failed"),
                None,
            ]),
            prop::option::weighted(0.5, (rows::NOW - 100)..(rows::NOW + 100)),
            prop::option::weighted(0.97, -10_i64..600_000),
            prop::sample::select(vec!["usd", "usd", "usd", "eur", "us"]),
        )
    }

    fn batch(specs: &[Spec]) -> RecordBatch {
        macro_rules! column {
            ($i:tt) => {
                specs.iter().map(|s| s.$i).collect::<Vec<_>>()
            };
        }
        RecordBatch::try_from_iter([
            ("status", strings(column!(0))),
            ("as_of", ints(column!(1))),
            ("available", ints(column!(2))),
            ("current", ints(column!(3))),
            ("refresh_status", strings(column!(4))),
            ("next_refresh_available_at", ints(column!(5))),
            ("amount", ints(column!(6))),
            (
                "currency",
                strings(column!(7).into_iter().map(Some).collect()),
            ),
        ])
        .unwrap()
    }

    proptest! {
        #![proptest_config(crate::common::proptest_config(256))]
        #[test]
        fn each_row_of_a_batch_is_decided_as_alone(
            specs in prop::collection::vec(spec(), 0..300),
            skip in 0_usize..70,
            explanation in any::<bool>(),
        ) {
            let input = batch(&specs);
            let options = if explanation {
                Options::default().with_explanation()
            } else {
                Options::default()
            };
            let policy = Policy::default();
            let skip = skip.min(specs.len());
            let sliced = input.slice(skip, specs.len() - skip);
            for (input, first) in [(&input, 0), (&sliced, skip)] {
                let out = decide_batch(input, &policy, now(), &options).unwrap();
                prop_assert_eq!(out.num_rows(), input.num_rows());
                for i in 0..input.num_rows() {
                    let one = batch(&specs[first + i..=first + i]);
                    let alone = decide_batch(&one, &policy, now(), &options).unwrap();
                    prop_assert_eq!(row(&out, i), row(&alone, 0), "row {}", first + i);
                }
            }
        }
    }
}

// ---- Issue 18: strict columns, the types real frames hold -----------------------

mod strict {
    use super::*;
    use fundsgate::arrow::arrow_array::types::{TimestampMillisecondType, UInt64Type};
    use fundsgate::arrow::arrow_array::{
        BinaryViewArray, DictionaryArray, Int32Array, LargeListArray, PrimitiveArray,
    };
    use fundsgate::arrow::arrow_schema::{DataType, Field};

    const ACCOUNT: &str = r#"{"object": "financial_connections.account", "status": "active", "category": "cash", "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 6000}, "cash": {"available": {"usd": 6000}}}}"#;

    fn decide_columns(columns: Vec<(&str, ArrayRef)>) -> Result<RecordBatch, String> {
        decide_with(columns, &Options::default())
    }

    fn decide_with(
        columns: Vec<(&str, ArrayRef)>,
        options: &Options,
    ) -> Result<RecordBatch, String> {
        let batch = RecordBatch::try_from_iter(columns).map_err(|e| e.to_string())?;
        decide_batch(&batch, &Policy::default(), now(), options).map_err(|e| e.to_string())
    }

    /// A one-row `prior` list of one struct with these fields.
    fn prior_column(fields: Vec<(&str, ArrayRef)>) -> ArrayRef {
        use fundsgate::arrow::arrow_array::StructArray;
        use fundsgate::arrow::arrow_buffer::OffsetBuffer;
        let fields: Vec<(Arc<Field>, ArrayRef)> = fields
            .into_iter()
            .map(|(name, a)| (Arc::new(Field::new(name, a.data_type().clone(), true)), a))
            .collect();
        let entries = StructArray::from(fields);
        let item = Arc::new(Field::new("item", entries.data_type().clone(), true));
        Arc::new(
            fundsgate::arrow::arrow_array::ListArray::try_new(
                item,
                OffsetBuffer::from_lengths([1]),
                Arc::new(entries),
                None,
            )
            .unwrap(),
        )
    }

    #[test]
    fn a_prior_struct_is_as_strict_as_a_batch_lines_prior() {
        let entry = |amount: Option<i64>, field: &'static str| {
            prior_column(vec![
                (field, ints(vec![amount])),
                ("currency", strings(vec![Some("usd")])),
                ("initiated_at", ints(vec![Some(1_651_500_000)])),
            ])
        };
        // A misspelt field is an error naming it and the field meant.
        let mut columns = base();
        columns.push(("prior", entry(Some(1_500), "amout")));
        let e = decide_columns(columns).unwrap_err();
        assert!(
            e.starts_with(
                "column `prior.amout`: not a field of a prior debit (the nearest is `amount`)"
            ),
            "{e}"
        );
        // A bad entry is that row's error, named as the batch protocol names it.
        for (amount, message) in [
            (
                Some(0),
                "prior[0].amount: must be a positive integer in minor units, found 0",
            ),
            (None, "prior[0].amount: null"),
        ] {
            let mut columns = base();
            columns.push(("prior", entry(amount, "amount")));
            let out = decide_columns(columns).unwrap();
            assert_eq!(row(&out, 0).error.as_deref(), Some(message));
        }
        // A good one counts: 60.00 - 15.00 leaves 45.00 for a 50.00 debit.
        let mut columns = base();
        columns.push(("prior", entry(Some(1_500), "amount")));
        let out = decide_columns(columns).unwrap();
        let r = row(&out, 0);
        assert_eq!(
            (r.decision.as_deref(), r.exposure_count, r.exposure_amount),
            (Some("deny"), Some(1), Some(1_500))
        );
        // A `prior` that is no list of structs is a type error.
        let mut columns = base();
        columns.push(("prior", ints(vec![Some(1)])));
        assert!(
            decide_columns(columns)
                .unwrap_err()
                .contains("a List or LargeList of structs")
        );
    }

    fn base() -> Vec<(&'static str, ArrayRef)> {
        vec![
            ("account", strings(vec![Some(ACCOUNT)])),
            ("amount", ints(vec![Some(5000)])),
            ("currency", strings(vec![Some("usd")])),
        ]
    }

    #[test]
    fn a_misspelt_in_flight_is_an_error_naming_the_column_it_resembles() {
        let mut columns = base();
        columns.push(("inflight", ints(vec![Some(6000)])));
        let e = decide_columns(columns).unwrap_err();
        assert!(
            e.starts_with(
                "column `inflight`: not a column fundsgate reads (the nearest is `in_flight`)"
            ),
            "{e}"
        );
        // Spelt right, it denies: the typo must never have allowed.
        let mut columns = base();
        columns.push(("in_flight", ints(vec![Some(6000)])));
        let out = decide_columns(columns).unwrap();
        assert_eq!(row(&out, 0).rule.as_deref(), Some("insufficient"));
    }

    #[test]
    fn a_misspelt_returns_column_is_an_error() {
        let mut columns = base();
        columns.push(("return_codes", strings(vec![Some("R02")])));
        let e = decide_columns(columns).unwrap_err();
        assert!(e.contains("the nearest is `returns`"), "{e}");
    }

    #[test]
    fn misnamed_typed_columns_are_errors() {
        for (name, nearest) in [
            ("is_closed", "closed"),
            ("supports_ach", "ach_supported"),
            ("balance_permitted", "balances_permitted"),
        ] {
            let e = decide_columns(vec![
                ("status", strings(vec![Some("active")])),
                (name, flags(vec![Some(true)])),
                ("amount", ints(vec![Some(100)])),
                ("currency", strings(vec![Some("usd")])),
            ])
            .unwrap_err();
            assert!(
                e.starts_with(&format!("column `{name}`")) && e.contains(&format!("`{nearest}`")),
                "{e}"
            );
        }
    }

    #[test]
    fn a_typed_column_beside_account_is_an_error() {
        let mut columns = base();
        columns.push(("status", strings(vec![Some("inactive")])));
        let e = decide_columns(columns).unwrap_err();
        assert!(
            e.starts_with("column `status`: a typed account column beside `account`"),
            "{e}"
        );
    }

    #[test]
    fn two_columns_of_one_name_are_an_error() {
        let schema = Arc::new(fundsgate::arrow::arrow_schema::Schema::new(vec![
            Field::new("status", DataType::Utf8, true),
            Field::new("status", DataType::Utf8, true),
            Field::new("amount", DataType::Int64, true),
            Field::new("currency", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                strings(vec![Some("active")]),
                strings(vec![Some("inactive")]),
                ints(vec![Some(100)]),
                strings(vec![Some("usd")]),
            ],
        )
        .unwrap();
        let e = decide_batch(&batch, &Policy::default(), now(), &Options::default()).unwrap_err();
        assert_eq!(e.column(), "status");
        assert!(e.message().contains("appears twice"), "{e}");
    }

    #[test]
    fn passthrough_columns_come_back_unchanged() {
        let mut columns = base();
        columns.push(("order_key", strings(vec![Some("ord_7")])));
        let e = decide_columns(columns.clone()).unwrap_err();
        assert!(e.starts_with("column `order_key`"), "{e}");
        let out =
            decide_with(columns, &Options::default().with_passthrough(["order_key"])).unwrap();
        let key = out.column_by_name("order_key").unwrap().as_string::<i32>();
        assert_eq!(key.value(0), "ord_7");
        assert_eq!(row(&out, 0).rule.as_deref(), Some("sufficient"));
        // A passthrough column that is not there, or that clashes with a verdict column.
        let e =
            decide_with(base(), &Options::default().with_passthrough(["order_key"])).unwrap_err();
        assert!(e.contains("no such column"), "{e}");
        let mut columns = base();
        columns.push(("rule", strings(vec![Some("x")])));
        let e = decide_with(columns, &Options::default().with_passthrough(["rule"])).unwrap_err();
        assert!(e.contains("verdict column of that name"), "{e}");
    }

    #[test]
    fn integers_of_any_width_timestamps_and_dictionary_strings_are_read() {
        let currency: DictionaryArray<Int8Type> = vec!["usd"].into_iter().collect();
        let now_ms = PrimitiveArray::<TimestampMillisecondType>::from(vec![rows::NOW * 1000 + 999])
            .with_timezone("UTC");
        let out = decide_columns(vec![
            (
                "account",
                Arc::new(BinaryViewArray::from(vec![ACCOUNT.as_bytes()])) as ArrayRef,
            ),
            ("amount", Arc::new(Int32Array::from(vec![5000])) as ArrayRef),
            ("currency", Arc::new(currency) as ArrayRef),
            (
                "in_flight",
                Arc::new(PrimitiveArray::<UInt64Type>::from(vec![500])) as ArrayRef,
            ),
            ("now", Arc::new(now_ms) as ArrayRef),
        ])
        .unwrap();
        let debit = fundsgate::Debit::new(5000, Currency::new("usd").unwrap(), 500).unwrap();
        let snapshot = fundsgate::stripe::parse_account(ACCOUNT.as_bytes()).unwrap();
        let v = decide(&snapshot, &debit, &Policy::default(), now()).unwrap();
        assert_eq!(row(&out, 0), expected(&v, false));
    }

    #[test]
    fn a_uint64_above_i64_is_that_rows_error() {
        let out = decide_columns(vec![
            ("account", strings(vec![Some(ACCOUNT), Some(ACCOUNT)])),
            (
                "amount",
                Arc::new(PrimitiveArray::<UInt64Type>::from(vec![u64::MAX, 100])) as ArrayRef,
            ),
            ("currency", strings(vec![Some("usd"), Some("usd")])),
        ])
        .unwrap();
        assert_eq!(
            row(&out, 0).error.as_deref(),
            Some("amount: out of range: above 2^63 - 1")
        );
        assert_eq!(row(&out, 1).rule.as_deref(), Some("sufficient"));
    }

    #[test]
    fn float_amounts_are_read_where_whole_and_that_rows_error_elsewhere() {
        // What pandas makes of an int column with a missing value.
        let floats = fundsgate::arrow::arrow_array::Float64Array::from(vec![
            Some(5000.0),
            None,
            Some(5000.5),
            Some(f64::NAN),
            Some(1e300),
        ]);
        let out = decide_columns(vec![
            ("account", strings(vec![Some(ACCOUNT); 5])),
            ("amount", Arc::new(floats) as ArrayRef),
            ("currency", strings(vec![Some("usd"); 5])),
        ])
        .unwrap();
        assert_eq!(row(&out, 0).rule.as_deref(), Some("sufficient"));
        assert_eq!(row(&out, 1).error.as_deref(), Some("amount: null"));
        for i in [2, 4] {
            assert!(
                row(&out, i)
                    .error
                    .unwrap()
                    .starts_with("amount: not a whole number")
            );
        }
        assert!(
            row(&out, 3)
                .error
                .unwrap()
                .starts_with("amount: NaN is not")
        );
        let e = decide_columns(vec![
            ("account", strings(vec![Some(ACCOUNT)])),
            (
                "amount",
                Arc::new(fundsgate::arrow::arrow_array::Float32Array::from(vec![
                    1.0_f32,
                ])) as ArrayRef,
            ),
            ("currency", strings(vec![Some("usd")])),
        ])
        .unwrap_err();
        assert!(
            e.contains("expected an integer type") && e.contains("Float32"),
            "{e}"
        );
    }

    #[test]
    fn large_list_returns_are_read() {
        let values = strings(vec![Some("R02")]);
        let returns = LargeListArray::new(
            Arc::new(Field::new_list_field(DataType::Utf8, true)),
            fundsgate::arrow::arrow_buffer::OffsetBuffer::new(vec![0_i64, 1].into()),
            values,
            None,
        );
        let mut columns = base();
        columns.push(("returns", Arc::new(returns) as ArrayRef));
        columns.push(("original_settlement", ints(vec![Some(rows::NOW - 86_400)])));
        let out = decide_columns(columns).unwrap();
        assert_eq!(row(&out, 0).rule.as_deref(), Some("not_retryable"));
    }

    #[test]
    fn an_account_error_is_named_under_account_as_everywhere() {
        let out = decide_columns(vec![
            (
                "account",
                strings(vec![
                    Some("{"),
                    Some(r#"{"status": "active", "balance": {"current": {}}}"#),
                ]),
            ),
            ("amount", ints(vec![Some(1), Some(1)])),
            ("currency", strings(vec![Some("usd"), Some("usd")])),
        ])
        .unwrap();
        let e = row(&out, 0).error.unwrap();
        assert!(e.starts_with("account: EOF while parsing"), "{e}");
        assert!(
            row(&out, 1)
                .error
                .unwrap()
                .starts_with("account.balance.as_of: ")
        );
    }
}
