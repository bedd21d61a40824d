//! The Stripe wire model: the structs serde_json (and the fast reader
//! `fast`) read an account or an event into, and their translation into a
//! [`Snapshot`]. Fields the gate does not read are never built.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::error::{ErrorKind, JsonError};
use crate::json::Obj;
use crate::money::{CurrencyMap, Strict};
use crate::provider::names::Wire;
use crate::snapshot::{
    AccountId, AccountNumbers, Balance, BalanceType, Category, Livemode, NextRefresh, Provider,
    Refresh, RefreshStatus, Snapshot, Status,
};

/// The `object` value of an account.
pub const ACCOUNT_OBJECT: &str = "financial_connections.account";

/// What to say about a document whose `object` is `found`, not an account.
/// `event` is `Some` when the document is an event's `data.object`, with
/// the event's `type` when it is known.
pub(crate) fn wrong_object(found: &str, event: Option<Option<&str>>) -> String {
    let what = match found {
        "list" => "a list response: pass one account from its `data` array".to_owned(),
        "linked_account" => {
            "a legacy linked account: retrieve it again as a Financial Connections account"
                .to_owned()
        }
        _ => format!("a Stripe `{found}` object, not a Financial Connections account"),
    };
    match event {
        None => format!(
            "expected `{ACCOUNT_OBJECT}` or an event carrying one, found `{found}`: \
             this document is {what}"
        ),
        Some(kind) => {
            let event = kind.map_or_else(|| "the event".to_owned(), |t| format!("the `{t}` event"));
            format!(
                "expected `{ACCOUNT_OBJECT}` in the event's data.object, found `{found}`: \
                 {event} carries {what}"
            )
        }
    }
}

/// An account or an event: every field either may carry, in one pass.
///
/// The fields are the ones the gate reads; the fast reader (`fast`) builds the same
/// structs on its fast path.
#[derive(Deserialize, Default)]
pub(crate) struct Document {
    #[serde(default)]
    pub(crate) object: Option<ObjectKind>,
    #[serde(default)]
    pub(crate) id: Option<AccountId>,
    #[serde(default)]
    pub(crate) status: Option<Wire<Status>>,
    #[serde(default)]
    pub(crate) category: Option<Wire<Category>>,
    #[serde(default)]
    pub(crate) balance: Option<Obj<WireBalance>>,
    #[serde(default)]
    pub(crate) balance_refresh: Option<Obj<WireRefresh>>,
    #[serde(default)]
    pub(crate) data: Option<Obj<EventData>>,
    #[serde(default)]
    pub(crate) livemode: Option<bool>,
    #[serde(default)]
    pub(crate) permissions: Option<Contains<Balances>>,
    #[serde(default)]
    pub(crate) supported_payment_method_types: Option<Contains<UsBankAccount>>,
    #[serde(default)]
    pub(crate) status_details: Option<Obj<WireStatusDetails>>,
    #[serde(default)]
    pub(crate) account_numbers: Option<WireAccountNumbers>,
}

/// `status_details`: why a link is (or is about to be) down.
#[derive(Deserialize, Default)]
pub(crate) struct WireStatusDetails {
    #[serde(default)]
    pub(crate) active: Option<Obj<WireStatusDetail>>,
    #[serde(default)]
    pub(crate) inactive: Option<Obj<WireStatusDetail>>,
}

/// `status_details.active` or `status_details.inactive`: the fields the gate
/// reads of either.
#[derive(Deserialize, Default)]
pub(crate) struct WireStatusDetail {
    #[serde(default)]
    pub(crate) action: Option<Is<RelinkRequired>>,
    #[serde(default)]
    pub(crate) cause: Option<Is<AccountClosed>>,
    #[serde(default)]
    pub(crate) expected_deactivation_date: Option<Strict<i64>>,
}

/// `account_numbers`: how many entries, and whether one is transactable.
#[derive(Default)]
pub(crate) struct WireAccountNumbers {
    pub(crate) any: bool,
    pub(crate) transactable: bool,
}

/// One entry of `account_numbers`: only its `status` is read.
#[derive(Deserialize, Default)]
pub(crate) struct WireAccountNumber {
    #[serde(default)]
    pub(crate) status: Option<Is<Transactable>>,
}

