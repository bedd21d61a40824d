//! Money: currencies, per-currency amount maps and exact ratios.
//!
//! Amounts are `i64` in the currency's minor unit (cents for `usd`), exactly as
//! Stripe sends them. Nothing here uses floating point: ratios are
//! [`rust_decimal::Decimal`] and cushions are computed with integer arithmetic,
//! rounded up.

mod currency;
mod major;
mod map;
mod ratio;
mod units;

#[cfg(test)]
pub(crate) use currency::comparisons;
pub use currency::{Currency, CurrencyError};
#[cfg(test)]
use major::MajorError;
pub(crate) use major::minor_from_major;
pub(crate) use map::MapBuilder;
pub use map::{CurrencyMap, DuplicateCurrency};
pub(crate) use ratio::div_floor;
pub use ratio::{Ratio, RatioError};
pub use units::MinorUnits;
pub(crate) use units::Strict;

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, reason = "test code on small numbers")]
pub(crate) mod tests {
    use super::*;
    use serde::Deserialize;
    use serde::de::value::Error as ValueError;
    use serde::de::{Deserializer, IntoDeserializer};

    fn strict<T: MinorUnits>(d: impl Deserializer<'static, Error = ValueError>) -> Option<T> {
        Strict::<T>::deserialize(d).ok().map(|Strict(v)| v)
    }

