//! The circuit breaker: opens after consecutive failures, sends traffic elsewhere, lets a
//! probe through after the cooldown and closes again when the deployment recovers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tests::fixtures::CHAT_BASIC_RESPONSE;
use tests::{Client, Reply, TestGateway, Upstream};

use super::{chat, error_body, header, healthy, preferred_then, provider};

/// The value of `switchboard_breaker_state` for `deployment` on the metrics page.
fn breaker_state(metrics: &str, deployment: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let rest = line.strip_prefix("switchboard_breaker_state{")?;
        rest.contains(&format!("deployment=\"{deployment}\""))
            .then(|| rest.rsplit(' ').next()?.parse().ok())?
    })
}

#[tokio::test]
async fn the_breaker_opens_after_failures_and_closes_after_a_good_probe() {
    let broken = Arc::new(AtomicBool::new(true));
    let b = broken.clone();
    let flaky = Upstream::start(move |_| {
        if b.load(Ordering::SeqCst) {
            Reply::status_json(500, error_body("server_error"))
        } else {
            Reply::json(CHAT_BASIC_RESPONSE)
        }
    })
    .await;
    let steady = healthy().await;
    let toml = format!(
        "[routing]\nretries = 1\nbackoff_base = 0.01\nbreaker_failures = 2\nbreaker_cooldown = 0.5\n{}{}{}",
        provider("flaky", &flaky.base_url()),
        provider("steady", &steady.base_url()),
        preferred_then("flaky", "steady"),
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    // Two requests: each tries the preferred, failing deployment first, then the steady one.
    for _ in 0..2 {
        let reply = client.post("/v1/chat/completions", chat("m", false)).await;
        assert_eq!(reply.status, 200);
        assert_eq!(header(&reply, "x-switchboard-attempts"), "2");
    }
    // Open now: traffic goes straight to the steady deployment.
    let reply = client.post("/v1/chat/completions", chat("m", false)).await;
    assert_eq!(header(&reply, "x-switchboard-attempts"), "1");
    assert_eq!(header(&reply, "x-switchboard-provider"), "steady");
    assert_eq!(flaky.seen().len(), 2);
    let metrics = client.get("/metrics").await.text();
    assert_eq!(breaker_state(&metrics, "flaky/x"), Some(2.0), "{metrics}");
    assert_eq!(breaker_state(&metrics, "steady/x"), Some(0.0));

    // The deployment recovers; after the cooldown one probe goes to it and closes it.
    broken.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let metrics = client.get("/metrics").await.text();
    assert_eq!(
        breaker_state(&metrics, "flaky/x"),
        Some(1.0),
        "half-open: {metrics}"
    );
    let reply = client.post("/v1/chat/completions", chat("m", false)).await;
    assert_eq!(header(&reply, "x-switchboard-provider"), "flaky");
    let metrics = client.get("/metrics").await.text();
    assert_eq!(breaker_state(&metrics, "flaky/x"), Some(0.0));
    for _ in 0..3 {
        let reply = client.post("/v1/chat/completions", chat("m", false)).await;
        assert_eq!(header(&reply, "x-switchboard-provider"), "flaky");
    }
}

#[tokio::test]
async fn with_nowhere_else_to_go_an_open_breaker_still_lets_the_request_through() {
    let down = Upstream::start(|_| Reply::status_json(401, error_body("invalid_api_key"))).await;
    let toml = format!(
        "{}\n[[models]]\nname = \"m\"\nprovider = \"down\"\n",
        provider("down", &down.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    // The 401 cools the only deployment down; later requests still reach it and get the
    // upstream's own answer rather than a refusal from the gateway.
    for _ in 0..3 {
        let reply = client.post("/v1/chat/completions", chat("m", false)).await;
        assert_eq!(reply.status, 401);
        assert_eq!(
            tests::assert_openai_error(&reply.body)["code"],
            "invalid_api_key"
        );
    }
    assert_eq!(down.seen().len(), 3);
}
