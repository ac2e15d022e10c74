//! DashScope's chat stream → canonical chunks.
//!
//! The wire is OpenAI's SSE (decoded by `switchboard_openai::ChunkDecoder`); this module
//! fixes what DashScope sends differently, chunk by chunk, as a pure function:
//!
//! - tool-call continuation pieces repeat `"id": ""` and `"type": "function"`: both are
//!   removed, so an empty id never overwrites the real one and the pieces read like
//!   OpenAI's (index and arguments only);
//! - a choice without a `finish_reason` key gets `finish_reason: null`, which OpenAI's
//!   chunk schema requires; `system_fingerprint: null` (a string in OpenAI's schema) and
//!   `service_tier: null` are left out;
//! - an error event mid-stream is mapped like an error answer (see `error.rs`).

use futures_util::StreamExt;
use switchboard_core::ChunkStream;
use switchboard_core::chat::ChatChunk;

use crate::error::map_error;

/// Rewrites one chunk in place (see the module doc).
pub fn normalise_chunk(chunk: &mut ChatChunk) {
    if chunk.system_fingerprint == Some(None) {
        chunk.system_fingerprint = None;
    }
    if chunk.service_tier == Some(None) {
        chunk.service_tier = None;
    }
    for choice in &mut chunk.choices {
        if choice.finish_reason.is_none() {
            choice.finish_reason = Some(None);
        }
        for call in choice.delta.tool_calls.iter_mut().flatten() {
            if call.id.as_deref() == Some("") {
                call.id = None;
                call.r#type = None;
            }
            if let Some(function) = &mut call.function
                && function.name.as_deref() == Some("")
            {
                function.name = None;
            }
        }
    }
}

/// Applies [`normalise_chunk`] and [`map_error`] to a stream from the OpenAI client.
pub(crate) fn normalise(stream: ChunkStream) -> ChunkStream {
    Box::pin(stream.map(|item| match item {
        Ok(mut chunk) => {
            normalise_chunk(&mut chunk);
            Ok(chunk)
        }
        Err(e) => Err(map_error(e)),
    }))
}

#[cfg(test)]
mod tests;
