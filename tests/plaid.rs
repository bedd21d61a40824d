//! Plaid documents (SPEC v2 §1–2) through `read_account` and `decide`: one
//! test per decision-table row that a Plaid document can reach, on fixtures
//! shaped like Plaid's API reference examples (`tests/fixtures/plaid/`), and
//! the reader's own rules (selection, exact amounts, errors).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

mod common;

use common::{NOW, at, usd};
use fundsgate::Code::*;
use fundsgate::{
    BalanceType, Basis, Categories, Category, Currency, CurrencyMap, Debit, Decision, ErrorKind,
    ParseError, Policy, Presentment, Provider, ReadOptions, RefreshAction, ReturnCode, Rule,
    Snapshot, Status, Verdict, decide, detect_provider, plaid, read_account,
};

const CHECKING: &str = "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp";
const SAVINGS: &str = "dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK";
const CREDIT_CARD: &str = "6PdjjRP6LmugpBy5NgQvUqpRXMWxzktg3rwrk";
const STUDENT_LOAN: &str = "XMBvvyMGQ1UoLbKByoMqH3nXMj84ALSdE5B58";
const IRA: &str = "Qy1ERLxZqVFBQLZzxyZ5TJrgzrX8MBHDLadGX";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/plaid/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(name: &str, account_id: Option<&str>, fetched_at: Option<i64>) -> Snapshot {
    try_read(name, account_id, fetched_at).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn try_read(
    name: &str,
    account_id: Option<&str>,
    fetched_at: Option<i64>,
) -> Result<Snapshot, ParseError> {
    let mut options = ReadOptions::new();
    if let Some(id) = account_id {
        options = options.account_id(id);
    }
    if let Some(t) = fetched_at {
        options = options.fetched_at(t);
    }
    read_account(&fixture(name), &options)
}

fn run(s: &Snapshot, amount: i64, currency: &str, policy: &Policy) -> Verdict {
    let debit = Debit::new(amount, Currency::new(currency).unwrap(), 0).unwrap();
    decide(s, &debit, policy, at(NOW)).unwrap()
}

/// The checking account of `checking_only.json`: 60.00 available, 110.94
/// current, dated 8 s before [`NOW`].
fn checking() -> Snapshot {
    read("checking_only", None, None)
}

#[test]
fn every_fixture_is_detected_as_plaid() {
    for name in [
        "balance_get",
        "checking_only",
        "item_login_required",
        "rate_limit",
        "institution_down",
        "odd_accounts",
    ] {
        assert_eq!(detect_provider(&fixture(name)), Provider::Plaid, "{name}");
    }
}

#[test]
fn the_only_account_is_read_with_its_id_and_exact_amounts() {
    let s = checking();
    assert_eq!(s.provider, Some(Provider::Plaid));
    assert_eq!(s.account_id.as_ref().map(|id| id.as_str()), Some(CHECKING));
    assert_eq!(s.status, Status::Active);
    assert_eq!(s.category, Some(Category::Cash));
    assert_eq!(s.refresh, None, "Plaid has no refresh state");
    let b = s.balance.unwrap();
    assert_eq!(b.kind, BalanceType::Cash);
    assert_eq!(b.as_of, Some(1_651_516_592), "last_updated_datetime");
    assert_eq!(b.current.get(usd()), Some(11094));
    assert_eq!(b.available.unwrap().get(usd()), Some(6000));
}

#[test]
fn row_sufficient() {
    let v = run(&checking(), 6000, "usd", &Policy::default());
    assert_eq!((v.decision, v.rule), (Decision::Allow, Rule::Sufficient));
    assert_eq!((v.basis, v.balance), (Some(Basis::Available), Some(6000)));
    assert_eq!(v.provider, Some(Provider::Plaid));
    assert_eq!(v.account.as_ref().map(|id| id.as_str()), Some(CHECKING));
}

#[test]
fn row_insufficient() {
    let v = run(&checking(), 6001, "usd", &Policy::default());
    assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::Insufficient));
    assert!(v.reasons.contains(InsufficientFunds));
    assert_eq!(v.max_allowed, Some(6000));
}

