//! The Responses API end to end: translated over chat upstreams (the mock, and an
//! OpenAI-compatible chat server), stored and replayed, and forwarded natively.

use serde_json::{Value, json};
use tests::{Client, Reply, Seen, TestGateway, Upstream, assert_openai_error, schema};

/// The `data:` objects of a Responses stream, checking each `event:` line matches `type`.
fn events(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for frame in text.split("\n\n").filter(|f| !f.trim().is_empty()) {
        let mut name = None;
        let mut data = None;
        for line in frame.lines() {
            if let Some(v) = line.strip_prefix("event: ") {
                name = Some(v);
            } else if let Some(v) = line.strip_prefix("data: ") {
                data = Some(serde_json::from_str::<Value>(v).unwrap());
            }
        }
        let data = data.unwrap_or_else(|| panic!("frame without data: {frame}"));
        assert_eq!(
            name,
            data["type"].as_str(),
            "event line and type differ: {frame}"
        );
        out.push(data);
    }
    out
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// Sequence numbers count from 0 by one; `output_index` never goes back.
fn assert_well_formed(events: &[Value]) {
    for event in events {
        schema::validate("ResponseStreamEvent", event);
    }
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["sequence_number"], i as u64, "{e}");
    }
    assert_eq!(events[0]["type"], "response.created");
    let added: Vec<u64> = events
        .iter()
        .filter(|e| e["type"] == "response.output_item.added")
        .map(|e| e["output_index"].as_u64().unwrap())
        .collect();
    assert_eq!(added, (0..added.len() as u64).collect::<Vec<_>>());
}

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

/// A chat-only upstream that calls `get_weather` until it sees the tool's result.
fn weather_upstream(seen: &Seen) -> Reply {
    let body = seen.json();
    let answered = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["role"] == "tool");
    if answered {
        Reply::sse(concat!(
            "data: {\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"It is sunny.\"},\"finish_reason\":null}]}\n\n",
            "data: {\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":4,\"total_tokens\":34}}\n\n",
            "data: [DONE]\n\n"
        ))
    } else {
        Reply::sse(concat!(
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning_content\":\"Need the weather.\"},\"finish_reason\":null}]}\n\n",
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_w1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\"}}]},\"finish_reason\":null}]}\n\n",
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},\"finish_reason\":null}]}\n\n",
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
            "data: [DONE]\n\n"
        ))
    }
}

const WEATHER_TOOL: &str = r#"{"type":"function","name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":false}"#;

