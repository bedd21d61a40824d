//! Evaluation instants at the edge: `--now` and a batch line's `now`.
//!
//! The engine takes a [`chrono::DateTime<Utc>`]; callers often hold unix
//! seconds or an RFC 3339 string. This module reads either, and nothing else.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// The largest magnitude of unix seconds accepted as an instant:
/// 100,000,000,000 (the year 5138). Anything larger is almost certainly a
/// count of milliseconds, which would make every balance look decades old.
pub const MAX_UNIX_SECONDS: i64 = 100_000_000_000;

/// Reads unix seconds (`1651516600`, optionally signed, at most
/// [`MAX_UNIX_SECONDS`] in magnitude) or an RFC 3339 timestamp
/// (`2022-05-02T18:36:40Z`, any offset).
///
/// ```
/// use fundsgate::parse_instant;
/// let a = parse_instant("1651516600")?;
/// let b = parse_instant("2022-05-02T18:36:40Z")?;
/// assert_eq!(a, b);
/// assert!(parse_instant("yesterday").is_err());
/// let ms = parse_instant("1651516600000").unwrap_err();
/// assert!(ms.to_string().contains("looks like milliseconds"));
/// # Ok::<(), fundsgate::InstantError>(())
/// ```
///
/// # Errors
///
/// [`InstantError`] when `text` is neither, when a number looks like
/// milliseconds, or when an RFC 3339 time is out of chrono's range.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, InstantError> {
    let text = text.trim();
    let malformed = || InstantError::Malformed {
        found: text.to_owned(),
    };
    let is_integer = {
        let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    if is_integer {
        let secs: i64 = text.parse().map_err(|_| malformed())?;
        return unix_seconds(secs);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| malformed())
}

/// Unix seconds as an instant, refusing what looks like milliseconds
/// (magnitude above [`MAX_UNIX_SECONDS`]).
///
/// # Errors
///
/// [`InstantError::LooksLikeMilliseconds`] above the bound.
pub fn unix_seconds(secs: i64) -> Result<DateTime<Utc>, InstantError> {
    if secs.unsigned_abs() > MAX_UNIX_SECONDS.unsigned_abs() {
        return Err(InstantError::LooksLikeMilliseconds { seconds: secs });
    }
    from_unix(secs).ok_or_else(|| InstantError::Malformed {
        found: secs.to_string(),
    })
}

/// Unix seconds as an instant, with no plausibility bound; `None` outside
/// chrono's range (about ±262,000 years). Input read from users goes through
/// [`unix_seconds`] instead.
pub fn from_unix(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

/// An evaluation instant (`--now`, a batch line's `now`) that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InstantError {
    /// Neither unix seconds nor an RFC 3339 timestamp, or out of range.
    #[error("expected unix seconds or an RFC 3339 timestamp, found `{found}`")]
    Malformed {
        /// The text that was offered.
        found: String,
    },
    /// A number of seconds beyond ±[`MAX_UNIX_SECONDS`]
    /// (the year 5138): almost certainly milliseconds.
    #[error("{}", milliseconds_message(*seconds))]
    LooksLikeMilliseconds {
        /// The number that was offered.
        seconds: i64,
    },
}

fn milliseconds_message(seconds: i64) -> String {
    let bound = MAX_UNIX_SECONDS;
    let as_seconds = seconds
        .checked_div(1000)
        .filter(|s| s.unsigned_abs() <= bound.unsigned_abs());
    match as_seconds {
        Some(s) => format!(
            "{seconds} looks like milliseconds: expected unix seconds, at most {bound} \
             ({s} would be the same instant in seconds)"
        ),
        None => format!(
            "{seconds} looks like milliseconds or worse: expected unix seconds, at most {bound}"
        ),
    }
}

/// An instant as a request writes it: unix seconds (an integer) or an
/// RFC 3339 string.
pub(crate) struct Now(pub(crate) DateTime<Utc>);

impl<'de> Deserialize<'de> for Now {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Now;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("unix seconds or an RFC 3339 timestamp")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Now, E> {
                unix_seconds(v).map(Now).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Now, E> {
                i64::try_from(v)
                    .map_err(|_| E::custom(format_args!("timestamp {v} is out of range")))
                    .and_then(|v| self.visit_i64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Now, E> {
                parse_instant(v).map(Now).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}