#[test]
fn fetched_at_dates_a_balance_plaid_does_not_date() {
    let s = read("balance_get", Some(CHECKING), Some(NOW - 5));
    assert_eq!(s.balance.as_ref().unwrap().as_of, Some(NOW - 5));
    let v = run(&s, 10_000, "usd", &Policy::default());
    assert_eq!((v.decision, v.balance_age_secs), (Decision::Allow, Some(5)));
    let v = run(&s, 10_001, "usd", &Policy::default());
    assert_eq!(v.rule, Rule::Insufficient);
}

#[test]
fn last_updated_datetime_wins_over_fetched_at() {
    let s = read("checking_only", None, Some(NOW - 3600));
    assert_eq!(s.balance.unwrap().as_of, Some(1_651_516_592));
}

#[test]
fn row_stale_can_start_when_the_balance_has_no_date() {
    let s = read("balance_get", Some(CHECKING), None);
    assert_eq!(s.balance.as_ref().unwrap().as_of, None);
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!(
        (v.decision, v.rule),
        (Decision::RefreshNeeded, Rule::StaleCanStart)
    );
    assert!(v.reasons.contains(BalanceStale));
    assert_eq!((v.as_of, v.balance_age_secs), (None, None));
    let refresh = v.refresh.unwrap();
    assert_eq!(
        (refresh.action, refresh.not_before),
        (RefreshAction::Initiate, None)
    );
    assert!(
        v.explanation().contains("date is unknown"),
        "{}",
        v.explanation()
    );
}

#[test]
fn row_stale_can_start_when_the_balance_is_old() {
    let s = read("balance_get", Some(CHECKING), Some(NOW - 86_401));
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!(v.rule, Rule::StaleCanStart);
    assert_eq!(v.refresh.unwrap().action, RefreshAction::Initiate);
}

#[test]
fn current_is_the_fallback_when_available_is_null() {
    let s = read("balance_get", Some(SAVINGS), Some(NOW));
    let v = run(&s, 21_000, "usd", &Policy::default());
    assert_eq!(
        (v.decision, v.basis),
        (Decision::Allow, Some(Basis::Current))
    );
    assert!(v.warnings.contains(UsedCurrentBalance));
}

#[test]
fn row_credit_for_credit_and_loan_accounts() {
    for id in [CREDIT_CARD, STUDENT_LOAN] {
        let s = read("balance_get", Some(id), Some(NOW));
        assert_eq!(s.category, Some(Category::Credit), "{id}");
        assert_eq!(s.balance.as_ref().unwrap().kind, BalanceType::Credit);
        let v = run(&s, 100, "usd", &Policy::default());
        assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::Credit), "{id}");
        assert!(v.reasons.contains(CreditAccount));
    }
}

#[test]
fn row_category_for_investment_and_brokerage_accounts() {
    let ira = read("balance_get", Some(IRA), Some(NOW));
    let brokerage = read("odd_accounts", Some("brokerage"), Some(NOW));
    let investing = Policy::builder()
        .accept_categories(Categories::CASH.with(Category::Investment).unwrap())
        .build();
    for s in [ira, brokerage] {
        assert_eq!(s.category, Some(Category::Investment));
        let v = run(&s, 100, "usd", &Policy::default());
        assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::Category));
        assert!(v.reasons.contains(CategoryNotAccepted));
        assert_ne!(run(&s, 100, "usd", &investing).rule, Rule::Category);
    }
}

#[test]
fn row_unrecognized_for_a_new_plaid_type() {
    let s = read("odd_accounts", Some("new_type"), Some(NOW));
    assert_eq!(s.category, Some(Category::Unrecognized));
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::Unrecognized));
    assert!(v.reasons.contains(UnrecognizedValue));
}

