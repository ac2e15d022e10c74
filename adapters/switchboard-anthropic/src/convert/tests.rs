//! The request translation as data (chat JSON in, Messages JSON out), and the response
//! translation over recorded bodies (see `fixtures/NOTICE.md`).

use serde_json::{Value, json};
use switchboard_core::chat::{ChatRequest, FinishReason};

use super::*;
use crate::types::MessagesResponse;

const TEXT: &str = include_str!("../../fixtures/anthropic-text.json");
const REASONING: &str =
    include_str!("../../fixtures/anthropic-claude-opus-5-reasoning-high.1.json");

fn convert_with(chat: Value, options: &ConvertOptions) -> Result<Value, GatewayError> {
    let request: ChatRequest = serde_json::from_value(chat).unwrap();
    to_messages_request(&request, options).map(|r| serde_json::to_value(r).unwrap())
}

fn convert(chat: Value) -> Value {
    convert_with(chat, &ConvertOptions::default()).unwrap()
}

fn convert_err(chat: Value) -> GatewayError {
    convert_with(chat, &ConvertOptions::default()).unwrap_err()
}

#[test]
fn system_is_lifted_and_same_role_turns_are_merged() {
    let out = convert(json!({
        "model": "claude-sonnet-4-5",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "user", "content": [{"type": "text", "text": "there"}]},
            {"role": "developer", "content": "Use French."},
            {"role": "assistant", "content": "Salut"},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": "Again"}
        ]
    }));
    assert_eq!(
        out,
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 4096,
            "system": "Be brief.\n\nUse French.",
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "Salut"}]},
                {"role": "user", "content": [{"type": "text", "text": "Again"}]}
            ]
        })
    );
}

#[test]
fn cache_control_keeps_the_system_as_blocks() {
    let out = convert(json!({
        "model": "m",
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "long doc", "cache_control": {"type": "ephemeral"}}]},
            {"role": "user", "content": "q"}
        ]
    }));
    assert_eq!(
        out["system"],
        json!([{"type": "text", "text": "long doc", "cache_control": {"type": "ephemeral"}}])
    );
}

#[test]
fn parameters_are_renamed_and_clamped() {
    let out = convert(json!({
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "max_completion_tokens": 300,
        "temperature": 1.6,
        "top_p": 0.9,
        "stop": "END",
        "user": "u-1",
        "top_k": 5,
        "seed": 3,
        "frequency_penalty": 0.5,
        "some_vendor_field": true,
        "extra_body": {"context_management": {"edits": []}}
    }));
    assert_eq!(out["max_tokens"], 300);
    assert_eq!(out["temperature"], 1.0);
    assert_eq!(out["top_p"], 0.9);
    assert_eq!(out["stop_sequences"], json!(["END"]));
    assert_eq!(out["metadata"], json!({"user_id": "u-1"}));
    assert_eq!(out["top_k"], 5);
    assert_eq!(out["context_management"], json!({"edits": []}));
    for dropped in [
        "seed",
        "frequency_penalty",
        "some_vendor_field",
        "extra_body",
        "user",
    ] {
        assert!(out.get(dropped).is_none(), "{dropped} was sent");
    }
    let err = convert_err(json!({"model": "m", "messages": [], "n": 2}));
    assert_eq!((err.status().as_u16(), err.param()), (400, Some("n")));
}

#[test]
fn tools_tool_calls_and_tool_results() {
    let out = convert(json!({
        "model": "m",
        "messages": [
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "toolu_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "toolu_2", "type": "function", "function": {"name": "get_weather", "arguments": ""}}
            ]},
            {"role": "tool", "tool_call_id": "toolu_1", "content": "18C"},
            {"role": "tool", "tool_call_id": "toolu_2", "content": [{"type": "text", "text": "21C"}], "is_error": false},
            {"role": "user", "content": "Thanks"}
        ],
        "tools": [
            {"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": true}},
            {"type": "function", "function": {"name": "now"}},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
        ],
        "tool_choice": "required",
        "parallel_tool_calls": false
    }));
    assert_eq!(
        out["messages"][1],
        json!({"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
            {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {}}
        ]})
    );
    assert_eq!(
        out["messages"][2],
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C"},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": [{"type": "text", "text": "21C"}], "is_error": false},
            {"type": "text", "text": "Thanks"}
        ]})
    );
    assert_eq!(
        out["tools"],
        json!([
            {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": true},
            {"name": "now", "input_schema": {"type": "object", "properties": {}}},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
        ])
    );
    assert_eq!(
        out["tool_choice"],
        json!({"type": "any", "disable_parallel_tool_use": true})
    );
}

