//! Kind `azure_openai` end to end: the gateway against a local server that answers the way
//! Azure OpenAI does, with its recorded payloads (see
//! `adapters/switchboard-azure/fixtures/NOTICE.md`): the deployments URL with
//! `api-version`, the `/openai/v1/` surface, the `api-key` header, the prompt-filter
//! chunk with empty `choices`, content-filter errors and day-long 429s.

use serde_json::{Value, json};
use tests::{Client, Reply, Seen, TestGateway, Upstream, assert_openai_error, schema};

use crate::responses::{assert_well_formed, events, types};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../adapters/switchboard-azure/fixtures"
);

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

const KEY: &str = "azure-upstream-key-123456";

/// A gateway with one `azure_openai` provider `az` at `upstream`, routing `alias` to
/// `model` and everything else through unchanged; `extra` adds provider keys.
async fn gateway(upstream: &Upstream, extra: &str) -> TestGateway {
    TestGateway::start(&format!(
        "[providers.az]\nkind = \"azure_openai\"\nendpoint = \"http://{}\"\napi_key = \"{KEY}\"\n{extra}\n\
         [[models]]\nname = \"alias\"\nprovider = \"az\"\nmodel = \"gpt-5-nano\"\n\
         [[models]]\nname = \"*\"\nprovider = \"az\"\n",
        upstream.addr
    ))
    .await
}

/// One-JSON-per-line recordings as Azure's SSE body.
fn as_sse(lines: &str) -> String {
    let mut out: String = lines
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("data: {l}\n\n"))
        .collect();
    out.push_str("data: [DONE]\n\n");
    out
}

