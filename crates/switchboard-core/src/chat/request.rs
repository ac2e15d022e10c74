//! The body of `POST /v1/chat/completions`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::message::ChatMessage;
use super::response_format::ResponseFormat;
use super::serde_helpers::compact_f64;
use super::tools::{Tool, ToolChoice};

/// A Chat Completions request, as a client sends it.
///
/// Every field but `model` and `messages` is optional; an absent field stays absent when
/// the request is forwarded, and an explicit `null` reads as absent. A missing `model`
/// reads as `""` and missing `messages` as empty, so the caller can report them in its
/// own error format. Vendor fields (`enable_thinking`, `guided_json`, ...) are kept in
/// `extra` and forwarded.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The model to use, as the client named it.
    #[serde(default)]
    pub model: String,
    /// The conversation so far.
    #[serde(default)]
    pub messages: Vec<ChatMessage>,
    /// Audio output parameters (`voice`, `format`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub audio: Option<Value>,
    /// Penalty for tokens by how often they appeared, -2.0 to 2.0.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        serialize_with = "compact_f64"
    )]
    pub frequency_penalty: Option<f64>,
    /// Penalty for tokens that appeared at all, -2.0 to 2.0.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        serialize_with = "compact_f64"
    )]
    pub presence_penalty: Option<f64>,
    /// Deprecated: how to call `functions`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub function_call: Option<Value>,
    /// Deprecated: functions the model may call.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub functions: Option<Value>,
    /// Token id (as a string) to bias, -100 to 100.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub logit_bias: Option<Map<String, Value>>,
    /// Whether to return log probabilities of the output tokens.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub logprobs: Option<bool>,
    /// How many most likely tokens to return at each position (needs `logprobs`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub top_logprobs: Option<u32>,
    /// Deprecated limit on generated tokens; see [`ChatRequest::max_output_tokens`].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_tokens: Option<u32>,
    /// Limit on generated tokens, reasoning included.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_completion_tokens: Option<u32>,
    /// Key-value pairs stored with the completion.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub metadata: Option<Map<String, Value>>,
    /// Output modalities, such as `["text", "audio"]`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub modalities: Option<Vec<String>>,
    /// How many choices to generate.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub n: Option<u32>,
    /// Whether the model may call several tools in one turn.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub parallel_tool_calls: Option<bool>,
    /// Predicted Outputs: content the answer is expected to resemble.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prediction: Option<Value>,
    /// A key for prompt-cache routing.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prompt_cache_key: Option<String>,
    /// Reasoning effort (`minimal`, `low`, `medium`, `high`, or any other value).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reasoning_effort: Option<String>,
    /// The shape the answer must take.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub response_format: Option<ResponseFormat>,
    /// A stable, hashed id of the end user, for abuse detection.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub safety_identifier: Option<String>,
    /// Seed for best-effort deterministic sampling.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub seed: Option<i64>,
    /// Processing tier (`auto`, `default`, `flex`, `priority`, ...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub service_tier: Option<String>,
    /// Up to four sequences that stop generation.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stop: Option<Stop>,
    /// Whether to store the completion.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<bool>,
    /// Whether to answer as a server-sent event stream; see [`ChatRequest::wants_stream`].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stream: Option<bool>,
    /// Options for a streamed answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stream_options: Option<StreamOptions>,
    /// Sampling temperature, 0 to 2.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        serialize_with = "compact_f64"
    )]
    pub temperature: Option<f64>,
    /// Nucleus sampling probability mass, 0 to 1.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        serialize_with = "compact_f64"
    )]
    pub top_p: Option<f64>,
    /// Tools the model may call.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tools: Option<Vec<Tool>>,
    /// Whether and which tool the model must call.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tool_choice: Option<ToolChoice>,
    /// Deprecated end-user id; see `safety_identifier` and `prompt_cache_key`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user: Option<String>,
    /// Answer verbosity (`low`, `medium`, `high`, or any other value).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verbosity: Option<String>,
    /// Web search options for search models.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub web_search_options: Option<Value>,
    /// Fields we do not model, kept verbatim and forwarded.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ChatRequest {
    /// True when the client asked for a stream (`"stream": true`); absent means no.
    pub fn wants_stream(&self) -> bool {
        self.stream == Some(true)
    }

    /// The output token limit: `max_completion_tokens`, else the deprecated `max_tokens`,
    /// else `None` (the provider's default).
    pub fn max_output_tokens(&self) -> Option<u32> {
        self.max_completion_tokens.or(self.max_tokens)
    }

    /// True when the client asked for a final usage chunk
    /// (`stream_options.include_usage: true`).
    pub fn wants_stream_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .and_then(|options| options.include_usage)
            == Some(true)
    }
}

/// The request's `stop`: one sequence or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Stop {
    /// A single stop sequence.
    One(String),
    /// Several stop sequences.
    Many(Vec<String>),
}

impl Stop {
    /// The sequences as a list, whichever form was sent.
    pub fn sequences(&self) -> Vec<&str> {
        match self {
            Self::One(one) => vec![one.as_str()],
            Self::Many(many) => many.iter().map(String::as_str).collect(),
        }
    }
}

/// The request's `stream_options`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Send a last chunk with `choices: []` and the full `usage`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub include_usage: Option<bool>,
    /// Add the `obfuscation` padding field to chunks (OpenAI's default is on).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub include_obfuscation: Option<bool>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
