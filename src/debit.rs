//! The proposed debit: what the pipeline is about to take from the account,
//! and, for a re-initiated entry, what became of the earlier presentments.

use std::fmt;
use std::str::FromStr;

use crate::error::{DebitError, ReturnCodeError};
use crate::money::Currency;
use crate::snapshot::UnixSeconds;

/// A proposed ACH debit, validated at construction.
///
/// ```
/// use fundsgate::{Currency, Debit, Presentment};
/// let debit = Debit::new(20_000, Currency::new("usd")?, 0)?;
/// assert_eq!(debit.amount(), 20_000);
/// assert!(Debit::new(0, Currency::new("usd")?, 0).is_err());
///
/// // The same payment, presented again after an R01 return.
/// let again = debit.with_presentment(Presentment::new(1_651_000_000, ["R01".parse()?]));
/// assert_eq!(again.presentment().map(|p| p.attempt()), Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Debit {
    amount: i64,
    currency: Currency,
    in_flight: i64,
    presentment: Option<Presentment>,
}

impl Debit {
    /// A debit of `amount` minor units of `currency`, with `in_flight` minor
    /// units already approved against the account and not yet reflected in its
    /// balance (pass 0 when there are none). An original presentment: see
    /// [`Debit::with_presentment`] for a re-initiated one.
    ///
    /// # Errors
    ///
    /// [`DebitError`] when `amount` is not positive or `in_flight` is negative.
    pub fn new(amount: i64, currency: Currency, in_flight: i64) -> Result<Self, DebitError> {
        if amount <= 0 {
            return Err(DebitError::AmountNotPositive(amount));
        }
        if in_flight < 0 {
            return Err(DebitError::NegativeInFlight(in_flight));
        }
        Ok(Debit {
            amount,
            currency,
            in_flight,
            presentment: None,
        })
    }

    /// The same debit, re-initiated after the returns in `presentment`
    /// ([re-presentment](crate::contract)). A presentment without returns is an original one.
    #[must_use]
    pub fn with_presentment(self, presentment: Presentment) -> Debit {
        Debit {
            presentment: Some(presentment),
            ..self
        }
    }

    /// The debit amount in minor units, at least 1.
    pub fn amount(&self) -> i64 {
        self.amount
    }

    /// The debit currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Debits already approved and not yet in the balance, at least 0.
    pub fn in_flight(&self) -> i64 {
        self.in_flight
    }

    /// The earlier presentments of this payment, when it is re-initiated.
    pub fn presentment(&self) -> Option<&Presentment> {
        self.presentment.as_ref()
    }
}

/// The history of a re-initiated ACH entry: when the original entry settled
/// and the return codes of its earlier presentments, oldest first.
///
/// NACHA Rules 2.12.4: an entry returned R01 (insufficient funds) or R09
/// (uncollected funds) may be re-initiated at most twice, within 180 days
/// after the original entry's settlement date, with the company entry
/// description `RETRY PYMT`. The engine checks the codes, their number and
/// the window; it needs only which codes appeared and how many, so a
/// `Presentment` is a small `Copy` value and `decide` stays allocation-free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Presentment {
    original_settlement: UnixSeconds,
    /// How many returns were listed (saturating).
    count: u32,
    /// Bit `n` is set when `Rnn` was listed.
    codes: u128,
}

impl Presentment {
    /// A presentment history: the original entry settled at
    /// `original_settlement`, and the earlier presentments were returned with
    /// `returns`, oldest first.
    pub fn new(
        original_settlement: UnixSeconds,
        returns: impl IntoIterator<Item = ReturnCode>,
    ) -> Presentment {
        returns.into_iter().fold(
            Presentment {
                original_settlement,
                count: 0,
                codes: 0,
            },
            |p, code| Presentment {
                count: p.count.saturating_add(1),
                codes: p.codes | code.bit(),
                ..p
            },
        )
    }

    /// When the original entry settled.
    pub fn original_settlement(&self) -> UnixSeconds {
        self.original_settlement
    }

    /// How many earlier presentments were returned: the number of this
    /// re-initiation (1 or 2 when it may be made). 0 is an original entry.
    pub fn attempt(&self) -> u32 {
        self.count
    }

    /// Whether `code` is among the returns.
    pub fn contains(&self, code: ReturnCode) -> bool {
        self.codes & code.bit() != 0
    }

    /// Whether every return is R01 or R09, the two NACHA lets a merchant
    /// re-initiate for.
    pub fn only_funds_returns(&self) -> bool {
        self.codes & !(ReturnCode::R01.bit() | ReturnCode::R09.bit()) == 0
    }
}

/// A NACHA return reason code: `R` and two digits, e.g. `R01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReturnCode(u8);

impl ReturnCode {
    /// R01, insufficient funds.
    pub const R01: ReturnCode = ReturnCode(1);
    /// R09, uncollected funds.
    pub const R09: ReturnCode = ReturnCode(9);

    /// Reads `R` and two digits, exactly as NACHA writes return codes
    /// (`r01` is refused: a code is never guessed).
    ///
    /// # Errors
    ///
    /// [`ReturnCodeError`] for anything else.
    pub fn new(code: &str) -> Result<ReturnCode, ReturnCodeError> {
        let error = || ReturnCodeError {
            found: code.to_owned(),
        };
        match *code.as_bytes() {
            [b'R', tens @ b'0'..=b'9', ones @ b'0'..=b'9'] => {
                let value = (tens.wrapping_sub(b'0'))
                    .wrapping_mul(10)
                    .wrapping_add(ones.wrapping_sub(b'0'));
                Ok(ReturnCode(value))
            }
            _ => Err(error()),
        }
    }

    /// The code's number, 0 to 99.
    pub fn number(self) -> u8 {
        self.0
    }

    fn bit(self) -> u128 {
        1_u128.checked_shl(u32::from(self.0)).unwrap_or(0)
    }
}

impl FromStr for ReturnCode {
    type Err = ReturnCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReturnCode::new(s)
    }
}

impl fmt::Display for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "R{:02}", self.0)
    }
}
