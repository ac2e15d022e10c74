//! The body of `POST /v1/responses`: [`CreateResponse`] and its `text` and `reasoning`
//! options.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};

use super::echo::ResponseEcho;
use super::input::{Input, null_as_default, tagged};
use super::tools::{ResponsesTool, ResponsesToolChoice};
use crate::chat::JsonSchemaFormat;

/// A Responses request, as a client sends it.
///
/// Lenient: every field is optional (a missing `model` reads as `""`, a missing `input` as
/// no items, so the caller reports them in its own format), an explicit `null` reads as
/// absent, and unknown keys (Codex's `client_metadata`, `stream_options`,
/// `context_management` ...) are kept in `extra`. They are not forwarded to chat
/// upstreams: the translation in `to_chat` picks the fields it maps.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateResponse {
    /// The model, as the client named it.
    #[serde(default)]
    pub model: String,
    /// A string (one user message) or the conversation's items.
    #[serde(default)]
    pub input: Input,
    /// A system (or developer) message for this response only; not inherited through
    /// `previous_response_id`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub instructions: Option<String>,
    /// The tools the model may call.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tools: Option<Vec<ResponsesTool>>,
    /// Whether and which tool the model must call; OpenAI's default is `auto`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tool_choice: Option<ResponsesToolChoice>,
    /// Whether the model may call several tools at once; OpenAI's default is true.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub parallel_tool_calls: Option<bool>,
    /// The answer's format and verbosity.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub text: Option<TextParam>,
    /// Reasoning effort and summary options.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reasoning: Option<ReasoningParam>,
    /// Limit on generated tokens, reasoning included; absent means the model's limit.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_output_tokens: Option<u32>,
    /// Sampling temperature, 0 to 2.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub temperature: Option<f64>,
    /// Nucleus sampling probability mass, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub top_p: Option<f64>,
    /// How many most likely tokens to return at each position, 0 to 20.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub top_logprobs: Option<u32>,
    /// Whether to answer as a server-sent event stream; absent means no.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stream: Option<bool>,
    /// Whether the gateway keeps the response for later; OpenAI's default is true.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<bool>,
    /// The response this one continues.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub previous_response_id: Option<String>,
    /// Extra output to include (`reasoning.encrypted_content`,
    /// `message.output_text.logprobs` ...); absent or `null` reads as none.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        default,
        deserialize_with = "null_as_default"
    )]
    pub include: Vec<String>,
    /// Up to 16 string pairs, echoed in the response and never forwarded.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub metadata: Option<Map<String, Value>>,
    /// `auto` or `disabled` (OpenAI's default).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub truncation: Option<String>,
    /// Deprecated end-user id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user: Option<String>,
    /// A stable, hashed id of the end user.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub safety_identifier: Option<String>,
    /// A key for prompt-cache routing (Codex: its session id).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prompt_cache_key: Option<String>,
    /// Processing tier (`auto`, `default`, `flex`, `priority` ...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub service_tier: Option<String>,
    /// Run in the background (unsupported: the translation rejects `true`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub background: Option<bool>,
    /// A Conversations API conversation (unsupported: the translation rejects it).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub conversation: Option<Value>,
    /// A stored prompt template (unsupported: the translation rejects it).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prompt: Option<Value>,
    /// Limit on built-in tool calls; echoed, not enforced.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_tool_calls: Option<u32>,
    /// Fields we do not model, kept verbatim (never forwarded upstream).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CreateResponse {
    /// What every `Response` to this request repeats: the client's own values, in the
    /// Responses shapes it sent, with OpenAI's defaults for what it left out.
    pub fn echo(&self) -> ResponseEcho {
        let mut echo = ResponseEcho::for_model(self.model.clone());
        if let Some(instructions) = &self.instructions {
            echo.instructions = Value::String(instructions.clone());
        }
        if let Some(tools) = &self.tools {
            echo.tools = to_json(tools);
            complete_function_tools(&mut echo.tools);
        }
        if let Some(choice) = &self.tool_choice {
            echo.tool_choice = to_json(choice);
        }
        echo.parallel_tool_calls = self.parallel_tool_calls.unwrap_or(true);
        if let Some(temperature) = self.temperature {
            echo.temperature = Value::from(temperature);
        }
        if let Some(top_p) = self.top_p {
            echo.top_p = Value::from(top_p);
        }
        echo.max_output_tokens = self.max_output_tokens.map_or(Value::Null, Value::from);
        if let Some(text) = &self.text {
            let mut object = text.extra.clone();
            let format = text
                .format
                .as_ref()
                .map_or(json!({"type": "text"}), to_json);
            object.insert("format".into(), format);
            if let Some(verbosity) = &text.verbosity {
                object.insert("verbosity".into(), Value::String(verbosity.clone()));
            }
            echo.text = Value::Object(object);
        }
        if let Some(reasoning) = &self.reasoning {
            let mut object = reasoning.extra.clone();
            object.insert("effort".into(), string_or_null(reasoning.effort.as_ref()));
            object.insert("summary".into(), string_or_null(reasoning.summary()));
            echo.reasoning = Value::Object(object);
        }
        echo.metadata = self.metadata.clone().unwrap_or_default();
        echo.previous_response_id = string_or_null(self.previous_response_id.as_ref());
        echo.store = self.store.unwrap_or(true);
        if let Some(truncation) = &self.truncation {
            echo.truncation = Value::String(truncation.clone());
        }
        if let Some(tier) = &self.service_tier {
            echo.service_tier = Value::String(tier.clone());
        }
        echo.user = string_or_null(self.user.as_ref());
        echo.safety_identifier = string_or_null(self.safety_identifier.as_ref());
        echo.prompt_cache_key = string_or_null(self.prompt_cache_key.as_ref());
        echo.top_logprobs = self.top_logprobs.map_or(Value::Null, Value::from);
        echo.max_tool_calls = self.max_tool_calls.map_or(Value::Null, Value::from);
        echo.background = self.background.unwrap_or(false);
        echo
    }

    /// True when the client wants reasoning shown: `reasoning.summary` (or the deprecated
    /// `generate_summary`) is set, or `include` asks for `reasoning.encrypted_content`.
    pub fn wants_reasoning(&self) -> bool {
        self.reasoning
            .as_ref()
            .is_some_and(|reasoning| reasoning.summary().is_some())
            || self.includes("reasoning.encrypted_content")
    }

    /// True when `include` lists `entry`.
    pub fn includes(&self, entry: &str) -> bool {
        self.include.iter().any(|included| included == entry)
    }
}

