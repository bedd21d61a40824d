//! Plaid documents (SPEC v3 §1–2) through `read_account` and `decide`: one
//! test per decision-table row that a Plaid document can reach, on fixtures
//! shaped like Plaid's API reference examples (`tests/fixtures/plaid/`), and
//! the reader's own rules (selection, exact amounts, errors).

use crate::common::{NOW, at, usd};
use fundsgate::Code::*;
use fundsgate::{
    BalanceType, Basis, Categories, Category, Currency, CurrencyMap, Debit, Decision, ErrorKind,
    ParseError, Policy, Presentment, Provider, ProviderReview, ReadOptions, RefreshAction,
    ReturnCode, Rule, Snapshot, Status, Verdict, decide, detect_provider, plaid, read_account,
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
        "product_not_ready",
        "invalid_access_token",
        "institution_no_longer_supported",
        "api_error",
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

/// SPEC v3 §2's error table: each error type and code, the account state it
/// maps to, the row, and the explanation naming the type and code.
#[test]
fn every_plaid_error_maps_to_its_row_of_the_error_table() {
    use RefreshAction::{Initiate, RetryAfter, Wait};
    /// Fixture, row, decision, reasons, refresh action, relink warning.
    type Case = (
        &'static str,
        Rule,
        Decision,
        &'static [fundsgate::Code],
        Option<RefreshAction>,
        bool,
    );
    let cases: [Case; 7] = [
        (
            "product_not_ready",
            Rule::MissingPending,
            Decision::RefreshNeeded,
            &[BalanceMissing, RefreshPending],
            Some(Wait),
            false,
        ),
        (
            "item_login_required",
            Rule::MissingLinkDown,
            Decision::Deny,
            &[BalanceMissing, AccountInactive],
            None,
            true,
        ),
        (
            "institution_no_longer_supported",
            Rule::MissingLinkDown,
            Decision::Deny,
            &[BalanceMissing, AccountDisconnected],
            None,
            true,
        ),
        (
            "institution_down",
            Rule::MissingFailedLater,
            Decision::Deny,
            &[BalanceMissing, RefreshFailed],
            Some(RetryAfter),
            false,
        ),
        (
            "rate_limit",
            Rule::MissingFailedLater,
            Decision::Deny,
            &[BalanceMissing, RefreshFailed],
            Some(RetryAfter),
            false,
        ),
        (
            "api_error",
            Rule::MissingFailedCanStart,
            Decision::RefreshNeeded,
            &[BalanceMissing, RefreshFailed],
            Some(Initiate),
            false,
        ),
        (
            "invalid_access_token",
            Rule::MissingRequestFailed,
            Decision::Deny,
            &[BalanceMissing, RequestFailed],
            None,
            false,
        ),
    ];
    for (name, rule, decision, reasons, action, relink) in cases {
        let s = read(name, Some(CHECKING), None);
        let v = run(&s, 100, "usd", &Policy::default());
        assert_eq!((v.rule, v.decision), (rule, decision), "{name}");
        assert_eq!(v.reasons.iter().collect::<Vec<_>>(), reasons, "{name}");
        assert_eq!(v.refresh.map(|r| r.action), action, "{name}");
        // `retry_after` with no time: Plaid does not say when.
        assert_eq!(v.refresh.and_then(|r| r.not_before), None, "{name}");
        assert_eq!(v.warnings.contains(RelinkRequired), relink, "{name}");
        assert_eq!(v.account.as_ref().map(|id| id.as_str()), Some(CHECKING));
        let error = v.provider_error.clone().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&fixture(name)).unwrap();
        assert_eq!(error.error_type(), doc["error_type"].as_str(), "{name}");
        assert_eq!(error.error_code(), doc["error_code"].as_str(), "{name}");
        let explanation = v.explanation();
        let named = format!(
            "(provider error {} {})",
            doc["error_type"].as_str().unwrap(),
            doc["error_code"].as_str().unwrap()
        );
        assert!(explanation.contains(&named), "{name}: {explanation}");
        // The verdict's JSON carries it, and reads back equal.
        let json = v.to_json();
        assert!(json.contains(r#""provider_error":{"type":"#), "{json}");
        assert_eq!(serde_json::from_str::<Verdict>(&json).unwrap(), v);
        // A later version may add to it: a reader of stored verdicts accepts that.
        let later = json.replace(
            r#""provider_error":{"#,
            r#""provider_error":{"message":"x","#,
        );
        assert_eq!(serde_json::from_str::<Verdict>(&later).unwrap(), v);
    }
}

/// The rows marked * are softened by an allowance, whatever the error: a
/// dead login and an outage alike (SPEC v2 softened only the first); a
/// `refresh_needed` row never is.
#[test]
fn an_allowance_softens_a_dead_login_an_outage_and_a_refused_request() {
    let lenient = Policy::builder()
        .unverified_allowance(CurrencyMap::from_pairs([(usd(), 500)]).unwrap())
        .build();
    for name in [
        "item_login_required",
        "institution_no_longer_supported",
        "institution_down",
        "rate_limit",
        "invalid_access_token",
    ] {
        let v = run(&read(name, None, None), 100, "usd", &lenient);
        assert_eq!(v.decision, Decision::Allow, "{name}");
        assert!(v.warnings.contains(FundsNotVerified), "{name}");
        let v = run(&read(name, None, None), 501, "usd", &lenient);
        assert_eq!(v.decision, Decision::Deny, "{name}");
    }
    for name in ["product_not_ready", "api_error"] {
        let v = run(&read(name, None, None), 100, "usd", &lenient);
        assert_eq!(v.decision, Decision::RefreshNeeded, "{name}");
    }
}

/// An error type Plaid may add, or a missing code: the request failed for
/// good, never "call again" (a pipeline that obeys would loop forever).
#[test]
fn an_unknown_error_type_is_a_failed_request() {
    for doc in [
        r#"{"error_type": "BANK_TRANSFER_ERROR", "error_code": "BANK_TRANSFER_LIMIT_EXCEEDED"}"#,
        r#"{"error_type": "INVALID_REQUEST", "error_code": null}"#,
        r#"{"error_type": "INVALID_RESULT"}"#,
        r#"{"error_type": "item_error", "error_code": "ITEM_LOGIN_REQUIRED"}"#,
    ] {
        let s = read_account(doc.as_bytes(), &ReadOptions::new()).unwrap();
        assert!(s.request_failed, "{doc}");
        let v = run(&s, 100, "usd", &Policy::default());
        assert_eq!(v.rule, Rule::MissingRequestFailed, "{doc}");
        assert_eq!(v.account, None);
    }
    // A name that is no plain token is not repeated in the verdict.
    let s = read_account(
        br#"{"error_type": "ODD \"TYPE\"", "error_code": "ok_CODE-1.2"}"#,
        &ReadOptions::new(),
    )
    .unwrap();
    let v = run(&s, 100, "usd", &Policy::default());
    let error = v.provider_error.clone().unwrap();
    assert_eq!(
        (error.error_type(), error.error_code()),
        (None, Some("ok_CODE-1.2"))
    );
    assert!(
        v.explanation().ends_with("(provider error ok_CODE-1.2)."),
        "{}",
        v.explanation()
    );
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

/// SPEC v3 §4: Plaid reports no livemode, so one policy can serve Stripe
/// and Plaid documents alike (SPEC v2 denied every Plaid document).
#[test]
fn a_livemode_policy_never_denies_a_plaid_document() {
    for wanted in [true, false] {
        let live = Policy::builder().livemode(Some(wanted)).build();
        let v = run(&checking(), 100, "usd", &live);
        assert_eq!((v.decision, v.rule), (Decision::Allow, Rule::Sufficient));
        let v = run(&read("signal_accept", None, Some(NOW)), 100, "usd", &live);
        assert_eq!(v.rule, Rule::Sufficient);
        let v = run(&read("item_login_required", None, None), 100, "usd", &live);
        assert_eq!(v.rule, Rule::MissingLinkDown);
    }
}

/// SPEC v3 §2: Plaid Auth returns ACH numbers only for checking, savings and
/// cash management accounts: any other depository subtype (a CD, a money
/// market account, an HSA…) is `not_debitable`; a null subtype is not
/// judged; other types go on to their own rows.
#[test]
fn row_not_debitable_for_depository_subtypes_without_ach_numbers() {
    let account = |kind: &str, subtype: &str| {
        format!(
            r#"{{"accounts": [{{"account_id": "a", "type": {kind}, "subtype": {subtype},
                "balances": {{"available": 500, "current": 500, "iso_currency_code": "USD"}}}}]}}"#
        )
    };
    let rule = |kind: &str, subtype: &str| {
        let s = read_account(
            account(kind, subtype).as_bytes(),
            &ReadOptions::new().fetched_at(NOW),
        )
        .unwrap();
        run(&s, 100, "usd", &Policy::default()).rule
    };
    for ok in [
        r#""checking""#,
        r#""savings""#,
        r#""cash management""#,
        "null",
    ] {
        assert_eq!(rule(r#""depository""#, ok), Rule::Sufficient, "{ok}");
    }
    for no in [
        r#""cd""#,
        r#""money market""#,
        r#""hsa""#,
        r#""prepaid""#,
        r#""Checking""#,
        r#""paypal""#,
    ] {
        assert_eq!(rule(r#""depository""#, no), Rule::NotDebitable, "{no}");
    }
    assert_eq!(rule(r#""credit""#, r#""credit card""#), Rule::Credit);
    assert_eq!(rule(r#""investment""#, r#""ira""#), Rule::Category);
    // The CD of Plaid's sandbox response: its `current` was debited under SPEC v2.
    let cd = read(
        "balance_get",
        Some("Pp1Vpkl9w8sajvK6oEEKtr7vZxBnGpf7LxxLE"),
        Some(NOW),
    );
    let v = run(&cd, 100, "usd", &Policy::default());
    assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::NotDebitable));
    assert!(v.reasons.contains(AchNotSupported));
}

// ---- Plaid Signal (`/signal/evaluate`) -------------------------------------

#[test]
fn signal_responses_are_detected_and_read_as_one_usd_cash_account() {
    for name in [
        "signal_accept",
        "signal_reroute",
        "signal_balance_only_review",
        "signal_balance_only_accept",
        "signal_closed",
    ] {
        assert_eq!(detect_provider(&fixture(name)), Provider::Plaid, "{name}");
        let s = read(name, None, None);
        assert_eq!(s.provider, Some(Provider::Plaid));
        assert_eq!(s.category, Some(Category::Cash));
        assert_eq!(s.account_id, None, "Signal names no account");
        assert_eq!(s.refresh, None);
    }
    // Plaid's own example (`/processor/signal/evaluate`): 2000 available.
    let s = read("signal_accept", Some(CHECKING), Some(NOW - 8));
    let b = s.balance.clone().unwrap();
    assert_eq!(b.available.unwrap().get(usd()), Some(200_000));
    assert_eq!(b.current.get(usd()), Some(220_000));
    assert_eq!(
        b.as_of,
        Some(NOW - 8),
        "no balance_last_updated: fetched_at"
    );
    assert_eq!(s.account_id.as_ref().map(|id| id.as_str()), Some(CHECKING));
    let v = run(&s, 200_000, "usd", &Policy::default());
    assert_eq!((v.decision, v.rule), (Decision::Allow, Rule::Sufficient));
    assert_eq!(v.provider, Some(Provider::Plaid));
    assert_eq!(
        run(&s, 200_001, "usd", &Policy::default()).rule,
        Rule::Insufficient
    );
    // Exact: 2000.005 is cut to 2000.00, never rounded up.
    let s = read("signal_balance_only_accept", None, None);
    let b = s.balance.clone().unwrap();
    assert_eq!(b.available.unwrap().get(usd()), Some(200_000));
    assert_eq!(b.as_of, Some(1_651_516_592), "balance_last_updated");
    // Only USD: a debit in another currency finds none.
    let v = run(&s, 100, "eur", &Policy::default());
    assert_eq!(v.rule, Rule::NoCurrency);
}

#[test]
fn row_provider_declined_for_a_reroute() {
    let s = read("signal_reroute", None, Some(NOW));
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!(
        (v.decision, v.rule),
        (Decision::Deny, Rule::ProviderDeclined)
    );
    assert_eq!(v.reasons.iter().collect::<Vec<_>>(), [ProviderDeclined]);
    // No allowance softens it.
    let lenient = Policy::builder()
        .unverified_allowance(CurrencyMap::from_pairs([(usd(), 500)]).unwrap())
        .provider_review(ProviderReview::Decide)
        .build();
    assert_eq!(run(&s, 100, "usd", &lenient).decision, Decision::Deny);
}

#[test]
fn row_provider_review_or_a_warning_by_policy() {
    let s = read("signal_balance_only_review", None, None);
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::ProviderReview));
    assert_eq!(v.reasons.iter().collect::<Vec<_>>(), [ProviderReview]);
    assert_eq!(
        v.explanation(),
        "Denied: the provider's own risk rules ask for a review of this debit before it is sent."
    );
    let decide_it = Policy::builder()
        .provider_review(ProviderReview::Decide)
        .build();
    let v = run(&s, 11_094, "usd", &decide_it);
    assert_eq!((v.decision, v.rule), (Decision::Allow, Rule::Sufficient));
    assert!(v.warnings.contains(ProviderReview));
    assert!(
        v.explanation().contains("asked for a review"),
        "{}",
        v.explanation()
    );
    // The warning stands whatever row decides.
    let v = run(&s, 11_095, "usd", &decide_it);
    assert_eq!(v.rule, Rule::Insufficient);
    assert!(v.warnings.contains(ProviderReview));
    // An ACCEPT adds nothing, to the warnings or to the sentence.
    let v = run(
        &read("signal_accept", None, Some(NOW)),
        100,
        "usd",
        &decide_it,
    );
    assert!(v.warnings.is_empty());
    assert!(!v.explanation().contains("review"), "{}", v.explanation());
}

#[test]
fn row_closed_for_a_closed_account_and_a_missing_ruleset_is_no_result() {
    let s = read("signal_closed", None, Some(NOW));
    assert!(s.closed);
    assert_eq!(s.provider_result, None);
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::Closed));
}

#[test]
fn an_unknown_or_missing_ruleset_result_fails_closed() {
    for ruleset in [
        r#"{"result": "ESCALATE"}"#,
        r#"{"result": "accept"}"#,
        r#"{"result": null}"#,
        r#"{"ruleset_key": "default"}"#,
    ] {
        let doc =
            format!(r#"{{"core_attributes": {{"available_balance": 500}}, "ruleset": {ruleset}}}"#);
        let s = read_account(doc.as_bytes(), &ReadOptions::new().fetched_at(NOW)).unwrap();
        let v = run(&s, 100, "usd", &Policy::default());
        assert_eq!(
            (v.decision, v.rule),
            (Decision::Deny, Rule::Unrecognized),
            "{doc}"
        );
    }
}

#[test]
fn signal_without_a_balance_or_with_an_old_one_asks_to_call_again() {
    let s = read_account(
        br#"{"scores": null, "core_attributes": null}"#,
        &ReadOptions::new(),
    )
    .unwrap();
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!(v.rule, Rule::MissingNeverRefreshed);
    assert_eq!(v.refresh.map(|r| r.action), Some(RefreshAction::Initiate));
    // Without balance_last_updated or fetched_at the balance is stale.
    let s = read("signal_accept", None, None);
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!(
        (v.rule, v.refresh.map(|r| r.action)),
        (Rule::StaleCanStart, Some(RefreshAction::Initiate))
    );
}

#[test]
fn signal_errors_name_their_path() {
    for (doc, path) in [
        (
            r#"{"core_attributes": {"available_balance": 1e3}}"#,
            "core_attributes.available_balance",
        ),
        (
            r#"{"core_attributes": {"current_balance": "12.00"}}"#,
            "core_attributes.current_balance",
        ),
        (
            r#"{"core_attributes": {"balance_last_updated": "yesterday"}}"#,
            "core_attributes.balance_last_updated",
        ),
        (
            r#"{"core_attributes": {"is_account_closed": "yes"}}"#,
            "core_attributes.is_account_closed",
        ),
        (r#"{"ruleset": {"result": 3}}"#, "ruleset.result"),
        (r#"{"ruleset": [], "scores": null}"#, "ruleset"),
    ] {
        let e = read_account(doc.as_bytes(), &ReadOptions::new()).unwrap_err();
        assert_eq!(e.path(), path, "{doc}: {e}");
    }
}

/// SPEC v3 §2: `error_type` with `ruleset` is an error response; with
/// `accounts`, ambiguous.
#[test]
fn an_error_type_beside_a_ruleset_is_an_error_response() {
    let s = read_account(
        br#"{"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED", "ruleset": {"result": "ACCEPT"}}"#,
        &ReadOptions::new(),
    )
    .unwrap();
    assert_eq!(s.provider_result, None);
    assert_eq!(
        run(&s, 100, "usd", &Policy::default()).rule,
        Rule::MissingLinkDown
    );
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
    assert_eq!(
        (e.path().to_string().as_str(), e.kind()),
        ("accounts", ErrorKind::NotAnAccount)
    );
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

#[test]
fn signal_rows_future_and_current_fallback() {
    // `balance_last_updated` ahead of now beyond the skew: `future`.
    let doc = br#"{"core_attributes": {"available_balance": 500, "balance_last_updated": "2022-05-02T19:36:40Z"}, "ruleset": {"result": "ACCEPT"}}"#;
    let s = read_account(doc, &ReadOptions::new()).unwrap();
    let v = run(&s, 100, "usd", &Policy::default());
    assert_eq!((v.decision, v.rule), (Decision::Deny, Rule::Future));
    // No `available_balance`: the basis is `current_balance`, with its warning.
    let doc = br#"{"core_attributes": {"available_balance": null, "current_balance": 12.34}, "scores": null}"#;
    let s = read_account(doc, &ReadOptions::new().fetched_at(NOW)).unwrap();
    let v = run(&s, 1_234, "usd", &Policy::default());
    assert_eq!(
        (v.rule, v.basis, v.balance),
        (Rule::Sufficient, Some(Basis::Current), Some(1_234))
    );
    assert!(v.warnings.contains(UsedCurrentBalance));
    assert_eq!(
        run(&s, 1_235, "usd", &Policy::default()).rule,
        Rule::Insufficient
    );
}

/// The neutral snapshot is fundsgate's own format: an error name that is no
/// plain token is refused there (a verdict could not repeat it), and a plain
/// one round-trips.
#[test]
fn a_snapshots_provider_error_names_are_plain_tokens() {
    let doc = |error: &str| {
        format!(
            r#"{{"object": "fundsgate.snapshot", "status": "active", "request_failed": true, "provider_error": {error}}}"#
        )
    };
    let s = fundsgate::neutral::parse(doc(r#"{"type": "INVALID_INPUT", "code": null}"#).as_bytes())
        .unwrap();
    let error = s.provider_error.clone().unwrap();
    assert_eq!(
        (error.error_type(), error.error_code()),
        (Some("INVALID_INPUT"), None)
    );
    assert_eq!(
        fundsgate::neutral::parse(fundsgate::neutral::to_json(&s).as_bytes()).unwrap(),
        s
    );
    for bad in [
        r#"{"type": "ODD \"TYPE\"", "code": null}"#,
        r#"{"type": "", "code": null}"#,
        r#"{"type": "OK", "code": "a b"}"#,
    ] {
        let e = fundsgate::neutral::parse(doc(bad).as_bytes()).unwrap_err();
        assert_eq!(e.path(), "provider_error", "{bad}: {e}");
        assert!(e.message().contains("error name"), "{bad}: {e}");
    }
    let long = format!(r#"{{"type": "{}", "code": null}}"#, "A".repeat(65));
    assert!(fundsgate::neutral::parse(doc(&long).as_bytes()).is_err());
    let longest = format!(r#"{{"type": "{}", "code": null}}"#, "A".repeat(64));
    assert!(fundsgate::neutral::parse(doc(&longest).as_bytes()).is_ok());
}
