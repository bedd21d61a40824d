//! Money: currencies, currency maps and ratios, through their public API.

use fundsgate::{Currency, CurrencyMap, Ratio};
use rust_decimal::Decimal;

fn ccy(code: &str) -> Currency {
    Currency::new(code).unwrap()
}

#[test]
fn currencies_fold_case_and_print_lowercase() {
    let usd = ccy("UsD");
    assert_eq!(
        (usd.as_str(), usd.to_string(), format!("{usd:?}")),
        ("usd", "usd".to_owned(), "Currency(usd)".to_owned())
    );
    assert_eq!(usd, ccy("usd"));
    assert!(ccy("aud") < ccy("usd"));
    let err = Currency::new("US$").unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a currency code of 3 ASCII letters, found `US$`"
    );
    assert_eq!(serde_json::to_string(&usd).unwrap(), r#""usd""#);
    assert_eq!(
        serde_json::from_str::<Currency>(r#""EUR""#).unwrap(),
        ccy("eur")
    );
    let err = serde_json::from_str::<Currency>("5")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected a currency code of 3 ASCII letters"),
        "{err}"
    );
}

#[test]
fn currency_maps_stay_sorted_and_refuse_duplicates_inline_and_on_the_heap() {
    let codes = ["usd", "eur", "cad", "aud", "gbp"];
    let map =
        CurrencyMap::from_pairs(codes.iter().enumerate().map(|(i, c)| (ccy(c), i as i64))).unwrap();
    assert_eq!(map.len(), 5);
    assert!(!map.is_empty());
    let order: Vec<String> = map.iter().map(|(c, _)| c.to_string()).collect();
    assert_eq!(order, ["aud", "cad", "eur", "gbp", "usd"]);
    for (i, c) in codes.iter().enumerate() {
        assert_eq!(map.get(ccy(c)), Some(i as i64), "{c}");
    }
    assert_eq!(map.get(ccy("jpy")), None);
    for n in 1..=codes.len() {
        // A duplicate is refused whether the map is inline (≤ 2) or not.
        let partial =
            CurrencyMap::from_pairs(codes.iter().take(n).map(|c| (ccy(c), 1_i64))).unwrap();
        let err = partial
            .clone()
            .try_insert(ccy(codes[n - 1]), 2)
            .unwrap_err();
        assert_eq!(err.currency, ccy(codes[n - 1]));
        assert_eq!(partial.len(), n);
    }
    let empty = CurrencyMap::<i64>::new();
    assert!(empty.is_empty());
    assert_eq!(format!("{empty:?}"), "{}");
    assert_eq!(
        format!(
            "{:?}",
            CurrencyMap::from_pairs([(ccy("usd"), 5_i64)]).unwrap()
        ),
        "{Currency(usd): 5}"
    );
    assert_eq!(
        serde_json::to_string(&map).unwrap(),
        r#"{"aud":3,"cad":2,"eur":1,"gbp":4,"usd":0}"#
    );
    assert_ne!(map, CurrencyMap::from_pairs([(ccy("usd"), 0_i64)]).unwrap());
}

#[test]
fn ratios_are_exact_and_bounded() {
    let r: Ratio = "0.050".parse().unwrap();
    assert_eq!(
        (r.to_string(), format!("{r:?}")),
        ("0.05".to_owned(), "Ratio(0.05)".to_owned())
    );
    assert_eq!(r.get(), Decimal::new(5, 2));
    assert_eq!(Ratio::new(Decimal::TEN).unwrap().cushion(7), Some(70));
    assert_eq!("-0".parse::<Ratio>().unwrap(), Ratio::ZERO);
    assert_eq!(Ratio::ZERO.cushion(i64::MAX), Some(0));
    assert_eq!(r.cushion(-1), None);
    assert_eq!(Ratio::new(Decimal::TEN).unwrap().cushion(i64::MAX), None);
    assert_eq!(
        "1".parse::<Ratio>().unwrap().cushion(i64::MAX),
        Some(i64::MAX)
    );
    let tiny: Ratio = "0.000000000000000001".parse().unwrap();
    assert_eq!(
        (tiny.cushion(1), tiny.cushion(1_000_000_000_000_000_000)),
        (Some(1), Some(1))
    );
    assert_eq!(tiny.cushion(1_000_000_000_000_000_001), Some(2));
    for (bad, message) in [
        ("10.000000000000000001", "out of range"),
        ("-0.01", "out of range"),
        ("0.0000000000000000001", "more than 18 decimal places"),
        ("abc", "expected a decimal ratio"),
        ("1e400", "expected a decimal ratio"),
    ] {
        let err = bad.parse::<Ratio>().unwrap_err().to_string();
        assert!(err.contains(message), "{bad}: {err}");
    }
    // A ratio string is digits with an optional fraction, nothing else.
    for bad in [
        "5e-2", "1_0", "+0.5", " 0.5", "0.5 ", ".5", "5.", "0.5e1", "1e-30", "0x1", "",
    ] {
        let err = bad.parse::<Ratio>().unwrap_err().to_string();
        assert!(
            err.contains("digits, optionally a point and at most 18 decimal places"),
            "{bad:?}: {err}"
        );
    }
    assert_eq!(
        "0.050000000000000000000000".parse::<Ratio>().unwrap(),
        r,
        "trailing zeros are not decimal places"
    );
    assert_eq!(serde_json::to_string(&r).unwrap(), r#""0.05""#);
}
