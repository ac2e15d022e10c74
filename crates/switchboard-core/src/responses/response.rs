//! [`Response`]: the object `POST /v1/responses` answers with, and the `response` inside
//! the stream's lifecycle events.
//!
//! Every key OpenAI's `Response` schema requires is always written, `null` where the
//! schema allows it. Two keys are left out instead of written as `null`, because the
//! schema does not allow `null` for them: `usage` (until the upstream reported it) and
//! `user` (when the client sent none).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::echo::ResponseEcho;
use super::items::{OutputContent, OutputItem};
use super::usage::ResponseUsage;

fn response_object() -> String {
    "response".to_owned()
}

/// The status of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatus {
    /// Generation has not finished.
    InProgress,
    /// Generation finished normally.
    Completed,
    /// Generation stopped early; `incomplete_details` says why.
    Incomplete,
    /// Generation failed; `error` says why.
    Failed,
    /// The client cancelled a background response.
    Cancelled,
    /// A background response waits to start.
    Queued,
}

/// A response's `error` (`ResponseError`): a code and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseError {
    /// `server_error`, `rate_limit_exceeded`, ... Kept as a string: Codex also acts on
    /// codes OpenAI sends but the schema does not list (`context_length_exceeded`).
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// A response's `incomplete_details`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncompleteDetails {
    /// Why generation stopped early.
    pub reason: IncompleteReason,
}

/// Why a response is incomplete (the schema's enum, not the `max_tokens` of its example).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncompleteReason {
    /// The output token limit was reached (chat `finish_reason: "length"`).
    MaxOutputTokens,
    /// A content filter stopped the output (chat `finish_reason: "content_filter"`).
    ContentFilter,
}

/// OpenAI's `Response` object. Fields are written in the order of the bridge spec's
/// example; the request's echo (see [`ResponseEcho`]) sits at the top level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// `resp_…`.
    pub id: String,
    /// Always `"response"`.
    #[serde(default = "response_object")]
    pub object: String,
    /// Unix time, in seconds, when the response was created.
    pub created_at: i64,
    /// Where generation stands.
    pub status: ResponseStatus,
    /// Unix time, in seconds, when it completed; `null` unless `status` is `completed`.
    #[serde(default)]
    pub completed_at: Option<i64>,
    /// Why it failed, or `null`.
    #[serde(default)]
    pub error: Option<ResponseError>,
    /// Why it is incomplete, or `null`.
    #[serde(default)]
    pub incomplete_details: Option<IncompleteDetails>,
    /// Echo: `instructions`.
    #[serde(default)]
    pub instructions: Value,
    /// Echo: the model name as the client sent it.
    pub model: String,
    /// The generated items, in `output_index` order.
    #[serde(default)]
    pub output: Vec<OutputItem>,
    /// Echo: `parallel_tool_calls`.
    pub parallel_tool_calls: bool,
    /// Echo: `previous_response_id`.
    #[serde(default)]
    pub previous_response_id: Value,
    /// Echo: `reasoning`.
    #[serde(default)]
    pub reasoning: Value,
    /// Echo: `store`.
    #[serde(default)]
    pub store: bool,
    /// Echo: `temperature`.
    #[serde(default)]
    pub temperature: Value,
    /// Echo: `top_p`.
    #[serde(default)]
    pub top_p: Value,
    /// Echo: `text`.
    #[serde(default)]
    pub text: Value,
    /// Echo: `tool_choice`.
    #[serde(default)]
    pub tool_choice: Value,
    /// Echo: `tools`, in the Responses shape.
    #[serde(default)]
    pub tools: Value,
    /// Echo: `truncation`.
    #[serde(default)]
    pub truncation: Value,
    /// Echo: `max_output_tokens`.
    #[serde(default)]
    pub max_output_tokens: Value,
    /// Echo: `service_tier`.
    #[serde(default)]
    pub service_tier: Value,
    /// Token counts; left out until known (the schema does not allow `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ResponseUsage>,
    /// Echo: `user`; left out when `null` (the schema allows only a string).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub user: Value,
    /// Echo: `safety_identifier`.
    #[serde(default)]
    pub safety_identifier: Value,
    /// Echo: `prompt_cache_key`.
    #[serde(default)]
    pub prompt_cache_key: Value,
    /// Echo: `metadata`.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// Echo: `top_logprobs`.
    #[serde(default)]
    pub top_logprobs: Value,
    /// Echo: `max_tool_calls`.
    #[serde(default)]
    pub max_tool_calls: Value,
    /// Echo: `background`.
    #[serde(default)]
    pub background: bool,
}

