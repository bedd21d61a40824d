//! Whole Apache Arrow record batches at once (feature `arrow`): a
//! [`RecordBatch`] of accounts and debits in, a `RecordBatch` of verdict
//! columns out, row-aligned with the input, for portfolio re-checks on
//! dataframe and distributed engines (pandas, Polars, DuckDB, Spark's
//! `mapInArrow`). The decisions are [`decide`](crate::decide)'s, row for row.
//!
//! ```
//! use std::sync::Arc;
//! use fundsgate::arrow::{decide_batch, Options};
//! use fundsgate::{Policy, from_unix};
//! use fundsgate::arrow::arrow_array::{self, Array, Int64Array, RecordBatch, StringArray, cast::AsArray};
//!
//! let input = RecordBatch::try_from_iter([
//!     ("status", Arc::new(StringArray::from(vec!["active", "active"])) as _),
//!     ("as_of", Arc::new(Int64Array::from(vec![1_651_516_592, 1_651_516_592])) as _),
//!     ("available", Arc::new(Int64Array::from(vec![Some(6000), None])) as _),
//!     ("current", Arc::new(Int64Array::from(vec![6000, 15000])) as _),
//!     ("amount", Arc::new(Int64Array::from(vec![20000, 5000])) as _),
//!     ("currency", Arc::new(StringArray::from(vec!["usd", "usd"])) as _),
//! ])?;
//! let now = from_unix(1_651_516_600).ok_or("time")?;
//! let verdicts = decide_batch(&input, &Policy::default(), now, &Options::default())?;
//! let rule = verdicts.column_by_name("rule").ok_or("rule")?;
//! let rule = arrow_cast_rule(rule.as_ref());
//! assert_eq!(rule, ["insufficient", "sufficient"]);
//! # fn arrow_cast_rule(a: &dyn Array) -> Vec<String> {
//! #     let d = a.as_dictionary::<arrow_array::types::Int8Type>();
//! #     let values = d.values().as_string::<i32>();
//! #     d.keys().iter().map(|k| values.value(k.unwrap() as usize).to_owned()).collect()
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Input columns
//!
//! Two shapes. With an `account` column (`Utf8`, `LargeUtf8`, `Utf8View` or
//! `Binary`), each row's account is a document as a provider sent it (Stripe,
//! Plaid or a neutral snapshot; null: an unlinked debit), read as
//! [`read_account`](crate::read_account) reads it. Without one, the account is
//! given as typed columns, as a warehouse table holds it (one currency per
//! row: the debit's):
//!
//! | column | type | meaning (null: unknown or absent) |
//! | --- | --- | --- |
//! | `status` | string, **required** | `active`, `inactive`, `disconnected` (another value: `unrecognized_value`) |
//! | `category` | string | `cash`, `credit`, `investment`, `other` |
//! | `balance_type` | string | `cash` (the default) or `credit` |
//! | `as_of` | Int64 (unix seconds) | when the balance was computed; null: unknown (stale) |
//! | `available`, `current` | Int64 (minor units of `balance_currency`) | the balance; both null: no balance |
//! | `balance_currency` | string | the balance's currency; null or no column: the debit's |
//! | `refresh_status` | string | `pending`, `succeeded`, `failed`; null: no refresh state |
//! | `next_refresh_available_at` | Int64 | as Stripe's: null means no refresh can start now; without the column, no restriction is known |
//! | `balances_permitted`, `ach_supported`, `livemode` | Boolean | |
//! | `account_numbers` | string | `transactable`, `none_transactable`, `unknown` |
//! | `closed`, `relink_required` | Boolean | null: false |
//! | `expected_deactivation` | Int64 | |
//!
//! Both shapes take the debit and the row's context from:
//!
//! | column | type | meaning |
//! | --- | --- | --- |
//! | `amount` | Int64, **required** | minor units, ≥ 1 |
//! | `currency` | string, **required** | three letters, any case |
//! | `in_flight` | Int64 | null: 0 |
//! | `account_id` | string | the account's id (a Plaid response's selection) |
//! | `fetched_at` | Int64 | when a Plaid response was received |
//! | `now` | Int64 | the row's evaluation instant; null: the batch's |
//! | `returns` | List of strings | for a re-initiated entry: the return codes of its earlier presentments, oldest first (`R01`, …); null or empty: an original entry |
//! | `original_settlement` | Int64 | when the original entry settled; required with non-empty `returns` |
//! | `debit_id` | string | the payment's own id (≤ 255 characters): a prior debit with it is this payment |
//! | `prior` | List of Struct `{id: string, amount: Int64, currency: string, initiated_at: Int64, settled_at: Int64}` | the account's earlier debits not failed or returned (`id` and `settled_at` optional fields; an unknown field is an error) |
//!
//! Where a table says Int64, any integer type is read (a UInt64 above
//! 2^63 − 1 is that row's error), and Float64 where it holds a whole number
//! (pandas' int column with a missing value); times also read
//! `Timestamp(s|ms|us|ns)` with or without a zone. Strings may be Utf8,
//! LargeUtf8, Utf8View or dictionary-encoded; `returns` a List or LargeList;
//! `account` also Binary, LargeBinary or BinaryView.
//!
//! The columns are ours, like a batch line's keys: a column fundsgate does
//! not read is a [`ColumnError`] naming it and the known column it most
//! resembles, unless listed in [`Options::passthrough`] (carried through
//! unchanged after the verdict columns); so are two columns of one name and
//! typed account columns beside `account`.
//!
//! A missing required column, or a column of another type, is a
//! [`ColumnError`] naming it. A row whose values cannot be decided (a bad
//! currency, a null amount, an unreadable account document) gets its
//! message in the `error` column and nulls elsewhere: it never fails the
//! batch.
//!
//! # Output columns
//!
//! `decision`, `basis`, `rule` and `refresh_action` are dictionary-encoded
//! strings (`Dictionary<Int8, Utf8>`); `reasons` and `warnings` are lists of
//! dictionary-encoded codes; `balance`, `required`, `max_allowed`,
//! `refresh_not_before`, `exposure_amount` and `not_before` are Int64,
//! `retry_attempt` and `exposure_count` Int32; `explanation` (only with
//! [`Options::explanation`]) and `error` are Utf8. [`output_schema`] gives the
//! exact schema.
//!
//! # Runs
//!
//! Rows are decided in order, and a debit allowed on an account (the same
//! provider and non-null `account_id`; typed rows have no provider, and
//! match on the id) counts against the later rows of that account, as in
//! `fundsgate batch` (SPEC §5b). [`decide_batch_in`] carries the run from one
//! batch to the next; [`Options::independent`] decides each row alone.

use std::sync::{Arc, LazyLock};

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, Int32Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, BooleanArray, DictionaryArray, Int8Array, ListArray,
    PrimitiveArray, RecordBatch, StringArray, new_null_array,
};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use chrono::{DateTime, Utc};

use crate::debit::{Debit, DebitId, PriorDebit, PriorDebits};
use crate::engine::Outcome;
use crate::error::{ErrorKind, RequestError};
use crate::money::{Currency, CurrencyMap};
use crate::policy::Policy;
use crate::provider::ReadOptions;
use crate::provider::names::WireEnum;
use crate::request::AccountSource;
use crate::run::Run;
use crate::snapshot::{
    AccountId, AccountNumbers, Balance, BalanceType, Livemode, NextRefresh, ProviderResult,
    Refresh, RefreshStatus, Snapshot, Status,
};
use crate::verdict::{Basis, Code, Codes, Decision, RefreshAction, Rule};

/// The most rows one batch may hold (its code lists use 32-bit offsets).
pub const MAX_ROWS: usize = 50_000_000;

/// The Arrow crates of this module's signatures, re-exported so that callers
/// use the very versions fundsgate was built with.
pub use arrow_array;
pub use arrow_buffer;
pub use arrow_schema;

