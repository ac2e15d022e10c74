//! Round trips of recorded provider payloads through the canonical chat types.
//!
//! Each fixture under `fixtures/chat/` (sources and licences in `fixtures/NOTICE.md`) is
//! parsed into its type and written back; the JSON written must equal the JSON read,
//! `null`s and vendor fields included. One helper runs a fixture; the tests name them.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use switchboard_core::chat::{
    ChatChunk, ChatRequest, ChatResponse, FinishReason, MessageContent, ResponseFormat, Role,
    ToolChoice,
};

/// Parses `text` as `T` and checks that writing it back gives the same JSON value.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str, text: &str) -> T {
    let expected: Value = serde_json::from_str(text).unwrap_or_else(|err| panic!("{name}: {err}"));
    let parsed: T = serde_json::from_str(text).unwrap_or_else(|err| panic!("{name}: {err}"));
    let written = serde_json::to_value(&parsed).unwrap_or_else(|err| panic!("{name}: {err}"));
    assert_eq!(
        written, expected,
        "{name}: written JSON differs from the input"
    );
    parsed
}

/// Runs a request body fixture.
fn request(name: &str, text: &str) -> ChatRequest {
    round_trip(name, text)
}

/// Runs a non-streamed response body fixture.
fn response(name: &str, text: &str) -> ChatResponse {
    round_trip(name, text)
}

/// Runs a stream fixture: one chunk JSON per line (the `data:` payloads, no `[DONE]`).
fn chunks(name: &str, text: &str) -> Vec<ChatChunk> {
    let chunks: Vec<ChatChunk> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(n, line)| round_trip(&format!("{name} line {}", n + 1), line))
        .collect();
    assert!(!chunks.is_empty(), "{name}: no chunks");
    chunks
}

/// Checks that every extracted chunk line is a `data:` line of its cassette, verbatim.
fn extracted_from(cassette: &str, lines: &str) {
    for line in lines.lines() {
        assert!(
            cassette.contains(&format!("data: {line}\n")),
            "not in cassette: {line}"
        );
    }
}

/// Concatenates the `content` pieces of a stream's first choice.
fn streamed_text(chunks: &[ChatChunk]) -> String {
    chunks
        .iter()
        .flat_map(|chunk| chunk.choices.iter())
        .filter_map(|choice| choice.delta.content())
        .collect()
}

/// Concatenates the `reasoning_content` pieces of a stream's first choice.
fn streamed_reasoning(chunks: &[ChatChunk]) -> String {
    chunks
        .iter()
        .flat_map(|chunk| chunk.choices.iter())
        .filter_map(|choice| choice.delta.reasoning_content())
        .collect()
}

/// The last `finish_reason` of a stream.
fn last_finish_reason(chunks: &[ChatChunk]) -> Option<FinishReason> {
    chunks
        .iter()
        .rev()
        .flat_map(|chunk| chunk.choices.iter())
        .find_map(|choice| choice.finish_reason().cloned())
}

/// Concatenates the streamed arguments of tool call `index`.
fn streamed_arguments(chunks: &[ChatChunk], index: u32) -> String {
    chunks
        .iter()
        .flat_map(|chunk| chunk.choices.iter())
        .flat_map(|choice| choice.delta.tool_calls.iter().flatten())
        .filter(|call| call.index == index)
        .filter_map(|call| call.function.as_ref()?.arguments.as_deref())
        .collect()
}

macro_rules! fixture {
    ($file:literal) => {
        ($file, include_str!(concat!("fixtures/chat/", $file)))
    };
}

#[test]
fn openai_basic() {
    let (name, text) = fixture!("chat-basic.request.json");
    let req = request(name, text);
    assert_eq!(req.model, "gpt-5-nano");
    let (name, text) = fixture!("chat-basic.response.json");
    let resp = response(name, text);
    assert_eq!(resp.choices[0].finish_reason(), Some(&FinishReason::Stop));
    assert_eq!(resp.choices[0].message.refusal, Some(None));
    assert_eq!(resp.system_fingerprint, Some(None));
    assert!(
        resp.usage()
            .is_some_and(|usage| usage.reasoning_tokens() > 0)
    );
}

#[test]
fn openai_detailed_usage() {
    let (name, text) = fixture!("chat-detailed-usage.request.json");
    assert_eq!(request(name, text).max_output_tokens(), Some(100));
    let (name, text) = fixture!("chat-detailed-usage.response.json");
    let usage = response(name, text).usage().cloned().unwrap();
    assert!(usage.prompt_tokens_details.is_some() && usage.completion_tokens_details.is_some());
}

