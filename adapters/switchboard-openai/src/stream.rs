//! OpenAI's chat stream: SSE frames of `chat.completion.chunk` JSON, ended by `[DONE]`.
//!
//! [`ChunkDecoder`] is the pure state machine (bytes in, canonical chunks out); the stream
//! adapter below only feeds it from the network.

use std::sync::{Arc, LazyLock};

use http::{HeaderMap, StatusCode};
use memchr::memmem::Finder;
use switchboard_core::chat::ChatChunk;
use switchboard_core::sse::{SseDecoder, SseEvent};
use switchboard_core::{ByteStream, ChunkStream, GatewayError};

use crate::error::map_error_response;

/// Turns the bytes of an OpenAI chat stream into canonical chunks.
#[derive(Default)]
pub struct ChunkDecoder {
    sse: SseDecoder,
    done: bool,
    finished_choice: bool,
    secrets: Arc<[String]>,
}

impl ChunkDecoder {
    /// A decoder that scrubs `secrets` from any error the stream carries.
    pub fn new(secrets: Arc<[String]>) -> Self {
        Self {
            secrets,
            ..Self::default()
        }
    }

    /// Feeds bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        self.sse.push(bytes);
    }

    /// The next complete chunk, `Ok(None)` when more bytes are needed or after `[DONE]`.
    /// An error event (`data: {"error":...}` or `event: error`) is returned as an error.
    pub fn next_chunk(&mut self) -> Result<Option<ChatChunk>, GatewayError> {
        while !self.done {
            let event = match self.sse.next_event() {
                Ok(Some(event)) => event,
                Ok(None) => return Ok(None),
                Err(e) => {
                    return Err(GatewayError::bad_gateway(format!(
                        "bad upstream stream: {e}"
                    )));
                }
            };
            if let Some(chunk) = self.decode(event)? {
                return Ok(Some(chunk));
            }
        }
        Ok(None)
    }

    /// At end of input: a last unterminated event, or an error if the stream was cut
    /// before `[DONE]` and before any choice finished.
    pub fn finish(&mut self) -> Result<Option<ChatChunk>, GatewayError> {
        if !self.done
            && let Some(event) = self
                .sse
                .finish()
                .map_err(|e| GatewayError::bad_gateway(format!("bad upstream stream: {e}")))?
            && let Some(chunk) = self.decode(event)?
        {
            return Ok(Some(chunk));
        }
        if self.done || self.finished_choice {
            Ok(None)
        } else {
            Err(GatewayError::bad_gateway(
                "the upstream closed the stream before it finished",
            ))
        }
    }

    /// True once `[DONE]` was read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    fn decode(&mut self, event: SseEvent) -> Result<Option<ChatChunk>, GatewayError> {
        if event.is_done() {
            self.done = true;
            return Ok(None);
        }
        let data = event.data.trim_ascii();
        if data.is_empty() {
            return Ok(None);
        }
        let is_error_event = event.event.as_deref() == Some("error");
        if is_error_event || looks_like_error(data) {
            self.done = true;
            return Err(map_error_response(
                StatusCode::BAD_GATEWAY,
                &HeaderMap::new(),
                data.as_bytes(),
                &self.secrets,
            ));
        }
        let mut chunk: ChatChunk = serde_json::from_str(data).map_err(|e| {
            GatewayError::bad_gateway(format!("the upstream sent a chunk we cannot read: {e}"))
        })?;
        normalise_reasoning(&mut chunk);
        if chunk.choices.iter().any(|c| c.finish_reason().is_some()) {
            self.finished_choice = true;
        }
        Ok(Some(chunk))
    }
}

/// vLLM (since late 2025) and some other servers name the reasoning delta `reasoning`;
/// the canonical field is `reasoning_content`.
fn normalise_reasoning(chunk: &mut ChatChunk) {
    for choice in &mut chunk.choices {
        let delta = &mut choice.delta;
        if delta.reasoning_content().is_none()
            && let Some(serde_json::Value::String(text)) = delta.extra.remove("reasoning")
        {
            delta.reasoning_content = Some(Some(text));
        }
    }
}

/// The same rename on a non-streaming answer's messages.
pub(crate) fn normalise_response_reasoning(response: &mut switchboard_core::chat::ChatResponse) {
    for choice in &mut response.choices {
        let message = &mut choice.message;
        if message.reasoning_content().is_none()
            && let Some(serde_json::Value::String(text)) = message.extra.remove("reasoning")
        {
            message.reasoning_content = Some(Some(text));
        }
    }
}

/// The searcher for `"error"` in a chunk's data, built once: `str::contains` builds one
/// for every call, which cost more than the search on a chunk of a few hundred bytes.
static ERROR_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"error\""));

/// A cheap check for `{"error": ...}` at the top level, before a full parse.
fn looks_like_error(data: &str) -> bool {
    data.starts_with("{\"error\"")
        || (ERROR_KEY.find(data.as_bytes()).is_some()
            && serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(data)
                .is_ok_and(|m| m.contains_key("error") && !m.contains_key("choices")))
}

/// Canonical chunks from an OpenAI-shaped SSE body (for adapters of OpenAI-like
/// providers). Dropping the stream drops the body.
pub fn chunk_stream(body: ByteStream, secrets: Arc<[String]>) -> ChunkStream {
    switchboard_core::decode_stream(body, ChunkDecoder::new(secrets))
}

impl switchboard_core::ChunkDecode for ChunkDecoder {
    fn push(&mut self, bytes: &[u8]) {
        ChunkDecoder::push(self, bytes);
    }

    fn next_chunk(&mut self) -> Result<Option<ChatChunk>, GatewayError> {
        ChunkDecoder::next_chunk(self)
    }

    fn is_done(&self) -> bool {
        ChunkDecoder::is_done(self)
    }

    fn finish(&mut self) -> (Vec<ChatChunk>, Option<GatewayError>) {
        switchboard_core::drain_one_by_one(|| ChunkDecoder::finish(self))
    }
}

#[cfg(test)]
mod tests;
