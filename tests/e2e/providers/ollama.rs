//! Kind `ollama` end to end: the gateway against a local server speaking Ollama's native
//! wire format (`/api/chat` NDJSON, `/api/tags`), replaying the documented and observed
//! bodies of `adapters/switchboard-ollama/fixtures/` (see its `NOTICE.md`).

use serde_json::{Value, json};
use tests::{Client, Reply, Seen, TestGateway, Upstream, assert_openai_error, schema};

use crate::responses::{assert_well_formed, events};

const TEXT: &str =
    include_str!("../../../adapters/switchboard-ollama/fixtures/chat-stream-text.docs.ndjson");
const TEXT_JSON: &str =
    include_str!("../../../adapters/switchboard-ollama/fixtures/chat-nonstream-text.docs.json");
const TOOLS: &str =
    include_str!("../../../adapters/switchboard-ollama/fixtures/chat-stream-tool-call.docs.ndjson");
const THINKING: &str = include_str!(
    "../../../adapters/switchboard-ollama/fixtures/chat-stream-thinking.observed.ndjson"
);
const THINKING_LENGTH: &str = include_str!(
    "../../../adapters/switchboard-ollama/fixtures/chat-nonstream-thinking-length.observed.json"
);
const TOOL_CALL: &str = include_str!(
    "../../../adapters/switchboard-ollama/fixtures/chat-nonstream-tool-call.docs.json"
);
const NOT_FOUND: &str = include_str!(
    "../../../adapters/switchboard-ollama/fixtures/error-model-not-found-404.observed.json"
);
const ERROR_BODY: &str =
    include_str!("../../../adapters/switchboard-ollama/fixtures/error-body.docs.json");
const MIDSTREAM_ERROR: &str = include_str!(
    "../../../adapters/switchboard-ollama/fixtures/generate-stream-midstream-error.docs.ndjson"
);
const TAGS: &str = include_str!("../../../adapters/switchboard-ollama/fixtures/tags.observed.json");

const SECRET: &str = "ollama-proxy-key-123";

/// NDJSON as Ollama sends it, each line cut in two writes (a reassembly case).
fn ndjson(text: &str) -> Reply {
    let mut pieces = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let cut = line.len() / 3;
        pieces.push(line[..cut].to_owned());
        pieces.push(format!("{}\n", &line[cut..]));
    }
    Reply::chunks("application/x-ndjson", pieces)
}

/// A gateway with one `ollama` provider at the upstream, a catch-all route and a prefix route.
async fn gateway(upstream: &Upstream) -> TestGateway {
    TestGateway::start(&format!(
        "[providers.local]\nkind = \"ollama\"\nbase_url = \"http://{}\"\napi_key = \"{SECRET}\"\n\
         keep_alive = \"10m\"\n[providers.local.options]\nnum_ctx = 8192\n\n\
         [[models]]\nname = \"*\"\nprovider = \"local\"\n",
        upstream.addr
    ))
    .await
}

fn chat_only(seen: &Seen, reply: impl Fn(&Value) -> Reply) -> Reply {
    match seen.path.as_str() {
        "/api/chat" => reply(&seen.json()),
        "/api/tags" => Reply::json(TAGS),
        other => Reply::status_json(404, format!("{{\"error\":\"no route {other}\"}}")),
    }
}