/// What to compute besides the verdict columns, and which input columns to
/// carry through.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Add the `explanation` column (one English sentence a row: the
    /// costliest column by far, so it is off by default).
    pub explanation: bool,
    /// Input columns that fundsgate does not read, copied unchanged after
    /// the verdict columns (a frame's keys, say). Any other column that
    /// fundsgate does not read is an error: a misspelt `in_flight` must
    /// never be dropped silently.
    pub passthrough: Vec<String>,
    /// Decide every row alone, as SPEC version 2 did. By default rows are
    /// decided in order and a debit allowed on an account (the same
    /// provider and `account_id`) is a prior debit of the later rows of that
    /// account (SPEC §5b, "Within a run").
    pub independent: bool,
}

impl Options {
    /// Every row decided alone (see [`Options::independent`]).
    #[must_use]
    pub fn with_independent(self) -> Self {
        Options {
            independent: true,
            ..self
        }
    }

    /// With the `explanation` column.
    #[must_use]
    pub fn with_explanation(self) -> Self {
        Options {
            explanation: true,
            ..self
        }
    }

    /// With these input columns carried through to the output.
    #[must_use]
    pub fn with_passthrough<S: Into<String>>(self, columns: impl IntoIterator<Item = S>) -> Self {
        Options {
            passthrough: columns.into_iter().map(Into::into).collect(),
            ..self
        }
    }
}

/// A column that is missing or of the wrong type: the batch cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column `{column}`: {message}")]
pub struct ColumnError {
    kind: ErrorKind,
    column: String,
    message: String,
}

impl ColumnError {
    fn new(column: &str, message: impl Into<String>) -> Self {
        ColumnError::of_kind(ErrorKind::Invalid, column, message)
    }

    fn of_kind(kind: ErrorKind, column: &str, message: impl Into<String>) -> Self {
        ColumnError {
            kind,
            column: column.to_owned(),
            message: message.into(),
        }
    }

    /// What kind of fault it is: `UnknownField` for a column fundsgate does
    /// not read, `Duplicate`, `Missing`, or `Invalid` (a wrong type).
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The column's name.
    pub fn column(&self) -> &str {
        &self.column
    }

    /// What is wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

// ---- Reading columns ----------------------------------------------------------------

/// The columns of the debit and its context, read in both shapes.
const DEBIT_COLUMNS: [&str; 10] = [
    "amount",
    "currency",
    "in_flight",
    "account_id",
    "fetched_at",
    "now",
    "returns",
    "original_settlement",
    "debit_id",
    "prior",
];

/// The fields of a `prior` entry (a struct).
const PRIOR_FIELDS: [&str; 5] = ["id", "amount", "currency", "initiated_at", "settled_at"];

/// The account as typed columns (the shape without `account`).
const TYPED_COLUMNS: [&str; 18] = [
    "status",
    "category",
    "balance_type",
    "as_of",
    "balance_currency",
    "available",
    "current",
    "refresh_status",
    "next_refresh_available_at",
    "balances_permitted",
    "ach_supported",
    "livemode",
    "account_numbers",
    "closed",
    "relink_required",
    "expected_deactivation",
    "request_failed",
    "provider_result",
];

/// What an integer column may be.
const INTEGER_TYPES: &str =
    "an integer type (Int8 to Int64, UInt8 to UInt64; or Float64 holding whole numbers)";
/// What a time column may be.
const TIME_TYPES: &str = "unix seconds as an integer type (Int8 to Int64, UInt8 to UInt64; or Float64 holding whole numbers) or a Timestamp (s, ms, us, ns; any zone)";
/// What a string column may be.
const STRING_TYPES: &str = "a string type (Utf8, LargeUtf8, Utf8View, or a Dictionary of one)";

/// A string column of one of Arrow's plain string layouts.
#[derive(Clone, Copy)]
enum Plain<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Plain<'a> {
    fn of(column: &'a dyn Array) -> Option<Self> {
        match column.data_type() {
            DataType::Utf8 => column.as_string_opt::<i32>().map(Plain::Utf8),
            DataType::LargeUtf8 => column.as_string_opt::<i64>().map(Plain::Large),
            DataType::Utf8View => column.as_string_view_opt().map(Plain::View),
            _ => None,
        }
    }

    fn len(self) -> usize {
        match self {
            Plain::Utf8(a) => a.len(),
            Plain::Large(a) => a.len(),
            Plain::View(a) => a.len(),
        }
    }

    /// The string at `row`, or `None` when null (or out of range).
    #[inline(always)]
    fn get(self, row: usize) -> Option<&'a str> {
        if row >= self.len() {
            return None;
        }
        match self {
            Plain::Utf8(a) => a.is_valid(row).then(|| a.value(row)),
            Plain::Large(a) => a.is_valid(row).then(|| a.value(row)),
            Plain::View(a) => a.is_valid(row).then(|| a.value(row)),
        }
    }
}

/// A string column: plain, or dictionary-encoded (a pandas categorical),
/// whose keys were normalized once for the batch.
#[derive(Clone, Copy)]
enum Strings<'a> {
    Plain(Plain<'a>),
    Dict {
        keys: &'a [usize],
        nulls: Option<&'a NullBuffer>,
        values: Plain<'a>,
    },
}

impl<'a> Strings<'a> {
    #[inline(always)]
    fn get(self, row: usize) -> Option<&'a str> {
        match self {
            Strings::Plain(p) => p.get(row),
            Strings::Dict {
                keys,
                nulls,
                values,
            } => {
                if nulls.is_some_and(|n| n.is_null(row)) {
                    return None;
                }
                // Validated arrays keep their keys in range; a key that is
                // not reads as null rather than panicking.
                let key = *keys.get(row)?;
                (key < values.len()).then(|| values.get(key)).flatten()
            }
        }
    }
}

