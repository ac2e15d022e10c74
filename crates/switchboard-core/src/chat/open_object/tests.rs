//! The hand-written visitor against serde's derive with `flatten`, on the same inputs.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::chat::{ChatChunk, ChatMessage, ChatResponse, ChunkDelta, Role, Usage};

/// What `deserialize_open_object!` builds, field kind by field kind.
#[derive(Debug, PartialEq, Serialize)]
struct Open {
    count: u32,
    kind: String,
    label: Option<String>,
    maybe: Option<Option<String>>,
    raw: Option<Value>,
    extra: Map<String, Value>,
}

fn default_kind() -> String {
    "function".to_owned()
}

deserialize_open_object!(Open, "an open test object" {
    count: "count" => or_default,
    kind: "type" => or(default_kind()),
    label: "label" => or_default,
    maybe: "maybe" => present,
    raw: "raw" => present,
});

/// The same struct as serde's derive reads it: the behaviour the macro must keep.
#[derive(Debug, PartialEq, Deserialize)]
struct Derived {
    #[serde(default)]
    count: u32,
    #[serde(rename = "type", default = "default_kind")]
    kind: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::chat::serde_helpers::double_option::deserialize"
    )]
    maybe: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::chat::serde_helpers::keep_null")]
    raw: Option<Value>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<Derived> for Open {
    fn from(d: Derived) -> Self {
        Self {
            count: d.count,
            kind: d.kind,
            label: d.label,
            maybe: d.maybe,
            raw: d.raw,
            extra: d.extra,
        }
    }
}

/// Reads `text` both ways; both must succeed with equal values, or both fail.
fn same_as_derive(text: &str) -> Option<Open> {
    let ours = serde_json::from_str::<Open>(text);
    let derived = serde_json::from_str::<Derived>(text).map(Open::from);
    match (ours, derived) {
        (Ok(ours), Ok(derived)) => {
            assert_eq!(ours, derived, "{text}");
            Some(ours)
        }
        (Err(_), Err(_)) => None,
        (ours, derived) => panic!("{text}: ours {ours:?}, derive {derived:?}"),
    }
}

