//! The request translation as data: each case is a Responses request (plus history and
//! stored items) and the parts of the chat request it must produce. The helpers are here,
//! the cases in `tests/`, one topic a file.

mod calls;
mod codex;
mod input;
mod params;
mod props;
mod tools;

use http::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::responses::ToolOrigin;

/// Translates `request` after `history`, resolving references among `store` (by `id`).
fn run(
    request: Value,
    history: &[Value],
    store: &[Value],
    policy: SystemPolicy,
) -> Result<ChatTranslation, GatewayError> {
    let request: CreateResponse = serde_json::from_value(request).unwrap();
    let lookup = |id: &str| store.iter().find(|item| item["id"] == id).cloned();
    let options = TranslateOptions {
        system_policy: policy,
    };
    to_chat(&request, history, &lookup, &options)
}

fn translate(request: Value) -> ChatTranslation {
    run(request, &[], &[], SystemPolicy::MergeLeading).unwrap()
}

/// Checks every key of `expected` against the chat request; `null` means "absent".
fn check_chat(name: &str, translation: &ChatTranslation, expected: Value) {
    let chat = serde_json::to_value(&translation.request).unwrap();
    for (key, want) in expected.as_object().unwrap() {
        match want {
            Value::Null => assert!(chat.get(key).is_none(), "{name}: `{key}` = {}", chat[key]),
            _ => assert_eq!(&chat[key], want, "{name}: `{key}`"),
        }
    }
}

fn check(name: &str, request: Value, expected: Value) {
    check_chat(name, &translate(request), expected);
}

/// Checks the messages translated from `input` items (no other request fields).
fn check_messages(name: &str, input: Value, expected: Value) {
    check(
        name,
        json!({"model": "m", "input": input}),
        json!({ "messages": expected }),
    );
}

/// Checks that translating fails with a 400 naming `param` and saying `message`.
fn check_rejected(name: &str, request: Value, store: &[Value], param: &str, message: &str) {
    let err = run(request, &[], store, SystemPolicy::MergeLeading).unwrap_err();
    assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{name}");
    assert_eq!(err.param(), Some(param), "{name}");
    assert!(err.message().contains(message), "{name}: {}", err.message());
}

fn msg(role: &str, text: &str) -> Value {
    json!({"type": "message", "role": role, "content": [{"type": "input_text", "text": text}]})
}
fn said(text: &str) -> Value {
    json!({"type": "message", "role": "assistant", "status": "completed", "id": "msg_a",
           "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]})
}
fn fc(call_id: &str, name: &str, arguments: &str) -> Value {
    json!({"type": "function_call", "id": format!("fc_{call_id}"), "status": "completed",
           "call_id": call_id, "name": name, "arguments": arguments})
}
fn out(call_id: &str, output: &str) -> Value {
    json!({"type": "function_call_output", "id": format!("fco_{call_id}"), "call_id": call_id,
           "output": output})
}
fn reasoning(summary: &str, content: Value) -> Value {
    json!({"type": "reasoning", "id": "rs_1", "content": content, "encrypted_content": "BLOB",
           "summary": [{"type": "summary_text", "text": summary}]})
}

fn user(text: &str) -> Value {
    json!({"role": "user", "content": text})
}
fn system(text: &str) -> Value {
    json!({"role": "system", "content": text})
}
fn assistant(text: &str) -> Value {
    json!({"role": "assistant", "content": text})
}
fn call(id: &str, name: &str, arguments: &str) -> Value {
    json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}})
}
fn calls(list: Value) -> Value {
    json!({"role": "assistant", "content": null, "tool_calls": list})
}
fn tool(id: &str, text: &str) -> Value {
    json!({"role": "tool", "tool_call_id": id, "content": text})
}

fn function(name: &str) -> Value {
    json!({"type": "function", "name": name, "strict": false,
           "parameters": {"type": "object", "properties": {"x": {"type": "string"}}}})
}
fn chat_function(name: &str) -> Value {
    json!({"type": "function", "function": {"name": name, "strict": false,
           "parameters": {"type": "object", "properties": {"x": {"type": "string"}}}}})
}
