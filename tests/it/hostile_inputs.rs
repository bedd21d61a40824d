//! Hostile inputs: each case asserts its exact outcome, and none may panic.
//!
//! Where the hostile part sits in a field the gate reads, the outcome is an
//! input error naming that field's JSON path. Where it sits in a field the
//! gate ignores, the outcome is the normal verdict, unless the bytes are not
//! JSON at all (then it is an error naming where the bad JSON is).

use crate::common::*;
use fundsgate::Batch;
use fundsgate::{Policy, Rule, Snapshot, stripe};

/// An account with the docs example's balance; `extra` is spliced in as
/// more top-level members.
fn account_with(extra: &str) -> Vec<u8> {
    format!(
        r#"{{"object": "financial_connections.account", "status": "active", {extra}
            "balance": {{"as_of": {AS_OF}, "type": "cash", "current": {{"usd": 6000}},
                        "cash": {{"available": {{"usd": 6000}}}}}}}}"#
    )
    .into_bytes()
}

#[track_caller]
fn verdict_rule(bytes: &[u8]) -> Rule {
    let s: Snapshot =
        stripe::parse_account(bytes).unwrap_or_else(|e| panic!("expected a verdict, got {e}"));
    run(&s, 100, &Policy::default()).rule
}

#[track_caller]
fn error_path(bytes: &[u8]) -> String {
    match stripe::parse_account(bytes) {
        Ok(s) => panic!("expected an error, parsed {s:?}"),
        Err(e) => e.path().to_string(),
    }
}

