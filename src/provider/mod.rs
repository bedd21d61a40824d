//! The providers' readers: each turns its provider's documents into a
//! [`Snapshot`](crate::Snapshot). The core (money, snapshot, policy, engine,
//! verdict) imports nothing from here; see ARCHITECTURE.md.

pub mod stripe;
