//! JSON Schemas (2020-12) of the documents fundsgate reads and writes,
//! generated from the Rust types with `schemars` (feature `schema`). The
//! repository commits them under `schemas/`, and a test fails when the
//! committed files differ from what this module generates.
//!
//! ```
//! let verdict = fundsgate::schema::verdict();
//! assert_eq!(verdict["$schema"], "https://json-schema.org/draft/2020-12/schema");
//! assert!(verdict["required"].as_array().is_some_and(|r| r.iter().any(|f| f == "explanation")));
//! ```

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::debit::ReturnCode;
use crate::money::{Currency, CurrencyMap, MinorUnits, Ratio};
use crate::policy::{Categories, Fingerprint, MaxReinitiations, WindowDays};
use crate::snapshot::AccountId;
use crate::verdict::{Codes, Engine, Retry};

/// The names `fundsgate schema NAME` accepts, in order.
pub const NAMES: [&str; 4] = ["policy", "verdict", "request", "snapshot"];

/// The schema called `name` (one of [`NAMES`]).
pub fn by_name(name: &str) -> Option<serde_json::Value> {
    match name {
        "policy" => Some(policy()),
        "verdict" => Some(verdict()),
        "request" => Some(request()),
        "snapshot" => Some(snapshot()),
        _ => None,
    }
}

/// The policy document (SPEC §4).
pub fn policy() -> serde_json::Value {
    schemars::schema_for!(crate::policy::Policy).to_value()
}

/// The verdict (SPEC §3).
pub fn verdict() -> serde_json::Value {
    schemars::schema_for!(crate::verdict::Verdict).to_value()
}

/// The neutral snapshot document (SPEC §2, [`crate::neutral`]).
pub fn snapshot() -> serde_json::Value {
    schemars::schema_for!(crate::provider::neutral::Document).to_value()
}

/// A `fundsgate batch` request line (SPEC §6).
pub fn request() -> serde_json::Value {
    schemars::schema_for!(crate::batch::RequestSchema).to_value()
}

impl JsonSchema for Currency {
    fn schema_name() -> Cow<'static, str> {
        "Currency".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An ISO 4217 currency code: three ASCII letters, any case (written lowercase).",
            "type": "string",
            "pattern": "^[A-Za-z]{3}$"
        })
    }
}

impl<V: MinorUnits> JsonSchema for CurrencyMap<V> {
    fn schema_name() -> Cow<'static, str> {
        format!(
            "CurrencyMap_{}",
            if V::RANGE.contains("i64") {
                "i64"
            } else {
                "u64"
            }
        )
        .into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let minimum = if V::RANGE.contains("i64") {
            i64::MIN as f64
        } else {
            0.0
        };
        json_schema!({
            "description": "Amounts in minor units per currency code; a null amount reads as absent; the same code twice (in any case) is an error.",
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z]{3}$"},
            "additionalProperties": {"type": ["integer", "null"], "minimum": minimum}
        })
    }
}

impl JsonSchema for Ratio {
    fn schema_name() -> Cow<'static, str> {
        "Ratio".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An exact decimal from 0 to 10 with at most 18 decimal places, as a string (\"0.05\") or a number (read by its literal text).",
            "anyOf": [
                {"type": "string", "pattern": "^\\s*[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*$"},
                {"type": "number", "minimum": 0, "maximum": 10}
            ]
        })
    }
}

impl JsonSchema for Categories {
    fn schema_name() -> Cow<'static, str> {
        "Categories".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Account categories that may be debited; `credit` is never accepted.",
            "type": "array",
            "items": {"enum": ["cash", "investment", "other"]}
        })
    }
}

impl JsonSchema for MaxReinitiations {
    fn schema_name() -> Cow<'static, str> {
        "MaxReinitiations".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "integer", "minimum": MaxReinitiations::MIN, "maximum": MaxReinitiations::MAX})
    }
}

impl JsonSchema for WindowDays {
    fn schema_name() -> Cow<'static, str> {
        "WindowDays".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "integer", "minimum": WindowDays::MIN, "maximum": WindowDays::MAX})
    }
}

impl JsonSchema for Fingerprint {
    fn schema_name() -> Cow<'static, str> {
        "Fingerprint".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "SHA-256 of the policy's canonical JSON.",
            "type": "string",
            "pattern": "^sha256:[0-9a-f]{64}$"
        })
    }
}

impl JsonSchema for AccountId {
    fn schema_name() -> Cow<'static, str> {
        "AccountId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"description": "The account's id at its provider.", "type": "string"})
    }
}

impl JsonSchema for Engine {
    fn schema_name() -> Cow<'static, str> {
        "Engine".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"description": "fundsgate and its version.", "type": "string", "pattern": "^fundsgate "})
    }
}

impl JsonSchema for Codes {
    fn schema_name() -> Cow<'static, str> {
        "Codes".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let code = generator.subschema_for::<crate::verdict::Code>();
        json_schema!({"type": "array", "items": code, "uniqueItems": true})
    }
}

impl JsonSchema for Retry {
    fn schema_name() -> Cow<'static, str> {
        "Retry".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A re-initiated debit that may go ahead, sent with the company entry description RETRY PYMT.",
            "type": "object",
            "properties": {
                "attempt": {"type": "integer", "minimum": 1},
                "entry_description": {"const": Retry::ENTRY_DESCRIPTION}
            },
            "required": ["attempt", "entry_description"]
        })
    }
}

impl JsonSchema for ReturnCode {
    fn schema_name() -> Cow<'static, str> {
        "ReturnCode".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"description": "A NACHA return code.", "type": "string", "pattern": "^[Rr][0-9]{2}$"})
    }
}
