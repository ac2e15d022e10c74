//! switchboard adapter for the Anthropic Messages API (kind `anthropic`).
//!
//! The pure translation lives in modules with no HTTP, for reuse (the Bedrock adapter's
//! InvokeModel takes the same body and streams the same events):
//! [`convert`] (chat request → Messages body, Messages answer → chat response),
//! [`events`] (stream events → chat chunks, a state machine), [`types`] (the wire types),
//! [`thinking`] (the per-model thinking table) and the error mapping
//! ([`map_error_response`], [`map_error_event`]). The HTTP side is [`AnthropicAdapter`]
//! (`POST /v1/messages`, `GET /v1/models`) and the SSE reader of [`stream`]. Used alone,
//! [`AnthropicAdapter`] is a typed client for Claude with OpenAI-shaped types.

mod adapter;
mod config;
pub mod convert;
mod error;
pub mod events;
mod models;
mod request;
pub mod stream;
pub mod thinking;
pub mod types;

pub use adapter::AnthropicAdapter;
pub use config::{AnthropicConfig, AuthStyle};
pub use convert::{ConvertOptions, from_messages_response, to_messages_request};
pub use error::{map_error_event, map_error_response, status_of_type};
pub use events::EventDecoder;
pub use stream::{SseChunkDecoder, chunk_stream};
pub use thinking::{ThinkingForm, ThinkingRules};
pub use types::{MessagesRequest, MessagesResponse};

inventory::submit! {
    switchboard_core::AdapterFactory {
        kind: "anthropic",
        description: "Anthropic Messages API (Claude): tools, images, thinking, prompt caching",
        build: adapter::build,
    }
}