/// An integer column of any width or sign, or a timestamp (read as unix
/// seconds, rounded toward −∞).
#[derive(Clone, Copy)]
enum Ints<'a> {
    I64(&'a PrimitiveArray<Int64Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I16(&'a PrimitiveArray<arrow_array::types::Int16Type>),
    I8(&'a PrimitiveArray<Int8Type>),
    U64(&'a PrimitiveArray<arrow_array::types::UInt64Type>),
    U32(&'a PrimitiveArray<arrow_array::types::UInt32Type>),
    U16(&'a PrimitiveArray<arrow_array::types::UInt16Type>),
    U8(&'a PrimitiveArray<arrow_array::types::UInt8Type>),
    Seconds(&'a PrimitiveArray<arrow_array::types::TimestampSecondType>),
    Millis(&'a PrimitiveArray<arrow_array::types::TimestampMillisecondType>),
    Micros(&'a PrimitiveArray<arrow_array::types::TimestampMicrosecondType>),
    Nanos(&'a PrimitiveArray<arrow_array::types::TimestampNanosecondType>),
    /// What pandas makes of an integer column with a missing value: read
    /// only where it holds a whole number (exactly, within ±2^53); anything
    /// else is that row's error, never rounded.
    F64(&'a PrimitiveArray<arrow_array::types::Float64Type>),
}

impl<'a> Ints<'a> {
    fn of(column: &'a dyn Array, times: bool) -> Option<Self> {
        use arrow_schema::TimeUnit;
        Some(match column.data_type() {
            DataType::Int64 => Ints::I64(column.as_primitive_opt()?),
            DataType::Int32 => Ints::I32(column.as_primitive_opt()?),
            DataType::Int16 => Ints::I16(column.as_primitive_opt()?),
            DataType::Int8 => Ints::I8(column.as_primitive_opt()?),
            DataType::UInt64 => Ints::U64(column.as_primitive_opt()?),
            DataType::UInt32 => Ints::U32(column.as_primitive_opt()?),
            DataType::UInt16 => Ints::U16(column.as_primitive_opt()?),
            DataType::UInt8 => Ints::U8(column.as_primitive_opt()?),
            DataType::Float64 => Ints::F64(column.as_primitive_opt()?),
            DataType::Timestamp(TimeUnit::Second, _) if times => {
                Ints::Seconds(column.as_primitive_opt()?)
            }
            DataType::Timestamp(TimeUnit::Millisecond, _) if times => {
                Ints::Millis(column.as_primitive_opt()?)
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) if times => {
                Ints::Micros(column.as_primitive_opt()?)
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) if times => {
                Ints::Nanos(column.as_primitive_opt()?)
            }
            _ => return None,
        })
    }

    /// The value at `row`: `Ok(None)` when null, an error when it does not
    /// fit an `i64` (a UInt64 above 2^63 − 1).
    #[inline(always)]
    fn get(self, row: usize) -> Result<Option<i64>, &'static str> {
        #[inline(always)]
        fn at<T: ArrowPrimitiveType>(a: &PrimitiveArray<T>, row: usize) -> Option<T::Native> {
            a.is_valid(row).then(|| a.value(row))
        }
        Ok(match self {
            Ints::I64(a) => at(a, row),
            Ints::I32(a) => at(a, row).map(i64::from),
            Ints::I16(a) => at(a, row).map(i64::from),
            Ints::I8(a) => at(a, row).map(i64::from),
            Ints::U64(a) => match at(a, row) {
                None => None,
                Some(v) => Some(i64::try_from(v).map_err(|_| "out of range: above 2^63 - 1")?),
            },
            Ints::U32(a) => at(a, row).map(i64::from),
            Ints::U16(a) => at(a, row).map(i64::from),
            Ints::U8(a) => at(a, row).map(i64::from),
            Ints::Seconds(a) => at(a, row),
            Ints::Millis(a) => at(a, row).map(|v| v.div_euclid(1_000)),
            Ints::Micros(a) => at(a, row).map(|v| v.div_euclid(1_000_000)),
            Ints::Nanos(a) => at(a, row).map(|v| v.div_euclid(1_000_000_000)),
            Ints::F64(a) => match at(a, row) {
                None => None,
                Some(v) => Some(whole(v)?),
            },
        })
    }
}

/// A float that holds a whole number exactly representable (|v| ≤ 2^53).
fn whole(v: f64) -> Result<i64, &'static str> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if v.is_nan() {
        return Err("NaN is not an amount or an instant (a float column: null means missing)");
    }
    if v.fract() != 0.0 || !(-EXACT..=EXACT).contains(&v) {
        return Err("not a whole number within ±2^53 (a float column: use an integer type)");
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a whole number within ±2^53 converts exactly"
    )]
    Ok(v as i64)
}

/// An account document column: strings or bytes.
#[derive(Clone, Copy)]
enum Documents<'a> {
    Text(Strings<'a>),
    Binary(&'a arrow_array::BinaryArray),
    LargeBinary(&'a arrow_array::LargeBinaryArray),
    BinaryView(&'a arrow_array::BinaryViewArray),
}

impl<'a> Documents<'a> {
    fn get(self, row: usize) -> Option<&'a [u8]> {
        match self {
            Documents::Text(s) => s.get(row).map(str::as_bytes),
            Documents::Binary(a) => a.is_valid(row).then(|| a.value(row)),
            Documents::LargeBinary(a) => a.is_valid(row).then(|| a.value(row)),
            Documents::BinaryView(a) => a.is_valid(row).then(|| a.value(row)),
        }
    }
}

/// The input's columns by name, checked once: no name twice, none unknown
/// (unless passed through), and dictionary keys normalized.
struct Columns<'a> {
    fields: &'a arrow_schema::Fields,
    columns: &'a [ArrayRef],
    /// The normalized keys of each dictionary column, by column index.
    dictionary_keys: &'a [Option<Vec<usize>>],
}

impl<'a> Columns<'a> {
    fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.find(name).map(|(index, _)| index)
    }

    fn find(&self, name: &str, required: bool) -> Result<Option<&'a ArrayRef>, ColumnError> {
        match self.index_of(name) {
            Some(index) => Ok(self.columns.get(index)),
            None if required => Err(ColumnError::of_kind(
                ErrorKind::Missing,
                name,
                "required, and missing",
            )),
            None => Ok(None),
        }
    }

    fn mistyped(name: &str, expected: &str, found: &DataType) -> ColumnError {
        ColumnError::new(name, format!("expected {expected}, found {found}"))
    }

    fn ints(&self, name: &str, required: bool) -> Result<Option<Ints<'a>>, ColumnError> {
        self.find(name, required)?
            .map(|c| {
                Ints::of(c.as_ref(), false)
                    .ok_or_else(|| Self::mistyped(name, INTEGER_TYPES, c.data_type()))
            })
            .transpose()
    }

    fn times(&self, name: &str) -> Result<Option<Ints<'a>>, ColumnError> {
        self.find(name, false)?
            .map(|c| {
                Ints::of(c.as_ref(), true)
                    .ok_or_else(|| Self::mistyped(name, TIME_TYPES, c.data_type()))
            })
            .transpose()
    }

    fn boolean(&self, name: &str) -> Result<Option<&'a BooleanArray>, ColumnError> {
        self.find(name, false)?
            .map(|c| {
                c.as_boolean_opt()
                    .ok_or_else(|| Self::mistyped(name, "Boolean", c.data_type()))
            })
            .transpose()
    }

    fn strings(&self, name: &str, required: bool) -> Result<Option<Strings<'a>>, ColumnError> {
        let Some(column) = self.find(name, required)? else {
            return Ok(None);
        };
        let index = self.index_of(name);
        let keys = index
            .and_then(|i| self.dictionary_keys.get(i))
            .and_then(Option::as_ref);
        self.strings_of(column.as_ref(), keys.map(Vec::as_slice))
            .map(Some)
            .ok_or_else(|| Self::mistyped(name, STRING_TYPES, column.data_type()))
    }

    /// A string column, plain or a dictionary whose keys are `keys`.
    fn strings_of(&self, column: &'a dyn Array, keys: Option<&'a [usize]>) -> Option<Strings<'a>> {
        if let Some(plain) = Plain::of(column) {
            return Some(Strings::Plain(plain));
        }
        let dictionary = column.as_any_dictionary_opt()?;
        Some(Strings::Dict {
            keys: keys?,
            nulls: dictionary.keys().nulls(),
            values: Plain::of(dictionary.values().as_ref())?,
        })
    }
}

/// Checks the input's column names: none twice; none that the shape does
/// not read, unless listed in `passthrough`; no typed account column beside
/// `account`.
fn check_names(schema: &Schema, options: &Options) -> Result<(), ColumnError> {
    let passthrough = options.passthrough.as_slice();
    let documents = schema.column_with_name("account").is_some();
    let mut seen = std::collections::HashSet::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let name = field.name().as_str();
        if !seen.insert(name) {
            return Err(ColumnError::of_kind(
                ErrorKind::Duplicate,
                name,
                "appears twice in the batch: which one is meant cannot be known",
            ));
        }
        let known = DEBIT_COLUMNS.contains(&name)
            || name == "account"
            || (!documents && TYPED_COLUMNS.contains(&name));
        if known || passthrough.iter().any(|p| p == name) {
            continue;
        }
        if documents && TYPED_COLUMNS.contains(&name) {
            return Err(ColumnError::of_kind(
                ErrorKind::UnknownField,
                name,
                "a typed account column beside `account`: the account is the document in \
                 `account`; drop this column or list it in passthrough",
            ));
        }
        let candidates = DEBIT_COLUMNS
            .iter()
            .chain(std::iter::once(&"account"))
            .chain(TYPED_COLUMNS.iter().filter(|_| !documents));
        let nearest = candidates
            .min_by_key(|known| name_distance(name, known))
            .copied()
            .unwrap_or("amount");
        return Err(ColumnError::of_kind(
            ErrorKind::UnknownField,
            name,
            format!(
                "not a column fundsgate reads (the nearest is `{nearest}`); list it in \
                 passthrough to carry it through to the output unchanged"
            ),
        ));
    }
    let output = output_schema(options);
    for name in passthrough {
        if !seen.contains(name.as_str()) {
            return Err(ColumnError::new(
                name,
                "listed in passthrough, but the batch has no such column",
            ));
        }
        if output.column_with_name(name).is_some() {
            return Err(ColumnError::new(
                name,
                "listed in passthrough, but the output has a verdict column of that name: \
                 rename it",
            ));
        }
    }
    Ok(())
}

