//! One server-sent event of a streamed Chat Completions answer.

use serde::Serialize;
use serde_json::{Map, Value};

use super::finish_reason::FinishReason;
use super::message::Role;
use super::open_object::deserialize_open_object;
use super::serde_helpers::double_option;
use super::tools::ToolCallDelta;
use super::usage::Usage;

fn chat_completion_chunk() -> String {
    "chat.completion.chunk".to_owned()
}

/// One stream chunk (`"object": "chat.completion.chunk"`): the JSON of one `data:` line.
///
/// Fields OpenAI sends as `null` (`usage` on every chunk but the last when usage was
/// asked for, `system_fingerprint`, ...) are `Option<Option<T>>`: `None` is an absent key,
/// `Some(None)` an explicit `null`, and each is written back as it came. Vendor fields
/// (`obfuscation`, `prompt_filter_results`, ...) stay in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatChunk {
    /// The completion's id, the same on every chunk.
    pub id: String,
    /// Always `"chat.completion.chunk"` from OpenAI; read as sent, defaulting to that.
    pub object: String,
    /// Unix time, in seconds, when the completion was created.
    pub created: i64,
    /// The model that answers.
    pub model: String,
    /// The choices' deltas; empty on the final usage chunk.
    pub choices: Vec<ChunkChoice>,
    /// Token counts, on the final chunk; see [`ChatChunk::usage`].
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub usage: Option<Option<Usage>>,
    /// The backend configuration's fingerprint (deprecated by OpenAI).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub system_fingerprint: Option<Option<String>>,
    /// The tier that processes the request.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub service_tier: Option<Option<String>>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_open_object!(ChatChunk, "a chat completion chunk" {
    id: "id" => or_default,
    object: "object" => or(chat_completion_chunk()),
    created: "created" => or_default,
    model: "model" => or_default,
    choices: "choices" => or_default,
    usage: "usage" => present,
    system_fingerprint: "system_fingerprint" => present,
    service_tier: "service_tier" => present,
});

impl Default for ChatChunk {
    /// An empty chunk with `object` set to `"chat.completion.chunk"`.
    fn default() -> Self {
        Self {
            id: String::new(),
            object: chat_completion_chunk(),
            created: 0,
            model: String::new(),
            choices: Vec::new(),
            usage: None,
            system_fingerprint: None,
            service_tier: None,
            extra: Map::new(),
        }
    }
}

impl ChatChunk {
    /// The token counts, whether absent or `null` (both `None`).
    pub fn usage(&self) -> Option<&Usage> {
        self.usage.as_ref().and_then(Option::as_ref)
    }

    /// True for the final usage chunk: no choices and a non-null `usage`.
    pub fn is_usage_only(&self) -> bool {
        self.choices.is_empty() && self.usage().is_some()
    }
}

/// One choice's piece of a [`ChatChunk`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ChunkChoice {
    /// Which choice this piece belongs to.
    pub index: u32,
    /// What the message gained; an absent `delta` reads as empty.
    pub delta: ChunkDelta,
    /// Why generation stopped, on the choice's last piece; `Some(None)` for `null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub finish_reason: Option<Option<FinishReason>>,
    /// Log probabilities, kept as JSON; `Some(Value::Null)` for an explicit `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Value>,
    /// Fields we do not model (`content_filter_results`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_open_object!(ChunkChoice, "a chat chunk choice" {
    index: "index" => or_default,
    delta: "delta" => or_default,
    finish_reason: "finish_reason" => present,
    logprobs: "logprobs" => present,
});

impl ChunkChoice {
    /// Why generation stopped, whether absent or `null` (both `None`).
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.finish_reason.as_ref().and_then(Option::as_ref)
    }
}

/// What a choice's message gained in one chunk (`delta`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ChunkDelta {
    /// The author, usually only on the first chunk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// More answer text; `Some(None)` for `"content": null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub content: Option<Option<String>>,
    /// More reasoning text (DeepSeek, Qwen, xAI); `Some(None)` for `null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub reasoning_content: Option<Option<String>>,
    /// Pieces of tool calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
    /// More refusal text; `Some(None)` for `"refusal": null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub refusal: Option<Option<String>>,
    /// A piece of the deprecated function call; `Some(Value::Null)` for `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_call: Option<Value>,
    /// Fields we do not model (`annotations`, `reasoning`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_open_object!(ChunkDelta, "a chat chunk delta" {
    role: "role" => or_default,
    content: "content" => present,
    reasoning_content: "reasoning_content" => present,
    tool_calls: "tool_calls" => or_default,
    refusal: "refusal" => present,
    function_call: "function_call" => present,
});

impl ChunkDelta {
    /// The text piece, whether absent or `null` (both `None`).
    pub fn content(&self) -> Option<&str> {
        self.content.as_ref().and_then(Option::as_deref)
    }

    /// The reasoning piece, whether absent or `null` (both `None`).
    pub fn reasoning_content(&self) -> Option<&str> {
        self.reasoning_content.as_ref().and_then(Option::as_deref)
    }

    /// The refusal piece, whether absent or `null` (both `None`).
    pub fn refusal(&self) -> Option<&str> {
        self.refusal.as_ref().and_then(Option::as_deref)
    }
}
