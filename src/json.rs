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
    check_utf8(bytes)?;
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

/// serde_json checks UTF-8 only in the strings it reads, not in those it
/// skips; RFC 8259 wants the whole text to be UTF-8, and every front end
/// must refuse the same documents, so every serde read checks the whole
/// text first (the fast readers check each string that is not ASCII).
pub(crate) fn check_utf8(bytes: &[u8]) -> Result<(), JsonError> {
    match std::str::from_utf8(bytes) {
        Ok(_) => Ok(()),
        Err(_) => Err(not_utf8(bytes)),
    }
}

/// The error for a text that is not UTF-8: at the JSON path of the string
/// that holds the first bad byte (a walk that builds nothing, but reads
/// every string, so that serde_json checks it), or at the root when the walk
/// stops earlier (a syntax error, a number beyond a double). The message has
/// no line and column: the same document inside a batch line and in a file
/// of its own gives the same error.
#[cold]
fn not_utf8(bytes: &[u8]) -> JsonError {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let message = "not valid UTF-8: JSON text must be UTF-8 (RFC 8259)";
    match serde_path_to_error::deserialize::<_, Walk>(&mut de) {
        Err(e) if e.inner().to_string().contains("unicode") => {
            // A bad key is named at its map (`?` is a key not read yet).
            JsonError::at(
                crate::error::ErrorKind::Syntax,
                crate::error::JsonPath::from_tracked(e.path()),
                message,
            )
        }
        _ => JsonError::new(crate::error::ErrorKind::Syntax, "", message),
    }
}

/// Any JSON value, read down to every string and key (so that serde_json
/// checks their UTF-8), keeping nothing.
struct Walk;

impl<'de> Deserialize<'de> for Walk {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(WalkVisitor)
    }
}

struct WalkVisitor;

impl<'de> Visitor<'de> for WalkVisitor {
    type Value = Walk;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_str<E>(self, _: &str) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_unit<E>(self) -> Result<Walk, E> {
        Ok(Walk)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Walk, A::Error> {
        while seq.next_element::<Walk>()?.is_some() {}
        Ok(Walk)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Walk, A::Error> {
        while map.next_key::<String>()?.is_some() {
            map.next_value::<Walk>()?;
        }
        Ok(Walk)
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
