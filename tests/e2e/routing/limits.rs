//! Limits per gateway key and per model: each refuses exactly when it should, with a 429,
//! `Retry-After` and an OpenAI error body naming the limit, and lets through after.

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use tests::client::next_data;
use tests::fixtures::{CHAT_BASIC_RESPONSE, CHAT_STREAMING_SSE};
use tests::{Client, Reply, TestGateway, Upstream};
use tokio::sync::Notify;

use super::{chat, healthy, provider};

#[tokio::test]
async fn a_keys_rpm_refuses_the_request_over_the_limit() {
    let up = healthy().await;
    let toml = format!(
        "[[keys]]\nname = \"team-a\"\nkey = \"sk-team-a\"\nlimits = {{ rpm = 2 }}\n[[keys]]\nname = \"team-b\"\nkey = \"sk-team-b\"\n{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let a = Client::new(gw.url()).header("authorization", "Bearer sk-team-a");
    for _ in 0..2 {
        assert_eq!(
            a.post("/v1/chat/completions", chat("m", false))
                .await
                .status,
            200
        );
    }
    let reply = a.post("/v1/chat/completions", chat("m", false)).await;
    assert_eq!(reply.status, 429);
    let error = tests::assert_openai_error(&reply.body);
    assert_eq!(error["code"], "rate_limit_exceeded");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("team-a") && message.contains("RPM"),
        "{message}"
    );
    // Two per minute: the next token comes in 30 s.
    assert_eq!(reply.headers["retry-after"], "30");
    assert_eq!(up.seen().len(), 2);
    // Another key is not affected.
    let b = Client::new(gw.url()).header("authorization", "Bearer sk-team-b");
    assert_eq!(
        b.post("/v1/chat/completions", chat("m", false))
            .await
            .status,
        200
    );
    let metrics = b.get("/metrics").await.text();
    assert!(
        metrics.contains("switchboard_limit_hits_total{limit=\"rpm\",scope=\"key\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_key_may_use_only_its_models() {
    let up = healthy().await;
    let toml = format!(
        "[[keys]]\nname = \"team-a\"\nkey = \"sk-team-a\"\nmodels = [\"m\"]\n{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\n[[models]]\nname = \"other\"\nprovider = \"up\"\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let a = Client::new(gw.url()).header("authorization", "Bearer sk-team-a");
    assert_eq!(
        a.post("/v1/chat/completions", chat("m", false))
            .await
            .status,
        200
    );
    let reply = a.post("/v1/chat/completions", chat("other", false)).await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn a_models_concurrency_limit_counts_open_streams() {
    let gate = Arc::new(Notify::new());
    let g = gate.clone();
    let up = Upstream::start(move |seen| {
        if seen.json()["stream"] == true {
            Reply::sse(CHAT_STREAMING_SSE).gate(g.clone())
        } else {
            Reply::json(CHAT_BASIC_RESPONSE)
        }
    })
    .await;
    let toml = format!(
        "{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\nlimits = {{ concurrency = 1 }}\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    let open = client
        .open(Method::POST, "/v1/chat/completions", chat("m", true))
        .await;
    assert_eq!(open.status(), 200);
    let mut body = open.into_body();
    assert!(next_data(&mut body, Duration::from_secs(5)).await.is_some());
    let reply = client.post("/v1/chat/completions", chat("m", false)).await;
    assert_eq!(reply.status, 429);
    let message = tests::assert_openai_error(&reply.body)["message"].clone();
    assert!(
        message.as_str().unwrap().contains("concurrent requests"),
        "{message}"
    );
    // The stream ends: its slot is free again.
    gate.notify_one();
    while next_data(&mut body, Duration::from_secs(5)).await.is_some() {}
    drop(body);
    let mut status = 0;
    for _ in 0..50 {
        status = client
            .post("/v1/chat/completions", chat("m", false))
            .await
            .status
            .as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_minimum_interval_spaces_requests_and_tpm_counts_tokens() {
    let up = healthy().await;
    let toml = format!(
        "{}\n[[models]]\nname = \"spaced\"\nprovider = \"up\"\nlimits = {{ min_interval = 0.5 }}\n[[models]]\nname = \"tokens\"\nprovider = \"up\"\nlimits = {{ tpm = 20 }}\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    assert_eq!(
        client
            .post("/v1/chat/completions", chat("spaced", false))
            .await
            .status,
        200
    );
    let reply = client
        .post("/v1/chat/completions", chat("spaced", false))
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers["retry-after"], "1");
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert_eq!(
        client
            .post("/v1/chat/completions", chat("spaced", false))
            .await
            .status,
        200
    );

    // The recorded completion uses more than 20 tokens: the budget is spent after one.
    assert_eq!(
        client
            .post("/v1/chat/completions", chat("tokens", false))
            .await
            .status,
        200
    );
    let reply = client
        .post("/v1/chat/completions", chat("tokens", false))
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(tests::assert_openai_error(&reply.body)["type"], "tokens");
}

#[tokio::test]
async fn spent_limits_are_still_spent_after_a_restart() {
    let up = healthy().await;
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[[keys]]\nname = \"team-a\"\nkey = \"sk-team-a\"\nlimits = {{ rpm = 2 }}\n{}\n\
         [[models]]\nname = \"m\"\nprovider = \"up\"\n[state]\npath = \"{}\"\n",
        provider("up", &up.base_url()),
        dir.path().join("state.db").display()
    );
    let mut gw = TestGateway::start(&toml).await;
    let a = Client::new(gw.url()).header("authorization", "Bearer sk-team-a");
    for _ in 0..2 {
        let reply = a.post("/v1/chat/completions", chat("m", false)).await;
        assert_eq!(reply.status, 200);
    }
    // A graceful stop saves the counters; the next start restores them.
    gw.shutdown().await.unwrap();
    let gw = TestGateway::start(&toml).await;
    let a = Client::new(gw.url()).header("authorization", "Bearer sk-team-a");
    let reply = a.post("/v1/chat/completions", chat("m", false)).await;
    assert_eq!(reply.status, 429, "{}", reply.text());
    assert_eq!(
        tests::assert_openai_error(&reply.body)["code"],
        "rate_limit_exceeded"
    );
    assert_eq!(up.seen().len(), 2);
}
