//! Helpers for switchboard's micro-benchmarks (`cargo bench -p switchboard-bench`): the
//! recorded fixtures they run on ([`fixtures`]), and an [`HttpTransport`] that replays a
//! recorded body so an adapter can be driven through the public `Adapter` trait with no
//! network ([`ReplayTransport`]).
//!
//! The package's two binaries, `bench-upstream` and `bench-load`, are the mock upstream and
//! the load generator of `cargo xtask bench`; they do not use this library.
//!
//! [`HttpTransport`]: switchboard_core::HttpTransport

pub mod fixtures;
mod replay;

pub use replay::{ReplayTransport, drain};
