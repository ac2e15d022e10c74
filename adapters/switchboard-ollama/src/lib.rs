//! switchboard adapter for Ollama's native API (kind `ollama`): `POST /api/chat` with
//! NDJSON streaming, `options`, `keep_alive`, `format` (JSON mode and JSON schemas),
//! base64 images, whole tool calls with object arguments, and `thinking`; `GET /api/tags`
//! for the model list.
//!
//! Every request is translated (Ollama's native API is not OpenAI-shaped), so the
//! canonical methods serve all of chat, Responses and legacy completions. Ollama's own
//! OpenAI-compatible `/v1` is served by kind `openai` instead. Used alone,
//! [`OllamaAdapter`] is a typed client for an Ollama server.
//!
//! - `config.rs`: [`OllamaConfig`]; `endpoints.rs`: the upstream HTTP requests.
//! - `request.rs` and `messages.rs`: canonical request → Ollama's; `wire.rs`: Ollama's types.
//! - `response.rs`: Ollama's answer → canonical; `stream.rs`: [`NdjsonDecoder`] and the
//!   [`ChunkDecoder`] state machine; `error.rs`: [`map_error_response`].

mod adapter;
mod config;
mod endpoints;
mod error;
mod messages;
mod request;
mod response;
mod stream;
mod wire;

pub use adapter::OllamaAdapter;
pub use config::{KeepAlive, OllamaConfig, Think};
pub use error::map_error_response;
pub use stream::{ChunkDecoder, NdjsonDecoder, chunk_stream};

inventory::submit! {
    switchboard_core::AdapterFactory {
        kind: "ollama",
        description: "Ollama's native API (/api/chat NDJSON, keep_alive, options, think); use kind openai for its /v1",
        build: adapter::build,
    }
}
