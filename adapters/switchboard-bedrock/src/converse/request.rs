//! A Messages body → a Converse body.

use serde_json::{Map, Value, json};
use switchboard_anthropic::types::{ContentBlock, MessagesRequest, System};
use switchboard_core::GatewayError;

/// Rewrites a Messages body (from `switchboard_anthropic::to_messages_request`) as a
/// Converse body: `system` and message blocks in camelCase, `inferenceConfig`,
/// `toolConfig`, and the Anthropic-only keys (`thinking`, `top_k`, `output_config`, ...)
/// in `additionalModelRequestFields`. Image URLs are refused (400): Converse takes bytes.
pub fn to_converse_request(body: &MessagesRequest) -> Result<Value, GatewayError> {
    let mut out = Map::new();
    let mut messages = Vec::new();
    let mut has_tool_blocks = false;
    for message in &body.messages {
        let mut content = Vec::new();
        for block in &message.content {
            has_tool_blocks |= matches!(
                block,
                ContentBlock::ToolUse { .. } | ContentBlock::ToolResult { .. }
            );
            blocks(block, &mut content)?;
        }
        messages.push(json!({"role": message.role, "content": content}));
    }
    out.insert("messages".into(), Value::Array(messages));
    match &body.system {
        Some(System::Text(text)) if !text.is_empty() => {
            out.insert("system".into(), json!([{"text": text}]));
        }
        Some(System::Blocks(list)) => {
            let mut system = Vec::new();
            for block in list {
                blocks(block, &mut system)?;
            }
            out.insert("system".into(), Value::Array(system));
        }
        _ => {}
    }
    let mut inference = Map::new();
    inference.insert("maxTokens".into(), json!(body.max_tokens));
    if let Some(t) = body.temperature {
        inference.insert("temperature".into(), json!(t));
    }
    if let Some(p) = body.top_p {
        inference.insert("topP".into(), json!(p));
    }
    if let Some(stop) = &body.stop_sequences {
        inference.insert("stopSequences".into(), json!(stop));
    }
    out.insert("inferenceConfig".into(), Value::Object(inference));
    if let Some(config) = tool_config(body, has_tool_blocks) {
        out.insert("toolConfig".into(), config);
    }
    let mut additional = Map::new();
    if let Some(thinking) = &body.thinking {
        additional.insert("thinking".into(), thinking.clone());
    }
    if let Some(config) = &body.output_config {
        additional.insert("output_config".into(), Value::Object(config.clone()));
    }
    for (key, value) in &body.extra {
        additional.insert(key.clone(), value.clone());
    }
    if !additional.is_empty() {
        out.insert(
            "additionalModelRequestFields".into(),
            Value::Object(additional),
        );
    }
    Ok(Value::Object(out))
}

/// Appends the Converse blocks for one Messages block (a `cachePoint` after a block with
/// `cache_control`).
fn blocks(block: &ContentBlock, out: &mut Vec<Value>) -> Result<(), GatewayError> {
    let cached = |extra: &Map<String, Value>| extra.contains_key("cache_control");
    match block {
        ContentBlock::Text { text, extra } => {
            if !text.is_empty() {
                out.push(json!({"text": text}));
            }
            if cached(extra) {
                out.push(json!({"cachePoint": {"type": "default"}}));
            }
        }
        ContentBlock::Image { source, extra } => {
            out.push(json!({"image": media(source, "image")?}));
            if cached(extra) {
                out.push(json!({"cachePoint": {"type": "default"}}));
            }
        }
        ContentBlock::Document { source, extra } => {
            let mut doc = media(source, "document")?;
            doc.insert("name".into(), json!(extra.get("title").and_then(Value::as_str).unwrap_or("document")));
            out.push(json!({"document": doc}));
        }
        ContentBlock::ToolUse { id, name, input, .. } => {
            let input = if input.is_null() { json!({}) } else { input.clone() };
            out.push(json!({"toolUse": {"toolUseId": id, "name": name, "input": input}}));
        }
        ContentBlock::ToolResult {
            tool_use_id,
            content,
            is_error,
            ..
        } => {
            let mut parts = Vec::new();
            match content {
                Some(Value::String(text)) => parts.push(json!({"text": text})),
                Some(Value::Array(items)) => {
                    for item in items {
                        let block: ContentBlock = serde_json::from_value(item.clone())
                            .map_err(|e| GatewayError::invalid_request(e.to_string()))?;
                        blocks(&block, &mut parts)?;
                    }
                }
                _ => {}
            }
            if parts.is_empty() {
                parts.push(json!({"text": ""}));
            }
            let status = if *is_error == Some(true) { "error" } else { "success" };
            out.push(json!({"toolResult": {"toolUseId": tool_use_id, "content": parts, "status": status}}));
        }
        ContentBlock::Thinking {
            thinking,
            signature,
            ..
        } => out.push(json!({"reasoningContent": {"reasoningText": {"text": thinking, "signature": signature}}})),
        ContentBlock::RedactedThinking { data, .. } => {
            out.push(json!({"reasoningContent": {"redactedContent": data}}));
        }
        ContentBlock::Other(value) => {
            tracing::debug!(block = %value, "dropping a block Converse does not take");
        }
    }
    Ok(())
}

