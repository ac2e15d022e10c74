//! The canonical path: the body is parsed into [`ChatRequest`], the adapter speaks its
//! provider's protocol, and canonical chunks are encoded back as OpenAI SSE as they come.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http::{Response, StatusCode};
use switchboard_core::chat::ChatRequest;
use switchboard_core::sse::{DONE_FRAME, write_data};
use switchboard_core::{ChunkStream, GatewayError};
use tokio::time::{Instant, timeout_at};

use super::Call;
use crate::access_log::RequestLog;
use crate::body::ResponseBody;
use crate::respond;

pub(super) async fn serve(
    call: Call,
    body: &Bytes,
    upstream_model: String,
    stream: bool,
    log: &mut RequestLog,
) -> Result<Response<ResponseBody>, GatewayError> {
    let mut request: ChatRequest = serde_json::from_slice(body).map_err(|e| {
        GatewayError::invalid_request(format!("the request body has the wrong shape: {e}"))
    })?;
    request.model = upstream_model;
    let adapter = call.provider.adapter.clone();
    if !stream {
        let response = timeout_at(call.deadline, adapter.chat(&call.cx, request))
            .await
            .map_err(|_| call.total_timeout())??;
        log.usage = response.usage().cloned();
        return Ok(respond::json_value(StatusCode::OK, &response));
    }

    let mut chunks = timeout_at(
        call.first_byte_deadline,
        adapter.chat_stream(&call.cx, request),
    )
    .await
    .map_err(|_| call.first_byte_timeout())??;
    // Commit to a 200 only once the first chunk is here.
    let first = match timeout_at(call.first_byte_deadline, chunks.next()).await {
        Err(_) => return Err(call.first_byte_timeout()),
        Ok(None) => {
            return Err(GatewayError::bad_gateway(
                "the upstream closed the stream before sending anything",
            ));
        }
        Ok(Some(Err(e))) => return Err(e),
        Ok(Some(Ok(first))) => first,
    };
    log.status = StatusCode::OK.as_u16();
    let mut encoder = Encoder {
        chunks,
        deadline: call.deadline,
        total_timeout: call.total_timeout(),
        strip_usage: call.strip_usage,
        ended: false,
        done: false,
        log: log.take(),
    };
    let first = encoder.encode(first);
    let rest = futures_util::stream::unfold(encoder, |mut encoder| async move {
        let bytes = encoder.next_bytes().await?;
        Some((bytes, encoder))
    });
    let body = futures_util::stream::iter(first).chain(rest);
    Ok(respond::event_stream(ResponseBody::stream(body)))
}

/// Canonical chunks in, OpenAI SSE bytes out.
struct Encoder {
    chunks: ChunkStream,
    deadline: Instant,
    total_timeout: GatewayError,
    strip_usage: bool,
    ended: bool,
    /// The client has been sent everything.
    done: bool,
    log: RequestLog,
}

impl Drop for Encoder {
    /// An encoder dropped before its end means the client went away (hyper drops the body).
    fn drop(&mut self) {
        if !self.done {
            self.log.outcome = "client_closed";
        }
    }
}

impl Encoder {
    async fn next_bytes(&mut self) -> Option<Bytes> {
        loop {
            if self.ended {
                self.done = true;
                return None;
            }
            let next = timeout_at(self.deadline, self.chunks.next()).await;
            match next {
                Ok(Some(Ok(chunk))) => {
                    if let Some(bytes) = self.encode(chunk) {
                        return Some(bytes);
                    }
                }
                Ok(None) => {
                    self.ended = true;
                    return Some(Bytes::from_static(DONE_FRAME));
                }
                Ok(Some(Err(err))) => return Some(self.fail(&err)),
                Err(_) => {
                    let err = self.total_timeout.clone();
                    return Some(self.fail(&err));
                }
            }
        }
    }

    /// One chunk as an SSE frame; `None` for a usage-only chunk the client did not ask for.
    fn encode(&mut self, chunk: switchboard_core::chat::ChatChunk) -> Option<Bytes> {
        if let Some(usage) = chunk.usage() {
            self.log.usage = Some(usage.clone());
            if self.strip_usage && chunk.is_usage_only() {
                return None;
            }
        }
        match serde_json::to_vec(&chunk) {
            Ok(json) => {
                let mut out = BytesMut::with_capacity(json.len() + 8);
                write_data(&mut out, &json);
                Some(out.freeze())
            }
            Err(e) => Some(self.fail(&GatewayError::internal(format!(
                "could not encode a chunk: {e}"
            )))),
        }
    }

    fn fail(&mut self, err: &GatewayError) -> Bytes {
        self.ended = true;
        self.log.outcome = "stream_error";
        self.log.error = Some(err.message().to_owned());
        respond::error_event(err)
    }
}
