//! Per-model policy: the system prompt, default and forced parameters, denied ones.

use serde_json::json;
use tests::{Client, TestGateway};

use super::{healthy, provider};

#[tokio::test]
async fn the_policy_shapes_what_the_upstream_receives() {
    let up = healthy().await;
    let toml = format!(
        "{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\n[models.policy]\nsystem_prompt = \"Answer in French.\"\ndefaults = {{ temperature = 0.2 }}\nforce = {{ max_completion_tokens = 64 }}\ndenied_params = [\"logit_bias\"]\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    let body = json!({"model": "m", "max_completion_tokens": 4000,
        "messages": [{"role": "user", "content": "Hi"}]});
    let reply = client.post("/v1/chat/completions", body.to_string()).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let seen = up.only_request().json();
    assert_eq!(
        seen["messages"][0],
        json!({"role": "system", "content": "Answer in French."})
    );
    assert_eq!(seen["messages"][1]["role"], "user");
    assert_eq!(seen["temperature"], 0.2);
    assert_eq!(seen["max_completion_tokens"], 64);

    let denied = json!({"model": "m", "logit_bias": {"1": 5},
        "messages": [{"role": "user", "content": "Hi"}]});
    let reply = client
        .post("/v1/chat/completions", denied.to_string())
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        tests::assert_openai_error(&reply.body)["param"],
        "logit_bias"
    );
    assert_eq!(up.seen().len(), 1);
}

#[tokio::test]
async fn a_models_body_cap_is_a_413() {
    let up = healthy().await;
    let toml = format!(
        "{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\npolicy = {{ max_body_bytes = 64 }}\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let long = "x".repeat(100);
    let body = json!({"model": "m", "messages": [{"role": "user", "content": long}]});
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", body.to_string())
        .await;
    assert_eq!(reply.status, 413);
    assert!(up.seen().is_empty());
}