impl Response {
    /// A response that has just started: `in_progress`, no output, no usage, with the
    /// request's echo moved in.
    pub fn new(id: String, created_at: i64, echo: ResponseEcho) -> Self {
        Self {
            id,
            object: response_object(),
            created_at,
            status: ResponseStatus::InProgress,
            completed_at: None,
            error: None,
            incomplete_details: None,
            instructions: echo.instructions,
            model: echo.model,
            output: Vec::new(),
            parallel_tool_calls: echo.parallel_tool_calls,
            previous_response_id: echo.previous_response_id,
            reasoning: echo.reasoning,
            store: echo.store,
            temperature: echo.temperature,
            top_p: echo.top_p,
            text: echo.text,
            tool_choice: echo.tool_choice,
            tools: echo.tools,
            truncation: echo.truncation,
            max_output_tokens: echo.max_output_tokens,
            service_tier: echo.service_tier,
            usage: None,
            user: echo.user,
            safety_identifier: echo.safety_identifier,
            prompt_cache_key: echo.prompt_cache_key,
            metadata: echo.metadata,
            top_logprobs: echo.top_logprobs,
            max_tool_calls: echo.max_tool_calls,
            background: echo.background,
        }
    }

    /// The text of all `output_text` parts of all message items, concatenated: what the
    /// SDKs call `output_text` (not written on the wire).
    pub fn output_text(&self) -> String {
        self.output
            .iter()
            .filter_map(|item| match item {
                OutputItem::Message(message) => Some(&message.content),
                _ => None,
            })
            .flatten()
            .filter_map(|part| match part {
                OutputContent::OutputText { text, .. } => Some(text.as_str()),
                OutputContent::Refusal { .. } => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_new_response_has_every_required_key() {
        let response = Response::new("resp_1".into(), 7, ResponseEcho::for_model("m"));
        let written = serde_json::to_value(&response).unwrap();
        for key in [
            "id",
            "object",
            "created_at",
            "error",
            "incomplete_details",
            "instructions",
            "model",
            "tools",
            "output",
            "parallel_tool_calls",
            "metadata",
            "tool_choice",
            "temperature",
            "top_p",
            "status",
            "completed_at",
            "text",
            "reasoning",
            "store",
            "truncation",
            "service_tier",
        ] {
            assert!(written.get(key).is_some(), "{key} missing: {written}");
        }
        assert_eq!(written["status"], "in_progress");
        assert_eq!(written["object"], "response");
        assert!(written.get("usage").is_none() && written.get("user").is_none());
        let read: Response = serde_json::from_value(written).unwrap();
        assert_eq!(read, response);
    }

    #[test]
    fn error_and_incomplete_details_shapes() {
        let mut response = Response::new("resp_1".into(), 7, ResponseEcho::for_model("m"));
        response.status = ResponseStatus::Incomplete;
        response.incomplete_details = Some(IncompleteDetails {
            reason: IncompleteReason::MaxOutputTokens,
        });
        response.error = Some(ResponseError {
            code: "server_error".into(),
            message: "boom".into(),
        });
        let written = serde_json::to_value(&response).unwrap();
        assert_eq!(
            written["incomplete_details"],
            json!({"reason": "max_output_tokens"})
        );
        assert_eq!(
            written["error"],
            json!({"code": "server_error", "message": "boom"})
        );
    }
}
