//! Kind `deepseek` end to end: the gateway against a local server that speaks DeepSeek's
//! wire format, replaying recorded DeepSeek traffic (vercel/ai fixtures, Apache-2.0; see
//! `adapters/switchboard-deepseek/fixtures/NOTICE.md`) with DeepSeek's keep-alives.

use serde_json::{Value, json};
use tests::{Client, Reply, Seen, TestGateway, Upstream, assert_openai_error, schema};

const TEXT_SSE: &str =
    include_str!("../../../adapters/switchboard-deepseek/fixtures/deepseek-text.chunks.txt");
const REASONING_SSE: &str =
    include_str!("../../../adapters/switchboard-deepseek/fixtures/deepseek-reasoning.chunks.txt");
const TOOL_SSE: &str =
    include_str!("../../../adapters/switchboard-deepseek/fixtures/deepseek-tool-call.chunks.txt");
const REASONING_JSON: &str =
    include_str!("../../../adapters/switchboard-deepseek/fixtures/deepseek-reasoning.json");
const TOOL_JSON: &str =
    include_str!("../../../adapters/switchboard-deepseek/fixtures/deepseek-tool-call.json");

const KEY: &str = "sk-deepseek-secret-1234";

/// The reasoning DeepSeek streamed before its tool call, in `deepseek-tool-call.chunks.txt`.
const TOOL_REASONING_START: &str = "The user is asking";

/// A gateway with one `deepseek` provider at `upstream` and a catch-all route.
async fn gateway(upstream: &Upstream, extra_keys: &str) -> TestGateway {
    TestGateway::start(&format!(
        "[providers.ds]\nkind = \"deepseek\"\nbase_url = \"{}\"\napi_key = \"{KEY}\"\n{extra_keys}\n\n[[models]]\nname = \"*\"\nprovider = \"ds\"\n",
        upstream.base_url()
    ))
    .await
}

/// One-JSON-per-line chunks as DeepSeek's wire sends them: `data: ` frames, `: keep-alive`
/// comments (first, and after every fifth chunk) and `data: [DONE]`.
fn wire(lines: &str) -> String {
    let mut out = String::from(": keep-alive\n\n");
    for (i, line) in lines.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        out.push_str(&format!("data: {line}\n\n"));
        if i % 5 == 4 {
            out.push_str(": keep-alive\n\n");
        }
    }
    out.push_str("data: [DONE]\n\n");
    out
}

