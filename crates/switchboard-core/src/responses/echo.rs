//! [`ResponseEcho`]: the request parameters a `Response` object repeats back.
//!
//! OpenAI's `Response` echoes the request (`instructions`, `tools`, `tool_choice`,
//! `temperature` ...); its schema requires several of these keys even when they are null.
//! The request side builds this from the client's `CreateResponse` (in the client's own
//! Responses shapes, not the chat translation), the response side copies it into every
//! `Response` it emits. Values are kept as JSON so the echo is exactly what the client sent.

use serde_json::{Map, Value};

/// What every `Response` for one request repeats, with OpenAI's defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseEcho {
    /// The model name as the client sent it.
    pub model: String,
    /// `instructions`, or null.
    pub instructions: Value,
    /// `tools` in the Responses shape, `[]` when absent.
    pub tools: Value,
    /// `tool_choice`, `"auto"` when absent.
    pub tool_choice: Value,
    /// `parallel_tool_calls`, true when absent.
    pub parallel_tool_calls: bool,
    /// `temperature`, 1.0 when absent.
    pub temperature: Value,
    /// `top_p`, 1.0 when absent.
    pub top_p: Value,
    /// `max_output_tokens`, or null.
    pub max_output_tokens: Value,
    /// `text`, `{"format":{"type":"text"}}` when absent.
    pub text: Value,
    /// `reasoning`, `{"effort":null,"summary":null}` when absent.
    pub reasoning: Value,
    /// `metadata`, `{}` when absent.
    pub metadata: Map<String, Value>,
    /// `previous_response_id`, or null.
    pub previous_response_id: Value,
    /// `store`, true when absent (OpenAI's default).
    pub store: bool,
    /// `truncation`, `"disabled"` when absent.
    pub truncation: Value,
    /// `service_tier`, `"default"` when absent.
    pub service_tier: Value,
    /// `user`, or null.
    pub user: Value,
    /// `safety_identifier`, or null.
    pub safety_identifier: Value,
    /// `prompt_cache_key`, or null.
    pub prompt_cache_key: Value,
    /// `top_logprobs`, or null.
    pub top_logprobs: Value,
    /// `max_tool_calls`, or null.
    pub max_tool_calls: Value,
    /// `background`, false when absent.
    pub background: bool,
}

impl ResponseEcho {
    /// The echo of a request that set nothing but `model`.
    pub fn for_model(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            instructions: Value::Null,
            tools: Value::Array(Vec::new()),
            tool_choice: Value::String("auto".into()),
            parallel_tool_calls: true,
            temperature: Value::from(1.0),
            top_p: Value::from(1.0),
            max_output_tokens: Value::Null,
            text: serde_json::json!({"format": {"type": "text"}}),
            reasoning: serde_json::json!({"effort": null, "summary": null}),
            metadata: Map::new(),
            previous_response_id: Value::Null,
            store: true,
            truncation: Value::String("disabled".into()),
            service_tier: Value::String("default".into()),
            user: Value::Null,
            safety_identifier: Value::Null,
            prompt_cache_key: Value::Null,
            top_logprobs: Value::Null,
            max_tool_calls: Value::Null,
            background: false,
        }
    }
}
