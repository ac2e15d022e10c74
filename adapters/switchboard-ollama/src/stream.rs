//! Ollama's chat stream: NDJSON (`application/x-ndjson`), one JSON object per `\n`-ended
//! line, the last with `"done": true`; an `{"error":...}` line reports a failure after the 200.
//!
//! [`NdjsonDecoder`] cuts bytes into lines, whatever the split; [`ChunkDecoder`] is the pure
//! state machine (bytes in, canonical chunks out); [`chunk_stream`] only feeds it from the
//! network.

use std::collections::VecDeque;
use std::sync::Arc;

use switchboard_core::chat::{
    ChatChunk, ChunkChoice, ChunkDelta, FunctionCallDelta, Role, ToolCallDelta,
};
use switchboard_core::responses::IdGen;
use switchboard_core::{ByteStream, ChunkStream, GatewayError};

use crate::error::stream_error;
use crate::response::{completion_id, finish_reason, now, tool_call, unix_seconds, usage};
use crate::wire::ChatLine;

/// Longest line accepted (Ollama's lines are a few hundred bytes).
const MAX_LINE: usize = 16 << 20;

/// Splits a byte stream into lines at `\n` (a `\r` before it is dropped), across any split.
#[derive(Debug, Default)]
pub struct NdjsonDecoder {
    buf: Vec<u8>,
    /// Where the next line starts in `buf`.
    start: usize,
    /// Where the search for `\n` resumes (everything before it has none).
    scanned: usize,
}

impl NdjsonDecoder {
    /// Feeds bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            (self.start, self.scanned) = (0, 0);
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole line without its terminator, or `None` until more bytes arrive.
    /// Fails when a line grows past 16 MiB.
    pub fn next_line(&mut self) -> Result<Option<Vec<u8>>, GatewayError> {
        let from = self.scanned.max(self.start);
        let Some(at) = memchr::memchr(b'\n', &self.buf[from..]) else {
            self.scanned = self.buf.len();
            if self.buf.len() - self.start > MAX_LINE {
                return Err(GatewayError::bad_gateway(
                    "the upstream sent a stream line longer than 16 MiB",
                ));
            }
            return Ok(None);
        };
        let end = from + at;
        let mut line = &self.buf[self.start..end];
        if let Some(stripped) = line.strip_suffix(b"\r") {
            line = stripped;
        }
        let line = line.to_vec();
        self.start = end + 1;
        self.scanned = self.start;
        if self.start > 64 * 1024 {
            self.buf.drain(..self.start);
            (self.start, self.scanned) = (0, 0);
        }
        Ok(Some(line))
    }

    /// At end of input: the last line if it had no `\n`.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        let rest = self.buf.get(self.start..).unwrap_or_default();
        let rest = rest.strip_suffix(b"\r").unwrap_or(rest).to_vec();
        self.buf.clear();
        (self.start, self.scanned) = (0, 0);
        (!rest.is_empty()).then_some(rest)
    }
}

/// Turns the bytes of an `/api/chat` stream into canonical chunks: a role chunk first,
/// reasoning and content deltas, one whole tool-call delta per call (id synthesized when
/// Ollama sent none), then a finish chunk and a usage-only chunk from the `done` line.
pub struct ChunkDecoder {
    lines: NdjsonDecoder,
    ready: VecDeque<ChatChunk>,
    id: String,
    ids: IdGen,
    created: Option<i64>,
    model: String,
    sent_role: bool,
    tool_calls: u32,
    done: bool,
    secrets: Arc<[String]>,
}

impl ChunkDecoder {
    /// A decoder for one completion with id `id` (`chatcmpl-...`), scrubbing `secrets`
    /// from any error the stream carries.
    pub fn new(id: impl Into<String>, secrets: Arc<[String]>) -> Self {
        let id = id.into();
        Self {
            lines: NdjsonDecoder::default(),
            ready: VecDeque::new(),
            ids: IdGen::new(&id),
            id,
            created: None,
            model: String::new(),
            sent_role: false,
            tool_calls: 0,
            done: false,
            secrets,
        }
    }

