//! Helpers for switchboard's micro-benchmarks (`cargo bench -p switchboard-bench`): the
//! recorded fixtures they run on ([`fixtures`]), and an [`HttpTransport`] that replays a
//! recorded body so an adapter can be driven through the public `Adapter` trait with no
//! network ([`ReplayTransport`]).
//!
//! The package's three binaries, `bench-upstream`, `bench-proxy` and `bench-load`, are the
//! mock upstream, the bare reverse proxy (the floor the gateway is read against) and the
//! load generator of `cargo xtask bench`; they do not use this library.
//!
//! [`HttpTransport`]: switchboard_core::HttpTransport

pub mod fixtures;
mod replay;

pub use replay::{ReplayTransport, drain};
