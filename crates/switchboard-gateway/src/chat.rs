//! `POST /v1/chat/completions`: peek the body, route the model, then the same-shape fast
//! path when the upstream serves chat itself, or the canonical path through the adapter.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use switchboard_core::chat::ChatRequest;
use switchboard_core::{ChatPeek, Endpoint, GatewayError};

use crate::access_log::RequestLog;
use crate::body::ResponseBody;
use crate::call::{Call, read_body};
use crate::encoder::{DataShaper, serve_stream};
use crate::{Gateway, passthrough, respond};

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
    let (_, body) = read_body(gateway, request, log).await?;
    let peek = ChatPeek::parse(&body)?;
    log.stream = peek.stream;
    let (call, upstream_model) = Call::route(gateway, &peek.model, log)?;
    let strip_usage = peek.stream && !peek.include_usage;
    if call.provider.adapter.native(Endpoint::ChatCompletions) {
        let body = peek.rewrite(&body, &upstream_model, true);
        return passthrough::serve(
            &call,
            Endpoint::ChatCompletions,
            body,
            peek.stream,
            strip_usage,
            log,
        )
        .await;
    }
    let mut request: ChatRequest = serde_json::from_slice(&body).map_err(|e| {
        GatewayError::invalid_request(format!("the request body has the wrong shape: {e}"))
    })?;
    request.model = upstream_model.into_owned();
    let adapter = call.provider.adapter.clone();
    if !peek.stream {
        let response = call.within_total(adapter.chat(&call.cx, request)).await?;
        log.usage = response.usage().cloned();
        return Ok(respond::json_value(StatusCode::OK, &response));
    }
    let chunks = call
        .before_first_byte(adapter.chat_stream(&call.cx, request))
        .await?;
    serve_stream(&call, chunks, DataShaper::new(strip_usage, Some), None, log).await
}
