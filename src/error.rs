//! Errors: one type per failure domain, each saying what is wrong and where.
//!
//! A business refusal is never an error: [`decide`](crate::decide) answers
//! `deny` as a [`Verdict`](crate::Verdict). Errors are for input that cannot be
//! read or does not make sense (the [contract](crate::contract) "input errors"); they carry the JSON
//! path or the argument at fault.

use std::fmt;

use crate::spelling::wire_enum;

/// A debit that cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DebitError {
    /// The amount is zero or negative.
    #[error("must be a positive integer in minor units, found {0}")]
    AmountNotPositive(i64),
    /// `in_flight` is negative.
    #[error("must be zero or a positive integer in minor units, found {0}")]
    NegativeInFlight(i64),
}

impl DebitError {
    /// The debit field at fault (`amount`, `in_flight`), for callers that
    /// name it in their own terms (a JSON key, a flag, a column).
    pub fn field(&self) -> &'static str {
        match self {
            DebitError::AmountNotPositive(_) => "amount",
            DebitError::NegativeInFlight(_) => "in_flight",
        }
    }
}

/// A debit id over 255 characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a debit id has at most 255 characters, found {chars}")]
pub struct DebitIdTooLong {
    /// The id's length in characters.
    pub chars: usize,
}

/// A prior-debit list over 10,000 entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at most 10000 prior debits in one request, found {found}")]
pub struct TooManyPriorDebits {
    /// How many entries were given.
    pub found: usize,
}

/// A NACHA return code that is not `R` and two digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a NACHA return code such as `R01` (R and two digits), found `{found}`")]
pub struct ReturnCodeError {
    /// The text that was offered.
    pub found: String,
}

/// The amount the balance must cover does not fit in an `i64`.
///
/// `required = amount + in_flight + cushion (+ current extra)`; with extreme
/// inputs the sum overflows. The gate refuses to guess, so this is an input
/// error rather than a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "required amount overflows i64 (amount {amount} + in_flight {in_flight} + exposure {exposure} + cushions)"
)]
pub struct RequiredOverflow {
    /// The debit amount.
    pub amount: i64,
    /// The debit's in-flight amount.
    pub in_flight: i64,
    /// The prior debits' exposure (their sum may exceed an `i64` itself).
    pub exposure: i128,
}

wire_enum! {
    /// What kind of fault an input error is: match on it to react, read the
    /// message to tell a person. Prints and (de)serializes by its snake-case
    /// name (`unknown_field`), as the bindings expose it.
    #[non_exhaustive]
    pub enum ErrorKind {
        /// Not JSON at all: a syntax error, or the input ended early.
        Syntax = "syntax",
        /// A key the document may not carry (inputs that are ours: a policy, a
        /// batch request).
        UnknownField = "unknown_field",
        /// The same key twice in one object, or the same currency twice in one
        /// map.
        Duplicate = "duplicate",
        /// A required key is absent or null (`status`, `balance.as_of`, …).
        Missing = "missing",
        /// A value of the wrong type or out of range.
        Invalid = "invalid",
        /// A well-formed document that is not an account of a known provider
        /// (a Stripe Customer, a list response…), named at its `object`.
        NotAnAccount = "not_an_account",
    }
}

/// A JSON document (account, event, policy or batch line) that cannot be
/// read: the crate-internal error behind [`ParseError`] and [`PolicyError`].
///
/// Displays as `path: message` (the root's path as `(root)`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub(crate) struct JsonError {
    kind: ErrorKind,
    path: JsonPath,
    message: String,
}

impl JsonError {
    /// The error at `path`, written as the crate writes its own paths
    /// (`presentment.returns[0]`; `""` for the root).
    pub(crate) fn new(kind: ErrorKind, path: &str, message: impl Into<String>) -> Self {
        JsonError::at(kind, JsonPath::parse(path), message)
    }

    /// The error at `path`.
    pub(crate) fn at(kind: ErrorKind, path: JsonPath, message: impl Into<String>) -> Self {
        JsonError {
            kind,
            path,
            message: message.into(),
        }
    }