#[test]
fn absent_null_and_present_keys_read_as_the_derive_reads_them() {
    let empty = same_as_derive("{}").expect("an empty object reads");
    assert_eq!(empty.count, 0);
    assert_eq!(empty.kind, "function");
    assert_eq!((empty.maybe, empty.raw), (None, None));

    let nulls = same_as_derive(r#"{"label":null,"maybe":null,"raw":null}"#).expect("nulls read");
    assert_eq!(nulls.label, None);
    assert_eq!(nulls.maybe, Some(None));
    assert_eq!(nulls.raw, Some(Value::Null));

    let full = same_as_derive(
        r#"{"count":3,"type":"custom","label":"l","maybe":"m","raw":{"a":[1]},"x":1,"y":{"z":null}}"#,
    )
    .expect("a full object reads");
    assert_eq!(full.count, 3);
    assert_eq!(full.kind, "custom");
    assert_eq!(full.maybe, Some(Some("m".to_owned())));
    assert_eq!(full.raw, Some(json!({"a": [1]})));
    assert_eq!(Value::Object(full.extra), json!({"x": 1, "y": {"z": null}}));
}

#[test]
fn bad_input_fails_as_with_the_derive() {
    for text in [
        r#"{"count":"3"}"#,
        r#"{"count":-1}"#,
        r#"{"type":null}"#,
        r#"{"label":5}"#,
        r#"{"maybe":[]}"#,
        "[]",
        "null",
        r#""text""#,
        r#"{"count":1"#,
    ] {
        assert_eq!(same_as_derive(text), None, "{text} should fail");
    }
}

#[test]
fn a_known_key_twice_is_an_error_and_an_unknown_one_keeps_the_last_value() {
    let err = serde_json::from_str::<Open>(r#"{"count":1,"count":2}"#).expect_err("a duplicate");
    let derived = serde_json::from_str::<Derived>(r#"{"count":1,"count":2}"#).expect_err("also");
    assert_eq!(err.to_string(), derived.to_string());
    assert!(err.to_string().contains("duplicate field `count`"), "{err}");
    let open = serde_json::from_str::<Open>(r#"{"x":1,"x":2}"#).expect("reads");
    assert_eq!(open.extra.get("x"), Some(&json!(2)));
}

#[test]
fn escaped_keys_are_still_recognised() {
    let open = same_as_derive(r#"{"co\u0075nt":7,"\u0078":true}"#).expect("reads");
    assert_eq!(open.count, 7);
    assert_eq!(open.extra.get("x"), Some(&json!(true)));
}

#[test]
fn values_read_from_a_json_tree_and_from_text_agree() {
    let text = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"r","tool_calls":[{"index":1,"id":"t","function":{"arguments":"{}","x":1}}],"y":2},"finish_reason":null,"logprobs":null,"z":3}],"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1,"prompt_tokens_details":{"cached_tokens":0,"text_tokens":1},"q":[]},"system_fingerprint":null,"obfuscation":"o"}"#;
    let from_text: ChatChunk = serde_json::from_str(text).expect("reads from text");
    let tree: Value = serde_json::from_str(text).expect("valid JSON");
    let from_tree: ChatChunk = serde_json::from_value(tree.clone()).expect("reads from a tree");
    assert_eq!(from_text, from_tree);
    assert_eq!(serde_json::to_value(&from_text).expect("writes"), tree);
    assert_eq!(from_text.object, "chat.completion.chunk");
    let delta: &ChunkDelta = &from_text.choices[0].delta;
    assert_eq!(delta.content, Some(None));
    assert_eq!(delta.extra.get("y"), Some(&json!(2)));
    let usage: &Usage = from_text.usage().expect("usage");
    assert_eq!(usage.prompt_tokens, 1);
    assert_eq!(usage.extra.get("q"), Some(&json!([])));
}

/// A required key, as the macro's `required` reads it.
#[derive(Debug, PartialEq)]
struct OpenRequired {
    name: String,
    extra: Map<String, Value>,
}

deserialize_open_object!(OpenRequired, "an object with a required key" {
    name: "name" => required,
});

/// The same as serde's derive reads it.
#[derive(Debug, Deserialize)]
struct DerivedRequired {
    name: String,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[test]
fn a_missing_required_key_fails_as_with_the_derive() {
    let ours = serde_json::from_str::<OpenRequired>(r#"{"x":1}"#).expect_err("missing");
    let derived = serde_json::from_str::<DerivedRequired>(r#"{"x":1}"#).expect_err("also");
    assert_eq!(ours.to_string(), derived.to_string());
    assert!(ours.to_string().contains("missing field `name`"), "{ours}");
    assert!(serde_json::from_str::<OpenRequired>(r#"{"name":null}"#).is_err());
    assert!(serde_json::from_str::<DerivedRequired>(r#"{"name":null}"#).is_err());
    let read = serde_json::from_str::<OpenRequired>(r#"{"x":1,"name":"n"}"#).expect("reads");
    let twin = serde_json::from_str::<DerivedRequired>(r#"{"x":1,"name":"n"}"#).expect("reads");
    assert_eq!((read.name, read.extra), (twin.name, twin.extra));
}

#[test]
fn an_answer_reads_from_text_as_from_a_tree_and_writes_back_as_it_came() {
    let text = r#"{"id":"chatcmpl-1","object":"chat.completion","created":7,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"reasoning_content":"think","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}","strict":true},"index":0},{"id":"call_2","function":{"name":"g","arguments":""}}],"audio":null,"annotations":[]},"finish_reason":"tool_calls","logprobs":null,"content_filter_results":{}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7},"system_fingerprint":null,"service_tier":"default","prompt_filter_results":[]}"#;
    let from_text: ChatResponse = serde_json::from_str(text).expect("reads from text");
    let mut tree: Value = serde_json::from_str(text).expect("valid JSON");
    let from_tree: ChatResponse = serde_json::from_value(tree.clone()).expect("reads from a tree");
    assert_eq!(from_text, from_tree);
    let choice = &from_text.choices[0];
    let message = &choice.message;
    assert_eq!(message.role, Role::Assistant);
    assert_eq!(
        (&message.content, &message.refusal),
        (&Some(None), &Some(None))
    );
    assert_eq!(message.audio, Some(Value::Null));
    assert_eq!(choice.logprobs, Some(Value::Null));
    let calls = message.tool_calls.as_ref().expect("tool calls");
    assert_eq!(calls[0].function.extra.get("strict"), Some(&json!(true)));
    assert_eq!(calls[0].extra.get("index"), Some(&json!(0)));
    // A call without `type` is a function call, and is written with it.
    assert_eq!(calls[1].r#type, "function");
    tree["choices"][0]["message"]["tool_calls"][1]["type"] = json!("function");
    assert_eq!(serde_json::to_value(&from_text).expect("writes"), tree);
    // Without `object`, a chat completion.
    let bare: ChatResponse = serde_json::from_str(r#"{"choices":[]}"#).expect("reads");
    assert_eq!(bare.object, "chat.completion");
}

#[test]
fn a_message_reads_null_and_absent_keys_as_the_derive_did() {
    let message: ChatMessage = serde_json::from_str(
        r#"{"role":"tool","name":null,"tool_calls":null,"tool_call_id":"call_1","content":"ok"}"#,
    )
    .expect("reads");
    assert_eq!((message.name, message.tool_calls), (None, None));
    assert_eq!(message.tool_call_id.as_deref(), Some("call_1"));
    assert_eq!(message.reasoning_content, None);
    let err = serde_json::from_str::<ChatMessage>(r#"{"content":"hi"}"#).expect_err("no role");
    assert!(err.to_string().contains("missing field `role`"), "{err}");
    let err = serde_json::from_str::<ChatMessage>(r#"{"role":"user","role":"user"}"#)
        .expect_err("a duplicate");
    assert!(err.to_string().contains("duplicate field `role`"), "{err}");
}
