//! Non-streamed answers, from recorded DeepSeek bodies (see `fixtures/NOTICE.md`).

use serde_json::{Value, json};

use super::*;

const TEXT: &str = include_str!("../../fixtures/deepseek-text.json");
const REASONING: &str = include_str!("../../fixtures/deepseek-reasoning.json");
const TOOL_CALL: &str = include_str!("../../fixtures/deepseek-tool-call.json");
const JSON_MODE: &str = include_str!("../../fixtures/deepseek-json.json");

fn normalised(body: &str) -> ChatResponse {
    let mut response: ChatResponse = serde_json::from_str(body).unwrap();
    normalise_response(&mut response).unwrap();
    response
}

#[test]
fn cache_hits_become_cached_tokens_and_vendor_counters_stay() {
    let r = normalised(TOOL_CALL);
    let usage = r.usage().unwrap();
    assert_eq!(usage.cached_tokens(), 320);
    assert_eq!(usage.reasoning_tokens(), 48);
    assert_eq!(usage.extra["prompt_cache_miss_tokens"], 19);
    let r = normalised(JSON_MODE);
    assert_eq!(r.usage().unwrap().cached_tokens(), 320);
    assert_eq!(normalised(TEXT).usage().unwrap().cached_tokens(), 0);
}

#[test]
fn a_hit_count_without_details_creates_them() {
    let mut usage: Usage = serde_json::from_value(json!({
        "prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11,
        "prompt_cache_hit_tokens": 8, "prompt_cache_miss_tokens": 2
    }))
    .unwrap();
    normalise_usage(&mut usage);
    assert_eq!(usage.cached_tokens(), 8);
}

#[test]
fn reasoning_is_surfaced_as_reasoning_content() {
    let r = normalised(REASONING);
    let m = &r.choices[0].message;
    assert!(m.reasoning_content().unwrap().starts_with("We are asked"));
    assert!(m.text().contains("three"));
    assert_eq!(
        m.refusal,
        Some(None),
        "the schema's required `refusal: null` is added"
    );
    assert_eq!(r.choices[0].finish_reason(), Some(&FinishReason::Stop));
}

#[test]
fn tool_calls_lose_deepseeks_index_and_finish_as_tool_calls() {
    let r = normalised(TOOL_CALL);
    let choice = &r.choices[0];
    assert_eq!(choice.finish_reason(), Some(&FinishReason::ToolCalls));
    let call = &choice.message.tool_calls.as_ref().unwrap()[0];
    assert_eq!(call.function.name, "weather");
    assert!(!call.extra.contains_key("index"));
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        v["choices"][0]["message"]["tool_calls"][0].get("index"),
        None
    );
}

#[test]
fn length_stays_length() {
    assert_eq!(
        normalised(TEXT).choices[0].finish_reason(),
        Some(&FinishReason::Length)
    );
}

fn with_finish(message: Value) -> ChatResponse {
    serde_json::from_value(json!({
        "id": "x", "object": "chat.completion", "created": 1, "model": "deepseek-chat",
        "choices": [{"index": 0, "message": message, "finish_reason": "insufficient_system_resource"}]
    }))
    .unwrap()
}

#[test]
fn insufficient_resources_after_output_is_length() {
    let mut r = with_finish(json!({"role": "assistant", "content": "partial"}));
    normalise_response(&mut r).unwrap();
    assert_eq!(r.choices[0].finish_reason(), Some(&FinishReason::Length));
    let mut r = with_finish(json!({"role": "assistant", "content": "", "reasoning_content": "hm"}));
    normalise_response(&mut r).unwrap();
    assert_eq!(r.choices[0].finish_reason(), Some(&FinishReason::Length));
}

#[test]
fn insufficient_resources_without_output_is_an_error() {
    let mut r = with_finish(json!({"role": "assistant", "content": ""}));
    assert_eq!(
        normalise_response(&mut r),
        Err(DeepSeekError::InsufficientSystemResource)
    );
    let mut r = with_finish(json!({"role": "assistant", "content": null}));
    assert!(normalise_response(&mut r).is_err());
}
