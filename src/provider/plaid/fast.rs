//! The fast reader of Plaid responses: the wire structs of [`super`], read
//! straight off the [lexer](crate::lexer), for batches of Plaid lines. Like
//! every fast reader it either produces exactly what serde_json would, or
//! gives up (`None`) and the caller runs serde_json, which then names the
//! error's path (see [`crate::lexer`]).

use std::borrow::Cow;

use crate::json::Obj;
use crate::lexer::{Lexer, Seen, fields};

use super::{Account, Balances, CoreAttributes, Literal, Response, Ruleset, Skipped};

/// Reads a response, or gives up.
pub(crate) fn response(bytes: &[u8]) -> Option<Response<'_>> {
    let mut s = Lexer::new(bytes);
    let r = response_at(&mut s, false)?;
    s.end()?;
    Some(r)
}

/// Reads the response at the lexer's position, or gives up. With `detect`,
/// also gives up unless the document is one that detection finds to be
/// Plaid's ([`crate::provider::detect_provider`]: no `object`, and
/// `accounts` or `error_type` not null, or a Signal key): the batch reader
/// reads a request's Plaid account in the pass that finds its end.
pub(crate) fn response_at<'a>(s: &mut Lexer<'a>, detect: bool) -> Option<Response<'a>> {
    let mut r = Response::default();
    let mut seen = Seen::default();
    let mut object = false;
    s.object(|s, key| match key {
        b"object" if detect => {
            seen.first(ResponseField::Object)?;
            object = s.nullable(Lexer::string)?.is_some();
            Some(())
        }
        b"accounts" => {
            seen.first(ResponseField::Accounts)?;
            r.accounts = s.nullable(|s| {
                let mut accounts = Vec::new();
                s.array(|s| {
                    accounts.push(Obj(account(s)?));
                    Some(())
                })?;
                Some(accounts)
            })?;
            Some(())
        }
        b"error_type" => {
            seen.first(ResponseField::ErrorType)?;
            r.error_type = Some(s.nullable(text)?);
            Some(())
        }
        b"error_code" => {
            seen.first(ResponseField::ErrorCode)?;
            r.error_code = s.nullable(text)?;
            Some(())
        }
        b"ruleset" => {
            seen.first(ResponseField::Ruleset)?;
            r.ruleset = Some(s.nullable(ruleset)?.map(Obj));
            Some(())
        }
        b"core_attributes" => {
            seen.first(ResponseField::CoreAttributes)?;
            r.core_attributes = Some(s.nullable(core_attributes)?.map(Obj));
            Some(())
        }
        b"scores" => {
            seen.first(ResponseField::Scores)?;
            s.skip_value()?;
            r.scores = Some(Skipped);
            Some(())
        }
        _ => s.skip_value(),
    })?;
    if detect && (object || !r.is_plaid_shaped()) {
        return None;
    }
    Some(r)
}

fields!(ResponseField {
    Object,
    Accounts,
    ErrorType,
    ErrorCode,
    Ruleset,
    CoreAttributes,
    Scores
});

fields!(RulesetField { Result });

fn ruleset<'a>(s: &mut Lexer<'a>) -> Option<Ruleset<'a>> {
    let mut r = Ruleset::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"result" => {
            seen.first(RulesetField::Result)?;
            r.result = s.nullable(text)?;
            Some(())
        }
        _ => s.skip_value(),
    })?;
    Some(r)
}

fields!(CoreField {
    AvailableBalance,
    CurrentBalance,
    BalanceLastUpdated,
    IsAccountClosed
});

