//! `POST /v1/chat/completions`: read and peek the body, route the model, then either the
//! same-shape fast path ([`passthrough`]) or the canonical path ([`canonical`]).

mod canonical;
mod frames;
mod passthrough;

use bytes::Bytes;
use http::{Request, Response};
use switchboard_core::{CallContext, ChatPeek, GatewayError};
use tokio::time::Instant;

use crate::Gateway;
use crate::access_log::RequestLog;
use crate::body::{ResponseBody, read_limited};
use crate::routing::Provider;

/// How much of a request body `log.prompts` puts in the log line.
const PROMPT_LOG_BYTES: usize = 4096;

/// Everything both paths need about one call.
pub(crate) struct Call {
    provider: std::sync::Arc<Provider>,
    cx: CallContext,
    /// When a stream's first event must have arrived.
    first_byte_deadline: Instant,
    /// When the whole response must be over.
    deadline: Instant,
    /// The client streams without asking for usage: drop the usage-only chunk we asked for.
    strip_usage: bool,
}

/// Serves one chat completion request.
pub(crate) async fn serve<B>(
    gateway: &Gateway,
    request: Request<B>,
    log: &mut RequestLog,
) -> Result<Response<ResponseBody>, GatewayError>
where
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = request.into_parts();
    let body = read_limited(body, &parts.headers, gateway.inner.max_body).await?;
    // The upstream's clocks start once the client's body is in.
    let start = Instant::now();
    if gateway.inner.log_prompts {
        let cut = &body[..body.len().min(PROMPT_LOG_BYTES)];
        log.prompt = Some(String::from_utf8_lossy(cut).into_owned());
    }
    let peek = ChatPeek::parse(&body)?;
    log.model = Some(peek.model.clone());
    log.stream = peek.stream;
    let (route, upstream_model) = gateway
        .router()
        .resolve(&peek.model)
        .ok_or_else(|| GatewayError::model_not_found(&peek.model))?;
    let provider = route.provider.clone();
    log.provider = Some(provider.name.clone());
    let call = Call {
        cx: CallContext {
            request_id: log.request_id.clone(),
        },
        first_byte_deadline: start + provider.first_byte_timeout,
        deadline: start + provider.total_timeout,
        strip_usage: peek.stream && !peek.include_usage,
        provider,
    };
    if call.provider.adapter.speaks_openai_chat() {
        let body = peek.rewrite(&body, &upstream_model, true);
        passthrough::serve(call, body, peek.stream, log).await
    } else {
        canonical::serve(call, &body, upstream_model.into_owned(), peek.stream, log).await
    }
}

impl Call {
    fn total_timeout(&self) -> GatewayError {
        GatewayError::gateway_timeout("total", self.provider.total_timeout)
    }

    fn first_byte_timeout(&self) -> GatewayError {
        GatewayError::gateway_timeout("first byte", self.provider.first_byte_timeout)
    }
}
