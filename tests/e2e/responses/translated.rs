//! Translated requests and streams: event order, outcomes, Codex-shaped input, heartbeats.

use serde_json::{Value, json};
use tests::{Client, Reply, TestGateway, Upstream, assert_openai_error, schema};

use super::*;

#[tokio::test]
async fn a_plain_request_against_the_mock() {
    let gw = TestGateway::mock().await;
    let reply = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model":"mock","input":"Hello there"}).to_string(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let r = reply.json();
    schema::validate("Response", &r);
    assert!(r["id"].as_str().unwrap().starts_with("resp_"));
    assert_eq!(
        (r["object"].as_str(), r["status"].as_str()),
        (Some("response"), Some("completed"))
    );
    assert_eq!(
        r["output"][0]["content"][0]["text"],
        "You said: Hello there"
    );
    assert_eq!(r["usage"]["input_tokens"], 3);
    assert_eq!(r["usage"]["output_tokens_details"]["reasoning_tokens"], 0);
    for key in [
        "instructions",
        "tools",
        "tool_choice",
        "temperature",
        "top_p",
        "metadata",
        "error",
        "incomplete_details",
        "parallel_tool_calls",
    ] {
        assert!(r.get(key).is_some(), "missing {key}");
    }
}

#[tokio::test]
async fn a_translated_stream_has_the_full_event_sequence() {
    let gw = TestGateway::mock().await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model":"mock-reasoning","input":"hi","stream":true,"reasoning":{"summary":"auto"}}).to_string(),
        )
        .await
        .text();
    let events = events(&text);
    assert_well_formed(&events);
    let t = types(&events);
    assert_eq!(t[1], "response.in_progress");
    assert_eq!(*t.last().unwrap(), "response.completed");
    let first_text = t
        .iter()
        .position(|t| *t == "response.output_text.delta")
        .unwrap();
    let last_summary = t
        .iter()
        .rposition(|t| *t == "response.reasoning_summary_text.delta")
        .unwrap();
    assert!(last_summary < first_text);
    // The ids in the final response are the ids the stream announced.
    let done_ids: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "response.output_item.done")
        .map(|e| &e["item"]["id"])
        .collect();
    let final_ids: Vec<&Value> = events.last().unwrap()["response"]["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(done_ids, final_ids);
    assert!(!text.contains("[DONE]"));
}

#[tokio::test]
async fn a_long_silence_is_bridged_by_heartbeats() {
    let frames = concat!(
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"a\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    let upstream =
        Upstream::start(move |_| Reply::sse(frames).delay(std::time::Duration::from_millis(400)))
            .await;
    let gw = TestGateway::openai(&upstream.base_url(), "[responses]\nheartbeat = 0.1\n").await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model":"m","input":"x","stream":true}).to_string(),
        )
        .await
        .text();
    schema::validate_sse_responses(&text);
    let events = events(&text);
    assert_well_formed(&events);
    let beats = events
        .iter()
        .skip(2)
        .filter(|e| e["type"] == "response.in_progress")
        .count();
    assert!(beats >= 2, "{beats} heartbeats in {text}");
    assert_eq!(
        events.last().unwrap()["response"]["output"][0]["content"][0]["text"],
        "ab"
    );
}

#[tokio::test]
async fn length_is_incomplete_and_an_upstream_failure_is_failed() {
    let gw = TestGateway::mock().await;
    let client = Client::new(gw.url());
    let r = client
        .post(
            "/v1/responses",
            json!({"model":"mock-tokens50","input":"x","max_output_tokens":3}).to_string(),
        )
        .await
        .json();
    schema::validate("Response", &r);
    assert_eq!(r["status"], "incomplete");
    assert_eq!(r["incomplete_details"]["reason"], "max_output_tokens");

    let cut = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"partial\"},\"finish_reason\":null}]}\n\n";
    let upstream = Upstream::start(move |_| Reply::sse(cut)).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model":"m","input":"x","stream":true}).to_string(),
        )
        .await
        .text();
    schema::validate_sse_responses(&text);
    let events = events(&text);
    assert_well_formed(&events);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "response.failed");
    assert_eq!(last["response"]["status"], "failed");
    assert!(
        last["response"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("before it finished")
    );
}

