//! The conversation: system prompt lifted out, turns converted to blocks, consecutive
//! turns of one role merged, tool results first in their user turn.

use serde_json::{Map, Value, json};
use switchboard_core::GatewayError;
use switchboard_core::chat::{ChatMessage, ContentPart, MessageContent, Role};

use crate::types::{ContentBlock, Message, System};

/// The `system` and `messages` of a Messages body.
pub(super) fn convert(
    messages: &[ChatMessage],
) -> Result<(Option<System>, Vec<Message>), GatewayError> {
    let mut system = Vec::new();
    let mut turns: Vec<Message> = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let (role, blocks) = match &message.role {
            Role::System | Role::Developer => {
                system.extend(system_blocks(message.content()));
                continue;
            }
            Role::User => ("user", user_blocks(message.content(), i)?),
            Role::Assistant => ("assistant", assistant_blocks(message, i)?),
            Role::Tool => ("user", vec![tool_result(message, i)?]),
            other => {
                return Err(GatewayError::invalid_request(format!(
                    "the role `{other}` cannot be sent to an Anthropic model"
                ))
                .with_param(format!("messages[{i}].role"))
                .with_code("unsupported_value"));
            }
        };
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some(last) if last.role == role => last.content.extend(blocks),
            _ => turns.push(Message {
                role: role.to_owned(),
                content: blocks,
            }),
        }
    }
    for turn in turns.iter_mut().filter(|t| t.role == "user") {
        // Anthropic wants a turn's tool results before anything else in it.
        let (mut first, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut turn.content)
            .into_iter()
            .partition(|b| matches!(b, ContentBlock::ToolResult { .. }));
        first.extend(rest);
        turn.content = first;
    }
    Ok((system_of(system), turns))
}

