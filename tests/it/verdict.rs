//! The verdict vocabulary: wire names, code sets and their order.

use fundsgate::{Basis, Code, Codes, Decision, RefreshAction, Rule};
use serde::Serialize;

fn wire<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn every_name_agrees_with_serde() {
    for &code in Code::ALL {
        assert_eq!(code.as_str(), wire(code));
        assert_eq!(code.to_string(), code.as_str());
        assert_eq!(
            serde_json::from_value::<Code>(code.as_str().into()).unwrap(),
            code
        );
    }
    for d in [Decision::Allow, Decision::Deny, Decision::RefreshNeeded] {
        assert_eq!(d.as_str(), wire(d));
    }
    for b in [Basis::Available, Basis::Current] {
        assert_eq!(b.as_str(), wire(b));
    }
    for a in [
        RefreshAction::Initiate,
        RefreshAction::Wait,
        RefreshAction::RetryAfter,
    ] {
        assert_eq!(a.as_str(), wire(a));
    }
    let ids: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    // SPEC §5's id column, in table order (v3: the re-presentment rows first,
    // then the velocity rows).
    assert_eq!(
        ids,
        [
            "not_retryable",
            "retry_limit",
            "retry_window",
            "velocity_count",
            "velocity_amount",
            "unlinked",
            "unrecognized",
            "livemode",
            "closed",
            "not_debitable",
            "numbers_deactivated",
            "provider_declined",
            "provider_review",
            "credit",
            "category",
            "missing_link_down",
            "missing_not_permitted",
            "missing_request_failed",
            "missing_never_refreshed",
            "missing_pending",
            "missing_failed_can_start",
            "missing_failed_later",
            "missing_not_shared",
            "no_currency",
            "future",
            "stale_link_down",
            "stale_not_permitted",
            "stale_pending",
            "stale_can_start",
            "stale_later",
            "sufficient",
            "insufficient",
        ]
    );
    for &r in Rule::ALL {
        assert_eq!(r.as_str(), wire(r));
        assert_eq!(r.to_string(), r.as_str());
        assert_eq!(
            serde_json::from_value::<Rule>(r.as_str().into()).unwrap(),
            r
        );
    }
}

#[test]
fn the_rows_marked_star_are_the_ones_softened() {
    let starred: Vec<&str> = Rule::ALL
        .iter()
        .filter(|r| r.cannot_verify())
        .map(|r| r.as_str())
        .collect();
    assert_eq!(
        starred,
        [
            "unlinked",
            "category",
            "missing_link_down",
            "missing_not_permitted",
            "missing_request_failed",
            "missing_failed_later",
            "missing_not_shared",
            "no_currency",
            "stale_link_down",
            "stale_not_permitted",
            "stale_later",
        ]
    );
}

#[test]
fn the_spec_vocabulary_is_exactly_the_codes() {
    let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    names.sort_unstable();
    // SPEC v3 §3's list, verbatim.
    let mut spec = vec![
        "insufficient_funds",
        "account_disconnected",
        "account_inactive",
        "account_closed",
        "credit_account",
        "category_not_accepted",
        "ach_not_supported",
        "account_number_deactivated",
        "balances_not_permitted",
        "no_balance_data",
        "balance_missing",
        "refresh_not_requested",
        "refresh_pending",
        "refresh_failed",
        "balance_stale",
        "balance_from_future",
        "currency_not_in_balance",
        "unrecognized_value",
        "livemode_mismatch",
        "return_not_retryable",
        "retry_limit_reached",
        "retry_window_closed",
        "used_current_balance",
        "funds_not_verified",
        "relink_required",
        "deactivation_expected",
        "velocity_count_exceeded",
        "velocity_amount_exceeded",
        "provider_declined",
        "provider_review",
        "request_failed",
    ];
    spec.sort_unstable();
    assert_eq!(names, spec);
}

#[test]
fn code_sets() {
    assert!(Codes::EMPTY.is_empty());
    assert_eq!(Codes::EMPTY.len(), 0);
    let all: Codes = Code::ALL.iter().copied().collect();
    assert_eq!(all.len(), Code::ALL.len());
    assert_eq!(all.iter().collect::<Vec<_>>(), Code::ALL);
    let some = Codes::of(&[Code::RefreshFailed, Code::BalanceMissing]);
    assert_eq!((some.len(), some.is_empty()), (2, false));
    assert!(some.contains(Code::BalanceMissing) && !some.contains(Code::BalanceStale));
    assert_eq!(
        some.union(Codes::EMPTY.with(Code::FundsNotVerified)).len(),
        3
    );
    assert_eq!(some.with(Code::BalanceMissing), some);
    assert_eq!(some.union(some), some);
    assert_eq!(format!("{some:?}"), "{BalanceMissing, RefreshFailed}");
    assert_eq!(
        serde_json::to_string(&some).unwrap(),
        r#"["balance_missing","refresh_failed"]"#
    );
    assert_eq!(
        serde_json::from_str::<Codes>(r#"["refresh_failed","balance_missing"]"#).unwrap(),
        some
    );
    let not_a_list = serde_json::from_str::<Codes>("5").unwrap_err();
    assert!(
        not_a_list
            .to_string()
            .contains("expected an array of reason codes"),
        "{not_a_list}"
    );
    let twice =
        serde_json::from_str::<Codes>(r#"["refresh_failed","refresh_failed"]"#).unwrap_err();
    assert!(twice.to_string().contains("appears twice"), "{twice}");
}

#[test]
fn vocabulary_types_display_their_wire_names() {
    assert_eq!(Decision::RefreshNeeded.to_string(), "refresh_needed");
    assert_eq!(Basis::Current.to_string(), "current");
    assert_eq!(RefreshAction::RetryAfter.to_string(), "retry_after");
    assert_eq!(Rule::MissingFailedLater.to_string(), "missing_failed_later");
    assert_eq!(Code::RelinkRequired.to_string(), "relink_required");
}

#[test]
fn codes_iterate_with_for() {
    let set = Codes::of(&[Code::RefreshFailed, Code::BalanceMissing]);
    let mut seen = Vec::new();
    for code in set {
        seen.push(code);
    }
    assert_eq!(seen, [Code::BalanceMissing, Code::RefreshFailed]);
    assert_eq!(set.into_iter().len(), 2);
}

#[test]
fn a_batch_answer_line_reads_back_as_a_verdict() {
    use fundsgate::Batch;
    use fundsgate::Verdict;
    let batch = Batch::new(
        fundsgate::Policy::default(),
        fundsgate::from_unix(1_651_516_600).unwrap(),
    );
    let mut out = Vec::new();
    let line =
        br#"{"id": {"order": 42}, "account": {"status": "active", "balance": {"as_of": 1651516592,
        "type": "cash", "current": {"usd": 6000}}}, "amount": 5000, "currency": "usd"}"#;
    batch.answer(line, &mut out);
    let read: Verdict = serde_json::from_slice(&out).unwrap();
    assert_eq!(read.decision, Decision::Allow);
    assert_eq!(read.rule, Rule::Sufficient);
    assert_eq!(read.max_allowed, Some(6000));
    // Fields a later version adds are accepted.
    let mut value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    value["added_in_a_later_version"] = serde_json::json!({"x": [1, 2]});
    let again: Verdict = serde_json::from_value(value).unwrap();
    assert_eq!(again, read);
}

