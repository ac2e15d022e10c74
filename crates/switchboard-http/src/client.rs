//! [`UpstreamClient`]: the pooled hyper-util client every adapter sends through.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::{Client, ResponseFuture};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use switchboard_core::{ErrorClass, GatewayError, HttpTransport, UpstreamResponse};

use crate::allowlist::HostAllowlist;
use crate::body::byte_stream;
use crate::config::ClientConfig;
use crate::connect::ConnectTimeout;
use crate::error::{ClientBuildError, origin, send_error};
use crate::headers::strip_hop_by_hop;
use crate::resolve::{GuardedResolver, RefuseLiterals};
use crate::tls::client_tls_config;

/// The shared upstream client: a hyper-util legacy [`Client`] over a rustls
/// [`HttpsConnector`] (which also speaks plain HTTP for `http://` URLs).
///
/// Connections are pooled per scheme, host and port and reused while idle for up to
/// `pool_idle_timeout`; HTTP/2 connections carry many requests at once. Cloning is cheap
/// (the pool sits behind an `Arc`) and every clone shares the one pool, so the gateway
/// builds one client and gives a clone to each adapter.
///
/// With an [`AddressPolicy`](crate::AddressPolicy) in the config every new connection is
/// checked against it (see [`ClientConfig::address_policy`]).
#[derive(Clone)]
pub struct UpstreamClient {
    client: Pooled,
    connect_timeout: Duration,
    /// The hosts requests may go to; `None`: any.
    allowed_hosts: Option<Arc<HostAllowlist>>,
}

/// The pooled client, with or without the address guard. Two variants rather than one
/// boxed connector keep the unguarded client (every upstream from the config file) exactly
/// what it was: the same connector types, no extra allocation.
#[derive(Clone)]
enum Pooled {
    Open(Client<ConnectTimeout<HttpsConnector<HttpConnector>>, Full<Bytes>>),
    Guarded(Client<ConnectTimeout<HttpsConnector<GuardedHttp>>, Full<Bytes>>),
}

/// The TCP connector of a guarded client: every resolution and every IP-literal host is
/// checked before connecting.
type GuardedHttp = RefuseLiterals<HttpConnector<GuardedResolver>>;

impl Pooled {
    fn request(&self, request: http::Request<Full<Bytes>>) -> ResponseFuture {
        match self {
            Self::Open(client) => client.request(request),
            Self::Guarded(client) => client.request(request),
        }
    }
}

impl UpstreamClient {
    /// Builds the client; called once at start-up.
    ///
    /// Reads the `extra_root_certs` files now, so a missing or malformed CA file is reported
    /// here (naming the file) rather than on the first request. Building needs no Tokio
    /// runtime; sending does (connections run as tasks on the current runtime).
    pub fn new(config: &ClientConfig) -> Result<Self, ClientBuildError> {
        let tls = client_tls_config(config)?;
        let client = match config.address_policy {
            None => Pooled::Open(pooled(config, tls, tcp(HttpConnector::new(), config))),
            Some(policy) => {
                let resolving = HttpConnector::new_with_resolver(GuardedResolver::system(policy));
                let http = RefuseLiterals::new(tcp(resolving, config), policy);
                Pooled::Guarded(pooled(config, tls, http))
            }
        };
        Ok(Self {
            client,
            connect_timeout: config.connect_timeout,
            allowed_hosts: config.allowed_hosts.clone().map(Arc::new),
        })
    }
}

/// Applies the TCP settings of `config` to an `HttpConnector`, whatever its resolver.
fn tcp<R>(mut http: HttpConnector<R>, config: &ClientConfig) -> HttpConnector<R> {
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(config.connect_timeout));
    http.set_keepalive(config.tcp_keepalive);
    http
}

/// Puts TLS, the whole-connect timeout and the pool over a TCP connector.
fn pooled<H>(
    config: &ClientConfig,
    tls: rustls::ClientConfig,
    http: H,
) -> Client<ConnectTimeout<HttpsConnector<H>>, Full<Bytes>>
where
    ConnectTimeout<HttpsConnector<H>>: hyper_util::client::legacy::connect::Connect + Clone,
{
    // `From<(connector, tls config)>` keeps our ALPN list (the builder would panic on a
    // preset one) and allows plain `http://` URLs.
    let https = HttpsConnector::from((http, tls));
    // The TCP timeout does not cover the TLS handshake; this covers both.
    let connector = ConnectTimeout::new(https, config.connect_timeout);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(config.pool_idle_timeout)
        .pool_max_idle_per_host(config.pool_max_idle_per_host)
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .build(connector)
}

impl std::fmt::Debug for UpstreamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamClient")
            .field("connect_timeout", &self.connect_timeout)
            .field("address_guard", &matches!(self.client, Pooled::Guarded(_)))
            .field("host_allowlist", &self.allowed_hosts.is_some())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl HttpTransport for UpstreamClient {
    /// Strips hop-by-hop headers, sends `request` and resolves when the response headers
    /// have arrived; the body then streams. The URI must be absolute (`http` or `https`).
    async fn send(&self, request: http::Request<Bytes>) -> Result<UpstreamResponse, GatewayError> {
        let (mut parts, body) = request.into_parts();
        if parts.uri.scheme().is_none() || parts.uri.host().is_none() {
            // An adapter built a relative URL: a bug or a bad base_url, not the upstream's
            // fault. The path is left out, as everywhere.
            return Err(GatewayError::internal(
                "an adapter built an upstream URL without a scheme or host",
            ));
        }
        // The origin, for messages: only a failure needs it.
        let upstream = || origin(&parts.uri).unwrap_or_default();
        if let Some(allowed) = &self.allowed_hosts
            && !parts.uri.host().is_some_and(|host| allowed.allows(host))
        {
            let upstream = upstream();
            tracing::warn!(%upstream, "upstream host refused: not on the allowlist of upstream hosts");
            return Err(GatewayError::bad_gateway(format!(
                "the upstream {upstream} is not on the allowlist of upstream hosts for providers created at run time"
            ))
            .with_code("upstream_host_not_allowed")
            // Retrying cannot help; another deployment may be elsewhere.
            .with_class(ErrorClass::PerKey));
        }
        strip_hop_by_hop(&mut parts.headers);
        let uri = parts.uri.clone();
        let request = http::Request::from_parts(parts, Full::new(body));

        let response = self.client.request(request).await.map_err(|err| {
            let upstream = origin(&uri).unwrap_or_default();
            let mapped = send_error(&err, &upstream, &uri, self.connect_timeout);
            tracing::debug!(
                %upstream,
                status = mapped.status().as_u16(),
                error = %mapped.message(),
                "upstream request failed before the response headers",
            );
            mapped
        })?;

        let (mut parts, body) = response.into_parts();
        strip_hop_by_hop(&mut parts.headers);
        Ok(UpstreamResponse {
            status: parts.status,
            headers: parts.headers,
            body: byte_stream(body),
        })
    }
}
