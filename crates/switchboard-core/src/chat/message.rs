//! One message of a conversation, its author's role and its content parts.
//!
//! The same [`ChatMessage`] serves requests (any role) and responses (the assistant's
//! answer), so it is a lenient struct rather than an enum by role.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::content::MessageContent;
use super::open_object::deserialize_open_object;
use super::serde_helpers::double_option;
use super::tools::ToolCall;

/// Who wrote a message. An open enum: an unknown role is kept in [`Role::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Role {
    /// `system`: instructions from the application.
    System,
    /// `developer`: instructions from the application, for reasoning models.
    Developer,
    /// `user`: the end user; the default for a new message.
    #[default]
    User,
    /// `assistant`: the model.
    Assistant,
    /// `tool`: a tool's result.
    Tool,
    /// `function`: a function's result (deprecated).
    Function,
    /// Any other role, kept verbatim.
    Other(String),
}

impl Role {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::System => "system",
            Self::Developer => "developer",
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::Tool => "tool",
            Self::Function => "function",
            Self::Other(other) => other,
        }
    }
}

impl From<&str> for Role {
    /// Maps a wire string to its variant; an unknown one becomes `Other`.
    fn from(value: &str) -> Self {
        match value {
            "system" => Self::System,
            "developer" => Self::Developer,
            "user" => Self::User,
            "assistant" => Self::Assistant,
            "tool" => Self::Tool,
            "function" => Self::Function,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl From<String> for Role {
    /// Maps a wire string to its variant, reusing the allocation for `Other`.
    fn from(value: String) -> Self {
        match Self::from(value.as_str()) {
            Self::Other(_) => Self::Other(value),
            known => known,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

/// One message: an entry of the request's `messages`, or a response choice's `message`.
///
/// Fields OpenAI may send as `null` are `Option<Option<T>>`: `None` is an absent key,
/// `Some(None)` an explicit `null`, and each is written back as it came. `role` is
/// required on input.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ChatMessage {
    /// The author.
    pub role: Role,
    /// The text or parts; `Some(None)` for `"content": null` (an assistant turn that only
    /// calls tools, for example).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub content: Option<Option<MessageContent>>,
    /// A name to tell participants of the same role apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tool calls made by the assistant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// On a `tool` message: the id of the call this answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// The assistant's refusal; responses carry `"refusal": null` when there is none.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub refusal: Option<Option<String>>,
    /// Reasoning text (DeepSeek, Qwen, xAI, vLLM), which some send as `null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub reasoning_content: Option<Option<String>>,
    /// Audio output or a reference to it; `Some(Value::Null)` for an explicit `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<Value>,
    /// The deprecated single function call; `Some(Value::Null)` for an explicit `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_call: Option<Value>,
    /// Fields we do not model (`annotations`, `cache_control`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_open_object!(ChatMessage, "a chat message" {
    role: "role" => required,
    content: "content" => present,
    name: "name" => or_default,
    tool_calls: "tool_calls" => or_default,
    tool_call_id: "tool_call_id" => or_default,
    refusal: "refusal" => present,
    reasoning_content: "reasoning_content" => present,
    audio: "audio" => present,
    function_call: "function_call" => present,
});

impl ChatMessage {
    /// A message of `role` whose content is plain text.
    pub fn new(role: Role, text: impl Into<String>) -> Self {
        Self {
            role,
            content: Some(Some(MessageContent::Text(text.into()))),
            ..Self::default()
        }
    }

    /// A `system` message with plain text.
    pub fn system(text: impl Into<String>) -> Self {
        Self::new(Role::System, text)
    }

    /// A `user` message with plain text.
    pub fn user(text: impl Into<String>) -> Self {
        Self::new(Role::User, text)
    }

    /// An `assistant` message with plain text.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::new(Role::Assistant, text)
    }

    /// A `tool` message answering the call `call_id` with `text`.
    pub fn tool(call_id: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            tool_call_id: Some(call_id.into()),
            ..Self::new(Role::Tool, text)
        }
    }

    /// The content, whether absent or `null` (both `None`).
    pub fn content(&self) -> Option<&MessageContent> {
        self.content.as_ref().and_then(Option::as_ref)
    }

    /// The refusal text, whether absent or `null` (both `None`).
    pub fn refusal(&self) -> Option<&str> {
        self.refusal.as_ref().and_then(Option::as_deref)
    }

    /// The reasoning text, whether absent or `null` (both `None`).
    pub fn reasoning_content(&self) -> Option<&str> {
        self.reasoning_content.as_ref().and_then(Option::as_deref)
    }

    /// The text of the content: the string itself, or the `text` parts concatenated in
    /// order with nothing between them. Other parts are skipped; no content gives `""`.
    pub fn text(&self) -> String {
        self.content().map(MessageContent::text).unwrap_or_default()
    }
}
