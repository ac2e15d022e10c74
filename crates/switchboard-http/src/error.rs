//! Errors of this crate: [`ClientBuildError`] when the client is built, and the mapping of
//! send and body failures into 502/504 [`GatewayError`]s.

use std::error::Error as StdError;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use http::Uri;
use switchboard_core::{ErrorClass, GatewayError};

use crate::guard::RefusedAddress;

/// Why [`UpstreamClient::new`](crate::UpstreamClient::new) could not build the client.
#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    /// A file of `extra_root_certs` could not be read or is not valid PEM.
    #[error("could not read the CA file {}: {source}", path.display())]
    ReadCa {
        /// The configured file.
        path: PathBuf,
        /// What went wrong while reading it.
        source: io::Error,
    },
    /// A file of `extra_root_certs` holds no `CERTIFICATE` block.
    #[error("the CA file {} holds no PEM certificate", path.display())]
    NoCertificate {
        /// The configured file.
        path: PathBuf,
    },
    /// A certificate of `extra_root_certs` is not usable as a trust anchor.
    #[error("the CA file {} holds a certificate that cannot be trusted as a root: {source}", path.display())]
    InvalidCa {
        /// The configured file.
        path: PathBuf,
        /// Why rustls refused it.
        source: rustls::Error,
    },
    /// rustls refused the TLS configuration.
    #[error("could not build the TLS configuration: {0}")]
    Tls(#[source] rustls::Error),
}

/// `scheme://host:port` of an absolute URI (the port filled in from the scheme when the
/// URI has none): the only part of an upstream URL an error message may show, since the
/// path or query can hold a key.
pub(crate) fn origin(uri: &Uri) -> Option<String> {
    let scheme = uri.scheme_str()?;
    let host = uri.host()?;
    let port = uri.port_u16().or(match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    });
    Some(match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    })
}

/// Maps a failed send: a connect timeout is a 504, an address the client's
/// [`AddressPolicy`](crate::AddressPolicy) refused a 502 coded `upstream_address_refused`,
/// everything else (refused, DNS, TLS handshake, the connection closing before the response
/// headers) a 502 that names the origin (see [`origin`]) and the cause chain. `uri` is only
/// used to scrub its path and query from the message, should a cause ever quote them.
pub(crate) fn send_error(
    err: &hyper_util::client::legacy::Error,
    origin: &str,
    uri: &Uri,
    connect_timeout: Duration,
) -> GatewayError {
    if err.is_connect() && is_timeout(err) {
        return GatewayError::gateway_timeout("connect", connect_timeout);
    }
    // The resolver's and the literal guard's refusal, however deep hyper-util wrapped it.
    // The client is told the kind of address, not the address (an internal one would be
    // news to it); the operator's log has the address and what to do.
    if let Some(refused) = chain(err).find_map(|e| e.downcast_ref::<RefusedAddress>()) {
        tracing::warn!(%origin, address = %refused.address, "{refused}");
        return GatewayError::bad_gateway(format!(
            "could not connect to the upstream {origin}: it resolves to a {} address, which \
             providers created at run time may not reach",
            refused.reason
        ))
        .with_code("upstream_address_refused")
        // Retrying cannot help; another deployment may be elsewhere.
        .with_class(ErrorClass::PerKey);
    }
    // The top error only says "client error (Connect)"; its causes say what happened.
    let reason = match err.source() {
        Some(cause) => cause_chain(cause),
        None => err.to_string(),
    };
    let message = if err.is_connect() {
        format!("could not connect to the upstream {origin}: {reason}")
    } else {
        format!("the upstream {origin} failed before sending a response: {reason}")
    };
    GatewayError::bad_gateway(scrub(message, uri))
}

/// Maps an error while reading a response body.
pub(crate) fn body_error(err: &hyper::Error) -> GatewayError {
    GatewayError::bad_gateway(format!(
        "the upstream connection broke mid-response: {}",
        cause_chain(err)
    ))
}

/// Whether any error in the chain is a timeout. hyper-util's `HttpConnector` reports its
/// connect timeout as an `io::Error` of kind `TimedOut` (wrapping tokio's `Elapsed`);
/// older versions said "connect timeout". An OS-level `ETIMEDOUT` while connecting is the
/// same thing to a client, so it counts too.
pub(crate) fn is_timeout(err: &(dyn StdError + 'static)) -> bool {
    chain(err).any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
            || e.to_string() == "connect timeout"
    })
}

/// The messages of an error and its sources joined by ": ", a repeated message once.
pub(crate) fn cause_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in chain(err) {
        let text = e.to_string();
        if parts.last() != Some(&text) && !text.is_empty() {
            parts.push(text);
        }
    }
    parts.join(": ")
}

fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&e: &&'a (dyn StdError + 'static)| e.source())
}

/// Removes the URI's path-and-query and query from a message (defence in depth: no cause
/// is known to quote them).
fn scrub(message: String, uri: &Uri) -> String {
    let mut message = message;
    if let Some(pq) = uri.path_and_query().map(|pq| pq.as_str())
        && pq.len() > 1
    {
        message = message.replace(pq, "/…");
    }
    if let Some(query) = uri.query().filter(|q| !q.is_empty()) {
        message = message.replace(query, "…");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("tcp connect error")]
    struct Wrapper(#[source] io::Error);

    #[test]
    fn the_origin_has_a_port_and_no_path() {
        let uri: Uri = "https://api.example.com/v1/chat?key=sk-1".parse().unwrap();
        assert_eq!(origin(&uri).unwrap(), "https://api.example.com:443");
        let uri: Uri = "http://10.0.0.1:8000/x".parse().unwrap();
        assert_eq!(origin(&uri).unwrap(), "http://10.0.0.1:8000");
        assert_eq!(origin(&"/relative".parse().unwrap()), None);
    }

    #[test]
    fn a_timed_out_io_error_anywhere_in_the_chain_is_a_timeout() {
        let timed_out = Wrapper(io::Error::new(
            io::ErrorKind::TimedOut,
            "deadline has elapsed",
        ));
        assert!(is_timeout(&timed_out));
        let refused = Wrapper(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert!(!is_timeout(&refused));
        assert!(is_timeout(&io::Error::other("connect timeout")));
    }

    #[test]
    fn the_cause_chain_joins_messages_once() {
        let err = Wrapper(io::Error::other("Connection refused"));
        assert_eq!(cause_chain(&err), "tcp connect error: Connection refused");
    }

    #[test]
    fn scrub_removes_path_and_query() {
        let uri: Uri = "https://h/v1/x?key=sk-secret".parse().unwrap();
        let out = scrub("at /v1/x?key=sk-secret and key=sk-secret".into(), &uri);
        assert!(
            !out.contains("sk-secret") && !out.contains("/v1/x"),
            "{out}"
        );
    }
}