#[test]
fn row_no_currency_for_a_null_or_other_currency() {
    // Plaid type `other`, with an unofficial currency only.
    let crypto = read("odd_accounts", Some("crypto"), Some(NOW));
    assert_eq!(crypto.category, Some(Category::Other));
    assert!(crypto.balance.as_ref().unwrap().current.is_empty());
    let others = Policy::builder()
        .accept_categories(Categories::CASH.with(Category::Other).unwrap())
        .build();
    let v = run(&crypto, 100, "usd", &others);
    assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::NoCurrency));
    assert!(v.reasons.contains(CurrencyNotInBalance));

    let euros = read("odd_accounts", Some("eur_savings"), Some(NOW));
    assert_eq!(
        run(&euros, 100, "usd", &Policy::default()).rule,
        Rule::NoCurrency
    );
    let v = run(&euros, 25_050, "eur", &Policy::default());
    assert_eq!((v.decision, v.balance), (Decision::Allow, Some(25_050)));
    assert_eq!(
        run(&euros, 25_051, "eur", &Policy::default()).rule,
        Rule::Insufficient
    );
}

#[test]
fn row_future_for_a_balance_dated_ahead() {
    let s = read("odd_accounts", Some("future"), None);
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::Future));
    assert!(v.reasons.contains(BalanceFromFuture));
}

#[test]
fn row_missing_never_refreshed_when_both_amounts_are_null() {
    let s = read("odd_accounts", Some("no_balances"), Some(NOW));
    assert_eq!(s.balance, None);
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!(
        (v.decision, v.rule),
        (Decision::RefreshNeeded, Rule::MissingNeverRefreshed)
    );
    assert_eq!(v.refresh.unwrap().action, RefreshAction::Initiate);
}

#[test]
fn row_missing_never_refreshed_for_errors_other_than_item_errors() {
    for name in ["rate_limit", "institution_down"] {
        let s = read(name, None, None);
        assert_eq!(
            (s.status, s.relink_required),
            (Status::Active, false),
            "{name}"
        );
        let v = run(&s, 100, "usd", &Policy::default());
        assert_eq!(
            (v.decision, v.rule),
            (Decision::RefreshNeeded, Rule::MissingNeverRefreshed),
            "{name}"
        );
        assert!(v.reasons.contains(BalanceMissing) && v.reasons.contains(RefreshNotRequested));
        assert_eq!(v.account, None);
    }
}

#[test]
fn row_missing_link_down_for_an_item_error() {
    let s = read("item_login_required", Some(CHECKING), None);
    assert_eq!((s.status, s.relink_required), (Status::Inactive, true));
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!(
        (v.decision, v.rule),
        (Decision::Deny, Rule::MissingLinkDown)
    );
    assert!(v.reasons.contains(BalanceMissing) && v.reasons.contains(AccountInactive));
    assert!(v.warnings.contains(RelinkRequired));
    assert_eq!(v.account.as_ref().map(|id| id.as_str()), Some(CHECKING));
    // "Cannot verify": softened by an unverified allowance.
    let lenient = Policy::builder()
        .unverified_allowance(CurrencyMap::from_pairs([(usd(), 500)]).unwrap())
        .build();
    let v = run(&s, 100, "usd", &lenient);
    assert_eq!(v.decision, Decision::Allow);
    assert!(v.warnings.contains(FundsNotVerified));
}

#[test]
fn row_livemode_denies_plaid_under_a_livemode_policy() {
    let live = Policy::builder().livemode(Some(true)).build();
    let v = run(&checking(), 100, "usd", &live);
    assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::Livemode));
}

#[test]
fn rows_of_re_presentment_apply_to_plaid_accounts() {
    let s = checking();
    let presented = |settled: i64, codes: &[&str]| {
        Debit::new(100, usd(), 0)
            .unwrap()
            .with_presentment(Presentment::new(
                settled,
                codes.iter().map(|c| ReturnCode::new(c).unwrap()),
            ))
    };
    let debit = |codes: &[&str]| presented(NOW - 86_400, codes);
    let p = Policy::default();
    let not_retryable = decide(&s, &debit(&["R02"]), &p, at(NOW)).unwrap();
    assert_eq!(not_retryable.rule, Rule::NotRetryable);
    let limit = decide(&s, &debit(&["R01", "R01", "R09"]), &p, at(NOW)).unwrap();
    assert_eq!(limit.rule, Rule::RetryLimit);
    let late = decide(&s, &presented(NOW - 181 * 86_400, &["R01"]), &p, at(NOW)).unwrap();
    assert_eq!(late.rule, Rule::RetryWindow);
    let retried = decide(&s, &debit(&["R01"]), &p, at(NOW)).unwrap();
    assert_eq!(
        (retried.rule, retried.retry.map(|r| r.attempt)),
        (Rule::Sufficient, Some(1))
    );
}

