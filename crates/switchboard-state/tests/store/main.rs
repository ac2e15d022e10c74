//! The state store's integration tests: one binary, one topic a file. Every test opens
//! its own database (a temporary file or `:memory:`), so all run in parallel.

// clippy.toml allows unwrap in `#[test]`s but not in the helpers they share.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failed test with its location"
)]

mod audit;
mod concurrency;
mod keys;
mod migrations;
mod models;
mod providers;
mod responses;
mod restart;
mod support;
mod usage;
