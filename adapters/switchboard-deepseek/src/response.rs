//! DeepSeek's answers made canonical (provider → ours): usage, finish reasons, tool calls.
//!
//! - `usage.prompt_cache_hit_tokens` becomes `prompt_tokens_details.cached_tokens`
//!   (providers.md §0.4); DeepSeek's own counters stay alongside.
//! - `finish_reason: insufficient_system_resource` (§0.3) becomes `length` when the answer
//!   has any output, and a retryable 503 when it has none.
//! - The non-standard `index` DeepSeek puts in a message's `tool_calls` is removed, and
//!   the `refusal` OpenAI's schema requires is added as `null` (DeepSeek never sends it).

use switchboard_core::chat::{ChatResponse, FinishReason, Usage};

use crate::error::DeepSeekError;

/// DeepSeek's extra finish reason: it ran out of capacity mid-answer.
pub const INSUFFICIENT_SYSTEM_RESOURCE: &str = "insufficient_system_resource";

/// True for DeepSeek's `insufficient_system_resource`.
pub fn is_insufficient(reason: Option<&FinishReason>) -> bool {
    matches!(reason, Some(FinishReason::Other(r)) if r == INSUFFICIENT_SYSTEM_RESOURCE)
}

/// Sets `prompt_tokens_details.cached_tokens` from `prompt_cache_hit_tokens` when DeepSeek
/// reported it (it wins over a `cached_tokens` already there).
pub fn normalise_usage(usage: &mut Usage) {
    let Some(hit) = usage
        .extra
        .get("prompt_cache_hit_tokens")
        .and_then(serde_json::Value::as_u64)
    else {
        return;
    };
    usage
        .prompt_tokens_details
        .get_or_insert_with(Default::default)
        .cached_tokens = Some(hit);
}

/// Makes a non-streamed answer canonical; an answer that stopped for lack of resources
/// before producing anything is an error.
pub fn normalise_response(response: &mut ChatResponse) -> Result<(), DeepSeekError> {
    if let Some(Some(usage)) = &mut response.usage {
        normalise_usage(usage);
    }
    let starved = !response.choices.is_empty()
        && response.choices.iter().all(|choice| {
            let m = &choice.message;
            is_insufficient(choice.finish_reason())
                && m.text().is_empty()
                && m.reasoning_content().unwrap_or_default().is_empty()
                && m.tool_calls.as_ref().is_none_or(Vec::is_empty)
        });
    if starved {
        return Err(DeepSeekError::InsufficientSystemResource);
    }
    for choice in &mut response.choices {
        if is_insufficient(choice.finish_reason()) {
            tracing::warn!("deepseek: insufficient_system_resource mid-answer, sent as `length`");
            choice.finish_reason = Some(Some(FinishReason::Length));
        }
        if choice.message.refusal.is_none() {
            choice.message.refusal = Some(None);
        }
        for call in choice.message.tool_calls.iter_mut().flatten() {
            call.extra.remove("index");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
