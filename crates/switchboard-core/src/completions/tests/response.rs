//! [`completion_from_chat`] and [`chunk_from_chat`]: recorded chat answers and streams
//! against the recorded completions.

use serde_json::{Value, json};

use super::*;
use crate::chat::{ChatChunk, ChatResponse, FinishReason};

#[test]
fn recorded_responses_round_trip() {
    let name = "completion-basic.response.json";
    round_trip::<CompletionResponse>(name, &json_fixture(name));
    for chunk in lines("completions", "completion-streaming.chunks.jsonl") {
        round_trip::<CompletionResponse>("completion-streaming", &chunk);
    }
}

#[test]
fn chat_answer_mirroring_the_recording_gives_the_recorded_completion() {
    let chat: ChatResponse =
        serde_json::from_value(json_fixture("completion-basic.chat-response.json")).unwrap();
    let completion = completion_from_chat(&chat);
    assert_eq!(
        serde_json::to_value(&completion).unwrap(),
        json_fixture("completion-basic.response.json")
    );
}

#[test]
fn recorded_chat_answer_gets_the_recorded_completion_shape() {
    let chat: ChatResponse =
        serde_json::from_str(&read("chat", "chat-basic.response.json")).unwrap();
    let completion = completion_from_chat(&chat);
    assert_recorded_shape(&completion, &json_fixture("completion-basic.response.json"));
    assert_eq!(completion.id, "cmpl-C4Gm9xikLXbgE8He0BHWeoM03aa72");
    assert_eq!(completion.choices[0].text, chat.choices[0].message.text());
    assert_eq!(completion.usage.as_ref(), chat.usage());
    assert_eq!(completion.system_fingerprint, None);
}

#[test]
fn finish_reasons_map_onto_the_three() {
    for (chat, completion) in [
        ("stop", "stop"),
        ("length", "length"),
        ("content_filter", "content_filter"),
        ("tool_calls", "stop"),
        ("function_call", "stop"),
        ("insufficient_system_resource", "stop"),
    ] {
        assert_eq!(
            map_finish_reason(&FinishReason::from(chat)).as_str(),
            completion
        );
    }
}

#[test]
fn a_chat_id_without_the_prefix_keeps_all_of_it() {
    let chat = ChatResponse {
        id: "cac7192e-e619".into(),
        ..ChatResponse::default()
    };
    assert_eq!(completion_from_chat(&chat).id, "cmpl-cac7192e-e619");
}

#[test]
fn chat_stream_mirroring_the_recording_gives_the_recorded_chunks() {
    let chat = lines("completions", "completion-streaming.chat-chunks.jsonl");
    let ours = translate_stream(&chat);
    // The role-only chunk and the reasoning chunk send nothing.
    assert_eq!(ours[..2], [None, None]);
    let ours: Vec<Value> = ours
        .iter()
        .flatten()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
    assert_eq!(
        ours,
        lines("completions", "completion-streaming.chunks.jsonl")
    );
}

#[test]
fn recorded_chat_stream_gets_the_recorded_chunk_shape() {
    let chat = lines("chat", "chat-streaming.chunks.jsonl");
    let ours: Vec<CompletionResponse> = translate_stream(&chat).into_iter().flatten().collect();
    let recorded = lines("completions", "completion-streaming.chunks.jsonl");
    let (finish, pieces) = ours.split_last().unwrap();
    assert_recorded_shape(finish, recorded.last().unwrap());
    assert_eq!(finish.choices[0].finish_reason, Some(FinishReason::Stop));
    for chunk in pieces {
        assert_recorded_shape(chunk, &recorded[0]);
        assert_eq!(chunk.id, "cmpl-C4HqHBe4xca0k0EzsCnf1t6V3YFXp");
    }
    // The role-only first chunk sends nothing; every other chunk sends its piece.
    assert_eq!(ours.len(), chat.len() - 1);
    let text: String = ours.iter().map(|c| c.choices[0].text.as_str()).collect();
    assert!(text.starts_with("Hi there"), "{text}");
}

#[test]
fn recorded_usage_chunk_becomes_the_final_usage_chunk() {
    let chat = lines("chat", "chat-streaming-detailed-usage.chunks.jsonl");
    let ours: Vec<CompletionResponse> = translate_stream(&chat).into_iter().flatten().collect();
    let [finish, usage] = ours.as_slice() else {
        panic!("expected a finish chunk and a usage chunk: {ours:?}");
    };
    assert_eq!(finish.choices[0].text, "");
    assert_eq!(finish.choices[0].finish_reason, Some(FinishReason::Length));
    assert_eq!(finish.usage, None);
    assert!(usage.choices.is_empty());
    assert_eq!(usage.usage.as_ref().map(|u| u.total_tokens), Some(112));
    let written = serde_json::to_value(usage).unwrap();
    assert_eq!(written["choices"], json!([]));
    assert_eq!(written["object"], json!("text_completion"));
}

#[test]
fn reasoning_deltas_are_not_text() {
    let chat = lines("chat", "deepseek-reasoning.chunks.txt");
    let parsed: Vec<ChatChunk> = chat
        .iter()
        .map(|c| serde_json::from_value(c.clone()).unwrap())
        .collect();
    let answer: String = parsed
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.delta.content())
        .collect();
    let ours: Vec<CompletionResponse> = translate_stream(&chat).into_iter().flatten().collect();
    let text: String = ours
        .iter()
        .flat_map(|c| &c.choices)
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(text, answer);
    let last = ours.last().unwrap();
    assert_eq!(last.choices[0].finish_reason, Some(FinishReason::Stop));
    assert_eq!(last.usage.as_ref().map(|u| u.completion_tokens), Some(219));
    assert_eq!(
        last.system_fingerprint.as_deref(),
        Some("fp_eaab8d114b_prod0820_fp8_kvcache")
    );
}

#[test]
fn tool_call_only_chunks_send_nothing_and_their_finish_is_stop() {
    let call = json!({"id": "chatcmpl-1", "choices": [{"index": 0, "delta":
        {"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}, "finish_reason": null}]});
    let finish = json!({"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {},
        "finish_reason": "tool_calls"}]});
    let ours = translate_stream(&[call, finish]);
    assert_eq!(ours[0], None);
    let done = ours[1].as_ref().unwrap();
    assert_eq!(
        (
            done.choices[0].text.as_str(),
            done.choices[0].finish_reason.clone()
        ),
        ("", Some(FinishReason::Stop))
    );
}
