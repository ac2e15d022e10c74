//! A canonical chat request made fit for DeepSeek (ours → provider).
//!
//! What changes (providers.md §0.1 and §6):
//! - `developer` messages become `system` messages;
//! - `max_completion_tokens` becomes `max_tokens`;
//! - `reasoning_effort` drives the thinking switch (see [`EffortMode`]);
//! - `reasoning_content` on assistant messages is filled, kept or stripped (see
//!   [`ReasoningHistory`]);
//! - `response_format: json_schema` becomes `json_object`, the only JSON mode DeepSeek has;
//! - OpenAI fields DeepSeek does not take are dropped (logged at debug); `n` above 1 is a 400.
//!
//! Vendor fields the client sent (`thinking`, `prefix`, ...) stay in `extra` and go up.

use serde_json::{Value, json};
use switchboard_core::chat::{ChatRequest, ResponseFormat, Role};

use crate::config::{EffortMode, ReasoningHistory};
use crate::error::DeepSeekError;

/// The per-provider settings the request translation reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// What `reasoning_effort` becomes.
    pub effort: EffortMode,
    /// What happens to `reasoning_content` in the history.
    pub history: ReasoningHistory,
}

/// Rewrites `request` in place for DeepSeek. Fails only on what DeepSeek cannot do at all
/// (`n` above 1), as a 400 naming the parameter.
pub fn prepare(request: &mut ChatRequest, quirks: Quirks) -> Result<(), DeepSeekError> {
    drop_unsupported(request)?;
    if request.max_tokens.is_none() {
        request.max_tokens = request.max_completion_tokens;
    }
    request.max_completion_tokens = None;
    for message in &mut request.messages {
        if message.role == Role::Developer {
            message.role = Role::System;
        }
    }
    if let Some(ResponseFormat::JsonSchema { .. }) = request.response_format {
        tracing::debug!("deepseek: response_format json_schema sent as json_object");
        request.response_format = Some(ResponseFormat::JsonObject);
    }
    thinking_switch(request, quirks.effort);
    reasoning_history(request, quirks.history);
    Ok(())
}

/// Drops the OpenAI fields DeepSeek's chat API does not take.
fn drop_unsupported(request: &mut ChatRequest) -> Result<(), DeepSeekError> {
    match request.n {
        Some(n) if n > 1 => return Err(DeepSeekError::UnsupportedN(n)),
        _ => request.n = None,
    }
    let mut dropped: Vec<&str> = Vec::new();
    macro_rules! drop_fields {
        ($($field:ident),*) => {$(
            if request.$field.take().is_some() {
                dropped.push(stringify!($field));
            }
        )*};
    }
    drop_fields!(
        user,
        store,
        metadata,
        service_tier,
        safety_identifier,
        prompt_cache_key,
        verbosity,
        modalities,
        audio,
        prediction,
        web_search_options,
        seed,
        logit_bias,
        parallel_tool_calls
    );
    if let Some(options) = &mut request.stream_options
        && options.include_obfuscation.take().is_some()
    {
        dropped.push("stream_options.include_obfuscation");
    }
    if !dropped.is_empty() {
        tracing::debug!(fields = ?dropped, "deepseek: dropped fields DeepSeek does not take");
    }
    Ok(())
}

/// `reasoning_effort` → `thinking: {"type": ...}` plus DeepSeek's effort names. A
/// `thinking` the client sent itself is never replaced.
fn thinking_switch(request: &mut ChatRequest, mode: EffortMode) {
    let Some(effort) = request.reasoning_effort.take() else {
        return;
    };
    match mode {
        EffortMode::Forward => request.reasoning_effort = Some(effort),
        EffortMode::Drop => {
            tracing::debug!(%effort, "deepseek: dropped reasoning_effort");
        }
        EffortMode::Thinking => {
            let (kind, level) = match effort.as_str() {
                "none" => ("disabled", None),
                "minimal" | "low" => ("enabled", Some("low".to_owned())),
                "medium" | "high" | "xhigh" => ("enabled", Some("high".to_owned())),
                "max" | "ultra" => ("enabled", Some("max".to_owned())),
                _ => ("enabled", Some(effort)),
            };
            let client_thinking = request.extra.contains_key("thinking");
            if !client_thinking {
                request
                    .extra
                    .insert("thinking".to_owned(), json!({ "type": kind }));
            }
            if !thinking_disabled(request) {
                request.reasoning_effort = level;
            }
        }
    }
}

/// True when the request as it will be sent turns thinking off.
fn thinking_disabled(request: &ChatRequest) -> bool {
    request
        .extra
        .get("thinking")
        .and_then(|t| t.get("type"))
        .and_then(Value::as_str)
        == Some("disabled")
}

/// Fills, keeps or strips `reasoning_content` on the history's assistant messages.
fn reasoning_history(request: &mut ChatRequest, history: ReasoningHistory) {
    match history {
        ReasoningHistory::Keep => {}
        ReasoningHistory::Strip => {
            for message in &mut request.messages {
                message.reasoning_content = None;
            }
        }
        ReasoningHistory::Fill => {
            if thinking_disabled(request) {
                return;
            }
            for message in &mut request.messages {
                if message.role == Role::Assistant && message.reasoning_content().is_none() {
                    message.reasoning_content = Some(Some(String::new()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