    /// Builds the error from a `serde_path_to_error` failure.
    pub(crate) fn from_tracked(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let mut path = JsonPath::from_tracked(e.path());
        let inner = e.into_inner();
        let message = inner.to_string();
        let kind = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ErrorKind::Syntax
            }
            serde_json::error::Category::Io => ErrorKind::Syntax,
            serde_json::error::Category::Data => {
                if message.starts_with("unknown field") {
                    ErrorKind::UnknownField
                } else if message.starts_with("duplicate field")
                    || message.contains("appears twice")
                {
                    ErrorKind::Duplicate
                } else if message.starts_with("missing field") {
                    ErrorKind::Missing
                } else {
                    ErrorKind::Invalid
                }
            }
        };
        // serde reports a repeated field at its object; name the field itself.
        let repeated = message
            .strip_prefix("duplicate field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(field, _)| field.to_owned());
        if let Some(field) = repeated {
            path.0.push(PathSegment::Key(field.into()));
        }
        JsonError::at(kind, path, message)
    }

    /// The same error without serde_json's ` at line L column C` after the
    /// message, when the path says where: a request's field is named the same
    /// whether it came in a batch line, a Python argument or an Arrow column.
    /// Syntax errors keep their position (they have no other).
    pub(crate) fn without_position(mut self) -> Self {
        if self.kind == ErrorKind::Syntax {
            return self;
        }
        if let Some(at) = self.message.rfind(" at line ") {
            let tail = self.message.get(at..).unwrap_or_default();
            let numbers = tail
                .trim_start_matches(" at line ")
                .split(" column ")
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if numbers && tail.contains(" column ") {
                self.message.truncate(at);
            }
        }
        self
    }

    /// The same error with `prefix.` in front of its path, for a document
    /// nested inside another one (a batch line's `account`).
    pub(crate) fn under(self, prefix: &str) -> Self {
        let mut path = JsonPath::parse(prefix);
        path.0.extend(self.path.0);
        JsonError { path, ..self }
    }
}

/// One step of a [`JsonPath`]: an object's key or an array's index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PathSegment {
    /// The value of this key of an object.
    Key(Box<str>),
    /// The element at this index (from 0) of an array.
    Index(usize),
}

/// Where in a JSON document a fault is: the keys and array indexes from the
/// document's root, which is the empty path.
///
/// It prints dot-separated with `[i]` for an index
/// (`balance.cash.available.usd`, `presentment.returns[0]`) and the root
/// as `(root)`, as in every error message, and compares equal to that text.
///
/// ```
/// use fundsgate::{stripe, PathSegment};
/// let err = stripe::parse_account(br#"{"object": "financial_connections.account", "status": "active", "permissions": ["balances", 7]}"#).unwrap_err();
/// assert_eq!(err.path(), "permissions[1]");
/// assert_eq!(err.path().segments(), [PathSegment::Key("permissions".into()), PathSegment::Index(1)]);
/// let err = stripe::parse_account(b"[]").unwrap_err();
/// assert!(err.path().is_root() && err.path().segments().is_empty());
/// assert_eq!(err.path().to_string(), "(root)");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(Vec<PathSegment>);

impl JsonPath {
    /// The document itself.
    pub const ROOT: JsonPath = JsonPath(Vec::new());

    /// Whether this is the document's root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys and indexes from the root, outermost first.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// A path the crate wrote (`presentment.returns[0]`, `account.balance`):
    /// keys between dots, `[i]` for an index; `""` and `"."` are the root.
    /// The crate's own keys hold neither `.` nor `[`.
    pub(crate) fn parse(text: &str) -> JsonPath {
        let mut segments = Vec::new();
        for part in text.split('.').filter(|part| !part.is_empty()) {
            let (key, mut indexes) = part
                .split_once('[')
                .map_or((part, ""), |(k, rest)| (k, rest));
            if !key.is_empty() {
                segments.push(PathSegment::Key(key.into()));
            }
            while let Some((index, rest)) = indexes.split_once(']') {
                match index.parse() {
                    Ok(i) => segments.push(PathSegment::Index(i)),
                    Err(_) => segments.push(PathSegment::Key(format!("[{index}]").into())),
                }
                indexes = rest.strip_prefix('[').unwrap_or(rest);
            }
        }
        JsonPath(segments)
    }

