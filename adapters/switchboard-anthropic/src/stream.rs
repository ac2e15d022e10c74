//! The SSE side of a Messages stream: bytes → SSE events → [`EventDecoder`] → chunks.
//!
//! [`SseChunkDecoder`] is the pure part (bytes in, chunks out); [`chunk_stream`] only feeds
//! it from the network. Anthropic ends a stream with `event: message_stop` and no
//! `[DONE]`; an `event: error` ends it with an error.

use std::collections::VecDeque;
use std::sync::Arc;

use switchboard_core::chat::ChatChunk;
use switchboard_core::sse::SseDecoder;
use switchboard_core::{ByteStream, ChunkStream, GatewayError};

use crate::error::map_error_event;
use crate::events::EventDecoder;

/// Turns the bytes of a Messages SSE stream into canonical chunks.
#[derive(Debug)]
pub struct SseChunkDecoder {
    sse: SseDecoder,
    events: EventDecoder,
    pending: VecDeque<ChatChunk>,
    secrets: Arc<[String]>,
    failed: bool,
}

impl SseChunkDecoder {
    /// A decoder whose chunks carry `created`; `secrets` are scrubbed from errors.
    pub fn new(created: i64, secrets: Arc<[String]>) -> Self {
        Self {
            sse: SseDecoder::new(),
            events: EventDecoder::new(created).with_secrets(secrets.clone()),
            pending: VecDeque::new(),
            secrets,
            failed: false,
        }
    }

    /// Feeds bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        self.sse.push(bytes);
    }

    /// True once the stream has ended (`message_stop` or an error) and every chunk was taken.
    pub fn is_done(&self) -> bool {
        self.pending.is_empty() && (self.failed || self.events.is_done())
    }

    /// The next chunk; `Ok(None)` when more bytes are needed or the stream is over.
    pub fn next_chunk(&mut self) -> Result<Option<ChatChunk>, GatewayError> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Ok(Some(chunk));
            }
            if self.is_done() {
                return Ok(None);
            }
            let event = match self.sse.next_event() {
                Ok(Some(event)) => event,
                Ok(None) => return Ok(None),
                Err(e) => return Err(self.fail(format!("bad upstream stream: {e}"))),
            };
            if event.event.as_deref() == Some("error") {
                self.failed = true;
                return Err(map_error_event(event.data.as_bytes(), &self.secrets));
            }
            match self.events.decode(event.data.as_bytes()) {
                Ok(chunks) => self.pending.extend(chunks),
                Err(e) => {
                    self.failed = true;
                    return Err(e);
                }
            }
        }
    }

    /// At the end of the input: the chunks of a last unterminated event, or an error if
    /// the stream was cut before it finished. Call [`Self::next_chunk`] until it gives
    /// `None` first.
    pub fn finish(&mut self) -> Result<Vec<ChatChunk>, GatewayError> {
        if self.failed {
            return Ok(Vec::new());
        }
        let mut out: Vec<ChatChunk> = self.pending.drain(..).collect();
        if !self.events.is_done() {
            match self.sse.finish() {
                Ok(Some(event)) if event.event.as_deref() == Some("error") => {
                    self.failed = true;
                    return Err(map_error_event(event.data.as_bytes(), &self.secrets));
                }
                Ok(Some(event)) => out.extend(self.events.decode(event.data.as_bytes())?),
                Ok(None) => {}
                Err(e) => return Err(self.fail(format!("bad upstream stream: {e}"))),
            }
            out.extend(self.events.finish()?);
        }
        Ok(out)
    }

    fn fail(&mut self, message: String) -> GatewayError {
        self.failed = true;
        GatewayError::bad_gateway(message)
    }
}

/// Canonical chunks from a Messages SSE body. Dropping the stream drops the body.
pub fn chunk_stream(body: ByteStream, decoder: SseChunkDecoder) -> ChunkStream {
    switchboard_core::decode_stream(body, decoder)
}

impl switchboard_core::ChunkDecode for SseChunkDecoder {
    fn push(&mut self, bytes: &[u8]) {
        SseChunkDecoder::push(self, bytes);
    }

    fn next_chunk(&mut self) -> Result<Option<ChatChunk>, GatewayError> {
        SseChunkDecoder::next_chunk(self)
    }

    fn is_done(&self) -> bool {
        SseChunkDecoder::is_done(self)
    }

    fn finish(&mut self) -> (Vec<ChatChunk>, Option<GatewayError>) {
        match SseChunkDecoder::finish(self) {
            Ok(chunks) => (chunks, None),
            Err(e) => (Vec::new(), Some(e)),
        }
    }
}

#[cfg(test)]
mod tests;