#[test]
fn amounts_use_the_currency_exponent_and_are_cut_toward_minus_infinity() {
    let yen = read("odd_accounts", Some("jpy_checking"), Some(NOW))
        .balance
        .unwrap();
    let jpy = Currency::new("jpy").unwrap();
    assert_eq!(
        yen.available.unwrap().get(jpy),
        Some(12_345),
        "12345.9 yen: no minor unit"
    );
    assert_eq!(yen.current.get(jpy), Some(20_000));

    let overdrawn = read("odd_accounts", Some("overdrawn"), Some(NOW))
        .balance
        .unwrap();
    assert_eq!(
        overdrawn.available.unwrap().get(usd()),
        Some(-1),
        "-0.005 → -1 cent"
    );
    assert_eq!(
        overdrawn.current.get(usd()),
        Some(-1235),
        "-12.341 → -12.35"
    );
}

fn plaid_error(doc: &str, account_id: Option<&str>) -> ParseError {
    plaid::parse_response(doc.as_bytes(), account_id, None).unwrap_err()
}

fn one_account(balances: &str) -> String {
    format!(
        r#"{{"accounts": [{{"account_id": "a1", "type": "depository", "balances": {balances}}}]}}"#
    )
}

#[test]
fn an_amount_with_an_exponent_is_an_error_at_its_path() {
    let e = plaid_error(
        &one_account(r#"{"available": 1.1e2, "current": 110, "iso_currency_code": "USD"}"#),
        None,
    );
    assert_eq!(e.path(), "accounts[0].balances.available");
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.message().contains("exponent"), "{e}");
}

