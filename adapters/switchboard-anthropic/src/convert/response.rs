//! A Messages answer → a chat completion, and the two rules the stream decoder shares:
//! stop reason → `finish_reason` (providers.md §0.3) and usage (§0.4).

use serde_json::{Map, Value};
use switchboard_core::chat::{
    ChatChoice, ChatMessage, ChatResponse, CompletionTokensDetails, FinishReason, MessageContent,
    PromptTokensDetails, Role, ToolCall, Usage,
};

use crate::types::{AnthropicUsage, ContentBlock, MessagesResponse};

/// Translates a whole answer. `created` is the Unix time to stamp it with.
///
/// Text blocks are joined into `content` (`null` when the answer is only tool calls),
/// `tool_use` blocks become `tool_calls` (arguments = the input as JSON text), thinking
/// text becomes `reasoning_content`, and the `thinking` / `redacted_thinking` blocks are
/// kept verbatim in the message's `thinking_blocks` (see the [module](super) docs).
/// Server-tool blocks and other unknown blocks are left out.
pub fn from_messages_response(response: MessagesResponse, created: i64) -> ChatResponse {
    let mut text = String::new();
    let mut reasoning: Option<String> = None;
    let mut thinking_blocks = Vec::new();
    let mut tool_calls = Vec::new();
    for block in response.content {
        match block {
            ContentBlock::Text { text: t, .. } => text.push_str(&t),
            ContentBlock::ToolUse {
                id, name, input, ..
            } => {
                let arguments = match input {
                    Value::Null => "{}".to_owned(),
                    input => input.to_string(),
                };
                tool_calls.push(ToolCall::function(id, name, arguments));
            }
            block @ ContentBlock::Thinking { .. } => {
                if let ContentBlock::Thinking { thinking, .. } = &block {
                    reasoning.get_or_insert_with(String::new).push_str(thinking);
                }
                thinking_blocks.extend(serde_json::to_value(block).ok());
            }
            block @ ContentBlock::RedactedThinking { .. } => {
                thinking_blocks.extend(serde_json::to_value(block).ok());
            }
            _ => {}
        }
    }
    let content = if !text.is_empty() || tool_calls.is_empty() {
        Some(MessageContent::Text(text))
    } else {
        None
    };
    let mut extra = Map::new();
    if !thinking_blocks.is_empty() {
        extra.insert("thinking_blocks".into(), Value::Array(thinking_blocks));
    }
    let message = ChatMessage {
        role: Role::Assistant,
        content: Some(content),
        refusal: Some(None),
        reasoning_content: reasoning.map(Some),
        tool_calls: (!tool_calls.is_empty()).then_some(tool_calls),
        extra,
        ..ChatMessage::default()
    };
    let stop_reason = response.stop_reason.as_deref();
    ChatResponse {
        id: response.id,
        created,
        model: response.model,
        choices: vec![ChatChoice {
            index: 0,
            message,
            finish_reason: Some(Some(finish_reason(stop_reason))),
            logprobs: Some(Value::Null),
            extra: raw_stop_reason(stop_reason),
        }],
        usage: Some(Some(usage(&response.usage))),
        ..ChatResponse::default()
    }
}

/// OpenAI's `finish_reason` for an Anthropic `stop_reason`: `end_turn`, `stop_sequence`,
/// `pause_turn` and anything unknown → `stop`; `max_tokens` and
/// `model_context_window_exceeded` → `length`; `tool_use` → `tool_calls`; `refusal` →
/// `content_filter`.
pub fn finish_reason(stop_reason: Option<&str>) -> FinishReason {
    match stop_reason {
        Some("max_tokens" | "model_context_window_exceeded") => FinishReason::Length,
        Some("tool_use") => FinishReason::ToolCalls,
        Some("refusal") => FinishReason::ContentFilter,
        _ => FinishReason::Stop,
    }
}

/// The choice's vendor field `stop_reason` when the OpenAI value hides the real one
/// (`pause_turn`: the caller must continue the turn; or a reason we do not know).
pub(crate) fn raw_stop_reason(stop_reason: Option<&str>) -> Map<String, Value> {
    let mut extra = Map::new();
    match stop_reason {
        None
        | Some(
            "end_turn"
            | "stop_sequence"
            | "max_tokens"
            | "model_context_window_exceeded"
            | "tool_use"
            | "refusal",
        ) => {}
        Some(other) => {
            extra.insert("stop_reason".into(), Value::String(other.to_owned()));
        }
    }
    extra
}

/// OpenAI usage from Anthropic's: prompt = input + cache writes + cache reads; cached =
/// cache reads (cache writes also as `prompt_tokens_details.cache_write_tokens`);
/// completion = output (thinking included); reasoning = `thinking_tokens` when reported.
pub fn usage(usage: &AnthropicUsage) -> Usage {
    let read = usage.cache_read_input_tokens.unwrap_or(0);
    let written = usage.cache_creation_input_tokens.unwrap_or(0);
    let prompt = usage.input_tokens.unwrap_or(0) + written + read;
    let completion = usage.output_tokens.unwrap_or(0);
    let mut prompt_extra = Map::new();
    if usage.cache_creation_input_tokens.is_some() {
        prompt_extra.insert("cache_write_tokens".into(), Value::from(written));
    }
    let thinking = usage
        .output_tokens_details
        .as_ref()
        .and_then(|d| d.thinking_tokens)
        .unwrap_or(0);
    Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        prompt_tokens_details: Some(PromptTokensDetails {
            cached_tokens: Some(read),
            extra: prompt_extra,
            ..PromptTokensDetails::default()
        }),
        completion_tokens_details: Some(CompletionTokensDetails {
            reasoning_tokens: Some(thinking),
            ..CompletionTokensDetails::default()
        }),
        extra: Map::new(),
    }
}