#[test]
fn tool_choice_forms() {
    let with = |choice: Value| {
        convert(json!({
            "model": "m", "messages": [{"role": "user", "content": "x"}],
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "tool_choice": choice
        }))["tool_choice"]
            .clone()
    };
    assert_eq!(with(json!("auto")), json!({"type": "auto"}));
    assert_eq!(with(json!("none")), json!({"type": "none"}));
    assert_eq!(
        with(json!({"type": "function", "function": {"name": "f"}})),
        json!({"type": "tool", "name": "f"})
    );
    let no_tools = convert(json!({"model": "m", "messages": [], "tool_choice": "auto"}));
    assert!(no_tools.get("tool_choice").is_none());
}

#[test]
fn bad_tool_arguments_are_a_400_naming_the_call() {
    let err = convert_err(json!({
        "model": "m",
        "messages": [{"role": "assistant", "tool_calls": [
            {"id": "t", "type": "function", "function": {"name": "f", "arguments": "{not json"}}
        ]}]
    }));
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.param(),
        Some("messages[0].tool_calls[0].function.arguments")
    );
    let err = convert_err(json!({"model": "m", "messages": [{"role": "tool", "content": "x"}]}));
    assert_eq!(err.param(), Some("messages[0].tool_call_id"));
}

#[test]
fn images_base64_and_url() {
    let out = convert(json!({
        "model": "m",
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "high"}},
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0="}}
        ]}]
    }));
    assert_eq!(
        out["messages"][0]["content"],
        json!([
            {"type": "text", "text": "What is this?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}}
        ])
    );
    let err = convert_err(
        json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "input_audio", "input_audio": {"data": "AA==", "format": "wav"}}
        ]}]}),
    );
    assert_eq!(err.code(), Some("unsupported_value"));
}

#[test]
fn reasoning_effort_takes_the_form_of_the_model() {
    let chat = |model: &str, effort: &str, limit: Option<u32>| {
        let mut body = json!({
            "model": model, "messages": [{"role": "user", "content": "x"}],
            "reasoning_effort": effort
        });
        if let Some(limit) = limit {
            body["max_completion_tokens"] = json!(limit);
        }
        body
    };
    let out = convert(chat("claude-sonnet-4-5", "low", None));
    assert_eq!(
        out["thinking"],
        json!({"type": "enabled", "budget_tokens": 2048})
    );
    assert_eq!(out["max_tokens"], 4096 + 2048);
    let out = convert(chat("claude-sonnet-4-5", "high", Some(5000)));
    assert_eq!(
        out["thinking"],
        json!({"type": "enabled", "budget_tokens": 4999})
    );
    assert_eq!(out["max_tokens"], 5000);
    let err = convert_err(chat("claude-3-7-sonnet", "high", Some(800)));
    assert_eq!(err.param(), Some("reasoning_effort"));

    let out = convert(chat("claude-opus-4-7", "minimal", None));
    assert_eq!(out["thinking"], json!({"type": "adaptive"}));
    assert_eq!(out["output_config"], json!({"effort": "low"}));
    assert_eq!(out["max_tokens"], 4096);
    let out = convert(chat("claude-sonnet-5", "none", None));
    assert_eq!(out["thinking"], json!({"type": "disabled"}));

    // A client's own `thinking` wins over reasoning_effort.
    let mut body = chat("claude-sonnet-5", "high", None);
    body["thinking"] = json!({"type": "enabled", "budget_tokens": 3000});
    assert_eq!(convert(body)["thinking"]["budget_tokens"], 3000);

    let mut options = ConvertOptions::default();
    options
        .thinking
        .models
        .insert("claude-3-5*".into(), ThinkingForm::None);
    let out = convert_with(chat("claude-3-5-haiku", "high", None), &options).unwrap();
    assert!(out.get("thinking").is_none());
}

#[test]
fn json_schema_goes_to_output_config() {
    let out = convert(json!({
        "model": "claude-opus-4-7",
        "messages": [{"role": "user", "content": "x"}],
        "reasoning_effort": "high",
        "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "object"}}}
    }));
    assert_eq!(
        out["output_config"],
        json!({"format": {"type": "json_schema", "schema": {"type": "object"}}, "effort": "high"})
    );
}

