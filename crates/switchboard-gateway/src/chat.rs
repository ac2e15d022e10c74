//! `POST /v1/chat/completions`: peek the body, then, for each attempt the failover loop
//! makes, the model's policy and either the same-shape fast path (the upstream serves chat
//! itself) or the canonical path through the adapter.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use switchboard_core::chat::{ChatChunk, ChatRequest, ChatResponse};
use switchboard_core::{ChatPeek, Endpoint, GatewayError};

use crate::access_log::RequestLog;
use crate::body::ResponseBody;
use crate::call::{Call, read_body};
use crate::encoder::{DataShaper, serve_stream};
use crate::failover::{Target, attempt_by_serve};
use crate::policy::{self, Api};
use crate::usage::fill;
use crate::{Gateway, failover, passthrough, respond};

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
    let strip_usage = peek.stream && !peek.include_usage;
    let attempt = ChatAttempt {
        body: &body,
        peek: &peek,
        strip_usage,
    };
    failover::run(gateway, &peek.model, log, attempt).await
}

/// One attempt of a chat completion.
struct ChatAttempt<'r> {
    body: &'r Bytes,
    peek: &'r ChatPeek,
    strip_usage: bool,
}

attempt_by_serve!(ChatAttempt);

impl ChatAttempt<'_> {
    async fn serve(
        &self,
        call: &Call,
        target: Target<'_>,
        log: &mut RequestLog,
    ) -> Result<Response<ResponseBody>, GatewayError> {
        let strip_usage = self.strip_usage;
        let (body, peek) = policy::prepare(target.route, Api::Chat, self.body, self.peek)?;
        if call.provider.adapter.native(Endpoint::ChatCompletions) {
            let body = peek.rewrite(&body, &target.upstream_model, true);
            return passthrough::serve(
                call,
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
        request.model = target.upstream_model.to_string();
        let adapter = call.provider.adapter.clone();
        if !peek.stream {
            let mut response = call.within_total(adapter.chat(&call.cx, request)).await?;
            log.usage = response.usage().cloned();
            if log.usage.is_none() {
                fill::push_response(log.output.get_or_insert_default(), &response);
            }
            complete_for_schema(&mut response);
            return Ok(respond::json_value(StatusCode::OK, &response));
        }
        let chunks = call
            .before_first_byte(adapter.chat_stream(&call.cx, request))
            .await?;
        let shaper = DataShaper::new(strip_usage, |mut chunk: ChatChunk| {
            // OpenAI's chunk schema requires `finish_reason` on every choice (null until the
            // end); an adapter that left it out gets it as null.
            for choice in &mut chunk.choices {
                choice.finish_reason.get_or_insert(None);
            }
            Some(chunk)
        });
        serve_stream(call, chunks, shaper, None, log).await
    }
}

/// OpenAI's response schema requires, on every choice, `finish_reason` and `logprobs`, and
/// on its message `content` and `refusal`, all nullable: an adapter that left one out gets
/// it as `null`, so every client's parser finds what OpenAI would send.
fn complete_for_schema(response: &mut ChatResponse) {
    for choice in &mut response.choices {
        choice.finish_reason.get_or_insert(None);
        choice.logprobs.get_or_insert(serde_json::Value::Null);
        choice.message.content.get_or_insert(None);
        choice.message.refusal.get_or_insert(None);
    }
}