#[test]
fn nesting_100_000_deep_in_an_ignored_field_gets_a_verdict() {
    let deep = format!(r#""x": {}{}, "#, "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(verdict_rule(&account_with(&deep)), Rule::Sufficient);
    let deep_objects = format!(
        r#""x": {}1{}, "#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    assert_eq!(verdict_rule(&account_with(&deep_objects)), Rule::Sufficient);
}

#[test]
fn nesting_100_000_deep_where_the_gate_reads_is_an_error() {
    let doc = format!(
        r#"{{"status": "active", "balance": {}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(error_path(doc.as_bytes()), "balance");
    let doc = format!(
        r#"{{"status": "active", "balance_refresh": {{"status": {}{}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(error_path(doc.as_bytes()), "balance_refresh.status");
    // Deep inside an ignored member of an object the gate reads: ignored.
    let doc = format!(
        r#"{{"status": "active", "balance_refresh": {{"status": "failed", "error": {}1{}}}}}"#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    // (No `next_refresh_available_at`: an older API version, so a refresh
    // may start.)
    assert_eq!(verdict_rule(doc.as_bytes()), Rule::MissingFailedCanStart);
}

#[test]
fn a_64_mb_institution_name_gets_a_verdict_without_copying_it() {
    let name = "A".repeat(64 << 20);
    let doc = account_with(&format!(r#""institution_name": "{name}", "#));
    let mut rule = None;
    let info = allocation_counter::measure(|| rule = Some(verdict_rule(&doc)));
    assert_eq!(rule, Some(Rule::Sufficient));
    assert!(
        info.bytes_max < 1 << 20,
        "parsing allocated {} bytes at peak",
        info.bytes_max
    );
}

#[test]
fn hostile_numbers_in_read_fields_are_errors_at_their_path() {
    for bad in [
        "1e400",
        "18446744073709551616",
        "-9223372036854775809",
        "NaN",
        "Infinity",
        "-0",
        "0.0",
    ] {
        let doc = format!(
            r#"{{"status": "active", "balance": {{"as_of": 1, "current": {{"usd": {bad}}}}}}}"#
        );
        assert_eq!(error_path(doc.as_bytes()), "balance.current.usd", "{bad}");
        let doc =
            format!(r#"{{"status": "active", "balance": {{"as_of": {bad}, "current": {{}}}}}}"#);
        assert_eq!(error_path(doc.as_bytes()), "balance.as_of", "{bad}");
    }
}

#[test]
fn hostile_numbers_in_ignored_fields_get_a_verdict_unless_they_are_not_json() {
    for fine in [
        "1e400",
        "18446744073709551616",
        "-9223372036854775809",
        "-0",
        "1.5e-400",
    ] {
        assert_eq!(
            verdict_rule(&account_with(&format!(r#""created": {fine}, "#))),
            Rule::Sufficient,
            "{fine}"
        );
    }
    for not_json in ["NaN", "Infinity", "-", "01", "1.", "+1"] {
        assert_eq!(
            error_path(&account_with(&format!(r#""created": {not_json}, "#))),
            "created",
            "{not_json}"
        );
    }
}

#[test]
fn invalid_utf8() {
    let mut doc = account_with(r#""institution_name": "XX", "#);
    let at = doc.windows(2).position(|w| w == b"XX").unwrap();
    doc[at] = 0xff;
    doc[at + 1] = 0xfe;
    // SPEC v3: bytes that are not UTF-8 are an error wherever they stand,
    // in a field the gate reads or not, named at their path.
    assert_eq!(error_path(&doc), "institution_name");
    let e = stripe::parse_account(&doc).unwrap_err();
    assert_eq!(
        e.to_string(),
        "institution_name: not valid UTF-8: JSON text must be UTF-8 (RFC 8259)"
    );
    assert_eq!(error_path(b"{\"status\": \"\xff\"}"), "status");
    assert_eq!(
        error_path(
            b"{\"status\": \"active\", \"balance\": {\"as_of\": 1, \"current\": {\"\xffsd\": 1}}}"
        ),
        "balance.current"
    );
}

#[test]
fn a_utf8_byte_order_mark_is_skipped() {
    let mut doc = b"\xEF\xBB\xBF".to_vec();
    doc.extend(account_with(""));
    assert_eq!(verdict_rule(&doc), Rule::Sufficient);
}

#[test]
fn nul_bytes_and_escaped_nuls() {
    // A raw NUL inside a string is not JSON, wherever it is.
    let mut doc = account_with(r#""institution_name": "aXb", "#);
    let at = doc.iter().position(|&b| b == b'X').unwrap();
    doc[at] = 0;
    assert_eq!(error_path(&doc), "institution_name");
    // Escaped NULs are JSON: ignored where the gate does not read, an
    // unrecognized value (fail closed) where it does.
    assert_eq!(
        verdict_rule(&account_with(r#""x\u0000": "\u0000", "#)),
        Rule::Sufficient
    );
    let s = stripe::parse_account(br#"{"status": "active\u0000"}"#).unwrap();
    assert_eq!(run(&s, 1, &Policy::default()).rule, Rule::Unrecognized);
    assert_eq!(
        error_path(br#"{"status": "active", "balance": {"as_of": 1, "current": {"us\u0000": 1}}}"#),
        "balance.current.us\u{0}"
    );
}

#[test]
fn lone_surrogates() {
    // In an ignored value: skipped. In a value the gate reads: an error
    // there. In any key: keys are always decoded, so an error at the object
    // holding it.
    assert_eq!(
        verdict_rule(&account_with(r#""x": "\ud800", "#)),
        Rule::Sufficient
    );
    assert_eq!(error_path(br#"{"status": "\ud800"}"#), "status");
    assert_eq!(error_path(&account_with(r#""\ud800": 1, "#)), "(root)");
    assert_eq!(
        error_path(br#"{"status": "active", "balance": {"as_of": 1, "current": {"\udc00sd": 1}}}"#),
        "balance.current"
    );
}

#[test]
fn duplicate_top_level_keys_the_gate_reads() {
    let doc =
        br#"{"status": "active", "balance": null, "balance": {"as_of": 1, "current": {"usd": 1}}}"#;
    assert_eq!(error_path(doc), "balance");
    assert_eq!(
        error_path(br#"{"status": "active", "status": "disconnected"}"#),
        "status"
    );
    // Fields the gate reads since SPEC v2 are no exception.
    assert_eq!(
        error_path(&account_with(r#""livemode": true, "livemode": false, "#)),
        "livemode"
    );
    // Repeated fields the gate ignores are ignored.
    assert_eq!(
        verdict_rule(&account_with(r#""last4": "1", "last4": "2", "#)),
        Rule::Sufficient
    );
}

#[test]
fn usd_and_upper_case_usd_in_one_map() {
    let doc = br#"{"status": "active", "balance": {"as_of": 1, "type": "cash", "current": {"usd": 1, "USD": 2}}}"#;
    assert_eq!(error_path(doc), "balance.current");
    let doc = br#"{"status": "active", "balance": {"as_of": 1, "type": "cash", "current": {}, "cash": {"available": {"USD": 1, "usd": null}}}}"#;
    assert_eq!(error_path(doc), "balance.cash.available");
}

#[test]
fn as_of_of_the_wrong_type() {
    for bad in [
        r#""1651516592""#,
        "true",
        "false",
        "1651516592.0",
        "[1651516592]",
        "{}",
    ] {
        let doc = format!(
            r#"{{"status": "active", "balance": {{"as_of": {bad}, "type": "cash", "current": {{"usd": 1}}}}}}"#
        );
        assert_eq!(error_path(doc.as_bytes()), "balance.as_of", "{bad}");
    }
}

#[test]
fn an_event_whose_data_object_is_not_an_account() {
    let doc = br#"{"object": "event", "type": "payment_intent.succeeded", "data": {"object": {"object": "payment_intent", "status": "succeeded"}}}"#;
    assert_eq!(error_path(doc), "data.object.object");
    assert_eq!(
        error_path(br#"{"object": "event", "data": {"object": [1]}}"#),
        "data.object"
    );
    assert_eq!(
        error_path(br#"{"object": "event", "data": {"object": null}}"#),
        "data.object"
    );
}

#[test]
fn batch_of_10_000_lines_every_other_one_garbage() {
    let batch = Batch::new(Policy::default(), at(NOW));
    let good = String::from_utf8(account_with(""))
        .unwrap()
        .replace('\n', " ");
    let garbage: [&[u8]; 6] = [
        b"\xff\xfe\x00",
        b"{",
        b"[1,2,3]",
        b"null",
        br#"{"id": 5, "amount": "x"}"#,
        b"\"\\ud800\"",
    ];
    let mut out = Vec::new();
    for i in 0..10_000 {
        if i % 2 == 0 {
            let line =
                format!(r#"{{"id": {i}, "account": {good}, "amount": 100, "currency": "usd"}}"#);
            batch.answer(line.as_bytes(), &mut out);
        } else {
            batch.answer(garbage[(i / 2) % garbage.len()], &mut out);
        }
    }
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 10_000);
    for (i, line) in lines.iter().enumerate() {
        if i % 2 == 0 {
            assert_eq!(
                (line["id"].as_u64(), line["decision"].as_str()),
                (Some(i as u64), Some("allow"))
            );
        } else {
            assert!(line["error"].is_string(), "line {i}: {line}");
            let id = if garbage[(i / 2) % garbage.len()].starts_with(br#"{"id": 5"#) {
                serde_json::json!(5)
            } else {
                serde_json::Value::Null
            };
            assert_eq!(line["id"], id, "line {i}");
        }
    }
}

#[test]
fn batch_line_errors_name_their_field() {
    let batch = Batch::new(Policy::default(), at(NOW));
    let acct = r#"{"status": "disconnected"}"#;
    let cases = [
        (format!(r#"{{"id": 1, "account": {acct}, "amount": 5, "currency": "usd", "now": 1.5}}"#), "now: invalid type: floating point `1.5`, expected unix seconds or an RFC 3339 timestamp"),
        (format!(r#"{{"id": 1, "account": {acct}, "amount": 5, "currency": "usd", "now": "yesterday"}}"#), "now: expected unix seconds or an RFC 3339 timestamp, found `yesterday`"),
        (format!(r#"{{"id": 1, "account": {acct}, "amount": 5, "currency": "usd", "now": 9223372036854775807}}"#), "now: 9223372036854775807 looks like milliseconds or worse"),
        (r#"{"id": 1, "amount": 5, "currency": "usd"}"#.to_owned(), "account: required"),
        (format!(r#"{{"id": 1, "account": {acct}, "currency": "usd"}}"#), "amount: required"),
        (format!(r#"{{"id": 1, "account": {acct}, "amount": 5}}"#), "currency: required"),
        (format!(r#"{{"id": 1, "account": {acct}, "amount": 5, "currency": "dollars"}}"#), "currency: expected a currency code of 3 ASCII letters, found `dollars`"),
        (format!(r#"{{"id": 1, "account": {acct}, "amount": 0, "currency": "usd"}}"#), "amount: must be a positive integer in minor units, found 0"),
        (format!(r#"{{"id": 1, "account": {acct}, "amount": 5, "currency": "usd", "in_flight": -1}}"#), "in_flight: must be zero or a positive integer in minor units, found -1"),
        (format!(r#"{{"id": 1, "account": {acct}, "amount": 9223372036854775807, "currency": "usd", "in_flight": 1}}"#), "amount: required amount overflows i64"),
        (r#"{"id": 1, "account": {"status": "active", "balance": {"current": {}}}, "amount": 5, "currency": "usd"}"#.to_owned(), "account.balance.as_of: required"),
    ];
    for (line, expected) in cases {
        let mut out = Vec::new();
        batch.answer(line.as_bytes(), &mut out);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["id"], 1, "{line}");
        let error = v["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error for {line}: {v}"));
        assert!(error.starts_with(expected), "{line}: {error}");
    }
}

// ---- Issue 8: fail closed on inputs we own, in bounded time -------------------

/// The answer line for `line`, through the fast path and through serde_json
/// alone: the two must be the same bytes.
#[track_caller]
fn answer_both_ways(line: &str) -> serde_json::Value {
    let batch = Batch::new(Policy::default(), at(NOW));
    let (mut fast, mut reference) = (Vec::new(), Vec::new());
    batch.answer(line.as_bytes(), &mut fast);
    fundsgate::__private::answer_reference(&batch, line.as_bytes(), &mut reference);
    assert_eq!(
        String::from_utf8_lossy(&fast),
        String::from_utf8_lossy(&reference),
        "{line}"
    );
    serde_json::from_slice(&fast).unwrap()
}

/// A line whose account is refused keeps the id its request reader read
/// (issue 22: the line is no longer read again for it), unless no reader
/// could read that id back; text in any language changes nothing; the fast
/// path and serde_json write the same bytes.
#[test]
fn a_refused_account_keeps_its_lines_id_and_names_its_path() {
    let stripe = |extra: &str, balance: &str| {
        format!(
            r#"{{"object": "financial_connections.account", "status": "active", {extra}"balance": {balance}}}"#
        )
    };
    let string_as_of = r#"{"as_of": "1651516592", "type": "cash", "current": {"usd": 6000}}"#;
    let cases = [
        (r#""pi_1""#, stripe("", string_as_of), serde_json::json!("pi_1"), "account.balance.as_of: "),
        (r#"[1, {"a": 2}]"#, stripe("", string_as_of), serde_json::json!([1, {"a": 2}]), "account.balance.as_of: "),
        // Half a surrogate pair: no reader could read it back.
        (r#""\ud800""#, stripe("", string_as_of), serde_json::Value::Null, "account.balance.as_of: "),
        (
            r#""pi_2""#,
            stripe(r#""institution_name": "Banco Popular de Puerto Rico – Oficina", "nickname": "ó", "#, string_as_of),
            serde_json::json!("pi_2"),
            "account.balance.as_of: ",
        ),
        (
            r#""pi_3""#,
            r#"{"object": "customer", "balance": 5}"#.to_owned(),
            serde_json::json!("pi_3"),
            "account.object: ",
        ),
        (
            r#""pi_4""#,
            r#"{"object": "event", "type": "charge.succeeded", "data": {"object": {"object": "charge", "amount": 5}}}"#.to_owned(),
            serde_json::json!("pi_4"),
            "account.data.object.object: ",
        ),
    ];
    for (id, account, want_id, want_error) in cases {
        let line =
            format!(r#"{{"id": {id}, "account": {account}, "amount": 100, "currency": "usd"}}"#);
        let v = answer_both_ways(&line);
        assert_eq!(v["id"], want_id, "{line}");
        let error = v["error"].as_str().unwrap_or_else(|| panic!("{line}: {v}"));
        assert!(error.starts_with(want_error), "{line}: {error}");
    }
    // Cut short: not a request at all, so no id.
    let line = format!(r#"{{"id": "pi_5", "account": {}"#, stripe("", string_as_of));
    assert_eq!(answer_both_ways(&line)["id"], serde_json::Value::Null);
}

#[test]
fn an_unknown_key_in_a_batch_request_is_an_error_naming_it() {
    let account = String::from_utf8(account_with("")).unwrap();
    for key in ["inflight", "inFlight", "amount_cents", "policy", "ID"] {
        let line = format!(
            r#"{{"id": 1, "account": {account}, "amount": 100, "currency": "usd", "{key}": 5000}}"#
        );
        let v = answer_both_ways(&line);
        let error = v["error"].as_str().unwrap_or_else(|| panic!("{key}: {v}"));
        assert!(
            error.starts_with(&format!("{key}: unknown field `{key}`")),
            "{key}: {error}"
        );
        assert_eq!(v["id"], 1);
    }
    // Unknown keys inside the account document are Stripe's: ignored.
    let account = String::from_utf8(account_with(r#""inflight": 5000, "#)).unwrap();
    let line = format!(r#"{{"id": 1, "account": {account}, "amount": 100, "currency": "usd"}}"#);
    assert_eq!(answer_both_ways(&line)["decision"], "allow");
}

#[test]
fn a_now_in_milliseconds_is_an_error_in_a_batch_line() {
    let account = String::from_utf8(account_with("")).unwrap();
    for now in ["1651516600000", "\"1651516600000\"", "-1651516600000"] {
        let line = format!(
            r#"{{"id": 1, "account": {account}, "amount": 100, "currency": "usd", "now": {now}}}"#
        );
        let v = answer_both_ways(&line);
        let error = v["error"].as_str().unwrap_or_else(|| panic!("{now}: {v}"));
        assert!(error.starts_with("now: "), "{now}: {error}");
        assert!(error.contains("looks like milliseconds"), "{now}: {error}");
    }
    // The bound itself is still seconds.
    let line = format!(
        r#"{{"id": 1, "account": {account}, "amount": 100, "currency": "usd", "now": 100000000000}}"#
    );
    let v = answer_both_ways(&line);
    assert!(v["error"].is_null() && v["decision"].is_string(), "{v}");
}

/// A map of every one of the 26³ three-letter codes, in descending order.
fn every_currency_descending() -> String {
    let mut entries = Vec::with_capacity(17_576);
    for a in (b'a'..=b'z').rev() {
        for b in (b'a'..=b'z').rev() {
            for c in (b'a'..=b'z').rev() {
                entries.push(format!(r#""{}{}{}": 7"#, a as char, b as char, c as char));
            }
        }
    }
    format!("{{{}}}", entries.join(","))
}

/// The 457 KB document of issue 8 reads correctly on both paths (that it
/// reads in O(n log n) comparisons is a unit test of `scan`, and its time
/// beside a benign document is the `hostile` criterion group).
#[test]
fn every_three_letter_currency_in_descending_order_reads_on_both_paths() {
    let map = every_currency_descending();
    let doc = format!(
        r#"{{"status": "active", "balance": {{"as_of": {AS_OF}, "type": "cash",
            "current": {map}, "cash": {{"available": {map}}}}}}}"#
    );
    let fast = stripe::parse_account(doc.as_bytes()).unwrap();
    let reference = fundsgate::__private::parse_account_reference(doc.as_bytes()).unwrap();
    assert_eq!(fast, reference);
    let balance = fast.balance.as_ref().unwrap();
    assert_eq!(balance.current.len(), 17_576);
    let codes: Vec<String> = balance.current.iter().map(|(c, _)| c.to_string()).collect();
    assert_eq!(codes.first().map(String::as_str), Some("aaa"));
    assert_eq!(codes.last().map(String::as_str), Some("zzz"));
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted");
    assert_eq!(run(&fast, 7, &Policy::default()).rule, Rule::Sufficient);
    // One duplicate at the very end is still found, by both readers.
    let dup = map.replacen('{', r#"{"AAA": 1, "#, 1);
    let doc = format!(r#"{{"status": "active", "balance": {{"as_of": 1, "current": {dup}}}}}"#);
    for result in [
        stripe::parse_account(doc.as_bytes()),
        fundsgate::__private::parse_account_reference(doc.as_bytes()),
    ] {
        let err = result.unwrap_err();
        assert_eq!(err.path(), "balance.current", "{err}");
        assert!(err.to_string().contains("`aaa` appears twice"), "{err}");
    }
}

#[test]
fn a_stripe_object_that_is_not_an_account_is_named_at_object() {
    let cases = [
        (
            r#"{"id": "cus_1", "object": "customer", "balance": -500, "email": "a@b.c"}"#,
            "object",
            "this document is a Stripe `customer` object",
        ),
        (
            r#"{"id": "evt_1", "object": "event", "type": "customer.updated",
                "data": {"object": {"id": "cus_1", "object": "customer", "balance": 100}}}"#,
            "data.object.object",
            "the `customer.updated` event carries a Stripe `customer` object",
        ),
        (
            r#"{"object": "list", "url": "/v1/financial_connections/accounts", "has_more": false,
                "data": [{"object": "financial_connections.account", "status": "active"}]}"#,
            "object",
            "a list response: pass one account from its `data` array",
        ),
        (
            r#"{"object": "charge", "status": "succeeded", "balance": null}"#,
            "object",
            "a Stripe `charge` object",
        ),
    ];
    for (doc, path, says) in cases {
        for result in [
            stripe::parse_account(doc.as_bytes()),
            fundsgate::__private::parse_account_reference(doc.as_bytes()),
        ] {
            let err = result.unwrap_err();
            assert_eq!(err.path(), path, "{doc}: {err}");
            assert!(err.to_string().contains(says), "{doc}: {err}");
        }
        let line = format!(r#"{{"id": 9, "account": {doc}, "amount": 5, "currency": "usd"}}"#);
        let v = answer_both_ways(&line);
        let error = v["error"].as_str().unwrap();
        assert!(
            error.starts_with(&format!("account.{path}: ")),
            "{line}: {error}"
        );
        assert!(error.contains(says), "{error}");
    }
}

/// Found by the `batch_line` fuzz target: a line break between the tokens of
/// an `id` was echoed as is, and split the answer in two lines.
#[test]
fn an_id_with_line_breaks_between_its_tokens_answers_on_one_line() {
    let batch = Batch::new(Policy::default(), at(NOW));
    for line in [
        &b"{\"id\":[0\n]}"[..],
        b"{\"id\":[0,\r\n1], \"amount\": 5}",
        b"{\"id\": {\"a\"\n:\n\"x\\ny\"}, \"account\": null, \"amount\": 5, \"currency\": \"usd\"}",
    ] {
        let (mut fast, mut reference) = (Vec::new(), Vec::new());
        batch.answer(line, &mut fast);
        fundsgate::__private::answer_reference(&batch, line, &mut reference);
        assert_eq!(fast, reference);
        let text = String::from_utf8(fast).unwrap();
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(!v["id"].is_null(), "{text}");
    }
}

// ---- Plaid responses and neutral snapshot documents --------------------------------

use fundsgate::{ErrorKind, ParseError, Provider, ReadOptions, neutral, plaid, read_account};

/// A one-account Plaid response; `balances` and `extra` (more members of
/// the account) are spliced in.
fn plaid_with(balances: &str, extra: &str) -> Vec<u8> {
    format!(
        r#"{{"accounts": [{{"account_id": "a1", "type": "depository", {extra}
              "balances": {balances}}}], "item": {{"item_id": "i1"}}, "request_id": "r1"}}"#
    )
    .into_bytes()
}

const PLAID_BALANCES: &str = r#"{"available": 60, "current": 110.94, "iso_currency_code": "USD", "last_updated_datetime": null}"#;

#[track_caller]
fn plaid_rule(bytes: &[u8]) -> Rule {
    let s = plaid::parse_response(bytes, None, Some(NOW - 5))
        .unwrap_or_else(|e| panic!("expected a verdict, got {e}"));
    run(&s, 100, &Policy::default()).rule
}

#[track_caller]
fn plaid_error(bytes: &[u8]) -> ParseError {
    match plaid::parse_response(bytes, None, Some(NOW - 5)) {
        Ok(s) => panic!("expected an error, parsed {s:?}"),
        Err(e) => e,
    }
}

#[test]
fn plaid_nesting_100_000_deep_is_ignored_where_the_gate_does_not_read() {
    let deep = format!(r#""x": {}{}, "#, "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        plaid_rule(&plaid_with(PLAID_BALANCES, &deep)),
        Rule::Sufficient
    );
    let doc = plaid_with(
        &format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        "",
    );
    assert_eq!(plaid_error(&doc).path(), "accounts[0].balances");
}

#[test]
fn plaid_hostile_numbers_are_errors_at_their_path() {
    for (amount, kind) in [
        ("1e2", "exponent"),
        ("1.5E-2", "exponent"),
        ("\"60.00\"", "number in major units"),
        ("true", "number in major units"),
        ("{}", "number in major units"),
        (&"9".repeat(1 << 20), "overflows"),
        ("-92233720368547758.09", "overflows"),
    ] {
        let balances =
            format!(r#"{{"available": {amount}, "current": 1, "iso_currency_code": "USD"}}"#);
        let e = plaid_error(&plaid_with(&balances, ""));
        assert_eq!(e.path(), "accounts[0].balances.available", "{amount:.20}");
        assert!(e.message().contains(kind), "{amount:.20}: {e}");
    }
    // Not JSON at all: a syntax error, wherever it is.
    for not_json in ["NaN", "Infinity", "01", "1.", "+1", "0x10"] {
        let balances = format!(r#"{{"available": {not_json}, "iso_currency_code": "USD"}}"#);
        let e = plaid_error(&plaid_with(&balances, ""));
        assert_eq!(e.kind(), ErrorKind::Syntax, "{not_json}: {e}");
    }
    // Tiny amounts are cut toward −∞, never up.
    let balances =
        r#"{"available": 0.0000000001, "current": -0.0000000001, "iso_currency_code": "USD"}"#;
    let s = plaid::parse_response(&plaid_with(balances, ""), None, None).unwrap();
    let b = s.balance.unwrap();
    assert_eq!(
        (b.available.unwrap().get(usd()), b.current.get(usd())),
        (Some(0), Some(-1))
    );
}

#[test]
fn plaid_fields_of_the_wrong_type_are_errors_at_their_path() {
    let cases: [(&[u8], &str); 7] = [
        (br#"{"accounts": {"a1": {}}}"#, "accounts"),
        (br#"{"accounts": [[]]}"#, "accounts[0]"),
        (br#"{"accounts": [{"account_id": 7, "balances": {}}]}"#, "accounts[0].account_id"),
        (br#"{"accounts": [{"type": ["depository"], "balances": {}}]}"#, "accounts[0].type"),
        (br#"{"accounts": [{"balances": {"current": 1, "iso_currency_code": 840}}]}"#, "accounts[0].balances.iso_currency_code"),
        (br#"{"accounts": [{"balances": {"current": 1, "iso_currency_code": "USD", "last_updated_datetime": "yesterday"}}]}"#, "accounts[0].balances.last_updated_datetime"),
        (br#"{"accounts": [], "accounts": []}"#, "accounts"),
    ];
    for (doc, path) in cases {
        let e = plaid_error(doc);
        assert_eq!(e.path(), path, "{}: {e}", String::from_utf8_lossy(doc));
    }
    assert_eq!(
        plaid_error(br#"{"accounts": [], "accounts": []}"#).kind(),
        ErrorKind::Duplicate
    );
}

#[test]
fn plaid_strings_with_escapes_and_odd_unicode() {
    // An escaped id still selects its account; a lone surrogate is an error.
    let doc = br#"{"accounts": [{"account_id": "a\u00e9\n1", "type": "depository", "balances": {"current": 5, "iso_currency_code": "U\u0053D"}}]}"#;
    let s = plaid::parse_response(doc, Some("a\u{e9}\n1"), Some(NOW)).unwrap();
    assert_eq!(s.account_id.unwrap().as_str(), "a\u{e9}\n1");
    assert_eq!(s.balance.unwrap().current.get(usd()), Some(500));
    let doc = br#"{"accounts": [{"account_id": "\ud800", "balances": {}}]}"#;
    assert_eq!(plaid_error(doc).path(), "accounts[0].account_id");
}

#[test]
fn plaid_100_000_accounts_select_the_last_one() {
    let accounts: Vec<String> = (0..100_000)
        .map(|i| format!(r#"{{"account_id": "acc{i}", "type": "depository", "balances": {{"current": {i}, "iso_currency_code": "USD"}}}}"#))
        .collect();
    let doc = format!(r#"{{"accounts": [{}]}}"#, accounts.join(","));
    let s = plaid::parse_response(doc.as_bytes(), Some("acc99999"), Some(NOW)).unwrap();
    assert_eq!(s.balance.unwrap().current.get(usd()), Some(9_999_900));
    let e = plaid::parse_response(doc.as_bytes(), None, None).unwrap_err();
    assert!(
        e.message().len() < 1_000,
        "the id list is cut short: {} bytes",
        e.message().len()
    );
}

// ---- Plaid Signal ---------------------------------------------------------------

/// A Signal response with `core` as `core_attributes` and `extra` spliced
/// in at the top level.
fn signal_with(core: &str, extra: &str) -> Vec<u8> {
    format!(
        r#"{{"scores": null, {extra} "core_attributes": {core},
            "ruleset": {{"ruleset_key": "default", "result": "ACCEPT"}}, "warnings": [], "request_id": "r"}}"#
    )
    .into_bytes()
}

const SIGNAL_CORE: &str = r#"{"available_balance": 60, "current_balance": 110.94}"#;

#[test]
fn signal_nesting_and_80_attributes_are_skipped_and_read_fields_are_checked() {
    let deep = format!(r#""x": {}{}, "#, "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        plaid_rule(&signal_with(SIGNAL_CORE, &deep)),
        Rule::Sufficient
    );
    // Signal Transaction Scores return over 80 attributes: all skipped.
    let many: Vec<String> = (0..200)
        .map(|i| format!(r#""attribute_{i}": {{"v": [{i}, null, "x"]}}"#))
        .collect();
    let core = format!(r#"{{{}, "available_balance": 60}}"#, many.join(", "));
    assert_eq!(plaid_rule(&signal_with(&core, "")), Rule::Sufficient);
    let deep_core = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        plaid_error(&signal_with(&deep_core, "")).path(),
        "core_attributes"
    );
}

#[test]
fn signal_hostile_numbers_and_types_are_errors_at_their_path() {
    for (amount, kind) in [
        ("1e2", "exponent"),
        ("\"60.00\"", "number in major units"),
        (&"9".repeat(1 << 20), "overflows"),
    ] {
        let core = format!(r#"{{"available_balance": {amount}}}"#);
        let e = plaid_error(&signal_with(&core, ""));
        assert_eq!(
            e.path(),
            "core_attributes.available_balance",
            "{amount:.20}"
        );
        assert!(e.message().contains(kind), "{amount:.20}: {e}");
    }
    let cases: [(&[u8], &str); 6] = [
        (br#"{"core_attributes": [60]}"#, "core_attributes"),
        (
            br#"{"core_attributes": {"is_account_closed": 1}}"#,
            "core_attributes.is_account_closed",
        ),
        (
            br#"{"core_attributes": {"balance_last_updated": 1651516592}}"#,
            "core_attributes.balance_last_updated",
        ),
        (br#"{"ruleset": {"result": ["ACCEPT"]}}"#, "ruleset.result"),
        (br#"{"ruleset": "ACCEPT"}"#, "ruleset"),
        (br#"{"ruleset": null, "ruleset": {}}"#, "ruleset"),
    ];
    for (doc, path) in cases {
        let e = plaid_error(doc);
        assert_eq!(e.path(), path, "{}: {e}", String::from_utf8_lossy(doc));
    }
    // Duplicate keys the gate reads are errors, not "last one wins".
    let e =
        plaid_error(br#"{"core_attributes": {"available_balance": 1, "available_balance": 9000}}"#);
    assert_eq!(e.kind(), ErrorKind::Duplicate, "{e}");
}

#[test]
fn a_signal_document_of_1_mb_reads_in_linear_time_accepted_or_rejected() {
    let filler = "x".repeat(1 << 20);
    let good = signal_with(SIGNAL_CORE, &format!(r#""note": "{filler}","#));
    assert_eq!(plaid_rule(&good), Rule::Sufficient);
    let bad = signal_with(
        r#"{"available_balance": 1e3}"#,
        &format!(r#""note": "{filler}","#),
    );
    assert_eq!(
        plaid_error(&bad).path(),
        "core_attributes.available_balance"
    );
}

#[test]
fn detection_is_by_shape_and_a_forced_provider_wins() {
    let shapes: [(&[u8], Provider); 10] = [
        (br#"{"accounts": []}"#, Provider::Plaid),
        (br#"{"scores": null}"#, Provider::Plaid),
        (br#"{"ruleset": null, "request_id": "r"}"#, Provider::Plaid),
        (br#"{"core_attributes": {}}"#, Provider::Plaid),
        (br#"{"error_type": "API_ERROR"}"#, Provider::Plaid),
        (
            br#"{"object": "fundsgate.snapshot", "status": "active"}"#,
            Provider::Snapshot,
        ),
        (
            br#"{"object": "financial_connections.account", "accounts": []}"#,
            Provider::Stripe,
        ),
        (br#"{"status": "active"}"#, Provider::Stripe),
        (br#"[1, 2]"#, Provider::Stripe),
        (b"not json", Provider::Stripe),
    ];
    for (doc, provider) in shapes {
        assert_eq!(
            fundsgate::detect_provider(doc),
            provider,
            "{}",
            String::from_utf8_lossy(doc)
        );
    }
    let forced = read_account(
        br#"{"object": "fundsgate.snapshot", "status": "active"}"#,
        &ReadOptions::new().provider(Provider::Stripe),
    )
    .unwrap_err();
    assert_eq!(
        (forced.path().to_string().as_str(), forced.kind()),
        ("object", ErrorKind::NotAnAccount)
    );
}

#[test]
fn snapshot_documents_fail_closed_on_unknown_values_and_reject_bad_ones() {
    let doc = |body: &str| format!(r#"{{"object": "fundsgate.snapshot", {body}}}"#).into_bytes();
    // Unknown enum values read, and deny.
    let s = neutral::parse(&doc(r#""status": "suspended""#)).unwrap();
    assert_eq!(run(&s, 100, &Policy::default()).rule, Rule::Unrecognized);
    let s = neutral::parse(&doc(
        r#""status": "active", "balance": {"as_of": 1651516592, "type": "overdraft", "current": {"usd": 9}}"#,
    ))
    .unwrap();
    assert_eq!(run(&s, 1, &Policy::default()).rule, Rule::Unrecognized);
    // Unknown fields are ignored.
    let s = neutral::parse(&doc(
        r#""status": "active", "next_version_field": {"x": [1]}"#,
    ))
    .unwrap();
    assert_eq!(s.provider, Some(Provider::Snapshot));
    // Bad values are errors at their path.
    let cases = [
        (r#""status": 3"#, "status"),
        (r#""category": "cash""#, "status"),
        (
            r#""status": "active", "balance": {"current": {"usd": 60.5}}"#,
            "balance.current.usd",
        ),
        (
            r#""status": "active", "balance": {"current": {"usd": 1, "USD": 2}}"#,
            "balance.current",
        ),
        (
            r#""status": "active", "balance": [1651516592, "cash"]"#,
            "balance",
        ),
        (
            r#""status": "active", "refresh": {"next_refresh_available_at": "soon"}"#,
            "refresh.next_refresh_available_at",
        ),
        (
            r#""status": "active", "account_numbers": "some""#,
            "account_numbers",
        ),
        (r#""status": "active", "closed": "no""#, "closed"),
    ];
    for (body, path) in cases {
        let e = neutral::parse(&doc(body)).unwrap_err();
        assert!(e.path().to_string().starts_with(path), "{body}: {e}");
    }
    let e = neutral::parse(br#"{"status": "active"}"#).unwrap_err();
    assert_eq!(
        (e.path().to_string().as_str(), e.kind()),
        ("object", ErrorKind::Missing)
    );
    let e = neutral::parse(br#"{"object": "financial_connections.account", "status": "active"}"#)
        .unwrap_err();
    assert_eq!(
        (e.path().to_string().as_str(), e.kind()),
        ("object", ErrorKind::NotAnAccount)
    );
}

#[test]
fn batch_lines_with_hostile_plaid_and_snapshot_accounts_answer_alike_on_both_readers() {
    let plaid_deep = String::from_utf8(plaid_with(
        PLAID_BALANCES,
        &format!(r#""x": {}{}, "#, "[".repeat(50_000), "]".repeat(50_000)),
    ))
    .unwrap();
    let lines = [
        format!(r#"{{"id": 1, "account": {plaid_deep}, "amount": 100, "currency": "usd", "fetched_at": {NOW}}}"#),
        format!(r#"{{"id": 2, "account": {}, "amount": 100, "currency": "usd"}}"#, String::from_utf8(plaid_with(r#"{"available": 1e2}"#, "")).unwrap()),
        r#"{"id": 3, "account": {"object": "fundsgate.snapshot", "status": "active", "balance": {"current": {"usd": 1.5}}}, "amount": 100, "currency": "usd"}"#.to_owned(),
        r#"{"id": 4, "account": {"accounts": []}, "amount": 100, "currency": "usd"}"#.to_owned(),
        r#"{"id": 5, "account": {"error_type": "ITEM_ERROR"}, "account_id": 7, "amount": 100, "currency": "usd"}"#.to_owned(),
    ];
    let expected = [
        ("decision", "allow"),
        (
            "error",
            "account.accounts[0].balances.available: expected a number without an exponent part",
        ),
        ("error", "account.balance.current.usd: "),
        ("error", "account.accounts: the response holds no account"),
        (
            "error",
            "account_id: invalid type: integer `7`, expected a string",
        ),
    ];
    for (line, (key, start)) in lines.iter().zip(expected) {
        let answer = answer_both_ways(line);
        let got = answer[key].as_str().unwrap_or_else(|| panic!("{answer}"));
        assert!(got.starts_with(start), "{got}");
    }
}

/// Found by the `batch_line` fuzz target: an id that is a number beyond a
/// double's range (valid JSON grammar) was echoed as is, and the answer line
/// could not be read back by serde_json. Such an id is now an error, and the
/// error line's id is null.
#[test]
fn an_id_no_reader_can_read_back_is_not_echoed() {
    for id in [
        "77.777777737e775",
        "[1e400]",
        &"9".repeat(400),
        r#"{"a": -1e999}"#,
    ] {
        let line = format!(r#"{{"id": {id}, "account": null, "amount": 1, "currency": "usd"}}"#);
        let answer = answer_both_ways(&line);
        assert_eq!(answer["id"], serde_json::Value::Null, "{id}");
        assert!(
            answer["error"]
                .as_str()
                .unwrap()
                .starts_with("id: cannot be echoed"),
            "{answer}"
        );
    }
    // Within range, any form is echoed byte for byte.
    let answer =
        answer_both_ways(r#"{"id": 1.5e300, "account": null, "amount": 1, "currency": "usd"}"#);
    assert_eq!(answer["id"], serde_json::json!(1.5e300));
    assert_eq!(answer["decision"], "deny");
}
