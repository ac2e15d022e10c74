//! Kind `anthropic` end to end: the gateway against a local server that speaks the
//! Messages API (`POST /v1/messages`, `x-api-key`, `anthropic-version`, named SSE events,
//! `{"type":"error",...}` bodies), answering with recorded payloads (see
//! `adapters/switchboard-anthropic/fixtures/NOTICE.md`).

use serde_json::{Value, json};
use tests::{Client, Reply, Seen, TestGateway, Upstream, assert_openai_error, schema};

use crate::responses::{assert_well_formed, events, types};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../adapters/switchboard-anthropic/fixtures"
);

const KEY: &str = "sk-ant-upstream-secret-1234";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

/// A fixture that lives as long as the test binary (for `Reply::json` in a handler).
fn leaked(name: &str) -> &'static str {
    Box::leak(fixture(name).into_boxed_str())
}

/// One-JSON-per-line recordings as Anthropic's SSE body: `event: <type>` lines, no `[DONE]`.
fn as_sse(lines: &str) -> String {
    lines
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let event: Value = serde_json::from_str(l).unwrap();
            format!("event: {}\ndata: {l}\n\n", event["type"].as_str().unwrap())
        })
        .collect()
}

/// A gateway with one `anthropic` provider at `upstream` serving every model.
async fn gateway(upstream: &Upstream, extra: &str) -> TestGateway {
    TestGateway::start(&format!(
        "[providers.claude]\nkind = \"anthropic\"\nbase_url = \"http://{}\"\napi_key = \"{KEY}\"\n{extra}\n\
         [[models]]\nname = \"*\"\nprovider = \"claude\"\n",
        upstream.addr
    ))
    .await
}

/// Panics unless the request is what the Messages API accepts.
fn assert_messages_call(seen: &Seen) {
    assert_eq!(seen.path, "/v1/messages");
    assert_eq!(seen.headers["x-api-key"], KEY);
    assert_eq!(seen.headers["anthropic-version"], "2023-06-01");
    assert!(seen.headers.get("authorization").is_none());
    let body = seen.json();
    assert!(
        body["max_tokens"].as_u64().is_some(),
        "max_tokens is required"
    );
    for role in body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["role"])
    {
        assert!(role == "user" || role == "assistant", "{role}");
    }
}

/// The recorded answer: JSON when the request does not stream, `stream` as SSE when it does.
fn answer(json_body: &'static str, stream: String) -> impl Fn(&Seen) -> Reply {
    move |seen| {
        if seen.json()["stream"] == true {
            Reply::sse(&stream)
        } else {
            Reply::json(json_body)
        }
    }
}