#[test]
fn openai_tools() {
    let (name, text) = fixture!("chat-tools.request.json");
    let req = request(name, text);
    assert_eq!(req.tool_choice, Some(ToolChoice::Mode("auto".into())));
    assert_eq!(req.tools.as_deref().map(<[_]>::len), Some(1));
    let (name, text) = fixture!("chat-tools.response.json");
    let resp = response(name, text);
    let choice = &resp.choices[0];
    assert_eq!(choice.finish_reason(), Some(&FinishReason::ToolCalls));
    assert_eq!(choice.message.content, Some(None));
    let call = &choice.message.tool_calls.as_ref().unwrap()[0];
    assert_eq!(call.function.name, "get_current_weather");
}

#[test]
fn openai_parallel_tools() {
    let (name, text) = fixture!("chat-parallel-tools.request.json");
    assert_eq!(request(name, text).parallel_tool_calls, Some(true));
    let (name, text) = fixture!("chat-parallel-tools.response.json");
    response(name, text);
}

#[test]
fn openai_multimodal() {
    let (name, text) = fixture!("chat-multimodal.request.json");
    let req = request(name, text);
    assert!(
        matches!(req.messages[0].content(), Some(MessageContent::Parts(parts)) if parts.len() == 2)
    );
    let (name, text) = fixture!("chat-multimodal.response.json");
    response(name, text);
}

#[test]
fn openai_json_mode() {
    let (name, text) = fixture!("chat-json-mode.request.json");
    assert_eq!(
        request(name, text).response_format,
        Some(ResponseFormat::JsonObject)
    );
    let (name, text) = fixture!("chat-json-mode.response.json");
    response(name, text);
}

#[test]
fn openai_json_schema() {
    let (name, text) = fixture!("chat-openai-agents-python.request.json");
    let req = request(name, text);
    assert!(matches!(
        req.response_format,
        Some(ResponseFormat::JsonSchema { ref json_schema }) if json_schema.strict == Some(true)
    ));
    let (name, text) = fixture!("chat-openai-agents-python.response.json");
    response(name, text);
}

#[test]
fn openai_reasoning() {
    let (name, text) = fixture!("chat-reasoning.request.json");
    request(name, text);
    let (name, text) = fixture!("chat-reasoning.response.json");
    response(name, text);
}

#[test]
fn openai_multiturn() {
    let (name, text) = fixture!("chat-multiturn.request.json");
    let roles: Vec<Role> = request(name, text)
        .messages
        .into_iter()
        .map(|m| m.role)
        .collect();
    assert_eq!(
        roles,
        [Role::Developer, Role::User, Role::Assistant, Role::User]
    );
    let (name, text) = fixture!("chat-multiturn.response.json");
    response(name, text);
}

#[test]
fn openai_streaming() {
    let (name, text) = fixture!("chat-streaming.request.json");
    assert!(request(name, text).wants_stream());
    let (name, text) = fixture!("chat-streaming.chunks.jsonl");
    extracted_from(
        include_str!("fixtures/chat/cassettes/chat-streaming.yaml"),
        text,
    );
    let stream = chunks(name, text);
    assert_eq!(stream[0].choices[0].delta.role, Some(Role::Assistant));
    assert!(streamed_text(&stream).starts_with("Hi there!"));
    assert_eq!(last_finish_reason(&stream), Some(FinishReason::Stop));
    assert!(
        stream
            .iter()
            .all(|chunk| chunk.extra.contains_key("obfuscation"))
    );
}

#[test]
fn openai_streaming_detailed_usage() {
    let (name, text) = fixture!("chat-streaming-detailed-usage.request.json");
    assert!(request(name, text).wants_stream_usage());
    let (name, text) = fixture!("chat-streaming-detailed-usage.chunks.jsonl");
    extracted_from(
        include_str!("fixtures/chat/cassettes/chat-streaming-detailed-usage.yaml"),
        text,
    );
    let stream = chunks(name, text);
    assert_eq!(last_finish_reason(&stream), Some(FinishReason::Length));
    let last = stream.last().unwrap();
    assert!(last.is_usage_only());
    assert!(
        stream[..stream.len() - 1]
            .iter()
            .all(|chunk| !chunk.is_usage_only())
    );
}

