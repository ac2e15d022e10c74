//! Responses tools (`tools`) and how a client steers their use (`tool_choice`).
//!
//! Responses function tools are flat (`{"type":"function","name",...}`), unlike chat's
//! nested `function` object. Besides functions a client may declare `custom` tools
//! (freeform input, Codex's `apply_patch`), `namespace` tools grouping functions, and
//! hosted tools (`web_search`, `file_search`, `mcp` ...), which are kept whole in
//! [`ResponsesTool::Other`]. The translation to chat is in `to_chat`.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::input::tagged;
use crate::chat::open_object::deserialize_open_object;

/// One entry of the request's `tools`, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponsesTool {
    /// A function tool.
    Function(FunctionTool),
    /// A custom tool taking freeform text input.
    Custom(CustomTool),
    /// A group of function (or custom) tools under a shared name.
    Namespace(NamespaceTool),
    /// A hosted tool (`web_search`, `tool_search`, `file_search`, `mcp`, `shell` ...) or
    /// any other kind, kept verbatim.
    #[serde(untagged)]
    Other(Value),
}

impl ResponsesTool {
    /// The tool's `type` string (`""` for an `Other` without one).
    pub fn type_str(&self) -> &str {
        match self {
            Self::Function(_) => "function",
            Self::Custom(_) => "custom",
            Self::Namespace(_) => "namespace",
            Self::Other(value) => value.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// The tool `value` holds (taken, not read again: see `InputItem::from_value`).
    pub fn from_value<E: serde::de::Error>(value: Value) -> Result<Self, E> {
        match value.get("type").and_then(Value::as_str) {
            Some("function") => tagged(value, "function tool").map(Self::Function),
            Some("custom") => tagged(value, "custom tool").map(Self::Custom),
            Some("namespace") => tagged(value, "namespace tool").map(Self::Namespace),
            _ => Ok(Self::Other(value)),
        }
    }
}

impl<'de> Deserialize<'de> for ResponsesTool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?)
    }
}

/// A function tool, flat: `{"type":"function","name","description","parameters","strict"}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct FunctionTool {
    /// The function's name.
    pub name: String,
    /// What the function does, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The arguments as a JSON Schema object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// Whether the arguments must follow `parameters` exactly (Codex sends `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Fields we do not model (`defer_loading`, `output_schema`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A custom tool: the model writes freeform text, optionally following a grammar.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CustomTool {
    /// The tool's name.
    pub name: String,
    /// What the tool does, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The input format; absent means unconstrained text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<CustomToolFormat>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A custom tool's `format`: `{"type":"text"}` or `{"type":"grammar","syntax","definition"}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CustomToolFormat {
    /// `text` or `grammar` (any other value is kept).
    #[serde(rename = "type")]
    pub r#type: String,
    /// For a grammar: `lark` or `regex`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syntax: Option<String>,
    /// For a grammar: its definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A namespace tool: function or custom tools called as members of `name`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NamespaceTool {
    /// The namespace's name (Codex: `multi_agent_v1`).
    pub name: String,
    /// What the namespace is for, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The members.
    pub tools: Vec<ResponsesTool>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The request's `tool_choice`.
///
/// A string is a mode (`none`, `auto`, `required`, or anything else, kept). Objects are
/// tagged by `type`; hosted choices (`file_search`, `web_search_preview`, `mcp`,
/// `apply_patch`, `shell` ...) are kept whole in `Other`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponsesToolChoice {
    /// `{"type":"function","name"}`: the model must call this function.
    Function(ToolChoiceName),
    /// `{"type":"custom","name"}`: the model must call this custom tool.
    Custom(ToolChoiceName),
    /// `{"type":"allowed_tools","mode","tools"}`: the model may only use these tools.
    AllowedTools(AllowedTools),
    /// A mode string.
    #[serde(untagged)]
    Mode(String),
    /// Any other choice, kept verbatim.
    #[serde(untagged)]
    Other(Value),
}

impl<'de> Deserialize<'de> for ResponsesToolChoice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if let Value::String(mode) = value {
            return Ok(Self::Mode(mode));
        }
        match value.get("type").and_then(Value::as_str) {
            Some("function") => tagged(value, "tool_choice").map(Self::Function),
            Some("custom") => tagged(value, "tool_choice").map(Self::Custom),
            Some("allowed_tools") => tagged(value, "tool_choice").map(Self::AllowedTools),
            Some(_) => Ok(Self::Other(value)),
            None if value.is_object() => Ok(Self::Other(value)),
            None => Err(D::Error::custom(
                "tool_choice: expected a string or an object",
            )),
        }
    }
}

/// The named tool of a `function` or `custom` tool choice.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ToolChoiceName {
    /// The tool's name.
    pub name: String,
    /// The namespace of a namespaced function (not in OpenAI's schema; accepted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An `allowed_tools` tool choice.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AllowedTools {
    /// `auto` or `required`; absent reads as `auto`.
    pub mode: String,
    /// The allowed tools, each like `{"type":"function","name":"f"}`.
    pub tools: Vec<Value>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn auto() -> String {
    "auto".to_owned()
}

// Read without serde's `flatten`, as the input items are (see `input.rs`).

deserialize_open_object!(FunctionTool, "a function tool" {
    name: "name" => required,
    description: "description" => or_default,
    parameters: "parameters" => or_default,
    strict: "strict" => or_default,
});

deserialize_open_object!(CustomTool, "a custom tool" {
    name: "name" => required,
    description: "description" => or_default,
    format: "format" => or_default,
});

deserialize_open_object!(CustomToolFormat, "a custom tool's format" {
    r#type: "type" => or_default,
    syntax: "syntax" => or_default,
    definition: "definition" => or_default,
});

deserialize_open_object!(NamespaceTool, "a namespace tool" {
    name: "name" => required,
    description: "description" => or_default,
    tools: "tools" => or_default,
});

deserialize_open_object!(ToolChoiceName, "a tool_choice naming a tool" {
    name: "name" => required,
    namespace: "namespace" => or_default,
});

deserialize_open_object!(AllowedTools, "an allowed_tools tool_choice" {
    mode: "mode" => or(auto()),
    tools: "tools" => or_default,
});
