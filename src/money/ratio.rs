//! `Ratio`: an exact decimal in `[0, 10]`, and the integer divisions its cushions use.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// `⌈n / d⌉`, `None` for `d = 0`. In 64-bit arithmetic when both fit (the
/// usual case: a hardware division instead of a 128-bit library call), one
/// division either way.
pub(crate) fn div_ceil(n: u128, d: u128) -> Option<u128> {
    if let (Ok(n), Ok(d)) = (u64::try_from(n), u64::try_from(d)) {
        return n.checked_div(d).map(|q| {
            let exact = q.wrapping_mul(d) == n;
            u128::from(if exact { q } else { q.wrapping_add(1) })
        });
    }
    let q = n.checked_div(d)?;
    let exact = q.checked_mul(d)? == n;
    if exact { Some(q) } else { q.checked_add(1) }
}

/// An exact, non-negative fraction of an amount, from `0` to `10`
/// inclusive, with at most [`Ratio::MAX_SCALE`] decimal places.
///
/// Policy cushions are ratios: `"0.05"` asks for 5 % of the debit on top. The
/// value is a [`Decimal`], read from a JSON string or from the literal digits of
/// a JSON number, so `0.1` is one tenth, not the nearest binary float.
/// [`Ratio::cushion`] multiplies an amount and rounds **up**, always.
///
/// ```
/// use fundsgate::Ratio;
/// let r: Ratio = "0.015".parse()?;
/// assert_eq!(r.cushion(1001), Some(16)); // 15.015 rounds up to 16
/// assert_eq!(r.cushion(1000), Some(15)); // exact: no rounding
/// # Ok::<(), fundsgate::RatioError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    value: Decimal,
    /// `value` as `numerator / denominator` (its mantissa over `10^scale`),
    /// computed once: `numerator ≤ 10^19` and `denominator ≤ 10^18` both fit
    /// a `u64`, and `decide` needs them on every call.
    numerator: u64,
    denominator: u64,
}

impl Default for Ratio {
    fn default() -> Self {
        Ratio::ZERO
    }
}

impl Ratio {
    /// The zero ratio: no cushion.
    pub const ZERO: Ratio = Ratio {
        value: Decimal::ZERO,
        numerator: 0,
        denominator: 1,
    };

    /// The largest ratio accepted, `10` (a cushion of ten times the amount).
    pub const MAX: Decimal = Decimal::TEN;

    /// The most decimal places a ratio may carry after trailing zeros are
    /// dropped. Eighteen keeps [`Ratio::cushion`] exact in 128-bit integers for
    /// every `i64` amount.
    pub const MAX_SCALE: u32 = 18;

    /// Validates a ratio.
    ///
    /// # Errors
    ///
    /// [`RatioError`] when `value` is negative, above 10, or has more than
    /// [`Ratio::MAX_SCALE`] decimal places.
    pub fn new(value: Decimal) -> Result<Self, RatioError> {
        let value = value.normalize();
        if value.is_sign_negative() && !value.is_zero() {
            return Err(RatioError::OutOfRange(value.to_string()));
        }
        if value > Self::MAX {
            return Err(RatioError::OutOfRange(value.to_string()));
        }
        if value.scale() > Self::MAX_SCALE {
            return Err(RatioError::TooPrecise(value.to_string()));
        }
        // `normalize` keeps the sign of a negative zero; store a plain zero.
        if value.is_zero() {
            return Ok(Ratio::ZERO);
        }
        // 0 < value ≤ 10 with at most 18 decimal places: the mantissa is at
        // most 10^19 and 10^scale at most 10^18, both below u64::MAX.
        let out_of_range = || RatioError::OutOfRange(value.to_string());
        let numerator = u64::try_from(value.mantissa()).map_err(|_| out_of_range())?;
        let denominator = 10_u64
            .checked_pow(value.scale())
            .ok_or_else(|| RatioError::TooPrecise(value.to_string()))?;
        Ok(Ratio {
            value,
            numerator,
            denominator,
        })
    }

    /// The ratio as a decimal.
    pub fn get(&self) -> Decimal {
        self.value
    }

