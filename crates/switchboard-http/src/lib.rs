//! The shared upstream HTTP client of switchboard: one pooled hyper-util client over rustls
//! (ring provider, webpki roots plus any private CA), offering HTTP/2 by ALPN and speaking
//! plain HTTP where the URL says so. The gateway builds one [`UpstreamClient`] from
//! [`ClientConfig`] and hands clones of it to every adapter as their
//! [`HttpTransport`](switchboard_core::HttpTransport); connections are kept alive and reused
//! across adapters. Response bodies stream as they arrive and dropping one closes its
//! upstream request. Failures become 502/504 [`GatewayError`](switchboard_core::GatewayError)s
//! that name the upstream's origin but never its path, query or headers.

mod body;
mod client;
mod config;
mod connect;
mod error;
mod headers;
mod tls;

pub use client::UpstreamClient;
pub use config::ClientConfig;
pub use error::ClientBuildError;
pub use headers::strip_hop_by_hop;
