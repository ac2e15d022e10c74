//! DeepSeek's chat stream made canonical.
//!
//! The bytes are OpenAI's SSE chunk stream (decoded by `switchboard_openai`'s
//! [`ChunkDecoder`](switchboard_openai::ChunkDecoder), which also skips DeepSeek's
//! `: keep-alive` comments). [`StreamFixer`] is the pure state machine after it: canonical
//! chunk in, canonical chunks out.
//!
//! - Usage: `prompt_cache_hit_tokens` → `prompt_tokens_details.cached_tokens`; DeepSeek puts
//!   usage on the finishing chunk, so it is moved to a usage-only chunk after it
//!   (`choices: []`), where OpenAI sends it.
//! - `insufficient_system_resource`: chunks that carry no output yet (the opening role
//!   chunk) are held back, so a stream that stops for lack of resources before any output
//!   fails with a retryable 503 before the gateway commits to a 200; after output it
//!   becomes `length`.

use std::collections::VecDeque;

use futures_util::StreamExt;
use switchboard_core::chat::{ChatChunk, ChunkChoice, FinishReason};
use switchboard_core::{ChunkStream, GatewayError};

use crate::error::{DeepSeekError, refine};
use crate::response::{is_insufficient, normalise_usage};

/// Rewrites DeepSeek's chunks one at a time.
#[derive(Debug, Default)]
pub struct StreamFixer {
    /// Chunks without output, held until output or a finish arrives.
    held: Vec<ChatChunk>,
    /// A chunk with content, reasoning, a refusal or a tool call has gone out.
    output_seen: bool,
}

impl StreamFixer {
    /// A fixer at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next upstream chunk; returns the chunks to send now (possibly none), or
    /// the error the stream must end with.
    pub fn push(&mut self, mut chunk: ChatChunk) -> Result<Vec<ChatChunk>, DeepSeekError> {
        if let Some(Some(usage)) = &mut chunk.usage {
            normalise_usage(usage);
        }
        if !self.output_seen {
            if chunk.choices.iter().any(has_output) {
                self.output_seen = true;
            } else if chunk
                .choices
                .iter()
                .any(|c| is_insufficient(c.finish_reason()))
            {
                self.held.clear();
                return Err(DeepSeekError::InsufficientSystemResource);
            } else if chunk.choices.iter().all(|c| c.finish_reason().is_none()) {
                self.held.push(chunk);
                return Ok(Vec::new());
            }
        }
        let mut out: Vec<ChatChunk> = Vec::with_capacity(self.held.len() + 2);
        for held in std::mem::take(&mut self.held) {
            emit(held, &mut out);
        }
        for choice in &mut chunk.choices {
            if is_insufficient(choice.finish_reason()) {
                tracing::warn!(
                    "deepseek: insufficient_system_resource mid-stream, sent as `length`"
                );
                choice.finish_reason = Some(Some(FinishReason::Length));
            }
        }
        emit(chunk, &mut out);
        Ok(out)
    }

    /// At the end of the upstream stream: whatever is still held.
    pub fn finish(&mut self) -> Vec<ChatChunk> {
        let mut out = Vec::new();
        for held in std::mem::take(&mut self.held) {
            emit(held, &mut out);
        }
        out
    }
}

/// Pushes `chunk`, moving a usage that rides on a chunk with choices to a usage-only chunk.
fn emit(mut chunk: ChatChunk, out: &mut Vec<ChatChunk>) {
    if chunk.choices.is_empty() || chunk.usage().is_none() {
        out.push(chunk);
        return;
    }
    let usage = chunk.usage.replace(None);
    let usage_chunk = ChatChunk {
        id: chunk.id.clone(),
        object: chunk.object.clone(),
        created: chunk.created,
        model: chunk.model.clone(),
        choices: Vec::new(),
        usage,
        system_fingerprint: chunk.system_fingerprint.clone(),
        service_tier: chunk.service_tier.clone(),
        extra: Default::default(),
    };
    out.push(chunk);
    out.push(usage_chunk);
}

/// True when a choice's delta carries something the client would see.
fn has_output(choice: &ChunkChoice) -> bool {
    let d = &choice.delta;
    !d.content().unwrap_or_default().is_empty()
        || !d.reasoning_content().unwrap_or_default().is_empty()
        || !d.refusal().unwrap_or_default().is_empty()
        || d.tool_calls.as_ref().is_some_and(|calls| !calls.is_empty())
        || d.function_call.as_ref().is_some_and(|f| !f.is_null())
}

/// Runs an OpenAI-decoded chunk stream through a [`StreamFixer`]. An upstream error drops
/// the held chunks (so an error before any output stays an HTTP error) and is refined as
/// [`refine`] does. Dropping the result drops `inner`.
pub fn fix_stream(inner: ChunkStream) -> ChunkStream {
    let state = State {
        inner,
        fixer: StreamFixer::new(),
        queue: VecDeque::new(),
        ended: false,
    };
    Box::pin(futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(chunk) = s.queue.pop_front() {
                return Some((Ok(chunk), s));
            }
            if s.ended {
                return None;
            }
            match s.inner.next().await {
                Some(Ok(chunk)) => match s.fixer.push(chunk) {
                    Ok(out) => s.queue.extend(out),
                    Err(e) => {
                        s.ended = true;
                        return Some((Err(GatewayError::from(e)), s));
                    }
                },
                Some(Err(e)) => {
                    s.ended = true;
                    s.fixer.held.clear();
                    return Some((Err(refine(e)), s));
                }
                None => {
                    s.ended = true;
                    s.queue.extend(s.fixer.finish());
                }
            }
        }
    }))
}

struct State {
    inner: ChunkStream,
    fixer: StreamFixer,
    queue: VecDeque<ChatChunk>,
    ended: bool,
}

#[cfg(test)]
mod tests;
