//! Chat Completions types: the canonical request, response and stream chunk every
//! adapter translates to and from, shaped like OpenAI's published schemas.
//!
//! Lenient on input, strict on output: every object keeps the fields we do not model in
//! an `extra` map, enums we inspect ([`Role`], [`FinishReason`]) have an `Other` variant,
//! and fields OpenAI sends as `null` round-trip as `null` (see [`ChatChunk`]).
//!
//! - `request.rs`: [`ChatRequest`] with its [`Stop`] and [`StreamOptions`].
//! - `message.rs`: [`ChatMessage`] and [`Role`]; `content.rs`: [`MessageContent`] and
//!   its [`ContentPart`]s.
//! - `tools.rs`: [`Tool`], [`ToolChoice`], [`ToolCall`] and the stream's [`ToolCallDelta`].
//! - `response_format.rs`: [`ResponseFormat`].
//! - `response.rs`: [`ChatResponse`]; `chunk.rs`: [`ChatChunk`]; `usage.rs`: [`Usage`];
//!   `finish_reason.rs`: [`FinishReason`].
//! - `serde_helpers.rs`: the `null`-keeping field helpers the types above share;
//!   `open_object.rs`: the hand-written `Deserialize` of the stream types (no `flatten`).

mod chunk;
mod content;
mod finish_reason;
mod message;
pub(crate) mod open_object;
mod request;
mod response;
mod response_format;
mod serde_helpers;
mod tools;
mod usage;

#[cfg(test)]
mod tests;

pub use chunk::{ChatChunk, ChunkChoice, ChunkDelta};
pub use content::{ContentPart, FileContent, ImageUrl, InputAudio, MessageContent};
pub use finish_reason::FinishReason;
pub use message::{ChatMessage, Role};
pub use request::{ChatRequest, Stop, StreamOptions};
pub use response::{ChatChoice, ChatResponse};
pub use response_format::{JsonSchemaFormat, ResponseFormat};
pub use tools::{
    FunctionCall, FunctionCallDelta, FunctionDefinition, NamedToolChoice, Tool, ToolCall,
    ToolCallDelta, ToolChoice, ToolChoiceFunction,
};
pub use usage::{CompletionTokensDetails, PromptTokensDetails, Usage};
