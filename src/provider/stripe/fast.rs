//! The fast reader of Stripe documents: the wire structs of [`super::wire`],
//! read straight off the [lexer](crate::lexer) for the batch hot path.
//!
//! serde_json is the reference reader: it defines what is accepted, and every
//! error message and JSON path comes from it. This reader either produces
//! exactly what serde_json would, or gives up (`None`) and the caller runs
//! serde_json; see [`crate::lexer`] for what makes it give up. It also gives
//! up on a document of another provider's shape (`accounts`, `error_type`,
//! `error_code`, Plaid Signal's `ruleset`, `core_attributes`, `scores`, or an
//! `object` that is not Stripe's), so that provider detection stays with the
//! serde path.

use crate::json::Obj;
use crate::lexer::{Lexer, Seen, fields};
use crate::money::{Currency, CurrencyMap, MapBuilder, Strict};
use crate::provider::names::{Wire, WireEnum};
use crate::snapshot::{AccountId, BalanceType, Category, RefreshStatus, Status};

use super::wire::{
    Contains, Document, EventData, Is, ObjectKind, Transactable, Wanted, WireAccountNumbers,
    WireBalance, WireCash, WireRefresh, WireStatusDetail, WireStatusDetails,
};

/// Reads an account document or event, or gives up.
pub(crate) fn document(bytes: &[u8]) -> Option<Document> {
    document_or_object(bytes).ok()
}

/// [`document`]; when it gives up, the `object` the document had said it
/// is before (an account or an event), if any.
pub(crate) fn document_or_object(bytes: &[u8]) -> Result<Document, Option<ObjectKind>> {
    let mut s = Lexer::new(bytes);
    let mut d = Document::default();
    match account_into(&mut s, &mut d).and_then(|()| s.end()) {
        Some(()) => Ok(d),
        None => Err(d.object),
    }
}

/// What a document says it is: its `object`, its `type` and its
/// `data.object.object`, each when it is a string (`Some(None)` when present
/// but not a string, or, for the last, when `data` or `data.object` is not an
/// object). The error path's probe (`super::not_an_account`), in one pass of
/// the lexer; `None` when the lexer gives up or serde_json would refuse the
/// probe (a duplicate of one of these keys), and the probe is left to serde.
pub(crate) type ObjectNames<'a> = (
    Option<Option<&'a str>>,
    Option<Option<&'a str>>,
    Option<Option<&'a str>>,
);

fields!(ProbeField { Object, Type, Data });

/// A string value, or `Some(None)` for any other value (skipped).
fn text<'a>(s: &mut Lexer<'a>) -> Option<Option<&'a str>> {
    s.ws();
    if s.peek()? == b'"' {
        s.str().map(Some)
    } else {
        s.skip_value().map(|()| None)
    }
}

/// `object` of an object value, or `Some(None)` for any other value; the
/// key `object` may appear once.
fn inner_object<'a>(
    s: &mut Lexer<'a>,
    read: fn(&mut Lexer<'a>) -> Option<Option<&'a str>>,
) -> Option<Option<&'a str>> {
    s.ws();
    if s.peek()? != b'{' {
        return s.skip_value().map(|()| None);
    }
    let mut seen = Seen::default();
    let mut found = None;
    s.object(|s, key| {
        if key == b"object" {
            seen.first(ProbeField::Object)?;
            found = Some(read(s)?);
            Some(())
        } else {
            s.skip_value()
        }
    })?;
    Some(found.flatten())
}

/// Reads a document's [`ObjectNames`], or gives up.
pub(crate) fn object_names(bytes: &[u8]) -> Option<ObjectNames<'_>> {
    let mut s = Lexer::new(bytes);
    let mut seen = Seen::default();
    let (mut object, mut kind, mut data) = (None, None, None);
    s.object(|s, key| match key {
        b"object" => {
            seen.first(ProbeField::Object)?;
            object = Some(text(s)?);
            Some(())
        }
        b"type" => {
            seen.first(ProbeField::Type)?;
            kind = Some(text(s)?);
            Some(())
        }
        b"data" => {
            seen.first(ProbeField::Data)?;
            data = Some(inner_object(s, |s| inner_object(s, text))?);
            Some(())
        }
        _ => s.skip_value(),
    })?;
    s.end()?;
    Some((object, kind, data))
}

pub(crate) fn wire<T: WireEnum + Copy>(s: &mut Lexer<'_>) -> Option<Wire<T>> {
    Some(Wire(T::from_wire(s.string()?)))
}

