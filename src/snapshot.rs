//! The provider-neutral view of a bank account that the engine reads.
//!
//! A [`Snapshot`] holds only what the decision needs: the account status and
//! category, the balance (if any) and the state of the last balance refresh.
//! [`stripe::parse_account`](crate::stripe::parse_account) builds one from
//! Stripe JSON; embedders who already hold their own Stripe types build one
//! directly, since every field is public and every value is valid by
//! construction:
//!
//! ```
//! use fundsgate::{Balance, BalanceType, Currency, CurrencyMap, Refresh, RefreshStatus, Snapshot, Status};
//! let usd = Currency::new("usd")?;
//! let snapshot = Snapshot {
//!     status: Status::Active,
//!     category: None,
//!     balance: Some(Balance {
//!         as_of: 1_651_516_592,
//!         kind: BalanceType::Cash,
//!         current: CurrencyMap::from_pairs([(usd, 6000)])?,
//!         available: Some(CurrencyMap::from_pairs([(usd, 6000)])?),
//!     }),
//!     refresh: Some(Refresh {
//!         status: RefreshStatus::Succeeded,
//!         last_attempted_at: Some(1_651_516_582),
//!         next_refresh_available_at: Some(1_651_520_182),
//!     }),
//! };
//! # let _ = snapshot;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Values the gate does not recognise (a new Stripe status, say) are kept as
//! the `Unrecognized` variant so that the engine can fail closed on them.

use crate::money::CurrencyMap;

/// A unix timestamp in whole seconds, as Stripe sends them.
pub type UnixSeconds = i64;

/// Everything the engine knows about the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The account's connection status.
    pub status: Status,
    /// The account category; `None` when absent or `null`.
    pub category: Option<Category>,
    /// The last balance the institution shared; `None` when there is none.
    pub balance: Option<Balance>,
    /// The state of balance refreshes; `None` when none was ever requested.
    pub refresh: Option<Refresh>,
}

/// The account's status (Stripe `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The connection works; refreshes are possible.
    Active,
    /// The account can no longer be refreshed.
    Inactive,
    /// The account holder or the institution ended the connection.
    Disconnected,
    /// A value the gate does not know: the engine denies with
    /// `unrecognized_value`.
    Unrecognized,
}

/// The account category (Stripe `category`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// Checking or savings.
    Cash,
    /// A credit card or line of credit.
    Credit,
    /// A brokerage or retirement account.
    Investment,
    /// Anything else Stripe knows of.
    Other,
    /// A value the gate does not know. Only `credit` changes a decision
    /// (SPEC §5 row 3), so an unknown category counts as "not credit".
    Unrecognized,
}

/// The balance the institution computed at `as_of`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balance {
    /// When the institution computed the balance (not when it was fetched).
    pub as_of: UnixSeconds,
    /// Whether this is a cash or a credit balance.
    pub kind: BalanceType,
    /// Posted balance per currency; ignores pending transfers and holds.
    pub current: CurrencyMap<i64>,
    /// `cash.available`: balance after holds, per currency; `None` when the
    /// institution does not report it (`cash` or `cash.available` null).
    pub available: Option<CurrencyMap<i64>>,
}

/// The kind of balance (Stripe `balance.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BalanceType {
    /// A cash balance: positive is money the holder has.
    Cash,
    /// A credit balance: never evidence of funds for a debit.
    Credit,
    /// A value the gate does not know, or no `type` at all: fail closed.
    Unrecognized,
}

/// The state of balance refreshes (Stripe `balance_refresh`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Refresh {
    /// The last refresh's status.
    pub status: RefreshStatus,
    /// When the last refresh was attempted.
    pub last_attempted_at: Option<UnixSeconds>,
    /// The earliest time a new refresh can start; `None` while one is pending
    /// or when the account is inactive.
    pub next_refresh_available_at: Option<UnixSeconds>,
}

/// The last refresh's status (Stripe `balance_refresh.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefreshStatus {
    /// Requested and not finished.
    Pending,
    /// Finished with a new balance.
    Succeeded,
    /// Finished without one.
    Failed,
    /// A value the gate does not know: the engine denies with
    /// `unrecognized_value`.
    Unrecognized,
}
