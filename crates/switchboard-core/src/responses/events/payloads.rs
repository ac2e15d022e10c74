//! The payloads of [`super::ResponseStreamEvent`]'s variants: one struct per event shape,
//! each with exactly the fields its OpenAI schema requires.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::super::items::{OutputContent, OutputItem, SummaryText};
use super::super::response::Response;

/// `response.created`, `.in_progress`, `.completed`, `.incomplete` and `.failed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleEvent {
    /// The event's position in the stream, from 0.
    pub sequence_number: u64,
    /// The response as it stands.
    pub response: Box<Response>,
}

/// `response.output_item.added` and `.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputItemEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The item's position in `output`.
    pub output_index: usize,
    /// The item: `in_progress` and empty when added, whole when done.
    pub item: OutputItem,
}

/// `response.content_part.added` and `.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentPartEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The message item's id.
    pub item_id: String,
    /// The message item's position in `output`.
    pub output_index: usize,
    /// The part's position in the message's `content`.
    pub content_index: usize,
    /// The part: empty when added, whole when done.
    pub part: OutputContent,
}

/// `response.output_text.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextDeltaEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The message item's id.
    pub item_id: String,
    /// The message item's position in `output`.
    pub output_index: usize,
    /// The part's position in the message's `content`.
    pub content_index: usize,
    /// The new text.
    pub delta: String,
    /// Log probabilities of the new tokens (required; `[]` when none).
    #[serde(default)]
    pub logprobs: Vec<Value>,
}

/// `response.output_text.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextDoneEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The message item's id.
    pub item_id: String,
    /// The message item's position in `output`.
    pub output_index: usize,
    /// The part's position in the message's `content`.
    pub content_index: usize,
    /// The part's whole text.
    pub text: String,
    /// Log probabilities (required; `[]` when none).
    #[serde(default)]
    pub logprobs: Vec<Value>,
}

/// `response.refusal.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefusalDeltaEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The message item's id.
    pub item_id: String,
    /// The message item's position in `output`.
    pub output_index: usize,
    /// The part's position in the message's `content`.
    pub content_index: usize,
    /// The new refusal text.
    pub delta: String,
}

/// `response.refusal.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefusalDoneEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The message item's id.
    pub item_id: String,
    /// The message item's position in `output`.
    pub output_index: usize,
    /// The part's position in the message's `content`.
    pub content_index: usize,
    /// The whole refusal text.
    pub refusal: String,
}

/// How a summary part ended, on `reasoning_summary_part.done` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartStatus {
    /// Generation was interrupted; left out when the part completed normally.
    Incomplete,
}

/// `response.reasoning_summary_part.added` and `.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryPartEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The reasoning item's id.
    pub item_id: String,
    /// The reasoning item's position in `output`.
    pub output_index: usize,
    /// The part's position in the item's `summary`.
    pub summary_index: usize,
    /// The part: empty when added, whole when done.
    pub part: SummaryText,
    /// `incomplete` on a `done` whose generation was interrupted; otherwise left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PartStatus>,
}

/// `response.reasoning_summary_text.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryTextDeltaEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The reasoning item's id.
    pub item_id: String,
    /// The reasoning item's position in `output`.
    pub output_index: usize,
    /// The part's position in the item's `summary` (Codex drops the event without it).
    pub summary_index: usize,
    /// The new reasoning text.
    pub delta: String,
}

/// `response.reasoning_summary_text.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryTextDoneEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The reasoning item's id.
    pub item_id: String,
    /// The reasoning item's position in `output`.
    pub output_index: usize,
    /// The part's position in the item's `summary`.
    pub summary_index: usize,
    /// The part's whole text.
    pub text: String,
}

/// `response.function_call_arguments.delta` and `response.custom_tool_call_input.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallDeltaEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The call item's id.
    pub item_id: String,
    /// The call item's position in `output`.
    pub output_index: usize,
    /// The new arguments text, or the new input text of a custom call.
    pub delta: String,
}

/// `response.function_call_arguments.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallArgumentsDoneEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The call item's id.
    pub item_id: String,
    /// The call item's position in `output`.
    pub output_index: usize,
    /// The function's name.
    pub name: String,
    /// The whole arguments JSON text.
    pub arguments: String,
}

/// `response.custom_tool_call_input.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomToolCallInputDoneEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// The call item's id.
    pub item_id: String,
    /// The call item's position in `output`.
    pub output_index: usize,
    /// The whole input.
    pub input: String,
}

/// `error`: `code` and `param` are required and may be `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// The event's position in the stream.
    pub sequence_number: u64,
    /// A machine-readable code, or `null`.
    pub code: Option<String>,
    /// What went wrong.
    pub message: String,
    /// The request parameter at fault, or `null`.
    pub param: Option<String>,
}
