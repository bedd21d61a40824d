//! The proposed debit: what the pipeline is about to take from the account.

use crate::error::DebitError;
use crate::money::Currency;

/// A proposed ACH debit, validated at construction.
///
/// ```
/// use fundsgate::{Currency, Debit};
/// let debit = Debit::new(20_000, Currency::new("usd")?, 0)?;
/// assert_eq!(debit.amount(), 20_000);
/// assert!(Debit::new(0, Currency::new("usd")?, 0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Debit {
    amount: i64,
    currency: Currency,
    in_flight: i64,
}

impl Debit {
    /// A debit of `amount` minor units of `currency`, with `in_flight` minor
    /// units already approved against the account and not yet reflected in its
    /// balance (pass 0 when there are none).
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
        })
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
}
