//! `POST /v1/completions` (legacy): forwarded as is to an upstream that serves it, else
//! translated to a chat completion and the answer back to `text_completion` objects.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use switchboard_core::chat::ChatChunk;
use switchboard_core::completions::{
    CompletionRequest, chunk_from_chat, completion_from_chat, to_chat,
};
use switchboard_core::{ChatPeek, Endpoint, GatewayError};

use crate::access_log::RequestLog;
use crate::body::ResponseBody;
use crate::call::{Call, read_body};
use crate::encoder::{DataShaper, serve_stream};
use crate::failover::{Target, attempt_by_serve};
use crate::policy::{self, Api};
use crate::usage::fill;
use crate::{Gateway, failover, passthrough, respond};

/// Serves one legacy completion request.
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
    let strip_usage = peek.stream && !peek.include_usage;
    let attempt = CompletionAttempt {
        body: &body,
        peek: &peek,
        strip_usage,
    };
    failover::run(gateway, &peek.model, log, attempt).await
}

/// One attempt of a legacy completion.
struct CompletionAttempt<'r> {
    body: &'r Bytes,
    peek: &'r ChatPeek,
    strip_usage: bool,
}

attempt_by_serve!(CompletionAttempt);

impl CompletionAttempt<'_> {
    async fn serve(
        &self,
        call: &Call,
        target: Target<'_>,
        log: &mut RequestLog,
    ) -> Result<Response<ResponseBody>, GatewayError> {
        let strip_usage = self.strip_usage;
        let (body, peek) = policy::prepare(target.route, Api::Completions, self.body, self.peek)?;
        if call.provider.adapter.native(Endpoint::Completions) {
            let body = peek.rewrite(&body, &target.upstream_model, true);
            return passthrough::serve(
                call,
                Endpoint::Completions,
                body,
                peek.stream,
                strip_usage,
                log,
            )
            .await;
        }
        let request: CompletionRequest = serde_json::from_slice(&body).map_err(|e| {
            GatewayError::invalid_request(format!("the request body has the wrong shape: {e}"))
        })?;
        let mut chat = to_chat(&request)?;
        chat.model = target.upstream_model.to_string();
        let adapter = call.provider.adapter.clone();
        if !peek.stream {
            let response = call.within_total(adapter.chat(&call.cx, chat)).await?;
            log.usage = response.usage().cloned();
            if log.usage.is_none() {
                fill::push_response(log.output.get_or_insert_default(), &response);
            }
            return Ok(respond::json_value(
                StatusCode::OK,
                &completion_from_chat(&response),
            ));
        }
        let chunks = call
            .before_first_byte(adapter.chat_stream(&call.cx, chat))
            .await?;
        let shaper = DataShaper::new(strip_usage, |chunk: ChatChunk| chunk_from_chat(&chunk));
        serve_stream(call, chunks, shaper, None, log).await
    }
}
