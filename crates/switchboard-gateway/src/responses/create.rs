//! `POST /v1/responses`.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use switchboard_core::chat::ChatResponse;
use switchboard_core::responses::{
    CreateResponse, Response as ResponseObject, ResponseStream, TranslateOptions, fold_chat, ids,
    to_chat,
};
use switchboard_core::{ChatPeek, Endpoint, GatewayError};

use super::history::{expand, referenced_items};
use super::shaper::{ResponsesShaper, StoreTarget};
use super::stored_input::stored_input;
use super::{native, now};
use crate::access_log::RequestLog;
use crate::body::ResponseBody;
use crate::call::{Call, read_body};
use crate::encoder::serve_stream;
use crate::failover::{Target, attempt_by_serve};
use crate::json_text;
use crate::policy::{self, Api};
use crate::usage::fill;
use crate::{Gateway, failover, respond};

/// Serves one `POST /v1/responses`.
pub(crate) async fn create<B>(
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
    let attempt = ResponsesAttempt {
        gateway,
        body: &body,
        peek: &peek,
    };
    failover::run(gateway, &peek.model, log, attempt).await
}

/// One attempt of a Responses request.
struct ResponsesAttempt<'r> {
    gateway: &'r Gateway,
    body: &'r Bytes,
    peek: &'r ChatPeek,
}

attempt_by_serve!(ResponsesAttempt);

impl ResponsesAttempt<'_> {
    async fn serve(
        &self,
        call: &Call,
        target: Target<'_>,
        log: &mut RequestLog,
    ) -> Result<Response<ResponseBody>, GatewayError> {
        let (body, peek) = policy::prepare(target.route, Api::Responses, self.body, self.peek)?;
        if call.provider.adapter.native(Endpoint::Responses) {
            let body = peek.rewrite(&body, &target.upstream_model, false);
            return native::serve(call, body, peek.stream, log).await;
        }
        let upstream_model = &target.upstream_model;
        translated(self.gateway, call, upstream_model, &body, peek.stream, log).await
    }
}

/// Serves a Responses request over the provider's chat completions.
async fn translated(
    gateway: &Gateway,
    call: &Call,
    upstream_model: &str,
    body: &[u8],
    client_streams: bool,
    log: &mut RequestLog,
) -> Result<Response<ResponseBody>, GatewayError> {
    // The whole body checked for UTF-8 once, then parsed as text: `from_slice` checks
    // each string it reads on its own, which costs more per string than this per byte.
    let text = std::str::from_utf8(body)
        .map_err(|e| GatewayError::invalid_json(format_args!("the body is not UTF-8 ({e})")))?;
    let mut request: CreateResponse = serde_json::from_str(text).map_err(|e| {
        GatewayError::invalid_request(format!("the request body has the wrong shape: {e}"))
    })?;
    let store = gateway.store();
    let history = match &request.previous_response_id {
        Some(id) => expand(store.as_ref(), id).await?,
        None => Vec::new(),
    };
    let seal = gateway.inner.seal.clone();
    seal.open_input(&mut request.input);
    let references = referenced_items(store.as_ref(), &request.input).await?;
    let lookup = |id: &str| references.get(id).cloned();
    let translation = to_chat(&request, &history, &lookup, &TranslateOptions::default())?;
    let mut chat = translation.request;
    chat.model = upstream_model.to_owned();

    let id = ids::response_id(fastrand::u128(..));
    let created_at = now();
    let target = if translation.echo.store {
        Some(StoreTarget {
            store: store.clone(),
            previous_response_id: request.previous_response_id.clone(),
            input: stored_input(std::mem::take(&mut request.input), &references)?,
        })
    } else {
        None
    };
    let mut stream = ResponseStream::new(id, created_at, translation.echo, translation.tool_names);
    if request.includes("reasoning.encrypted_content") {
        stream = stream.with_sealer(Box::new(move |text: &str| seal.seal(text)));
    }
    let adapter = call.provider.adapter.clone();
    if client_streams {
        let chunks = call
            .before_first_byte(adapter.chat_stream(&call.cx, chat))
            .await?;
        let shaper = ResponsesShaper::new(stream, target);
        return serve_stream(call, chunks, shaper, Some(gateway.inner.heartbeat), log).await;
    }
    // A client that does not stream is served from one upstream answer, not a stream
    // folded: one JSON body to read instead of a frame per token (see `fold_answer`).
    let answer = call.within_total(adapter.chat(&call.cx, chat)).await?;
    let response = fold_answer(&answer, stream, log);
    let json: Arc<str> = json_text::encode(&response)
        .map_err(|e| GatewayError::internal(format!("could not encode the response: {e}")))?;
    // The store keeps the JSON text as it is; the client is sent the same allocation.
    let body = json_text::shared_body(json.clone());
    if let Some(target) = target {
        target.save(&response, json).await;
    }
    Ok(respond::json(StatusCode::OK, body))
}

/// Runs a whole chat answer through the state machine as the chunks a streaming upstream
/// would have sent (`responses::fold_chat` in core), so the `Response` has exactly the items, ids
/// and sealed reasoning a streamed one would.
///
/// The bridge guide suggests streaming from the upstream even for a client that does
/// not stream, and folding the stream. Measured on the benchmark, that cost the gateway
/// about a third of its CPU per request (a frame, an SSE decode and a JSON parse per token)
/// and the upstream four times its CPU; the total timeout bounds the wait as on
/// `chat/completions`, and a non-streaming answer carries its usage without
/// `stream_options`.
fn fold_answer(
    answer: &ChatResponse,
    stream: ResponseStream,
    log: &mut RequestLog,
) -> ResponseObject {
    log.usage = answer.usage().cloned();
    if log.usage.is_none() {
        fill::push_response(log.output.get_or_insert_default(), answer);
    }
    fold_chat(stream, answer, now())
}