/// `{format, source: {bytes}}` from an Anthropic base64 source.
fn media(source: &Value, what: &str) -> Result<Map<String, Value>, GatewayError> {
    let (Some("base64"), Some(media_type), Some(data)) = (
        source.get("type").and_then(Value::as_str),
        source.get("media_type").and_then(Value::as_str),
        source.get("data").and_then(Value::as_str),
    ) else {
        return Err(GatewayError::invalid_request(format!(
            "Bedrock Converse takes an {what} only as base64 data (a `data:` URL), not a URL"
        ))
        .with_code("unsupported_value"));
    };
    let format = media_type.rsplit('/').next().unwrap_or(media_type);
    let format = match format {
        "jpg" => "jpeg",
        "plain" => "txt",
        other => other,
    };
    let mut out = Map::new();
    out.insert("format".into(), json!(format));
    out.insert("source".into(), json!({"bytes": data}));
    Ok(out)
}

/// `toolConfig` from `tools` and `tool_choice` (`none` drops the tools, unless the history
/// holds tool blocks, which Converse refuses without a `toolConfig`).
fn tool_config(body: &MessagesRequest, has_tool_blocks: bool) -> Option<Value> {
    let tools: Vec<Value> = body
        .tools
        .iter()
        .flatten()
        .filter_map(|tool| {
            let name = tool.get("name")?.as_str()?;
            let mut spec = Map::new();
            spec.insert("name".into(), json!(name));
            if let Some(d) = tool.get("description") {
                spec.insert("description".into(), d.clone());
            }
            let schema = tool
                .get("input_schema")
                .cloned()
                .unwrap_or_else(|| json!({"type": "object"}));
            spec.insert("inputSchema".into(), json!({"json": schema}));
            if let Some(strict) = tool.get("strict") {
                spec.insert("strict".into(), strict.clone());
            }
            Some(json!({"toolSpec": spec}))
        })
        .collect();
    if tools.is_empty() {
        return None;
    }
    let choice = body.tool_choice.as_ref();
    let kind = choice.and_then(|c| c.get("type")).and_then(Value::as_str);
    let mut config = Map::new();
    config.insert("tools".into(), Value::Array(tools));
    match kind {
        Some("none") if !has_tool_blocks => return None,
        Some("none") | Some("auto") | None => {}
        Some("any") => {
            config.insert("toolChoice".into(), json!({"any": {}}));
        }
        Some("tool") => {
            let name = choice
                .and_then(|c| c.get("name"))
                .cloned()
                .unwrap_or(Value::Null);
            config.insert("toolChoice".into(), json!({"tool": {"name": name}}));
        }
        Some(_) => {}
    }
    if kind == Some("auto") {
        config.insert("toolChoice".into(), json!({"auto": {}}));
    }
    Some(Value::Object(config))
}
