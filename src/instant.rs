//! Evaluation instants at the edge: `--now` and a batch line's `now`.
//!
//! The engine takes a [`chrono::DateTime<Utc>`]; callers often hold unix
//! seconds or an RFC 3339 string. This module reads either, and nothing else.

use chrono::{DateTime, Utc};

use crate::error::InstantError;

/// Reads unix seconds (`1651516600`, optionally signed) or an RFC 3339
/// timestamp (`2022-05-02T18:36:40Z`, any offset).
///
/// ```
/// use fundsgate::instant::parse_instant;
/// let a = parse_instant("1651516600")?;
/// let b = parse_instant("2022-05-02T18:36:40Z")?;
/// assert_eq!(a, b);
/// assert!(parse_instant("yesterday").is_err());
/// # Ok::<(), fundsgate::InstantError>(())
/// ```
///
/// # Errors
///
/// [`InstantError`] when `text` is neither, or out of chrono's range.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, InstantError> {
    let text = text.trim();
    let err = || InstantError {
        found: text.to_owned(),
    };
    let is_integer = {
        let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    if is_integer {
        let secs: i64 = text.parse().map_err(|_| err())?;
        return from_unix(secs).ok_or_else(err);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| err())
}

/// Unix seconds as an instant; `None` outside chrono's range (about ±262,000
/// years).
pub fn from_unix(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}
