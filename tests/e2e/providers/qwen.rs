//! Kind `qwen` end to end: the gateway against a local server speaking DashScope's
//! compatible mode, replaying recorded DashScope traffic (vercel/ai fixtures, Apache-2.0,
//! Copyright 2023 Vercel, Inc.; see `adapters/switchboard-qwen/fixtures/NOTICE.md`).

use serde_json::{Value, json};
use tests::{Client, Reply, Seen, TestGateway, Upstream, assert_openai_error, schema};

const TEXT: &str =
    include_str!("../../../adapters/switchboard-qwen/fixtures/alibaba-text.chunks.txt");
const REASONING: &str =
    include_str!("../../../adapters/switchboard-qwen/fixtures/alibaba-reasoning.chunks.txt");
const TOOL_CALL: &str =
    include_str!("../../../adapters/switchboard-qwen/fixtures/alibaba-tool-call.chunks.txt");
const TOOL_CALL_JSON: &str =
    include_str!("../../../adapters/switchboard-qwen/fixtures/alibaba-tool-call.json");

const KEY: &str = "sk-dashscope-secret-1234";

/// A recorded chunks file as DashScope's wire sends it.
fn sse(lines: &str) -> String {
    let mut out = String::new();
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str("data: ");
        out.push_str(line);
        out.push_str("\n\n");
    }
    out.push_str("data: [DONE]\n\n");
    out
}

/// DashScope, as far as these tests need it: the model name picks the recording or error.
fn dashscope(seen: &Seen) -> Reply {
    let body = seen.json();
    let model = body["model"].as_str().unwrap_or_default();
    let stream = body["stream"] == true;
    match model {
        "qwen-bad-key" => Reply::status_json(
            401,
            format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}. ","type":"invalid_request_error","param":null,"code":"invalid_api_key"}},"request_id":"5d4e"}}"#),
        ),
        "qwen-moderated" => Reply::status_json(
            400,
            r#"{"error":{"code":"data_inspection_failed","param":null,"message":"Input data may contain inappropriate content.","type":"data_inspection_failed"},"id":"chatcmpl-1","request_id":"9f2c"}"#,
        ),
        "qwen-throttled" => Reply::status_json(
            429,
            r#"{"code":"Throttling.RateQuota","message":"Requests rate limit exceeded, please try again later.","request_id":"77aa"}"#,
        )
        .header("retry-after", "2"),
        "qwen-arrears" => Reply::status_json(
            400,
            r#"{"code":"Arrearage","message":"Access denied, please make sure your account is in good standing.","request_id":"12ab"}"#,
        ),
        "qwen-cut" => Reply::sse(concat!(
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\",\"role\":\"assistant\"},\"index\":0,\"logprobs\":null,\"finish_reason\":null}],\"object\":\"chat.completion.chunk\",\"usage\":null,\"created\":1,\"system_fingerprint\":null,\"model\":\"qwen-plus\",\"id\":\"chatcmpl-x\"}\n\n",
            "data: {\"error\":{\"code\":\"data_inspection_failed\",\"param\":null,\"message\":\"Output data may contain inappropriate content.\",\"type\":\"data_inspection_failed\"},\"id\":\"chatcmpl-x\",\"request_id\":\"r\"}\n\n",
        )),
        _ if !stream => Reply::json(TOOL_CALL_JSON),
        _ if body.get("tools").is_some() => Reply::sse(&sse(TOOL_CALL)),
        _ if body.get("enable_thinking") == Some(&json!(true)) => Reply::sse(&sse(REASONING)),
        _ => Reply::sse(&sse(TEXT)),
    }
}

