//! Azure's chat stream: OpenAI's SSE chunks (decoded by [`switchboard_openai::ChunkDecoder`]),
//! plus two Azure habits.
//!
//! - The first chunk often carries only `prompt_filter_results`, with `choices: []` and
//!   empty `id`, `model` and `object` (`created: 0`). It is kept (the filter verdict is
//!   worth having), with `object` set to `chat.completion.chunk` so what the gateway
//!   emits matches OpenAI's schema. Nothing here or in the gateway reads `choices[0]`.
//! - Deltas carry `content_filter_results`, kept in each choice's `extra`; a completion cut
//!   by the filter ends with `finish_reason: content_filter`, already OpenAI's value.

use std::sync::Arc;

use futures_util::StreamExt;
use switchboard_core::chat::ChatChunk;
use switchboard_core::{ByteStream, ChunkStream};

/// What OpenAI's schema requires as a chunk's `object`.
const CHUNK_OBJECT: &str = "chat.completion.chunk";

/// Canonical chunks from an Azure chat stream. Dropping the stream drops the body.
pub fn azure_chunk_stream(body: ByteStream, secrets: Arc<[String]>) -> ChunkStream {
    Box::pin(switchboard_openai::chunk_stream(body, secrets).map(|item| item.map(normalise_chunk)))
}

/// Fixes the fields Azure leaves empty on its prompt-filter chunk.
pub fn normalise_chunk(mut chunk: ChatChunk) -> ChatChunk {
    if chunk.object.is_empty() {
        chunk.object = CHUNK_OBJECT.to_owned();
    }
    chunk
}

#[cfg(test)]
mod tests;