/// Writes one of our request types as JSON. They hold only string-keyed maps, so this
/// cannot fail; `null` stands in regardless.
fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn string_or_null(value: Option<&String>) -> Value {
    value.map_or(Value::Null, |text| Value::String(text.clone()))
}

/// The request's `text`: the answer's format and verbosity.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextParam {
    /// Plain text (the default), a JSON Schema or JSON mode.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub format: Option<TextFormat>,
    /// `low`, `medium` or `high`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verbosity: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `text.format`, tagged by `type`. Unlike chat's `response_format`, a JSON Schema
/// format is flat: `{"type":"json_schema","name","schema","strict","description"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TextFormat {
    /// `{"type":"text"}`: free text.
    Text,
    /// `{"type":"json_schema",...}`: structured outputs.
    JsonSchema(JsonSchemaFormat),
    /// `{"type":"json_object"}`: JSON mode.
    JsonObject,
    /// Any other format, kept verbatim.
    #[serde(untagged)]
    Other(Value),
}

impl<'de> Deserialize<'de> for TextFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        match value.get("type").and_then(Value::as_str) {
            Some("text") => Ok(Self::Text),
            Some("json_object") => Ok(Self::JsonObject),
            Some("json_schema") => tagged(value, "text.format").map(Self::JsonSchema),
            _ if value.is_object() => Ok(Self::Other(value)),
            _ => Err(D::Error::custom("text.format: expected an object")),
        }
    }
}

/// The request's `reasoning`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReasoningParam {
    /// `none`, `minimal`, `low`, `medium`, `high`, `xhigh` or `max` (any value is kept).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub effort: Option<String>,
    /// `auto`, `concise` or `detailed`: the client wants reasoning shown.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub summary: Option<String>,
    /// The deprecated name of `summary`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub generate_summary: Option<String>,
    /// Fields we do not model (`context`, `mode` ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ReasoningParam {
    /// `summary`, else the deprecated `generate_summary`.
    pub fn summary(&self) -> Option<&String> {
        self.summary.as_ref().or(self.generate_summary.as_ref())
    }
}

/// OpenAI's `FunctionTool` requires `strict` and `parameters` (both nullable): an echoed
/// function tool the client sent without them gets them as `null` ("not set").
fn complete_function_tools(tools: &mut Value) {
    let Some(tools) = tools.as_array_mut() else {
        return;
    };
    for tool in tools {
        if let Some(object) = tool.as_object_mut()
            && object.get("type").and_then(Value::as_str) == Some("function")
        {
            object.entry("strict").or_insert(Value::Null);
            object.entry("parameters").or_insert(Value::Null);
        }
    }
}
