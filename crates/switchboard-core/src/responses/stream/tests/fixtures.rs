//! Recorded provider streams (vercel/ai, Apache-2.0, Copyright 2023 Vercel, Inc.; see
//! `tests/fixtures/NOTICE.md`) through the state machine, and whole chat answers through
//! `response_from_chat`.

use serde_json::json;

use super::*;
use crate::chat::{ChatResponse, ToolCall};
use crate::responses::{chunks_from_chat, response_from_chat};

const DEEPSEEK_REASONING: &str =
    include_str!("../../../../tests/fixtures/chat/deepseek-reasoning.chunks.txt");
const DEEPSEEK_TOOL_CALL: &str =
    include_str!("../../../../tests/fixtures/chat/deepseek-tool-call.chunks.txt");
const ALIBABA_TOOL_CALL: &str =
    include_str!("../../../../tests/fixtures/chat/alibaba-tool-call.chunks.txt");
const XAI_TOOL_CALL: &str =
    include_str!("../../../../tests/fixtures/chat/xai-tool-call.chunks.txt");
const DEEPSEEK_TOOL_CALL_JSON: &str =
    include_str!("../../../../tests/fixtures/chat/deepseek-tool-call.json");

/// The chunks of a `*.chunks.txt` fixture: one chunk JSON per line.
fn chunks(text: &str) -> Vec<ChatChunk> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The concatenated reasoning and content deltas of a fixture.
fn concatenated(chunks: &[ChatChunk]) -> (String, String) {
    let (mut reasoning, mut content) = (String::new(), String::new());
    for choice in chunks.iter().flat_map(|chunk| &chunk.choices) {
        reasoning.push_str(choice.delta.reasoning_content().unwrap_or_default());
        content.push_str(choice.delta.content().unwrap_or_default());
    }
    (reasoning, content)
}

/// The output items' types, in order.
fn kinds(response: &Value) -> Vec<&str> {
    let output = response["output"].as_array().unwrap();
    output
        .iter()
        .map(|item| item["type"].as_str().unwrap())
        .collect()
}

#[test]
fn deepseek_reasoning_stream() {
    let chunks = chunks(DEEPSEEK_REASONING);
    let events = run(stream(), &chunks);
    let response = final_response(&events);
    assert_eq!(kinds(response), ["reasoning", "message"]);
    let (reasoning, content) = concatenated(&chunks);
    assert_eq!(
        response["output"][0]["summary"][0]["text"],
        reasoning.as_str()
    );
    assert_eq!(
        response["output"][0]["content"][0]["text"],
        reasoning.as_str()
    );
    assert_eq!(
        response["output"][1]["content"][0]["text"],
        content.as_str()
    );
    assert_eq!(response["status"], "completed");
    assert_eq!(
        response["usage"]["output_tokens_details"]["reasoning_tokens"],
        205
    );
    assert_eq!(response["usage"]["total_tokens"], 237);
}

