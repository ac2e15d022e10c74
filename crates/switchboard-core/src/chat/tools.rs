//! Tools a client offers (`tools`), how it steers their use (`tool_choice`), and the
//! calls a model makes, whole (`message.tool_calls`) or in stream pieces (`delta.tool_calls`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::open_object::deserialize_open_object;

fn function_type() -> String {
    "function".to_owned()
}

/// One entry of the request's `tools`.
///
/// `type` is `"function"` for a function tool, described in `function`. Other tool kinds
/// (a `"custom"` tool with its `custom` object, for example) keep their type here and
/// their body in `extra`, so they are forwarded unchanged. A missing `type` reads as
/// `"function"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// The tool kind: `"function"`, or whatever the client sent.
    #[serde(rename = "type", default = "function_type")]
    pub r#type: String,
    /// The function's definition, for a function tool.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub function: Option<FunctionDefinition>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for Tool {
    /// A function tool with no definition yet.
    fn default() -> Self {
        Self {
            r#type: function_type(),
            function: None,
            extra: Map::new(),
        }
    }
}

impl Tool {
    /// A function tool from its definition.
    pub fn function(definition: FunctionDefinition) -> Self {
        Self {
            function: Some(definition),
            ..Self::default()
        }
    }
}

/// A function the model may call: a tool's `function` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionDefinition {
    /// The function's name, as the model will call it.
    pub name: String,
    /// What the function does, for the model.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// The arguments as a JSON Schema object; `None` means a function without arguments.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub parameters: Option<Value>,
    /// Whether the model must follow `parameters` exactly (structured outputs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub strict: Option<bool>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The request's `tool_choice`: a mode string or an object naming a tool.
///
/// Deserialization tries a string first, then an object; any string (not only `none`,
/// `auto`, `required`) and any object type (`function`, `allowed_tools`, `custom`) is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolChoice {
    /// `"none"`, `"auto"`, `"required"` or another mode string.
    Mode(String),
    /// An object such as `{"type": "function", "function": {"name": "f"}}`.
    Named(NamedToolChoice),
}

impl Default for ToolChoice {
    /// `"auto"`, OpenAI's default when tools are present.
    fn default() -> Self {
        Self::Mode("auto".to_owned())
    }
}

impl ToolChoice {
    /// Forces a call to the function `name`.
    pub fn function(name: impl Into<String>) -> Self {
        Self::Named(NamedToolChoice {
            r#type: function_type(),
            function: Some(ToolChoiceFunction {
                name: name.into(),
                extra: Map::new(),
            }),
            extra: Map::new(),
        })
    }
}

/// The object form of `tool_choice`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedToolChoice {
    /// `"function"`, or another kind such as `"allowed_tools"` or `"custom"`.
    #[serde(rename = "type", default = "function_type")]
    pub r#type: String,
    /// The function to call, when `type` is `"function"`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub function: Option<ToolChoiceFunction>,
    /// Fields we do not model (`allowed_tools`, `custom`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `function` of a named `tool_choice`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ToolChoiceFunction {
    /// The name of the function the model must call.
    pub name: String,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A whole tool call made by the model, in `message.tool_calls`.
///
/// `type` defaults to `"function"`. A non-function call (a `"custom"` call carrying
/// `custom` in `extra`) has an empty `function`, which is then left out when written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCall {
    /// The call's id, echoed back by the tool result's `tool_call_id`.
    pub id: String,
    /// The call kind: `"function"` unless the provider said otherwise.
    #[serde(rename = "type")]
    pub r#type: String,
    /// The function called and its arguments.
    #[serde(skip_serializing_if = "FunctionCall::is_empty")]
    pub function: FunctionCall,
    /// Fields we do not model (some providers add `index`), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_open_object!(ToolCall, "a tool call" {
    id: "id" => or_default,
    r#type: "type" => or(function_type()),
    function: "function" => or_default,
});

impl Default for ToolCall {
    /// A function call with empty id, name and arguments.
    fn default() -> Self {
        Self {
            id: String::new(),
            r#type: function_type(),
            function: FunctionCall::default(),
            extra: Map::new(),
        }
    }
}

impl ToolCall {
    /// A function call with the given id, function name and JSON arguments text.
    pub fn function(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            function: FunctionCall {
                name: name.into(),
                arguments: arguments.into(),
                extra: Map::new(),
            },
            ..Self::default()
        }
    }
}

/// The function part of a [`ToolCall`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct FunctionCall {
    /// The function's name.
    pub name: String,
    /// The arguments as JSON text, exactly as the model wrote them (it may be invalid).
    pub arguments: String,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_open_object!(FunctionCall, "a function call" {
    name: "name" => or_default,
    arguments: "arguments" => or_default,
});

impl FunctionCall {
    /// True when name, arguments and extra fields are all empty: nothing worth writing.
    pub fn is_empty(&self) -> bool {
        self.name.is_empty() && self.arguments.is_empty() && self.extra.is_empty()
    }
}

/// A piece of a tool call in a stream chunk (`delta.tool_calls[]`).
///
/// The first piece of a call usually carries `id`, `type` and `function.name`; later
/// pieces carry only `index` and more `function.arguments` text. Pieces with the same
/// `index` belong to the same call. Some providers repeat `"id": ""` on later pieces.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ToolCallDelta {
    /// Which call of the choice this piece belongs to (not always starting at 0).
    pub index: u32,
    /// The call's id, on the first piece.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The call kind, on the first piece.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// The function name and/or a piece of the arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionCallDelta>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The function part of a [`ToolCallDelta`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct FunctionCallDelta {
    /// The function's name, usually only on the first piece.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The next piece of the arguments' JSON text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_open_object!(ToolCallDelta, "a tool call delta" {
    index: "index" => or_default,
    id: "id" => or_default,
    r#type: "type" => or_default,
    function: "function" => or_default,
});

deserialize_open_object!(FunctionCallDelta, "a function call delta" {
    name: "name" => or_default,
    arguments: "arguments" => or_default,
});
