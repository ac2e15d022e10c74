//! `/metrics`: what happened, in Prometheus text, with bounded labels and the cost.

use tests::{Client, TestGateway};

use super::{chat, healthy, provider};

/// The value of the sample whose line starts with `series` (name and labels).
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test]
async fn requests_tokens_and_cost_are_counted() {
    let up = healthy().await;
    let toml = format!(
        "{}\n[[models]]\nname = \"openai/*\"\nprovider = \"up\"\nprice = {{ input = 2.5, output = 10.0 }}\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    for _ in 0..2 {
        let reply = client
            .post("/v1/chat/completions", chat("openai/gpt-4o", false))
            .await;
        assert_eq!(reply.status, 200);
    }
    let reply = client.get("/metrics").await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = reply.text();
    // The label is the route pattern, not the name the client sent (bounded labels).
    assert_eq!(
        sample(
            &text,
            "switchboard_requests_total{model=\"openai/*\",provider=\"up\",endpoint=\"chat_completions\",status=\"200\",error_class=\"none\",stream=\"false\"}"
        ),
        Some(2.0),
        "{text}"
    );
    assert!(!text.contains("openai/gpt-4o"));
    // The recorded answer: 8 prompt and 377 completion tokens.
    assert_eq!(
        sample(
            &text,
            "switchboard_tokens_total{model=\"openai/*\",provider=\"up\",direction=\"output\",estimated=\"false\"}"
        ),
        Some(754.0)
    );
    // 2 × (8 × 2.5 + 377 × 10) / 1M USD.
    let cost = sample(
        &text,
        "switchboard_cost_usd_total{model=\"openai/*\",provider=\"up\"}",
    )
    .unwrap();
    assert!(
        (cost - 2.0 * (8.0 * 2.5 + 377.0 * 10.0) / 1e6).abs() < 1e-12,
        "{cost}"
    );
    assert!(
        text.contains("switchboard_overhead_seconds_count{endpoint=\"chat_completions\"} 2"),
        "{text}"
    );
}

#[tokio::test]
async fn a_provider_without_usage_is_billed_an_estimate_marked_as_such() {
    // A stream with no usage chunk, as some OpenAI-compatible servers send.
    let stream = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hello world\"},\"finish_reason\":null}]}\n\ndata: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    let up = tests::Upstream::start(move |_| tests::Reply::sse(stream)).await;
    let toml = format!(
        "{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\nprice = {{ input = 1.0, output = 1.0 }}\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    let reply = client.post("/v1/chat/completions", chat("m", true)).await;
    assert_eq!(reply.status, 200);
    assert!(reply.text().contains("[DONE]"));
    let mut text = String::new();
    for _ in 0..50 {
        text = client.get("/metrics").await.text();
        if text.contains("estimated=\"true\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // "hello world" is 2 tokens; the prompt ("Hi" as a user message) 3 + 3 + 1 + 1 = 8.
    assert_eq!(
        sample(
            &text,
            "switchboard_tokens_total{model=\"m\",provider=\"up\",direction=\"output\",estimated=\"true\"}"
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "switchboard_tokens_total{model=\"m\",provider=\"up\",direction=\"input\",estimated=\"true\"}"
        ),
        Some(8.0),
        "{text}"
    );
}

#[tokio::test]
async fn a_stream_feeds_first_token_and_inter_token_histograms() {
    let up = healthy().await;
    let toml = format!(
        "{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\n",
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    let client = Client::new(gw.url());
    let reply = client.post("/v1/chat/completions", chat("m", true)).await;
    assert_eq!(reply.status, 200);
    let frames = reply.text().matches("data: ").count() as f64;
    let mut text = String::new();
    for _ in 0..50 {
        text = client.get("/metrics").await.text();
        if text.contains("switchboard_inter_token_seconds_count") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        sample(
            &text,
            "switchboard_time_to_first_token_seconds_count{model=\"m\",provider=\"up\"}"
        ),
        Some(1.0),
        "{text}"
    );
    // One gap between each pair of pieces the client received (the usage-only chunk the
    // client did not ask for is not sent, and is not a piece).
    let gaps = sample(
        &text,
        "switchboard_inter_token_seconds_count{model=\"m\",provider=\"up\"}",
    )
    .unwrap();
    assert!(
        gaps >= 1.0 && gaps <= frames,
        "{gaps} gaps for {frames} frames"
    );
}