#[tokio::test]
async fn a_tool_loop_through_previous_response_id() {
    let upstream = Upstream::start(weather_upstream).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let client = Client::new(gw.url());
    let tool: Value = serde_json::from_str(WEATHER_TOOL).unwrap();

    let first = client
        .post(
            "/v1/responses",
            json!({"model":"m","instructions":"Be brief.","input":"Weather in Paris?","tools":[tool]}).to_string(),
        )
        .await
        .json();
    let call = first["output"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "function_call")
        .unwrap();
    assert_eq!(
        (call["call_id"].as_str(), call["name"].as_str()),
        (Some("call_w1"), Some("get_weather"))
    );
    assert_eq!(call["arguments"], "{\"city\":\"Paris\"}");
    assert!(call["id"].as_str().unwrap().starts_with("fc_"));

    let second = client
        .post(
            "/v1/responses",
            json!({"model":"m","previous_response_id": first["id"], "tools":[tool],
                "input":[{"type":"function_call_output","call_id":"call_w1","output":"sunny, 24C"}]})
            .to_string(),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text());
    assert_eq!(
        second.json()["output"][0]["content"][0]["text"],
        "It is sunny."
    );

    // The upstream's second request replays the first turn, in chat's shape.
    let sent = upstream.seen()[1].json();
    let messages = sent["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "tool"], "{sent}");
    assert_eq!(messages[1]["tool_calls"][0]["id"], "call_w1");
    assert_eq!(messages[1]["reasoning_content"], "Need the weather.");
    assert_eq!(messages[2]["tool_call_id"], "call_w1");
    // Instructions are not inherited through previous_response_id.
    assert!(messages.iter().all(|m| m["role"] != "system"));
    assert_eq!(sent["tools"][0]["function"]["name"], "get_weather");
    assert_eq!(
        sent["stream"], true,
        "the gateway streams from the upstream"
    );
}

#[tokio::test]
async fn stateless_replay_works_and_stores_nothing() {
    let upstream = Upstream::start(weather_upstream).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let client = Client::new(gw.url());
    let tool: Value = serde_json::from_str(WEATHER_TOOL).unwrap();
    let first = client
        .post(
            "/v1/responses",
            json!({"model":"m","store":false,"input":[{"role":"user","content":"Weather in Paris?"}],"tools":[tool]}).to_string(),
        )
        .await
        .json();
    assert_eq!(first["store"], false);
    let mut input = vec![json!({"role":"user","content":"Weather in Paris?"})];
    input.extend(first["output"].as_array().unwrap().iter().cloned());
    input.push(json!({"type":"function_call_output","call_id":"call_w1","output":"sunny"}));
    let second = client
        .post(
            "/v1/responses",
            json!({"model":"m","store":false,"input":input,"tools":[tool]}).to_string(),
        )
        .await;
    assert_eq!(
        second.json()["output"][0]["content"][0]["text"],
        "It is sunny."
    );

    let id = first["id"].as_str().unwrap();
    let missing = client.get(&format!("/v1/responses/{id}")).await;
    assert_eq!(missing.status, 404);
    assert_openai_error(&missing.body);
    let chained = client
        .post(
            "/v1/responses",
            json!({"model":"m","previous_response_id":id,"input":"again"}).to_string(),
        )
        .await;
    assert_eq!(chained.status, 400);
    assert_eq!(
        assert_openai_error(&chained.body)["param"],
        "previous_response_id"
    );
}

#[tokio::test]
async fn reasoning_round_trips_through_a_sealed_token_without_a_store() {
    let upstream = Upstream::start(weather_upstream).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let client = Client::new(gw.url());
    let tool: Value = serde_json::from_str(WEATHER_TOOL).unwrap();
    let first = client
        .post(
            "/v1/responses",
            json!({"model":"m","store":false,"include":["reasoning.encrypted_content"],
                "input":"Weather in Paris?","tools":[tool]})
            .to_string(),
        )
        .await
        .json();
    schema::validate("Response", &first);
    let reasoning = &first["output"][0];
    assert_eq!(reasoning["type"], "reasoning");
    let token = reasoning["encrypted_content"].as_str().unwrap();
    assert!(
        token.starts_with("swb1.") && !token.contains("weather"),
        "{token}"
    );

    // Codex replays reasoning with `content: null` and only the token.
    let mut replayed = reasoning.clone();
    replayed["content"] = Value::Null;
    replayed["summary"] = json!([]);
    let input = json!([
        {"role":"user","content":"Weather in Paris?"},
        replayed,
        first["output"][1],
        {"type":"function_call_output","call_id":"call_w1","output":"sunny"},
    ]);
    let second = client
        .post(
            "/v1/responses",
            json!({"model":"m","store":false,"input":input,"tools":[tool]}).to_string(),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text());
    let sent = upstream.seen()[1].json();
    assert_eq!(
        sent["messages"][1]["reasoning_content"], "Need the weather.",
        "{sent}"
    );
    assert!(
        !sent.to_string().contains("swb1."),
        "the token itself never goes upstream"
    );

    // A token from elsewhere is ignored, not forwarded.
    let mut foreign = reasoning.clone();
    foreign["content"] = Value::Null;
    foreign["encrypted_content"] = json!("gAAAAABo-from-someone-else");
    let input = json!([{"role":"user","content":"hi"}, foreign, {"role":"user","content":"again"}]);
    let third = client
        .post(
            "/v1/responses",
            json!({"model":"m","store":false,"input":input}).to_string(),
        )
        .await;
    assert_eq!(third.status, 200);
    assert!(!upstream.seen()[2].json().to_string().contains("gAAAAABo"));
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
async fn stored_responses_can_be_read_listed_and_deleted() {
    let gw = TestGateway::mock().await;
    let client = Client::new(gw.url());
    let r = client
        .post(
            "/v1/responses",
            json!({"model":"mock","input":[{"role":"user","content":"one"},{"role":"user","content":"two"}]}).to_string(),
        )
        .await
        .json();
    let id = r["id"].as_str().unwrap();
    assert_eq!(client.get(&format!("/v1/responses/{id}")).await.json(), r);

    let list = client
        .get(&format!("/v1/responses/{id}/input_items"))
        .await
        .json();
    assert_eq!(list["object"], "list");
    let texts: Vec<&Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["content"])
        .collect();
    assert_eq!(
        texts,
        [&json!("two"), &json!("one")],
        "newest first by default"
    );
    assert!(list["data"][0]["id"].as_str().unwrap().starts_with("msg_"));
    let asc = client
        .get(&format!("/v1/responses/{id}/input_items?order=asc&limit=1"))
        .await
        .json();
    assert_eq!(asc["data"][0]["content"], "one");
    assert_eq!(asc["has_more"], true);

    // An item of a stored response can be referenced by id.
    let item_id = list["data"][1]["id"].as_str().unwrap();
    let referenced = client
        .post(
            "/v1/responses",
            json!({"model":"mock","input":[{"type":"item_reference","id":item_id}]}).to_string(),
        )
        .await
        .json();
    assert_eq!(
        referenced["output"][0]["content"][0]["text"],
        "You said: one"
    );
    let unknown = client
        .post(
            "/v1/responses",
            json!({"model":"mock","input":[{"type":"item_reference","id":"msg_nope"}]}).to_string(),
        )
        .await;
    assert_eq!(unknown.status, 400);

    let deleted = client
        .send(http::Method::DELETE, &format!("/v1/responses/{id}"), "")
        .await;
    assert_eq!(
        deleted.json(),
        json!({"id": id, "object": "response", "deleted": true})
    );
    assert_eq!(client.get(&format!("/v1/responses/{id}")).await.status, 404);
    assert_eq!(
        client
            .send(http::Method::DELETE, &format!("/v1/responses/{id}"), "")
            .await
            .status,
        404
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
async fn native_responses_are_forwarded_untouched() {
    const BODY: &str = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_up\"}}\n\nevent: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":1,\"response\":{\"id\":\"resp_up\",\"usage\":{\"input_tokens\":5,\"output_tokens\":2,\"total_tokens\":7}}}\n\n";
    let upstream = Upstream::start(|_| Reply::sse(BODY)).await;
    let gw = TestGateway::start(&format!(
        "[providers.up]\nkind = \"openai\"\nbase_url = \"{}\"\nresponses = \"native\"\n[[models]]\nname = \"alias\"\nprovider = \"up\"\nmodel = \"gpt-5\"\n",
        upstream.base_url()
    ))
    .await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            r#"{"model":"alias","input":"hi","stream":true,"store":false,"x_new":1}"#,
        )
        .await
        .text();
    assert_eq!(text, BODY);
    let seen = upstream.only_request();
    assert_eq!(seen.path, "/v1/responses");
    assert_eq!(
        std::str::from_utf8(&seen.body).unwrap(),
        r#"{"model":"gpt-5","input":"hi","stream":true,"store":false,"x_new":1}"#
    );
}

#[tokio::test]
async fn a_native_stream_cut_short_ends_with_an_error_event() {
    let upstream = Upstream::start(|_| {
        Reply::sse("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{}}\n\n")
    })
    .await;
    let gw = TestGateway::start(&format!(
        "[providers.up]\nkind = \"openai\"\nbase_url = \"{}\"\nresponses = \"native\"\n[[models]]\nname = \"*\"\nprovider = \"up\"\n",
        upstream.base_url()
    ))
    .await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            r#"{"model":"m","input":"hi","stream":true}"#,
        )
        .await
        .text();
    let events = events(&text);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["sequence_number"], 1);
}
