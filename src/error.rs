//! Errors: one type per failure domain, each saying what is wrong and where.
//!
//! A business refusal is never an error: [`decide`](crate::decide) answers
//! `deny` as a [`Verdict`](crate::Verdict). Errors are for input that cannot be
//! read or does not make sense (the [contract](crate::contract) "input errors"); they carry the JSON
//! path or the argument at fault.

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
/// Displays as `path: message`. The path of the document root is `(root)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub(crate) struct JsonError {
    kind: ErrorKind,
    path: String,
    message: String,
}

impl JsonError {
    pub(crate) fn new(
        kind: ErrorKind,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let path = path.into();
        JsonError {
            kind,
            path: if path.is_empty() || path == "." {
                ROOT.to_owned()
            } else {
                path
            },
            message: message.into(),
        }
    }

    /// Builds the error from a `serde_path_to_error` failure.
    pub(crate) fn from_tracked(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        // `serde_path_to_error` writes `?` for a key it has not read yet
        // (a syntax error right after `{`); the map's own path says as much.
        let path = e.path().to_string();
        let path = path
            .strip_suffix(".?")
            .or_else(|| path.strip_suffix('?'))
            .unwrap_or(&path);
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
        match repeated {
            Some(field) if path == "." || path.is_empty() => JsonError::new(kind, field, message),
            Some(field) => JsonError::new(kind, format!("{path}.{field}"), message),
            None => JsonError::new(kind, path, message),
        }
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
        if prefix.is_empty() {
            return self;
        }
        let path = if self.path == ROOT {
            prefix.to_owned()
        } else if self.path.starts_with('[') {
            format!("{prefix}{}", self.path)
        } else {
            format!("{prefix}.{}", self.path)
        };
        JsonError { path, ..self }
    }
}

/// How the root of a document is named in error paths.
pub(crate) const ROOT: &str = "(root)";

/// Declares a public error type over [`JsonError`]: the path, the message and
/// the kind, with `Display` as `path: message`.
macro_rules! document_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error(transparent)]
        pub struct $name(JsonError);

        impl $name {
            /// The JSON path at fault, dot-separated with `[i]` for array
            /// elements (`balance.cash.available.usd`, `permissions[1]`), or
            /// `(root)` for the document itself.
            pub fn path(&self) -> &str {
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