pub(crate) fn map(s: &mut Lexer<'_>) -> Option<CurrencyMap<i64>> {
    let mut map = MapBuilder::new();
    s.object(|s, key| {
        let ccy = Currency::from_ascii(key)?;
        let value = s.nullable(Lexer::int)?;
        // A duplicate is serde_json's to report.
        map.insert(ccy, value).ok()
    })?;
    Some(map.finish())
}

fields!(AccountField {
    Object,
    Status,
    Id,
    Category,
    Balance,
    BalanceRefresh,
    Data,
    Livemode,
    Permissions,
    SupportedPaymentMethodTypes,
    StatusDetails,
    AccountNumbers
});

pub(crate) fn account(s: &mut Lexer<'_>) -> Option<Document> {
    let mut d = Document::default();
    account_into(s, &mut d).map(|()| d)
}

/// [`account`], into `d`: when it gives up, `d.object` says whether the
/// document had said it is a Stripe account or event (and so is no other
/// provider's, whatever follows).
pub(crate) fn account_into(s: &mut Lexer<'_>, d: &mut Document) -> Option<()> {
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"object" => {
            seen.first(AccountField::Object)?;
            d.object = s.nullable(|s| match s.string()? {
                b"financial_connections.account" => Some(ObjectKind::Account),
                b"event" => Some(ObjectKind::Event),
                // Other objects, and their errors, are rare: serde_json
                // reads them.
                _ => None,
            })?;
            Some(())
        }
        b"status" => {
            seen.first(AccountField::Status)?;
            d.status = s.nullable(wire::<Status>)?;
            Some(())
        }
        b"id" => {
            seen.first(AccountField::Id)?;
            d.id = s.nullable(|s| Some(AccountId::new(s.str()?)))?;
            Some(())
        }
        b"category" => {
            seen.first(AccountField::Category)?;
            d.category = s.nullable(wire::<Category>)?;
            Some(())
        }
        b"balance" => {
            seen.first(AccountField::Balance)?;
            d.balance = s.nullable(balance)?.map(Obj);
            Some(())
        }
        b"balance_refresh" => {
            seen.first(AccountField::BalanceRefresh)?;
            d.balance_refresh = s.nullable(refresh)?.map(Obj);
            Some(())
        }
        b"data" => {
            seen.first(AccountField::Data)?;
            d.data = s.nullable(event_data)?.map(Obj);
            Some(())
        }
        b"livemode" => {
            seen.first(AccountField::Livemode)?;
            d.livemode = s.nullable(Lexer::boolean)?;
            Some(())
        }
        b"permissions" => {
            seen.first(AccountField::Permissions)?;
            d.permissions = s.nullable(contains)?;
            Some(())
        }
        b"supported_payment_method_types" => {
            seen.first(AccountField::SupportedPaymentMethodTypes)?;
            d.supported_payment_method_types = s.nullable(contains)?;
            Some(())
        }
        b"status_details" => {
            seen.first(AccountField::StatusDetails)?;
            d.status_details = s.nullable(status_details)?.map(Obj);
            Some(())
        }
        b"account_numbers" => {
            seen.first(AccountField::AccountNumbers)?;
            d.account_numbers = s.nullable(account_numbers)?;
            Some(())
        }
        // Another provider's document (Plaid, Plaid Signal): detection is
        // the serde path's job.
        b"accounts" | b"error_type" => None,
        key if crate::provider::SIGNAL_KEYS.contains(&key) => None,
        _ => s.skip_value(),
    })
}

pub(crate) fn is<W: Wanted>(s: &mut Lexer<'_>) -> Option<Is<W>> {
    Some(Is::new(s.string()? == W::NAME.as_bytes()))
}

/// An array of strings: whether it holds `W::NAME`.
pub(crate) fn contains<W: Wanted>(s: &mut Lexer<'_>) -> Option<Contains<W>> {
    let mut found = false;
    s.array(|s| {
        found |= is::<W>(s)?.0;
        Some(())
    })?;
    Some(Contains::new(found))
}
fields!(StatusDetailsField { Active, Inactive });

pub(crate) fn status_details(s: &mut Lexer<'_>) -> Option<WireStatusDetails> {
    let mut d = WireStatusDetails::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"active" => {
            seen.first(StatusDetailsField::Active)?;
            d.active = s.nullable(status_detail)?.map(Obj);
            Some(())
        }
        b"inactive" => {
            seen.first(StatusDetailsField::Inactive)?;
            d.inactive = s.nullable(status_detail)?.map(Obj);
            Some(())
        }
        _ => s.skip_value(),
    })?;
    Some(d)
}