impl<'de> Deserialize<'de> for WireAccountNumbers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WireAccountNumbers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of account numbers")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<WireAccountNumbers, A::Error> {
                let mut numbers = WireAccountNumbers::default();
                while let Some(Obj(entry)) = seq.next_element::<Obj<WireAccountNumber>>()? {
                    numbers.any = true;
                    numbers.transactable |= entry.status.is_some_and(|Is(yes, _)| yes);
                }
                Ok(numbers)
            }
        }
        d.deserialize_seq(V)
    }
}

/// A name the gate looks for among open-ended string values: Stripe may add
/// values, and the gate only asks whether this one is there.
pub(crate) trait Wanted {
    /// The name looked for.
    const NAME: &'static str;
    /// What the strings are, for error messages.
    const WHAT: &'static str;
}

macro_rules! wanted {
    ($name:ident, $value:literal, $what:literal) => {
        pub(crate) struct $name;
        impl Wanted for $name {
            const NAME: &'static str = $value;
            const WHAT: &'static str = $what;
        }
    };
}

wanted!(Balances, "balances", "an array of permission strings");
wanted!(
    UsBankAccount,
    "us_bank_account",
    "an array of payment method type strings"
);
wanted!(
    RelinkRequired,
    "relink_required",
    "a status details action string"
);
wanted!(
    AccountClosed,
    "account_closed",
    "a status details cause string"
);
wanted!(
    Transactable,
    "transactable",
    "an account number status string"
);

/// A string that is (`true`) or is not the wanted name.
pub(crate) struct Is<W>(pub(crate) bool, pub(crate) PhantomData<W>);

impl<W> Is<W> {
    pub(crate) fn new(yes: bool) -> Self {
        Is(yes, PhantomData)
    }
}

