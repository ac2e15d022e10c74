//! Unit tests of the chat types: open enums, `null` against absent, helpers.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::*;

/// Parses `input` as `T`, checks that writing it back gives the same JSON, and returns it.
fn round_trip<T: DeserializeOwned + Serialize>(input: Value) -> T {
    let parsed: T = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), input);
    parsed
}

#[test]
fn unknown_role_is_kept() {
    let message: ChatMessage = round_trip(json!({"role": "critic", "content": "meh"}));
    assert_eq!(message.role, Role::Other("critic".into()));
    assert_eq!(message.role.as_str(), "critic");
}

#[test]
fn known_roles_read_as_variants() {
    for (wire, role) in [
        ("system", Role::System),
        ("developer", Role::Developer),
        ("user", Role::User),
        ("assistant", Role::Assistant),
        ("tool", Role::Tool),
        ("function", Role::Function),
    ] {
        let message: ChatMessage = round_trip(json!({"role": wire, "content": "x"}));
        assert_eq!(message.role, role);
    }
}

#[test]
fn missing_role_is_an_error() {
    assert!(serde_json::from_value::<ChatMessage>(json!({"content": "hi"})).is_err());
}

#[test]
fn unknown_finish_reason_is_kept() {
    let choice: ChunkChoice = round_trip(json!({
        "index": 0, "delta": {}, "finish_reason": "insufficient_system_resource"
    }));
    let other = FinishReason::Other("insufficient_system_resource".into());
    assert_eq!(choice.finish_reason(), Some(&other));
    assert_eq!(other.as_str(), "insufficient_system_resource");
}

#[test]
fn known_finish_reasons_read_as_variants() {
    for (wire, reason) in [
        ("stop", FinishReason::Stop),
        ("length", FinishReason::Length),
        ("tool_calls", FinishReason::ToolCalls),
        ("content_filter", FinishReason::ContentFilter),
        ("function_call", FinishReason::FunctionCall),
    ] {
        assert_eq!(FinishReason::from(wire), reason);
        assert_eq!(reason.as_str(), wire);
        assert_eq!(serde_json::to_value(&reason).unwrap(), json!(wire));
    }
}

#[test]
fn unknown_content_part_is_kept_verbatim() {
    let part = json!({"type": "video_url", "video_url": {"url": "https://x/v.mp4"}});
    let message: ChatMessage = round_trip(json!({"role": "user", "content": [part.clone()]}));
    assert_eq!(
        message.content(),
        Some(&MessageContent::Parts(vec![ContentPart::Other(part)]))
    );
}

#[test]
fn content_part_without_type_is_kept_verbatim() {
    let part: ContentPart = round_trip(json!({"text": "no type"}));
    assert!(matches!(part, ContentPart::Other(_)));
}

