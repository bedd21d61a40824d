//! Crate-private JSON plumbing shared by the wire model, the policy and the
//! batch protocol: path-tracked parsing and objects that must be objects.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};

use crate::error::JsonError;

/// Drops a leading UTF-8 byte order mark (RFC 8259 §8.1 lets a parser ignore it).
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Deserializes `T` from JSON bytes; on failure, names the JSON path.
///
/// The fast path parses without tracking paths. Only when it fails is the
/// input parsed a second time through `serde_path_to_error` to find where:
/// the same deterministic parse, so it fails at the same place.
pub(crate) fn from_slice_tracked<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, JsonError> {
    let first = match serde_json::from_slice(bytes) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => Err(JsonError::from_tracked(e)),
        // The value parsed, so the first failure came after it (trailing
        // characters), at the root.
        Ok(_) => Err(JsonError::new(
            crate::error::ErrorKind::Syntax,
            "",
            first.to_string(),
        )),
    }
}

/// A struct that must come as a JSON object.
///
/// serde's derived `Deserialize` also accepts an array and fills the fields
/// by position, so `[1651516592, "cash"]` would read as a balance. Wrapping a
/// derived struct in `Obj` accepts objects only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Obj<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

impl<T: serde::Serialize> serde::Serialize for Obj<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(feature = "schema")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Obj<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// Reads a field that is present: `Some(value)`, `null` included, so that an
/// absent field (`#[serde(default)]`: `None`) can be told from a null one.
/// Use with `#[serde(default, deserialize_with = "present")]`.
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}
