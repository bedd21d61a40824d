//! The spellings of the snapshot's enums in documents: Stripe's, which the
//! neutral snapshot document shares. Reading is open (an unknown string is
//! the enum's `Unrecognized` variant, never an error: the engine then denies
//! with `unrecognized_value`); writing spells `Unrecognized` as
//! `"unrecognized"`.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::snapshot::{BalanceType, Category, ProviderResult, RefreshStatus, Status};

/// The spelling of an unknown value in the neutral snapshot document.
pub(crate) const UNRECOGNIZED: &str = "unrecognized";

/// A snapshot enum read from its string; unknown strings become the enum's
/// `Unrecognized` variant instead of an error.
pub(crate) struct Wire<T>(pub(crate) T);

/// The spelling of each known value of a snapshot enum.
pub(crate) trait WireEnum: Sized + Copy + 'static {
    const WHAT: &'static str;
    const KNOWN: &'static [(&'static str, Self)];
    const UNRECOGNIZED: Self;

    /// The value for a string; unknown strings are `UNRECOGNIZED`.
    fn from_wire(text: &[u8]) -> Self {
        Self::KNOWN
            .iter()
            .find(|(name, _)| name.as_bytes() == text)
            .map_or(Self::UNRECOGNIZED, |&(_, value)| value)
    }

    /// The value's spelling (`"unrecognized"` for an unknown one).
    fn name(self) -> &'static str
    where
        Self: PartialEq,
    {
        Self::KNOWN
            .iter()
            .find(|(_, value)| *value == self)
            .map_or(UNRECOGNIZED, |&(name, _)| name)
    }
}

impl WireEnum for Status {
    const WHAT: &'static str = "an account status string";
    const KNOWN: &'static [(&'static str, Self)] = &[
        ("active", Status::Active),
        ("inactive", Status::Inactive),
        ("disconnected", Status::Disconnected),
    ];
    const UNRECOGNIZED: Self = Status::Unrecognized;
}

impl WireEnum for Category {
    const WHAT: &'static str = "an account category string";
    const KNOWN: &'static [(&'static str, Self)] = &[
        ("cash", Category::Cash),
        ("credit", Category::Credit),
        ("investment", Category::Investment),
        ("other", Category::Other),
    ];
    const UNRECOGNIZED: Self = Category::Unrecognized;
}

impl WireEnum for BalanceType {
    const WHAT: &'static str = "a balance type string";
    const KNOWN: &'static [(&'static str, Self)] =
        &[("cash", BalanceType::Cash), ("credit", BalanceType::Credit)];
    const UNRECOGNIZED: Self = BalanceType::Unrecognized;
}

impl WireEnum for RefreshStatus {
    const WHAT: &'static str = "a refresh status string";
    const KNOWN: &'static [(&'static str, Self)] = &[
        ("pending", RefreshStatus::Pending),
        ("succeeded", RefreshStatus::Succeeded),
        ("failed", RefreshStatus::Failed),
    ];
    const UNRECOGNIZED: Self = RefreshStatus::Unrecognized;
}

impl WireEnum for ProviderResult {
    const WHAT: &'static str = "a provider result string";
    const KNOWN: &'static [(&'static str, Self)] = &[
        ("accept", ProviderResult::Accept),
        ("review", ProviderResult::Review),
        ("decline", ProviderResult::Decline),
    ];
    const UNRECOGNIZED: Self = ProviderResult::Unrecognized;
}

impl<'de, T: WireEnum + Copy> Deserialize<'de> for Wire<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<T: WireEnum + Copy> Visitor<'_> for V<T> {
            type Value = Wire<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(T::WHAT)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Wire<T>, E> {
                Ok(Wire(T::from_wire(v.as_bytes())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

impl<T: WireEnum + PartialEq> Serialize for Wire<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}
