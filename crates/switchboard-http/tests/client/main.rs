//! Integration tests of the shared upstream client against real sockets on 127.0.0.1.
//! One binary; one topic a file.

// clippy.toml allows unwrap in `#[test]`s but not in the helpers they share.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failed test with its location"
)]

mod failures;
mod guard;
mod plain;
mod support;
mod tls;

use bytes::Bytes;
use switchboard_http::{ClientConfig, UpstreamClient};

/// A client with default settings.
fn client() -> UpstreamClient {
    UpstreamClient::new(&ClientConfig::default()).unwrap()
}

/// A request with an empty body.
fn get(url: &str) -> http::Request<Bytes> {
    http::Request::get(url).body(Bytes::new()).unwrap()
}