/// How far apart two column names are: their edit distance, or that of
/// their `_`-separated words in sorted order when it is smaller
/// (`supports_ach` is near `ach_supported`).
fn name_distance(a: &str, b: &str) -> usize {
    let sorted = |s: &str| {
        let mut words: Vec<&str> = s.split('_').collect();
        words.sort_unstable();
        words.join("_")
    };
    edit_distance(a, b).min(edit_distance(&sorted(a), &sorted(b)))
}

/// Levenshtein distance over characters (column names are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i.saturating_add(1);
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j.saturating_add(1)).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let cost = diagonal.saturating_add(usize::from(ca != *cb));
            let best = cost
                .min(above.saturating_add(1))
                .min(left.saturating_add(1));
            diagonal = above;
            if let Some(cell) = row.get_mut(j.saturating_add(1)) {
                *cell = best;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// The value of an optional integer column at `row`. Inlined: it runs
/// several times a row on the typed path (typed columns went from 8.0–9.6 to
/// 5.8–6.3 M rows/s when it was a call, side by side).
#[inline(always)]
fn int(column: Option<Ints<'_>>, row: usize, name: &str) -> Result<Option<i64>, String> {
    match column {
        None => Ok(None),
        // The warehouse's usual type first, without the dispatch.
        Some(Ints::I64(a)) => Ok(a.is_valid(row).then(|| a.value(row))),
        Some(c) => c.get(row).map_err(|e| out_of_range(name, e)),
    }
}

#[cold]
fn out_of_range(name: &str, e: &str) -> String {
    format!("{name}: {e}")
}

#[inline(always)]
fn flag(column: Option<&BooleanArray>, row: usize) -> Option<bool> {
    column.and_then(|c| c.is_valid(row).then(|| c.value(row)))
}

#[inline(always)]
fn named<T: WireEnum>(column: Option<Strings<'_>>, row: usize) -> Option<T> {
    column
        .and_then(|c| c.get(row))
        .map(|text| T::from_wire(text.as_bytes()))
}

/// The typed snapshot columns.
struct Typed<'a> {
    status: Strings<'a>,
    category: Option<Strings<'a>>,
    balance_type: Option<Strings<'a>>,
    as_of: Option<Ints<'a>>,
    balance_currency: Option<Strings<'a>>,
    available: Option<Ints<'a>>,
    current: Option<Ints<'a>>,
    refresh_status: Option<Strings<'a>>,
    next_refresh: Option<Ints<'a>>,
    balances_permitted: Option<&'a BooleanArray>,
    ach_supported: Option<&'a BooleanArray>,
    livemode: Option<&'a BooleanArray>,
    account_numbers: Option<Strings<'a>>,
    closed: Option<&'a BooleanArray>,
    relink_required: Option<&'a BooleanArray>,
    expected_deactivation: Option<Ints<'a>>,
    request_failed: Option<&'a BooleanArray>,
    provider_result: Option<Strings<'a>>,
}

impl<'a> Typed<'a> {
    fn read(c: &Columns<'a>) -> Result<Self, ColumnError> {
        let status = c.strings("status", true)?.ok_or_else(|| {
            ColumnError::of_kind(ErrorKind::Missing, "status", "required, and missing")
        })?;
        Ok(Typed {
            status,
            category: c.strings("category", false)?,
            balance_type: c.strings("balance_type", false)?,
            as_of: c.times("as_of")?,
            balance_currency: c.strings("balance_currency", false)?,
            available: c.ints("available", false)?,
            current: c.ints("current", false)?,
            refresh_status: c.strings("refresh_status", false)?,
            next_refresh: c.times("next_refresh_available_at")?,
            balances_permitted: c.boolean("balances_permitted")?,
            ach_supported: c.boolean("ach_supported")?,
            livemode: c.boolean("livemode")?,
            account_numbers: c.strings("account_numbers", false)?,
            closed: c.boolean("closed")?,
            relink_required: c.boolean("relink_required")?,
            expected_deactivation: c.times("expected_deactivation")?,
            request_failed: c.boolean("request_failed")?,
            provider_result: c.strings("provider_result", false)?,
        })
    }

    /// Sets every field of `s` from the row (one snapshot is reused for all
    /// rows: building a fresh one per row would copy it around).
    fn fill(
        &self,
        s: &mut Snapshot,
        row: usize,
        ccy: Currency,
        id: Option<&str>,
    ) -> Result<(), String> {
        s.status = named::<Status>(Some(self.status), row).ok_or("status: null")?;
        s.account_id = id.map(AccountId::new);
        s.category = named(self.category, row);
        let available = int(self.available, row, "available")?;
        let current = int(self.current, row, "current")?;
        if available.is_some() || current.is_some() {
            let kind = match self.balance_type.and_then(|c| c.get(row)) {
                None => BalanceType::Cash,
                Some(text) => BalanceType::from_wire(text.as_bytes()),
            };
            let ccy = match self.balance_currency.and_then(|c| c.get(row)) {
                None => ccy,
                Some(code) => Currency::new(code).map_err(|e| format!("balance_currency: {e}"))?,
            };
            let map = |v: Option<i64>| v.map(|v| CurrencyMap::single(ccy, v));
            let mut balance = Balance::new(
                int(self.as_of, row, "as_of")?,
                kind,
                map(current).unwrap_or_default(),
            );
            balance.available = map(available);
            s.balance = Some(balance);
        } else {
            s.balance = None;
        }
        let next_refresh = int(self.next_refresh, row, "next_refresh_available_at")?;
        s.refresh = named::<RefreshStatus>(self.refresh_status, row).map(|status| {
            let mut refresh = Refresh::new(status);
            refresh.next_refresh_available_at = match (self.next_refresh, next_refresh) {
                (None, _) => NextRefresh::NotStated,
                (Some(_), None) => NextRefresh::Unavailable,
                (Some(_), Some(t)) => NextRefresh::At(t),
            };
            refresh
        });
        s.balances_permitted = flag(self.balances_permitted, row);
        s.ach_supported = flag(self.ach_supported, row);
        // As in a neutral snapshot: no column says nothing (not checked), a
        // null says the provider should have said and did not.
        s.livemode = Livemode::from_field(self.livemode.map(|_| flag(self.livemode, row)));
        s.request_failed = flag(self.request_failed, row).unwrap_or(false);
        s.provider_result = named::<ProviderResult>(self.provider_result, row);
        s.account_numbers = match self.account_numbers.and_then(|c| c.get(row)) {
            None | Some("unknown") => AccountNumbers::Unknown,
            Some("transactable") => AccountNumbers::Transactable,
            Some("none_transactable") => AccountNumbers::NoneTransactable,
            Some(other) => {
                return Err(format!(
                    "account_numbers: expected `unknown`, `transactable` or `none_transactable`, found `{other}`"
                ));
            }
        };
        s.closed = flag(self.closed, row).unwrap_or(false);
        s.relink_required = flag(self.relink_required, row).unwrap_or(false);
        s.expected_deactivation = int(self.expected_deactivation, row, "expected_deactivation")?;
        Ok(())
    }
}

// ---- Writing columns ----------------------------------------------------------------

/// A validity bitmap under construction, one bit a row (set: valid), packed
/// as Arrow lays it out (least significant bit first). Arrow's
/// `NullBufferBuilder` does the same one bit at a time through a call;
/// this one fills a word in a register and stores it every 64 rows (typed
/// columns: 11.9 M rows/s with it, 10.4 M with `NullBufferBuilder`, side by
/// side).
struct Bits {
    words: Vec<u64>,
    word: u64,
    len: usize,
    nulls: usize,
}

impl Bits {
    fn new(rows: usize) -> Self {
        Bits {
            words: Vec::with_capacity(rows.div_ceil(64)),
            word: 0,
            len: 0,
            nulls: 0,
        }
    }

    #[inline]
    fn push(&mut self, valid: bool) {
        let bit = self.len & 63;
        self.word |= u64::from(valid).wrapping_shl(bit as u32);
        self.nulls = self.nulls.wrapping_add(usize::from(!valid));
        self.len = self.len.wrapping_add(1);
        if bit == 63 {
            self.words.push(self.word.to_le());
            self.word = 0;
        }
    }