    /// `ceil(amount × self)` for a non-negative amount, exactly; `None` when
    /// `amount` is negative or the result does not fit an `i64`.
    pub fn cushion(&self, amount: i64) -> Option<i64> {
        let amount = u128::try_from(amount).ok()?;
        // self = mantissa / 10^scale with mantissa ≤ 10 × 10^18 and
        // scale ≤ 18, so the product is below 9.3 × 10^37 < u128::MAX.
        if self.numerator == 0 {
            return Some(0);
        }
        let product = amount.checked_mul(u128::from(self.numerator))?;
        i64::try_from(div_ceil(product, u128::from(self.denominator))?).ok()
    }

    /// The ratio as `numerator / denominator`: its mantissa over
    /// `10^scale` (numerator ≤ 10^19, denominator ≤ 10^18).
    pub(crate) fn fraction(&self) -> (u128, u128) {
        (u128::from(self.numerator), u128::from(self.denominator))
    }

    /// Parses a ratio from its text: digits with an optional fraction
    /// (`0.05`, `10`), nothing else — no sign but a `-` that makes the error
    /// say "out of range", no `+`, no blank, no `_`, no `.5` or `5.`. With
    /// `exponent` (the literal text of a JSON number) an exponent part is read
    /// too, exactly (`5e-2` is `0.05`). Trailing zeros of the fraction do not
    /// count toward [`Ratio::MAX_SCALE`].
    fn parse_literal(text: &str, exponent: bool) -> Result<Self, RatioError> {
        let not_decimal = || RatioError::NotADecimal(text.to_owned());
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (number, power) = match unsigned.split_once(['e', 'E']) {
            Some((number, power)) if exponent => {
                let power_digits = power.strip_prefix(['+', '-']).unwrap_or(power);
                if !digits(power_digits) {
                    return Err(not_decimal());
                }
                // Beyond ±10^6 the value is 0 or out of range whatever the
                // digits; saturating keeps the arithmetic below in range.
                let magnitude: i64 = power_digits
                    .get(..power_digits.len().min(7))
                    .and_then(|d| d.parse().ok())
                    .ok_or_else(not_decimal)?;
                (
                    number,
                    if power.starts_with('-') {
                        magnitude.saturating_neg()
                    } else {
                        magnitude
                    },
                )
            }
            Some(_) => return Err(not_decimal()),
            None => (unsigned, 0),
        };
        let (int, frac) = match number.split_once('.') {
            Some((int, frac)) if digits(frac) => (int, frac),
            Some(_) => return Err(not_decimal()),
            None => (number, ""),
        };
        if !digits(int) {
            return Err(not_decimal());
        }
        // The significant digits and their scale: value = coefficient × 10^-scale.
        let frac = frac.trim_end_matches('0');
        let coefficient = format!("{int}{frac}");
        let coefficient = coefficient.trim_start_matches('0');
        if coefficient.is_empty() {
            return Ok(Ratio::ZERO);
        }
        if negative {
            return Err(RatioError::OutOfRange(text.to_owned()));
        }
        let frac_len = i64::try_from(frac.len()).map_err(|_| not_decimal())?;
        let mut scale = frac_len.saturating_sub(power);
        let mut coefficient = coefficient.to_owned();
        // Trailing zeros of the integer part, with a positive exponent, are
        // not decimal places either.
        while scale > 0 && coefficient.ends_with('0') {
            coefficient.pop();
            scale = scale.saturating_sub(1);
        }
        if scale > i64::from(Self::MAX_SCALE) {
            return Err(RatioError::TooPrecise(text.to_owned()));
        }
        // At most 10 × 10^18: 20 significant digits, or fewer with a
        // negative scale (a whole number with an exponent).
        let whole_digits = i64::try_from(coefficient.len())
            .map_err(|_| not_decimal())?
            .saturating_sub(scale);
        if whole_digits > 2 {
            return Err(RatioError::OutOfRange(text.to_owned()));
        }
        let zeros = usize::try_from(scale.min(0).unsigned_abs()).map_err(|_| not_decimal())?;
        coefficient.extend(std::iter::repeat_n('0', zeros));
        let mantissa: i128 = coefficient.parse().map_err(|_| not_decimal())?;
        let scale = u32::try_from(scale.max(0)).map_err(|_| not_decimal())?;
        Ratio::new(Decimal::from_i128_with_scale(mantissa, scale))
            .map_err(|_| RatioError::OutOfRange(text.to_owned()))
    }
}