use crate::rows;

/// The JSON writer puts the explanation between quotes without escaping it:
/// on every row, plain and softened, it must be ASCII with no `"` or `\`,
/// open with its decision and end with a full stop.
#[test]
fn every_rows_explanation_is_plain_ascii_that_names_its_decision() {
    let now = fundsgate::from_unix(1_651_516_600).unwrap();
    let mut texts = std::collections::BTreeSet::new();
    for case in rows::cases() {
        let v = match &case.snapshot {
            Some(s) => fundsgate::decide(s, &case.debit, &case.policy, now),
            None => fundsgate::decide_unlinked(&case.debit, &case.policy, now),
        }
        .unwrap();
        let text = v.explanation();
        assert!(
            text.is_ascii() && !text.contains(['"', '\\']),
            "{}: {text}",
            case.rule
        );
        let prefix = match v.decision {
            Decision::Allow if v.warnings.contains(Code::FundsNotVerified) => {
                "Allowed without verified funds"
            }
            Decision::Allow => "Allowed: ",
            Decision::Deny => "Denied: ",
            Decision::RefreshNeeded => "Refresh needed: ",
        };
        assert!(text.starts_with(prefix), "{}: {text}", case.rule);
        assert!(text.ends_with('.'), "{}: {text}", case.rule);
        assert_eq!(v.to_string(), text);
        assert!(v.to_json().contains(&format!("\"explanation\":\"{text}\"")));
        texts.insert(text);
    }
    assert_eq!(texts.len(), Rule::ALL.len(), "one sentence per row");
}

/// The decision table as the contract and the README print it, written from
/// [`fundsgate::ROWS`]: `deny*` for a row the allowance may soften, the
/// link's reason spelled for both states of a link that is down.
fn markdown_table() -> String {
    let mut table = String::from(
        "| id | condition | decision | reasons | refresh |\n| --- | --- | --- | --- | --- |\n",
    );
    for row in fundsgate::ROWS {
        let decision = match row.decision {
            Decision::Allow => "**allow**".to_owned(),
            d if row.softenable => format!("{d}*"),
            d => d.to_string(),
        };
        let mut reasons: Vec<&str> = row.reasons.iter().map(Code::as_str).collect();
        if row.link_down {
            reasons.push("account_inactive / account_disconnected");
        }
        let reasons = if reasons.is_empty() {
            "—".to_owned()
        } else {
            reasons.join(", ")
        };
        let refresh = row.refresh.map_or("—", RefreshAction::as_str);
        table.push_str(&format!(
            "| `{}` | {} | {decision} | {reasons} | {refresh} |\n",
            row.rule, row.when
        ));
    }
    table
}

#[test]
fn the_contract_and_the_readme_print_the_one_table_of_rows() {
    let table = markdown_table();
    for file in ["docs/contract.md", "README.md"] {
        let text =
            std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert!(
            text.contains(&table),
            "{file}'s decision table differs from fundsgate::ROWS; it should read:\n{table}"
        );
    }
}

#[test]
fn every_row_is_its_rules_and_its_sentence_has_text() {
    assert_eq!(fundsgate::ROWS.len(), Rule::ALL.len());
    for (row, &rule) in fundsgate::ROWS.iter().zip(Rule::ALL) {
        assert_eq!(row.rule, rule);
        assert_eq!(rule.row(), row);
        assert_eq!(rule.cannot_verify(), row.softenable);
        assert!(!row.when.is_empty(), "{rule}");
        assert!(
            row.explanation
                .iter()
                .any(|p| matches!(p, fundsgate::Piece::Text(t) if !t.is_empty())),
            "{rule}: a sentence without words"
        );
        // A refresh_needed row always says what to do; an allow row never
        // gives a reason.
        if row.decision == Decision::RefreshNeeded {
            assert!(row.refresh.is_some(), "{rule}");
        }
        if row.decision == Decision::Allow {
            assert!(row.reasons.is_empty() && !row.softenable, "{rule}");
        }
    }
}