/// The SSE `data:` payloads of a chat stream, `[DONE]` excluded.
fn data(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[tokio::test]
async fn chat_non_stream_with_thinking_and_the_request_ollama_sees() {
    let upstream = Upstream::start(|s| chat_only(s, |_| Reply::json(THINKING_LENGTH))).await;
    let gw = gateway(&upstream).await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model":"qwen3:32b","max_tokens":20,"temperature":0.6,"reasoning_effort":"high",
            "messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"What is 2+2?"}]}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let r = reply.json();
    schema::validate("CreateChatCompletionResponse", &r);
    assert!(r["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert_eq!(r["created"], 1_768_064_130);
    let message = &r["choices"][0]["message"];
    assert_eq!(
        message["reasoning_content"],
        "Okay, the user is asking \"What is 2+2?\" and wants the"
    );
    assert_eq!(r["choices"][0]["finish_reason"], "length");
    assert_eq!(
        r["usage"],
        json!({"prompt_tokens":22,"completion_tokens":20,"total_tokens":42})
    );

    let seen = upstream.only_request();
    assert_eq!(seen.path, "/api/chat");
    assert_eq!(seen.headers["authorization"], format!("Bearer {SECRET}"));
    assert_eq!(
        seen.json(),
        json!({"model":"qwen3:32b",
            "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is 2+2?"}],
            "options":{"num_ctx":8192,"num_predict":20,"temperature":0.6},
            "stream":false,"keep_alive":"10m","think":"high"})
    );
}

#[tokio::test]
async fn chat_stream_of_documented_lines() {
    let upstream = Upstream::start(|s| {
        chat_only(s, |body| {
            assert_eq!(body["stream"], true);
            ndjson(TEXT)
        })
    })
    .await;
    let gw = gateway(&upstream).await;
    let reply = Client::new(gw.url())
        .chat(
            &json!({"model":"llama3.2","stream":true,"stream_options":{"include_usage":true},
            "messages":[{"role":"user","content":"why is the sky blue?"}]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let text = reply.text();
    schema::validate_sse_chat(&text);
    assert!(text.trim_end().ends_with("data: [DONE]"));
    let chunks = data(&text);
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(chunks[0]["choices"][0]["delta"]["content"], "The");
    assert_eq!(chunks[1]["choices"][0]["finish_reason"], "stop");
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"]["total_tokens"], 308);
    assert_eq!(upstream.finished_streams(), 1);

    // Reasoning streams as `reasoning_content`; no usage chunk when not asked for.
    let upstream = Upstream::start(|s| chat_only(s, |_| ndjson(THINKING))).await;
    let gw = gateway(&upstream).await;
    let text = Client::new(gw.url())
        .chat(
            &json!({"model":"qwen3:32b","stream":true,"messages":[{"role":"user","content":"hi"}]}),
        )
        .await
        .text();
    schema::validate_sse_chat(&text);
    let chunks = data(&text);
    let reasoning: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["reasoning_content"].as_str())
        .collect();
    assert_eq!(reasoning, "Okay,");
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        "length"
    );
    assert!(
        chunks
            .iter()
            .all(|c| c.get("usage").is_none_or(Value::is_null))
    );
}

#[tokio::test]
async fn a_tool_call_streamed_and_whole() {
    let tool = json!({"type":"function","function":{"name":"get_weather","description":"Get the weather in a given city",
        "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}});
    let upstream = Upstream::start(|s| {
        chat_only(s, |body| {
            if body["stream"] == true {
                ndjson(TOOLS)
            } else {
                Reply::json(TOOL_CALL)
            }
        })
    })
    .await;
    let gw = gateway(&upstream).await;
    let client = Client::new(gw.url());
    let request = json!({"model":"llama3.2","messages":[{"role":"user","content":"Weather in Tokyo?"}],"tools":[tool]});

    let r = client.chat(&request).await.json();
    schema::validate("CreateChatCompletionResponse", &r);
    let call = &r["choices"][0]["message"]["tool_calls"][0];
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(call["function"]["arguments"], "{\"city\":\"Tokyo\"}");
    assert_eq!(r["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(r["choices"][0]["message"]["content"], Value::Null);

    let mut streaming = request.clone();
    streaming["stream"] = json!(true);
    let text = client.chat(&streaming).await.text();
    schema::validate_sse_chat(&text);
    let chunks = data(&text);
    let call = &chunks[0]["choices"][0]["delta"]["tool_calls"][0];
    assert_eq!(
        (call["index"].as_u64(), call["function"]["name"].as_str()),
        (Some(0), Some("get_weather"))
    );
    assert_eq!(call["function"]["arguments"], "{\"city\":\"Tokyo\"}");
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        "tool_calls"
    );

    // Ollama received the tools as it documents them.
    let sent = upstream.seen()[0].json();
    assert_eq!(sent["tools"][0], tool);
}

#[tokio::test]
async fn ollama_errors_become_openai_errors() {
    let upstream = Upstream::start(|s| {
        chat_only(s, |body| match body["model"].as_str().unwrap() {
            "nonexistent-model-12345" => Reply::status_json(404, NOT_FOUND),
            "broken" => Reply::status_json(500, ERROR_BODY),
            "first-line-error" => ndjson(MIDSTREAM_ERROR.lines().last().unwrap()),
            _ => {
                // The docs' mid-stream error line after a documented /api/chat line.
                let lines = format!(
                    "{}\n{}\n",
                    TEXT.lines().next().unwrap(),
                    MIDSTREAM_ERROR.lines().last().unwrap()
                );
                ndjson(&lines)
            }
        })
    })
    .await;
    let gw = gateway(&upstream).await;
    let client = Client::new(gw.url());
    let ask = |model: &str, stream: bool| json!({"model":model,"stream":stream,"messages":[{"role":"user","content":"hi"}]});

    let reply = client.chat(&ask("nonexistent-model-12345", false)).await;
    assert_eq!(reply.status, 404);
    let e = assert_openai_error(&reply.body);
    assert_eq!(e["code"], "model_not_found");
    assert_eq!(e["message"], "model 'nonexistent-model-12345' not found");

    let reply = client.chat(&ask("broken", true)).await;
    assert_eq!(reply.status, 502);
    let e = assert_openai_error(&reply.body);
    assert_eq!(e["message"], "the model failed to generate a response");

    // An error line before any chunk is still an HTTP error.
    let reply = client.chat(&ask("first-line-error", true)).await;
    assert_eq!(reply.status, 502, "{}", reply.text());
    let e = assert_openai_error(&reply.body);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("an error was encountered")
    );

    // After a chunk, it is the stream's last event, with no [DONE].
    let reply = client.chat(&ask("llama3.2", true)).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    schema::validate_sse_chat(&text);
    assert!(!text.contains("[DONE]"));
    let last = data(&text).pop().unwrap();
    assert!(
        last["error"]["message"]
            .as_str()
            .unwrap()
            .contains("an error was encountered")
    );

    // What Ollama cannot take never reaches it.
    let before = upstream.seen().len();
    let reply = client
        .chat(
            &json!({"model":"llava","messages":[{"role":"user","content":[
            {"type":"text","text":"what is in this image?"},
            {"type":"image_url","image_url":{"url":"https://example.com/pig.png"}}]}]}),
        )
        .await;
    assert_eq!(reply.status, 400);
    let e = assert_openai_error(&reply.body);
    assert_eq!(e["param"], "messages[0].content[1]");
    assert_eq!(upstream.seen().len(), before);
    assert!(!String::from_utf8_lossy(&reply.body).contains(SECRET));
}

#[tokio::test]
async fn inline_images_go_as_base64() {
    let upstream = Upstream::start(|s| chat_only(s, |_| Reply::json(THINKING_LENGTH))).await;
    let gw = gateway(&upstream).await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model":"llava","messages":[{"role":"user","content":[
            {"type":"text","text":"what is in this image?"},
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAG0AAABmCAYAAADBPx+VAAAACXBIWXMAAAsTAAALEwEAmpwYAAAAAXNSR0IArs4c6QAAAARnQU1BAACxjwv8YQUAAA3VSURBVHgB7Z27r0zdG8fX"}}]}]}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let sent = upstream.only_request().json();
    assert_eq!(
        sent["messages"][0],
        json!({"role":"user","content":"what is in this image?","images":[
            "iVBORw0KGgoAAAANSUhEUgAAAG0AAABmCAYAAADBPx+VAAAACXBIWXMAAAsTAAALEwEAmpwYAAAAAXNSR0IArs4c6QAAAARnQU1BAACxjwv8YQUAAA3VSURBVHgB7Z27r0zdG8fX"]})
    );
}

#[tokio::test]
async fn models_come_from_api_tags() {
    let upstream = Upstream::start(|s| chat_only(s, |_| Reply::json(THINKING_LENGTH))).await;
    let gw = gateway(&upstream).await;
    let r = Client::new(gw.url()).get("/v1/models").await.json();
    schema::validate("ListModelsResponse", &r);
    let ids: Vec<&str> = r["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"qwen3:32b") && ids.contains(&"devstral-vibe:latest"),
        "{ids:?}"
    );
}

#[tokio::test]
async fn the_responses_api_with_a_tool_call() {
    // Calls get_weather until the conversation carries the tool's result; answers a
    // request with `"stream": false` in one body, as Ollama does.
    let upstream = Upstream::start(|s| {
        chat_only(s, |body| {
            let answered = body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["role"] == "tool");
            match (answered, body["stream"] == false) {
                (true, true) => Reply::json(TEXT_JSON),
                (true, false) => ndjson(TEXT),
                (false, _) => ndjson(TOOLS),
            }
        })
    })
    .await;
    let gw = gateway(&upstream).await;
    let client = Client::new(gw.url());
    let tool = json!({"type":"function","name":"get_weather","description":"Weather for a city",
        "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":false});

    let text = client
        .post(
            "/v1/responses",
            json!({"model":"llama3.2","input":"Weather in Tokyo?","tools":[tool],"stream":true})
                .to_string(),
        )
        .await
        .text();
    schema::validate_sse_responses(&text);
    let events = events(&text);
    assert_well_formed(&events);
    let done = events.last().unwrap();
    assert_eq!(done["type"], "response.completed");
    let call = done["response"]["output"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "function_call")
        .unwrap()
        .clone();
    assert_eq!(call["name"], "get_weather");
    assert_eq!(call["arguments"], "{\"city\":\"Tokyo\"}");
    let call_id = call["call_id"].as_str().unwrap().to_owned();

    let second = client
        .post(
            "/v1/responses",
            json!({"model":"llama3.2","previous_response_id":done["response"]["id"],"tools":[tool],
                "input":[{"type":"function_call_output","call_id":call_id,"output":"11 degrees celsius"}]})
            .to_string(),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text());
    let r = second.json();
    schema::validate("Response", &r);
    assert_eq!(
        r["output"][0]["content"][0]["text"],
        "Hello! How are you today?"
    );
    assert_eq!(upstream.seen()[1].json()["stream"], false);

    // Ollama got the history in its own shape: object arguments, tool_name on the result.
    let sent = upstream.seen()[1].json();
    let messages = sent["messages"].as_array().unwrap();
    let assistant = messages.iter().find(|m| m["role"] == "assistant").unwrap();
    assert_eq!(
        assistant["tool_calls"][0]["function"],
        json!({"name":"get_weather","arguments":{"city":"Tokyo"}})
    );
    let result = messages.iter().find(|m| m["role"] == "tool").unwrap();
    assert_eq!(result["tool_name"], "get_weather");
    assert_eq!(result["tool_call_id"], call_id.as_str());
    assert_eq!(result["content"], "11 degrees celsius");
}