/// The `data:` payloads of a chat stream, `[DONE]` left out.
fn chunks(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|f| f.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

fn joined(chunks: &[Value], field: &str) -> String {
    chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"][field].as_str())
        .collect()
}

#[tokio::test]
async fn chat_lifts_the_system_prompt_and_translates_the_answer() {
    let text_json = leaked("anthropic-text.json");
    let upstream = Upstream::start(answer(text_json, String::new())).await;
    let gw = gateway(&upstream, "max_tokens = 1000").await;
    let reply = Client::new(gw.url())
        .post(
            "/v1/chat/completions",
            json!({"model": "claude-sonnet-4-5", "messages": [
                {"role": "system", "content": "Be nice."},
                {"role": "user", "content": "Hello, how are you?"}
            ], "stop": ["\n\nHuman:"], "temperature": 1.5})
            .to_string(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    schema::validate("CreateChatCompletionResponse", &body);
    assert_eq!(body["id"], "msg_01VdEjxAP5ahtHKrrRdNBteQ");
    assert_eq!(body["object"], "chat.completion");
    assert!(
        body["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Hello! I'm doing well")
    );
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert_eq!(body["usage"]["prompt_tokens"], 12);
    assert_eq!(body["usage"]["completion_tokens"], 29);
    assert_eq!(body["usage"]["total_tokens"], 41);

    let seen = upstream.only_request();
    assert_messages_call(&seen);
    let sent = seen.json();
    assert_eq!(sent["system"], "Be nice.");
    assert_eq!(sent["max_tokens"], 1000);
    assert_eq!(sent["temperature"], 1.0);
    assert_eq!(sent["stop_sequences"], json!(["\n\nHuman:"]));
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": [{"type": "text", "text": "Hello, how are you?"}]}])
    );
    assert!(sent.get("stream").is_none());
}

#[tokio::test]
async fn a_chat_stream_has_text_finish_and_usage() {
    let upstream =
        Upstream::start(answer("{}", as_sse(&fixture("anthropic-text.chunks.txt")))).await;
    let gw = gateway(&upstream, "").await;
    let text = Client::new(gw.url())
        .post(
            "/v1/chat/completions",
            json!({"model": "claude-sonnet-4-5", "stream": true,
                "stream_options": {"include_usage": true},
                "messages": [{"role": "user", "content": "Hello"}]})
            .to_string(),
        )
        .await
        .text();
    schema::validate_sse_chat(&text);
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    let chunks = chunks(&text);
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(
        joined(&chunks, "content"),
        "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?"
    );
    let finishes: Vec<&Value> = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["finish_reason"].as_str().map(|_| c))
        .collect();
    assert_eq!(finishes.len(), 1);
    assert_eq!(finishes[0]["choices"][0]["finish_reason"], "stop");
    let usage = &chunks.last().unwrap()["usage"];
    assert_eq!(
        (
            usage["prompt_tokens"].as_u64(),
            usage["completion_tokens"].as_u64()
        ),
        (Some(12), Some(30))
    );

    let seen = upstream.only_request();
    assert_messages_call(&seen);
    assert_eq!(seen.json()["stream"], true);
    assert_eq!(seen.headers["accept"], "text/event-stream");
}

#[tokio::test]
async fn a_streamed_tool_call_and_its_result_on_the_next_turn() {
    let upstream = Upstream::start(answer("{}", fixture("tool_use_response.txt"))).await;
    let gw = gateway(&upstream, "").await;
    let tools = json!([{"type": "function", "function": {"name": "get_weather",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}}]);
    let text = Client::new(gw.url())
        .post(
            "/v1/chat/completions",
            json!({"model": "claude-sonnet-4-20250514", "stream": true, "tools": tools,
                "tool_choice": "auto",
                "messages": [{"role": "user", "content": "Weather in Paris?"}]})
            .to_string(),
        )
        .await
        .text();
    schema::validate_sse_chat(&text);
    let chunks = chunks(&text);
    let calls: Vec<&Value> = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"].as_array())
        .flatten()
        .collect();
    assert_eq!(calls[0]["index"], 0);
    assert_eq!(calls[0]["id"], "toolu_01NRLabsLyVHZPKxbKvkfSMn");
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    let arguments: String = calls
        .iter()
        .filter_map(|c| c["function"]["arguments"].as_str())
        .collect();
    assert_eq!(arguments, r#"{"location": "Paris"}"#);
    assert!(text.contains(r#""finish_reason":"tool_calls""#));
    let sent = upstream.only_request().json();
    assert_eq!(sent["tools"][0]["name"], "get_weather");
    assert_eq!(sent["tools"][0]["input_schema"]["type"], "object");
    assert_eq!(sent["tool_choice"], json!({"type": "auto"}));

    // The next turn carries the call and its result.
    Client::new(gw.url())
        .post(
            "/v1/chat/completions",
            json!({"model": "claude-sonnet-4-20250514", "stream": true, "tools": tools,
                "messages": [
                    {"role": "user", "content": "Weather in Paris?"},
                    {"role": "assistant", "content": "I'll check.", "tool_calls": [{"id": "toolu_01NRLabsLyVHZPKxbKvkfSMn",
                        "type": "function", "function": {"name": "get_weather", "arguments": arguments}}]},
                    {"role": "tool", "tool_call_id": "toolu_01NRLabsLyVHZPKxbKvkfSMn", "content": "18C, sunny"}
                ]})
            .to_string(),
        )
        .await;
    let sent = upstream.seen()[1].json();
    assert_eq!(
        sent["messages"][1]["content"][1],
        json!({"type": "tool_use", "id": "toolu_01NRLabsLyVHZPKxbKvkfSMn", "name": "get_weather", "input": {"location": "Paris"}})
    );
    assert_eq!(
        sent["messages"][2],
        json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01NRLabsLyVHZPKxbKvkfSMn", "content": "18C, sunny"}]})
    );
}

#[tokio::test]
async fn thinking_comes_out_as_reasoning_content_and_goes_back_signed() {
    let reasoning = leaked("anthropic-claude-opus-5-reasoning-high.1.json");
    let upstream = Upstream::start(answer(reasoning, String::new())).await;
    let gw = gateway(&upstream, "").await;
    let client = Client::new(gw.url());
    let first = client
        .post(
            "/v1/chat/completions",
            json!({"model": "claude-opus-5", "reasoning_effort": "high",
                "messages": [{"role": "user", "content": "Roots of x^3-6x^2+11x-6?"}]})
            .to_string(),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text());
    let body = first.json();
    schema::validate("CreateChatCompletionResponse", &body);
    let message = body["choices"][0]["message"].clone();
    assert!(
        message["reasoning_content"]
            .as_str()
            .unwrap()
            .starts_with("I need to find")
    );
    assert_eq!(
        body["usage"]["completion_tokens_details"]["reasoning_tokens"],
        139
    );
    let sent = upstream.only_request().json();
    assert_eq!(sent["thinking"], json!({"type": "adaptive"}));
    assert_eq!(sent["output_config"], json!({"effort": "high"}));

    client
        .post(
            "/v1/chat/completions",
            json!({"model": "claude-opus-5", "messages": [
                {"role": "user", "content": "Roots of x^3-6x^2+11x-6?"}, message,
                {"role": "user", "content": "And of x^2-1?"}]})
            .to_string(),
        )
        .await;
    let sent = upstream.seen()[1].json();
    let thinking = &sent["messages"][1]["content"][0];
    assert_eq!(thinking["type"], "thinking");
    assert!(
        thinking["signature"]
            .as_str()
            .unwrap()
            .starts_with("CAISqwQK")
    );
}

#[tokio::test]
async fn a_streamed_thinking_block_is_reasoning_content() {
    let stream = as_sse(&fixture(
        "anthropic-claude-sonnet-5-reasoning-summarized.chunks.txt",
    ));
    let upstream = Upstream::start(answer("{}", stream)).await;
    let gw = gateway(&upstream, "[providers.claude.thinking.budgets]\nlow = 3000").await;
    let text = Client::new(gw.url())
        .post(
            "/v1/chat/completions",
            json!({"model": "claude-sonnet-4-5", "stream": true, "reasoning_effort": "low",
                "messages": [{"role": "user", "content": "GCD of 1071 and 462?"}]})
            .to_string(),
        )
        .await
        .text();
    schema::validate_sse_chat(&text);
    let chunks = chunks(&text);
    assert!(joined(&chunks, "reasoning_content").contains("Euclidean algorithm"));
    assert!(joined(&chunks, "content").starts_with("# Finding GCD"));
    let sent = upstream.only_request().json();
    assert_eq!(
        sent["thinking"],
        json!({"type": "enabled", "budget_tokens": 3000})
    );
    assert_eq!(sent["max_tokens"], 4096 + 3000);
}

#[tokio::test]
async fn upstream_errors_become_openai_errors() {
    let overloaded = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}"#;
    let spend = r#"{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your specified API usage limits.","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
    let recorded = leaked("anthropic-issue-17366-error.json");
    let upstream = Upstream::start(move |seen| match seen.json()["model"].as_str().unwrap() {
        "overloaded" => Reply::status_json(529, overloaded),
        "spend" => Reply::status_json(429, spend).header("retry-after", "30"),
        "limited" => Reply::status_json(429, r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#)
            .header("retry-after", "3")
            .header("anthropic-ratelimit-requests-remaining", "0"),
        "leaky" => Reply::status_json(401, format!(r#"{{"type":"error","error":{{"type":"authentication_error","message":"invalid x-api-key {KEY}"}}}}"#)),
        _ => Reply::status_json(400, recorded),
    })
    .await;
    let gw = gateway(&upstream, "").await;
    let client = Client::new(gw.url());
    let ask = |model: &str, stream: bool| {
        json!({"model": model, "stream": stream, "messages": [{"role": "user", "content": "x"}]})
            .to_string()
    };

    for stream in [false, true] {
        let reply = client
            .post("/v1/chat/completions", ask("overloaded", stream))
            .await;
        assert_eq!(reply.status, 503, "{}", reply.text());
        let error = assert_openai_error(&reply.body);
        assert_eq!(error["type"], "overloaded_error");
        assert_eq!(error["message"], "Overloaded");
    }

    let reply = client
        .post("/v1/chat/completions", ask("spend", false))
        .await;
    assert_eq!(reply.status, 429);
    let error = assert_openai_error(&reply.body);
    assert_eq!(error["code"], "enforced_spend_limit_reached");
    assert!(error["message"].as_str().unwrap().contains("do not retry"));
    assert!(reply.headers.get("retry-after").is_none());
    assert_eq!(reply.headers["x-should-retry"], "false");

    let reply = client
        .post("/v1/chat/completions", ask("limited", false))
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(assert_openai_error(&reply.body)["type"], "rate_limit_error");
    assert_eq!(reply.headers["retry-after"], "3");
    assert_eq!(reply.headers["anthropic-ratelimit-requests-remaining"], "0");

    let reply = client
        .post("/v1/chat/completions", ask("leaky", false))
        .await;
    assert_eq!(reply.status, 401);
    assert!(!reply.text().contains(KEY));

    let reply = client.post("/v1/chat/completions", ask("bad", false)).await;
    assert_eq!(reply.status, 400);
    let error = assert_openai_error(&reply.body);
    assert_eq!(error["type"], "invalid_request_error");
    assert!(error["message"].as_str().unwrap().contains("tool_use_id"));
}

#[tokio::test]
async fn a_mid_stream_error_event_ends_the_stream_with_an_error() {
    let basic = fixture("basic_response.txt");
    let stream = format!(
        "{}event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}}}\n\n",
        &basic[..basic.find("event: content_block_stop").unwrap()]
    );
    let upstream = Upstream::start(answer("{}", stream)).await;
    let gw = gateway(&upstream, "").await;
    let text = Client::new(gw.url())
        .post(
            "/v1/chat/completions",
            json!({"model": "claude-3-opus-latest", "stream": true,
                "messages": [{"role": "user", "content": "Hi"}]})
            .to_string(),
        )
        .await
        .text();
    schema::validate_sse_chat(&text);
    let chunks = chunks(&text);
    assert_eq!(joined(&chunks, "content"), "Hello there!");
    let last = chunks.last().unwrap();
    assert_eq!(last["error"]["type"], "overloaded_error");
    assert!(!text.contains("[DONE]"));
}

#[tokio::test]
async fn responses_with_a_tool_call_ride_on_the_messages_stream() {
    let upstream = Upstream::start(answer("{}", fixture("tool_use_response.txt"))).await;
    let gw = gateway(&upstream, "").await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model": "claude-sonnet-4-20250514", "input": "Weather in Paris?", "stream": true,
                "instructions": "Use tools.",
                "tools": [{"type": "function", "name": "get_weather", "strict": false,
                    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}]})
            .to_string(),
        )
        .await
        .text();
    let events = events(&text);
    assert_well_formed(&events);
    let t = types(&events);
    assert!(
        t.contains(&"response.function_call_arguments.done"),
        "{t:?}"
    );
    assert_eq!(*t.last().unwrap(), "response.completed");
    let output = events.last().unwrap()["response"]["output"]
        .as_array()
        .unwrap()
        .clone();
    let call = output
        .iter()
        .find(|i| i["type"] == "function_call")
        .unwrap();
    assert_eq!(call["name"], "get_weather");
    assert_eq!(call["call_id"], "toolu_01NRLabsLyVHZPKxbKvkfSMn");
    assert_eq!(call["arguments"], r#"{"location": "Paris"}"#);
    let seen = upstream.only_request();
    assert_messages_call(&seen);
    let sent = seen.json();
    assert_eq!(sent["system"], "Use tools.");
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["tools"][0]["name"], "get_weather");
}

#[tokio::test]
async fn a_base_url_with_v1_and_beta_headers() {
    let text_json = leaked("anthropic-text.json");
    let upstream = Upstream::start(answer(text_json, String::new())).await;
    let gw = TestGateway::start(&format!(
        "[providers.claude]\nkind = \"anthropic\"\nbase_url = \"{}\"\napi_key = \"{KEY}\"\n\
         anthropic_version = \"2026-10-21\"\nbeta = [\"context-1m-2025-08-07\", \"x-2\"]\n\
         [[models]]\nname = \"*\"\nprovider = \"claude\"\n",
        upstream.base_url()
    ))
    .await;
    let reply = Client::new(gw.url())
        .post(
            "/v1/chat/completions",
            json!({"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "x"}]})
                .to_string(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let seen = upstream.only_request();
    assert_eq!(seen.path, "/v1/messages");
    assert_eq!(seen.headers["anthropic-version"], "2026-10-21");
    assert_eq!(seen.headers["anthropic-beta"], "context-1m-2025-08-07,x-2");
}
