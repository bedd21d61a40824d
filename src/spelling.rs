//! One home for each wire enum's spellings: [`wire_enum!`] declares the
//! enum and, from the one name given beside each variant, its `ALL` slice,
//! `as_str`, `from_name`, `Display`, serde (by name; an unknown name is
//! serde's usual "unknown variant" error listing the names) and, under the
//! `schema` feature, its JSON Schema (each name a `const` with the
//! variant's docs, as schemars' derive writes it).
//!
//! The enums of the verdict ([`Decision`](crate::Decision),
//! [`Code`](crate::Code), [`Basis`](crate::Basis),
//! [`RefreshAction`](crate::RefreshAction), [`Rule`](crate::Rule)) and
//! [`ErrorKind`](crate::ErrorKind) are declared with it, so a name is
//! written once and every reader and writer (serde, the batch writer, Arrow,
//! Python, the schema) spells it from there.

/// Declares a fieldless enum whose every variant has one wire name (see the
/// module docs). Variants are listed in their declaration (and `ALL`) order
/// as `Variant = "name",`. A last `.. Variant = "name",` stands for any
/// value this version does not know: it is in neither `ALL` nor the names
/// read (`from_name`, serde), and prints as its name.
macro_rules! wire_enum {
    (
        $(#[$($attr:tt)*])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $doc:expr])*
                $variant:ident = $wire:literal,
            )*
            $(
                ..
                $(#[doc = $other_doc:expr])*
                $other:ident = $other_wire:literal,
            )?
        }
    ) => {
        $(#[$($attr)*])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $(
                $(#[doc = $doc])*
                $variant,
            )*
            $(
                $(#[doc = $other_doc])*
                $other,
            )?
        }

        impl $name {
            /// Every value, in declaration order. A slice, not an array: a
            /// new value does not change its type.
            pub const ALL: &[$name] = &[$($name::$variant,)*];

            /// The wire names, in declaration order.
            const NAMES: &[&str] = &[$($wire,)*];

            /// The wire name (`snake_case`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                    $($name::$other => $other_wire,)?
                }
            }

            /// The value whose wire name is `name`, if any.
            pub fn from_name(name: &str) -> Option<$name> {
                match name {
                    $($wire => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Name;
                impl ::serde::de::Visitor<'_> for Name {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " name"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, name: &str) -> Result<$name, E> {
                        $name::from_name(name)
                            .ok_or_else(|| E::unknown_variant(name, $name::NAMES))
                    }
                }
                d.deserialize_str(Name)
            }
        }

        #[cfg(feature = "schema")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let one_of: Vec<::serde_json::Value> = vec![$(
                    $crate::spelling::variant_schema($wire, &[$(Some($doc)),*]),
                )*];
                let mut schema = ::serde_json::Map::new();
                schema.insert("oneOf".into(), one_of.into());
                $crate::spelling::describe(
                    &mut schema,
                    &[$($crate::spelling::doc_line!($($attr)*)),*],
                );
                ::schemars::Schema::from(schema)
            }
        }
    };
}
pub(crate) use wire_enum;

/// An attribute's doc text (`Some`), or `None` for any other attribute.
#[cfg(feature = "schema")]
macro_rules! doc_line {
    (doc = $doc:expr) => {
        Some($doc)
    };
    ($($other:tt)*) => {
        None
    };
}
#[cfg(feature = "schema")]
pub(crate) use doc_line;

/// Doc-comment lines as schemars joins them: one leading space dropped from
/// each line, lines joined by `\n`; attributes other than docs (`None`)
/// skipped.
#[cfg(feature = "schema")]
fn join_docs(lines: &[Option<&str>]) -> String {
    lines
        .iter()
        .flatten()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Adds `description` (the joined docs) to `schema`, when there are docs.
#[cfg(feature = "schema")]
pub(crate) fn describe(
    schema: &mut serde_json::Map<String, serde_json::Value>,
    docs: &[Option<&str>],
) {
    let description = join_docs(docs);
    if !description.is_empty() {
        schema.insert("description".into(), description.into());
    }
}

/// One variant's schema: its name as a string `const`, with its docs.
#[cfg(feature = "schema")]
pub(crate) fn variant_schema(name: &str, docs: &[Option<&str>]) -> serde_json::Value {
    let mut schema = serde_json::Map::new();
    schema.insert("const".into(), name.into());
    describe(&mut schema, docs);
    schema.insert("type".into(), "string".into());
    schema.into()
}