#[test]
fn deepseek_tool_call_stream() {
    let events = run(stream(), &chunks(DEEPSEEK_TOOL_CALL));
    let response = final_response(&events);
    assert_eq!(kinds(response), ["reasoning", "function_call"]);
    let call = &response["output"][1];
    assert_eq!(call["call_id"], "call_00_ioIn7yN9p1ZOMNpDLwd4MgAF");
    assert_eq!(call["name"], "weather");
    let arguments: Value = serde_json::from_str(call["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(arguments, json!({"location": "San Francisco"}));
    assert_eq!(
        response["usage"]["input_tokens_details"]["cached_tokens"],
        320
    );
}

#[test]
fn alibaba_tool_call_stream() {
    let events = run(stream(), &chunks(ALIBABA_TOOL_CALL));
    let response = final_response(&events);
    assert_eq!(kinds(response), ["function_call"]);
    let call = &response["output"][0];
    assert_eq!(call["call_id"], "call_eee11723464a4b9eb8cee71d");
    assert_eq!(call["arguments"], "{\"location\": \"San Francisco\"}");
    assert_eq!(response["usage"]["input_tokens"], 295);
}

#[test]
fn xai_tool_call_stream() {
    let events = run(stream(), &chunks(XAI_TOOL_CALL));
    let response = final_response(&events);
    assert_eq!(kinds(response), ["reasoning", "function_call"]);
    let call = &response["output"][1];
    assert_eq!(call["call_id"], "call_79382389");
    assert_eq!(call["arguments"], "{\"location\":\"San Francisco\"}");
    assert_eq!(
        response["usage"]["input_tokens_details"]["cached_tokens"],
        306
    );
    assert_eq!(response["usage"]["total_tokens"], 560);
}

#[test]
fn a_whole_answer_folds_like_its_stream() {
    let mut chat = ChatResponse {
        id: "chatcmpl-1".into(),
        model: "m".into(),
        ..ChatResponse::default()
    };
    chat.choices.push(
        serde_json::from_value(json!({
            "index": 0,
            "message": {"role": "assistant", "content": "Checking.", "reasoning_content": "plan",
                        "tool_calls": [ToolCall::function("call_1", "f", "{\"a\":1}"),
                                       ToolCall::function("call_2", "g", "")]},
            "finish_reason": "tool_calls"
        }))
        .unwrap(),
    );
    chat.usage = Some(Some(
        serde_json::from_value(json!({"prompt_tokens": 5, "completion_tokens": 7})).unwrap(),
    ));

    let echo = ResponseEcho::for_model("test-model");
    let folded = response_from_chat(
        &chat,
        RESPONSE_ID.into(),
        100,
        200,
        echo,
        ToolNames::default(),
    );
    let streamed = run(stream(), &chunks_from_chat(&chat));
    assert_eq!(
        &serde_json::to_value(&folded).unwrap(),
        final_response(&streamed)
    );

    let response = serde_json::to_value(&folded).unwrap();
    assert_eq!(
        kinds(&response),
        ["reasoning", "message", "function_call", "function_call"]
    );
    assert_eq!(response["output"][3]["arguments"], "{}");
    assert_eq!(response["usage"]["total_tokens"], 12);
    assert_eq!(folded.output_text(), "Checking.");
}

#[test]
fn deepseek_whole_tool_call_answer() {
    let chat: ChatResponse = serde_json::from_str(DEEPSEEK_TOOL_CALL_JSON).unwrap();
    let echo = ResponseEcho::for_model("deepseek-reasoner");
    let response = response_from_chat(&chat, RESPONSE_ID.into(), 1, 2, echo, ToolNames::default());
    let response = serde_json::to_value(&response).unwrap();
    // `content: ""` makes no message item.
    assert_eq!(kinds(&response), ["reasoning", "function_call"]);
    assert_eq!(
        response["output"][1]["call_id"],
        "call_00_9V0vrf86Pc9aelHCJMZqnJBo"
    );
    assert_eq!(response["status"], "completed");
    assert_eq!(
        response["usage"]["input_tokens_details"]["cached_tokens"],
        320
    );
}

#[test]
fn a_response_reads_back_as_written() {
    let events = run(stream(), &chunks(DEEPSEEK_TOOL_CALL));
    let written = final_response(&events).clone();
    let read: crate::responses::Response = serde_json::from_value(written.clone()).unwrap();
    assert_eq!(serde_json::to_value(&read).unwrap(), written);
}

#[test]
fn a_quiet_stream_builds_the_same_response_and_no_events() {
    let length = chunks(
        r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Cut","refusal":null}}]}
{"choices":[{"index":0,"delta":{"content":" short"},"finish_reason":"length"}]}"#,
    );
    let refusal = chunks(
        r#"{"choices":[{"index":0,"delta":{"role":"assistant","refusal":"No."},"finish_reason":"stop"}]}"#,
    );
    for (name, chunks) in [
        ("deepseek reasoning", chunks(DEEPSEEK_REASONING)),
        ("deepseek tool call", chunks(DEEPSEEK_TOOL_CALL)),
        ("alibaba tool call", chunks(ALIBABA_TOOL_CALL)),
        ("xai tool call", chunks(XAI_TOOL_CALL)),
        ("length", length),
        ("refusal", refusal),
    ] {
        let events = run(stream(), &chunks);
        let mut quiet = stream().quiet();
        assert!(quiet.start().is_empty(), "{name}");
        for chunk in &chunks {
            assert!(quiet.push(chunk).is_empty(), "{name}");
        }
        assert!(quiet.finish(200).is_empty(), "{name}");
        assert_eq!(
            &serde_json::to_value(quiet.response()).unwrap(),
            final_response(&events),
            "{name}"
        );
    }
}