fields!(StatusDetailField {
    Action,
    Cause,
    ExpectedDeactivationDate
});

pub(crate) fn status_detail(s: &mut Lexer<'_>) -> Option<WireStatusDetail> {
    let mut d = WireStatusDetail::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"action" => {
            seen.first(StatusDetailField::Action)?;
            d.action = s.nullable(is)?;
            Some(())
        }
        b"cause" => {
            seen.first(StatusDetailField::Cause)?;
            d.cause = s.nullable(is)?;
            Some(())
        }
        b"expected_deactivation_date" => {
            seen.first(StatusDetailField::ExpectedDeactivationDate)?;
            d.expected_deactivation_date = s.nullable(Lexer::int)?.map(Strict);
            Some(())
        }
        _ => s.skip_value(),
    })?;
    Some(d)
}

fields!(AccountNumbersField { Status });

pub(crate) fn account_numbers(s: &mut Lexer<'_>) -> Option<WireAccountNumbers> {
    let mut numbers = WireAccountNumbers::default();
    s.array(|s| {
        let mut seen = Seen::default();
        let mut transactable = false;
        s.object(|s, key| match key {
            b"status" => {
                seen.first(AccountNumbersField::Status)?;
                transactable = s
                    .nullable(is::<Transactable>)?
                    .is_some_and(|Is(yes, _)| yes);
                Some(())
            }
            _ => s.skip_value(),
        })?;
        numbers.any = true;
        numbers.transactable |= transactable;
        Some(())
    })?;
    Some(numbers)
}

fields!(EventDataField { Object });

/// An event's `data`: its `object` is a document of its own (an
/// account, or anything whose error serde_json reports).
pub(crate) fn event_data(s: &mut Lexer<'_>) -> Option<EventData> {
    let mut e = EventData::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"object" => {
            seen.first(EventDataField::Object)?;
            e.object = s.nullable(account)?.map(|d| Box::new(Obj(d)));
            Some(())
        }
        _ => s.skip_value(),
    })?;
    Some(e)
}

fields!(BalanceField {
    AsOf,
    Type,
    Current,
    Cash
});

pub(crate) fn balance(s: &mut Lexer<'_>) -> Option<WireBalance> {
    let mut b = WireBalance::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"as_of" => {
            seen.first(BalanceField::AsOf)?;
            b.as_of = s.nullable(Lexer::int)?.map(Strict);
            Some(())
        }
        b"type" => {
            seen.first(BalanceField::Type)?;
            b.kind = s.nullable(wire::<BalanceType>)?;
            Some(())
        }
        b"current" => {
            seen.first(BalanceField::Current)?;
            b.current = s.nullable(map)?;
            Some(())
        }
        b"cash" => {
            seen.first(BalanceField::Cash)?;
            b.cash = s.nullable(cash)?.map(Obj);
            Some(())
        }
        _ => s.skip_value(),
    })?;
    Some(b)
}

fields!(CashField { Available });

pub(crate) fn cash(s: &mut Lexer<'_>) -> Option<WireCash> {
    let mut c = WireCash::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"available" => {
            seen.first(CashField::Available)?;
            c.available = s.nullable(map)?;
            Some(())
        }
        _ => s.skip_value(),
    })?;
    Some(c)
}

fields!(RefreshField {
    Status,
    LastAttemptedAt,
    NextRefreshAvailableAt
});

pub(crate) fn refresh(s: &mut Lexer<'_>) -> Option<WireRefresh> {
    let mut r = WireRefresh::default();
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"status" => {
            seen.first(RefreshField::Status)?;
            r.status = s.nullable(wire::<RefreshStatus>)?;
            Some(())
        }
        b"last_attempted_at" => {
            seen.first(RefreshField::LastAttemptedAt)?;
            r.last_attempted_at = s.nullable(Lexer::int)?.map(Strict);
            Some(())
        }
        b"next_refresh_available_at" => {
            seen.first(RefreshField::NextRefreshAvailableAt)?;
            r.next_refresh_available_at = Some(s.nullable(Lexer::int)?.map(Strict));
            Some(())
        }
        _ => s.skip_value(),
    })?;
    Some(r)
}
