//! Amounts in major units (`110.94`) read exactly into minor units.

use std::fmt;

/// Why a major-unit amount could not be read (see [`minor_from_major`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MajorError {
    /// Not a plain decimal number (`-`, digits, optionally `.` and digits).
    NotDecimal,
    /// An exponent part (`1e3`): refused rather than scaled.
    Exponent,
    /// Out of `i64` range once in minor units.
    OutOfRange,
}

impl fmt::Display for MajorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MajorError::NotDecimal => "expected a number in major units, such as 110.94",
            MajorError::Exponent => {
                "expected a number without an exponent part, such as 110.94 (found an `e`)"
            }
            MajorError::OutOfRange => "out of range: the amount in minor units overflows i64",
        })
    }
}

/// An amount in major units, as the literal text of a JSON number
/// (`110.94`), in minor units of a currency with `exponent` decimal places:
/// exactly, with no binary floating point anywhere. Digits beyond the
/// exponent are cut toward −∞ (`-0.005` usd is −1 cent, `0.009` is 0): a
/// balance is never rounded up.
pub(crate) fn minor_from_major(text: &str, exponent: u32) -> Result<i64, MajorError> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if !unsigned.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(MajorError::NotDecimal);
    }
    if unsigned.contains(['e', 'E']) {
        return Err(MajorError::Exponent);
    }
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|c| c.is_ascii_digit());
    let bad_fraction = unsigned.contains('.') && frac.is_empty();
    if int.is_empty() || !digits(int) || !digits(frac) || bad_fraction {
        return Err(MajorError::NotDecimal);
    }
    let keep = usize::try_from(exponent).map_err(|_| MajorError::OutOfRange)?;
    let (kept, cut) = frac.split_at(frac.len().min(keep));
    let mut magnitude: i128 = 0;
    let padding = std::iter::repeat_n(b'0', keep.saturating_sub(kept.len()));
    for c in int.bytes().chain(kept.bytes()).chain(padding) {
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(c.wrapping_sub(b'0'))))
            .filter(|m| *m <= i128::from(i64::MAX).saturating_add(1))
            .ok_or(MajorError::OutOfRange)?;
    }
    let dropped = cut.bytes().any(|c| c != b'0');
    let value = if negative {
        // Toward −∞: a dropped fraction makes a negative amount one unit
        // more negative.
        magnitude
            .checked_add(i128::from(dropped))
            .map(|m| m.saturating_neg())
    } else {
        Some(magnitude)
    };
    value
        .and_then(|v| i64::try_from(v).ok())
        .ok_or(MajorError::OutOfRange)
}
