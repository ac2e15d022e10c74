//! Retries and moving between deployments of one model.

use std::time::{Duration, Instant};

use tests::{Client, Reply, TestGateway};

use super::{
    chat, error_body, failing, failing_first, header, healthy, preferred_then, provider,
    refused_url,
};

#[tokio::test]
async fn a_refused_connection_moves_to_the_healthy_deployment() {
    let up = healthy().await;
    let toml = format!(
        "{}{}{}",
        provider("down", &refused_url()),
        provider("up", &up.base_url()),
        preferred_then("down", "up"),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("m", false))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(header(&reply, "x-switchboard-attempts"), "2");
    assert_eq!(header(&reply, "x-switchboard-provider"), "up");
    assert_eq!(header(&reply, "x-switchboard-deployment"), "up/x");
    assert_eq!(header(&reply, "x-switchboard-fallback"), "false");
    assert_eq!(header(&reply, "x-switchboard-model"), "m");
    let overhead: f64 = header(&reply, "x-switchboard-overhead-ms").parse().unwrap();
    assert!(overhead >= 0.0);
    assert_eq!(up.only_request().json()["model"], "x");
}

#[tokio::test]
async fn a_500_is_retried_on_the_same_deployment_and_succeeds() {
    let up = failing_first(1, || Reply::status_json(500, error_body("server_error"))).await;
    let toml = format!(
        "[routing]\nbackoff_base = 0.01\n{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("m", false))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(header(&reply, "x-switchboard-attempts"), "2");
    assert_eq!(up.seen().len(), 2);
    let metrics = Client::new(gw.url()).get("/metrics").await.text();
    assert!(
        metrics.contains(
            "switchboard_retries_total{model=\"m\",provider=\"up\",error_class=\"transient\"} 1"
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_for_before_the_retry() {
    let up = failing_first(1, || {
        Reply::status_json(429, error_body("rate_limit_exceeded")).header("retry-after", "1")
    })
    .await;
    let toml = format!(
        "[routing]\nbackoff_base = 0.01\n{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let started = Instant::now();
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("m", false))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(header(&reply, "x-switchboard-attempts"), "2");
    assert_eq!(up.seen().len(), 2);
}

#[tokio::test]
async fn a_429_asking_for_too_long_moves_on_without_waiting() {
    let slow = failing_first(usize::MAX, || {
        Reply::status_json(429, error_body("rate_limit_exceeded")).header("retry-after", "86400")
    })
    .await;
    let up = healthy().await;
    let toml = format!(
        "{}{}{}",
        provider("slow", &slow.base_url()),
        provider("up", &up.base_url()),
        preferred_then("slow", "up"),
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    let started = Instant::now();
    let reply = client.post("/v1/chat/completions", chat("m", false)).await;
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() < Duration::from_secs(5));
    // The exhausted deployment is cooled down: the next request goes straight elsewhere.
    let reply = client.post("/v1/chat/completions", chat("m", false)).await;
    assert_eq!(header(&reply, "x-switchboard-attempts"), "1");
    assert_eq!(slow.seen().len(), 1);
    assert_eq!(up.seen().len(), 2);
}

#[tokio::test]
async fn a_401_moves_to_another_deployment_at_once_and_cools_the_bad_key_down() {
    let bad = failing(401, "invalid_api_key").await;
    let up = healthy().await;
    let toml = format!(
        "[routing]\nbackoff_base = 5\n{}{}{}",
        provider("bad", &bad.base_url()),
        provider("up", &up.base_url()),
        preferred_then("bad", "up"),
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    let started = Instant::now();
    for _ in 0..3 {
        let reply = client.post("/v1/chat/completions", chat("m", false)).await;
        assert_eq!(reply.status, 200);
    }
    // No backoff was waited (it would be up to 5 s), and the bad key was tried once.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(bad.seen().len(), 1);
    assert_eq!(up.seen().len(), 3);
}

#[tokio::test]
async fn a_400_is_not_retried_anywhere() {
    let bad = failing(400, "invalid_value").await;
    let other = healthy().await;
    let toml = format!(
        "{}{}\n[[models]]\nname = \"m\"\nprovider = \"bad\"\nfallbacks = [\"other\"]\n[[models]]\nname = \"other\"\nprovider = \"other\"\n",
        provider("bad", &bad.base_url()),
        provider("other", &other.base_url()),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("m", false))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(header(&reply, "x-switchboard-attempts"), "1");
    assert_eq!(bad.seen().len(), 1);
    assert!(other.seen().is_empty());
}

#[tokio::test]
async fn a_slow_first_token_times_out_and_the_next_deployment_serves() {
    let silent = tests::Upstream::start(|_| Reply::Silence).await;
    let up = healthy().await;
    let toml = format!(
        "{}first_byte_timeout = 0.3\n{}{}",
        provider("silent", &silent.base_url()),
        provider("up", &up.base_url()),
        preferred_then("silent", "up"),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("m", true))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(header(&reply, "x-switchboard-attempts"), "2");
    assert_eq!(header(&reply, "x-switchboard-provider"), "up");
}

#[tokio::test]
async fn a_stream_that_fails_after_its_first_event_ends_with_an_error_event_not_a_retry() {
    let first = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n";
    let cut = tests::Upstream::start(move |_| Reply::sse(first)).await;
    let up = healthy().await;
    let toml = format!(
        "{}{}{}",
        provider("cut", &cut.base_url()),
        provider("up", &up.base_url()),
        preferred_then("cut", "up"),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("m", true))
        .await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert!(text.contains("Hel"), "{text}");
    assert!(text.contains("\"error\""), "{text}");
    assert!(!text.contains("[DONE]"), "{text}");
    assert_eq!(header(&reply, "x-switchboard-attempts"), "1");
    assert!(up.seen().is_empty());
}

#[tokio::test]
async fn the_retry_budget_is_shared_by_the_whole_chain() {
    let a = failing(500, "server_error").await;
    let b = failing(500, "server_error").await;
    let c = healthy().await;
    let toml = format!(
        "[routing]\nretries = 1\nbackoff_base = 0.01\n{}{}{}\n[[models]]\nname = \"a\"\nprovider = \"a\"\nfallbacks = [\"b\", \"c\"]\n[[models]]\nname = \"b\"\nprovider = \"b\"\n[[models]]\nname = \"c\"\nprovider = \"c\"\n",
        provider("a", &a.base_url()),
        provider("b", &b.base_url()),
        provider("c", &c.base_url()),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("a", false))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // a, a again (the one retry), then b and c once each: a fallback's first attempt is
    // not a retry, and b gets no retry of its own because the budget is spent.
    assert_eq!((a.seen().len(), b.seen().len(), c.seen().len()), (2, 1, 1));
    assert_eq!(header(&reply, "x-switchboard-attempts"), "4");
    assert_eq!(header(&reply, "x-switchboard-fallback"), "true");
    assert_eq!(header(&reply, "x-switchboard-model"), "c");
    let metrics = Client::new(gw.url()).get("/metrics").await.text();
    for line in [
        "switchboard_fallbacks_total{from_model=\"a\",to_model=\"b\"} 1",
        "switchboard_fallbacks_total{from_model=\"a\",to_model=\"c\"} 1",
        "switchboard_retries_total{model=\"a\",provider=\"a\",error_class=\"transient\"} 1",
    ] {
        assert!(metrics.contains(line), "missing {line} in {metrics}");
    }
    assert!(!metrics.contains("switchboard_retries_total{model=\"b\""));
}

#[tokio::test]
async fn when_everything_fails_the_last_error_is_returned_with_the_attempts() {
    let a = failing(503, "overloaded").await;
    let toml = format!(
        "[routing]\nretries = 2\nbackoff_base = 0.01\n{}\n[[models]]\nname = \"a\"\nprovider = \"a\"\n",
        provider("a", &a.base_url()),
    );
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", chat("a", false))
        .await;
    assert_eq!(reply.status, 503);
    tests::assert_openai_error(&reply.body);
    // attempts_per_deployment (2) caps the tries on the one deployment.
    assert_eq!(header(&reply, "x-switchboard-attempts"), "2");
    assert_eq!(a.seen().len(), 2);
}
