//! State: previous_response_id chains, stateless replay with sealed reasoning, the store's endpoints.

use serde_json::{Value, json};
use tests::{Client, TestGateway, Upstream, assert_openai_error, schema};

use super::*;

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
    assert_ne!(
        sent["stream"], true,
        "a client that does not stream gets one upstream answer"
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
async fn stored_responses_survive_a_restart_of_the_gateway() {
    let upstream = Upstream::start(weather_upstream).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state").join("switchboard.db");
    let toml = format!(
        "[state]\npath = \"{}\"\n[providers.up]\nkind = \"openai\"\nbase_url = \"{}\"\nresponses = \"translate\"\n[[models]]\nname = \"*\"\nprovider = \"up\"\n",
        db.display(),
        upstream.base_url()
    );
    let tool: Value = serde_json::from_str(WEATHER_TOOL).unwrap();
    let mut gw = TestGateway::start(&toml).await;
    let first = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model":"m","input":"Weather in Paris?","tools":[tool]}).to_string(),
        )
        .await
        .json();
    let id = first["id"].as_str().unwrap().to_owned();
    gw.shutdown().await.unwrap();
    drop(gw);
    assert!(db.exists(), "the database file was created with its folder");

    // A new gateway process on the same file knows the response and continues from it.
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    let stored = client.get(&format!("/v1/responses/{id}")).await;
    assert_eq!(stored.status, 200, "{}", stored.text());
    assert_eq!(stored.json(), first, "served as it was sent");
    let second = client
        .post(
            "/v1/responses",
            json!({"model":"m","previous_response_id": id, "tools":[tool],
                "input":[{"type":"function_call_output","call_id":"call_w1","output":"sunny, 24C"}]})
            .to_string(),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text());
    let roles: Vec<String> = upstream.seen()[1].json()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(roles, ["user", "assistant", "tool"]);
    let deleted = client
        .send(http::Method::DELETE, &format!("/v1/responses/{id}"), "")
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(client.get(&format!("/v1/responses/{id}")).await.status, 404);
}

#[tokio::test]
async fn a_state_database_that_cannot_be_opened_stops_the_start_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the database's folder should be.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let toml = format!(
        "[state]\npath = \"{}\"\n[providers.mock]\nkind = \"mock\"\n[[models]]\nname = \"*\"\nprovider = \"mock\"\n",
        blocker.join("switchboard.db").display()
    );
    let config = switchboard_gateway::config::parse_toml(&toml).unwrap();
    let gateway = switchboard_gateway::Gateway::build(
        &config,
        &switchboard_core::Registry::linked().unwrap(),
    )
    .unwrap();
    let err = switchboard_gateway::Server::bind_addr(gateway, "127.0.0.1:0".parse().unwrap())
        .await
        .err()
        .expect("the start must fail");
    let message = err.to_string();
    assert!(
        message.contains("response store") && message.contains("not-a-folder"),
        "{message}"
    );
}