/// Azure's prompt-filter chunk (the first line of the model-router recording).
fn prompt_filter_line() -> String {
    fixture("azure-model-router.1.chunks.txt")
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

/// A chat tool-call stream as Azure frames it: the prompt-filter chunk, then the recorded
/// tool-call chunks.
fn tool_call_stream() -> String {
    as_sse(&format!(
        "{}\n{}",
        prompt_filter_line(),
        fixture("xai-tool-call.chunks.txt")
    ))
}

/// The recorded non-streaming answer, with the headers Azure sent with it.
fn recorded_answer() -> Reply {
    Reply::json(fixture("azure-chat-basic.response.json"))
        .header("apim-request-id", "8f2cae43-720b-42c3-9ca7-44a99a6ca1b1")
        .header("x-ms-region", "East US 2")
        .header("x-ratelimit-remaining-requests", "99")
}

fn assert_azure_auth(seen: &Seen) {
    assert_eq!(seen.headers["api-key"], KEY);
    assert!(seen.headers.get("authorization").is_none());
}

/// Azure sends `"system_fingerprint": null`, which OpenAI's schema types as a string (the
/// OpenAI SDKs read it as optional). The same-shape path forwards Azure's bytes as they
/// are, so the schema check skips that one field.
fn without_null_fingerprint(value: &Value) -> Value {
    let mut value = value.clone();
    if value["system_fingerprint"].is_null()
        && let Some(object) = value.as_object_mut()
    {
        object.remove("system_fingerprint");
    }
    value
}

/// The `data:` payloads of a chat stream, `[DONE]` left out.
fn chunks(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|f| f.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[tokio::test]
async fn chat_on_the_deployments_surface_uses_the_recorded_url() {
    let upstream = Upstream::start(|_| recorded_answer()).await;
    let gw = gateway(
        &upstream,
        "surface = \"deployments\"\napi_version = \"2024-12-01-preview\"",
    )
    .await;
    let mut request: Value =
        serde_json::from_str(&fixture("azure-chat-basic.request.json")).unwrap();
    request["model"] = json!("alias");
    let reply = Client::new(gw.url()).chat(&request).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    schema::validate(
        "CreateChatCompletionResponse",
        &without_null_fingerprint(&body),
    );
    assert!(
        body["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Hi there!")
    );
    assert_eq!(
        body["usage"]["completion_tokens_details"]["reasoning_tokens"],
        192
    );
    assert!(
        body["prompt_filter_results"].is_array(),
        "vendor fields pass"
    );
    assert_eq!(reply.headers["x-ratelimit-remaining-requests"], "99");
    assert_eq!(
        reply.headers["apim-request-id"],
        "8f2cae43-720b-42c3-9ca7-44a99a6ca1b1"
    );
    assert!(reply.headers.get("x-ms-region").is_none());
    let seen = upstream.only_request();
    assert_eq!(
        seen.path,
        "/openai/deployments/gpt-5-nano/chat/completions?api-version=2024-12-01-preview"
    );
    assert_azure_auth(&seen);
    assert_eq!(seen.json()["model"], "gpt-5-nano");
}

#[tokio::test]
async fn a_chat_stream_on_v1_passes_the_prompt_filter_chunk() {
    let sse = as_sse(&fixture("azure-model-router.1.chunks.txt"));
    let body = sse.clone();
    let upstream = Upstream::start(move |_| Reply::sse(&body)).await;
    let gw = gateway(&upstream, "").await;
    let reply = Client::new(gw.url())
        .chat(
            &json!({"model":"model-router","stream":true,"stream_options":{"include_usage":true},
            "messages":[{"role":"user","content":"Capital of Denmark?"}]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.text(),
        sse,
        "the same-shape path forwards Azure's bytes"
    );
    let chunks = chunks(&reply.text());
    // Azure's own first chunk: no choices, only the prompt's filter verdict.
    assert_eq!(chunks[0]["choices"], json!([]));
    assert!(chunks[0]["prompt_filter_results"].is_array());
    for chunk in &chunks[1..] {
        schema::validate(
            "CreateChatCompletionStreamResponse",
            &without_null_fingerprint(chunk),
        );
    }
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Capital of Denmark.");
    assert_eq!(chunks.last().unwrap()["usage"]["total_tokens"], 93);
    let seen = upstream.only_request();
    assert_eq!(seen.path, "/openai/v1/chat/completions");
    assert_azure_auth(&seen);
    assert_eq!(seen.json()["model"], "model-router");
}

#[tokio::test]
async fn a_streamed_tool_call_arrives_whole() {
    let upstream = Upstream::start(|_| Reply::sse(&tool_call_stream())).await;
    let gw = gateway(&upstream, "deployment = \"grok-prod\"").await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model":"alias","stream":true,
            "messages":[{"role":"user","content":"Weather in San Francisco?"}],
            "tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}}}}]}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let chunks = chunks(&reply.text());
    let call = chunks
        .iter()
        .find_map(|c| c["choices"][0]["delta"]["tool_calls"].get(0))
        .unwrap();
    assert_eq!(call["function"]["name"], "weather");
    assert_eq!(
        call["function"]["arguments"],
        "{\"location\":\"San Francisco\"}"
    );
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        "tool_calls"
    );
    let seen = upstream.only_request();
    // v1 surface: the configured deployment is the body's model.
    assert_eq!(seen.json()["model"], "grok-prod");
    assert_eq!(seen.json()["tools"][0]["function"]["name"], "weather");
}

#[tokio::test]
async fn a_filtered_prompt_is_a_400_content_filter() {
    const FILTERED: &str = r#"{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":true,"detected":true}}}}}"#;
    let upstream = Upstream::start(|_| Reply::status_json(400, FILTERED)).await;
    let gw = gateway(&upstream, "").await;
    for stream in [false, true] {
        let reply = Client::new(gw.url())
            .chat(&json!({"model":"m","stream":stream,"messages":[{"role":"user","content":"x"}]}))
            .await;
        assert_eq!(reply.status, 400, "{}", reply.text());
        let error = assert_openai_error(&reply.body);
        assert_eq!(error["code"], "content_filter");
        assert_eq!(error["type"], "invalid_request_error");
        assert_eq!(error["param"], "prompt");
        assert_eq!(
            error["innererror"]["content_filter_result"]["jailbreak"]["filtered"],
            true
        );
    }
}

#[tokio::test]
async fn a_day_long_429_is_capped_and_says_try_elsewhere() {
    let upstream = Upstream::start(|_| {
        Reply::status_json(
            429,
            r#"{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 86400 seconds."}}"#,
        )
        .header("retry-after", "86400")
        .header("x-ratelimit-remaining-tokens", "0")
    })
    .await;
    let gw = gateway(&upstream, "max_retry_after = 30").await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model":"m","messages":[{"role":"user","content":"x"}]}))
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers["retry-after"], "30");
    assert_eq!(reply.headers["x-ratelimit-remaining-tokens"], "0");
    let error = assert_openai_error(&reply.body);
    assert_eq!(error["code"], "rate_limit_exceeded");
    assert!(error["message"].as_str().unwrap().contains("try elsewhere"));
}

#[tokio::test]
async fn auth_and_deployment_errors_get_openai_codes() {
    let upstream = Upstream::start(|seen| {
        if seen.path.contains("/deployments/missing/") {
            Reply::status_json(404, r#"{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}"#)
        } else {
            Reply::status_json(401, format!(r#"{{"error":{{"code":"401","message":"Access denied due to invalid subscription key {KEY}."}}}}"#))
        }
    })
    .await;
    let gw = gateway(&upstream, "surface = \"deployments\"").await;
    let client = Client::new(gw.url());
    let reply = client
        .chat(&json!({"model":"missing","messages":[{"role":"user","content":"x"}]}))
        .await;
    assert_eq!(reply.status, 404);
    let error = assert_openai_error(&reply.body);
    assert_eq!(
        (error["code"].as_str(), error["param"].as_str()),
        (Some("model_not_found"), Some("model"))
    );
    let reply = client
        .chat(&json!({"model":"other","messages":[{"role":"user","content":"x"}]}))
        .await;
    assert_eq!(reply.status, 401);
    let error = assert_openai_error(&reply.body);
    assert_eq!(error["code"], "invalid_api_key");
    assert!(
        !reply.text().contains(KEY),
        "the key is scrubbed: {}",
        reply.text()
    );
}

#[tokio::test]
async fn an_entra_token_goes_as_bearer() {
    let upstream = Upstream::start(|_| recorded_answer()).await;
    let gw = TestGateway::start(&format!(
        "[providers.az]\nkind = \"azure_openai\"\nendpoint = \"http://{}/openai/v1\"\nbearer_token = \"eyJ0eXAiOiJKV1QiLCJhbGciOi\"\n[[models]]\nname = \"*\"\nprovider = \"az\"\n",
        upstream.addr
    ))
    .await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model":"gpt-5-nano","messages":[{"role":"user","content":"Hello!"}]}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let seen = upstream.only_request();
    assert_eq!(seen.path, "/openai/v1/chat/completions");
    assert_eq!(
        seen.headers["authorization"],
        "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi"
    );
    assert!(seen.headers.get("api-key").is_none());
}

#[tokio::test]
async fn translated_responses_with_a_tool_call_ride_on_the_chat_stream() {
    let upstream = Upstream::start(|_| Reply::sse(&tool_call_stream())).await;
    let gw = gateway(
        &upstream,
        "surface = \"deployments\"\nresponses = \"translate\"",
    )
    .await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model":"alias","input":"Weather in San Francisco?","stream":true,
                "tools":[{"type":"function","name":"weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}},"strict":false}]})
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
    let done = events.last().unwrap();
    let call = done["response"]["output"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "function_call")
        .unwrap();
    assert_eq!(call["name"], "weather");
    assert_eq!(call["arguments"], "{\"location\":\"San Francisco\"}");
    let seen = upstream.only_request();
    assert_eq!(
        seen.path,
        "/openai/deployments/gpt-5-nano/chat/completions?api-version=2024-10-21"
    );
    assert_eq!(seen.json()["stream_options"]["include_usage"], true);
    assert_eq!(seen.json()["tools"][0]["function"]["name"], "weather");
}

#[tokio::test]
async fn native_responses_with_a_tool_call_are_forwarded() {
    let mut sse = String::new();
    for line in fixture("azure-tool-call.1.chunks.txt")
        .lines()
        .filter(|l| !l.is_empty())
    {
        let event: Value = serde_json::from_str(line).unwrap();
        sse.push_str(&format!(
            "event: {}\ndata: {line}\n\n",
            event["type"].as_str().unwrap()
        ));
    }
    let body = sse.clone();
    let upstream = Upstream::start(move |_| Reply::sse(&body)).await;
    let gw = gateway(&upstream, "deployment = \"gpt-5-1-prod\"").await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            r#"{"model":"gpt-5.1","input":"Weather in San Francisco?","stream":true,"tools":[{"type":"function","name":"weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"],"additionalProperties":false},"strict":true}]}"#,
        )
        .await
        .text();
    assert_eq!(text, sse);
    let events = events(&text);
    assert_eq!(types(&events).last(), Some(&"response.completed"));
    let call = &events.last().unwrap()["response"]["output"][0];
    assert_eq!(
        (call["type"].as_str(), call["name"].as_str()),
        (Some("function_call"), Some("weather"))
    );
    let seen = upstream.only_request();
    assert_eq!(seen.path, "/openai/v1/responses");
    assert_azure_auth(&seen);
    assert_eq!(seen.json()["model"], "gpt-5-1-prod");
}

#[tokio::test]
async fn translated_completions_skip_the_prompt_filter_chunk() {
    let sse = as_sse(&fixture("azure-model-router.1.chunks.txt"));
    let upstream = Upstream::start(move |_| Reply::sse(&sse)).await;
    let gw = gateway(&upstream, "").await;
    let text = Client::new(gw.url())
        .post(
            "/v1/completions",
            r#"{"model":"m","prompt":"Capital of Denmark?","stream":true}"#,
        )
        .await
        .text();
    let chunks = chunks(&text);
    assert!(
        chunks.iter().all(|c| c["object"] == "text_completion"),
        "{text}"
    );
    let joined: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["text"].as_str())
        .collect();
    assert_eq!(joined, "Capital of Denmark.");
    assert!(text.ends_with("data: [DONE]\n\n"));
    assert_eq!(upstream.only_request().path, "/openai/v1/chat/completions");
}
