//! The pure translation between canonical chat and the Messages API, with no HTTP: the
//! Anthropic adapter and the Bedrock adapter (InvokeModel takes the same body) both use it.
//!
//! - [`to_messages_request`]: a [`ChatRequest`] → a [`MessagesRequest`] (this file: the
//!   parameters; `messages.rs`: the conversation; `tools.rs`: tools and `tool_choice`).
//! - [`from_messages_response`]: a [`MessagesResponse`] → a [`ChatResponse`]
//!   (`response.rs`, with the stop-reason and usage rules the stream decoder shares).
//!
//! Reasoning round trip: an answer's thinking text is `reasoning_content`, and its
//! `thinking` / `redacted_thinking` blocks, signature included, are listed verbatim in the
//! message's vendor field `thinking_blocks`. On the next turn an assistant message's
//! `thinking_blocks` are sent back first, unchanged; without them, `reasoning_content`
//! plus a `reasoning_signature` string become one signed `thinking` block. Reasoning
//! without a signature is not sent (Anthropic refuses an unsigned block).

mod messages;
mod response;
mod tools;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};
use switchboard_core::GatewayError;
use switchboard_core::chat::{ChatRequest, ResponseFormat};

pub(crate) use response::raw_stop_reason;
pub use response::{finish_reason, from_messages_response, usage};

use crate::thinking::{ThinkingForm, ThinkingRules, adaptive_effort};
use crate::types::MessagesRequest;

/// Request keys a client may send (in the body, or inside `extra_body`) that are
/// Anthropic's own and forwarded as they are. Any other unmodelled key is dropped.
const NATIVE_KEYS: &[&str] = &[
    "top_k",
    "thinking",
    "output_config",
    "context_management",
    "container",
    "mcp_servers",
    "inference_geo",
];

/// Smallest `budget_tokens` Anthropic accepts.
const MIN_BUDGET: u32 = 1024;

/// What the translation needs beyond the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertOptions {
    /// `max_tokens` when the request sets no output limit. Default 4096.
    pub default_max_tokens: u32,
    /// How `reasoning_effort` becomes `thinking`, per model.
    pub thinking: ThinkingRules,
}

impl Default for ConvertOptions {
    /// 4096 tokens and the default thinking table.
    fn default() -> Self {
        Self {
            default_max_tokens: 4096,
            thinking: ThinkingRules::default(),
        }
    }
}

/// Translates a chat request into a Messages body, `stream` unset (the caller sets it).
///
/// System and developer messages, wherever they are, become `system`; consecutive turns
/// of one role are merged; `tool` messages become `tool_result` blocks of a user turn.
/// Errors (400, the client's fault): `n` above 1, an unknown role, audio input, a file
/// by id, tool-call arguments that are not a JSON object, a `tool` message without
/// `tool_call_id`, an unsupported `tool_choice`, and a thinking budget that cannot fit
/// under the client's output limit.
pub fn to_messages_request(
    request: &ChatRequest,
    options: &ConvertOptions,
) -> Result<MessagesRequest, GatewayError> {
    if request.n.is_some_and(|n| n > 1) {
        return Err(GatewayError::invalid_request(
            "Anthropic models return one choice: `n` must be 1",
        )
        .with_param("n")
        .with_code("unsupported_value"));
    }
    let (system, messages) = messages::convert(&request.messages)?;
    let mut out = MessagesRequest {
        model: request.model.clone(),
        max_tokens: request
            .max_output_tokens()
            .unwrap_or(options.default_max_tokens),
        messages,
        system,
        stop_sequences: request
            .stop
            .as_ref()
            .map(|s| s.sequences().into_iter().map(str::to_owned).collect())
            .filter(|s: &Vec<String>| !s.is_empty()),
        // OpenAI's range is 0..2, Anthropic's 0..1.
        temperature: request.temperature.map(|t| t.clamp(0.0, 1.0)),
        top_p: request.top_p,
        ..MessagesRequest::default()
    };
    tools::apply(request, &mut out)?;
    if let Some(ResponseFormat::JsonSchema { json_schema }) = &request.response_format {
        let schema = json_schema.schema.clone().unwrap_or_else(|| json!({}));
        out.output_config.get_or_insert_with(Map::new).insert(
            "format".into(),
            json!({"type": "json_schema", "schema": schema}),
        );
    }
    if let Some(user) = request.user.as_ref().or(request.safety_identifier.as_ref()) {
        out.metadata = Some(json!({ "user_id": user }));
    }
    if let Some(tier @ ("auto" | "standard_only")) = request.service_tier.as_deref() {
        out.service_tier = Some(tier.to_owned());
    }
    for (key, value) in &request.extra {
        if NATIVE_KEYS.contains(&key.as_str()) {
            set_key(&mut out, key, value.clone())?;
        } else if key != "extra_body" {
            tracing::debug!(key, "dropping a request field Anthropic does not take");
        }
    }
    if let Some(Value::Object(body)) = request.extra.get("extra_body") {
        for (key, value) in body {
            set_key(&mut out, key, value.clone())?;
        }
    }
    if out.thinking.is_none()
        && let Some(effort) = request.reasoning_effort.as_deref()
    {
        let client_limit = request.max_output_tokens();
        apply_effort(&mut out, effort, client_limit, options)?;
    }
    Ok(out)
}