    /// Feeds bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        self.lines.push(bytes);
    }

    /// The next chunk, `Ok(None)` when more bytes are needed or after the `done` line.
    /// An `{"error":...}` line or an unreadable line is returned as an error.
    pub fn next_chunk(&mut self) -> Result<Option<ChatChunk>, GatewayError> {
        loop {
            if let Some(chunk) = self.ready.pop_front() {
                return Ok(Some(chunk));
            }
            if self.done {
                return Ok(None);
            }
            match self.lines.next_line()? {
                Some(line) => self.decode(&line)?,
                None => return Ok(None),
            }
        }
    }

    /// At end of input: a last line without `\n`, or an error if the stream was cut
    /// before its `done` line.
    pub fn finish(&mut self) -> Result<Option<ChatChunk>, GatewayError> {
        if !self.done
            && let Some(line) = self.lines.finish()
        {
            self.decode(&line)?;
        }
        if let Some(chunk) = self.ready.pop_front() {
            return Ok(Some(chunk));
        }
        if self.done {
            Ok(None)
        } else {
            Err(GatewayError::bad_gateway(
                "Ollama closed the stream before it finished",
            ))
        }
    }

    /// True once the `done` line was read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    fn decode(&mut self, line: &[u8]) -> Result<(), GatewayError> {
        let line = line.trim_ascii();
        if line.is_empty() {
            return Ok(());
        }
        let line: ChatLine = serde_json::from_slice(line).map_err(|e| {
            GatewayError::bad_gateway(format!("Ollama sent a stream line we cannot read: {e}"))
        })?;
        if let Some(error) = &line.error {
            self.done = true;
            return Err(stream_error(error, &self.secrets));
        }
        if self.created.is_none() {
            self.created = Some(
                line.created_at
                    .as_deref()
                    .and_then(unix_seconds)
                    .unwrap_or_else(now),
            );
        }
        if let Some(model) = line.model.as_ref().filter(|m| !m.is_empty()) {
            model.clone_into(&mut self.model);
        }
        let message = line.message.clone().unwrap_or_default();
        if let Some(thinking) = message.thinking.filter(|t| !t.is_empty()) {
            self.emit(ChunkDelta {
                reasoning_content: Some(Some(thinking)),
                ..ChunkDelta::default()
            });
        }
        if let Some(content) = message.content.filter(|t| !t.is_empty()) {
            self.emit(ChunkDelta {
                content: Some(Some(content)),
                ..ChunkDelta::default()
            });
        }
        for call in message.tool_calls.unwrap_or_default() {
            let call = tool_call(call, &mut self.ids);
            let delta = ToolCallDelta {
                index: self.tool_calls,
                id: Some(call.id),
                r#type: Some(call.r#type),
                function: Some(FunctionCallDelta {
                    name: Some(call.function.name),
                    arguments: Some(call.function.arguments),
                    ..FunctionCallDelta::default()
                }),
                ..ToolCallDelta::default()
            };
            self.tool_calls += 1;
            self.emit(ChunkDelta {
                tool_calls: Some(vec![delta]),
                ..ChunkDelta::default()
            });
        }
        if line.done {
            self.done = true;
            let reason = finish_reason(line.done_reason.as_deref(), self.tool_calls > 0);
            let mut last = self.chunk(ChunkDelta::default());
            last.choices[0].finish_reason = Some(Some(reason));
            if !self.sent_role {
                last.choices[0].delta.role = Some(Role::Assistant);
                self.sent_role = true;
            }
            self.ready.push_back(last);
            let mut tail = self.chunk(ChunkDelta::default());
            tail.choices.clear();
            tail.usage = Some(Some(usage(&line)));
            self.ready.push_back(tail);
        }
        Ok(())
    }

    /// Queues a content-bearing delta; the first one carries the role.
    fn emit(&mut self, mut delta: ChunkDelta) {
        if !self.sent_role {
            delta.role = Some(Role::Assistant);
            self.sent_role = true;
        }
        let chunk = self.chunk(delta);
        self.ready.push_back(chunk);
    }

    fn chunk(&self, delta: ChunkDelta) -> ChatChunk {
        ChatChunk {
            id: self.id.clone(),
            created: self.created.unwrap_or(0),
            model: self.model.clone(),
            choices: vec![ChunkChoice {
                index: 0,
                delta,
                finish_reason: Some(None),
                ..ChunkChoice::default()
            }],
            ..ChatChunk::default()
        }
    }
}

/// Canonical chunks from an `/api/chat` NDJSON body. Dropping the stream drops the body.
pub fn chunk_stream(body: ByteStream, secrets: Arc<[String]>) -> ChunkStream {
    switchboard_core::decode_stream(body, ChunkDecoder::new(completion_id(), secrets))
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
