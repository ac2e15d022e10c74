//! The same-shape fast path for the OpenAI endpoints whose streams are `data:` frames ended
//! by `data: [DONE]` (chat completions and legacy completions): the client and the upstream
//! speak the same protocol.
//!
//! The body goes up as the client sent it (model spliced, usage asked for); the answer
//! comes back byte for byte, frame by frame as it arrives. The gateway only looks: it reads
//! usage for the log, drops the usage-only chunk the client did not ask for, and turns a
//! failure into a final error event instead of a silent truncation.

use std::collections::VecDeque;

use bytes::Bytes;
use futures_util::StreamExt;
use http::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use switchboard_core::sse::SseFramer;
use switchboard_core::transport::collect_body;
use switchboard_core::{ByteStream, Endpoint, GatewayError, RawRequest};
use tokio::time::{Instant, timeout_at};

use crate::access_log::RequestLog;
use crate::body::ResponseBody;
use crate::body_usage::body_usage;
use crate::call::Call;
use crate::frames::{FrameKind, inspect};
use crate::respond;
use crate::usage::fill;

/// Largest non-streaming answer taken from an upstream.
const MAX_RESPONSE_BODY: usize = 64 << 20;

/// Forwards `body` to the upstream's own `endpoint` and relays the answer.
/// `strip_usage`: the client streams without asking for usage (the gateway asked for it).
pub(crate) async fn serve(
    call: &Call,
    endpoint: Endpoint,
    body: Bytes,
    stream: bool,
    strip_usage: bool,
    log: &mut RequestLog,
) -> Result<Response<ResponseBody>, GatewayError> {
    let request = RawRequest {
        endpoint,
        body,
        stream,
    };
    let adapter = call.provider.adapter.clone();
    if !stream {
        let exchange = async {
            let raw = adapter.send_raw(&call.cx, request).await?;
            let bytes = collect_body(raw.body, MAX_RESPONSE_BODY).await?;
            Ok::<_, GatewayError>((raw.status, raw.headers, bytes))
        };
        let (status, headers, bytes) = timeout_at(call.deadline, exchange)
            .await
            .map_err(|_| call.total_timeout())??;
        log.usage = body_usage(&bytes);
        if log.usage.is_none() {
            fill::push_json(log.output.get_or_insert_default(), &bytes);
        }
        let mut response = Response::new(ResponseBody::full(bytes));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
            .headers_mut()
            .entry(CONTENT_TYPE)
            .or_insert(respond::JSON);
        return Ok(response);
    }

    let raw = timeout_at(
        call.first_byte_deadline,
        adapter.send_raw(&call.cx, request),
    )
    .await
    .map_err(|_| call.first_byte_timeout())??;
    let mut relay = Relay {
        body: raw.body,
        framer: SseFramer::new(),
        queue: VecDeque::new(),
        strip_usage,
        deadline: call.deadline,
        total_timeout: call.total_timeout(),
        ended: false,
        failure: None,
        early_usage: None,
        log: None,
        done: false,
        kept: Vec::new(),
        kept_bytes: 0,
    };
    // Commit to a 200 only once the upstream's first event is here: a failure before it
    // is still an HTTP error the client (and later, a fallback) can act on.
    let first = call.first_item(relay.next_item()).await?;
    log.commit();
    if let Some(usage) = relay.early_usage.take() {
        log.usage = Some(usage);
    }
    log.piece_sent();
    relay.log = Some(log.take());
    relay.queue.push_front(first);
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

/// Moves SSE frames from the upstream to the client.
struct Relay {
    body: ByteStream,
    framer: SseFramer,
    /// Frames ready to send.
    queue: VecDeque<Bytes>,
    strip_usage: bool,
    deadline: Instant,
    total_timeout: GatewayError,
    /// `[DONE]` was seen, or the stream failed: nothing more is read.
    ended: bool,
    /// The error to end with, once the queue is empty.
    failure: Option<GatewayError>,
    /// Usage seen before the log line was handed over.
    early_usage: Option<switchboard_core::chat::Usage>,
    /// The request's log line, once the stream is committed.
    log: Option<RequestLog>,
    /// The client has been sent everything.
    done: bool,
    /// Frames relayed (references, not copies), to estimate the answer's tokens if the
    /// upstream never reports usage; at most `fill::MAX_KEPT_BYTES`.
    kept: Vec<Bytes>,
    kept_bytes: usize,
}

impl Drop for Relay {
    /// A relay dropped before its end means the client went away (hyper drops the body).
    fn drop(&mut self) {
        if let (false, Some(log)) = (self.done, &mut self.log) {
            log.outcome = "client_closed";
        }
        self.hand_over_kept();
    }
}

impl Relay {
    /// Gives the log the relayed frames, to estimate the answer's tokens, if the upstream
    /// reported no usage. Once.
    fn hand_over_kept(&mut self) {
        let kept = std::mem::take(&mut self.kept);
        if let Some(log) = &mut self.log
            && log.usage.is_none()
        {
            fill::push_frames(log.output.get_or_insert_default(), &kept);
        }
    }

    /// The next bytes for the client; failures are rendered as the final error event.
    async fn next_bytes(&mut self) -> Option<Bytes> {
        let Some(item) = self.next_item().await else {
            self.done = true;
            return None;
        };
        let last = item.is_err() || (self.ended && self.queue.is_empty() && self.failure.is_none());
        if last {
            self.hand_over_kept();
        }
        match item {
            Ok(bytes) => {
                if let Some(log) = &mut self.log {
                    log.piece_sent();
                    if last {
                        // `[DONE]`: the usage record is durable before it goes out.
                        log.record_durably().await;
                    }
                }
                Some(bytes)
            }
            Err(err) => {
                if let Some(log) = &mut self.log {
                    log.outcome = "stream_error";
                    log.error = Some(err.message().to_owned());
                    log.record_durably().await;
                }
                Some(respond::error_event(&err))
            }
        }
    }

    /// The next frame to forward, an error that ends the stream, or `None` at the end.
    async fn next_item(&mut self) -> Option<Result<Bytes, GatewayError>> {
        loop {
            if let Some(frame) = self.queue.pop_front() {
                return Some(Ok(frame));
            }
            if self.ended {
                return self.failure.take().map(Err);
            }
            match self.framer.next_frame() {
                Ok(Some(frame)) => {
                    self.accept(frame);
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    self.fail(GatewayError::bad_gateway(format!(
                        "the upstream stream is malformed: {e}"
                    )));
                    continue;
                }
            }
            match timeout_at(self.deadline, self.body.next()).await {
                Ok(Some(Ok(bytes))) => self.framer.push(&bytes),
                Ok(Some(Err(e))) => self.fail(e),
                Err(_) => self.fail(self.total_timeout.clone()),
                Ok(None) => {
                    if let Some(rest) = self.framer.finish() {
                        self.accept(rest);
                    }
                    if !self.ended {
                        self.fail(GatewayError::bad_gateway(
                            "the upstream closed the stream before it finished",
                        ));
                    }
                }
            }
        }
    }

    /// Ends the stream with `err` once the frames already queued are sent.
    fn fail(&mut self, err: GatewayError) {
        self.ended = true;
        self.failure = Some(err);
    }

    /// Looks at one frame: queues it, drops it (an unasked-for usage chunk) or fails on it.
    fn accept(&mut self, frame: Bytes) {
        if self.ended {
            return;
        }
        match inspect(&frame) {
            FrameKind::Plain => {
                if self.kept_bytes + frame.len() <= fill::MAX_KEPT_BYTES {
                    self.kept_bytes += frame.len();
                    self.kept.push(frame.clone());
                }
                self.queue.push_back(frame);
            }
            FrameKind::Done => {
                self.ended = true;
                self.queue.push_back(frame);
            }
            FrameKind::Error(err) => self.fail(err),
            FrameKind::Usage { usage, usage_only } => {
                // The upstream reports usage: nothing to estimate.
                self.kept = Vec::new();
                self.kept_bytes = fill::MAX_KEPT_BYTES;
                if let Some(log) = &mut self.log {
                    log.usage = Some(usage);
                } else {
                    self.early_usage = Some(usage);
                }
                if !(self.strip_usage && usage_only) {
                    self.queue.push_back(frame);
                }
            }
        }
    }
}
