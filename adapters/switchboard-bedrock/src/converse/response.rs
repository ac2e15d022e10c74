//! A Converse answer → a chat completion (through a Messages answer).

use serde_json::{Map, Value, json};
use switchboard_anthropic::types::{AnthropicUsage, ContentBlock, MessagesResponse};
use switchboard_core::chat::ChatResponse;

/// Translates a whole Converse answer for `model`, stamped `created`.
///
/// `text` blocks join into `content`, `toolUse` blocks become `tool_calls`,
/// `reasoningContent` becomes `reasoning_content` (and `thinking_blocks`), usage is
/// normalised as Anthropic's (prompt = input + cache reads + cache writes).
pub fn from_converse_response(body: &Value, model: &str, id: &str, created: i64) -> ChatResponse {
    let mut content = Vec::new();
    let empty = Vec::new();
    let blocks = body
        .pointer("/output/message/content")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    for block in blocks {
        if let Some(text) = block.get("text").and_then(Value::as_str) {
            content.push(ContentBlock::text(text));
        } else if let Some(tool) = block.get("toolUse") {
            let text = |k: &str| tool.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            content.push(ContentBlock::ToolUse {
                id: text("toolUseId"),
                name: text("name"),
                input: tool.get("input").cloned().unwrap_or_else(|| json!({})),
                extra: Map::new(),
            });
        } else if let Some(reasoning) = block.get("reasoningContent") {
            if let Some(r) = reasoning.get("reasoningText") {
                let text = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                content.push(ContentBlock::Thinking {
                    thinking: text("text"),
                    signature: text("signature"),
                    extra: Map::new(),
                });
            } else if let Some(data) = reasoning.get("redactedContent").and_then(Value::as_str) {
                content.push(ContentBlock::RedactedThinking {
                    data: data.to_owned(),
                    extra: Map::new(),
                });
            }
        }
    }
    let stop = body.get("stopReason").and_then(Value::as_str);
    let response = MessagesResponse {
        id: id.to_owned(),
        model: model.to_owned(),
        role: "assistant".into(),
        content,
        stop_reason: stop.map(|s| super::stop_reason(s).to_owned()),
        usage: usage(body.get("usage")),
        ..MessagesResponse::default()
    };
    switchboard_anthropic::from_messages_response(response, created)
}

/// Converse usage (`inputTokens`, `outputTokens`, `cacheReadInputTokens`,
/// `cacheWriteInputTokens`) in Anthropic's shape.
pub(crate) fn usage(usage: Option<&Value>) -> AnthropicUsage {
    let get = |k: &str| usage.and_then(|u| u.get(k)).and_then(Value::as_u64);
    AnthropicUsage {
        input_tokens: get("inputTokens"),
        output_tokens: get("outputTokens"),
        cache_read_input_tokens: get("cacheReadInputTokens"),
        cache_creation_input_tokens: get("cacheWriteInputTokens"),
        ..AnthropicUsage::default()
    }
}