/// `⌊n / d⌋`, `None` for `d = 0`; in 64-bit arithmetic when both fit.
pub(crate) fn div_floor(n: u128, d: u128) -> Option<u128> {
    match (u64::try_from(n), u64::try_from(d)) {
        (Ok(n), Ok(d)) => n.checked_div(d).map(u128::from),
        _ => n.checked_div(d),
    }
}

impl FromStr for Ratio {
    type Err = RatioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ratio::parse_literal(s, false)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl fmt::Debug for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ratio({})", self.value)
    }
}

impl Serialize for Ratio {
    /// A decimal string, e.g. `"0.05"`, so that no reader rounds it.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.value)
    }
}

/// serde_json's name for its raw-value newtype: asking any deserializer for
/// a newtype struct of this name makes serde_json (and `serde_json::Value`)
/// hand over the value's JSON text, while every other format simply visits
/// the newtype's content. This is how `Box<serde_json::value::RawValue>`
/// itself deserializes.
///
/// The name is serde_json's, not a public API. Should a serde_json release
/// rename it, ratios from JSON would arrive as floats, and the test
/// `policy_ratios_are_exact_from_strings_and_numbers` (tests/it/parse.rs) fails
/// on its 17-digit ratio (checked by renaming the token: it reads back
/// `0.12345678901234566`).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl<'de> Deserialize<'de> for Ratio {
    /// Reads a string (`"0.05"`) or a number (`0.05`), from any serde format.
    ///
    /// From JSON, a number's literal text is read, so it never passes
    /// through a float: `0.12345678901234567` is exactly that. A format that
    /// hands over a float (TOML's `0.05`) is read by the float's shortest
    /// decimal representation, exact for up to 15 significant digits; a
    /// string is exact in every format.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(RAW_VALUE_TOKEN, RatioVisitor)
    }
}

struct RatioVisitor;

impl RatioVisitor {
    /// A ratio from JSON text: a string literal or a number literal.
    fn from_json_text<E: de::Error>(text: &str) -> Result<Ratio, E> {
        if text.starts_with('"') {
            let inner: String = serde_json::from_str(text).map_err(E::custom)?;
            inner.parse().map_err(E::custom)
        } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            Ratio::parse_literal(text, true).map_err(E::custom)
        } else {
            Err(E::custom(format_args!(
                "expected a decimal ratio as a string or number, found {text}"
            )))
        }
    }
}

impl<'de> Visitor<'de> for RatioVisitor {
    type Value = Ratio;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal ratio as a string or number")
    }

    /// serde_json: one entry, whose value is the JSON text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ratio, A::Error> {
        let Some(_token) = map.next_key::<de::IgnoredAny>()? else {
            return Err(de::Error::custom(
                "expected a decimal ratio as a string or number, found an object",
            ));
        };
        let text = map.next_value::<std::borrow::Cow<'de, str>>()?;
        RatioVisitor::from_json_text(&text)
    }

    /// Other formats: the value itself.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Ratio, D::Error> {
        d.deserialize_any(RatioVisitor)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Ratio, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ratio, E> {
        Ratio::new(Decimal::from(v)).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ratio, E> {
        Ratio::new(Decimal::from(v)).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ratio, E> {
        // `Display` of an f64 is its shortest round-trip decimal.
        if !v.is_finite() {
            return Err(E::custom(format_args!(
                "expected a decimal ratio, found {v}"
            )));
        }
        Ratio::parse_literal(&format!("{v}"), false).map_err(E::custom)
    }
}

/// A policy ratio that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RatioError {
    /// The text is not a decimal number.
    #[error(
        "expected a decimal ratio such as \"0.05\" (digits, optionally a point and at most 18 decimal places), found `{0}`"
    )]
    NotADecimal(String),
    /// Below 0 or above 10.
    #[error("ratio `{0}` is out of range: it must be from 0 to 10")]
    OutOfRange(String),
    /// More decimal places than [`Ratio::MAX_SCALE`](crate::Ratio::MAX_SCALE).
    #[error("ratio `{0}` has more than 18 decimal places")]
    TooPrecise(String),
}