#[tokio::test]
async fn an_upstream_error_before_the_stream_is_an_http_error() {
    let upstream = Upstream::start(|_| {
        Reply::status_json(400, r#"{"error":{"message":"context too long","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#)
    })
    .await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let reply = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model":"m","input":"x","stream":true}).to_string(),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        assert_openai_error(&reply.body)["code"],
        "context_length_exceeded"
    );
}

#[tokio::test]
async fn codex_style_requests_are_accepted() {
    let upstream = Upstream::start(weather_upstream).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let body = json!({
        "model": "m", "stream": true, "store": false, "parallel_tool_calls": true, "tool_choice": "auto",
        "reasoning": {"summary": "auto"}, "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "5b0c1d9e-0000-4000-8000-000000000000",
        "client_metadata": {"originator": "codex_exec"},
        "input": [
            {"type":"message","id":"msg_a","role":"developer","content":[{"type":"input_text","text":"You are Codex."}]},
            {"type":"message","id":"msg_b","role":"developer","content":[{"type":"input_text","text":"Skills: none."}]},
            {"type":"message","id":"msg_c","role":"user","content":[{"type":"input_text","text":"<environment_context/>"}]},
            {"type":"message","id":"msg_d","role":"user","content":[{"type":"input_text","text":"Weather in Paris?"}]}
        ],
        "tools": [
            serde_json::from_str::<Value>(WEATHER_TOOL).unwrap(),
            {"type":"web_search","external_web_access":false},
            {"type":"namespace","name":"multi_agent_v1","description":"agents","tools":[
                {"type":"function","name":"spawn_agent","parameters":{"type":"object","properties":{}},"strict":false}]}
        ]
    });
    let text = Client::new(gw.url())
        .post("/v1/responses", body.to_string())
        .await
        .text();
    let events = events(&text);
    assert_well_formed(&events);
    assert_eq!(events.last().unwrap()["type"], "response.completed");
    let sent = upstream.only_request().json();
    let messages = sent["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(messages.iter().filter(|m| m["role"] == "system").count(), 1);
    let names: Vec<&str> = sent["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["get_weather", "multi_agent_v1__spawn_agent"]);
    assert!(sent.get("client_metadata").is_none());
    assert!(sent.get("store").is_none());
}

#[tokio::test]
async fn the_output_limit_goes_up_under_the_name_the_server_knows() {
    let upstream = Upstream::start(weather_upstream).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let reply = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model":"m","input":"x","max_output_tokens":64}).to_string(),
        )
        .await;
    assert_eq!(reply.status, 200);
    let sent = upstream.only_request().json();
    assert_eq!(sent["max_tokens"], 64, "{sent}");
    assert!(sent.get("max_completion_tokens").is_none(), "{sent}");
}

#[tokio::test]
async fn a_request_that_is_not_utf8_is_a_400_and_goes_nowhere() {
    let upstream = Upstream::start(weather_upstream).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    // Valid JSON but for one byte that is not UTF-8 inside a string.
    let body = b"{\"model\":\"m\",\"input\":\"caf\xe9\"}".to_vec();
    let reply = Client::new(gw.url()).post("/v1/responses", body).await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    let error = assert_openai_error(&reply.body);
    assert_eq!(error["code"], "invalid_json");
    assert!(
        error["message"].as_str().unwrap().contains("not UTF-8"),
        "{error:?}"
    );
    assert!(upstream.seen().is_empty());
}

#[tokio::test]
async fn an_answer_that_is_not_utf8_is_a_502() {
    let upstream = Upstream::start(|_| Reply::Body {
        status: 200,
        headers: Vec::new(),
        content_type: "application/json",
        body: bytes::Bytes::from_static(
            b"{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"caf\xe9\"},\"finish_reason\":\"stop\"}]}",
        ),
    })
    .await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let reply = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model":"m","input":"x"}).to_string(),
        )
        .await;
    assert_eq!(reply.status, 502, "{}", reply.text());
    let error = assert_openai_error(&reply.body);
    assert!(
        error["message"].as_str().unwrap().contains("not UTF-8"),
        "{error:?}"
    );
}
