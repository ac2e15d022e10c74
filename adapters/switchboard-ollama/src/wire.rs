//! Ollama's native wire types (`ollama/ollama:api/types.go`, `docs/api.md`): what goes to
//! `POST /api/chat`, what comes back (one object, or one per NDJSON line), and the list of
//! `GET /api/tags`.
//!
//! Outgoing types hold only the fields we send. Incoming types read leniently: every field
//! is optional and unknown fields (timings, `logprobs`, `images`) are ignored.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::{KeepAlive, Think};

/// The body of `POST /api/chat`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ChatBody {
    /// The model, `name[:tag]`.
    pub model: String,
    /// The conversation.
    pub messages: Vec<Message>,
    /// Function tools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// `"json"` or a JSON schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
    /// Model options (`temperature`, `num_predict`, `num_ctx` ...).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub options: Map<String, Value>,
    /// Always sent: Ollama streams unless told `false`.
    pub stream: bool,
    /// How long the model stays loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<KeepAlive>,
    /// Thinking on/off or a level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub think: Option<Think>,
}

/// One message of [`ChatBody::messages`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub(crate) struct Message {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// The text (Ollama takes only a string).
    pub content: String,
    /// Base64 images, without a `data:` prefix.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// An assistant turn's reasoning, replayed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    /// An assistant turn's tool calls, arguments as objects.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCallOut>,
    /// On a tool result: the function that produced it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// On a tool result: the call it answers (read by current Ollama versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

/// A replayed tool call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ToolCallOut {
    /// The call's id, when the client has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name and arguments.
    pub function: FunctionOut,
}

/// The function of a [`ToolCallOut`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct FunctionOut {
    /// The function's name.
    pub name: String,
    /// The arguments, as a JSON object.
    pub arguments: Value,
}

/// One entry of [`ChatBody::tools`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Tool {
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The function's definition.
    pub function: ToolFunction,
}

/// The function of a [`Tool`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ToolFunction {
    /// The name the model calls it by.
    pub name: String,
    /// What it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The arguments' JSON schema (Ollama requires one).
    pub parameters: Value,
}

/// A chat answer: the whole non-streaming body, or one NDJSON line of a stream.
///
/// An error line (`{"error":"..."}`) has only `error` set.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ChatLine {
    /// The model that answers.
    pub model: Option<String>,
    /// RFC 3339 time of the line.
    pub created_at: Option<String>,
    /// What the assistant said (a piece of it, in a stream).
    pub message: Option<MessageIn>,
    /// True on the last line.
    pub done: bool,
    /// Why it stopped: `stop`, `length`, `load`, `unload` ...
    pub done_reason: Option<String>,
    /// Prompt tokens evaluated (absent when the whole prompt was cached).
    pub prompt_eval_count: Option<u64>,
    /// Tokens generated.
    pub eval_count: Option<u64>,
    /// An error message: the call failed.
    pub error: Option<Value>,
}

/// The `message` of a [`ChatLine`].
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MessageIn {
    /// Answer text.
    pub content: Option<String>,
    /// Reasoning text.
    pub thinking: Option<String>,
    /// Whole tool calls, arguments as objects; `null` reads as none.
    pub tool_calls: Option<Vec<ToolCallIn>>,
}

/// A tool call as Ollama sends it: whole, arguments an object, the id often missing.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ToolCallIn {
    /// The call's id (Ollama 0.12+ sends `call_` and 8 characters; older versions none).
    pub id: Option<String>,
    /// Name and arguments.
    pub function: FunctionIn,
}

/// The function of a [`ToolCallIn`].
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub(crate) struct FunctionIn {
    /// The function's name.
    pub name: String,
    /// The arguments: an object (a string from some proxies, kept as is).
    pub arguments: Option<Value>,
}

/// The body of `GET /api/tags`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Tags {
    /// The installed models.
    pub models: Vec<TagModel>,
}

/// One model of [`Tags`].
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TagModel {
    /// The name to use as `model` (`qwen3:32b`).
    pub name: String,
    /// The same name, in newer versions.
    pub model: Option<String>,
    /// RFC 3339 time of the last pull or create.
    pub modified_at: Option<String>,
}