    /// The bitmap, or `None` when every row is valid.
    fn finish(mut self) -> Option<NullBuffer> {
        if self.nulls == 0 {
            return None;
        }
        if self.len & 63 != 0 {
            self.words.push(self.word.to_le());
        }
        let bits = BooleanBuffer::new(Buffer::from_vec(self.words), 0, self.len);
        Some(NullBuffer::new(bits))
    }
}

/// A dictionary-encoded string column under construction. Null only where
/// the row's verdict leaves it null ([`Keys::push`]) or on error rows (the
/// batch's shared validity, given at [`Keys::finish`]).
struct Keys {
    keys: Vec<i8>,
    nulls: Bits,
}

impl Keys {
    fn new(rows: usize) -> Self {
        Keys {
            keys: Vec::with_capacity(rows),
            nulls: Bits::new(rows),
        }
    }

    /// A key of every row that has one: the column's nulls are the error
    /// rows' (see [`Out::finish`]).
    fn push_key(&mut self, key: u8) {
        #[expect(clippy::cast_possible_wrap, reason = "keys are below 30")]
        self.keys.push(key as i8);
    }

    /// `key` is below 128: every dictionary here has fewer than 30 values.
    fn push(&mut self, key: Option<u8>) {
        self.push_key(key.unwrap_or(0));
        self.nulls.push(key.is_some());
    }

    fn finish(self, values: &ArrayRef, nulls: Option<NullBuffer>) -> Result<ArrayRef, ArrowError> {
        let nulls = NullBuffer::union(self.nulls.finish().as_ref(), nulls.as_ref());
        let keys = Int8Array::new(self.keys.into(), nulls);
        Ok(Arc::new(DictionaryArray::<Int8Type>::try_new(
            keys,
            Arc::clone(values),
        )?))
    }
}

/// An Int64 or Int32 column under construction (nulls as for [`Keys`]).
struct IntColumn<T: ArrowPrimitiveType> {
    values: Vec<T::Native>,
    nulls: Bits,
}

impl<T: ArrowPrimitiveType> IntColumn<T> {
    fn new(rows: usize) -> Self {
        IntColumn {
            values: Vec::with_capacity(rows),
            nulls: Bits::new(rows),
        }
    }

    fn push_value(&mut self, value: T::Native) {
        self.values.push(value);
    }

    fn push(&mut self, value: Option<T::Native>) {
        self.push_value(value.unwrap_or_default());
        self.nulls.push(value.is_some());
    }

    fn finish(self, nulls: Option<NullBuffer>) -> ArrayRef {
        let nulls = NullBuffer::union(self.nulls.finish().as_ref(), nulls.as_ref());
        Arc::new(PrimitiveArray::<T>::new(self.values.into(), nulls))
    }
}

/// A list of codes per row (`reasons`, `warnings`).
struct CodeLists {
    offsets: Vec<i32>,
    keys: Vec<i8>,
}

impl CodeLists {
    fn new(rows: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows.saturating_add(1));
        offsets.push(0);
        CodeLists {
            offsets,
            keys: Vec::with_capacity(rows),
        }
    }

    /// A row's codes; an error row pushes an empty set (the list is null
    /// there by the shared validity).
    fn push(&mut self, codes: crate::verdict::Codes) {
        self.keys.extend(codes.into_iter().map(code_key));
        // At most 26 codes a row and at most `MAX_ROWS` rows (checked by
        // `decide_batch`): the offset fits an i32.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_possible_wrap,
            reason = "at most 26 × MAX_ROWS < 2^31 keys"
        )]
        self.offsets.push(self.keys.len() as i32);
    }

    fn finish(self, nulls: Option<NullBuffer>) -> Result<ArrayRef, ArrowError> {
        let values = DictionaryArray::<Int8Type>::try_new(
            Int8Array::from(self.keys),
            Arc::clone(&DICTIONARIES.codes),
        )?;
        let field = Arc::new(Field::new_list_field(code_type(), false));
        Ok(Arc::new(ListArray::try_new(
            field,
            OffsetBuffer::new(self.offsets.into()),
            Arc::new(values),
            nulls,
        )?))
    }
}

fn code_key(code: Code) -> i8 {
    // `Code` is `repr(u8)` and `Code::ALL` is in declaration order (a unit
    // test checks both), so the discriminant, below 26, is the dictionary key.
    #[expect(clippy::cast_possible_wrap, reason = "fewer than 128 codes")]
    let key = code as u8 as i8;
    key
}

fn code_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8))
}

/// The dictionaries of the encoded columns, built once.
struct Dictionaries {
    decision: ArrayRef,
    basis: ArrayRef,
    rule: ArrayRef,
    action: ArrayRef,
    codes: ArrayRef,
}

static DICTIONARIES: LazyLock<Dictionaries> = LazyLock::new(|| {
    let strings = |values: Vec<&'static str>| -> ArrayRef { Arc::new(StringArray::from(values)) };
    Dictionaries {
        decision: strings(
            [Decision::Allow, Decision::Deny, Decision::RefreshNeeded]
                .iter()
                .map(|d| d.as_str())
                .collect(),
        ),
        basis: strings(vec![Basis::Available.as_str(), Basis::Current.as_str()]),
        rule: strings(Rule::ALL.iter().map(|r| r.as_str()).collect()),
        action: strings(
            [
                RefreshAction::Initiate,
                RefreshAction::Wait,
                RefreshAction::RetryAfter,
            ]
            .iter()
            .map(|a| a.as_str())
            .collect(),
        ),
        codes: strings(Code::ALL.iter().map(|c| c.as_str()).collect()),
    }
});

fn decision_key(d: Decision) -> u8 {
    match d {
        Decision::Allow => 0,
        Decision::Deny => 1,
        Decision::RefreshNeeded => 2,
    }
}

fn basis_key(b: Basis) -> u8 {
    match b {
        Basis::Available => 0,
        Basis::Current => 1,
    }
}

fn action_key(a: RefreshAction) -> u8 {
    match a {
        RefreshAction::Initiate => 0,
        RefreshAction::Wait => 1,
        RefreshAction::RetryAfter => 2,
    }
}

fn rule_key(r: Rule) -> u8 {
    // `Rule::ALL` is in declaration order (a unit test checks it).
    r as u8
}

/// The schema of [`decide_batch`]'s output.
pub fn output_schema(options: &Options) -> SchemaRef {
    let dict = code_type();
    let list = DataType::List(Arc::new(Field::new_list_field(code_type(), false)));
    let mut fields = vec![
        Field::new("decision", dict.clone(), true),
        Field::new("reasons", list.clone(), true),
        Field::new("warnings", list, true),
        Field::new("basis", dict.clone(), true),
        Field::new("balance", DataType::Int64, true),
        Field::new("required", DataType::Int64, true),
        Field::new("max_allowed", DataType::Int64, true),
        Field::new("rule", dict.clone(), true),
        Field::new("refresh_action", dict, true),
        Field::new("refresh_not_before", DataType::Int64, true),
        Field::new("retry_attempt", DataType::Int32, true),
        Field::new("exposure_count", DataType::Int32, true),
        Field::new("exposure_amount", DataType::Int64, true),
        Field::new("not_before", DataType::Int64, true),
    ];
    if options.explanation {
        fields.push(Field::new("explanation", DataType::Utf8, true));
    }
    fields.push(Field::new("error", DataType::Utf8, true));
    Arc::new(Schema::new(fields))
}

/// The output columns under construction.
///
/// `decision`, `reasons`, `warnings`, `required` and `rule` are null exactly
/// on error rows: they share one validity, `decided`, and push plain values.
struct Out {
    decided: Bits,
    decision: Keys,
    reasons: CodeLists,
    warnings: CodeLists,
    basis: Keys,
    balance: IntColumn<Int64Type>,
    required: IntColumn<Int64Type>,
    max_allowed: IntColumn<Int64Type>,
    rule: Keys,
    action: Keys,
    not_before: IntColumn<Int64Type>,
    retry: IntColumn<Int32Type>,
    exposure_count: IntColumn<Int32Type>,
    exposure_amount: IntColumn<Int64Type>,
    velocity_not_before: IntColumn<Int64Type>,
    explanation: Option<Vec<Option<String>>>,
    /// The error rows and their messages, in row order: few or none.
    errors: Vec<(usize, String)>,
}