    /// The path `serde_path_to_error` tracked, up to a key it had not read
    /// yet (`?`: a syntax error right after `{`): the map's own path says
    /// where.
    pub(crate) fn from_tracked(path: &serde_path_to_error::Path) -> JsonPath {
        use serde_path_to_error::Segment;
        let segments = path
            .iter()
            .map_while(|segment| match segment {
                Segment::Seq { index } => Some(PathSegment::Index(*index)),
                Segment::Map { key } => Some(PathSegment::Key(key.as_str().into())),
                Segment::Enum { variant } => Some(PathSegment::Key(variant.as_str().into())),
                Segment::Unknown => None,
            })
            .collect();
        JsonPath(segments)
    }
}

/// `balance.cash.available.usd`, `permissions[1]`; the root as `(root)`.
impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str("(root)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(key) if i == 0 => f.write_str(key)?,
                PathSegment::Key(key) => write!(f, ".{key}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Equal to the text it prints (`"permissions[1]"`, `"(root)"`).
impl PartialEq<str> for JsonPath {
    fn eq(&self, other: &str) -> bool {
        /// What of `other` is left to match; a mismatch stops the writing.
        struct Rest<'a>(&'a str);
        impl fmt::Write for Rest<'_> {
            fn write_str(&mut self, text: &str) -> fmt::Result {
                self.0 = self.0.strip_prefix(text).ok_or(fmt::Error)?;
                Ok(())
            }
        }
        let mut rest = Rest(other);
        fmt::write(&mut rest, format_args!("{self}")).is_ok() && rest.0.is_empty()
    }
}

/// Equal to the text it prints (`"permissions[1]"`, `"(root)"`).
impl PartialEq<&str> for JsonPath {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

/// Declares a public error type over [`JsonError`]: the path, the message and
/// the kind, with `Display` as `path: message`.
macro_rules! document_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error(transparent)]
        pub struct $name(JsonError);

        impl $name {
            /// The JSON path at fault: its segments, or as text
            /// dot-separated with `[i]` for array elements
            /// (`balance.cash.available.usd`, `permissions[1]`), `(root)`
            /// for the document itself.
            pub fn path(&self) -> &JsonPath {
                &self.0.path
            }

            /// What is wrong there, without the path (the caller adds context).
            pub fn message(&self) -> &str {
                &self.0.message
            }

            /// What kind of fault it is.
            pub fn kind(&self) -> ErrorKind {
                self.0.kind
            }
        }

        impl From<JsonError> for $name {
            fn from(e: JsonError) -> Self {
                $name(e)
            }
        }
    };
}

document_error!(
    /// An account document that cannot be read (the [contract](crate::contract)), e.g.
    /// `balance.cash.available.usd: expected an integer amount in i64 range,
    /// found the float 6000.5 at line 1 column 88`.
    ParseError
);

document_error!(
    /// A policy that is not valid (the [contract](crate::contract)), e.g.
    /// `buffer_ratio: ratio `11` is out of range: it must be from 0 to 10`.
    PolicyError
);

document_error!(
    /// A request that cannot be decided, named at its path in the request:
    /// `account.balance.cash.available.usd` for a fault in the account
    /// document, `amount`, `presentment.returns[0]`, `now`… Every front end
    /// (the library's [`Batch`](crate::Batch), `fundsgate check` and
    /// `batch`, Python, Arrow) reports the same fault with this same
    /// message, `path: message`.
    RequestError
);

impl RequestError {
    /// An error of the account document, placed under `account`.
    pub fn account(e: ParseError) -> Self {
        RequestError(e.0.under("account"))
    }

    /// An error at `path` of the request (`amount`, `returns[1]`).
    pub fn new(kind: ErrorKind, path: &str, message: impl Into<String>) -> Self {
        RequestError(JsonError::new(kind, path, message))
    }

    /// A fault in a part of the request read on its own (`prior`), its
    /// path put under that part's key.
    pub(crate) fn under(key: &str, e: JsonError) -> Self {
        RequestError(e.without_position().under(key))
    }

    /// A debit that cannot be evaluated, at its field (`amount`, `in_flight`).
    pub fn debit(e: &DebitError) -> Self {
        RequestError::new(ErrorKind::Invalid, e.field(), e.to_string())
    }

    /// A required amount that overflows, at `amount`.
    pub fn overflow(e: &RequiredOverflow) -> Self {
        RequestError::new(ErrorKind::Invalid, "amount", e.to_string())
    }
}
