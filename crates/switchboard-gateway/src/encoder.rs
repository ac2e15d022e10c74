//! The canonical stream path: canonical chunks from an adapter, turned into one client
//! protocol's bytes by a [`Shaper`] (chat SSE, legacy completions SSE, Responses events),
//! forwarded as they come. The first chunk is awaited before the 200 is committed, so an
//! upstream that fails at once is still an HTTP error. After that a failure is rendered by
//! the shaper as the protocol's final error event, and a long silence can be bridged by the
//! shaper's heartbeat.

use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http::Response;
use switchboard_core::chat::ChatChunk;
use switchboard_core::sse::{DONE_FRAME, write_data};
use switchboard_core::{ChunkStream, GatewayError};
use tokio::time::{Instant, timeout, timeout_at};

use crate::access_log::RequestLog;
use crate::body::ResponseBody;
use crate::call::Call;
use crate::respond;
use crate::usage::{OutputCounter, fill};

/// One client protocol's rendering of a canonical stream.
#[async_trait]
pub(crate) trait Shaper: Send + 'static {
    /// Bytes sent before the first chunk's (Responses: `response.created` ...). None by default.
    fn open(&mut self, out: &mut BytesMut) {
        let _ = out;
    }

    /// Renders one chunk (possibly as nothing, e.g. a usage chunk the client did not ask for).
    fn chunk(&mut self, chunk: ChatChunk, out: &mut BytesMut);

    /// The upstream ended normally: the protocol's closing bytes.
    async fn end(&mut self, out: &mut BytesMut);

    /// The upstream failed after the 200 was sent: the protocol's final error event.
    async fn fail(&mut self, err: &GatewayError, out: &mut BytesMut);

    /// Bytes that keep a client's idle timer alive during a long upstream silence; `false`
    /// when the protocol has none (the default).
    fn heartbeat(&mut self, out: &mut BytesMut) -> bool {
        let _ = out;
        false
    }
}

/// Chunks as `data: <json>` frames ended by `data: [DONE]`, each mapped by `map` first
/// (the shape of chat completions and legacy completions streams). Mid-stream failures are
/// `data: {"error":...}` with no `[DONE]`, as OpenAI sends them.
pub(crate) struct DataShaper<F> {
    /// The client streams without asking for usage: drop the usage-only chunk.
    strip_usage: bool,
    map: F,
}

impl<F> DataShaper<F> {
    /// A shaper applying `map` to every chunk it sends.
    pub(crate) fn new(strip_usage: bool, map: F) -> Self {
        Self { strip_usage, map }
    }
}

#[async_trait]
impl<F, T> Shaper for DataShaper<F>
where
    F: FnMut(ChatChunk) -> Option<T> + Send + 'static,
    T: serde::Serialize,
{
    fn chunk(&mut self, chunk: ChatChunk, out: &mut BytesMut) {
        if self.strip_usage && chunk.is_usage_only() {
            return;
        }
        let Some(mapped) = (self.map)(chunk) else {
            return;
        };
        match serde_json::to_vec(&mapped) {
            Ok(json) => write_data(out, &json),
            Err(e) => out.extend_from_slice(&respond::error_event(&GatewayError::internal(
                format!("could not encode a chunk: {e}"),
            ))),
        }
    }

    async fn end(&mut self, out: &mut BytesMut) {
        out.extend_from_slice(DONE_FRAME);
    }

    async fn fail(&mut self, err: &GatewayError, out: &mut BytesMut) {
        out.extend_from_slice(&respond::error_event(err));
    }
}

/// Streams `chunks` to the client through `shaper`, beating every `heartbeat` of silence.
pub(crate) async fn serve_stream(
    call: &Call,
    mut chunks: ChunkStream,
    shaper: impl Shaper,
    heartbeat: Option<Duration>,
    log: &mut RequestLog,
) -> Result<Response<ResponseBody>, GatewayError> {
    let first = call.first_item(chunks.next()).await?;
    log.commit();
    let mut encoder = Encoder {
        chunks,
        shaper,
        deadline: call.deadline,
        total_timeout: call.total_timeout(),
        heartbeat,
        ended: false,
        done: false,
        log: log.take(),
    };
    encoder.log.piece_sent();
    let mut opening = BytesMut::new();
    encoder.shaper.open(&mut opening);
    encoder.take_chunk(first, &mut opening);
    let opening = (!opening.is_empty()).then(|| opening.freeze());
    // Boxed: `unfold` moves its state into a new future for every piece it yields and
    // back out, and the encoder (the shaper with its `ResponseStream`, the request's log)
    // is about 2 KiB.
    let rest = futures_util::stream::unfold(Box::new(encoder), |mut encoder| async move {
        let bytes = encoder.next_bytes().await?;
        Some((bytes, encoder))
    });
    let body = futures_util::stream::iter(opening).chain(rest);
    Ok(respond::event_stream(ResponseBody::stream(body)))
}

struct Encoder<S> {
    chunks: ChunkStream,
    shaper: S,
    deadline: Instant,
    total_timeout: GatewayError,
    heartbeat: Option<Duration>,
    ended: bool,
    /// The client has been sent everything.
    done: bool,
    log: RequestLog,
}

impl<S> Drop for Encoder<S> {
    /// An encoder dropped before its end means the client went away (hyper drops the body).
    fn drop(&mut self) {
        if !self.done {
            self.log.outcome = "client_closed";
        }
    }
}

impl<S: Shaper> Encoder<S> {
    fn take_chunk(&mut self, chunk: ChatChunk, out: &mut BytesMut) {
        if let Some(usage) = chunk.usage() {
            self.log.usage = Some(usage.clone());
        }
        if self.log.usage.is_none() {
            let counter = self.log.output.get_or_insert_with(OutputCounter::new);
            fill::push_chunk(counter, &chunk);
        }
        self.shaper.chunk(chunk, out);
    }

    async fn next_bytes(&mut self) -> Option<Bytes> {
        let mut out = BytesMut::new();
        while out.is_empty() {
            if self.ended {
                self.done = true;
                return None;
            }
            let next = timeout_at(self.deadline, self.chunks.next());
            let next = match self.heartbeat {
                Some(every) => match timeout(every, next).await {
                    Ok(next) => next,
                    Err(_) => {
                        self.shaper.heartbeat(&mut out);
                        continue;
                    }
                },
                None => next.await,
            };
            match next {
                Ok(Some(Ok(chunk))) => {
                    self.log.piece_sent();
                    self.take_chunk(chunk, &mut out)
                }
                Ok(None) => {
                    self.ended = true;
                    // The usage record is durable before the closing bytes go out.
                    self.log.record_durably().await;
                    self.shaper.end(&mut out).await;
                }
                Ok(Some(Err(err))) => self.fail(&err, &mut out).await,
                Err(_) => {
                    let err = self.total_timeout.clone();
                    self.fail(&err, &mut out).await;
                }
            }
        }
        Some(out.freeze())
    }

    async fn fail(&mut self, err: &GatewayError, out: &mut BytesMut) {
        self.ended = true;
        self.log.outcome = "stream_error";
        self.log.error = Some(err.message().to_owned());
        self.log.record_durably().await;
        self.shaper.fail(err, out).await;
    }
}
