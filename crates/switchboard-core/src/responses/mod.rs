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
mod events;
mod from_chat;
pub mod ids;
mod input;
mod items;
mod request;
mod response;
mod stream;
mod to_chat;
mod tool_names;
mod tools;
mod usage;

pub use echo::ResponseEcho;
pub use events::{
    CallDeltaEvent, ContentPartEvent, CustomToolCallInputDoneEvent, ErrorEvent,
    FunctionCallArgumentsDoneEvent, LifecycleEvent, OutputItemEvent, PartStatus, RefusalDeltaEvent,
    RefusalDoneEvent, ResponseStreamEvent, SummaryPartEvent, SummaryTextDeltaEvent,
    SummaryTextDoneEvent, TextDeltaEvent, TextDoneEvent,
};
pub use from_chat::{chunks_from_chat, fold_chat, response_from_chat};
pub use ids::IdGen;
pub use input::{
    CustomToolCallInput, FilePart, FunctionCallInput, ImagePart, Input, InputContent, InputItem,
    InputPart, ItemReference, MessageInput, OutputTextPart, ReasoningInput, ReasoningPart,
    RefusalPart, TextPart, ToolOutput,
};
pub use items::{
    AssistantRole, CustomToolCallItem, FunctionCallItem, ItemStatus, OutputContent, OutputItem,
    OutputMessage, ReasoningItem, ReasoningText, SummaryText,
};
pub use request::{CreateResponse, ReasoningParam, TextFormat, TextParam};
pub use response::{IncompleteDetails, IncompleteReason, Response, ResponseError, ResponseStatus};
pub use stream::{ResponseStream, Sealer};
pub use to_chat::{ChatTranslation, SystemPolicy, TranslateOptions, to_chat};
pub use tool_names::{ToolNames, ToolOrigin};
pub use tools::{
    AllowedTools, CustomTool, CustomToolFormat, FunctionTool, NamespaceTool, ResponsesTool,
    ResponsesToolChoice, ToolChoiceName,
};
pub use usage::{InputTokensDetails, OutputTokensDetails, ResponseUsage};
