//! The Responses API (`POST /v1/responses`) and its bridge to Chat Completions.
//!
//! Request side (a client's `CreateResponse` → a canonical [`crate::chat::ChatRequest`]):
//! `request.rs` (the request types), `input.rs` (input items and content),
//! `tools.rs` (Responses tools and tool_choice), `to_chat.rs` (the translation).
//!
//! Response side (canonical chat output → a Responses `Response` and its stream events):
//! `items.rs` (output items), `response.rs` (the `Response` object), `usage.rs`,
//! `events.rs` (stream event types), `stream.rs` (the chunk → event state machine),
//! `from_chat.rs` (a whole `ChatResponse` → `Response`), `ids.rs`.
//!
//! Shared by both sides: [`ToolNames`] (how chat function names map back to custom and
//! namespaced Responses tools) and [`ResponseEcho`] (the request parameters a `Response`
//! echoes). Both sides are pure: no I/O, tested as data.

mod echo;
mod tool_names;

pub use echo::ResponseEcho;
pub use tool_names::{ToolNames, ToolOrigin};
