//! SPEC §2: reading account documents and policies. Every input error names
//! its JSON path.

use crate::common::*;
use fundsgate::Code::*;
use fundsgate::Decision::{Allow, Deny};
use fundsgate::{
    BalanceType, Category, Debit, Policy, RefreshStatus, Rule, Status, decide, stripe,
};

const DOCS_EXAMPLE: &[u8] = include_bytes!("../../examples/accounts/active_cash.json");

/// A minimal account with `balance` replaced by `balance_json`.
fn with_balance(balance_json: &str) -> String {
    format!(
        r#"{{"object": "financial_connections.account", "status": "active", "balance": {balance_json}}}"#
    )
}

/// `balance.current.usd` of a document that must parse.
#[track_caller]
fn current_usd(doc: &str) -> Option<i64> {
    stripe::parse_account(doc.as_bytes())
        .unwrap()
        .balance
        .unwrap()
        .current
        .get(usd())
}

#[track_caller]
fn error_at(doc: &str, path: &str) -> String {
    match stripe::parse_account(doc.as_bytes()) {
        Ok(s) => panic!("expected an error at {path}, parsed {s:?}"),
        Err(e) => {
            assert_eq!(e.path(), path, "path of `{e}`");
            assert!(
                e.to_string().starts_with(&format!("{path}: ")),
                "display of `{e}`"
            );
            e.to_string()
        }
    }
}

// ---- The docs example --------------------------------------------------------

#[test]
fn the_stripe_docs_example_parses_and_decides() {
    let s = stripe::parse_account(DOCS_EXAMPLE).unwrap();
    assert_eq!(s.status, Status::Active);
    assert_eq!(s.category, Some(Category::Cash));
    let b = s.balance.as_ref().unwrap();
    assert_eq!((b.as_of, b.kind), (Some(1_651_516_592), BalanceType::Cash));
    assert_eq!(b.current.get(usd()), Some(6000));
    assert_eq!(b.available.as_ref().unwrap().get(usd()), Some(6000));
    let r = s.refresh.unwrap();
    assert_eq!(r.status, RefreshStatus::Succeeded);
    assert_eq!(
        r.next_refresh_available_at,
        fundsgate::NextRefresh::At(1_651_520_182)
    );

    let allow = run(&s, 6000, &Policy::default());
    assert_row(&allow, Rule::Sufficient, Allow, &[], &[], None);
    let deny = run(&s, 20_000, &Policy::default());
    assert_row(
        &deny,
        Rule::Insufficient,
        Deny,
        &[InsufficientFunds],
        &[],
        None,
    );
}

#[test]
fn a_refreshed_balance_event_reads_its_data_object() {
    let account = std::str::from_utf8(DOCS_EXAMPLE).unwrap();
    let event = format!(
        r#"{{"id": "evt_1", "object": "event", "api_version": "2022-08-01", "created": 1651516600,
            "type": "financial_connections.account.refreshed_balance",
            "data": {{"object": {account}}}, "livemode": false, "pending_webhooks": 1}}"#
    );
    let from_event = stripe::parse_account(event.as_bytes()).unwrap();
    assert_eq!(from_event, stripe::parse_account(DOCS_EXAMPLE).unwrap());
}

#[test]
fn a_document_without_object_reads_as_an_account() {
    let s = stripe::parse_account(br#"{"status": "inactive"}"#).unwrap();
    assert_eq!(
        (s.status, s.balance, s.refresh, s.category),
        (Status::Inactive, None, None, None)
    );
}

#[test]
fn unknown_fields_are_ignored_whatever_they_hold() {
    let doc = r#"{"status": "active", "future_field": {"deep": [1.5, "x", {"usd": "nope"}]},
        "balance": {"as_of": 1, "type": "cash", "current": {"usd": 1}, "new_thing": 2.5,
                    "cash": {"available": {"usd": 1}, "pending": 3.5},
                    "credit": {"used": {"usd": 9.5}}},
        "balance_refresh": {"status": "pending", "error": {"code": "x"}}}"#;
    let s = stripe::parse_account(doc.as_bytes()).unwrap();
    assert_eq!(s.balance.unwrap().current.get(usd()), Some(1));
}