#[test]
fn a_signed_reasoning_turn_goes_back_as_a_thinking_block() {
    // The answer of the first turn, as the client got it from us...
    let body: MessagesResponse = serde_json::from_str(REASONING).unwrap();
    let answer = from_messages_response(body, 1);
    let mut message = serde_json::to_value(&answer.choices[0].message).unwrap();
    let signature = message["thinking_blocks"][0]["signature"].clone();
    assert!(signature.as_str().unwrap().starts_with("CAISqwQK"));
    // ...sent back unchanged as history.
    let next = |assistant: Value| {
        convert(json!({"model": "claude-opus-5", "messages": [
            {"role": "user", "content": "Roots?"}, assistant, {"role": "user", "content": "More"}
        ]}))["messages"][1]["content"]
            .clone()
    };
    let content = next(message.clone());
    assert_eq!(content[0]["type"], "thinking");
    assert_eq!(content[0]["signature"], signature);
    assert_eq!(content[0]["thinking"], message["reasoning_content"]);
    assert_eq!(content[1]["type"], "text");

    // Without `thinking_blocks`: `reasoning_content` + `reasoning_signature`.
    let map = message.as_object_mut().unwrap();
    map.remove("thinking_blocks");
    map.insert("reasoning_signature".into(), json!("sig-1"));
    let content = next(message.clone());
    assert_eq!(content[0]["signature"], "sig-1");
    assert_eq!(content[0]["thinking"], message["reasoning_content"]);

    // Unsigned reasoning is not sent.
    message
        .as_object_mut()
        .unwrap()
        .remove("reasoning_signature");
    assert_eq!(next(message)[0]["type"], "text");
}

#[test]
fn a_text_answer_becomes_a_chat_completion() {
    let body: MessagesResponse = serde_json::from_str(TEXT).unwrap();
    let chat = from_messages_response(body, 42);
    assert_eq!(chat.id, "msg_01VdEjxAP5ahtHKrrRdNBteQ");
    assert_eq!(
        (chat.created, chat.model.as_str()),
        (42, "claude-sonnet-4-5-20250929")
    );
    let choice = &chat.choices[0];
    assert!(choice.message.text().starts_with("Hello! I'm doing well"));
    assert_eq!(choice.finish_reason(), Some(&FinishReason::Stop));
    let usage = chat.usage().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (12, 29, 41)
    );
}

#[test]
fn a_reasoning_answer_has_reasoning_content_and_tokens() {
    let body: MessagesResponse = serde_json::from_str(REASONING).unwrap();
    let chat = from_messages_response(body, 0);
    let message = &chat.choices[0].message;
    assert!(
        message
            .reasoning_content()
            .unwrap()
            .starts_with("I need to find all roots")
    );
    assert!(message.text().starts_with("## Step 1"));
    assert_eq!(chat.usage().unwrap().reasoning_tokens(), 139);
}

#[test]
fn a_tool_answer_has_null_content_and_tool_calls() {
    let body: MessagesResponse = serde_json::from_value(json!({
        "id": "msg_1", "model": "m", "role": "assistant",
        "content": [{"type": "tool_use", "id": "toolu_9", "name": "f", "input": {"a": 1}}],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 3, "output_tokens": 4, "cache_read_input_tokens": 10}
    }))
    .unwrap();
    let chat = from_messages_response(body, 0);
    let choice = &chat.choices[0];
    assert_eq!(choice.message.content, Some(None));
    let calls = choice.message.tool_calls.as_ref().unwrap();
    assert_eq!(
        (calls[0].id.as_str(), calls[0].function.arguments.as_str()),
        ("toolu_9", r#"{"a":1}"#)
    );
    assert_eq!(choice.finish_reason(), Some(&FinishReason::ToolCalls));
    assert_eq!(chat.usage().unwrap().prompt_tokens, 13);
    assert_eq!(chat.usage().unwrap().cached_tokens(), 10);
}

#[test]
fn stop_reasons_map_to_finish_reasons() {
    for (raw, want) in [
        (Some("end_turn"), FinishReason::Stop),
        (Some("stop_sequence"), FinishReason::Stop),
        (Some("pause_turn"), FinishReason::Stop),
        (Some("max_tokens"), FinishReason::Length),
        (Some("model_context_window_exceeded"), FinishReason::Length),
        (Some("tool_use"), FinishReason::ToolCalls),
        (Some("refusal"), FinishReason::ContentFilter),
        (None, FinishReason::Stop),
    ] {
        assert_eq!(finish_reason(raw), want, "{raw:?}");
    }
    assert_eq!(
        raw_stop_reason(Some("pause_turn"))["stop_reason"],
        "pause_turn"
    );
    assert!(raw_stop_reason(Some("end_turn")).is_empty());
}