#[test]
fn an_amount_that_is_not_a_number_or_overflows_is_an_error() {
    let e = plaid_error(
        &one_account(r#"{"available": "110.94", "current": 1, "iso_currency_code": "USD"}"#),
        None,
    );
    assert_eq!(e.path(), "accounts[0].balances.available");
    let e = plaid_error(
        &one_account(
            r#"{"available": null, "current": 92233720368547758.08, "iso_currency_code": "USD"}"#,
        ),
        None,
    );
    assert_eq!(e.path(), "accounts[0].balances.current");
    assert!(e.message().contains("overflows"), "{e}");
    // The largest amount that fits is read exactly.
    let s = plaid::parse_response(
        one_account(
            r#"{"available": null, "current": 92233720368547758.07, "iso_currency_code": "USD"}"#,
        )
        .as_bytes(),
        None,
        None,
    )
    .unwrap();
    assert_eq!(s.balance.unwrap().current.get(usd()), Some(i64::MAX));
}

#[test]
fn several_accounts_need_an_account_id_and_the_error_lists_them() {
    let e = try_read("balance_get", None, None).unwrap_err();
    assert_eq!(e.path(), "accounts");
    assert!(e.message().contains("7 accounts"), "{e}");
    assert!(
        e.message().contains(CHECKING) && e.message().contains(IRA),
        "{e}"
    );

    let e = try_read("balance_get", Some("fca_not_plaid"), None).unwrap_err();
    assert_eq!(e.path(), "accounts");
    assert!(
        e.message()
            .contains("`fca_not_plaid` is not in this response"),
        "{e}"
    );
    assert!(e.message().contains(SAVINGS), "{e}");
}

#[test]
fn a_long_list_of_ids_is_cut_short() {
    let accounts: Vec<String> = (0..25)
        .map(|i| format!(r#"{{"account_id": "acc{i}", "type": "depository", "balances": {{}}}}"#))
        .collect();
    let doc = format!(r#"{{"accounts": [{}]}}"#, accounts.join(","));
    let e = plaid_error(&doc, Some("missing"));
    assert!(
        e.message().contains("`acc9`") && !e.message().contains("`acc10`"),
        "{e}"
    );
    assert!(e.message().ends_with("and 15 more"), "{e}");
}

#[test]
fn a_document_of_neither_shape_forced_to_plaid_is_an_error() {
    let e = read_account(
        br#"{"status": "active"}"#,
        &ReadOptions::new().provider(Provider::Plaid),
    )
    .unwrap_err();
    assert_eq!((e.path(), e.kind()), ("accounts", ErrorKind::NotAnAccount));
}

#[test]
fn a_plaid_document_forced_to_stripe_is_read_as_stripe() {
    let e = read_account(
        &fixture("checking_only"),
        &ReadOptions::new().provider(Provider::Stripe),
    )
    .unwrap_err();
    assert_eq!(e.path(), "status");
}

#[test]
fn a_stripe_document_must_carry_the_account_id_given() {
    let doc = std::fs::read(format!(
        "{}/examples/accounts/active_cash.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let id = "fca_1Jbry3BAjqvGMUSxCDjFsrLU";
    let s = read_account(&doc, &ReadOptions::new().account_id(id)).unwrap();
    assert_eq!(s.account_id.unwrap().as_str(), id);
    let e = read_account(&doc, &ReadOptions::new().account_id("fca_other")).unwrap_err();
    assert_eq!(e.path(), "id");
    assert!(e.message().contains("fca_other"), "{e}");
}

// ---- Issue 18: ambiguous responses are input errors -----------------------------

#[test]
fn the_same_account_id_twice_is_an_input_error() {
    let doc = br#"{"accounts": [
        {"account_id": "a1", "balances": {"available": 100, "current": 100, "iso_currency_code": "USD"}, "type": "depository"},
        {"account_id": "a1", "balances": {"available": 0, "current": 0, "iso_currency_code": "USD"}, "type": "depository"}
    ], "request_id": "r"}"#;
    for wanted in [Some("a1"), None] {
        let options = match wanted {
            Some(id) => ReadOptions::new().account_id(id),
            None => ReadOptions::new(),
        };
        let e = read_account(doc, &options).unwrap_err();
        assert_eq!(e.path(), "accounts[1].account_id", "{e}");
        assert_eq!(e.kind(), fundsgate::ErrorKind::Duplicate);
        assert!(e.message().contains("account `a1` appears twice"), "{e}");
    }
    // A long list (hashed rather than compared pair by pair) says the same.
    let account = |id: usize| format!(r#"{{"account_id": "a{id}", "type": "depository"}}"#);
    let mut accounts: Vec<String> = (0..20).map(account).collect();
    accounts.push(account(7));
    let doc = format!(r#"{{"accounts": [{}]}}"#, accounts.join(","));
    let e = read_account(doc.as_bytes(), &ReadOptions::new().account_id("a3")).unwrap_err();
    assert_eq!(e.path(), "accounts[20].account_id");
    assert!(
        e.message().contains("(accounts[7] and accounts[20])"),
        "{e}"
    );
}

#[test]
fn accounts_and_error_type_in_one_response_is_an_input_error() {
    for error_type in [r#""ITEM_ERROR""#, "null"] {
        let doc = format!(
            r#"{{"accounts": [{{"account_id": "a1", "balances": {{"available": 100, "current": 100, "iso_currency_code": "USD"}}, "type": "depository"}}], "error_type": {error_type}}}"#
        );
        let e = read_account(doc.as_bytes(), &ReadOptions::new()).unwrap_err();
        assert_eq!(e.path(), "error_type", "{error_type}: {e}");
        assert!(e.message().contains("ambiguous"), "{e}");
        // Reported as Plaid, whichever reader answers.
        let e = fundsgate::plaid::parse_response(doc.as_bytes(), None, None).unwrap_err();
        assert_eq!(e.path(), "error_type");
        let e =
            fundsgate::__private::parse_plaid_reference(doc.as_bytes(), None, None).unwrap_err();
        assert_eq!(e.path(), "error_type");
    }
}