/// A plain string when no block carries `cache_control`, else the blocks.
fn system_of(blocks: Vec<ContentBlock>) -> Option<System> {
    if blocks.is_empty() {
        return None;
    }
    let plain = blocks
        .iter()
        .all(|b| matches!(b, ContentBlock::Text { extra, .. } if extra.is_empty()));
    if !plain {
        return Some(System::Blocks(blocks));
    }
    let texts: Vec<String> = blocks
        .into_iter()
        .filter_map(|b| match b {
            ContentBlock::Text { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    Some(System::Text(texts.join("\n\n")))
}

fn system_blocks(content: Option<&MessageContent>) -> Vec<ContentBlock> {
    match content {
        Some(MessageContent::Text(text)) if !text.is_empty() => vec![ContentBlock::text(text)],
        Some(MessageContent::Parts(parts)) => parts
            .iter()
            .filter_map(|part| match part {
                ContentPart::Text { text, extra } if !text.is_empty() => Some(ContentBlock::Text {
                    text: text.clone(),
                    extra: cache_control(extra),
                }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The blocks of a user turn (also a tool result's array content).
fn user_blocks(
    content: Option<&MessageContent>,
    i: usize,
) -> Result<Vec<ContentBlock>, GatewayError> {
    let parts = match content {
        None => return Ok(Vec::new()),
        Some(MessageContent::Text(text)) if text.is_empty() => return Ok(Vec::new()),
        Some(MessageContent::Text(text)) => return Ok(vec![ContentBlock::text(text)]),
        Some(MessageContent::Parts(parts)) => parts,
    };
    let mut out = Vec::new();
    for part in parts {
        let block = match part {
            ContentPart::Text { text, .. } if text.is_empty() => continue,
            ContentPart::Text { text, extra } => ContentBlock::Text {
                text: text.clone(),
                extra: cache_control(extra),
            },
            ContentPart::ImageUrl { image_url, extra } => ContentBlock::Image {
                source: source_of(&image_url.url, None),
                extra: cache_control(extra),
            },
            ContentPart::File { file, extra } => match &file.file_data {
                Some(data) => ContentBlock::Document {
                    source: source_of(data, Some("application/pdf")),
                    extra: cache_control(extra),
                },
                None => return Err(unsupported(i, "a file given by `file_id`")),
            },
            ContentPart::Refusal { refusal, .. } => ContentBlock::text(refusal),
            ContentPart::InputAudio { .. } => return Err(unsupported(i, "audio input")),
            // An Anthropic-native block (`document`, `search_result`, ...) goes as sent.
            ContentPart::Other(value) => ContentBlock::Other(value.clone()),
        };
        out.push(block);
    }
    Ok(out)
}

/// The blocks of an assistant turn: its signed thinking, its text, its tool calls.
fn assistant_blocks(message: &ChatMessage, i: usize) -> Result<Vec<ContentBlock>, GatewayError> {
    let mut out = Vec::new();
    if let Some(Value::Array(blocks)) = message.extra.get("thinking_blocks") {
        out.extend(blocks.iter().cloned().map(ContentBlock::Other));
    } else if let (Some(text), Some(Value::String(signature))) = (
        message.reasoning_content(),
        message.extra.get("reasoning_signature"),
    ) {
        out.push(ContentBlock::Thinking {
            thinking: text.to_owned(),
            signature: signature.clone(),
            extra: Map::new(),
        });
    }
    match message.content() {
        Some(MessageContent::Text(text)) if !text.is_empty() => out.push(ContentBlock::text(text)),
        Some(MessageContent::Parts(parts)) => {
            for part in parts {
                match part {
                    ContentPart::Text { text, extra } if !text.is_empty() => {
                        out.push(ContentBlock::Text {
                            text: text.clone(),
                            extra: cache_control(extra),
                        });
                    }
                    ContentPart::Refusal { refusal, .. } if !refusal.is_empty() => {
                        out.push(ContentBlock::text(refusal));
                    }
                    ContentPart::Text { .. } | ContentPart::Refusal { .. } => {}
                    ContentPart::Other(value) => out.push(ContentBlock::Other(value.clone())),
                    _ => return Err(unsupported(i, "a non-text part in an assistant message")),
                }
            }
        }
        _ => {}
    }
    for (j, call) in message.tool_calls.iter().flatten().enumerate() {
        if call.r#type != "function" {
            return Err(unsupported(i, "a tool call that is not a function call"));
        }
        out.push(ContentBlock::ToolUse {
            id: call.id.clone(),
            name: call.function.name.clone(),
            input: arguments(&call.function.arguments, i, j)?,
            extra: Map::new(),
        });
    }
    Ok(out)
}

/// A function call's arguments text as the JSON object Anthropic wants (`""` is `{}`).
fn arguments(text: &str, i: usize, j: usize) -> Result<Value, GatewayError> {
    if text.trim().is_empty() {
        return Ok(json!({}));
    }
    let param = format!("messages[{i}].tool_calls[{j}].function.arguments");
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(
            GatewayError::invalid_request("tool call arguments must be a JSON object")
                .with_param(param),
        ),
        Err(e) => Err(GatewayError::invalid_request(format!(
            "tool call arguments are not valid JSON: {e}"
        ))
        .with_param(param)),
    }
}

fn tool_result(message: &ChatMessage, i: usize) -> Result<ContentBlock, GatewayError> {
    let id = message.tool_call_id.clone().ok_or_else(|| {
        GatewayError::invalid_request("a `tool` message needs `tool_call_id`")
            .with_param(format!("messages[{i}].tool_call_id"))
    })?;
    let content = match message.content() {
        Some(MessageContent::Text(text)) if text.is_empty() => None,
        Some(MessageContent::Text(text)) => Some(Value::String(text.clone())),
        parts @ Some(MessageContent::Parts(_)) => {
            let blocks = user_blocks(parts, i)?;
            let blocks = serde_json::to_value(blocks).map_err(|e| {
                GatewayError::internal(format!("could not encode a tool result: {e}"))
            })?;
            Some(blocks)
        }
        None => None,
    };
    Ok(ContentBlock::ToolResult {
        tool_use_id: id,
        content,
        is_error: message.extra.get("is_error").and_then(Value::as_bool),
        extra: Map::new(),
    })
}

/// An image or document source from a URL: a `data:` URL becomes base64, anything else
/// a URL source. Raw base64 (no `data:` prefix) takes `default_type` when one is given.
fn source_of(url: &str, default_type: Option<&str>) -> Value {
    if let Some(rest) = url.strip_prefix("data:")
        && let Some((media_type, data)) = rest.split_once(";base64,")
    {
        return json!({"type": "base64", "media_type": media_type, "data": data});
    }
    match default_type {
        Some(media_type) if !url.starts_with("http://") && !url.starts_with("https://") => {
            json!({"type": "base64", "media_type": media_type, "data": url})
        }
        _ => json!({"type": "url", "url": url}),
    }
}

/// The `cache_control` of a part's extra keys, the one vendor key Anthropic takes there.
fn cache_control(extra: &Map<String, Value>) -> Map<String, Value> {
    extra
        .iter()
        .filter(|(key, _)| key.as_str() == "cache_control")
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

fn unsupported(i: usize, what: &str) -> GatewayError {
    GatewayError::invalid_request(format!("{what} cannot be sent to an Anthropic model"))
        .with_param(format!("messages[{i}].content"))
        .with_code("unsupported_value")
}
