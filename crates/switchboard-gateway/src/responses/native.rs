//! `/v1/responses` forwarded to an upstream that serves it itself (OpenAI, Azure, vLLM):
//! the body goes up with the model spliced, the answer comes back byte for byte. A stream
//! that breaks after it started ends with a Responses `error` event, never silently.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use memchr::memmem;
use serde::Deserialize;
use serde_json::json;
use switchboard_core::chat::Usage;
use switchboard_core::sse::{SseFramer, write_event};
use switchboard_core::transport::collect_body;
use switchboard_core::{ByteStream, Endpoint, GatewayError, RawRequest};
use tokio::time::{Instant, timeout_at};

use crate::access_log::RequestLog;
use crate::body::ResponseBody;
use crate::call::Call;
use crate::respond;

/// Largest non-streaming answer taken from an upstream.
const MAX_RESPONSE_BODY: usize = 64 << 20;

/// The events that end a Responses stream.
const TERMINAL: [&[u8]; 3] = [
    b"\"type\":\"response.completed\"",
    b"\"type\":\"response.incomplete\"",
    b"\"type\":\"response.failed\"",
];

pub(super) async fn serve(
    call: &Call,
    body: Bytes,
    stream: bool,
    log: &mut RequestLog,
) -> Result<Response<ResponseBody>, GatewayError> {
    let request = RawRequest {
        endpoint: Endpoint::Responses,
        body,
        stream,
    };
    let adapter = call.provider.adapter.clone();
    if !stream {
        let (status, headers, bytes) = call
            .within_total(async {
                let raw = adapter.send_raw(&call.cx, request).await?;
                let bytes = collect_body(raw.body, MAX_RESPONSE_BODY).await?;
                Ok((raw.status, raw.headers, bytes))
            })
            .await?;
        log.usage = usage_of(&bytes);
        let mut response = Response::new(ResponseBody::full(bytes));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
            .headers_mut()
            .entry(CONTENT_TYPE)
            .or_insert(respond::JSON);
        return Ok(response);
    }
    let raw = call
        .before_first_byte(adapter.send_raw(&call.cx, request))
        .await?;
    log.status = StatusCode::OK.as_u16();
    let relay = Relay {
        body: raw.body,
        framer: SseFramer::new(),
        deadline: call.deadline,
        total_timeout: call.total_timeout(),
        events: 0,
        ended: false,
        log: log.take(),
    };
    let body = futures_util::stream::unfold(relay, |mut relay| async move {
        let bytes = relay.next_bytes().await?;
        Some((bytes, relay))
    });
    let mut response = Response::new(ResponseBody::stream(body));
    let headers = response.headers_mut();
    *headers = raw.headers;
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.entry(CONTENT_TYPE).or_insert(respond::EVENT_STREAM);
    Ok(response)
}

struct Relay {
    body: ByteStream,
    framer: SseFramer,
    deadline: Instant,
    total_timeout: GatewayError,
    /// Frames forwarded: the next `sequence_number` of an upstream that counts from 0.
    events: u64,
    ended: bool,
    log: RequestLog,
}

impl Relay {
    async fn next_bytes(&mut self) -> Option<Bytes> {
        loop {
            if self.ended {
                return None;
            }
            let mut out = BytesMut::new();
            while let Ok(Some(frame)) = self.framer.next_frame() {
                self.events += 1;
                if TERMINAL.iter().any(|t| memmem::find(&frame, t).is_some()) {
                    self.ended = true;
                    self.log.usage = usage_of_event(&frame);
                }
                out.extend_from_slice(&frame);
            }
            if !out.is_empty() {
                return Some(out.freeze());
            }
            match timeout_at(self.deadline, self.body.next()).await {
                Ok(Some(Ok(bytes))) => self.framer.push(&bytes),
                Ok(Some(Err(e))) => return Some(self.fail(&e)),
                Ok(None) => {
                    let err = GatewayError::bad_gateway(
                        "the upstream closed the stream before it finished",
                    );
                    return Some(self.fail(&err));
                }
                Err(_) => {
                    let err = self.total_timeout.clone();
                    return Some(self.fail(&err));
                }
            }
        }
    }

    /// The Responses `error` event that ends a broken stream.
    fn fail(&mut self, err: &GatewayError) -> Bytes {
        self.ended = true;
        self.log.outcome = "stream_error";
        self.log.error = Some(err.message().to_owned());
        let event = json!({
            "type": "error",
            "code": err.code(),
            "message": err.message(),
            "param": err.param(),
            "sequence_number": self.events,
        });
        let mut out = BytesMut::new();
        write_event(&mut out, "error", event.to_string().as_bytes());
        out.freeze()
    }
}

#[derive(Deserialize)]
struct UsageTap {
    #[serde(default)]
    usage: Option<ResponsesUsage>,
}

#[derive(Deserialize)]
struct EventTap {
    #[serde(default)]
    response: Option<UsageTap>,
}

#[derive(Deserialize)]
struct ResponsesUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    total_tokens: u64,
}

impl From<ResponsesUsage> for Usage {
    fn from(u: ResponsesUsage) -> Self {
        Usage {
            prompt_tokens: u.input_tokens,
            completion_tokens: u.output_tokens,
            total_tokens: u.total_tokens,
            ..Usage::default()
        }
    }
}

/// The usage of a whole `Response` body, for the log.
fn usage_of(body: &[u8]) -> Option<Usage> {
    serde_json::from_slice::<UsageTap>(body)
        .ok()?
        .usage
        .map(Usage::from)
}

/// The usage inside a terminal event's `response`, for the log.
fn usage_of_event(frame: &[u8]) -> Option<Usage> {
    let event = switchboard_core::sse::parse_frame(frame).ok()??;
    serde_json::from_str::<EventTap>(&event.data)
        .ok()?
        .response?
        .usage
        .map(Usage::from)
}
