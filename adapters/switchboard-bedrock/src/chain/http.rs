//! aws-config's HTTP client, implemented over the gateway's own [`HttpTransport`].
//!
//! The SSO, STS (web identity), ECS/EKS container and EC2 instance-metadata credential
//! providers of `aws-config` make HTTP calls through an `aws-smithy-runtime-api`
//! [`HttpClient`]. Rather than link `aws-smithy-http-client` (a second hyper client with its
//! own pool, its own TLS set-up and, by default, aws-lc-rs), those calls go through the
//! adapter's [`HttpTransport`]: the gateway's pooled hyper + rustls (ring) client, which
//! already trusts the operator's extra CAs and honours its connect timeout. The bodies of
//! these calls are small JSON or XML documents, so each is sent and read whole.

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http::StatusCode as HttpStatus;
use switchboard_core::HttpTransport;
use switchboard_core::transport::collect_body;

/// Largest credential-service response read (they are a few KiB at most).
const MAX_BODY: usize = 1 << 20;
/// The time one call may take when aws-config sets no connect or read timeout (the STS and
/// SSO clients); the container and instance-metadata providers set both.
const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// An [`HttpClient`] that sends every call through an [`HttpTransport`].
#[derive(Clone)]
pub(crate) struct TransportClient {
    transport: Arc<dyn HttpTransport>,
}

impl TransportClient {
    /// A client over `transport`.
    pub(crate) fn new(transport: Arc<dyn HttpTransport>) -> Self {
        Self { transport }
    }
}

impl std::fmt::Debug for TransportClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TransportClient")
    }
}

impl HttpClient for TransportClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(TransportConnector {
            transport: self.transport.clone(),
            timeout: call_timeout(settings),
        })
    }
}

/// The time one call may take: the transport does not tell connecting from reading, so
/// the two timeouts aws-config sets are added up into one for the whole exchange.
pub(crate) fn call_timeout(settings: &HttpConnectorSettings) -> Duration {
    match (settings.connect_timeout(), settings.read_timeout()) {
        (None, None) => DEFAULT_CALL_TIMEOUT,
        (connect, read) => connect.unwrap_or_default() + read.unwrap_or_default(),
    }
}

/// One [`HttpConnector`]: the transport and the time a call may take.
#[derive(Clone)]
struct TransportConnector {
    transport: Arc<dyn HttpTransport>,
    timeout: Duration,
}

impl std::fmt::Debug for TransportConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportConnector")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpConnector for TransportConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let transport = self.transport.clone();
        let timeout = self.timeout;
        HttpConnectorFuture::new(async move {
            let request = to_http(request)?;
            match tokio::time::timeout(timeout, exchange(transport.as_ref(), request)).await {
                Ok(result) => result,
                Err(_) => Err(ConnectorError::timeout(
                    format!(
                        "no answer from the credential service within {} ms",
                        timeout.as_millis()
                    )
                    .into(),
                )),
            }
        })
    }
}

/// aws-smithy's request as an `http` 1.x request with the whole body.
pub(crate) fn to_http(request: HttpRequest) -> Result<http::Request<Bytes>, ConnectorError> {
    let body = request.body().bytes().ok_or_else(|| {
        ConnectorError::user("a streaming request body cannot go through the transport".into())
    })?;
    let mut builder = http::Request::builder()
        .method(request.method())
        .uri(request.uri());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    builder
        .body(Bytes::copy_from_slice(body))
        .map_err(|e| ConnectorError::user(e.into()))
}

/// Sends `request` and reads the whole answer into aws-smithy's response type.
async fn exchange(
    transport: &dyn HttpTransport,
    request: http::Request<Bytes>,
) -> Result<HttpResponse, ConnectorError> {
    let response = transport.send(request).await.map_err(|e| {
        // The transport's errors name the origin only, never a path, query or header.
        let source = e.message().to_owned().into();
        if e.status() == HttpStatus::GATEWAY_TIMEOUT {
            ConnectorError::timeout(source)
        } else {
            ConnectorError::io(source)
        }
    })?;
    let body = collect_body(response.body, MAX_BODY)
        .await
        .map_err(|e| ConnectorError::io(e.message().to_owned().into()))?;
    let status = StatusCode::try_from(response.status.as_u16())
        .map_err(|e| ConnectorError::other(e.into(), None))?;
    let mut out = HttpResponse::new(status, SdkBody::from(body));
    for (name, value) in &response.headers {
        // A header that is not text cannot be represented; none that aws-config reads is.
        if let Ok(value) = value.to_str() {
            let _ = out
                .headers_mut()
                .try_append(name.as_str().to_owned(), value.to_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
