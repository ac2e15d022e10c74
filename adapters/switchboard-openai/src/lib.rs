//! switchboard adapter for OpenAI and every OpenAI-compatible server (kind `openai`):
//! api.openai.com, vLLM, SGLang, llama.cpp's server, LocalAI, Ollama's `/v1`, Zhipu GLM,
//! Moonshot and anything else that serves `POST {base_url}/chat/completions`.
//!
//! It offers the same-shape fast path ([`switchboard_core::Adapter::send_raw`]): the
//! gateway forwards the client's body and the upstream's bytes untouched. The canonical
//! methods serve everything that needs translation. Used alone, [`OpenAiAdapter`] is a
//! typed client for any such server.

mod adapter;
mod config;
mod error;
mod request;
mod stream;

pub use adapter::OpenAiAdapter;
pub use config::{Mode, OpenAiConfig};
pub use error::map_error_response;
pub use stream::{ChunkDecoder, chunk_stream};

inventory::submit! {
    switchboard_core::AdapterFactory {
        kind: "openai",
        description: "OpenAI and any OpenAI-compatible server (vLLM, LocalAI, llama.cpp, Ollama /v1, GLM ...)",
        build: adapter::build,
    }
}