impl<'de, W: Wanted> Deserialize<'de> for Is<W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<W>(PhantomData<W>);
        impl<W: Wanted> Visitor<'_> for V<W> {
            type Value = Is<W>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(W::WHAT)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Is<W>, E> {
                Ok(Is::new(v == W::NAME))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// An array of strings, read for whether it holds the wanted name; other
/// strings are ignored, anything but a string is an error.
pub(crate) struct Contains<W>(pub(crate) bool, pub(crate) PhantomData<W>);

impl<W> Contains<W> {
    pub(crate) fn new(yes: bool) -> Self {
        Contains(yes, PhantomData)
    }
}

impl<'de, W: Wanted> Deserialize<'de> for Contains<W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<W>(PhantomData<W>);
        impl<'de, W: Wanted> Visitor<'de> for V<W> {
            type Value = Contains<W>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(W::WHAT)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Contains<W>, A::Error> {
                let mut found = false;
                while let Some(Is(yes, _)) = seq.next_element::<Is<W>>()? {
                    found |= yes;
                }
                Ok(Contains::new(found))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct EventData {
    #[serde(default)]
    pub(crate) object: Option<Box<Obj<Document>>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct WireBalance {
    #[serde(default)]
    pub(crate) as_of: Option<Strict<i64>>,
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<Wire<BalanceType>>,
    #[serde(default)]
    pub(crate) current: Option<CurrencyMap<i64>>,
    #[serde(default)]
    pub(crate) cash: Option<Obj<WireCash>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct WireCash {
    #[serde(default)]
    pub(crate) available: Option<CurrencyMap<i64>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct WireRefresh {
    #[serde(default)]
    pub(crate) status: Option<Wire<RefreshStatus>>,
    #[serde(default)]
    pub(crate) last_attempted_at: Option<Strict<i64>>,
    /// Absent (`None`) and `null` (`Some(None)`) mean different things.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub(crate) next_refresh_available_at: Option<Option<Strict<i64>>>,
}

impl Document {
    /// Resolves the account (the document itself, or an event's
    /// `data.object`) and translates it. `at` is the document's own path.
    pub(crate) fn into_snapshot(self, at: &str) -> Result<Snapshot, JsonError> {
        match self.object {
            Some(ObjectKind::Event) => {
                let Obj(data) = self
                    .data
                    .ok_or_else(|| {
                        JsonError::new(
                            ErrorKind::Missing,
                            "data",
                            "an event must carry `data.object`",
                        )
                    })
                    .map_err(|e| e.under(at))?;
                let account = data
                    .object
                    .map(|boxed| boxed.0)
                    .ok_or_else(|| {
                        JsonError::new(
                            ErrorKind::Missing,
                            "data.object",
                            "an event must carry an account here",
                        )
                    })
                    .map_err(|e| e.under(at))?;
                let inner = join(at, "data.object");
                match &account.object {
                    None | Some(ObjectKind::Account) => account.account_snapshot(&inner),
                    Some(ObjectKind::Event) => Err(JsonError::new(
                        ErrorKind::NotAnAccount,
                        "object",
                        wrong_object("event", Some(None)),
                    )
                    .under(&inner)),
                    Some(ObjectKind::Other(other)) => Err(JsonError::new(
                        ErrorKind::NotAnAccount,
                        "object",
                        wrong_object(other, Some(None)),
                    )
                    .under(&inner)),
                }
            }
            None | Some(ObjectKind::Account) => self.account_snapshot(at),
            Some(ObjectKind::Other(other)) => Err(JsonError::new(
                ErrorKind::NotAnAccount,
                "object",
                wrong_object(&other, None),
            )
            .under(at)),
        }
    }

    fn account_snapshot(self, at: &str) -> Result<Snapshot, JsonError> {
        let Some(Wire(status)) = self.status else {
            return Err(JsonError::new(
                ErrorKind::Missing,
                "status",
                "required, found null or nothing",
            )
            .under(at));
        };
        let balance = match self.balance {
            None => None,
            Some(Obj(b)) => {
                let Some(Strict(as_of)) = b.as_of else {
                    return Err(JsonError::new(
                        ErrorKind::Missing,
                        "balance.as_of",
                        "required when balance is not null, found null or nothing",
                    )
                    .under(at));
                };
                Some(Balance {
                    as_of: Some(as_of),
                    kind: b.kind.map_or(BalanceType::Unrecognized, |Wire(k)| k),
                    // `current` is always a map at Stripe; absent reads as empty,
                    // which can only lead to `currency_not_in_balance`.
                    current: b.current.unwrap_or_default(),
                    available: b.cash.and_then(|Obj(c)| c.available),
                })
            }
        };
        let details = self.status_details.map(|Obj(d)| d).unwrap_or_default();
        let active = details.active.map(|Obj(d)| d).unwrap_or_default();
        let inactive = details.inactive.map(|Obj(d)| d).unwrap_or_default();
        let relink = |d: &WireStatusDetail| d.action.as_ref().is_some_and(|Is(yes, _)| *yes);
        Ok(Snapshot {
            account_id: self.id,
            provider: Some(Provider::Stripe),
            status,
            category: self.category.map(|Wire(c)| c),
            balance,
            refresh: self.balance_refresh.map(|Obj(r)| Refresh {
                status: r.status.map_or(RefreshStatus::Unrecognized, |Wire(s)| s),
                last_attempted_at: r.last_attempted_at.map(|Strict(t)| t),
                next_refresh_available_at: match r.next_refresh_available_at {
                    None => NextRefresh::NotStated,
                    Some(None) => NextRefresh::Unavailable,
                    Some(Some(Strict(t))) => NextRefresh::At(t),
                },
            }),
            balances_permitted: self.permissions.map(|Contains(yes, _)| yes),
            ach_supported: self
                .supported_payment_method_types
                .map(|Contains(yes, _)| yes),
            account_numbers: match self.account_numbers {
                Some(WireAccountNumbers {
                    any: true,
                    transactable,
                }) => {
                    if transactable {
                        AccountNumbers::Transactable
                    } else {
                        AccountNumbers::NoneTransactable
                    }
                }
                _ => AccountNumbers::Unknown,
            },
            closed: inactive.cause.as_ref().is_some_and(|Is(yes, _)| *yes),
            relink_required: relink(&active) || relink(&inactive),
            expected_deactivation: active.expected_deactivation_date.map(|Strict(t)| t),
            // Stripe always says: an absent or null `livemode` is missing.
            livemode: self.livemode.map_or(Livemode::Missing, Livemode::Is),
            request_failed: false,
            provider_error: None,
            provider_result: None,
        })
    }
}

fn join(at: &str, path: &str) -> String {
    if at.is_empty() {
        path.to_owned()
    } else {
        format!("{at}.{path}")
    }
}

/// The `object` field: what kind of Stripe object the document is.
pub(crate) enum ObjectKind {
    Account,
    Event,
    Other(String),
}

impl<'de> Deserialize<'de> for ObjectKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ObjectKind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Stripe object type string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ObjectKind, E> {
                Ok(match v {
                    ACCOUNT_OBJECT => ObjectKind::Account,
                    "event" => ObjectKind::Event,
                    other => ObjectKind::Other(other.to_owned()),
                })
            }
        }
        d.deserialize_str(V)
    }
}
