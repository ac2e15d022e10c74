//! The event-stream side of ConverseStream and InvokeModelWithResponseStream: bytes →
//! frames ([`FrameReader`]) → events → chunks. [`StreamDecoder`] is pure;
//! [`chunk_stream`] only feeds it from the network.

use std::collections::VecDeque;
use std::sync::Arc;

use base64::Engine;
use serde_json::Value;
use switchboard_anthropic::EventDecoder;
use switchboard_core::chat::ChatChunk;
use switchboard_core::{ByteStream, ChunkStream, GatewayError};

use crate::converse::ConverseEvents;
use crate::error::{map_exception, scrub};
use crate::eventstream::{Frame, FrameReader};

/// What the event frames carry.
#[derive(Debug)]
enum Events {
    /// ConverseStream events.
    Converse(ConverseEvents),
    /// `chunk` events whose `bytes` is one Anthropic event, base64.
    Invoke(EventDecoder),
}

/// Turns the bytes of a Bedrock event stream into canonical chunks.
#[derive(Debug)]
pub struct StreamDecoder {
    frames: FrameReader,
    events: Events,
    pending: VecDeque<ChatChunk>,
    secrets: Arc<[String]>,
    failed: bool,
}

impl StreamDecoder {
    /// A ConverseStream decoder; chunks carry `id`, `model` and `created`.
    pub fn converse(id: &str, model: &str, created: i64, secrets: Arc<[String]>) -> Self {
        Self::new(
            Events::Converse(ConverseEvents::new(id, model, created)),
            secrets,
        )
    }

    /// An InvokeModelWithResponseStream decoder (Anthropic events in `chunk` frames).
    pub fn invoke(created: i64, secrets: Arc<[String]>) -> Self {
        let decoder = EventDecoder::new(created).with_secrets(secrets.clone());
        Self::new(Events::Invoke(decoder), secrets)
    }

    fn new(events: Events, secrets: Arc<[String]>) -> Self {
        Self {
            frames: FrameReader::new(),
            events,
            pending: VecDeque::new(),
            secrets,
            failed: false,
        }
    }

    /// Feeds bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        self.frames.push(bytes);
    }

    /// True once the message ended (or failed) and every chunk was taken.
    pub fn is_done(&self) -> bool {
        let done = match &self.events {
            Events::Converse(c) => c.is_done(),
            Events::Invoke(d) => d.is_done(),
        };
        self.pending.is_empty() && (self.failed || done)
    }

    /// The next chunk; `Ok(None)` when more bytes are needed or the stream is over. An
    /// exception frame is a mapped error.
    pub fn next_chunk(&mut self) -> Result<Option<ChatChunk>, GatewayError> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Ok(Some(chunk));
            }
            if self.is_done() {
                return Ok(None);
            }
            let frame = match self.frames.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(None),
                Err(e) => return Err(self.fail(e)),
            };
            let chunks = match frame {
                Frame::Event {
                    event_type,
                    payload,
                } => self.event(&event_type, &payload),
                Frame::Exception {
                    exception_type,
                    payload,
                } => Err(map_exception(&exception_type, &payload, &self.secrets)),
                Frame::Error { code, message } => Err(GatewayError::bad_gateway(scrub(
                    &format!("the upstream stream failed: {code}: {message}"),
                    &self.secrets,
                ))),
            };
            match chunks {
                Ok(chunks) => self.pending.extend(chunks),
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    /// At the end of the body: the last chunks, or an error if the stream was cut.
    pub fn finish(&mut self) -> Result<Vec<ChatChunk>, GatewayError> {
        if self.failed {
            return Ok(Vec::new());
        }
        let mut out: Vec<ChatChunk> = self.pending.drain(..).collect();
        if let Err(e) = self.frames.finish() {
            self.failed = true;
            return Err(e);
        }
        out.extend(match &mut self.events {
            Events::Converse(c) => c.finish()?,
            Events::Invoke(d) => d.finish()?,
        });
        Ok(out)
    }

    fn event(&mut self, event_type: &str, payload: &[u8]) -> Result<Vec<ChatChunk>, GatewayError> {
        match &mut self.events {
            Events::Converse(c) => c.decode(event_type, payload),
            Events::Invoke(d) if event_type == "chunk" => {
                let frame: Value = serde_json::from_slice(payload).map_err(|e| {
                    GatewayError::bad_gateway(format!(
                        "the upstream sent a chunk we cannot read: {e}"
                    ))
                })?;
                let data = frame.get("bytes").and_then(Value::as_str).unwrap_or("");
                let event = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .map_err(|e| {
                        GatewayError::bad_gateway(format!("a chunk is not base64: {e}"))
                    })?;
                d.decode(&event)
            }
            Events::Invoke(_) => Ok(Vec::new()),
        }
    }

    fn fail(&mut self, e: GatewayError) -> GatewayError {
        self.failed = true;
        e
    }
}

/// Canonical chunks from a Bedrock event-stream body. Dropping the stream drops the body.
pub fn chunk_stream(body: ByteStream, decoder: StreamDecoder) -> ChunkStream {
    switchboard_core::decode_stream(body, decoder)
}

impl switchboard_core::ChunkDecode for StreamDecoder {
    fn push(&mut self, bytes: &[u8]) {
        StreamDecoder::push(self, bytes);
    }

    fn next_chunk(&mut self) -> Result<Option<ChatChunk>, GatewayError> {
        StreamDecoder::next_chunk(self)
    }

    fn is_done(&self) -> bool {
        StreamDecoder::is_done(self)
    }

    fn finish(&mut self) -> (Vec<ChatChunk>, Option<GatewayError>) {
        match StreamDecoder::finish(self) {
            Ok(chunks) => (chunks, None),
            Err(e) => (Vec::new(), Some(e)),
        }
    }
}

#[cfg(test)]
mod tests;
