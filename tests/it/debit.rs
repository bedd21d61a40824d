//! The debit and its presentment history: validation and accessors.

use fundsgate::{Currency, Debit, DebitError, Presentment, ReturnCode};

fn code(text: &str) -> ReturnCode {
    text.parse().unwrap()
}

#[test]
fn return_codes_are_r_and_two_digits() {
    assert_eq!(code("R01"), ReturnCode::R01);
    assert_eq!(code("R09"), ReturnCode::R09);
    assert_eq!(code("R29").number(), 29);
    assert_eq!(code("R00").number(), 0);
    assert_eq!(code("R99").number(), 99);
    assert_eq!(code("R02").to_string(), "R02");
    assert_eq!(code("R10").to_string(), "R10");
    for bad in [
        "R1", "R100", "X01", "01", "", "R0a", "R-1", "Ｒ01", "r01", "r09", " R01",
    ] {
        let e = ReturnCode::new(bad).unwrap_err();
        assert_eq!(e.found, bad);
        assert!(e.to_string().contains("R and two digits"), "{e}");
    }
}

#[test]
fn a_presentment_knows_its_returns() {
    let p = Presentment::new(1_650_000_000, [code("R01"), code("R09"), code("R01")]);
    assert_eq!(p.original_settlement(), 1_650_000_000);
    assert_eq!(p.attempt(), 3);
    assert!(p.contains(ReturnCode::R01) && p.contains(ReturnCode::R09));
    assert!(!p.contains(code("R02")) && !p.contains(code("R00")));
    assert!(p.only_funds_returns());
    let mixed = Presentment::new(0, [code("R01"), code("R02")]);
    assert!(mixed.contains(code("R02")));
    assert!(!mixed.only_funds_returns());
    let none = Presentment::new(0, []);
    assert_eq!(none.attempt(), 0);
    assert!(none.only_funds_returns());
    assert!(!none.contains(ReturnCode::R01));
    let high = Presentment::new(0, [code("R99")]);
    assert!(high.contains(code("R99")) && !high.contains(code("R98")));
}

#[test]
fn a_debit_is_validated_and_carries_its_presentment() {
    let usd = Currency::new("usd").unwrap();
    let d = Debit::new(100, usd, 5).unwrap();
    assert_eq!((d.amount(), d.currency(), d.in_flight()), (100, usd, 5));
    assert!(d.presentment().is_none());
    let p = Presentment::new(7, [code("R01")]);
    let again = d.with_presentment(p);
    assert_eq!(again.presentment(), Some(&p));
    assert_eq!(again.amount(), 100);
    assert_eq!(Debit::new(0, usd, 0), Err(DebitError::AmountNotPositive(0)));
    assert_eq!(
        Debit::new(-1, usd, 0),
        Err(DebitError::AmountNotPositive(-1))
    );
    assert_eq!(
        Debit::new(1, usd, -1),
        Err(DebitError::NegativeInFlight(-1))
    );
    assert!(Debit::new(i64::MAX, usd, i64::MAX).is_ok());
}
