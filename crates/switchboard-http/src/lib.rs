//! The shared upstream HTTP client of switchboard: one pooled hyper-util client over rustls
//! (ring provider, webpki roots plus any private CA), offering HTTP/2 by ALPN and speaking
//! plain HTTP where the URL says so. The gateway builds one [`UpstreamClient`] from
//! [`ClientConfig`] and hands clones of it to every adapter as their
//! [`HttpTransport`](switchboard_core::HttpTransport); connections are kept alive and reused
//! across adapters. Response bodies stream as they arrive and dropping one closes its
//! upstream request. Failures become 502/504 [`GatewayError`](switchboard_core::GatewayError)s
//! that name the upstream's origin but never its path, query or headers.
//!
//! Upstreams created at run time (through the admin API) need a guard against server-side
//! request forgery: a client built with an [`AddressPolicy`] checks every address each new
//! connection would reach (every resolution, so DNS rebinding is caught, and every IP-literal
//! host) and refuses link-local, cloud metadata and, unless allowed, private addresses with
//! a 502 coded `upstream_address_refused`. [`HostAllowlist`] is the operator's list of host
//! patterns (`api.example.com`, `*.example.com`, `*`) a run-time `base_url` must match.

mod allowlist;
mod body;
mod client;
mod config;
mod connect;
mod error;
mod guard;
mod headers;
mod resolve;
mod tls;

pub use allowlist::{HostAllowlist, InvalidPattern};
pub use client::UpstreamClient;
pub use config::ClientConfig;
pub use error::ClientBuildError;
pub use guard::{AddressPolicy, RefusalReason, RefusedAddress};
pub use headers::strip_hop_by_hop;
