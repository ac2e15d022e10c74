//! [`Call`]: one attempt of a request on a provider, with its deadlines, and the body
//! reading every model endpoint starts with.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http::request::Parts;
use switchboard_core::{CallContext, GatewayError};
use tokio::time::{Instant, timeout_at};

use crate::Gateway;
use crate::access_log::RequestLog;
use crate::body::read_limited;
use crate::routing::{ModelRoute, Provider};

/// How much of a request body `log.prompts` puts in the log line.
const PROMPT_LOG_BYTES: usize = 4096;

/// One attempt on its way to a provider.
pub(crate) struct Call {
    /// The provider serving it.
    pub(crate) provider: Arc<Provider>,
    /// What the adapter is told about the request.
    pub(crate) cx: CallContext,
    /// When a stream's first event must have arrived.
    pub(crate) first_byte_deadline: Instant,
    /// When the whole response must be over.
    pub(crate) deadline: Instant,
    first_byte_timeout: Duration,
    total_timeout: Duration,
}

impl Call {
    /// An attempt on `provider` for `route`: the first-byte clock starts now, the total
    /// clock started with the request (`request_start`). The model's timeouts win over
    /// the provider's.
    pub(crate) fn new(
        provider: Arc<Provider>,
        route: &ModelRoute,
        request_id: Arc<str>,
        request_start: Instant,
    ) -> Self {
        let first_byte_timeout = route
            .first_byte_timeout
            .unwrap_or(provider.first_byte_timeout);
        let total_timeout = route.total_timeout.unwrap_or(provider.total_timeout);
        let deadline = request_start + total_timeout;
        Call {
            cx: CallContext { request_id },
            first_byte_deadline: (Instant::now() + first_byte_timeout).min(deadline),
            deadline,
            first_byte_timeout,
            total_timeout,
            provider,
        }
    }

    /// The error for the total timeout.
    pub(crate) fn total_timeout(&self) -> GatewayError {
        GatewayError::gateway_timeout("total", self.total_timeout)
    }

    /// The error for the first-byte timeout.
    pub(crate) fn first_byte_timeout(&self) -> GatewayError {
        GatewayError::gateway_timeout("first byte", self.first_byte_timeout)
    }

    /// Runs `work` under the first-byte deadline.
    pub(crate) async fn before_first_byte<T>(
        &self,
        work: impl Future<Output = Result<T, GatewayError>>,
    ) -> Result<T, GatewayError> {
        timeout_at(self.first_byte_deadline, work)
            .await
            .map_err(|_| self.first_byte_timeout())?
    }

    /// A stream's first item, awaited under the first-byte deadline: the moment the gateway
    /// commits to a 200. Before it, a timeout, an empty stream or an error is still an
    /// HTTP error the client (or a fallback) can act on.
    pub(crate) async fn first_item<T>(
        &self,
        next: impl Future<Output = Option<Result<T, GatewayError>>>,
    ) -> Result<T, GatewayError> {
        match timeout_at(self.first_byte_deadline, next).await {
            Err(_) => Err(self.first_byte_timeout()),
            Ok(None) => Err(GatewayError::bad_gateway(
                "the upstream closed the stream before sending anything",
            )),
            Ok(Some(item)) => item,
        }
    }

    /// Runs `work` under the total deadline.
    pub(crate) async fn within_total<T>(
        &self,
        work: impl Future<Output = Result<T, GatewayError>>,
    ) -> Result<T, GatewayError> {
        timeout_at(self.deadline, work)
            .await
            .map_err(|_| self.total_timeout())?
    }
}

/// Reads a request's body under the gateway's cap (and into the log, if `log.prompts`).
pub(crate) async fn read_body<B>(
    gateway: &Gateway,
    request: Request<B>,
    log: &mut RequestLog,
) -> Result<(Parts, Bytes), GatewayError>
where
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = request.into_parts();
    let body = read_limited(body, &parts.headers, gateway.inner.max_body).await?;
    log.prompt_body = Some(body.clone());
    if gateway.inner.log_prompts {
        let cut = &body[..body.len().min(PROMPT_LOG_BYTES)];
        log.prompt = Some(String::from_utf8_lossy(cut).into_owned());
    }
    Ok((parts, body))
}