#[test]
fn unknown_enum_values_are_kept_as_unrecognized() {
    let s = stripe::parse_account(br#"{"status": "pending", "category": "crypto"}"#).unwrap();
    assert_eq!(
        (s.status, s.category),
        (Status::Unrecognized, Some(Category::Unrecognized))
    );
    let doc = with_balance(r#"{"as_of": 1, "type": "loan", "current": {}}"#);
    let s = stripe::parse_account(doc.as_bytes()).unwrap();
    assert_eq!(s.balance.unwrap().kind, BalanceType::Unrecognized);
    let s =
        stripe::parse_account(br#"{"status": "active", "balance_refresh": {"status": "queued"}}"#)
            .unwrap();
    assert_eq!(s.refresh.unwrap().status, RefreshStatus::Unrecognized);
    let v = run(&s, 1, &Policy::default());
    assert_row(
        &v,
        Rule::Unrecognized,
        Deny,
        &[UnrecognizedValue],
        &[],
        None,
    );
}

#[test]
fn absent_and_null_optional_parts_read_as_null() {
    let s = stripe::parse_account(
        br#"{"status": "active", "balance": null, "balance_refresh": null, "category": null}"#,
    )
    .unwrap();
    assert_eq!((s.balance, s.refresh, s.category), (None, None, None));
    for cash in [r#"null"#, r#"{"available": null}"#, r#"{}"#] {
        let doc = with_balance(&format!(
            r#"{{"as_of": 1, "type": "cash", "current": {{"usd": 5}}, "cash": {cash}}}"#
        ));
        let balance = stripe::parse_account(doc.as_bytes())
            .unwrap()
            .balance
            .unwrap();
        assert_eq!(balance.available, None, "cash: {cash}");
    }
}

#[test]
fn a_null_amount_counts_as_absent() {
    let doc = with_balance(
        r#"{"as_of": 1, "type": "cash", "current": {"usd": 7}, "cash": {"available": {"usd": null}}}"#,
    );
    let s = stripe::parse_account(doc.as_bytes()).unwrap();
    let b = s.balance.unwrap();
    assert_eq!(b.available.unwrap().get(usd()), None);
    assert_eq!(b.current.get(usd()), Some(7));
}

#[test]
fn currency_keys_are_case_folded() {
    let doc = with_balance(r#"{"as_of": 1, "type": "cash", "current": {"USD": 7, "eUr": 3}}"#);
    let b = stripe::parse_account(doc.as_bytes())
        .unwrap()
        .balance
        .unwrap();
    assert_eq!(b.current.get(usd()), Some(7));
    assert_eq!(b.current.get("EUR".parse().unwrap()), Some(3));
}

#[test]
fn a_leading_byte_order_mark_is_skipped() {
    let mut doc = b"\xEF\xBB\xBF".to_vec();
    doc.extend_from_slice(DOCS_EXAMPLE);
    assert_eq!(
        stripe::parse_account(&doc).unwrap(),
        stripe::parse_account(DOCS_EXAMPLE).unwrap()
    );
}

#[test]
fn negative_balances_are_read() {
    let doc = with_balance(r#"{"as_of": 1, "type": "cash", "current": {"usd": -250}}"#);
    assert_eq!(current_usd(&doc), Some(-250));
}

// ---- Input errors ------------------------------------------------------------

#[test]
fn malformed_json_is_an_error() {
    error_at(r#"{"status": "active", "balance": {"as_of": 1,"#, "balance");
    error_at("", "(root)");
    error_at("not json", "(root)");
    error_at(r#"{"status": "active"} trailing"#, "(root)");
}

#[test]
fn a_document_that_is_not_an_object_is_an_error() {
    let msg = error_at(r#"["financial_connections.account", "active"]"#, "(root)");
    assert!(msg.contains("expected an object"), "{msg}");
    let msg = error_at(
        r#"{"status": "active", "balance": [1651516592, "cash", {"usd": 1}]}"#,
        "balance",
    );
    assert!(msg.contains("expected an object"), "{msg}");
    error_at(
        r#"{"status": "active", "balance_refresh": ["succeeded", 1, 2]}"#,
        "balance_refresh",
    );
    error_at("42", "(root)");
    error_at("null", "(root)");
}

#[test]
fn another_stripe_object_is_an_error() {
    let msg = error_at(
        r#"{"object": "payment_intent", "status": "succeeded"}"#,
        "object",
    );
    assert!(msg.contains("payment_intent"), "{msg}");
    error_at(
        r#"{"object": "linked_account", "status": "active"}"#,
        "object",
    );
}

#[test]
fn an_event_without_an_account_is_an_error() {
    error_at(r#"{"object": "event", "type": "x"}"#, "data");
    error_at(r#"{"object": "event", "data": {}}"#, "data.object");
    let msg = error_at(
        r#"{"object": "event", "data": {"object": {"object": "charge", "status": "paid"}}}"#,
        "data.object.object",
    );
    assert!(msg.contains("charge"), "{msg}");
    error_at(
        r#"{"object": "event", "data": {"object": {"object": "event"}}}"#,
        "data.object.object",
    );
}

#[test]
fn errors_inside_an_event_name_the_full_path() {
    let doc = r#"{"object": "event", "data": {"object": {"status": "active",
        "balance": {"as_of": 1, "current": {"usd": 1.5}}}}}"#;
    error_at(doc, "data.object.balance.current.usd");
    error_at(
        r#"{"object": "event", "data": {"object": {"balance": null}}}"#,
        "data.object.status",
    );
}

#[test]
fn status_is_required() {
    error_at(r#"{"object": "financial_connections.account"}"#, "status");
    error_at(r#"{"status": null}"#, "status");
    let msg = error_at(r#"{"status": 3}"#, "status");
    assert!(msg.contains("expected an account status string"), "{msg}");
}

#[test]
fn wrong_types_say_what_was_expected() {
    let msg = error_at(r#"{"object": 5, "status": "active"}"#, "object");
    assert!(
        msg.contains("expected a Stripe object type string"),
        "{msg}"
    );
    let msg = error_at(r#"{"status": "active", "category": []}"#, "category");
    assert!(msg.contains("expected an account category string"), "{msg}");
    let msg = error_at(
        &with_balance(r#"{"as_of": 1, "type": 1, "current": {}}"#),
        "balance.type",
    );
    assert!(msg.contains("expected a balance type string"), "{msg}");
    let msg = error_at(
        r#"{"status": "active", "balance_refresh": {"status": true}}"#,
        "balance_refresh.status",
    );
    assert!(msg.contains("expected a refresh status string"), "{msg}");
    let msg = error_at(
        &with_balance(r#"{"as_of": 1, "current": []}"#),
        "balance.current",
    );
    assert!(
        msg.contains("expected an object of currency codes to integer amounts"),
        "{msg}"
    );
    let msg = error_at(
        &with_balance(r#"{"as_of": 1, "current": {"usd": []}}"#),
        "balance.current.usd",
    );
    assert!(
        msg.contains("expected an integer amount in i64 range, found an array"),
        "{msg}"
    );
}

#[test]
fn a_balance_without_as_of_is_an_error() {
    error_at(
        &with_balance(r#"{"type": "cash", "current": {"usd": 1}}"#),
        "balance.as_of",
    );
    error_at(
        &with_balance(r#"{"as_of": null, "type": "cash", "current": {}}"#),
        "balance.as_of",
    );
}

#[test]
fn as_of_must_be_an_integer() {
    for bad in [r#""1651516592""#, "true", "1651516592.5", "1.6e9"] {
        error_at(
            &with_balance(&format!(r#"{{"as_of": {bad}, "current": {{}}}}"#)),
            "balance.as_of",
        );
    }
}

#[test]
fn amounts_must_be_json_integers_in_i64_range() {
    for bad in [
        "6000.0",
        r#""6000""#,
        "1e3",
        "9223372036854775808",
        "-9223372036854775809",
        "true",
        "[]",
        "{}",
    ] {
        let doc = with_balance(&format!(
            r#"{{"as_of": 1, "type": "cash", "current": {{"usd": 1}}, "cash": {{"available": {{"usd": {bad}}}}}}}"#
        ));
        let msg = error_at(&doc, "balance.cash.available.usd");
        assert!(msg.contains("expected an integer amount"), "{bad}: {msg}");
    }
    let doc = with_balance(r#"{"as_of": 1, "type": "cash", "current": {"usd": 6000.5}}"#);
    let msg = error_at(&doc, "balance.current.usd");
    assert!(msg.contains("found the float 6000.5"), "{msg}");
    let doc = with_balance(r#"{"as_of": 1, "type": "cash", "current": {"usd": 6000.0}}"#);
    let msg = error_at(&doc, "balance.current.usd");
    assert!(msg.contains("found the float 6000.0"), "{msg}");
    let doc =
        with_balance(r#"{"as_of": 1, "type": "cash", "current": {"usd": 9223372036854775807}}"#);
    assert_eq!(current_usd(&doc), Some(i64::MAX));
}

#[test]
fn refresh_timestamps_must_be_integers() {
    let doc = r#"{"status": "active", "balance_refresh": {"status": "failed", "next_refresh_available_at": "soon"}}"#;
    error_at(doc, "balance_refresh.next_refresh_available_at");
    let doc = r#"{"status": "active", "balance_refresh": {"status": "failed", "last_attempted_at": 1.5}}"#;
    error_at(doc, "balance_refresh.last_attempted_at");
}

#[test]
fn currency_keys_must_be_three_ascii_letters() {
    for bad in ["undefined", "us", "u5d", "", "usdd", "ü$d"] {
        let doc = with_balance(&format!(
            r#"{{"as_of": 1, "type": "cash", "current": {{"{bad}": 1}}}}"#
        ));
        let msg = error_at(&doc, &format!("balance.current.{bad}"));
        assert!(msg.contains("3 ASCII letters"), "{bad}: {msg}");
    }
}

#[test]
fn the_same_currency_twice_is_an_error() {
    for pair in [
        r#""usd": 1, "usd": 2"#,
        r#""usd": 1, "USD": 2"#,
        r#""usd": null, "Usd": 2"#,
    ] {
        let doc = with_balance(&format!(
            r#"{{"as_of": 1, "type": "cash", "current": {{{pair}}}}}"#
        ));
        let msg = error_at(&doc, "balance.current");
        assert!(msg.contains("appears twice"), "{pair}: {msg}");
    }
}

#[test]
fn a_duplicate_field_the_gate_reads_is_an_error() {
    let doc = r#"{"status": "active", "balance": null, "balance": null}"#;
    let msg = error_at(doc, "balance");
    assert!(msg.contains("duplicate field"), "{msg}");
}

// ---- Debits ----------------------------------------------------------------

#[test]
fn debits_are_validated() {
    assert!(Debit::new(0, usd(), 0).is_err());
    assert!(Debit::new(-1, usd(), 0).is_err());
    assert!(Debit::new(1, usd(), -1).is_err());
    let d = Debit::new(i64::MAX, usd(), i64::MAX).unwrap();
    assert_eq!((d.amount(), d.in_flight()), (i64::MAX, i64::MAX));
    assert!("usd ".parse::<fundsgate::Currency>().is_err());
}

// ---- Policies ---------------------------------------------------------------

#[test]
fn the_default_policy_is_spec_section_4() {
    let json: serde_json::Value =
        serde_json::from_str(&Policy::default().to_json_pretty()).unwrap();
    let expected = serde_json::json!({
        "max_balance_age_secs": 86400,
        "max_clock_skew_secs": 300,
        "fallback_to_current": true,
        "buffer_ratio": "0",
        "buffer_min": 0,
        "current_extra_ratio": "0",
        "unverified_allowance": {},
        "accept_categories": ["cash"],
        "livemode": null,
        "max_reinitiations": 2,
        "reinitiation_window_days": 180,
        "velocity": [],
        "provider_review": "deny",
        "fingerprint": "sha256:5569d1c4f632db306b9c62631fb3b7d012bf6081eb148da6b0556a1c6232a2e7"
    });
    assert_eq!(json, expected);
    assert_eq!(Policy::from_json(b"{}").unwrap(), Policy::default());
}

#[test]
fn policy_ratios_are_exact_from_strings_and_numbers() {
    let p = Policy::from_json(br#"{"buffer_ratio": 0.1, "current_extra_ratio": "0.30"}"#).unwrap();
    assert_eq!(p.buffer_ratio().to_string(), "0.1");
    assert_eq!(p.current_extra_ratio().to_string(), "0.3");
    // 17 significant digits: a float would round this.
    let p = Policy::from_json(br#"{"buffer_ratio": 0.12345678901234567}"#).unwrap();
    assert_eq!(p.buffer_ratio().to_string(), "0.12345678901234567");
    let p = Policy::from_json(br#"{"buffer_ratio": 5e-2, "current_extra_ratio": 10}"#).unwrap();
    assert_eq!(
        (
            p.buffer_ratio().to_string().as_str(),
            p.current_extra_ratio().to_string().as_str()
        ),
        ("0.05", "10")
    );
}

#[track_caller]
fn policy_error_at(json: &str, path: &str) -> String {
    let e = Policy::from_json(json.as_bytes()).unwrap_err();
    assert_eq!(e.path(), path, "path of `{e}`");
    e.to_string()
}

#[test]
fn v2_policy_keys_and_their_bounds() {
    let p = Policy::from_json(
        br#"{"accept_categories": ["other", "cash", "investment", "cash"], "livemode": true,
            "max_reinitiations": 0, "reinitiation_window_days": 1}"#,
    )
    .unwrap();
    assert_eq!(
        p.accept_categories().iter().collect::<Vec<_>>(),
        [Category::Cash, Category::Investment, Category::Other]
    );
    assert_eq!(p.livemode(), Some(true));
    assert_eq!(
        (
            p.max_reinitiations().get(),
            p.reinitiation_window_days().get()
        ),
        (0, 1)
    );
    let json: serde_json::Value = serde_json::from_str(&p.to_json_pretty()).unwrap();
    assert_eq!(
        json["accept_categories"],
        serde_json::json!(["cash", "investment", "other"])
    );
    assert_eq!(Policy::from_json(p.to_json_pretty().as_bytes()).unwrap(), p);
    let none = Policy::from_json(br#"{"accept_categories": []}"#).unwrap();
    assert_eq!(none.accept_categories().iter().count(), 0);

    let msg = policy_error_at(
        r#"{"accept_categories": ["cash", "credit"]}"#,
        "accept_categories",
    );
    assert!(msg.contains("`credit` can never be accepted"), "{msg}");
    let msg = policy_error_at(r#"{"accept_categories": ["savings"]}"#, "accept_categories");
    assert!(msg.contains("unknown category `savings`"), "{msg}");
    policy_error_at(r#"{"accept_categories": "cash"}"#, "accept_categories");
    policy_error_at(r#"{"livemode": "yes"}"#, "livemode");
    for bad in ["3", "-1", "1.5", "\"2\""] {
        policy_error_at(
            &format!(r#"{{"max_reinitiations": {bad}}}"#),
            "max_reinitiations",
        );
    }
    for bad in ["0", "181", "65537"] {
        let msg = policy_error_at(
            &format!(r#"{{"reinitiation_window_days": {bad}}}"#),
            "reinitiation_window_days",
        );
        assert!(msg.contains("out of range: expected 1 to 180"), "{msg}");
    }
    Policy::from_json(br#"{"max_reinitiations": 2, "reinitiation_window_days": 180}"#).unwrap();
}

#[test]
fn policy_errors_name_the_key() {
    let msg = policy_error_at(r#"{"max_age_secs": 5}"#, "max_age_secs");
    assert!(msg.contains("unknown field"), "{msg}");
    assert!(
        policy_error_at(r#"{"buffer_ratio": "10.0001"}"#, "buffer_ratio").contains("out of range")
    );
    assert!(policy_error_at(r#"{"buffer_ratio": -0.1}"#, "buffer_ratio").contains("out of range"));
    assert!(policy_error_at(r#"{"buffer_ratio": "abc"}"#, "buffer_ratio").contains("decimal"));
    assert!(policy_error_at(r#"{"buffer_ratio": true}"#, "buffer_ratio").contains("decimal"));
    assert!(
        policy_error_at(
            r#"{"current_extra_ratio": "0.0000000000000000001"}"#,
            "current_extra_ratio"
        )
        .contains("18 decimal places")
    );
    policy_error_at(r#"{"buffer_min": -1}"#, "buffer_min");
    policy_error_at(r#"{"buffer_min": 1.5}"#, "buffer_min");
    policy_error_at(r#"{"max_balance_age_secs": "1"}"#, "max_balance_age_secs");
    policy_error_at(r#"{"fallback_to_current": "yes"}"#, "fallback_to_current");
    policy_error_at(
        r#"{"unverified_allowance": {"usd": -5}}"#,
        "unverified_allowance.usd",
    );
    policy_error_at(
        r#"{"unverified_allowance": {"usd": 5, "USD": 6}}"#,
        "unverified_allowance",
    );
    policy_error_at(
        r#"{"unverified_allowance": {"dollars": 5}}"#,
        "unverified_allowance.dollars",
    );
    policy_error_at("[]", "(root)");
    policy_error_at("[86400, 300]", "(root)");
}

#[test]
fn a_policy_json_round_trips() {
    let p = Policy::from_json(
        br#"{"max_balance_age_secs": 3600, "max_clock_skew_secs": 0, "fallback_to_current": false,
            "buffer_ratio": "0.025", "buffer_min": 150, "current_extra_ratio": 0.5,
            "unverified_allowance": {"USD": 5000, "eur": 0}}"#,
    )
    .unwrap();
    let again = Policy::from_json(p.to_json_pretty().as_bytes()).unwrap();
    assert_eq!(again, p);
    assert_eq!(p.unverified_allowance().get(usd()), Some(5000));
}

#[test]
fn an_allowed_policy_applies_to_a_parsed_document() {
    let doc = br#"{"status": "active", "balance": null, "balance_refresh": {"status": "succeeded",
        "last_attempted_at": 1, "next_refresh_available_at": 2}}"#;
    let s = stripe::parse_account(doc).unwrap();
    let policy = Policy::from_json(br#"{"unverified_allowance": {"usd": 2500}}"#).unwrap();
    let v = decide(&s, &debit(2500), &policy, at(NOW)).unwrap();
    assert_row(
        &v,
        Rule::MissingNotShared,
        Allow,
        &[],
        &[BalanceMissing, FundsNotVerified],
        None,
    );
}

// ---- Instants and error accessors ----------------------------------------------

#[test]
fn instants_read_unix_seconds_and_rfc3339() {
    use fundsgate::{from_unix, parse_instant};
    let t = parse_instant("1651516600").unwrap();
    assert_eq!(t, at(NOW));
    assert_eq!(parse_instant("2022-05-02T18:36:40Z").unwrap(), t);
    assert_eq!(parse_instant("2022-05-02T20:36:40+02:00").unwrap(), t);
    assert_eq!(parse_instant(" 1651516600 ").unwrap(), t);
    assert_eq!(parse_instant("-1").unwrap().timestamp(), -1);
    assert_eq!(parse_instant("+5").unwrap().timestamp(), 5);
    for bad in [
        "",
        "-",
        "+",
        "12a",
        "1651516600.5",
        "yesterday",
        "99999999999999999999",
    ] {
        let e = parse_instant(bad).unwrap_err();
        assert_eq!(
            e,
            fundsgate::InstantError::Malformed {
                found: bad.trim().to_owned()
            },
            "{bad}"
        );
    }
    // Milliseconds are refused, whatever their sign; the bound itself is fine.
    for ms in [
        "1651516600000",
        "-1651516600000",
        "100000000001",
        "9223372036854775807",
    ] {
        let e = parse_instant(ms).unwrap_err();
        assert!(
            e.to_string().contains("looks like milliseconds"),
            "{ms}: {e}"
        );
    }
    assert_eq!(
        parse_instant("100000000000").unwrap().timestamp(),
        100_000_000_000
    );
    assert_eq!(
        parse_instant("-100000000000").unwrap().timestamp(),
        -100_000_000_000
    );
    assert_eq!(from_unix(0).unwrap().timestamp(), 0);
    assert!(from_unix(i64::MAX).is_none());
}

#[test]
fn errors_expose_path_and_message() {
    let e =
        stripe::parse_account(br#"{"status": "active", "balance": {"as_of": "x", "current": {}}}"#)
            .unwrap_err();
    assert_eq!(e.path(), "balance.as_of");
    assert!(
        e.message()
            .starts_with("expected an integer amount in i64 range, found the string \"x\""),
        "{}",
        e.message()
    );
    assert_eq!(e.to_string(), format!("{}: {}", e.path(), e.message()));
}

#[test]
fn a_nested_duplicate_field_names_its_full_path() {
    let e = stripe::parse_account(
        br#"{"status": "active", "balance": {"as_of": 1, "as_of": 2, "current": {}}}"#,
    )
    .unwrap_err();
    assert_eq!(e.path(), "balance.as_of");
    assert!(
        e.message().contains("duplicate field `as_of`"),
        "{}",
        e.message()
    );
    let e = Policy::from_json(br#"{"buffer_min": 1, "buffer_min": 2}"#).unwrap_err();
    assert_eq!(e.path(), "buffer_min");
}

// ---- SPEC v2 fields --------------------------------------------------------------

#[track_caller]
fn account(extra: &str) -> fundsgate::Snapshot {
    let doc =
        format!(r#"{{"object": "financial_connections.account", "status": "active", {extra}}}"#);
    let fast = stripe::parse_account(doc.as_bytes()).unwrap();
    let reference = fundsgate::__private::parse_account_reference(doc.as_bytes()).unwrap();
    assert_eq!(fast, reference, "{doc}");
    fast
}

#[test]
fn permissions_null_absent_with_and_without_balances() {
    assert_eq!(account(r#""x": 1"#).balances_permitted, None);
    assert_eq!(account(r#""permissions": null"#).balances_permitted, None);
    assert_eq!(
        account(r#""permissions": ["ownership", "balances", "brand_new"]"#).balances_permitted,
        Some(true)
    );
    assert_eq!(
        account(r#""permissions": ["payment_method", "transactions"]"#).balances_permitted,
        Some(false)
    );
    assert_eq!(
        account(r#""permissions": []"#).balances_permitted,
        Some(false)
    );
    error_at(
        r#"{"status": "active", "permissions": "balances"}"#,
        "permissions",
    );
    error_at(
        r#"{"status": "active", "permissions": ["balances", 5]}"#,
        "permissions[1]",
    );
}

#[test]
fn supported_payment_method_types_say_whether_ach_is_possible() {
    assert_eq!(account(r#""x": 1"#).ach_supported, None);
    assert_eq!(
        account(r#""supported_payment_method_types": ["link", "us_bank_account"]"#).ach_supported,
        Some(true)
    );
    assert_eq!(
        account(r#""supported_payment_method_types": ["link"]"#).ach_supported,
        Some(false)
    );
}

#[test]
fn account_numbers_are_read_by_status() {
    use fundsgate::AccountNumbers::*;
    assert_eq!(
        account(r#""account_numbers": null"#).account_numbers,
        Unknown
    );
    assert_eq!(account(r#""account_numbers": []"#).account_numbers, Unknown);
    assert_eq!(
        account(r#""account_numbers": [{"status": "deactivated"}, {"status": "transactable", "supported_networks": ["ach"]}]"#)
            .account_numbers,
        Transactable
    );
    assert_eq!(
        account(r#""account_numbers": [{"status": "deactivated", "expected_expiry_date": null}]"#)
            .account_numbers,
        NoneTransactable
    );
    assert_eq!(
        account(r#""account_numbers": [{"status": "paused"}, {"identifier_type": "x"}]"#)
            .account_numbers,
        NoneTransactable
    );
    error_at(
        r#"{"status": "active", "account_numbers": [{"status": 1}]}"#,
        "account_numbers[0].status",
    );
}

#[test]
fn status_details_closed_relink_and_expected_deactivation() {
    let s = account(
        r#""status_details": {"inactive": {"action": "relink_required", "cause": "account_closed"}}"#,
    );
    assert!(s.closed && s.relink_required);
    assert_eq!(s.expected_deactivation, None);
    let s = account(
        r#""status_details": {"active": {"action": "none", "expected_deactivation_date": 1660000000}}"#,
    );
    assert!(!s.closed && !s.relink_required);
    assert_eq!(s.expected_deactivation, Some(1_660_000_000));
    let s =
        account(r#""status_details": {"inactive": {"action": "none", "cause": "access_expired"}}"#);
    assert!(!s.closed && !s.relink_required);
    for empty in ["null", "{}", r#"{"active": null, "inactive": null}"#] {
        let s = account(&format!(r#""status_details": {empty}"#));
        assert!(!s.closed && !s.relink_required && s.expected_deactivation.is_none());
    }
    error_at(
        r#"{"status": "active", "status_details": {"active": {"expected_deactivation_date": "soon"}}}"#,
        "status_details.active.expected_deactivation_date",
    );
}

#[test]
fn livemode_and_next_refresh_absent_vs_null() {
    use fundsgate::Livemode;
    use fundsgate::NextRefresh;
    assert_eq!(account(r#""livemode": true"#).livemode, Livemode::Is(true));
    // Stripe always states it: null and absent are both missing (denied by
    // a policy that sets `livemode`).
    assert_eq!(account(r#""livemode": null"#).livemode, Livemode::Missing);
    assert_eq!(account(r#""x": 1"#).livemode, Livemode::Missing);
    let next = |r: &str| {
        account(&format!(r#""balance_refresh": {{"status": "failed"{r}}}"#))
            .refresh
            .unwrap()
            .next_refresh_available_at
    };
    assert_eq!(next(""), NextRefresh::NotStated);
    assert_eq!(
        next(r#", "next_refresh_available_at": null"#),
        NextRefresh::Unavailable
    );
    assert_eq!(
        next(r#", "next_refresh_available_at": 7"#),
        NextRefresh::At(7)
    );
}

// ---- Policy fingerprint, name, other formats ------------------------------------

#[test]
fn the_fingerprint_is_sha256_of_the_canonical_json() {
    use sha2::{Digest, Sha256};
    // SPEC §3, written out by hand: every decision key, sorted, ratios as
    // normalized strings, no whitespace, no name.
    let canonical = concat!(
        r#"{"accept_categories":["cash","investment"],"buffer_min":25,"buffer_ratio":"0.05","#,
        r#""current_extra_ratio":"0","fallback_to_current":false,"livemode":true,"#,
        r#""max_balance_age_secs":3600,"max_clock_skew_secs":300,"max_reinitiations":1,"#,
        r#""provider_review":"decide","reinitiation_window_days":180,"unverified_allowance":{"eur":100,"usd":5000},"#,
        r#""velocity":[{"max_amount":null,"max_count":1,"window_secs":3600},"#,
        r#"{"max_amount":{"eur":7,"usd":100000},"max_count":3,"window_secs":86400}]}"#
    );
    let expected: String = Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let p = Policy::from_json(
        br#"{"name": "written one way", "unverified_allowance": {"USD": 5000, "eur": 100},
            "buffer_ratio": 0.050, "buffer_min": 25, "max_balance_age_secs": 3600,
            "accept_categories": ["investment", "cash", "investment"], "livemode": true,
            "fallback_to_current": false, "max_reinitiations": 1, "provider_review": "decide",
            "velocity": [{"window_secs": 86400, "max_count": 3, "max_amount": {"USD": 100000, "eur": 7}},
                         {"max_count": 1, "window_secs": 3600}]}"#,
    )
    .unwrap();
    assert_eq!(p.fingerprint().to_string(), format!("sha256:{expected}"));
}

#[test]
fn policies_deciding_alike_share_a_fingerprint_and_others_do_not() {
    let fp = |json: &str| {
        Policy::from_json(json.as_bytes())
            .unwrap()
            .fingerprint()
            .to_string()
    };
    let default = fp("{}");
    assert_eq!(
        fp(r#"{"name": "anything"}"#),
        default,
        "the name is not part of it"
    );
    assert_eq!(
        fp(r#"{"buffer_ratio": "0.000", "accept_categories": ["cash", "cash"]}"#),
        default
    );
    assert_eq!(fp(r#"{"max_reinitiations": 2, "livemode": null}"#), default);
    assert_eq!(Policy::default().fingerprint().to_string(), default);
    for different in [
        r#"{"buffer_ratio": "0.01"}"#,
        r#"{"livemode": false}"#,
        r#"{"accept_categories": []}"#,
        r#"{"unverified_allowance": {"usd": 0}}"#,
        r#"{"max_clock_skew_secs": 301}"#,
    ] {
        assert_ne!(fp(different), default, "{different}");
    }
    let built = Policy::builder()
        .buffer_ratio("0.01".parse().unwrap())
        .build();
    assert_eq!(
        built.fingerprint().to_string(),
        fp(r#"{"buffer_ratio": 0.01}"#)
    );
}

#[test]
fn a_written_policy_reads_back_and_its_fingerprint_is_checked() {
    let p = Policy::from_json(br#"{"name": "cautious", "buffer_ratio": "0.1"}"#).unwrap();
    let text = p.to_json_pretty();
    assert!(text.contains(&format!("\"fingerprint\": \"{}\"", p.fingerprint())));
    assert_eq!(Policy::from_json(text.as_bytes()).unwrap(), p);
    let tampered = text.replace("\"0.1\"", "\"0.2\"");
    let msg = policy_error_at(&tampered, "(root)");
    assert!(msg.contains("does not match"), "{msg}");
    policy_error_at(r#"{"fingerprint": "sha256:12"}"#, "fingerprint");
}

#[test]
fn a_policy_name_is_at_most_100_characters() {
    let long = "é".repeat(101);
    let msg = policy_error_at(&format!(r#"{{"name": "{long}"}}"#), "name");
    assert!(msg.contains("at most 100 characters"), "{msg}");
    let ok = "é".repeat(100);
    assert_eq!(
        Policy::from_json(format!(r#"{{"name": "{ok}"}}"#).as_bytes())
            .unwrap()
            .name(),
        Some(ok.as_str())
    );
    assert!(Policy::builder().name(&long).is_err());
}

#[test]
fn a_policy_reads_from_toml_and_a_json_value_with_the_same_rules() {
    let from_json = Policy::from_json(
        br#"{"name": "n", "buffer_ratio": "0.05", "current_extra_ratio": 0.1, "buffer_min": 10,
            "unverified_allowance": {"usd": 5000}, "accept_categories": ["cash", "other"]}"#,
    )
    .unwrap();
    let from_toml: Policy = toml::from_str(
        r#"
        name = "n"
        buffer_ratio = "0.05"
        current_extra_ratio = 0.1
        buffer_min = 10
        accept_categories = ["cash", "other"]
        [unverified_allowance]
        usd = 5000
        "#,
    )
    .unwrap();
    assert_eq!(from_toml, from_json);
    let value: serde_json::Value = serde_json::from_str(&from_json.to_json_pretty()).unwrap();
    assert_eq!(serde_json::from_value::<Policy>(value).unwrap(), from_json);

    let typo = toml::from_str::<Policy>("max_age_secs = 5")
        .unwrap_err()
        .to_string();
    assert!(typo.contains("unknown field `max_age_secs`"), "{typo}");
    let credit = toml::from_str::<Policy>(r#"accept_categories = ["credit"]"#)
        .unwrap_err()
        .to_string();
    assert!(credit.contains("never be accepted"), "{credit}");
    let out_of_range = toml::from_str::<Policy>("buffer_ratio = 11")
        .unwrap_err()
        .to_string();
    assert!(out_of_range.contains("out of range"), "{out_of_range}");
    // A positional array is not a policy, in any format.
    let array = serde_json::json!([86400, 300, true, "0.05"]);
    let msg = serde_json::from_value::<Policy>(array)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("expected an object"), "{msg}");
    policy_error_at("[86400, 300]", "(root)");
}

// ---- Error types ---------------------------------------------------------------------

/// What an embedder writes: one error enum, a `From` per fundsgate error.
#[derive(Debug)]
enum AppError {
    Parse(fundsgate::ParseError),
    Policy(fundsgate::PolicyError),
}

impl From<fundsgate::ParseError> for AppError {
    fn from(e: fundsgate::ParseError) -> Self {
        AppError::Parse(e)
    }
}

impl From<fundsgate::PolicyError> for AppError {
    fn from(e: fundsgate::PolicyError) -> Self {
        AppError::Policy(e)
    }
}

fn load(account: &[u8], policy: &[u8]) -> Result<(), AppError> {
    stripe::parse_account(account)?;
    Policy::from_json(policy)?;
    Ok(())
}

#[test]
fn parse_and_policy_errors_are_distinct_types_with_a_kind() {
    use fundsgate::ErrorKind;
    assert!(matches!(load(b"{", b"{}"), Err(AppError::Parse(e)) if e.kind() == ErrorKind::Syntax));
    assert!(matches!(
        load(br#"{"status": "active"}"#, b"[]"),
        Err(AppError::Policy(e)) if e.path() == "(root)"
    ));

    let kind = |doc: &str| stripe::parse_account(doc.as_bytes()).unwrap_err().kind();
    assert_eq!(kind("{"), ErrorKind::Syntax);
    assert_eq!(kind(r#"{"status": "active"} x"#), ErrorKind::Syntax);
    assert_eq!(kind(r#"{"balance": null}"#), ErrorKind::Missing);
    assert_eq!(
        kind(r#"{"status": "active", "balance": {"current": {}}}"#),
        ErrorKind::Missing
    );
    assert_eq!(
        kind(r#"{"status": "active", "status": "active"}"#),
        ErrorKind::Duplicate
    );
    assert_eq!(
        kind(r#"{"status": "active", "balance": {"as_of": 1, "current": {"usd": 1, "USD": 2}}}"#),
        ErrorKind::Duplicate
    );
    assert_eq!(kind(r#"{"status": 5}"#), ErrorKind::Invalid);
    assert_eq!(
        kind(r#"{"object": "customer", "balance": 5}"#),
        ErrorKind::NotAnAccount
    );
    let policy_kind = |doc: &str| Policy::from_json(doc.as_bytes()).unwrap_err().kind();
    assert_eq!(policy_kind(r#"{"inflight": 1}"#), ErrorKind::UnknownField);
    assert_eq!(policy_kind(r#"{"buffer_ratio": "11"}"#), ErrorKind::Invalid);

    // The message leaves the path to the caller; Display joins them.
    let e =
        stripe::parse_account(br#"{"status": "active", "balance": {"as_of": "x", "current": {}}}"#)
            .unwrap_err();
    assert_eq!(e.path(), "balance.as_of");
    assert!(!e.message().contains("balance.as_of"), "{}", e.message());
    assert_eq!(e.to_string(), format!("{}: {}", e.path(), e.message()));
    // Debit errors carry no field name either: the caller names it.
    let d = fundsgate::Debit::new(0, usd(), 0).unwrap_err();
    assert_eq!(
        d.to_string(),
        "must be a positive integer in minor units, found 0"
    );
}

#[test]
fn the_verdict_records_the_policy_name_and_fingerprint() {
    let named = Policy::from_json(br#"{"name": "cautious", "buffer_ratio": "0.1"}"#).unwrap();
    let s = stripe::parse_account(DOCS_EXAMPLE).unwrap();
    let v = decide(&s, &debit(100), &named, at(NOW)).unwrap();
    assert_eq!(v.policy.name.as_deref(), Some("cautious"));
    assert_eq!(v.policy.fingerprint, *named.fingerprint());
    let unnamed = decide(&s, &debit(100), &Policy::default(), at(NOW)).unwrap();
    assert_eq!(unnamed.policy.name, None);
    assert_ne!(unnamed.policy.fingerprint, v.policy.fingerprint);
    assert_eq!(
        v.engine.as_str(),
        concat!("fundsgate ", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(v.evaluated_at, NOW);
    assert_eq!(
        (v.debit.amount, v.debit.in_flight, v.debit.currency),
        (100, 0, usd())
    );
    assert_eq!(
        v.account.as_ref().map(|a| a.as_str()),
        Some("fca_1Jbry3BAjqvGMUSxCDjFsrLU")
    );
    assert_eq!(v.provider, Some(fundsgate::Provider::Stripe));
}

#[test]
fn fingerprints_and_categories_print_and_parse() {
    let fp = *Policy::default().fingerprint();
    let text = fp.to_string();
    assert_eq!(text.len(), 7 + 64);
    assert_eq!(format!("{fp:?}"), format!("Fingerprint({text})"));
    assert_eq!(text.parse::<fundsgate::Fingerprint>().unwrap(), fp);
    let hex: String = fp.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(text, format!("sha256:{hex}"));
    assert!("sha256:zz".parse::<fundsgate::Fingerprint>().is_err());
    assert!(
        format!("sha256:{}", "g".repeat(64))
            .parse::<fundsgate::Fingerprint>()
            .is_err()
    );
    let both = fundsgate::Categories::CASH.with(Category::Other).unwrap();
    assert_eq!(format!("{both:?}"), "{Cash, Other}");
    let msg = policy_error_at(r#"{"accept_categories": "cash"}"#, "accept_categories");
    assert!(msg.contains("an array of account categories"), "{msg}");
}

#[test]
fn an_error_kind_prints_and_round_trips_by_its_name() {
    use fundsgate::ErrorKind;
    let mut names = std::collections::BTreeSet::new();
    for &kind in ErrorKind::ALL {
        assert_eq!(kind.to_string(), kind.as_str());
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{}\"", kind.as_str()));
        assert_eq!(serde_json::from_str::<ErrorKind>(&json).unwrap(), kind);
        assert!(names.insert(kind.as_str()), "{kind} twice");
    }
    assert_eq!(names.len(), 6);
    let err = serde_json::from_str::<ErrorKind>("\"Syntax\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown variant `Syntax`"), "{err}");
    assert!(err.contains("`syntax`, `unknown_field`"), "{err}");
}

#[test]
fn every_error_converts_to_the_one_error_type_keeping_its_message() {
    use fundsgate::{Error, ErrorKind};
    fn same<E: Into<Error> + std::fmt::Display + Clone>(e: &E) -> Error {
        let one: Error = e.clone().into();
        assert_eq!(one.to_string(), e.to_string());
        one
    }
    let policy = same(&Policy::from_json(br#"{"bufer_min": 1}"#).unwrap_err());
    assert!(matches!(policy, Error::Policy(_)));
    assert_eq!(policy.kind(), Some(ErrorKind::UnknownField));
    let parse = same(&fundsgate::stripe::parse_account(b"{").unwrap_err());
    assert_eq!(parse.kind(), Some(ErrorKind::Syntax));
    let currency = same(&fundsgate::Currency::new("us").unwrap_err());
    assert!(matches!(currency, Error::Currency(_)));
    assert_eq!(currency.kind(), None);
    let ratio =
        same(&fundsgate::Ratio::new(fundsgate::rust_decimal::Decimal::from(11)).unwrap_err());
    assert!(matches!(ratio, Error::Ratio(_)));
    let code = same(&"X01".parse::<fundsgate::ReturnCode>().unwrap_err());
    assert!(matches!(code, Error::ReturnCode(_)));
    let id = same(&fundsgate::DebitId::new(&"x".repeat(256)).unwrap_err());
    assert!(matches!(id, Error::DebitIdTooLong(_)));
    let fingerprint = same(&"md5:00".parse::<fundsgate::Fingerprint>().unwrap_err());
    assert!(matches!(fingerprint, Error::Fingerprint(_)));
    let instant = same(&fundsgate::parse_instant("yesterday").unwrap_err());
    assert!(matches!(instant, Error::Instant(_)));
}

#[test]
fn error_paths_are_segments_with_the_root_empty() {
    use fundsgate::{JsonPath, PathSegment::*, RequestError};
    let key = |k: &str| Key(k.into());
    // An account's fault, then the same under a request's `account`.
    let e = stripe::parse_account(
        br#"{"object": "financial_connections.account", "status": "active",
             "balance": {"as_of": 1, "type": "cash", "cash": {"available": {"usd": 1.5}}}}"#,
    )
    .unwrap_err();
    let inner = [key("balance"), key("cash"), key("available"), key("usd")];
    assert_eq!(e.path().segments(), inner);
    assert_eq!(e.path(), "balance.cash.available.usd");
    let outer = RequestError::account(e);
    assert_eq!(outer.path().segments().first(), Some(&key("account")));
    assert_eq!(outer.path().segments().get(1..), Some(&inner[..]));
    // A root fault is the empty path, printed `(root)` in the message.
    let e = Policy::from_json(b"[]").unwrap_err();
    assert!(e.path().is_root());
    assert_eq!(e.path(), &JsonPath::ROOT);
    assert!(e.to_string().starts_with("(root): "), "{e}");
    // A key is one segment whatever it holds, and an index is a number.
    let e = Policy::from_json(br#"{"unverified_allowance": {"usd": 1}, "a.b[0]": 1}"#).unwrap_err();
    assert_eq!(e.path().segments(), [key("a.b[0]")]);
    let e = RequestError::new(
        fundsgate::ErrorKind::Invalid,
        "presentment.returns[12]",
        "bad",
    );
    assert_eq!(
        e.path().segments(),
        [key("presentment"), key("returns"), Index(12)]
    );
    assert_eq!(e.to_string(), "presentment.returns[12]: bad");
}
