//! Non-streaming answers and `/api/tags` from the documented and observed bodies (see
//! `fixtures/NOTICE.md`).

use serde_json::json;

use super::*;

const TOOL_CALL: &str = include_str!("../../fixtures/chat-nonstream-tool-call.docs.json");
const TOOL_CALL_THINKING: &str =
    include_str!("../../fixtures/chat-nonstream-tool-call-thinking.observed.json");
const THINKING_LENGTH: &str =
    include_str!("../../fixtures/chat-nonstream-thinking-length.observed.json");
const TAGS: &str = include_str!("../../fixtures/tags.observed.json");

fn answer(body: &str) -> Value {
    let line: ChatLine = serde_json::from_str(body).unwrap();
    let response = to_response(line, "chatcmpl-test".into(), &[]).unwrap();
    serde_json::to_value(response).unwrap()
}

#[test]
fn the_documented_tool_call() {
    let r = answer(TOOL_CALL);
    let id = r["choices"][0]["message"]["tool_calls"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(id.starts_with("call_"), "{id}");
    assert_eq!(
        r,
        json!({
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1_751_920_373,
            "model": "llama3.2",
            "choices": [{
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": null,
                    "refusal": null,
                    "tool_calls": [{"id": id, "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Tokyo\"}"}}]
                },
                "finish_reason": "tool_calls",
                "logprobs": null
            }],
            "usage": {"prompt_tokens": 169, "completion_tokens": 18, "total_tokens": 187}
        })
    );
}

#[test]
fn observed_thinking_with_a_tool_call_keeps_ollamas_id_and_length() {
    let r = answer(TOOL_CALL_THINKING);
    let message = &r["choices"][0]["message"];
    assert_eq!(message["tool_calls"][0]["id"], "call_d1imwj4g");
    assert_eq!(
        message["tool_calls"][0]["function"]["arguments"],
        "{\"location\":\"Paris\"}"
    );
    assert!(
        message["reasoning_content"]
            .as_str()
            .unwrap()
            .starts_with("Okay, the user")
    );
    assert_eq!(r["choices"][0]["finish_reason"], "length");
    // No counts and no created_at in this body: zeros and now.
    assert_eq!(r["usage"]["total_tokens"], 0);
    assert!(r["created"].as_i64().unwrap() > 1_700_000_000);
}

#[test]
fn observed_thinking_only_answer() {
    let r = answer(THINKING_LENGTH);
    let message = &r["choices"][0]["message"];
    assert_eq!(message["content"], "");
    assert_eq!(
        message["reasoning_content"],
        "Okay, the user is asking \"What is 2+2?\" and wants the"
    );
    assert!(message.get("tool_calls").is_none());
    assert_eq!(r["choices"][0]["finish_reason"], "length");
    assert_eq!(
        r["usage"],
        json!({"prompt_tokens":22,"completion_tokens":20,"total_tokens":42})
    );
    assert_eq!(r["created"], 1_768_064_130);
}

#[test]
fn an_error_body_with_status_200_is_an_error() {
    let line: ChatLine = serde_json::from_str(r#"{"error":"boom"}"#).unwrap();
    let err = to_response(line, "c".into(), &[]).unwrap_err();
    assert_eq!(err.status(), 502);
}

#[test]
fn tags_become_models() {
    let models = to_models(serde_json::from_str(TAGS).unwrap());
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["devstral-vibe:latest", "qwen3:32b"]);
    // 2026-01-02T01:00:46+02:00
    assert_eq!(models[0].created, 1_767_308_446);
    assert!(
        models
            .iter()
            .all(|m| m.extra.is_empty() && m.object == "model")
    );
}

#[test]
fn rfc3339_times() {
    assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(
        unix_seconds("2000-03-01T00:00:00.5+00:00"),
        Some(951_868_800)
    );
    assert_eq!(
        unix_seconds("2025-07-07T20:32:53.844124Z"),
        Some(1_751_920_373)
    );
    assert_eq!(unix_seconds("yesterday"), None);
    assert_eq!(unix_seconds("2025-13-07T20:32:53Z"), None);
    assert_eq!(unix_seconds("2025-07-07T20:32:53"), None);
}

#[test]
fn finish_reasons() {
    assert_eq!(finish_reason(Some("stop"), false), FinishReason::Stop);
    assert_eq!(finish_reason(Some("stop"), true), FinishReason::ToolCalls);
    assert_eq!(finish_reason(None, true), FinishReason::ToolCalls);
    assert_eq!(finish_reason(Some("length"), true), FinishReason::Length);
    assert_eq!(finish_reason(Some("load"), false), FinishReason::Stop);
    assert_eq!(finish_reason(Some("unload"), false), FinishReason::Stop);
}
