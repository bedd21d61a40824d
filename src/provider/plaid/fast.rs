//! The fast reader of Plaid responses: the wire structs of [`super`], read
//! straight off the [lexer](crate::lexer), for batches of Plaid lines. Like
//! every fast reader it either produces exactly what serde_json would, or
//! gives up (`None`) and the caller runs serde_json, which then names the
//! error's path (see [`crate::lexer`]).

use std::borrow::Cow;

use crate::json::Obj;
use crate::lexer::{Lexer, Seen, fields};

use super::{Account, Balances, Literal, Response};

/// Reads a response, or gives up.
pub(crate) fn response(bytes: &[u8]) -> Option<Response<'_>> {
    let mut s = Lexer::new(bytes);
    let mut r = Response::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
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
        _ => s.skip_value(),
    })?;
    s.end()?;
    Some(r)
}

fields!(ResponseField {
    Accounts,
    ErrorType
});

/// A string without escapes, borrowed.
fn text<'a>(s: &mut Lexer<'a>) -> Option<Cow<'a, str>> {
    s.str().map(Cow::Borrowed)
}

fields!(AccountField {
    AccountId,
    Balances,
    Type
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
        let account =
            (object(&["account_id", "type", "mask"]), balances).prop_map(|(account, balances)| {
                account
                    .replacen('{', &format!("{{\"balances\": {balances},"), 1)
                    .replace(", }", " }")
            });
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

    proptest! {
        #[test]
        fn responses_agree_with_serde(text in document()) {
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
