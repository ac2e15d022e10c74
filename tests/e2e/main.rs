//! switchboard end to end: a real gateway on a real socket, real clients, mock upstreams
//! that speak OpenAI's wire format. One test binary; one topic per file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failed test"
)]

mod admin;
mod admin_catalog;
mod completions;
mod errors;
mod mock_provider;
mod models;
mod passthrough;
mod providers;
mod responses;
mod routing;
mod server;
mod streaming;
