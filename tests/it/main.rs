//! The integration tests, in one binary: one build and one link for all of
//! them. Two stay apart: `tests/alloc.rs` installs a counting global
//! allocator (it would count every other test's allocations too), and the
//! command line's tests are `cli/tests/cli.rs` (they need its binary).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is a failed test"
)]

mod common;
#[path = "../../benches/support/rows.rs"]
mod rows;

mod arrow;
mod autotraits;
mod debit;
mod decision_table;
mod exposure;
mod hostile_inputs;
mod layering;
mod money;
mod parse;
mod plaid;
mod properties;
mod schemas;
mod verdict;