    /// `minor` written in major units with `exponent` decimals (`-1235`, 2:
    /// `-12.35`), as a test oracle independent of `minor_from_major`.
    fn major_text(minor: i64, exponent: u32) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let digits = minor.unsigned_abs().to_string();
        let e = exponent as usize;
        if e == 0 {
            return format!("{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = e + 1);
        let (int, frac) = padded.split_at(padded.len() - e);
        format!("{sign}{int}.{frac}")
    }

    #[test]
    fn iso_exponents_come_from_the_iso_table() {
        let exponent = |code: &str| Currency::new(code).ok().and_then(|c| c.iso_exponent());
        assert_eq!(exponent("usd"), Some(2));
        assert_eq!(exponent("JPY"), Some(0));
        assert_eq!(exponent("kwd"), Some(3));
        assert_eq!(exponent("xau"), None, "gold has no minor unit");
        assert_eq!(exponent("zzz"), None, "not an ISO 4217 code");
        // USD's shortcut agrees with the table it skips.
        let table = iso_currency::Currency::from_code("USD").and_then(|c| c.exponent());
        assert_eq!(exponent("USD"), table.map(u32::from));
    }

    #[test]
    fn major_amounts_read_exactly() {
        assert_eq!(minor_from_major("110.94", 2), Ok(11094));
        assert_eq!(minor_from_major("110.9", 2), Ok(11090));
        assert_eq!(minor_from_major("110", 2), Ok(11000));
        assert_eq!(minor_from_major("0", 2), Ok(0));
        assert_eq!(minor_from_major("-0.00", 2), Ok(0));
        assert_eq!(minor_from_major("12345.9", 0), Ok(12345));
        assert_eq!(minor_from_major("1.2345", 3), Ok(1234));
        // Toward −∞: never a balance rounded up.
        assert_eq!(minor_from_major("0.009", 2), Ok(0));
        assert_eq!(minor_from_major("-0.001", 2), Ok(-1));
        assert_eq!(minor_from_major("-12.341", 2), Ok(-1235));
        assert_eq!(minor_from_major("-12.3400", 2), Ok(-1234));
        assert_eq!(minor_from_major("92233720368547758.07", 2), Ok(i64::MAX));
        assert_eq!(minor_from_major("-92233720368547758.08", 2), Ok(i64::MIN));
        assert_eq!(
            minor_from_major("-92233720368547758.081", 2),
            Err(MajorError::OutOfRange)
        );
        assert_eq!(
            minor_from_major("92233720368547758.08", 2),
            Err(MajorError::OutOfRange)
        );
        assert_eq!(
            minor_from_major(&"9".repeat(10_000), 2),
            Err(MajorError::OutOfRange)
        );
        for bad in [
            "", "-", "1.", ".5", "\"1\"", "true", "1,5", "--1", "1.2.3", "0x10",
        ] {
            assert_eq!(
                minor_from_major(bad, 2),
                Err(MajorError::NotDecimal),
                "{bad}"
            );
        }
        for exp in ["1e2", "1.5E2", "-1e-2", "1.1e+2"] {
            assert_eq!(minor_from_major(exp, 2), Err(MajorError::Exponent), "{exp}");
        }
    }

    proptest::proptest! {
        /// Writing minor units as major text and reading it back is exact.
        #[test]
        fn major_text_round_trips(minor in proptest::num::i64::ANY, exponent in 0_u32..=4) {
            proptest::prop_assert_eq!(minor_from_major(&major_text(minor, exponent), exponent), Ok(minor));
        }

        /// Extra digits are cut toward −∞: the result is the floor of the
        /// exact value, so it never exceeds what the text says.
        #[test]
        fn extra_digits_are_floored(minor in -1_000_000_000_000_i64..1_000_000_000_000, exponent in 0_u32..=3, extra in "[0-9]{1,6}") {
            let base = major_text(minor, exponent);
            let text = if exponent == 0 { format!("{base}.{extra}") } else { format!("{base}{extra}") };
            let got = minor_from_major(&text, exponent).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let dropped = extra.bytes().any(|c| c != b'0');
            let expected = if minor < 0 && dropped { minor - 1 } else { minor };
            // `-0.00` + extra digits is still negative when they are not all zero.
            let expected = if minor == 0 && base.starts_with('-') && dropped { -1 } else { expected };
            proptest::prop_assert_eq!(got, expected, "{}", text);
        }
    }

    /// serde_json hands positive integers to `visit_u64`, but other formats
    /// (TOML, say) use `visit_i64`: both must read them.
    #[test]
    fn amounts_read_from_either_integer_visitor() {
        assert_eq!(strict::<u64>(5_i64.into_deserializer()), Some(5));
        assert_eq!(strict::<u64>((-5_i64).into_deserializer()), None);
        assert_eq!(strict::<u64>(u64::MAX.into_deserializer()), Some(u64::MAX));
        assert_eq!(strict::<i64>(u64::MAX.into_deserializer()), None);
        assert_eq!(strict::<i64>((-7_i64).into_deserializer()), Some(-7));
        assert_eq!(strict::<i64>(7_u64.into_deserializer()), Some(7));
        assert_eq!(strict::<i64>(1.5_f64.into_deserializer()), None);
    }

    /// A map of `n` currency codes, in descending order (the worst order for
    /// a map that re-sorts or scans on every insert).
    pub(crate) fn descending_map(n: usize) -> String {
        let codes: Vec<String> = (0..17_576_usize)
            .rev()
            .take(n)
            .map(|i| {
                let letter = |k: usize| char::from(b'a' + u8::try_from(k % 26).unwrap_or(0));
                format!(
                    "\"{}{}{}\": {i}",
                    letter(i / 676),
                    letter(i / 26),
                    letter(i)
                )
            })
            .collect();
        format!("{{{}}}", codes.join(", "))
    }

    /// Reading a map costs O(n log n) comparisons: doubling the number of
    /// currencies (in the worst order) little more than doubles them. A
    /// map that re-sorted, or scanned for duplicates, on every insert would
    /// quadruple them.
    #[test]
    fn reading_a_map_is_n_log_n_in_comparisons() {
        let cost = |n: usize| {
            let text = descending_map(n);
            comparisons::count(|| {
                let map: CurrencyMap<i64> = serde_json::from_str(&text).unwrap_or_default();
                assert_eq!(map.len(), n);
            })
        };
        let (small, large) = (cost(4_000), cost(8_000));
        assert!(small > 0, "the counter counts");
        assert!(
            large.saturating_mul(10) <= small.saturating_mul(25),
            "4,000 codes: {small} comparisons, 8,000: {large}"
        );
        // Every one of the 26³ codes: a few comparisons per code.
        assert!(cost(17_576) < 17_576 * 20);
    }

    /// What no JSON document reaches (a bare null, bytes) still errors and
    /// says what was expected.
    #[test]
    fn other_shapes_are_errors_that_say_what_was_expected() {
        let unit = Strict::<i64>::deserialize(().into_deserializer())
            .err()
            .map(|e: ValueError| e.to_string());
        assert_eq!(
            unit.as_deref(),
            Some("expected an integer amount in i64 range, found null")
        );
        let bytes = serde::de::value::BytesDeserializer::<ValueError>::new(b"12");
        let err = Strict::<u64>::deserialize(bytes)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("invalid type: byte array, expected a non-negative integer amount")
        );
    }
}
