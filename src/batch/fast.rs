//! The fast reader of batch request lines (see [`crate::lexer`] for the
//! rule that keeps it honest: it answers exactly as serde_json would, or
//! gives up).

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::debit::{Presentment, PriorDebits};
use crate::instant::{parse_instant, unix_seconds};
use crate::lexer::{Lexer, Seen, fields};
use crate::money::Currency;
use crate::provider::plaid::Response as PlaidResponse;
use crate::provider::plaid::fast as plaid;
use crate::provider::stripe::fast as stripe;
use crate::provider::stripe::wire::Document;
use crate::snapshot::Provider;

/// A request's account document: read already (the fast path reads plain
/// Stripe documents in the same pass as the line), or its raw text, for the
/// provider readers.
pub(crate) enum AccountInput<'a> {
    Stripe(Document),
    /// A Plaid response (`/accounts/balance/get`, `/signal/evaluate` or an
    /// error), read in the line's pass; the account is selected when the
    /// line's `account_id` and `fetched_at` are known.
    Plaid(PlaidResponse<'a>),
    /// The document's text, and its provider when the reader has seen it.
    Raw(&'a [u8], Option<Provider>),
}

/// A batch request line, read.
pub(crate) struct Request<'a> {
    /// The raw JSON text of `id`; `None` when absent or null.
    pub id: Option<&'a [u8]>,
    /// `None` when absent, `Some(None)` when null (an unlinked debit).
    pub account: Option<Option<AccountInput<'a>>>,
    /// Selects (Plaid) or checks the account id.
    pub account_id: Option<Cow<'a, str>>,
    /// When the account document was received.
    pub fetched_at: Option<DateTime<Utc>>,
    pub amount: Option<i64>,
    pub currency: Option<Currency>,
    pub in_flight: Option<i64>,
    pub now: Option<DateTime<Utc>>,
    pub presentment: Option<Presentment>,
    /// Always none on the fast path: a line with `prior` goes to serde.
    pub prior: PriorDebits,
}

fields!(RequestField {
    Id,
    Account,
    Amount,
    Currency,
    InFlight,
    Now,
    AccountId,
    FetchedAt,
});

/// An instant: unix seconds or RFC 3339.
fn instant(s: &mut Lexer<'_>) -> Option<DateTime<Utc>> {
    match s.peek()? {
        b'"' => parse_instant(s.str()?).ok(),
        _ => unix_seconds(s.int()?).ok(),
    }
}

/// Reads a batch request line.
pub(crate) fn request(bytes: &[u8]) -> Option<Request<'_>> {
    let mut s = Lexer::new(bytes);
    let mut r = Request {
        id: None,
        account: None,
        account_id: None,
        fetched_at: None,
        amount: None,
        currency: None,
        in_flight: None,
        now: None,
        presentment: None,
        prior: PriorDebits::NONE,
    };
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"id" => {
            seen.first(RequestField::Id)?;
            let raw = s.raw_value()?;
            // UTF-8 by construction; `null` reads as absent, like serde's Option.
            r.id = Some(raw).filter(|t| *t != b"null");
            Some(())
        }
        b"account" => {
            seen.first(RequestField::Account)?;
            s.ws();
            let start = s.mark();
            let mut document = Document::default();
            r.account = Some(
                match s.nullable(|s| stripe::account_into(s, &mut document)) {
                    Some(account) => account.map(|()| AccountInput::Stripe(document)),
                    // Not a plain Stripe document (Plaid, a neutral snapshot, or
                    // a Stripe document the fast reader leaves to serde): its
                    // raw text, for the provider readers, as serde_json's
                    // `RawValue` would have it. Plaid's reader is tried first,
                    // unless the document said it is a Stripe object.
                    None => {
                        s.rewind(start);
                        let plaid = match document.object {
                            Some(_) => None,
                            None => plaid::response_at(s, true),
                        };
                        match plaid {
                            Some(response) => Some(AccountInput::Plaid(response)),
                            None => {
                                s.rewind(start);
                                let provider = crate::provider::shape_of(s)?;
                                Some(AccountInput::Raw(s.since(start)?, Some(provider)))
                            }
                        }
                    }
                },
            );
            Some(())
        }
        b"amount" => {
            seen.first(RequestField::Amount)?;
            r.amount = s.nullable(Lexer::int)?;
            Some(())
        }
        b"currency" => {
            seen.first(RequestField::Currency)?;
            r.currency = s.nullable(|s| Currency::from_ascii(s.string()?))?;
            Some(())
        }
        b"in_flight" => {
            seen.first(RequestField::InFlight)?;
            r.in_flight = s.nullable(Lexer::int)?;
            Some(())
        }
        b"now" => {
            seen.first(RequestField::Now)?;
            r.now = s.nullable(instant)?;
            Some(())
        }
        b"account_id" => {
            seen.first(RequestField::AccountId)?;
            r.account_id = s.nullable(|s| s.str().map(Cow::Borrowed))?;
            Some(())
        }
        b"fetched_at" => {
            seen.first(RequestField::FetchedAt)?;
            r.fetched_at = s.nullable(instant)?;
            Some(())
        }
        // A re-presentment is rare, and an unknown key is an error (SPEC
        // §6): serde_json reads both.
        _ => None,
    })?;
    s.end()?;
    Some(r)
}

