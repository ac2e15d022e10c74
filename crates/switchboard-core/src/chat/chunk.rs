//! One server-sent event of a streamed Chat Completions answer.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::finish_reason::FinishReason;
use super::message::Role;
use super::serde_helpers::{double_option, keep_null};
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatChunk {
    /// The completion's id, the same on every chunk.
    #[serde(default)]
    pub id: String,
    /// Always `"chat.completion.chunk"` from OpenAI; read as sent, defaulting to that.
    #[serde(default = "chat_completion_chunk")]
    pub object: String,
    /// Unix time, in seconds, when the completion was created.
    #[serde(default)]
    pub created: i64,
    /// The model that answers.
    #[serde(default)]
    pub model: String,
    /// The choices' deltas; empty on the final usage chunk.
    #[serde(default)]
    pub choices: Vec<ChunkChoice>,
    /// Token counts, on the final chunk; see [`ChatChunk::usage`].
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        with = "double_option"
    )]
    pub usage: Option<Option<Usage>>,
    /// The backend configuration's fingerprint (deprecated by OpenAI).
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        with = "double_option"
    )]
    pub system_fingerprint: Option<Option<String>>,
    /// The tier that processes the request.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        with = "double_option"
    )]
    pub service_tier: Option<Option<String>>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

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
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChunkChoice {
    /// Which choice this piece belongs to.
    #[serde(default)]
    pub index: u32,
    /// What the message gained; an absent `delta` reads as empty.
    #[serde(default)]
    pub delta: ChunkDelta,
    /// Why generation stopped, on the choice's last piece; `Some(None)` for `null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        with = "double_option"
    )]
    pub finish_reason: Option<Option<FinishReason>>,
    /// Log probabilities, kept as JSON; `Some(Value::Null)` for an explicit `null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "keep_null"
    )]
    pub logprobs: Option<Value>,
    /// Fields we do not model (`content_filter_results`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ChunkChoice {
    /// Why generation stopped, whether absent or `null` (both `None`).
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.finish_reason.as_ref().and_then(Option::as_ref)
    }
}

/// What a choice's message gained in one chunk (`delta`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChunkDelta {
    /// The author, usually only on the first chunk.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub role: Option<Role>,
    /// More answer text; `Some(None)` for `"content": null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        with = "double_option"
    )]
    pub content: Option<Option<String>>,
    /// More reasoning text (DeepSeek, Qwen, xAI); `Some(None)` for `null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        with = "double_option"
    )]
    pub reasoning_content: Option<Option<String>>,
    /// Pieces of tool calls.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
    /// More refusal text; `Some(None)` for `"refusal": null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        with = "double_option"
    )]
    pub refusal: Option<Option<String>>,
    /// A piece of the deprecated function call; `Some(Value::Null)` for `null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "keep_null"
    )]
    pub function_call: Option<Value>,
    /// Fields we do not model (`annotations`, `reasoning`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

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
