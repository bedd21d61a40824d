//! The proposed debit: what the pipeline is about to take from the account,
//! and, for a re-initiated entry, what became of the earlier presentments.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::error::{DebitError, DebitIdTooLong, ReturnCodeError, TooManyPriorDebits};
use crate::money::Currency;
use crate::snapshot::{AccountId, UnixSeconds};

/// A proposed ACH debit, validated at construction.
///
/// ```
/// use fundsgate::{Currency, Debit, DebitId, Presentment, PriorDebit, PriorDebits};
/// let debit = Debit::new(20_000, Currency::new("usd")?, 0)?;
/// assert_eq!(debit.amount(), 20_000);
/// assert!(Debit::new(0, Currency::new("usd")?, 0).is_err());
///
/// // The same payment, presented again after an R01 return.
/// let again = debit.clone().with_presentment(Presentment::new(1_651_000_000, ["R01".parse()?]));
/// assert_eq!(again.presentment().map(|p| p.attempt()), Some(1));
///
/// // Its id, and the account's earlier debits not yet in its balance.
/// let usd = Currency::new("usd")?;
/// let earlier = PriorDebit::new(1_500, usd, 1_651_500_000)?.with_id(DebitId::new("pi_0")?);
/// let debit = debit.with_id(DebitId::new("pi_1")?).with_prior(PriorDebits::new([earlier])?);
/// assert_eq!(debit.prior().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A `Debit` is cheap to clone: its id and its prior debits are shared.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Debit {
    amount: i64,
    currency: Currency,
    in_flight: i64,
    presentment: Option<Presentment>,
    id: Option<DebitId>,
    prior: PriorDebits,
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
            id: None,
            prior: PriorDebits::NONE,
        })
    }

    /// The same debit with the payment's own id (a PaymentIntent id, the
    /// payments table's key). A prior debit with the same id is this payment
    /// checked again and is not counted against it.
    #[must_use]
    pub fn with_id(self, id: DebitId) -> Debit {
        Debit {
            id: Some(id),
            ..self
        }
    }

    /// The same debit with the account's earlier debits that were initiated
    /// and have not failed or been returned ([exposure and
    /// velocity](crate::contract)).
    #[must_use]
    pub fn with_prior(self, prior: PriorDebits) -> Debit {
        Debit { prior, ..self }
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

    /// The same debit for another amount; `None` when it is not positive.
    pub(crate) fn with_amount(&self, amount: i64) -> Option<Debit> {
        (amount > 0).then(|| Debit {
            amount,
            ..self.clone()
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

    /// The earlier presentments of this payment, when it is re-initiated.
    pub fn presentment(&self) -> Option<&Presentment> {
        self.presentment.as_ref()
    }

    /// The payment's own id, when given.
    pub fn id(&self) -> Option<&DebitId> {
        self.id.as_ref()
    }

    /// The account's earlier debits given with this one.
    pub fn prior(&self) -> &PriorDebits {
        &self.prior
    }
}

/// A payment's own id (`pi_…`, a payments-table key): at most 255
/// characters. Shared or stored inline, so copying one into a verdict
/// never allocates.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DebitId(AccountId);

impl DebitId {
    /// The longest id, in characters.
    pub const MAX_CHARS: usize = 255;

    /// The id `id`.
    ///
    /// # Errors
    ///
    /// [`DebitIdTooLong`] over 255 characters.
    pub fn new(id: &str) -> Result<DebitId, DebitIdTooLong> {
        let chars = id.chars().count();
        if chars > DebitId::MAX_CHARS {
            return Err(DebitIdTooLong { chars });
        }
        Ok(DebitId(AccountId::new(id)))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The id as the account ids it shares its storage with.
    pub(crate) fn as_account_id(&self) -> &AccountId {
        &self.0
    }
}

impl fmt::Debug for DebitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for DebitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for DebitId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for DebitId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        DebitId::new(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for DebitId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DebitId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"description": "The payment's own id (a PaymentIntent id, a payments-table key).", "type": "string", "maxLength": DebitId::MAX_CHARS})
    }
}

/// One of the account's earlier debits: initiated, and not failed or
/// returned (leave those out). It counts against the balance while the
/// balance may not show it (exposure), and toward the policy's velocity
/// limits while it is in their windows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PriorDebit {
    id: Option<DebitId>,
    amount: i64,
    currency: Currency,
    initiated_at: UnixSeconds,
    settled_at: Option<UnixSeconds>,
}

impl PriorDebit {
    /// A debit of `amount` minor units of `currency` initiated at
    /// `initiated_at`, not settled yet, without an id.
    ///
    /// # Errors
    ///
    /// [`DebitError::AmountNotPositive`] when `amount` is not positive.
    pub fn new(
        amount: i64,
        currency: Currency,
        initiated_at: UnixSeconds,
    ) -> Result<PriorDebit, DebitError> {
        if amount <= 0 {
            return Err(DebitError::AmountNotPositive(amount));
        }
        Ok(PriorDebit {
            id: None,
            amount,
            currency,
            initiated_at,
            settled_at: None,
        })
    }

    /// `debit`, allowed at `at` by a run: a prior debit of the later
    /// requests of its account, not settled.
    pub(crate) fn allowed(debit: &Debit, at: UnixSeconds) -> PriorDebit {
        PriorDebit {
            id: debit.id.clone(),
            amount: debit.amount,
            currency: debit.currency,
            initiated_at: at,
            settled_at: None,
        }
    }

    /// The same debit with its payment id.
    #[must_use]
    pub fn with_id(self, id: DebitId) -> PriorDebit {
        PriorDebit {
            id: Some(id),
            ..self
        }
    }

