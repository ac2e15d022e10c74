//! `GET /v1/models` and `GET /v1/models/{id}`.

use tests::schema::validate;
use tests::{Client, Reply, TestGateway, Upstream, assert_openai_error};

#[tokio::test]
async fn lists_configured_names_then_what_prefix_routes_offer() {
    let upstream = Upstream::start(|seen| {
        assert_eq!(seen.path, "/v1/models");
        Reply::json(r#"{"object":"list","data":[{"id":"Qwen/Qwen3-8B","object":"model","created":1,"owned_by":"vllm","max_model_len":32768}]}"#)
    })
    .await;
    let gw = TestGateway::start(&format!(
        r#"
        [providers.local]
        kind = "openai"
        base_url = "{}"
        [providers.m]
        kind = "mock"
        models = ["mock", "mock-tools"]
        [[models]]
        name = "fast"
        provider = "m"
        [[models]]
        name = "vllm/*"
        provider = "local"
        [[models]]
        name = "m/*"
        provider = "m"
        "#,
        upstream.base_url()
    ))
    .await;
    let v = Client::new(gw.url()).get("/v1/models").await.json();
    validate("ListModelsResponse", &v);
    assert_eq!(v["object"], "list");
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["fast", "vllm/Qwen/Qwen3-8B", "m/mock", "m/mock-tools"]
    );
    assert_eq!(v["data"][1]["owned_by"], "local");
    assert_eq!(v["data"][1]["max_model_len"], 32768);
}

#[tokio::test]
async fn a_provider_that_cannot_list_is_skipped() {
    let upstream = Upstream::start(|_| Reply::status_json(500, "{}")).await;
    let gw = TestGateway::start(&format!(
        "[providers.down]\nkind = \"openai\"\nbase_url = \"{}\"\n[providers.m]\nkind = \"mock\"\n[[models]]\nname = \"x/*\"\nprovider = \"down\"\n[[models]]\nname = \"ok\"\nprovider = \"m\"\n",
        upstream.base_url()
    ))
    .await;
    let reply = Client::new(gw.url()).get("/v1/models").await;
    assert_eq!(reply.status, 200);
    validate("ListModelsResponse", &reply.json());
    assert_eq!(reply.json()["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn one_model_by_id() {
    let gw = TestGateway::start(
        "[providers.m]\nkind = \"mock\"\n[[models]]\nname = \"fast\"\nprovider = \"m\"\n[[models]]\nname = \"m/*\"\nprovider = \"m\"\n",
    )
    .await;
    let client = Client::new(gw.url());
    let v = client.get("/v1/models/fast").await.json();
    validate("Model", &v);
    assert_eq!(
        (
            v["id"].as_str(),
            v["object"].as_str(),
            v["owned_by"].as_str()
        ),
        (Some("fast"), Some("model"), Some("m"))
    );
    for path in ["/v1/models/m%2Fanything", "/v1/models/m/anything"] {
        let v = client.get(path).await.json();
        validate("Model", &v);
        assert_eq!(v["id"], "m/anything");
    }
    let reply = client.get("/v1/models/nope").await;
    assert_eq!(reply.status, 404);
    assert_eq!(assert_openai_error(&reply.body)["code"], "model_not_found");
}