/// Sets a top-level key, typed fields included (an `extra_body` may set any of them).
fn set_key(out: &mut MessagesRequest, key: &str, value: Value) -> Result<(), GatewayError> {
    let mut body = serde_json::to_value(&*out)
        .map_err(|e| GatewayError::internal(format!("could not encode the request: {e}")))?;
    if let Value::Object(map) = &mut body {
        match (key, value, map.get_mut(key)) {
            // A client's `output_config` merges with the one built from the request.
            ("output_config", Value::Object(new), Some(Value::Object(old))) => old.extend(new),
            (_, value, _) => {
                map.insert(key.to_owned(), value);
            }
        }
    }
    *out = serde_json::from_value(body).map_err(|e| {
        GatewayError::invalid_request(format!("`{key}` has the wrong shape for Anthropic: {e}"))
            .with_param(key)
    })?;
    Ok(())
}

/// Turns `reasoning_effort` into the model's thinking form.
fn apply_effort(
    out: &mut MessagesRequest,
    effort: &str,
    client_limit: Option<u32>,
    options: &ConvertOptions,
) -> Result<(), GatewayError> {
    let form = options.thinking.form_for(&out.model);
    match (form, effort) {
        (ThinkingForm::None, _) => {
            tracing::debug!(model = %out.model, "dropping reasoning_effort: no thinking form");
        }
        (_, "none") => out.thinking = Some(json!({"type": "disabled"})),
        (ThinkingForm::Adaptive, effort) => {
            out.thinking = Some(json!({"type": "adaptive"}));
            out.output_config
                .get_or_insert_with(Map::new)
                .entry("effort")
                .or_insert_with(|| Value::String(adaptive_effort(effort).to_owned()));
        }
        (ThinkingForm::Budget, effort) => {
            let mut budget = options.thinking.budget_for(effort);
            match client_limit {
                // Room for the answer on top of the thinking.
                None => out.max_tokens = options.default_max_tokens.saturating_add(budget),
                Some(limit) if budget >= limit => budget = limit.saturating_sub(1),
                Some(_) => {}
            }
            if budget < MIN_BUDGET {
                return Err(GatewayError::invalid_request(format!(
                    "thinking needs an output limit above {MIN_BUDGET} tokens; raise \
                     `max_completion_tokens` or drop `reasoning_effort`"
                ))
                .with_param("reasoning_effort")
                .with_code("unsupported_value"));
            }
            out.thinking = Some(json!({"type": "enabled", "budget_tokens": budget}));
        }
    }
    Ok(())
}