async fn setup(extra: &str) -> (Upstream, TestGateway, Client) {
    let upstream = Upstream::start(dashscope).await;
    let toml = format!(
        "[providers.dashscope]\nkind = \"qwen\"\nbase_url = \"http://{}/compatible-mode/v1\"\napi_key = \"{KEY}\"\n{extra}\n\n[[models]]\nname = \"*\"\nprovider = \"dashscope\"\n",
        upstream.addr
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    (upstream, gw, client)
}

fn weather_tool() -> Value {
    json!({"type": "function", "function": {"name": "weather", "description": "The weather in a place",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}})
}

/// The `data:` payloads of a chat stream, `[DONE]` left out.
fn payloads(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|frame| frame.trim().strip_prefix("data: "))
        .filter(|data| *data != "[DONE]")
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

#[tokio::test]
async fn a_non_streaming_chat_streams_upstream_with_thinking_and_folds() {
    let (upstream, _gw, client) = setup("").await;
    let reply = client
        .chat(&json!({
            "model": "qwen3-max",
            "messages": [{"role": "developer", "content": "Be exact."},
                         {"role": "user", "content": "How many r's are in strawberry?"}],
            "reasoning_effort": "medium",
            "max_completion_tokens": 2000,
            "user": "end-user-1"
        }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    schema::validate("CreateChatCompletionResponse", &body);
    let message = &body["choices"][0]["message"];
    assert!(
        message["reasoning_content"]
            .as_str()
            .unwrap()
            .starts_with("We are asked")
    );
    assert!(!message["content"].as_str().unwrap().is_empty());
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        body["usage"]["completion_tokens_details"]["reasoning_tokens"],
        1084
    );
    assert_eq!(body["usage"]["total_tokens"], 1379);

    let seen = upstream.only_request();
    assert_eq!(seen.path, "/compatible-mode/v1/chat/completions");
    assert_eq!(seen.headers["authorization"], format!("Bearer {KEY}"));
    let sent = seen.json();
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["stream_options"], json!({"include_usage": true}));
    assert_eq!(
        (
            sent["enable_thinking"].clone(),
            sent["thinking_budget"].clone()
        ),
        (json!(true), json!(8192))
    );
    assert_eq!(sent["messages"][0]["role"], "system");
    assert_eq!(sent["max_tokens"], 2000);
    for gone in ["reasoning_effort", "max_completion_tokens", "user"] {
        assert!(sent.get(gone).is_none(), "{gone} went upstream: {sent}");
    }
}

#[tokio::test]
async fn a_streamed_chat_is_openais_stream_with_usage_only_when_asked() {
    let (_upstream, _gw, client) = setup("").await;
    let request = |usage: bool| {
        json!({"model": "qwen3-max", "stream": true, "reasoning_effort": "none",
               "stream_options": {"include_usage": usage},
               "messages": [{"role": "user", "content": "Invent a holiday."}]})
    };
    let text = client.chat(&request(false)).await.text();
    schema::validate_sse_chat(&text);
    assert!(text.ends_with("data: [DONE]\n\n"));
    let chunks = payloads(&text);
    let answer: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(answer.starts_with("## The Festival of Shared Stories"));
    assert!(chunks.iter().all(|c| c["usage"].is_null()));

    let text = client.chat(&request(true)).await.text();
    schema::validate_sse_chat(&text);
    let chunks = payloads(&text);
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"]["prompt_tokens"], 18);
    assert_eq!(last["usage"]["completion_tokens"], 779);
}

#[tokio::test]
async fn a_streamed_tool_call_keeps_its_id() {
    let (upstream, _gw, client) = setup("").await;
    let text = client
        .chat(
            &json!({"model": "qwen3-max", "stream": true, "tools": [weather_tool()],
                      "messages": [{"role": "user", "content": "Weather in San Francisco?"}]}),
        )
        .await
        .text();
    schema::validate_sse_chat(&text);
    assert!(!text.contains(r#""id":"""#), "{text}");
    let pieces: Vec<Value> = payloads(&text)
        .iter()
        .flat_map(|c| c["choices"].as_array().cloned().unwrap_or_default())
        .flat_map(|c| {
            c["delta"]["tool_calls"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(pieces[0]["id"], "call_eee11723464a4b9eb8cee71d");
    assert_eq!(pieces[0]["function"]["name"], "weather");
    let arguments: String = pieces
        .iter()
        .filter_map(|p| p["function"]["arguments"].as_str())
        .collect();
    assert_eq!(arguments, r#"{"location": "San Francisco"}"#);
    assert!(text.contains(r#""finish_reason":"tool_calls""#));
    assert!(upstream.only_request().json()["tools"][0]["function"]["name"] == "weather");
}

#[tokio::test]
async fn a_non_streaming_tool_call_is_folded_into_one_message() {
    let (_upstream, _gw, client) = setup("").await;
    let reply = client
        .chat(&json!({"model": "qwen3-max", "tools": [weather_tool()],
                      "messages": [{"role": "user", "content": "Weather in San Francisco?"}]}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    schema::validate("CreateChatCompletionResponse", &body);
    let call = &body["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["id"], "call_eee11723464a4b9eb8cee71d");
    assert_eq!(
        call["function"]["arguments"],
        r#"{"location": "San Francisco"}"#
    );
    assert_eq!(body["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(body["usage"]["total_tokens"], 317);
}

#[tokio::test]
async fn direct_mode_turns_thinking_off_for_models_that_refuse_it_unstreamed() {
    let (upstream, _gw, client) = setup("non_stream = \"direct\"").await;
    let reply = client
        .chat(
            &json!({"model": "qwen3-32b", "reasoning_effort": "high", "tools": [weather_tool()],
                      "messages": [{"role": "user", "content": "Weather in San Francisco?"}]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    schema::validate("CreateChatCompletionResponse", &body);
    let call = &body["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["id"], "call_962bfd2ab8f54b89a1161356");
    assert!(call.get("index").is_none());
    let sent = upstream.only_request().json();
    assert!(sent.get("stream").is_none());
    assert_eq!(sent["enable_thinking"], false);
}

#[tokio::test]
async fn dashscope_errors_in_both_spellings_become_openai_errors() {
    let (_upstream, _gw, client) = setup("").await;
    let cases = [
        (
            "qwen-bad-key",
            401,
            "invalid_request_error",
            "invalid_api_key",
        ),
        (
            "qwen-moderated",
            400,
            "invalid_request_error",
            "data_inspection_failed",
        ),
        (
            "qwen-throttled",
            429,
            "rate_limit_error",
            "rate_limit_exceeded",
        ),
        (
            "qwen-arrears",
            429,
            "insufficient_quota",
            "insufficient_quota",
        ),
    ];
    for stream in [false, true] {
        for (model, status, kind, code) in cases {
            let reply = client
                .chat(&json!({"model": model, "stream": stream,
                              "messages": [{"role": "user", "content": "hi"}]}))
                .await;
            assert_eq!(reply.status, status, "{model}: {}", reply.text());
            let error = assert_openai_error(&reply.body);
            assert_eq!(
                (error["type"].as_str(), error["code"].as_str()),
                (Some(kind), Some(code)),
                "{model}"
            );
            assert!(!reply.text().contains(KEY), "{}", reply.text());
            if model == "qwen-throttled" {
                assert_eq!(reply.headers["retry-after"], "2");
            }
        }
    }
}

#[tokio::test]
async fn a_mid_stream_error_ends_the_stream_with_an_error_event() {
    let (_upstream, _gw, client) = setup("").await;
    let text = client
        .chat(&json!({"model": "qwen-cut", "stream": true,
                      "messages": [{"role": "user", "content": "hi"}]}))
        .await
        .text();
    schema::validate_sse_chat(&text);
    assert!(!text.contains("[DONE]"), "{text}");
    let last = payloads(&text).pop().unwrap();
    assert_eq!(last["error"]["code"], "data_inspection_failed");
    assert_eq!(last["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn the_responses_api_calls_a_tool_through_dashscope() {
    let (upstream, _gw, client) = setup("").await;
    let text = client
        .post(
            "/v1/responses",
            json!({"model": "qwen3-max", "stream": true, "input": "Weather in San Francisco?",
                   "tools": [{"type": "function", "name": "weather", "description": "The weather in a place", "strict": false,
                              "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}]})
            .to_string(),
        )
        .await
        .text();
    schema::validate_sse_responses(&text);
    let events = super::super::responses::events(&text);
    let done = events.last().unwrap();
    assert_eq!(done["type"], "response.completed");
    let call = done["response"]["output"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["type"] == "function_call")
        .unwrap_or_else(|| panic!("no function call in {done}"));
    assert_eq!(call["call_id"], "call_eee11723464a4b9eb8cee71d");
    assert_eq!(call["name"], "weather");
    assert_eq!(call["arguments"], r#"{"location": "San Francisco"}"#);
    assert_eq!(done["response"]["usage"]["input_tokens"], 295);
    let sent = upstream.only_request().json();
    assert_eq!(
        upstream.only_request().path,
        "/compatible-mode/v1/chat/completions"
    );
    assert_eq!(sent["tools"][0]["function"]["name"], "weather");
    assert_eq!(sent["stream_options"]["include_usage"], true);
}
