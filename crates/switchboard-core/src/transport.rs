//! The seam between adapters and the network: [`HttpTransport`].
//!
//! Adapters build `http::Request`s and hand them to the transport the gateway gives them
//! (in production the pooled hyper-util + rustls client of `switchboard-http`). Keeping the
//! trait here lets this crate stay free of I/O and lets an adapter crate be used on its own
//! with any client that implements it.

use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, StatusCode};

use crate::GatewayError;

/// A body arriving piece by piece. Dropping it cancels the transfer.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, GatewayError>> + Send>>;

/// An upstream's answer: status and headers have arrived, the body streams.
pub struct UpstreamResponse {
    /// The upstream's HTTP status.
    pub status: StatusCode,
    /// The upstream's headers, hop-by-hop ones already removed.
    pub headers: HeaderMap,
    /// The body as it arrives.
    pub body: ByteStream,
}

impl std::fmt::Debug for UpstreamResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamResponse")
            .field("status", &self.status)
            .field("headers", &self.headers.len())
            .finish_non_exhaustive()
    }
}

/// Sends one request upstream.
#[async_trait]
pub trait HttpTransport: Send + Sync + 'static {
    /// Sends `request` and resolves when the response headers have arrived.
    ///
    /// Connection failures are 502 [`GatewayError`]s, a connect timeout is a 504; a non-2xx
    /// status is *not* an error here: the adapter reads the body and maps it.
    async fn send(&self, request: http::Request<Bytes>) -> Result<UpstreamResponse, GatewayError>;
}

/// Reads a whole body into memory, refusing more than `limit` bytes (a 502: the upstream
/// sent an unreasonably large answer).
pub async fn collect_body(mut body: ByteStream, limit: usize) -> Result<Bytes, GatewayError> {
    use std::future::poll_fn;
    let mut out = bytes::BytesMut::new();
    while let Some(chunk) = poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        let chunk = chunk?;
        if out.len() + chunk.len() > limit {
            return Err(GatewayError::bad_gateway(format!(
                "the upstream response is larger than {limit} bytes"
            )));
        }
        if out.is_empty() {
            // The common case of a body that arrives whole: no copy.
            out = bytes::BytesMut::from(&chunk[..]);
        } else {
            out.extend_from_slice(&chunk);
        }
    }
    Ok(out.freeze())
}
