//! `MinorUnits`: the integer amounts a [`CurrencyMap`](super::CurrencyMap) holds, read strictly.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// A value that can sit in a [`CurrencyMap`](super::CurrencyMap): an `i64` balance (may be
/// negative) or a `u64` limit (never negative).
///
/// Both read only JSON integers: `6000.0`, `"6000"` and `1e3` are rejected, as
/// is anything outside the type's range.
pub trait MinorUnits: Copy + Default + Eq + fmt::Debug + Serialize + sealed::Sealed {
    #[doc(hidden)]
    fn from_i64(v: i64) -> Option<Self>;
    #[doc(hidden)]
    fn from_u64(v: u64) -> Option<Self>;
    #[doc(hidden)]
    const RANGE: &'static str;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for i64 {}
    impl Sealed for u64 {}
}

impl MinorUnits for i64 {
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    const RANGE: &'static str = "an integer amount in i64 range";
}

impl MinorUnits for u64 {
    fn from_i64(v: i64) -> Option<Self> {
        u64::try_from(v).ok()
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v)
    }
    const RANGE: &'static str = "a non-negative integer amount";
}

/// Deserializes a strict JSON integer into `T`, with messages that say what
/// was found instead (`expected an integer amount in i64 range, found 6000.5`).
pub(crate) struct Strict<T>(pub T);

impl<T: MinorUnits> Serialize for Strict<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: MinorUnits> Deserialize<'de> for Strict<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor::<T>(std::marker::PhantomData))
            .map(Strict)
    }
}

struct StrictVisitor<T>(std::marker::PhantomData<T>);

impl<T: MinorUnits> StrictVisitor<T> {
    fn found<E: de::Error>(what: fmt::Arguments<'_>) -> E {
        E::custom(format_args!("expected {}, found {}", T::RANGE, what))
    }
}

impl<'de, T: MinorUnits> Visitor<'de> for StrictVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::RANGE)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_i64(v).ok_or_else(|| Self::found(format_args!("{v}")))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_u64(v).ok_or_else(|| Self::found(format_args!("{v}")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // Debug keeps the decimal point: `6000.0`, not `6000`.
        Err(Self::found(format_args!("the float {v:?}")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Err(Self::found(format_args!("the string {v:?}")))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Err(Self::found(format_args!("{v}")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Err(Self::found(format_args!("null")))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        Err(Self::found(format_args!("an array")))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        Err(Self::found(format_args!("an object")))
    }
}