fn core_attributes<'a>(s: &mut Lexer<'a>) -> Option<CoreAttributes<'a>> {
    let mut c = CoreAttributes::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"available_balance" => {
            seen.first(CoreField::AvailableBalance)?;
            c.available_balance = s.nullable(literal)?;
            Some(())
        }
        b"current_balance" => {
            seen.first(CoreField::CurrentBalance)?;
            c.current_balance = s.nullable(literal)?;
            Some(())
        }
        b"balance_last_updated" => {
            seen.first(CoreField::BalanceLastUpdated)?;
            c.balance_last_updated = s.nullable(text)?;
            Some(())
        }
        b"is_account_closed" => {
            seen.first(CoreField::IsAccountClosed)?;
            c.is_account_closed = s.nullable(Lexer::boolean)?;
            Some(())
        }
        _ => s.skip_value(),
    })?;
    Some(c)
}

/// A string without escapes, borrowed.
fn text<'a>(s: &mut Lexer<'a>) -> Option<Cow<'a, str>> {
    s.str().map(Cow::Borrowed)
}

fields!(AccountField {
    AccountId,
    Balances,
    Type,
    Subtype
});

fn account<'a>(s: &mut Lexer<'a>) -> Option<Account<'a>> {
    let mut a = Account::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"account_id" => {
            seen.first(AccountField::AccountId)?;
            a.account_id = s.nullable(text)?;
            Some(())
        }
        b"balances" => {
            seen.first(AccountField::Balances)?;
            a.balances = s.nullable(balances)?.map(Obj);
            Some(())
        }
        b"type" => {
            seen.first(AccountField::Type)?;
            a.kind = s.nullable(text)?;
            Some(())
        }
        b"subtype" => {
            seen.first(AccountField::Subtype)?;
            a.subtype = s.nullable(text)?;
            Some(())
        }
        _ => s.skip_value(),
    })?;
    Some(a)
}

fields!(BalancesField {
    Available,
    Current,
    IsoCurrencyCode,
    LastUpdatedDatetime
});

fn balances<'a>(s: &mut Lexer<'a>) -> Option<Balances<'a>> {
    let mut b = Balances::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"available" => {
            seen.first(BalancesField::Available)?;
            b.available = s.nullable(literal)?;
            Some(())
        }
        b"current" => {
            seen.first(BalancesField::Current)?;
            b.current = s.nullable(literal)?;
            Some(())
        }
        b"iso_currency_code" => {
            seen.first(BalancesField::IsoCurrencyCode)?;
            b.iso_currency_code = s.nullable(text)?;
            Some(())
        }
        b"last_updated_datetime" => {
            seen.first(BalancesField::LastUpdatedDatetime)?;
            b.last_updated_datetime = s.nullable(text)?;
            Some(())
        }
        _ => s.skip_value(),
    })?;
    Some(b)
}

/// A value's literal text, as serde_json's `RawValue` has it.
fn literal<'a>(s: &mut Lexer<'a>) -> Option<Literal<'a>> {
    let raw = s.raw_value()?;
    std::str::from_utf8(raw).ok().map(Literal)
}