#[cfg(test)]
mod tests {
    //! Differential tests: whenever the fast path answers, serde_json must
    //! give the same answer.
    #![allow(
        clippy::arithmetic_side_effects,
        clippy::indexing_slicing,
        reason = "test code: generated inputs are small and indices checked"
    )]

    use super::*;
    use crate::error::JsonError;
    use crate::json::Obj;
    use crate::json::from_slice_tracked;
    use crate::provider::stripe::fast::document;
    use crate::snapshot::Snapshot;
    use proptest::prelude::*;

    fn serde_document(bytes: &[u8]) -> Result<Result<Snapshot, JsonError>, JsonError> {
        from_slice_tracked::<Obj<Document>>(bytes).map(|Obj(d)| d.into_snapshot(""))
    }

    type Summary = (
        Option<Vec<u8>>,
        Option<Option<Result<Snapshot, JsonError>>>,
        Option<i64>,
        Option<Currency>,
        Option<i64>,
        Option<DateTime<Utc>>,
        Option<Presentment>,
        Option<String>,
        Option<DateTime<Utc>>,
    );

    /// What a request says, whichever reader read it: the account as the
    /// snapshot it reads as.
    fn summary(r: Request<'_>) -> Summary {
        let read = |a: AccountInput<'_>| match a {
            AccountInput::Stripe(d) => d.into_snapshot(""),
            AccountInput::Plaid(r) => r.into_snapshot(None, None),
            AccountInput::Raw(bytes, provider) => crate::provider::read_json(
                bytes,
                &crate::ReadOptions {
                    provider,
                    ..crate::ReadOptions::new()
                },
                false,
            ),
        };
        (
            r.id.map(<[u8]>::to_vec),
            r.account.map(|a| a.map(read)),
            r.amount,
            r.currency,
            r.in_flight,
            r.now,
            r.presentment,
            r.account_id.map(|id| id.into_owned()),
            r.fetched_at,
        )
    }

    #[track_caller]
    fn agree_on_document(text: &str) -> bool {
        let Some(fast) = document(text.as_bytes()) else {
            return false;
        };
        let slow = serde_document(text.as_bytes());
        assert_eq!(Ok(fast.into_snapshot("")), slow, "document: {text}");
        true
    }

    #[track_caller]
    fn agree_on_request(text: &str) -> bool {
        let Some(fast) = request(text.as_bytes()) else {
            return false;
        };
        let slow = crate::batch::serde_request(text.as_bytes()).map(summary);
        assert_eq!(Ok(summary(fast)), slow, "request: {text}");
        true
    }

    fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
        proptest::sample::select(options).prop_map(str::to_owned)
    }

    fn ws() -> impl Strategy<Value = String> {
        pick(&["", "", " ", "\n", "\t ", "\r\n"])
    }

    fn int() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (-2_000_000_i64..2_000_000).prop_map(|n| n.to_string()),
            1 => pick(&[
                "0", "-0", "01", "1.0", "1e3", "-5", "9223372036854775807", "9223372036854775808",
                "-9223372036854775808", "-9223372036854775809", "18446744073709551616", "null",
                "\"5\"", "true", "[]", "{}", "1.5e400", "- 1", "+1", "0x10",
            ]),
        ]
    }

    fn word() -> impl Strategy<Value = String> {
        pick(&[
            "\"active\"",
            "\"inactive\"",
            "\"disconnected\"",
            "\"cash\"",
            "\"credit\"",
            "\"investment\"",
            "\"other\"",
            "\"pending\"",
            "\"succeeded\"",
            "\"failed\"",
            "\"weird\"",
            "\"act\\u0069ve\"",
            "\"caf\u{e9}\"",
            "\"Banco Popular de Puerto Rico \u{2013} Oficina\"",
            "\"\u{f3}\"",
            "\"card \u{1f4b3} \u{e9}t\u{e9}\\\"\"",
            "\"\u{e9}\u{7f}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\"",
            "null",
            "1",
            "\"\"",
            "\"a\\\"b\"",
            "\"tab\there\"",
            "\"del\u{7f}\"",
            "[\"cash\"]",
            "\"usd\"",
        ])
    }

    fn any_value() -> impl Strategy<Value = String> {
        prop_oneof![
            int(),
            word(),
            pick(&[
                "{}",
                "[]",
                "[1, 2, [3, {\"a\": null}]]",
                "{\"nested\": {\"deeper\": [true, false]}}",
                "\"with \\\\ escape\"",
                "\"\\ud800\"",
                "[1,]",
                "{\"a\" 1}",
                "tru",
                "nul",
                "[[[[[[]]]]]]",
            ]),
        ]
    }

    fn object(fields: Vec<(String, String)>, ws: String) -> String {
        let body: Vec<String> = fields
            .into_iter()
            .map(|(k, v)| format!("{ws}\"{k}\"{ws}:{ws}{v}"))
            .collect();
        format!("{{{}{ws}}}", body.join(","))
    }

    fn map() -> impl Strategy<Value = String> {
        let key = pick(&[
            "usd",
            "usd",
            "USD",
            "eur",
            "Cad",
            "us",
            "u\\u0073d",
            "undefined",
            "",
            "u d",
            "\u{fc}sd",
        ]);
        prop_oneof![
            1 => pick(&["null", "[]", "5"]),
            6 => (proptest::collection::vec((key, int()), 0..4), ws()).prop_map(|(f, w)| object(f, w)),
        ]
    }

    fn field(
        names: &'static [&'static str],
        value: impl Strategy<Value = String>,
    ) -> impl Strategy<Value = (String, String)> {
        (proptest::sample::select(names), value).prop_map(|(k, v)| (k.to_owned(), v))
    }

    fn balance() -> impl Strategy<Value = String> {
        let fields = prop_oneof![
            3 => field(&["as_of"], int()),
            2 => field(&["type"], word()),
            3 => field(&["current"], map()),
            2 => field(&["cash"], (proptest::collection::vec(field(&["available", "pending"], map()), 0..2), ws()).prop_map(|(f, w)| object(f, w))),
            1 => field(&["credit", "extra"], any_value()),
        ];
        prop_oneof![
            1 => pick(&["null", "[]", "1"]),
            8 => (proptest::collection::vec(fields, 0..6), ws()).prop_map(|(f, w)| object(f, w)),
        ]
    }

    fn refresh() -> impl Strategy<Value = String> {
        let fields = prop_oneof![
            field(&["status"], word()),
            field(&["last_attempted_at", "next_refresh_available_at"], int()),
            field(&["error"], any_value()),
        ];
        prop_oneof![
            1 => pick(&["null", "\"pending\""]),
            6 => (proptest::collection::vec(fields, 0..5), ws()).prop_map(|(f, w)| object(f, w)),
        ]
    }

    fn document_text() -> impl Strategy<Value = String> {
        let fields = prop_oneof![
            2 => field(&["object"], pick(&["\"financial_connections.account\"", "\"event\"", "\"charge\"", "null", "5"])),
            3 => field(&["status"], word()),
            1 => field(&["category"], word()),
            4 => field(&["balance"], balance()),
            3 => field(&["balance_refresh"], refresh()),
            1 => field(&["data"], any_value()),
            3 => field(&["id", "livemode", "permissions", "institution_name", "b\\u0061lance", "instituci\u{f3}n"], any_value()),
        ];
        (proptest::collection::vec(fields, 0..9), ws(), ws())
            .prop_map(|(f, w, tail)| format!("{}{tail}", object(f, w)))
    }

    fn request_text() -> impl Strategy<Value = String> {
        let fields = prop_oneof![
            2 => field(&["id"], any_value()),
            4 => field(&["account"], document_text()),
            3 => field(&["amount", "in_flight"], int()),
            2 => field(&["currency"], pick(&["\"usd\"", "\"USD\"", "\"us\"", "null", "1", "\"u\\u0073d\""])),
            2 => field(&["now"], pick(&["1651516600", "\"1651516600\"", "\"2022-05-02T18:36:40Z\"", "\"yesterday\"", "1.5", "null", "-99999999999999999", "9223372036854775807"])),
            1 => field(&["extra"], any_value()),
        ];
        (proptest::collection::vec(fields, 0..8), ws()).prop_map(|(f, w)| object(f, w))
    }

    /// `PROPTEST_CASES` in the environment overrides the count.
    fn config() -> ProptestConfig {
        let env = std::env::var("PROPTEST_CASES").ok();
        ProptestConfig {
            cases: env.and_then(|v| v.parse().ok()).unwrap_or(4_000),
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn documents_agree_with_serde(text in document_text()) {
            agree_on_document(&text);
        }

        #[test]
        fn requests_agree_with_serde(text in request_text()) {
            agree_on_request(&text);
        }

        #[test]
        fn damaged_documents_agree_with_serde(text in document_text(), at in any::<usize>(), byte in any::<u8>()) {
            let mut bytes = text.into_bytes();
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] = byte;
            }
            if let Some(fast) = document(&bytes) {
                prop_assert_eq!(Ok(fast.into_snapshot("")), serde_document(&bytes));
            }
        }
    }

    /// The differential tests mean something only if the fast path does
    /// answer a good share of the generated documents.
    #[test]
    fn the_generators_exercise_the_fast_path() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut documents, mut requests) = (0, 0);
        for _ in 0..2_000 {
            let doc = document_text().new_tree(&mut runner).unwrap().current();
            documents += usize::from(agree_on_document(&doc));
            let req = request_text().new_tree(&mut runner).unwrap().current();
            requests += usize::from(agree_on_request(&req));
        }
        eprintln!("fast path answered {documents} documents and {requests} requests of 2000");
        assert!(
            documents > 200,
            "fast path answered {documents} of 2000 documents"
        );
        assert!(
            requests > 100,
            "fast path answered {requests} of 2000 requests"
        );
    }

    #[test]
    fn the_fast_path_answers_the_shipped_examples() {
        let docs = [
            include_str!("../../examples/accounts/active_cash.json"),
            include_str!("../../examples/accounts/full_fields.json"),
            include_str!("../../examples/accounts/stale.json"),
            include_str!("../../examples/accounts/pending_refresh.json"),
            include_str!("../../examples/accounts/credit_card.json"),
            include_str!("../../examples/accounts/current_only.json"),
            include_str!("../../examples/accounts/disconnected.json"),
            include_str!("../../examples/accounts/refreshed_balance_event.json"),
            r#"{"object": "event", "data": {"object": {"status": "active"}}}"#,
            r#"{"object": "event", "type": "x", "data": {"previous_attributes": {"a": 1}, "object": null}}"#,
            // Text in any language, where it is ignored and where it is read.
            r#"{"status": "active", "institution_name": "Banco Popular de Puerto Rico – Oficina", "x": "ó"}"#,
            r#"{"status": "café"}"#,
            r#"{"object":"financial_connections.account","status":"active","balance":{"as_of":1,"type":"cash","current":{"usd":null,"eur":5},"cash":{"available":{"usd":null}}}}"#,
        ];
        for doc in docs {
            assert!(agree_on_document(doc), "fast path gave up on {doc}");
        }
        for line in include_str!("../../examples/batch/requests.jsonl").lines() {
            // Two lines are meant to be bad: a float amount, and not JSON; a
            // re-presentment is left to serde_json.
            let slow =
                line.contains("10.5") || !line.starts_with('{') || line.contains("presentment");
            assert_eq!(agree_on_request(line), !slow, "{line}");
        }
        let now_as_text = r#"{"id": 1, "account": {"status": "active"}, "amount": 5, "currency": "usd", "now": "2022-05-02T18:36:40Z"}"#;
        assert!(agree_on_request(now_as_text));
        // Zero, and the longest integers the fast path reads itself.
        let edges = r#"{"id": 0, "account": {"status": "active", "balance": {"as_of": 0, "type": "cash",
            "current": {"usd": -999999999999999999}, "cash": {"available": {"usd": 999999999999999999}}}},
            "amount": 5, "currency": "usd", "in_flight": 0}"#;
        assert!(agree_on_request(edges));
    }

    /// Both readers take O(n log n) comparisons for a balance whose maps hold
    /// `n` currencies in the worst order, and agree on it.
    #[test]
    fn reading_many_currencies_is_n_log_n_on_both_paths() {
        use crate::money::comparisons;
        use crate::money::tests::descending_map;
        let doc = |n: usize| {
            let map = descending_map(n);
            format!(
                r#"{{"status": "active", "balance": {{"as_of": 1, "type": "cash",
                "current": {map}, "cash": {{"available": {map}}}}}}}"#
            )
        };
        for fast in [true, false] {
            let cost = |n: usize| {
                let text = doc(n);
                comparisons::count(|| {
                    let snapshot = crate::stripe::parse_account_with(text.as_bytes(), fast);
                    let balance = snapshot.map(|s| s.balance);
                    assert_eq!(balance.map(|b| b.map(|b| b.current.len())), Ok(Some(n)));
                })
            };
            let (small, large) = (cost(4_000), cost(8_000));
            assert!(
                large.saturating_mul(10) <= small.saturating_mul(25),
                "fast path {fast}: 4,000 codes: {small} comparisons, 8,000: {large}"
            );
        }
        assert!(agree_on_document(&doc(17_576)));
    }

    #[test]
    fn the_fast_path_gives_up_on_what_serde_must_judge() {
        for text in [
            r#"{"status": "act\u0069ve"}"#,
            r#"{"status": "active", "status": "active"}"#,
            r#"{"status": "active", "balance": {"as_of": -0, "current": {}}}"#,
            r#"{"status": "active", "balance": {"as_of": 01, "current": {}}}"#,
            r#"{"status": "active", "balance": {"as_of": 1.0, "current": {}}}"#,
            r#"{"status": "active", "balance": {"as_of": 1, "current": {"usd": 1, "USD": 2}}}"#,
            r#"{"status": "active", "balance": {"as_of": 1, "current": {"usd": null, "usd": 2}}}"#,
            r#"{"status": "active", "balance": {"as_of": 1, "current": {"undefined": 1}}}"#,
            r#"{"status": "active", "balance": [1]}"#,
            r#"{"status": "active", "x": [1,]}"#,
            r#"{"status": "active"} x"#,
            r#"{"object": "customer", "status": "active"}"#,
            r#"{"object": "event", "data": {"object": {"object": "customer"}}}"#,
            "{\"status\": \"caf\u{e9}\\u0020\"}",
            r#"["status"]"#,
        ] {
            assert!(
                document(text.as_bytes()).is_none(),
                "fast path answered {text}"
            );
        }
    }
}