impl Out {
    fn new(rows: usize, options: &Options) -> Self {
        Out {
            decided: Bits::new(rows),
            decision: Keys::new(rows),
            reasons: CodeLists::new(rows),
            warnings: CodeLists::new(rows),
            basis: Keys::new(rows),
            balance: IntColumn::new(rows),
            required: IntColumn::new(rows),
            max_allowed: IntColumn::new(rows),
            rule: Keys::new(rows),
            action: Keys::new(rows),
            not_before: IntColumn::new(rows),
            retry: IntColumn::new(rows),
            exposure_count: IntColumn::new(rows),
            exposure_amount: IntColumn::new(rows),
            velocity_not_before: IntColumn::new(rows),
            explanation: options.explanation.then(|| Vec::with_capacity(rows)),
            errors: Vec::new(),
        }
    }

    /// A decided row (`explanation` only when asked for).
    fn outcome(&mut self, o: &Outcome, explanation: Option<String>) {
        self.decided.push(true);
        self.decision.push_key(decision_key(o.decision));
        self.reasons.push(o.reasons);
        self.warnings.push(o.warnings);
        self.basis.push(o.basis.map(basis_key));
        self.balance.push(o.balance);
        self.required.push_value(o.required);
        self.max_allowed.push(o.max_allowed);
        self.rule.push_key(rule_key(o.rule));
        self.action.push(o.refresh.map(|r| action_key(r.action)));
        self.not_before.push(o.refresh.and_then(|r| r.not_before));
        #[expect(clippy::cast_possible_wrap, reason = "an attempt is 1 or 2")]
        self.retry.push(o.retry.map(|r| r.attempt as i32));
        self.exposure_count.push(
            o.exposure
                .map(|e| i32::try_from(e.count).unwrap_or(i32::MAX)),
        );
        self.exposure_amount.push(o.exposure.map(|e| e.amount));
        self.velocity_not_before.push(o.not_before);
        if let Some(column) = &mut self.explanation {
            column.push(explanation);
        }
    }

    fn error(&mut self, message: String) {
        // This row's index: the rows pushed so far.
        self.errors.push((self.decided.len, message));
        self.decided.push(false);
        self.decision.push_key(0);
        self.reasons.push(Codes::EMPTY);
        self.warnings.push(Codes::EMPTY);
        self.basis.push(None);
        self.balance.push(None);
        self.required.push_value(0);
        self.max_allowed.push(None);
        self.rule.push_key(0);
        self.action.push(None);
        self.not_before.push(None);
        self.retry.push(None);
        self.exposure_count.push(None);
        self.exposure_amount.push(None);
        self.velocity_not_before.push(None);
        if let Some(column) = &mut self.explanation {
            column.push(None);
        }
    }

    fn finish(self, options: &Options) -> Result<RecordBatch, ArrowError> {
        let d = &*DICTIONARIES;
        let rows = self.decided.len;
        let decided = self.decided.finish();
        let mut columns: Vec<ArrayRef> = vec![
            self.decision.finish(&d.decision, decided.clone())?,
            self.reasons.finish(decided.clone())?,
            self.warnings.finish(decided.clone())?,
            self.basis.finish(&d.basis, None)?,
            self.balance.finish(None),
            self.required.finish(decided.clone()),
            self.max_allowed.finish(None),
            self.rule.finish(&d.rule, decided)?,
            self.action.finish(&d.action, None)?,
            self.not_before.finish(None),
            self.retry.finish(None),
            self.exposure_count.finish(None),
            self.exposure_amount.finish(None),
            self.velocity_not_before.finish(None),
        ];
        if let Some(explanation) = self.explanation {
            columns.push(Arc::new(StringArray::from(explanation)));
        }
        columns.push(error_column(rows, &self.errors));
        RecordBatch::try_new(output_schema(options), columns)
    }
}

/// The `error` column: null but on the error rows.
fn error_column(rows: usize, errors: &[(usize, String)]) -> ArrayRef {
    if errors.is_empty() {
        return new_null_array(&DataType::Utf8, rows);
    }
    let bytes = errors.iter().map(|(_, m)| m.len()).sum();
    let mut column = StringBuilder::with_capacity(rows, bytes);
    let mut errors = errors.iter().peekable();
    for row in 0..rows {
        match errors.next_if(|(at, _)| *at == row) {
            Some((_, message)) => column.append_value(message),
            None => column.append_null(),
        }
    }
    Arc::new(column.finish())
}

// ---- Deciding ------------------------------------------------------------------------

/// A row's account document, read as every front end reads it. Kept out of
/// line: the per-row closure of the typed path stays small enough to be
/// inlined (typed columns lost about 10 % when it was not).
#[inline(never)]
fn read_document(bytes: &[u8], read: ReadOptions<'_>) -> Result<Snapshot, String> {
    AccountSource::Document(bytes, read)
        .read()
        .map_err(|e| e.to_string())?
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| "account: not read".to_owned())
}

/// The `returns` column: a List or a LargeList.
#[derive(Clone, Copy)]
enum Lists<'a> {
    Small(&'a ListArray),
    Large(&'a arrow_array::LargeListArray),
}

impl<'a> Lists<'a> {
    fn values(self) -> &'a ArrayRef {
        match self {
            Lists::Small(l) => l.values(),
            Lists::Large(l) => l.values(),
        }
    }

    /// The row's range in `values`; `None` when the row is null (or its
    /// offsets are out of order, which validated arrays never are).
    fn span(self, row: usize) -> Option<(usize, usize)> {
        fn span<O: arrow_array::OffsetSizeTrait>(
            l: &arrow_array::GenericListArray<O>,
            row: usize,
        ) -> Option<(usize, usize)> {
            if l.is_null(row) {
                return None;
            }
            let offsets = l.value_offsets();
            let start = offsets.get(row)?.as_usize();
            let end = offsets.get(row.checked_add(1)?)?.as_usize();
            (start <= end).then_some((start, end))
        }
        match self {
            Lists::Small(l) => span(l, row),
            Lists::Large(l) => span(l, row),
        }
    }
}

/// Decides every row of `input` (see the [module docs](self) for its
/// columns) under `policy`, at `now` unless a row's `now` says otherwise.
///
/// # Errors
///
/// [`ColumnError`] for a missing required column or a column of the wrong
/// type. A row that cannot be decided is reported in its `error` column.
pub fn decide_batch(
    input: &RecordBatch,
    policy: &Policy,
    now: DateTime<Utc>,
    options: &Options,
) -> Result<RecordBatch, ColumnError> {
    let mut run = if options.independent {
        Run::independent()
    } else {
        Run::new()
    };
    decide_batch_in(input, policy, now, options, &mut run)
}

/// [`decide_batch`] for one batch of several (a table's, a stream's): its
/// rows are decided after every row `run` decided before, so that a debit
/// allowed in one batch counts against the same account's rows in the
/// next. `options.independent` is ignored: `run` says how to decide.
///
/// # Errors
///
/// As [`decide_batch`]. A batch in error adds nothing to the run.
pub fn decide_batch_in(
    input: &RecordBatch,
    policy: &Policy,
    now: DateTime<Utc>,
    options: &Options,
    run: &mut Run,
) -> Result<RecordBatch, ColumnError> {
    check_names(input.schema_ref(), options)?;
    let keys = DictionaryKeys::of(input);
    let columns = RequestColumns::read(input, &keys)?;
    let rows = input.num_rows();
    if rows > MAX_ROWS {
        return Err(ColumnError::new(
            "(batch)",
            format!("{rows} rows: at most {MAX_ROWS} in one batch (split it)"),
        ));
    }
    let mut out = Out::new(rows, options);
    let mut reader = RowReader::new(&columns, now);
    for row in 0..rows {
        // The outcome is written into the columns where it is made; the
        // verdict's record (account, debit, policy) is built only for an
        // explanation.
        match reader.decide(row, policy, options, run) {
            Ok((outcome, explanation)) => out.outcome(&outcome, explanation),
            Err(message) => out.error(message),
        }
    }
    // Every column has `rows` entries of the declared types: Arrow cannot
    // refuse them.
    let verdicts = out
        .finish(options)
        .map_err(|e| ColumnError::new("(output)", e.to_string()))?;
    with_passthrough(verdicts, input, &options.passthrough)
}