#[cfg(test)]
mod tests {
    //! Differential tests: whenever the fast reader answers, serde_json must
    //! read the same structs.
    #![allow(
        clippy::arithmetic_side_effects,
        clippy::indexing_slicing,
        reason = "test code: generated inputs are small and indices checked"
    )]

    use super::*;
    use crate::json::from_slice_tracked;
    use proptest::prelude::*;

    fn serde(bytes: &[u8]) -> Option<Response<'_>> {
        from_slice_tracked::<Obj<Response<'_>>>(bytes)
            .ok()
            .map(|Obj(r)| r)
    }

    #[track_caller]
    fn agree(text: &str) -> bool {
        let Some(fast) = response(text.as_bytes()) else {
            return false;
        };
        assert_eq!(Some(fast), serde(text.as_bytes()), "{text}");
        true
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("null".to_owned()),
            Just("110.94".to_owned()),
            Just("-0".to_owned()),
            Just("1.5e3".to_owned()),
            Just("\"USD\"".to_owned()),
            Just("\"2022-05-02T18:36:32Z\"".to_owned()),
            Just("\"a\\u00e9\"".to_owned()),
            Just("\"Cuenta de ahorro \u{2013} Oficina \u{f3}\"".to_owned()),
            Just("\"\u{e9}\"".to_owned()),
            Just("\"US\u{c9}\"".to_owned()),
            Just("[1, {\"x\": [2.5]}]".to_owned()),
            Just("{}".to_owned()),
            Just("true".to_owned()),
            Just("7".to_owned()),
        ]
    }

    fn object(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
        proptest::collection::vec((proptest::sample::select(keys), value()), 0..6).prop_map(
            |fields| {
                let body: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("\"{k}\" : {v}"))
                    .collect();
                format!("{{ {} }}", body.join(", "))
            },
        )
    }

    fn document() -> impl Strategy<Value = String> {
        let balances = object(&[
            "available",
            "current",
            "iso_currency_code",
            "last_updated_datetime",
            "limit",
        ]);
        let account = (object(&["account_id", "type", "subtype", "mask"]), balances).prop_map(
            |(account, balances)| {
                account
                    .replacen('{', &format!("{{\"balances\": {balances},"), 1)
                    .replace(", }", " }")
            },
        );
        (
            proptest::collection::vec(account, 0..3),
            value(),
            any::<bool>(),
        )
            .prop_map(|(accounts, error, null)| {
                let accounts = if null {
                    "null".to_owned()
                } else {
                    format!("[{}]", accounts.join(","))
                };
                format!(r#"{{"accounts": {accounts}, "error_type": {error}, "request_id": "r"}}"#)
            })
    }

    /// Signal responses (and error responses): the keys the reader looks
    /// for, in any order, with any values, and keys it skips.
    fn signal() -> impl Strategy<Value = String> {
        let core = object(&[
            "available_balance",
            "current_balance",
            "balance_last_updated",
            "is_account_closed",
            "days_since_first_plaid_connection",
        ]);
        let ruleset = object(&["result", "ruleset_key", "triggered_rule_details"]);
        let top = proptest::collection::vec(
            prop_oneof![
                core.prop_map(|c| format!(r#""core_attributes": {c}"#)),
                ruleset.prop_map(|r| format!(r#""ruleset": {r}"#)),
                value().prop_map(|v| format!(r#""scores": {v}"#)),
                value().prop_map(|v| format!(r#""core_attributes": {v}"#)),
                value().prop_map(|v| format!(r#""ruleset": {v}"#)),
                value().prop_map(|v| format!(r#""error_code": {v}"#)),
                value().prop_map(|v| format!(r#""error_type": {v}"#)),
                value().prop_map(|v| format!(r#""warnings": {v}"#)),
            ],
            0..6,
        );
        top.prop_map(|fields| format!("{{{}}}", fields.join(", ")))
    }

    proptest! {
        #[test]
        fn responses_agree_with_serde(text in document()) {
            agree(&text);
        }

        #[test]
        fn signal_responses_agree_with_serde(text in signal()) {
            agree(&text);
        }

        #[test]
        fn damaged_responses_agree_with_serde(text in document(), at in any::<usize>(), byte in any::<u8>()) {
            let mut bytes = text.into_bytes();
            let i = at % bytes.len();
            bytes[i] = byte;
            if let Ok(text) = String::from_utf8(bytes) {
                agree(&text);
            }
        }
    }

    #[test]
    fn the_fast_reader_answers_the_fixtures() {
        for name in [
            "balance_get",
            "checking_only",
            "item_login_required",
            "odd_accounts",
            "rate_limit",
            "institution_down",
            "institution_no_longer_supported",
            "product_not_ready",
            "invalid_access_token",
            "api_error",
            "signal_accept",
            "signal_reroute",
            "signal_balance_only_review",
            "signal_balance_only_accept",
            "signal_closed",
        ] {
            let path = format!(
                "{}/tests/fixtures/plaid/{name}.json",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(agree(&text), "the fast reader gave up on {name}");
        }
    }
}
