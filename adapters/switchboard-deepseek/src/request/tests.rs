//! The request translation as data: a client body in, the body DeepSeek gets out.

use serde_json::{Value, json};

use super::*;

/// Runs `prepare` on `input` with `quirks` and compares the JSON that would go up.
fn check(input: Value, quirks: Quirks, expected: Value) {
    let mut request: ChatRequest = serde_json::from_value(input).unwrap();
    prepare(&mut request, quirks).unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), expected);
}

fn default() -> Quirks {
    Quirks::default()
}

#[test]
fn developer_becomes_system_and_the_limit_is_max_tokens() {
    check(
        json!({"model":"deepseek-chat","max_completion_tokens":100,
               "messages":[{"role":"developer","content":"be brief"},{"role":"user","content":"hi"}]}),
        default(),
        json!({"model":"deepseek-chat","max_tokens":100,
               "messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}),
    );
    // An explicit max_tokens wins over max_completion_tokens.
    check(
        json!({"model":"m","max_tokens":5,"max_completion_tokens":100,"messages":[]}),
        default(),
        json!({"model":"m","max_tokens":5,"messages":[]}),
    );
}

#[test]
fn fields_deepseek_does_not_take_are_dropped_and_vendor_fields_kept() {
    check(
        json!({"model":"m","messages":[],"user":"u1","store":true,"metadata":{"a":"b"},
               "service_tier":"auto","safety_identifier":"s","prompt_cache_key":"k",
               "verbosity":"low","modalities":["text"],"seed":1,"logit_bias":{"1":2},
               "parallel_tool_calls":true,"n":1,"prefix":true,"temperature":0.5,
               "stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false}}),
        default(),
        json!({"model":"m","messages":[],"prefix":true,"temperature":0.5,
               "stream":true,"stream_options":{"include_usage":true}}),
    );
}

#[test]
fn several_choices_are_refused() {
    let mut request: ChatRequest =
        serde_json::from_value(json!({"model":"m","messages":[],"n":2})).unwrap();
    assert_eq!(
        prepare(&mut request, default()),
        Err(DeepSeekError::UnsupportedN(2))
    );
}

#[test]
fn reasoning_effort_drives_the_thinking_switch() {
    for (effort, level) in [
        ("minimal", "low"),
        ("low", "low"),
        ("medium", "high"),
        ("high", "high"),
        ("xhigh", "high"),
        ("max", "max"),
        ("ultra", "max"),
        ("custom", "custom"),
    ] {
        check(
            json!({"model":"m","messages":[],"reasoning_effort":effort}),
            default(),
            json!({"model":"m","messages":[],"reasoning_effort":level,
                   "thinking":{"type":"enabled"}}),
        );
    }
    check(
        json!({"model":"m","messages":[],"reasoning_effort":"none"}),
        default(),
        json!({"model":"m","messages":[],"thinking":{"type":"disabled"}}),
    );
    // No effort: nothing is added, DeepSeek's default applies.
    check(
        json!({"model":"m","messages":[]}),
        default(),
        json!({"model":"m","messages":[]}),
    );
}

#[test]
fn a_thinking_the_client_sent_is_kept() {
    check(
        json!({"model":"m","messages":[],"reasoning_effort":"high","thinking":{"type":"disabled"}}),
        default(),
        json!({"model":"m","messages":[],"thinking":{"type":"disabled"}}),
    );
    check(
        json!({"model":"m","messages":[],"reasoning_effort":"medium","thinking":{"type":"enabled"}}),
        default(),
        json!({"model":"m","messages":[],"reasoning_effort":"high","thinking":{"type":"enabled"}}),
    );
}

#[test]
fn effort_can_be_forwarded_or_dropped() {
    let forward = Quirks {
        effort: EffortMode::Forward,
        ..default()
    };
    check(
        json!({"model":"m","messages":[],"reasoning_effort":"medium"}),
        forward,
        json!({"model":"m","messages":[],"reasoning_effort":"medium"}),
    );
    let drop = Quirks {
        effort: EffortMode::Drop,
        ..default()
    };
    check(
        json!({"model":"m","messages":[],"reasoning_effort":"medium"}),
        drop,
        json!({"model":"m","messages":[]}),
    );
}

/// A thinking-mode tool loop: the first assistant turn kept its reasoning, the second
/// (replayed by a client that drops it) did not.
fn tool_loop() -> Value {
    json!({"model":"deepseek-reasoner","messages":[
        {"role":"user","content":"Weather in SF?"},
        {"role":"assistant","content":"","reasoning_content":"Use the tool.",
         "tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{}"}}]},
        {"role":"tool","tool_call_id":"call_1","content":"sunny"},
        {"role":"assistant","content":null,
         "tool_calls":[{"id":"call_2","type":"function","function":{"name":"weather","arguments":"{}"}}]},
        {"role":"tool","tool_call_id":"call_2","content":"sunny"},
        {"role":"assistant","content":"It is sunny.","reasoning_content":null}
    ]})
}

fn reasoning_of(request: &ChatRequest) -> Vec<Option<Option<String>>> {
    request
        .messages
        .iter()
        .map(|m| m.reasoning_content.clone())
        .collect()
}

#[test]
fn every_assistant_message_gets_reasoning_content_in_thinking_mode() {
    let mut request: ChatRequest = serde_json::from_value(tool_loop()).unwrap();
    prepare(&mut request, default()).unwrap();
    let s = |t: &str| Some(Some(t.to_owned()));
    assert_eq!(
        reasoning_of(&request),
        vec![None, s("Use the tool."), None, s(""), None, s("")]
    );
}

#[test]
fn reasoning_history_is_left_alone_when_thinking_is_off_or_kept() {
    let mut body = tool_loop();
    body["reasoning_effort"] = json!("none");
    let mut request: ChatRequest = serde_json::from_value(body).unwrap();
    prepare(&mut request, default()).unwrap();
    assert_eq!(request.messages[3].reasoning_content, None);
    assert_eq!(request.messages[5].reasoning_content, Some(None));

    let mut request: ChatRequest = serde_json::from_value(tool_loop()).unwrap();
    let keep = Quirks {
        history: ReasoningHistory::Keep,
        ..default()
    };
    prepare(&mut request, keep).unwrap();
    assert_eq!(request.messages[3].reasoning_content, None);
}

#[test]
fn reasoning_history_can_be_stripped() {
    let mut request: ChatRequest = serde_json::from_value(tool_loop()).unwrap();
    let strip = Quirks {
        history: ReasoningHistory::Strip,
        ..default()
    };
    prepare(&mut request, strip).unwrap();
    assert!(reasoning_of(&request).iter().all(Option::is_none));
    let body = serde_json::to_string(&request).unwrap();
    assert!(!body.contains("reasoning_content"), "{body}");
}

#[test]
fn json_schema_becomes_json_object() {
    check(
        json!({"model":"m","messages":[],"response_format":{"type":"json_schema",
               "json_schema":{"name":"w","schema":{"type":"object"}}}}),
        default(),
        json!({"model":"m","messages":[],"response_format":{"type":"json_object"}}),
    );
    check(
        json!({"model":"m","messages":[],"response_format":{"type":"json_object"}}),
        default(),
        json!({"model":"m","messages":[],"response_format":{"type":"json_object"}}),
    );
}
