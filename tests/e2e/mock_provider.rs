//! The built-in mock provider through the canonical path: chat, streams, tool calls,
//! reasoning, usage and scripted errors.

use serde_json::{Value, json};
use tests::schema::{validate, validate_sse_chat};
use tests::{Client, TestGateway, assert_openai_error};

fn frames(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|f| f.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[tokio::test]
async fn answers_from_the_prompt() {
    let gw = TestGateway::mock().await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model":"mock","messages":[{"role":"user","content":"Hello there"}]}))
        .await;
    assert_eq!(reply.status, 200);
    let v = reply.json();
    validate("CreateChatCompletionResponse", &v);
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "You said: Hello there"
    );
    assert_eq!(v["usage"]["total_tokens"], 7);
}

#[tokio::test]
async fn streams_end_with_done_and_strip_usage_unless_asked() {
    let gw = TestGateway::mock().await;
    let client = Client::new(gw.url());
    let body =
        json!({"model":"mock","stream":true,"messages":[{"role":"user","content":"one two"}]});
    let text = client.chat(&body).await.text();
    assert!(text.ends_with("data: [DONE]\n\n"));
    validate_sse_chat(&text);
    let chunks = frames(&text);
    assert!(
        chunks
            .iter()
            .all(|c| c["object"] == "chat.completion.chunk")
    );
    assert!(chunks.iter().all(|c| c.get("usage").is_none()), "{text}");
    let content: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(content, "You said: one two");

    let mut with_usage = body.clone();
    with_usage["stream_options"] = json!({"include_usage": true});
    let text = client.chat(&with_usage).await.text();
    validate_sse_chat(&text);
    let chunks = frames(&text);
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"]["completion_tokens"], 4);
}

#[tokio::test]
async fn tool_calls_and_reasoning_stream_in_openai_shape() {
    let gw = TestGateway::mock().await;
    let text = Client::new(gw.url())
        .chat(&json!({"model":"mock-reasoning-tools","stream":true,
            "messages":[{"role":"user","content":"weather in Paris?"}],
            "tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}]}))
        .await
        .text();
    validate_sse_chat(&text);
    let chunks = frames(&text);
    let reasoning: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["reasoning_content"].as_str())
        .collect();
    assert!(reasoning.starts_with("The user wrote"));
    let calls: Vec<&Value> = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"].as_array())
        .flatten()
        .collect();
    assert_eq!(calls[0]["function"]["name"], "lookup");
    assert!(calls[0]["id"].as_str().unwrap().starts_with("call_"));
    let args: String = calls
        .iter()
        .filter_map(|c| c["function"]["arguments"].as_str())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&args).unwrap(),
        json!({"q":"weather in Paris?"})
    );
    let finish = chunks
        .iter()
        .find_map(|c| c["choices"][0]["finish_reason"].as_str())
        .unwrap();
    assert_eq!(finish, "tool_calls");
}

#[tokio::test]
async fn scripted_errors_have_their_status() {
    let gw = TestGateway::mock().await;
    let client = Client::new(gw.url());
    let reply = client
        .chat(&json!({"model":"mock-error429","messages":[]}))
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers["retry-after"], "1");
    assert_openai_error(&reply.body);
    let reply = client
        .chat(&json!({"model":"mock-error500","stream":true,"messages":[]}))
        .await;
    assert_eq!(reply.status, 500);
    assert_openai_error(&reply.body);
}

#[tokio::test]
async fn a_request_the_canonical_types_reject_is_400() {
    let gw = TestGateway::mock().await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model":"mock","messages":[{"content":"no role"}]}))
        .await;
    assert_eq!(reply.status, 400);
    assert_openai_error(&reply.body);
}
