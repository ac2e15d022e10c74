//! Canonical messages → Ollama's: string content, base64 `images`, tool calls whose
//! arguments are objects, tool results named by `tool_name`.

use serde_json::Value;
use switchboard_core::GatewayError;
use switchboard_core::chat::{ChatMessage, ContentPart, MessageContent, Role};

use crate::wire::{FunctionOut, Message, ToolCallOut};

/// Translates the conversation. Fails (400) on what Ollama cannot take: a remote image URL,
/// audio or file parts, tool-call arguments that are not a JSON object.
pub(crate) fn translate(input: &[ChatMessage]) -> Result<Vec<Message>, GatewayError> {
    input
        .iter()
        .enumerate()
        .map(|(i, m)| message(input, i, m))
        .collect()
}

fn message(all: &[ChatMessage], i: usize, m: &ChatMessage) -> Result<Message, GatewayError> {
    let role = match &m.role {
        Role::System | Role::Developer => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool | Role::Function => "tool",
        Role::Other(other) => other.as_str(),
    };
    let mut out = Message {
        role: role.to_owned(),
        ..Message::default()
    };
    match m.content() {
        None => {}
        Some(MessageContent::Text(text)) => out.content.clone_from(text),
        Some(MessageContent::Parts(parts)) => {
            for (j, part) in parts.iter().enumerate() {
                add_part(&mut out, part, i, j)?;
            }
        }
    }
    // A client that knows Ollama may send `images` itself.
    if let Some(Value::Array(images)) = m.extra.get("images") {
        out.images
            .extend(images.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    if m.role == Role::Assistant {
        out.thinking = m
            .reasoning_content()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        for (j, call) in m.tool_calls.iter().flatten().enumerate() {
            out.tool_calls.push(ToolCallOut {
                id: Some(call.id.clone()).filter(|id| !id.is_empty()),
                function: FunctionOut {
                    name: call.function.name.clone(),
                    arguments: arguments(&call.function.arguments, i, j)?,
                },
            });
        }
        if out.content.is_empty()
            && let Some(refusal) = m.refusal()
        {
            out.content = refusal.to_owned();
        }
    }
    if out.role == "tool" {
        out.tool_call_id.clone_from(&m.tool_call_id);
        out.tool_name = m
            .tool_call_id
            .as_deref()
            .and_then(|id| tool_name(&all[..i], id))
            .or_else(|| m.name.clone());
    }
    Ok(out)
}

fn add_part(out: &mut Message, part: &ContentPart, i: usize, j: usize) -> Result<(), GatewayError> {
    let param = || format!("messages[{i}].content[{j}]");
    match part {
        ContentPart::Text { text, .. } | ContentPart::Refusal { refusal: text, .. } => {
            out.content.push_str(text);
        }
        ContentPart::ImageUrl { image_url, .. } => {
            out.images
                .push(image_data(&image_url.url).map_err(|message| {
                    GatewayError::invalid_request(message)
                        .with_param(param())
                        .with_code("unsupported_image_url")
                })?);
        }
        ContentPart::InputAudio { .. } | ContentPart::File { .. } | ContentPart::Other(_) => {
            let kind = match part {
                ContentPart::InputAudio { .. } => "input_audio",
                ContentPart::File { .. } => "file",
                _ => "this",
            };
            return Err(GatewayError::invalid_request(format!(
                "Ollama's chat API does not take {kind} content parts; send text and images only"
            ))
            .with_param(param())
            .with_code("unsupported_content_part"));
        }
    }
    Ok(())
}

/// The base64 payload of a `data:` URL. Remote URLs are refused, not fetched: the gateway
/// does not download on a client's behalf.
fn image_data(url: &str) -> Result<String, String> {
    let Some(rest) = url.strip_prefix("data:") else {
        return Err(
            if url.starts_with("http://") || url.starts_with("https://") {
                "Ollama takes images inline only, and the gateway does not fetch image URLs: \
             send the image as a base64 `data:` URL"
                    .to_owned()
            } else {
                "an image URL must be a base64 `data:` URL".to_owned()
            },
        );
    };
    match rest.split_once(',') {
        Some((meta, data)) if meta.ends_with(";base64") && !data.is_empty() => Ok(data.to_owned()),
        _ => {
            Err("an image `data:` URL must be base64-encoded (`data:image/png;base64,...`)".into())
        }
    }
}

/// Tool-call arguments as the object Ollama wants. Empty text reads as `{}`.
fn arguments(text: &str, i: usize, j: usize) -> Result<Value, GatewayError> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(GatewayError::invalid_request(
            "tool call arguments must be a JSON object for Ollama",
        )
        .with_param(format!("messages[{i}].tool_calls[{j}].function.arguments"))),
    }
}

/// The function name of the call `id`, from the nearest assistant turn before the result.
fn tool_name(before: &[ChatMessage], id: &str) -> Option<String> {
    before
        .iter()
        .rev()
        .filter_map(|m| m.tool_calls.as_ref())
        .flatten()
        .find(|call| call.id == id)
        .map(|call| call.function.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(messages: Value) -> Result<Value, GatewayError> {
        let input: Vec<ChatMessage> = serde_json::from_value(messages).unwrap();
        translate(&input).map(|m| serde_json::to_value(m).unwrap())
    }

    #[test]
    fn roles_text_parts_and_images() {
        let out = run(json!([
            {"role":"developer","content":"Be brief."},
            {"role":"user","content":[
                {"type":"text","text":"What is "},
                {"type":"text","text":"this?"},
                {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}}
            ]}
        ]))
        .unwrap();
        assert_eq!(
            out,
            json!([
                {"role":"system","content":"Be brief."},
                {"role":"user","content":"What is this?","images":["iVBORw0KGgo="]}
            ])
        );
    }

    #[test]
    fn a_remote_image_is_a_400_naming_the_part() {
        let err = run(json!([{"role":"user","content":[
            {"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]))
        .unwrap_err();
        assert_eq!(err.status(), 400);
        assert_eq!(err.param(), Some("messages[0].content[0]"));
        assert!(
            err.message().contains("does not fetch"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn tool_history_gets_object_arguments_and_tool_names() {
        let out = run(json!([
            {"role":"user","content":"Weather in Tokyo?"},
            {"role":"assistant","content":null,"reasoning_content":"Need a tool.","tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Tokyo\"}"}},
                {"id":"call_2","type":"function","function":{"name":"get_time","arguments":""}}]},
            {"role":"tool","tool_call_id":"call_2","content":"noon"},
            {"role":"tool","tool_call_id":"call_1","content":"11 degrees celsius"}
        ]))
        .unwrap();
        assert_eq!(
            out[1],
            json!({"role":"assistant","content":"","thinking":"Need a tool.","tool_calls":[
                {"id":"call_1","function":{"name":"get_weather","arguments":{"city":"Tokyo"}}},
                {"id":"call_2","function":{"name":"get_time","arguments":{}}}]})
        );
        assert_eq!(
            out[2],
            json!({"role":"tool","content":"noon","tool_name":"get_time","tool_call_id":"call_2"})
        );
        assert_eq!(out[3]["tool_name"], "get_weather");
    }

    #[test]
    fn bad_arguments_and_audio_are_refused() {
        let err = run(json!([{"role":"assistant","tool_calls":[
            {"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]))
        .unwrap_err();
        assert_eq!(
            err.param(),
            Some("messages[0].tool_calls[0].function.arguments")
        );
        let err = run(json!([{"role":"user","content":[
            {"type":"input_audio","input_audio":{"data":"AAA","format":"wav"}}]}]))
        .unwrap_err();
        assert!(err.message().contains("input_audio"));
    }
}
