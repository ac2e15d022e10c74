//! `/v1/responses` forwarded to an upstream that serves it itself (OpenAI, Azure, vLLM):
//! the body goes up with the model spliced, the answer comes back byte for byte. A stream
//! that breaks after it started ends with a Responses `error` event, never silently.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
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

/// The events that end a Responses stream (the upstream's own `error` event included).
const TERMINAL: [&[u8]; 4] = [
    b"\"type\":\"response.completed\"",
    b"\"type\":\"response.incomplete\"",
    b"\"type\":\"response.failed\"",
    b"\"type\":\"error\"",
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
    let mut relay = Relay {
        body: raw.body,
        framer: SseFramer::new(),
        deadline: call.deadline,
        total_timeout: call.total_timeout(),
        events: 0,
        ended: false,
        done: false,
        log: None,
    };
    // Commit to a 200 only once the upstream's first event is here, as on every path.
    let first = call.first_item(relay.next_item()).await?;
    log.commit();
    relay.log = Some(log.take());
    let rest = futures_util::stream::unfold(relay, |mut relay| async move {
        let bytes = relay.next_bytes().await?;
        Some((bytes, relay))
    });
    let body = futures_util::stream::iter([first]).chain(rest);
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
    /// A terminal event (or an error) was seen: nothing more is read.
    ended: bool,
    /// The client has been sent everything.
    done: bool,
    /// The request's log line, once the stream is committed.
    log: Option<RequestLog>,
}

impl Drop for Relay {
    /// A relay dropped before its end means the client went away (hyper drops the body).
    fn drop(&mut self) {
        if let (false, Some(log)) = (self.done, &mut self.log) {
            log.outcome = "client_closed";
        }
    }
}

impl Relay {
    /// The next bytes for the client; a failure becomes the final Responses `error` event.
    async fn next_bytes(&mut self) -> Option<Bytes> {
        let item = self.next_item().await;
        if self.ended || matches!(item, Some(Err(_))) {
            // The last bytes: the usage record is durable before they go out.
            if let Some(log) = &mut self.log {
                log.record_durably().await;
            }
        }
        match item {
            Some(Ok(bytes)) => Some(bytes),
            Some(Err(err)) => Some(self.error_event(&err)),
            None => {
                self.done = true;
                None
            }
        }
    }

    /// The frames that have arrived (at least one), an error that ends the stream, or
    /// `None` at the end.
    async fn next_item(&mut self) -> Option<Result<Bytes, GatewayError>> {
        loop {
            if self.ended {
                return None;
            }
            let mut out = BytesMut::new();
            while let Ok(Some(frame)) = self.framer.next_frame() {
                self.take(frame, &mut out);
            }
            if !out.is_empty() {
                return Some(Ok(out.freeze()));
            }
            match timeout_at(self.deadline, self.body.next()).await {
                Ok(Some(Ok(bytes))) => self.framer.push(&bytes),
                Ok(Some(Err(e))) => return Some(Err(e)),
                Ok(None) => {
                    if let Some(rest) = self.framer.finish() {
                        self.take(rest, &mut out);
                    }
                    if !out.is_empty() {
                        return Some(Ok(out.freeze()));
                    }
                    return Some(Err(GatewayError::bad_gateway(
                        "the upstream closed the stream before it finished",
                    )));
                }
                Err(_) => return Some(Err(self.total_timeout.clone())),
            }
        }
    }

    /// Forwards one frame; a terminal event or the upstream's own `error` event ends it.
    fn take(&mut self, frame: Bytes, out: &mut BytesMut) {
        if self.ended {
            return;
        }
        self.events += 1;
        if TERMINAL.iter().any(|t| memmem::find(&frame, t).is_some()) {
            self.ended = true;
            if let Some(log) = &mut self.log {
                log.usage = usage_of_event(&frame);
            }
        }
        out.extend_from_slice(&frame);
    }

    /// The Responses `error` event that ends a broken stream.
    fn error_event(&mut self, err: &GatewayError) -> Bytes {
        self.ended = true;
        if let Some(log) = &mut self.log {
            log.outcome = "stream_error";
            log.error = Some(err.message().to_owned());
        }
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