/// The normalized keys of every dictionary column the readers borrow: the
/// input's own columns, the `prior` entries' fields and the `returns`
/// lists' values. Computed once per batch; nothing here fails (a mistyped
/// column is reported by [`RequestColumns::read`], in its order).
struct DictionaryKeys {
    columns: Vec<Option<Vec<usize>>>,
    prior: Vec<Option<Vec<usize>>>,
    returns: Option<Vec<usize>>,
}

impl DictionaryKeys {
    fn of(input: &RecordBatch) -> DictionaryKeys {
        fn keys_of(columns: &[ArrayRef]) -> Vec<Option<Vec<usize>>> {
            columns
                .iter()
                .map(|c| c.as_any_dictionary_opt().map(|d| d.normalized_keys()))
                .collect()
        }
        let column = |name: &str| {
            let (index, _) = input.schema_ref().fields().find(name)?;
            input.columns().get(index)
        };
        let prior = column("prior")
            .and_then(|c| prior_lists(c).ok())
            .map_or_else(Vec::new, |(_, entries)| keys_of(entries.columns()));
        let returns = column("returns")
            .and_then(returns_lists)
            .and_then(|list| list.values().as_any_dictionary_opt())
            .map(|d| d.normalized_keys());
        DictionaryKeys {
            columns: keys_of(input.columns()),
            prior,
            returns,
        }
    }
}

/// The `returns` column as lists, if it is a List or LargeList.
fn returns_lists(column: &ArrayRef) -> Option<Lists<'_>> {
    match column.data_type() {
        DataType::List(_) => column.as_list_opt::<i32>().map(Lists::Small),
        DataType::LargeList(_) => column.as_list_opt::<i64>().map(Lists::Large),
        _ => None,
    }
}

/// A request's columns, each read once as its typed view, checked in the
/// order a batch line's fields are: a missing required column, or one of a
/// type that cannot hold its values, is the batch's error.
struct RequestColumns<'a> {
    amount: Option<Ints<'a>>,
    currency: Option<Strings<'a>>,
    in_flight: Option<Ints<'a>>,
    account_id: Option<Strings<'a>>,
    fetched_at: Option<Ints<'a>>,
    now: Option<Ints<'a>>,
    original_settlement: Option<Ints<'a>>,
    debit_id: Option<Strings<'a>>,
    prior: Option<PriorEntries<'a>>,
    /// The lists of return codes, and their values.
    returns: Option<(Lists<'a>, Strings<'a>)>,
    /// The account: documents, or the typed balance columns.
    account: Account<'a>,
}

