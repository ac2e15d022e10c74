//! The legacy Completions API (`POST /v1/completions`) and its bridge to Chat Completions.
//!
//! Upstreams with a native completions endpoint (vLLM, llama.cpp, Ollama, OpenAI's
//! instruct models) get the request as it came. For chat-only upstreams, [`to_chat`] turns
//! the one prompt into one `user` message and refuses, with a 400 naming the parameter,
//! what a chat model cannot do (batched or token-array prompts, `suffix`, `echo`,
//! `best_of`, `logprobs`); [`completion_from_chat`] and [`chunk_from_chat`] turn the
//! answer back. A completions stream uses the [`CompletionResponse`] shape for every chunk
//! and, unlike Responses, ends with `data: [DONE]`.
//!
//! - `types.rs`: [`CompletionRequest`] with its [`Prompt`], [`CompletionResponse`] and
//!   [`CompletionChoice`].
//! - `to_chat.rs`: [`to_chat`].
//! - `from_chat.rs`: [`completion_from_chat`], [`chunk_from_chat`], [`map_finish_reason`].
//!
//! All of it is pure and tested as data against recorded OpenAI traffic
//! (`tests/fixtures/completions/`).

mod from_chat;
mod to_chat;
mod types;

#[cfg(test)]
mod tests;

pub use from_chat::{chunk_from_chat, completion_from_chat, map_finish_reason};
pub use to_chat::to_chat;
pub use types::{
    CompletionChoice, CompletionRequest, CompletionResponse, DEFAULT_MAX_TOKENS, Prompt,
};
