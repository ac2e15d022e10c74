//! Request translation, as data: a client body in, the body DashScope gets out.

use serde_json::{Value, json};

use super::*;

fn policy(edit: impl FnOnce(&mut QwenConfig)) -> Policy {
    let mut config = QwenConfig::default();
    edit(&mut config);
    Policy::new(&config)
}

/// Runs `body` through the default policy (or `p`) and returns what goes upstream.
fn prepare_with(p: &Policy, body: Value, stream: bool) -> Value {
    let mut request: ChatRequest = serde_json::from_value(body).unwrap();
    p.prepare(&mut request, stream);
    serde_json::to_value(&request).unwrap()
}

fn prepare(body: Value) -> Value {
    prepare_with(&policy(|_| {}), body, true)
}

#[test]
fn developer_becomes_system() {
    let out = prepare(json!({
        "model": "qwen-plus",
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": "hi"}
        ]
    }));
    assert_eq!(out["messages"][0]["role"], "system");
    assert_eq!(out["messages"][1]["role"], "user");
}

#[test]
fn reasoning_effort_becomes_enable_thinking_and_a_budget() {
    for (effort, budget) in [
        ("minimal", json!(512)),
        ("low", json!(2048)),
        ("medium", json!(8192)),
        ("MEDIUM", json!(8192)),
        ("high", Value::Null),
        ("xhigh", Value::Null),
    ] {
        let out =
            prepare(json!({"model": "qwen-plus", "messages": [], "reasoning_effort": effort}));
        assert_eq!(out["enable_thinking"], true, "{effort}");
        assert_eq!(
            out.get("thinking_budget").cloned().unwrap_or(Value::Null),
            budget,
            "{effort}"
        );
        assert!(out.get("reasoning_effort").is_none(), "{effort}");
    }
}

#[test]
fn effort_none_turns_thinking_off() {
    let out = prepare(json!({
        "model": "qwen-plus", "messages": [], "reasoning_effort": "none", "thinking_budget": 99
    }));
    assert_eq!(out["enable_thinking"], false);
    assert!(out.get("thinking_budget").is_none());
}

#[test]
fn budgets_are_configurable() {
    let p = policy(|c| {
        c.thinking_budgets = [("high".to_owned(), 30000)].into_iter().collect();
    });
    let out = prepare_with(
        &p,
        json!({"model": "qwen-plus", "messages": [], "reasoning_effort": "high"}),
        true,
    );
    assert_eq!(out["thinking_budget"], 30000);
    // A table in config replaces the defaults whole.
    let out = prepare_with(
        &p,
        json!({"model": "qwen-plus", "messages": [], "reasoning_effort": "low"}),
        true,
    );
    assert!(out.get("thinking_budget").is_none());
}

#[test]
fn the_clients_own_switches_win() {
    let out = prepare(json!({
        "model": "qwen-plus", "messages": [], "reasoning_effort": "low",
        "enable_thinking": false
    }));
    assert_eq!(out["enable_thinking"], false);
    assert!(out.get("thinking_budget").is_none());
    assert!(out.get("reasoning_effort").is_none());

    let out = prepare(json!({
        "model": "qwen-plus", "messages": [], "reasoning_effort": "low", "thinking_budget": 100
    }));
    assert_eq!(
        (
            out["enable_thinking"].clone(),
            out["thinking_budget"].clone()
        ),
        (json!(true), json!(100))
    );
}

#[test]
fn without_an_effort_the_model_default_or_the_configured_one_applies() {
    let out = prepare(json!({"model": "qwen-plus", "messages": []}));
    assert!(out.get("enable_thinking").is_none());
    let p = policy(|c| c.thinking = Some(false));
    let out = prepare_with(&p, json!({"model": "qwen-plus", "messages": []}), true);
    assert_eq!(out["enable_thinking"], false);
}

#[test]
fn direct_non_streaming_calls_turn_thinking_off_for_models_that_refuse_it() {
    let p = policy(|c| c.non_stream = NonStream::Direct);
    let body = |model: &str| json!({"model": model, "messages": [], "reasoning_effort": "low", "enable_thinking": true});
    let out = prepare_with(&p, body("qwen3-32b"), false);
    assert_eq!(out["enable_thinking"], false);
    assert!(out.get("thinking_budget").is_none());
    let out = prepare_with(&p, body("QwQ-plus"), false);
    assert_eq!(out["enable_thinking"], false);
    // Commercial models think on non-streaming calls; streams are never touched.
    assert_eq!(
        prepare_with(&p, body("qwen3-max"), false)["enable_thinking"],
        true
    );
    assert_eq!(
        prepare_with(&p, body("qwen3-32b"), true)["enable_thinking"],
        true
    );
}

#[test]
fn fields_dashscope_does_not_take_are_dropped_and_vendor_fields_kept() {
    let out = prepare(json!({
        "model": "qwen-plus",
        "messages": [{"role": "user", "content": "hi"}],
        "user": "u1", "store": true, "metadata": {"a": "b"}, "service_tier": "auto",
        "safety_identifier": "s", "prompt_cache_key": "k", "verbosity": "low",
        "prediction": {"type": "content", "content": "x"}, "web_search_options": {},
        "stream_options": {"include_usage": true, "include_obfuscation": false},
        "n": 2, "seed": 7, "logprobs": true, "parallel_tool_calls": true,
        "enable_search": true, "top_k": 20, "search_options": {"forced_search": true}
    }));
    for gone in [
        "user",
        "store",
        "metadata",
        "service_tier",
        "safety_identifier",
        "prompt_cache_key",
        "verbosity",
        "prediction",
        "web_search_options",
    ] {
        assert!(out.get(gone).is_none(), "{gone} should be dropped");
    }
    assert_eq!(out["stream_options"], json!({"include_usage": true}));
    for kept in [
        "n",
        "seed",
        "logprobs",
        "parallel_tool_calls",
        "enable_search",
        "top_k",
        "search_options",
    ] {
        assert!(out.get(kept).is_some(), "{kept} should be kept");
    }
}
