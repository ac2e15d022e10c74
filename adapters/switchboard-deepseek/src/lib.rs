//! switchboard adapter for DeepSeek (kind `deepseek`): OpenAI's chat shape with DeepSeek's
//! quirks.
//!
//! The HTTP, SSE and error mapping are `switchboard_openai`'s; this crate adds what DeepSeek
//! does differently: `reasoning_effort` drives the thinking switch, `reasoning_content` is
//! sent back on every assistant message of a thinking-mode history, `developer` becomes
//! `system`, fields DeepSeek does not take are dropped, cache-hit usage becomes
//! `cached_tokens`, `insufficient_system_resource` becomes `length` (or a retryable 503
//! before any output) and a 402 says "balance" and is not a retry candidate. Every request
//! takes the canonical path, so Responses and legacy completions ride on chat. Used alone,
//! [`DeepSeekAdapter`] is a typed client for DeepSeek.

mod adapter;
mod config;
mod error;
mod request;
mod response;
mod stream;

pub use adapter::DeepSeekAdapter;
pub use config::{API_KEY_ENV, DeepSeekConfig, EffortMode, ReasoningHistory};
pub use error::{DeepSeekError, refine as refine_error};
pub use request::{Quirks, prepare as prepare_request};
pub use response::{INSUFFICIENT_SYSTEM_RESOURCE, normalise_response, normalise_usage};
pub use stream::{StreamFixer, fix_stream};

inventory::submit! {
    switchboard_core::AdapterFactory {
        kind: "deepseek",
        description: "DeepSeek (OpenAI shape plus thinking mode, reasoning_content, cache-hit usage)",
        build: adapter::build,
    }
}
