//! [`to_chat`] and the request types: recorded requests, passed fields, refusals.

use serde_json::{Value, json};

use super::*;
use crate::chat::ResponseFormat;

#[test]
fn recorded_requests_round_trip() {
    for name in [
        "completion-basic",
        "completion-streaming",
        "completion-bad-request",
    ] {
        let file = format!("{name}.request.json");
        round_trip::<CompletionRequest>(&file, &json_fixture(&file));
    }
    let req: CompletionRequest = round_trip("all-fields", &json_fixture("all-fields.request.json"));
    assert!(req.wants_stream() && req.wants_stream_usage());
}

#[test]
fn prompt_forms_parse() {
    for (prompt, want) in [
        (json!("x"), Prompt::Text("x".into())),
        (
            json!(["x", "y"]),
            Prompt::Texts(vec!["x".into(), "y".into()]),
        ),
        (json!([]), Prompt::Texts(vec![])),
        (json!([1212, 318]), Prompt::Tokens(vec![1212, 318])),
        (
            json!([[1212], [318]]),
            Prompt::TokenBatches(vec![vec![1212], vec![318]]),
        ),
        (json!(["x", 1]), Prompt::Other(json!(["x", 1]))),
        (json!({"text": "x"}), Prompt::Other(json!({"text": "x"}))),
    ] {
        assert_eq!(round_trip::<Prompt>("prompt", &prompt), want);
    }
}

#[test]
fn recorded_basic_request_becomes_one_user_message() {
    translates(
        "completion-basic.request.json",
        "completion-basic.chat-request.json",
    );
}

#[test]
fn recorded_streaming_request_keeps_stream() {
    let chat = translates(
        "completion-streaming.request.json",
        "completion-streaming.chat-request.json",
    );
    assert!(chat.wants_stream());
}

#[test]
fn every_passed_field_and_unknown_field_reaches_chat() {
    let chat = translates("all-fields.request.json", "all-fields.chat-request.json");
    assert_eq!(chat.response_format, Some(ResponseFormat::JsonObject));
    assert!(chat.extra.contains_key("repetition_penalty"));
    assert!(chat.extra.contains_key("chat_template_kwargs"));
    assert!(chat.wants_stream_usage());
}

#[test]
fn max_tokens_defaults_to_16() {
    let req: CompletionRequest =
        serde_json::from_value(json!({"model": "m", "prompt": "a"})).unwrap();
    let chat = to_chat(&req).unwrap();
    assert_eq!(chat.max_tokens, Some(DEFAULT_MAX_TOKENS));
    assert_eq!(DEFAULT_MAX_TOKENS, 16);
    assert_eq!(
        serde_json::to_value(&chat).unwrap()["max_tokens"],
        json!(16)
    );
}

#[test]
fn chat_max_completion_tokens_replaces_the_default() {
    let req = json!({"model": "m", "prompt": "a", "max_completion_tokens": 300});
    let chat = to_chat(&serde_json::from_value(req).unwrap()).unwrap();
    assert_eq!(
        (chat.max_tokens, chat.max_completion_tokens),
        (None, Some(300))
    );
}

#[test]
fn one_prompt_in_an_array_is_one_message_whatever_n() {
    let req = json!({"model": "m", "prompt": ["only"], "n": 3});
    let chat = to_chat(&serde_json::from_value(req).unwrap()).unwrap();
    assert_eq!(chat.messages.len(), 1);
    assert_eq!(chat.messages[0].text(), "only");
    assert_eq!(chat.n, Some(3));
}

#[test]
fn recorded_bad_request_gets_openais_own_error() {
    let req: CompletionRequest = round_trip(
        "completion-bad-request",
        &json_fixture("completion-bad-request.request.json"),
    );
    let err = to_chat(&req).unwrap_err();
    assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(&err.body_json()).unwrap();
    assert_eq!(body, json_fixture("completion-bad-request.response.json"));
}

#[test]
fn every_refusal_is_a_400_naming_its_param() {
    let cases = json_fixture("rejected-requests.json");
    for case in cases.as_array().unwrap() {
        let name = case["case"].as_str().unwrap();
        let req: CompletionRequest = serde_json::from_value(case["request"].clone()).unwrap();
        let err = to_chat(&req).expect_err(name);
        assert_eq!(err.status(), http::StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(err.kind(), "invalid_request_error", "{name}");
        assert_eq!(err.param(), case["param"].as_str(), "{name}");
        assert_eq!(err.code(), case["code"].as_str(), "{name}");
        let says = case["says"].as_str().unwrap();
        assert!(err.message().contains(says), "{name}: {}", err.message());
    }
}