    /// The same debit, settled at `settled_at` (or not yet, `None`).
    #[must_use]
    pub fn with_settled_at(self, settled_at: Option<UnixSeconds>) -> PriorDebit {
        PriorDebit { settled_at, ..self }
    }

    /// The payment's id, when known.
    pub fn id(&self) -> Option<&DebitId> {
        self.id.as_ref()
    }

    /// The amount in minor units, at least 1.
    pub fn amount(&self) -> i64 {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// When it was initiated.
    pub fn initiated_at(&self) -> UnixSeconds {
        self.initiated_at
    }

    /// When it settled; `None` while it has not.
    pub fn settled_at(&self) -> Option<UnixSeconds> {
        self.settled_at
    }

    /// Whether the balance dated `as_of` may not show this debit yet: it has
    /// not settled, or the balance's date is unknown, or it settled after
    /// the balance was taken.
    pub fn outstanding_at(&self, as_of: Option<UnixSeconds>) -> bool {
        match (self.settled_at, as_of) {
            (Some(settled), Some(as_of)) => settled > as_of,
            _ => true,
        }
    }
}

/// An account's prior debits: at most [`PriorDebits::MAX`], kept in order
/// of `initiated_at` (sorted once, here, so that the engine reads them
/// without sorting or allocating). Cloning one shares the list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PriorDebits(Option<Arc<[PriorDebit]>>);

impl PriorDebits {
    /// The most prior debits one request may carry.
    pub const MAX: usize = 10_000;

    /// No prior debit.
    pub const NONE: PriorDebits = PriorDebits(None);

    /// The list `prior`, in any order.
    ///
    /// # Errors
    ///
    /// [`TooManyPriorDebits`] over [`PriorDebits::MAX`] entries.
    pub fn new(prior: impl IntoIterator<Item = PriorDebit>) -> Result<Self, TooManyPriorDebits> {
        let mut list: Vec<PriorDebit> = prior.into_iter().collect();
        if list.len() > PriorDebits::MAX {
            return Err(TooManyPriorDebits { found: list.len() });
        }
        if list.is_empty() {
            return Ok(PriorDebits::NONE);
        }
        // Stable: entries initiated at the same second keep the caller's order.
        list.sort_by_key(PriorDebit::initiated_at);
        Ok(PriorDebits(Some(Arc::from(list))))
    }

    /// The entries, in order of `initiated_at`.
    pub fn as_slice(&self) -> &[PriorDebit] {
        self.0.as_deref().unwrap_or_default()
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The entries, in order of `initiated_at`.
    pub fn iter(&self) -> std::slice::Iter<'_, PriorDebit> {
        self.as_slice().iter()
    }
}

impl<'a> IntoIterator for &'a PriorDebits {
    type Item = &'a PriorDebit;
    type IntoIter = std::slice::Iter<'a, PriorDebit>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
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

/// A prior debit as a request writes it (SPEC §2): `{"id": str?, "amount":
/// N, "currency": "usd", "initiated_at": T, "settled_at": T | null}`;
/// unknown keys are an error (the list is the caller's, like the request).
impl<'de> serde::Deserialize<'de> for PriorDebit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire {
            #[serde(default)]
            id: Option<DebitId>,
            amount: Positive,
            currency: Currency,
            initiated_at: crate::instant::Now,
            #[serde(default)]
            settled_at: Option<crate::instant::Now>,
        }
        let crate::json::Obj(w) = crate::json::Obj::<Wire>::deserialize(d)?;
        Ok(PriorDebit {
            id: w.id,
            amount: w.amount.0,
            currency: w.currency,
            initiated_at: w.initiated_at.0.timestamp(),
            settled_at: w.settled_at.map(|t| t.0.timestamp()),
        })
    }
}

/// A debit amount: a JSON integer of at least 1.
struct Positive(i64);

impl<'de> serde::Deserialize<'de> for Positive {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let crate::money::Strict(n) = crate::money::Strict::<i64>::deserialize(d)?;
        if n <= 0 {
            return Err(serde::de::Error::custom(DebitError::AmountNotPositive(n)));
        }
        Ok(Positive(n))
    }
}

/// A JSON array of at most [`PriorDebits::MAX`] prior debits; the reader
/// stops at the first entry over the limit, so a huge list costs no more
/// than the limit to refuse.
impl<'de> serde::Deserialize<'de> for PriorDebits {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = PriorDebits;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of prior debits")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<PriorDebits, A::Error> {
                let mut list = Vec::new();
                while let Some(prior) = seq.next_element::<PriorDebit>()? {
                    if list.len() == PriorDebits::MAX {
                        return Err(serde::de::Error::custom(format_args!(
                            "at most {} prior debits in one request",
                            PriorDebits::MAX
                        )));
                    }
                    list.push(prior);
                }
                PriorDebits::new(list).map_err(serde::de::Error::custom)
            }
        }
        d.deserialize_seq(V)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for PriorDebits {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PriorDebits".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let instant = serde_json::json!({"anyOf": [
            {"type": "integer", "minimum": -100_000_000_000_i64, "maximum": 100_000_000_000_i64},
            {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T"}
        ]});
        schemars::json_schema!({
            "description": "The account's earlier debits that were initiated and have not failed or been returned.",
            "type": "array",
            "maxItems": PriorDebits::MAX,
            "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["amount", "currency", "initiated_at"],
                "properties": {
                    "id": {"type": ["string", "null"], "maxLength": DebitId::MAX_CHARS},
                    "amount": {"type": "integer", "minimum": 1},
                    "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
                    "initiated_at": instant,
                    "settled_at": {"anyOf": [instant, {"type": "null"}]}
                }
            }
        })
    }
}
