//! switchboard adapter for Qwen on Alibaba Cloud Model Studio (DashScope) compatible mode
//! (kind `qwen`): `POST {base_url}/chat/completions`, with `base_url` picked by
//! [`Region`] or given outright.
//!
//! It wraps [`switchboard_openai::OpenAiAdapter`] and adds what DashScope does differently:
//! `reasoning_effort` becomes `enable_thinking` / `thinking_budget`, `developer` messages
//! become `system`, fields DashScope does not take are dropped, streams always ask for
//! usage, non-streaming calls stream and fold (so thinking-only-when-streaming models
//! work), tool-call pieces lose their repeated empty ids, and DashScope's error codes, in
//! either spelling, get OpenAI's status and type. Used alone, [`QwenAdapter`] is a typed
//! client for DashScope.

mod adapter;
mod config;
mod error;
mod request;
mod response;
mod stream;
#[cfg(test)]
mod testing;

pub use adapter::QwenAdapter;
pub use config::{
    NonStream, QwenConfig, Region, default_stream_only_thinking, default_thinking_budgets,
};
pub use response::{Fold, normalise_response};
pub use stream::normalise_chunk;

inventory::submit! {
    switchboard_core::AdapterFactory {
        kind: "qwen",
        description: "Qwen on Alibaba Cloud DashScope (OpenAI-compatible mode)",
        build: adapter::build,
    }
}