/// Where a row's account comes from.
enum Account<'a> {
    Documents(Documents<'a>),
    Typed(Box<Typed<'a>>),
}

impl<'a> RequestColumns<'a> {
    fn read(input: &'a RecordBatch, keys: &'a DictionaryKeys) -> Result<Self, ColumnError> {
        let c = Columns {
            fields: input.schema_ref().fields(),
            columns: input.columns(),
            dictionary_keys: &keys.columns,
        };
        Ok(RequestColumns {
            amount: c.ints("amount", true)?,
            currency: c.strings("currency", true)?,
            in_flight: c.ints("in_flight", false)?,
            account_id: c.strings("account_id", false)?,
            fetched_at: c.times("fetched_at")?,
            now: c.times("now")?,
            original_settlement: c.times("original_settlement")?,
            debit_id: c.strings("debit_id", false)?,
            prior: c
                .find("prior", false)?
                .map(|column| {
                    let (lists, entries) = prior_lists(column)?;
                    PriorEntries::read(lists, entries, &keys.prior)
                })
                .transpose()?,
            returns: c
                .find("returns", false)?
                .map(|column| {
                    let mistyped = || {
                        Columns::mistyped(
                            "returns",
                            "a List or LargeList of strings",
                            column.data_type(),
                        )
                    };
                    let list = returns_lists(column).ok_or_else(mistyped)?;
                    let codes = c
                        .strings_of(list.values().as_ref(), keys.returns.as_deref())
                        .ok_or_else(mistyped)?;
                    Ok((list, codes))
                })
                .transpose()?,
            account: match c.find("account", false)? {
                Some(column) => Account::Documents(documents(&c, column)?),
                None => Account::Typed(Box::new(Typed::read(&c)?)),
            },
        })
    }
}

/// The `account` column: strings or bytes.
fn documents<'a>(c: &Columns<'a>, column: &'a ArrayRef) -> Result<Documents<'a>, ColumnError> {
    Ok(match column.data_type() {
        DataType::Binary => Documents::Binary(column.as_binary::<i32>()),
        DataType::LargeBinary => Documents::LargeBinary(column.as_binary::<i64>()),
        DataType::BinaryView => Documents::BinaryView(column.as_binary_view()),
        other => Documents::Text(c.strings("account", true)?.ok_or_else(|| {
            Columns::mistyped(
                "account",
                "a string or binary type (Utf8, LargeUtf8, Utf8View, Binary, LargeBinary, \
                 BinaryView, or a Dictionary of strings)",
                other,
            )
        })?),
    })
}

/// Reads and decides a batch's rows one by one, reusing what it can
/// between them.
struct RowReader<'c, 'a> {
    columns: &'c RequestColumns<'a>,
    /// The batch's instant, for rows without their own `now`.
    batch_now: crate::snapshot::UnixSeconds,
    /// The account of the last row read (its allocations reused).
    snapshot: Snapshot,
    /// The last currency code read, and its `Currency`: a column mostly
    /// repeats one code.
    last_currency: Option<(&'a str, Currency)>,
}

impl<'c, 'a> RowReader<'c, 'a> {
    fn new(columns: &'c RequestColumns<'a>, now: DateTime<Utc>) -> Self {
        RowReader {
            columns,
            batch_now: now.timestamp(),
            snapshot: Snapshot::new(Status::Active),
            last_currency: None,
        }
    }

    /// Row `row`'s outcome in `run` (and its explanation, when asked
    /// for), or the message of its error.
    fn decide(
        &mut self,
        row: usize,
        policy: &Policy,
        options: &Options,
        run: &mut Run,
    ) -> Result<(crate::engine::Outcome, Option<String>), String> {
        let (debit, now) = self.debit(row)?;
        let linked = self.account(row, debit.currency())?;
        let account = linked.then_some(&self.snapshot);
        let outcome = run
            .outcome(account, &debit, policy, now)
            .map_err(|e| RequestError::overflow(&e).to_string())?;
        let explanation = options.explanation.then(|| {
            outcome
                .into_verdict(account, &debit, policy, now)
                .explanation()
        });
        Ok((outcome, explanation))
    }

    /// Row `row`'s debit (amount, currency, in_flight, re-presentment,
    /// payment id and prior debits) and instant, in the order a batch line
    /// reads them.
    fn debit(&mut self, row: usize) -> Result<(Debit, crate::snapshot::UnixSeconds), String> {
        let c = self.columns;
        let amount = int(c.amount, row, "amount")?.ok_or("amount: null")?;
        let code = c
            .currency
            .and_then(|c| c.get(row))
            .ok_or("currency: null")?;
        let ccy = match self.last_currency {
            Some((last, ccy)) if last == code => ccy,
            _ => {
                let ccy = Currency::new(code).map_err(|e| format!("currency: {e}"))?;
                self.last_currency = Some((code, ccy));
                ccy
            }
        };
        let in_flight = int(c.in_flight, row, "in_flight")?.unwrap_or(0);
        let debit =
            Debit::new(amount, ccy, in_flight).map_err(|e| RequestError::debit(&e).to_string())?;
        let now = match int(c.now, row, "now")? {
            Some(t) => crate::instant::unix_seconds(t)
                .map_err(|e| format!("now: {e}"))?
                .timestamp(),
            None => self.batch_now,
        };
        let debit = match c
            .returns
            .and_then(|(list, codes)| Some((list.span(row)?, codes)))
        {
            Some(((start, end), codes)) if end > start => {
                let settled = int(c.original_settlement, row, "original_settlement")?
                    .ok_or("original_settlement: required with returns")?;
                let mut parsed = Vec::new();
                for (n, at) in (start..end).enumerate() {
                    let code = codes.get(at).ok_or_else(|| format!("returns[{n}]: null"))?;
                    parsed.push(
                        crate::debit::ReturnCode::new(code)
                            .map_err(|e| format!("returns[{n}]: {e}"))?,
                    );
                }
                debit.with_presentment(crate::debit::Presentment::new(settled, parsed))
            }
            _ => debit,
        };
        let debit = match c.debit_id.and_then(|c| c.get(row)) {
            Some(id) => debit.with_id(DebitId::new(id).map_err(|e| format!("debit_id: {e}"))?),
            None => debit,
        };
        let debit = match &c.prior {
            Some(entries) => debit.with_prior(entries.row(row)?),
            None => debit,
        };
        Ok((debit, now))
    }

    /// Reads row `row`'s account into the reader's snapshot: `false` for
    /// an unlinked debit (a null document).
    fn account(&mut self, row: usize, ccy: Currency) -> Result<bool, String> {
        let c = self.columns;
        let id = c.account_id.and_then(|c| c.get(row));
        match &c.account {
            Account::Typed(typed) => {
                typed.fill(&mut self.snapshot, row, ccy, id)?;
                Ok(true)
            }
            Account::Documents(documents) => match documents.get(row) {
                None => Ok(false),
                Some(bytes) => {
                    let mut read = ReadOptions::new();
                    read.account_id = id;
                    read.fetched_at = int(c.fetched_at, row, "fetched_at")?;
                    self.snapshot = read_document(bytes, read)?;
                    Ok(true)
                }
            },
        }
    }
}

/// The `prior` column: a List or LargeList of structs whose fields are
/// among [`PRIOR_FIELDS`].
fn prior_lists(column: &ArrayRef) -> Result<(Lists<'_>, &arrow_array::StructArray), ColumnError> {
    let mistyped = || {
        Columns::mistyped(
            "prior",
            "a List or LargeList of structs {id, amount, currency, initiated_at, settled_at}",
            column.data_type(),
        )
    };
    let lists = match column.data_type() {
        DataType::List(_) => column.as_list_opt::<i32>().map(Lists::Small),
        DataType::LargeList(_) => column.as_list_opt::<i64>().map(Lists::Large),
        _ => None,
    }
    .ok_or_else(mistyped)?;
    let entries = lists.values().as_struct_opt().ok_or_else(mistyped)?;
    let mut seen = std::collections::HashSet::new();
    for field in entries.fields() {
        let name = field.name().as_str();
        if !seen.insert(name) {
            return Err(ColumnError::of_kind(
                ErrorKind::Duplicate,
                &format!("prior.{name}"),
                "appears twice in the struct: which one is meant cannot be known",
            ));
        }
        if !PRIOR_FIELDS.contains(&name) {
            let nearest = PRIOR_FIELDS
                .iter()
                .min_by_key(|known| name_distance(name, known))
                .copied()
                .unwrap_or("amount");
            return Err(ColumnError::of_kind(
                ErrorKind::UnknownField,
                &format!("prior.{name}"),
                format!("not a field of a prior debit (the nearest is `{nearest}`)"),
            ));
        }
    }
    Ok((lists, entries))
}

/// The prior debits of every row: the entries' fields, each read by the
/// readers of the top-level columns.
struct PriorEntries<'a> {
    lists: Lists<'a>,
    entries: &'a arrow_array::StructArray,
    id: Option<Strings<'a>>,
    amount: Option<Ints<'a>>,
    currency: Option<Strings<'a>>,
    initiated_at: Option<Ints<'a>>,
    settled_at: Option<Ints<'a>>,
}

impl<'a> PriorEntries<'a> {
    fn read(
        lists: Lists<'a>,
        entries: &'a arrow_array::StructArray,
        keys: &'a [Option<Vec<usize>>],
    ) -> Result<Self, ColumnError> {
        let c = Columns {
            fields: entries.fields(),
            columns: entries.columns(),
            dictionary_keys: keys,
        };
        let under = |e: ColumnError| ColumnError {
            column: format!("prior.{}", e.column),
            ..e
        };
        Ok(PriorEntries {
            lists,
            entries,
            id: c.strings("id", false).map_err(under)?,
            amount: c.ints("amount", true).map_err(under)?,
            currency: c.strings("currency", true).map_err(under)?,
            initiated_at: c.times("initiated_at").map_err(under)?.map_or_else(
                || {
                    Err(ColumnError::of_kind(
                        ErrorKind::Missing,
                        "prior.initiated_at",
                        "required, and missing",
                    ))
                },
                |t| Ok(Some(t)),
            )?,
            settled_at: c.times("settled_at").map_err(under)?,
        })
    }

    /// The row's prior debits, each fault named as the batch protocol names
    /// it (`prior[1].amount: null`).
    fn row(&self, row: usize) -> Result<PriorDebits, String> {
        let Some((start, end)) = self.lists.span(row) else {
            return Ok(PriorDebits::NONE);
        };
        if end.saturating_sub(start) > PriorDebits::MAX {
            return Err(format!(
                "prior: at most {} prior debits in one request",
                PriorDebits::MAX
            ));
        }
        let mut list = Vec::with_capacity(end.saturating_sub(start));
        for (n, at) in (start..end).enumerate() {
            if self.entries.is_null(at) {
                return Err(format!("prior[{n}]: null"));
            }
            let field = |name: &str| format!("prior[{n}].{name}");
            let amount = int(self.amount, at, &field("amount"))?
                .ok_or_else(|| format!("{}: null", field("amount")))?;
            let code = self
                .currency
                .and_then(|c| c.get(at))
                .ok_or_else(|| format!("{}: null", field("currency")))?;
            let currency =
                Currency::new(code).map_err(|e| format!("{}: {e}", field("currency")))?;
            let initiated = int(self.initiated_at, at, &field("initiated_at"))?
                .ok_or_else(|| format!("{}: null", field("initiated_at")))?;
            let settled = int(self.settled_at, at, &field("settled_at"))?;
            let mut prior = PriorDebit::new(amount, currency, initiated)
                .map_err(|e| format!("{}: {e}", field("amount")))?
                .with_settled_at(settled);
            if let Some(id) = self.id.and_then(|c| c.get(at)) {
                prior =
                    prior.with_id(DebitId::new(id).map_err(|e| format!("{}: {e}", field("id")))?);
            }
            list.push(prior);
        }
        PriorDebits::new(list).map_err(|e| format!("prior: {e}"))
    }
}

/// `verdicts` with the `passthrough` columns of `input` after its own.
fn with_passthrough(
    verdicts: RecordBatch,
    input: &RecordBatch,
    passthrough: &[String],
) -> Result<RecordBatch, ColumnError> {
    if passthrough.is_empty() {
        return Ok(verdicts);
    }
    // `check_names` has checked each name: in the input, and no verdict
    // column's.
    let mut fields: Vec<Arc<Field>> = verdicts.schema_ref().fields().iter().cloned().collect();
    let mut columns = verdicts.columns().to_vec();
    for name in passthrough {
        let Ok(index) = input.schema_ref().index_of(name) else {
            return Err(ColumnError::new(
                name,
                "listed in passthrough, but not in the batch",
            ));
        };
        if let (Some(field), Some(column)) = (
            input.schema_ref().fields().get(index),
            input.columns().get(index),
        ) {
            fields.push(Arc::clone(field));
            columns.push(Arc::clone(column));
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| ColumnError::new("(output)", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_keys_are_the_positions_in_all() {
        for (i, code) in Code::ALL.iter().enumerate() {
            assert_eq!(usize::try_from(code_key(*code)).ok(), Some(i));
        }
        for (i, rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(usize::from(rule_key(*rule)), i);
        }
    }
}