#[test]
fn known_content_parts_keep_sibling_keys() {
    let message: ChatMessage = round_trip(json!({"role": "user", "content": [
        {"type": "text", "text": "look", "cache_control": {"type": "ephemeral"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA", "detail": "low"}},
        {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
        {"type": "file", "file": {"file_id": "file-1"}},
        {"type": "refusal", "refusal": "no"}
    ]}));
    let Some(MessageContent::Parts(parts)) = message.content() else {
        panic!("parts expected");
    };
    let ContentPart::Text { text, extra } = &parts[0] else {
        panic!("text part expected");
    };
    assert_eq!(text, "look");
    assert_eq!(extra["cache_control"], json!({"type": "ephemeral"}));
    assert!(
        matches!(&parts[1], ContentPart::ImageUrl { image_url, .. } if image_url.detail.as_deref() == Some("low"))
    );
    assert!(
        matches!(&parts[2], ContentPart::InputAudio { input_audio, .. } if input_audio.format == "wav")
    );
    assert!(
        matches!(&parts[3], ContentPart::File { file, .. } if file.file_id.as_deref() == Some("file-1"))
    );
    assert!(matches!(&parts[4], ContentPart::Refusal { refusal, .. } if refusal == "no"));
}

#[test]
fn malformed_known_content_part_is_an_error() {
    let err = serde_json::from_value::<ChatMessage>(json!({
        "role": "user", "content": [{"type": "text", "txt": "typo"}]
    }))
    .unwrap_err();
    assert!(err.to_string().contains("lacks `text`"), "{err}");
}

#[test]
fn text_joins_text_parts_only() {
    let message: ChatMessage = serde_json::from_value(json!({"role": "user", "content": [
        {"type": "text", "text": "Hello, "},
        {"type": "image_url", "image_url": {"url": "https://x/a.png"}},
        {"type": "text", "text": "world"}
    ]}))
    .unwrap();
    assert_eq!(message.text(), "Hello, world");
    assert_eq!(ChatMessage::user("plain").text(), "plain");
    assert_eq!(ChatMessage::default().text(), "");
}

#[test]
fn constructors_write_openai_shapes() {
    assert_eq!(
        serde_json::to_value(ChatMessage::system("be brief")).unwrap(),
        json!({"role": "system", "content": "be brief"})
    );
    assert_eq!(
        serde_json::to_value(ChatMessage::assistant("hi")).unwrap(),
        json!({"role": "assistant", "content": "hi"})
    );
    assert_eq!(
        serde_json::to_value(ChatMessage::tool("call_1", "42")).unwrap(),
        json!({"role": "tool", "content": "42", "tool_call_id": "call_1"})
    );
    assert_eq!(ChatMessage::user("q").role, Role::User);
}

#[test]
fn unknown_tool_type_is_kept() {
    let tool: Tool = round_trip(json!({
        "type": "custom", "custom": {"name": "grammar", "format": {"type": "text"}}
    }));
    assert_eq!(tool.r#type, "custom");
    assert!(tool.function.is_none());
    assert!(tool.extra.contains_key("custom"));
}

#[test]
fn function_tool_round_trips() {
    let tool: Tool = round_trip(json!({"type": "function", "function": {
        "name": "f", "description": "d", "parameters": {"type": "object"}, "strict": true,
        "x-vendor": 1
    }}));
    let function = tool.function.unwrap();
    assert_eq!(function.name, "f");
    assert_eq!(function.strict, Some(true));
    assert_eq!(function.extra["x-vendor"], json!(1));
}

#[test]
fn custom_tool_call_has_no_function_written() {
    let call: ToolCall = round_trip(json!({
        "id": "call_1", "type": "custom", "custom": {"name": "grammar", "input": "x"}
    }));
    assert!(call.function.is_empty());
    let call: ToolCall = round_trip(json!({
        "id": "call_2", "type": "function", "function": {"name": "f", "arguments": "{}"}
    }));
    assert_eq!(call, ToolCall::function("call_2", "f", "{}"));
}

#[test]
fn stop_one_and_many() {
    let one: Stop = round_trip(json!("\n"));
    assert_eq!(one, Stop::One("\n".into()));
    assert_eq!(one.sequences(), vec!["\n"]);
    let many: Stop = round_trip(json!(["END", "STOP"]));
    assert_eq!(many, Stop::Many(vec!["END".into(), "STOP".into()]));
    assert_eq!(many.sequences(), vec!["END", "STOP"]);
}

#[test]
fn tool_choice_string_and_object() {
    for mode in ["none", "auto", "required", "any"] {
        let choice: ToolChoice = round_trip(json!(mode));
        assert_eq!(choice, ToolChoice::Mode(mode.into()));
    }
    let named: ToolChoice = round_trip(json!({"type": "function", "function": {"name": "f"}}));
    assert_eq!(named, ToolChoice::function("f"));
    let allowed: ToolChoice = round_trip(json!({"type": "allowed_tools", "allowed_tools": {
        "mode": "auto", "tools": [{"type": "function", "function": {"name": "f"}}]
    }}));
    let ToolChoice::Named(allowed) = allowed else {
        panic!("object expected");
    };
    assert_eq!(allowed.r#type, "allowed_tools");
    assert!(allowed.function.is_none());
}

#[test]
fn response_format_variants() {
    assert_eq!(
        round_trip::<ResponseFormat>(json!({"type": "text"})),
        ResponseFormat::Text
    );
    assert_eq!(
        round_trip::<ResponseFormat>(json!({"type": "json_object"})),
        ResponseFormat::JsonObject
    );
    let schema: ResponseFormat = round_trip(json!({"type": "json_schema", "json_schema": {
        "name": "answer", "schema": {"type": "object"}, "strict": true
    }}));
    let ResponseFormat::JsonSchema { json_schema } = &schema else {
        panic!("json_schema expected");
    };
    assert_eq!(json_schema.name, "answer");
    assert_eq!(schema.type_str(), "json_schema");
    let together: ResponseFormat = round_trip(json!({"type": "json_object", "schema": {}}));
    assert!(matches!(together, ResponseFormat::Other(_)));
    assert_eq!(together.type_str(), "json_object");
    let grammar: ResponseFormat = round_trip(json!({"type": "grammar", "grammar": "root ::= x"}));
    assert!(matches!(grammar, ResponseFormat::Other(_)));
}

#[test]
fn explicit_null_and_absent_both_round_trip() {
    let null: ChatMessage =
        round_trip(json!({"role": "assistant", "content": null, "refusal": null}));
    assert_eq!(null.content, Some(None));
    assert_eq!(null.refusal, Some(None));
    let absent: ChatMessage = round_trip(json!({"role": "assistant"}));
    assert_eq!(absent.content, None);
    assert_eq!(absent.refusal, None);

    let chunk: ChatChunk = round_trip(json!({
        "id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
        "system_fingerprint": null, "usage": null,
        "choices": [{"index": 0, "delta": {"content": null, "reasoning_content": "r"},
                     "logprobs": null, "finish_reason": null}]
    }));
    assert_eq!(chunk.usage, Some(None));
    assert_eq!(chunk.system_fingerprint, Some(None));
    assert_eq!(chunk.choices[0].logprobs, Some(Value::Null));
    assert_eq!(chunk.choices[0].finish_reason, Some(None));
    assert_eq!(chunk.choices[0].delta.content, Some(None));
    assert_eq!(chunk.choices[0].delta.reasoning_content(), Some("r"));

    let bare: ChatChunk = round_trip(json!({
        "id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
        "choices": [{"index": 0, "delta": {}}]
    }));
    assert_eq!(bare.usage, None);
    assert_eq!(bare.choices[0].logprobs, None);
    assert_eq!(bare.choices[0].finish_reason, None);
}

#[test]
fn request_keeps_vendor_fields_and_drops_nulls() {
    let request: ChatRequest = round_trip(json!({
        "model": "qwen3", "messages": [{"role": "user", "content": "hi"}],
        "enable_thinking": true, "guided_json": {"type": "object"}
    }));
    assert_eq!(request.extra["enable_thinking"], json!(true));
    let with_nulls: ChatRequest =
        serde_json::from_value(json!({"model": "m", "messages": [], "stop": null, "tools": null}))
            .unwrap();
    assert_eq!(
        serde_json::to_value(with_nulls).unwrap(),
        json!({"model": "m", "messages": []})
    );
}

#[test]
fn missing_model_reads_as_empty() {
    let request: ChatRequest = serde_json::from_value(json!({"messages": []})).unwrap();
    assert_eq!(request.model, "");
}

#[test]
fn whole_number_floats_stay_integers() {
    let request: ChatRequest =
        round_trip(json!({"model": "m", "messages": [], "temperature": 1, "top_p": 0.9}));
    assert_eq!(request.temperature, Some(1.0));
    round_trip::<ChatRequest>(json!({"model": "m", "messages": [], "presence_penalty": -0.5}));
}

#[test]
fn max_output_tokens_prefers_max_completion_tokens() {
    let mut request = ChatRequest::default();
    assert_eq!(request.max_output_tokens(), None);
    request.max_tokens = Some(100);
    assert_eq!(request.max_output_tokens(), Some(100));
    request.max_completion_tokens = Some(50);
    assert_eq!(request.max_output_tokens(), Some(50));
}

#[test]
fn wants_stream_only_when_true() {
    let mut request = ChatRequest::default();
    assert!(!request.wants_stream());
    request.stream = Some(false);
    assert!(!request.wants_stream());
    request.stream = Some(true);
    assert!(request.wants_stream());
    assert!(!request.wants_stream_usage());
    request.stream_options = Some(StreamOptions {
        include_usage: Some(true),
        ..StreamOptions::default()
    });
    assert!(request.wants_stream_usage());
}

#[test]
fn is_usage_only_needs_empty_choices_and_usage() {
    let mut chunk = ChatChunk::default();
    assert!(!chunk.is_usage_only());
    chunk.usage = Some(None);
    assert!(!chunk.is_usage_only());
    chunk.usage = Some(Some(Usage::default()));
    assert!(chunk.is_usage_only());
    chunk.choices.push(ChunkChoice::default());
    assert!(!chunk.is_usage_only());
}

#[test]
fn usage_helpers_default_to_zero() {
    let mut usage = Usage::default();
    assert_eq!((usage.cached_tokens(), usage.reasoning_tokens()), (0, 0));
    usage = round_trip(json!({
        "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 8, "image_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 3},
        "prompt_cache_hit_tokens": 8
    }));
    assert_eq!((usage.cached_tokens(), usage.reasoning_tokens()), (8, 3));
}

#[test]
fn defaults_name_their_object() {
    assert_eq!(ChatResponse::default().object, "chat.completion");
    assert_eq!(ChatChunk::default().object, "chat.completion.chunk");
    let chunk: ChatChunk = serde_json::from_value(json!({"choices": []})).unwrap();
    assert_eq!(chunk.object, "chat.completion.chunk");
}