/// The `data:` payloads of a chat stream, `[DONE]` excluded.
fn chunks(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter_map(|frame| frame.strip_prefix("data: "))
        .filter(|data| *data != "[DONE]")
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

fn joined(chunks: &[Value], field: &str) -> String {
    chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"][field].as_str())
        .collect()
}

fn chat_path(seen: &Seen) {
    assert_eq!(seen.path, "/v1/chat/completions");
    assert_eq!(seen.headers["authorization"], format!("Bearer {KEY}"));
}

#[tokio::test]
async fn a_chat_is_translated_both_ways() {
    let upstream = Upstream::start(|seen| {
        chat_path(seen);
        // DeepSeek may send keep-alive blank lines before a non-streaming body.
        Reply::json(format!("\n\n{REASONING_JSON}"))
    })
    .await;
    let gw = gateway(&upstream, "").await;
    let reply = Client::new(gw.url())
        .chat(
            &json!({"model":"deepseek-reasoner","max_completion_tokens":512,
            "reasoning_effort":"medium","user":"u-1",
            "messages":[{"role":"developer","content":"Answer briefly."},
                        {"role":"user","content":"How many r's in strawberry?"}]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    schema::validate("CreateChatCompletionResponse", &body);
    let message = &body["choices"][0]["message"];
    assert!(message["content"].as_str().unwrap().contains("three"));
    assert!(
        message["reasoning_content"]
            .as_str()
            .unwrap()
            .starts_with("We are asked")
    );
    assert_eq!(
        body["usage"]["completion_tokens_details"]["reasoning_tokens"],
        315
    );
    assert_eq!(body["usage"]["prompt_tokens_details"]["cached_tokens"], 0);

    let sent = upstream.only_request().json();
    assert_eq!(sent["messages"][0]["role"], "system");
    assert_eq!(sent["max_tokens"], 512);
    assert_eq!(sent["thinking"], json!({"type":"enabled"}));
    assert_eq!(sent["reasoning_effort"], "high");
    for gone in ["max_completion_tokens", "user", "stream", "stream_options"] {
        assert!(sent.get(gone).is_none(), "{gone} was sent: {sent}");
    }
}

#[tokio::test]
async fn a_stream_skips_keep_alives_and_ends_with_usage() {
    let upstream = Upstream::start(|seen| {
        chat_path(seen);
        Reply::sse(&wire(TEXT_SSE))
    })
    .await;
    let gw = gateway(&upstream, "").await;
    let reply = Client::new(gw.url())
        .chat(
            &json!({"model":"deepseek-chat","stream":true,"stream_options":{"include_usage":true},
            "messages":[{"role":"user","content":"Invent a holiday."}]}),
        )
        .await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    schema::validate_sse_chat(&text);
    assert!(text.ends_with("data: [DONE]\n\n"));
    assert!(!text.contains("keep-alive"));
    let chunks = chunks(&text);
    assert!(joined(&chunks, "content").starts_with("## **"));
    let finish: Vec<&Value> = chunks
        .iter()
        .map(|c| &c["choices"][0]["finish_reason"])
        .filter(|f| f.is_string())
        .collect();
    assert_eq!(finish, [&json!("length")]);
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"]["prompt_tokens"], 13);
    assert_eq!(last["usage"]["prompt_tokens_details"]["cached_tokens"], 0);

    let sent = upstream.only_request().json();
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn a_stream_without_usage_asked_has_no_usage_chunk() {
    let upstream = Upstream::start(|_| Reply::sse(&wire(REASONING_SSE))).await;
    let gw = gateway(&upstream, "").await;
    let text = Client::new(gw.url())
        .chat(&json!({"model":"deepseek-reasoner","stream":true,
            "messages":[{"role":"user","content":"How many r's in strawberry?"}]}))
        .await
        .text();
    schema::validate_sse_chat(&text);
    let chunks = chunks(&text);
    assert!(joined(&chunks, "reasoning_content").starts_with("We need"));
    assert!(!joined(&chunks, "content").is_empty());
    assert!(chunks.iter().all(|c| c["choices"] != json!([])));
}

#[tokio::test]
async fn a_tool_call_streams_and_the_next_turn_sends_reasoning_back() {
    let upstream = Upstream::start(|seen| {
        let body = seen.json();
        let answered = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["role"] == "tool");
        match (answered, body["stream"] == true) {
            (false, true) => Reply::sse(&wire(TOOL_SSE)),
            (false, false) => Reply::json(TOOL_JSON),
            (true, _) => Reply::sse(&wire(REASONING_SSE)),
        }
    })
    .await;
    let gw = gateway(&upstream, "").await;
    let client = Client::new(gw.url());
    let tools = json!([{"type":"function","function":{"name":"weather",
        "parameters":{"type":"object","properties":{"location":{"type":"string"}}}}}]);
    let question = json!({"role":"user","content":"Weather in San Francisco?"});

    let text = client
        .chat(
            &json!({"model":"deepseek-reasoner","stream":true,"tools":tools,
            "messages":[question]}),
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
    assert_eq!(calls[0]["id"], "call_00_ioIn7yN9p1ZOMNpDLwd4MgAF");
    assert_eq!(calls[0]["function"]["name"], "weather");
    let arguments: String = calls
        .iter()
        .filter_map(|c| c["function"]["arguments"].as_str())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&arguments).unwrap()["location"],
        "San Francisco"
    );
    assert!(text.contains("\"finish_reason\":\"tool_calls\""));

    // Non-streamed, the call comes without DeepSeek's extra `index`.
    let reply = client
        .chat(&json!({"model":"deepseek-reasoner","tools":tools,"messages":[question]}))
        .await;
    let body = reply.json();
    schema::validate("CreateChatCompletionResponse", &body);
    let call = &body["choices"][0]["message"]["tool_calls"][0];
    assert!(call.get("index").is_none(), "{call}");
    assert_eq!(body["usage"]["prompt_tokens_details"]["cached_tokens"], 320);

    // The next turn, from a client that kept no reasoning: DeepSeek gets `""`.
    let reply = client
        .chat(
            &json!({"model":"deepseek-reasoner","tools":tools,"stream":true,"messages":[
            question,
            {"role":"assistant","content":null,"tool_calls":[call]},
            {"role":"tool","tool_call_id":call["id"],"content":"cloudy, 7C"}]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let sent = upstream.seen()[2].json();
    assert_eq!(sent["messages"][1]["reasoning_content"], "");
    assert_eq!(sent["messages"][1]["tool_calls"][0]["id"], call["id"]);
}

#[tokio::test]
async fn deepseek_errors_become_openai_errors() {
    let upstream = Upstream::start(|seen| {
        let body = seen.json();
        match body["messages"][0]["content"].as_str().unwrap() {
            "402" => Reply::status_json(402, r#"{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}"#)
                .header("retry-after", "1"),
            "401" => Reply::status_json(401, format!(r#"{{"error":{{"message":"Authentication Fails, Your api key: {KEY} is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}}}"#)),
            "429" => Reply::status_json(429, r#"{"error":{"message":"Rate Limit Reached","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}"#)
                .header("retry-after", "2"),
            "400" => Reply::status_json(400, r#"{"error":{"message":"The `reasoning_content` in the thinking mode must be passed back to the API.","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}"#),
            "503" => Reply::Body { status: 503, headers: Vec::new(), content_type: "text/html", body: "<html>Service Unavailable</html>".into() },
            _ if body["stream"] != true => Reply::json(r#"{"id":"x","object":"chat.completion","created":1,"model":"deepseek-chat","choices":[{"index":0,"message":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"insufficient_system_resource"}],"usage":{"prompt_tokens":5,"completion_tokens":0,"total_tokens":5,"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":5}}"#),
            _ => Reply::sse(concat!(
                ": keep-alive\n\n",
                "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
                "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"logprobs\":null,\"finish_reason\":\"insufficient_system_resource\"}],\"usage\":null}\n\n",
                "data: [DONE]\n\n",
            )),
        }
    })
    .await;
    let gw = gateway(&upstream, "").await;
    let client = Client::new(gw.url());
    let ask = |content: &str, stream: bool| json!({"model":"deepseek-chat","stream":stream,"messages":[{"role":"user","content":content}]});

    let reply = client.chat(&ask("402", false)).await;
    assert_eq!(reply.status, 402);
    assert!(reply.headers.get("retry-after").is_none());
    let err = assert_openai_error(&reply.body);
    assert!(
        err["message"].as_str().unwrap().contains("Balance"),
        "{err:?}"
    );
    assert_eq!(err["type"], "unknown_error");
    assert_eq!(err["code"], "invalid_request_error");

    let reply = client.chat(&ask("401", true)).await;
    assert_eq!(reply.status, 401);
    let err = assert_openai_error(&reply.body);
    assert!(!reply.text().contains(KEY), "{}", reply.text());
    assert_eq!(err["type"], "authentication_error");

    let reply = client.chat(&ask("429", true)).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers["retry-after"], "2");
    assert_eq!(
        assert_openai_error(&reply.body)["code"],
        "rate_limit_exceeded"
    );

    let reply = client.chat(&ask("400", false)).await;
    assert_eq!(reply.status, 400);
    assert!(
        assert_openai_error(&reply.body)["message"]
            .as_str()
            .unwrap()
            .contains("reasoning_content")
    );

    let reply = client.chat(&ask("503", false)).await;
    assert_eq!(reply.status, 502);
    assert_openai_error(&reply.body);

    // Out of resources before any output: a retryable 503, not a 200 with an odd reason.
    for stream in [true, false] {
        let reply = client.chat(&ask("starved", stream)).await;
        assert_eq!(reply.status, 503, "{}", reply.text());
        assert_eq!(
            assert_openai_error(&reply.body)["code"],
            "insufficient_system_resource"
        );
    }

    let reply = client
        .chat(&json!({"model":"deepseek-chat","n":2,"messages":[{"role":"user","content":"x"}]}))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(assert_openai_error(&reply.body)["param"], "n");
}

#[tokio::test]
async fn the_responses_api_runs_a_tool_loop_over_deepseek() {
    let upstream = Upstream::start(|seen| {
        chat_path(seen);
        let body = seen.json();
        let answered = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["role"] == "tool");
        match (answered, body["stream"] == true) {
            (true, false) => Reply::json(REASONING_JSON),
            (true, true) => Reply::sse(&wire(REASONING_SSE)),
            (false, _) => Reply::sse(&wire(TOOL_SSE)),
        }
    })
    .await;
    let gw = gateway(&upstream, "").await;
    let client = Client::new(gw.url());
    let tool = json!({"type":"function","name":"weather","description":"Weather for a location",
        "parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]},
        "strict":false});

    let text = client
        .post(
            "/v1/responses",
            json!({"model":"deepseek-reasoner","stream":true,"input":"Weather in San Francisco?",
                "instructions":"Use tools.","tools":[tool],"reasoning":{"effort":"high","summary":"auto"}})
            .to_string(),
        )
        .await
        .text();
    schema::validate_sse_responses(&text);
    let events: Vec<Value> = text
        .split("\n\n")
        .filter_map(|f| f.lines().find_map(|l| l.strip_prefix("data: ")))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    let done = events.last().unwrap();
    assert_eq!(done["type"], "response.completed", "{text}");
    let output = done["response"]["output"].as_array().unwrap();
    let call = output
        .iter()
        .find(|i| i["type"] == "function_call")
        .unwrap_or_else(|| panic!("no function_call in {output:?}"));
    assert_eq!(call["name"], "weather");
    assert_eq!(call["call_id"], "call_00_ioIn7yN9p1ZOMNpDLwd4MgAF");
    assert!(output.iter().any(|i| i["type"] == "reasoning"));
    assert_eq!(
        done["response"]["usage"]["input_tokens_details"]["cached_tokens"],
        320
    );

    let first = upstream.only_request().json();
    assert_eq!(first["thinking"], json!({"type":"enabled"}));
    assert_eq!(first["reasoning_effort"], "high");
    assert_eq!(first["messages"][0]["role"], "system");

    let reply = client
        .post(
            "/v1/responses",
            json!({"model":"deepseek-reasoner","previous_response_id":done["response"]["id"],
                "tools":[tool],"reasoning":{"effort":"high"},
                "input":[{"type":"function_call_output","call_id":call["call_id"],"output":"cloudy, 7C"}]})
            .to_string(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let second = reply.json();
    schema::validate("Response", &second);
    assert_eq!(second["status"], "completed");

    // DeepSeek got the first turn's reasoning back on the tool-calling assistant message.
    let sent = upstream.seen()[1].json();
    let assistant = sent["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "assistant")
        .unwrap();
    assert!(
        assistant["reasoning_content"]
            .as_str()
            .unwrap()
            .starts_with(TOOL_REASONING_START),
        "{assistant}"
    );
}