#[test]
fn openai_streaming_web_search() {
    let (name, text) = fixture!("chat-streaming-web-search.request.json");
    assert!(request(name, text).web_search_options.is_some());
    let (name, text) = fixture!("chat-streaming-web-search.chunks.jsonl");
    extracted_from(
        include_str!("fixtures/chat/cassettes/chat-streaming-web-search.yaml"),
        text,
    );
    let stream = chunks(name, text);
    assert_eq!(stream[0].system_fingerprint, Some(Some(String::new())));
}

#[test]
fn azure_basic() {
    let (name, text) = fixture!("azure-chat-basic.request.json");
    request(name, text);
    let (name, text) = fixture!("azure-chat-basic.response.json");
    let resp = response(name, text);
    assert!(resp.extra.contains_key("prompt_filter_results"));
    assert!(resp.choices[0].extra.contains_key("content_filter_results"));
}

#[test]
fn azure_model_router_stream() {
    let (name, text) = fixture!("azure-model-router.1.chunks.txt");
    let stream = chunks(name, text);
    assert!(stream[0].choices.is_empty() && !stream[0].is_usage_only());
    assert!(stream.last().unwrap().is_usage_only());
}

#[test]
fn deepseek_text() {
    let (name, text) = fixture!("deepseek-text.chunks.txt");
    let stream = chunks(name, text);
    assert_eq!(last_finish_reason(&stream), Some(FinishReason::Length));
    let usage = stream.last().unwrap().usage().unwrap();
    assert!(usage.extra.contains_key("prompt_cache_hit_tokens"));
    let (name, text) = fixture!("deepseek-text.json");
    response(name, text);
}

#[test]
fn deepseek_reasoning() {
    let (name, text) = fixture!("deepseek-reasoning.chunks.txt");
    let stream = chunks(name, text);
    assert!(!streamed_reasoning(&stream).is_empty());
    assert!(!streamed_text(&stream).is_empty());
    let (name, text) = fixture!("deepseek-reasoning.json");
    assert!(
        response(name, text).choices[0]
            .message
            .reasoning_content()
            .is_some()
    );
}

#[test]
fn deepseek_tool_call() {
    let (name, text) = fixture!("deepseek-tool-call.chunks.txt");
    let stream = chunks(name, text);
    assert_eq!(last_finish_reason(&stream), Some(FinishReason::ToolCalls));
    let arguments: Value = serde_json::from_str(&streamed_arguments(&stream, 0)).unwrap();
    assert!(arguments.is_object());
    assert_eq!(stream.last().unwrap().usage().unwrap().cached_tokens(), 320);
    let (name, text) = fixture!("deepseek-tool-call.json");
    response(name, text);
}

#[test]
fn deepseek_json() {
    let (name, text) = fixture!("deepseek-json.json");
    response(name, text);
}

#[test]
fn qwen_text() {
    let (name, text) = fixture!("alibaba-text.chunks.txt");
    let stream = chunks(name, text);
    assert!(stream.last().unwrap().is_usage_only());
    let (name, text) = fixture!("alibaba-text.json");
    response(name, text);
}

#[test]
fn qwen_reasoning() {
    let (name, text) = fixture!("alibaba-reasoning.chunks.txt");
    let stream = chunks(name, text);
    assert!(!streamed_reasoning(&stream).is_empty());
    let (name, text) = fixture!("alibaba-reasoning.json");
    response(name, text);
}

#[test]
fn qwen_tool_call() {
    let (name, text) = fixture!("alibaba-tool-call.chunks.txt");
    let stream = chunks(name, text);
    let arguments: Value = serde_json::from_str(&streamed_arguments(&stream, 0)).unwrap();
    assert_eq!(arguments["location"], "San Francisco");
    let (name, text) = fixture!("alibaba-tool-call.json");
    response(name, text);
}

#[test]
fn xai_tool_call() {
    let (name, text) = fixture!("xai-tool-call.chunks.txt");
    let stream = chunks(name, text);
    assert!(!streamed_reasoning(&stream).is_empty());
    assert_eq!(last_finish_reason(&stream), Some(FinishReason::ToolCalls));
    let arguments: Value = serde_json::from_str(&streamed_arguments(&stream, 0)).unwrap();
    assert!(arguments.is_object());
    let (name, text) = fixture!("xai-tool-call.json");
    response(name, text);
}
