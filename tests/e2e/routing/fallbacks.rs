//! Fallback models, aliases and the default model.

use tests::{Client, Reply, TestGateway, Upstream};

use super::{chat, failing, header, healthy, provider};

#[tokio::test]
async fn a_200_stream_that_fails_before_its_first_event_still_falls_back() {
    // The upstream commits to 200 and then closes without a single event.
    let empty = Upstream::start(|_| Reply::sse("")).await;
    let up = healthy().await;
    let toml = format!(
        "{}{}\n[[models]]\nname = \"m\"\nprovider = \"empty\"\nfallbacks = [\"backup\"]\n[[models]]\nname = \"backup\"\nprovider = \"up\"\nmodel = \"gpt-4o-mini\"\n",
        provider("empty", &empty.base_url()),
        provider("up", &up.base_url()),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("m", true))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(header(&reply, "x-switchboard-fallback"), "true");
    assert_eq!(header(&reply, "x-switchboard-model"), "backup");
    assert_eq!(up.only_request().json()["model"], "gpt-4o-mini");
}

#[tokio::test]
async fn a_context_window_error_falls_back_only_to_a_larger_window() {
    let small = Upstream::start(|_| {
        Reply::status_json(
            400,
            r#"{"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#,
        )
    })
    .await;
    let same = healthy().await;
    let big = healthy().await;
    let toml = format!(
        "{}{}{}\n[[models]]\nname = \"small\"\nprovider = \"small\"\ncontext_window = 8192\nfallbacks = [\"same\", \"big\"]\n[[models]]\nname = \"same\"\nprovider = \"same\"\ncontext_window = 8192\n[[models]]\nname = \"big\"\nprovider = \"big\"\ncontext_window = 128000\n",
        provider("small", &small.base_url()),
        provider("same", &same.base_url()),
        provider("big", &big.base_url()),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("small", false))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(header(&reply, "x-switchboard-model"), "big");
    assert!(same.seen().is_empty());
    assert_eq!(header(&reply, "x-switchboard-attempts"), "2");
}

#[tokio::test]
async fn a_content_filter_refusal_uses_only_the_content_policy_fallbacks() {
    let strict = failing(400, "content_filter").await;
    let ordinary = healthy().await;
    let lenient = healthy().await;
    let toml = format!(
        "{}{}{}\n[[models]]\nname = \"strict\"\nprovider = \"strict\"\nfallbacks = [\"ordinary\"]\ncontent_policy_fallbacks = [\"lenient\"]\n[[models]]\nname = \"ordinary\"\nprovider = \"ordinary\"\n[[models]]\nname = \"lenient\"\nprovider = \"lenient\"\n",
        provider("strict", &strict.base_url()),
        provider("ordinary", &ordinary.base_url()),
        provider("lenient", &lenient.base_url()),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("strict", false))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(header(&reply, "x-switchboard-model"), "lenient");
    assert!(ordinary.seen().is_empty());
}

#[tokio::test]
async fn global_fallbacks_follow_the_models_own() {
    let down = failing(503, "overloaded").await;
    let up = healthy().await;
    let toml = format!(
        "[routing]\nretries = 0\nfallbacks = [\"spare\"]\n{}{}\n[[models]]\nname = \"m\"\nprovider = \"down\"\n[[models]]\nname = \"spare\"\nprovider = \"up\"\n",
        provider("down", &down.base_url()),
        provider("up", &up.base_url()),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("m", false))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(header(&reply, "x-switchboard-model"), "spare");
    assert_eq!(header(&reply, "x-switchboard-attempts"), "2");
}

#[tokio::test]
async fn aliases_and_the_default_model_route_to_their_model() {
    let up = healthy().await;
    let toml = format!(
        "[routing]\ndefault_model = \"house\"\n{}\n[[models]]\nname = \"house\"\nprovider = \"up\"\nmodel = \"gpt-4o-mini\"\naliases = [\"cheap\"]\n",
        provider("up", &up.base_url()),
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    for asked in ["house", "cheap", "anything-else"] {
        let reply = client
            .post("/v1/chat/completions", chat(asked, false))
            .await;
        assert_eq!(reply.status, 200, "{asked}: {}", reply.text());
        assert_eq!(header(&reply, "x-switchboard-model"), "house");
    }
    assert!(up.seen().iter().all(|s| s.json()["model"] == "gpt-4o-mini"));
    let models = client.get("/v1/models").await.json();
    let ids: Vec<_> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(ids, ["house", "cheap"]);
}

#[tokio::test]
async fn without_a_default_model_an_unknown_name_is_a_404() {
    let up = healthy().await;
    let toml = format!(
        "{}\n[[models]]\nname = \"house\"\nprovider = \"up\"\n",
        provider("up", &up.base_url()),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("nope", false))
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        tests::assert_openai_error(&reply.body)["code"],
        "model_not_found"
    );
}
