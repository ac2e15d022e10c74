//! Usage records and virtual keys, against a real state database file: every model request
//! leaves a usage record that is committed before the client sees the end of its response;
//! a virtual key is refused once revoked, expired or over its budget.

use http::Method;
use switchboard_state::{Database, NewKey, now_ms};
use tests::{Client, TestGateway};

use super::{chat, healthy, provider};

/// A gateway over `up` with its state in `db`, and model `m` priced so the recorded
/// completion (8 prompt, 377 completion tokens) costs 8 × 1 + 377 × 1 = 385 µ$.
async fn gateway(db: &std::path::Path, up: &str) -> TestGateway {
    let toml = format!(
        "[state]\npath = \"{}\"\n{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\nprice = {{ input = 1.0, output = 1.0 }}\n",
        db.display(),
        provider("up", up)
    );
    TestGateway::start(&toml).await
}

#[tokio::test]
async fn each_request_is_recorded_before_the_client_sees_its_end() {
    let up = healthy().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let gw = gateway(&path, &up.base_url()).await;
    let client = Client::new(gw.url());
    let db = Database::open(&path).await.unwrap();

    assert_eq!(
        client
            .post("/v1/chat/completions", chat("m", false))
            .await
            .status,
        200
    );
    // Read at once, from another connection: the record is already committed.
    assert_eq!(db.usage().count().await.unwrap(), 1);
    let streamed = client.post("/v1/chat/completions", chat("m", true)).await;
    assert!(streamed.text().ends_with("data: [DONE]\n\n"));
    assert_eq!(db.usage().count().await.unwrap(), 2);
    let refused = client
        .post("/v1/chat/completions", chat("nope", false))
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(db.usage().count().await.unwrap(), 3);

    let rows = db
        .usage()
        .aggregate(&Default::default(), &[switchboard_state::GroupBy::Model])
        .await
        .unwrap();
    let m = rows
        .iter()
        .find(|r| r.model.as_deref() == Some("m"))
        .unwrap();
    assert_eq!((m.requests, m.errors), (2, 0));
    // The recorded completion's 377 tokens, plus the recorded stream's own.
    assert!(m.completion_tokens > 377, "{}", m.completion_tokens);
    // Priced at 1 $ per 1M tokens both ways: the cost is the token count in µ$.
    let tokens = (m.prompt_tokens + m.completion_tokens) as f64;
    assert!((m.cost_usd - tokens * 1e-6).abs() < 1e-12, "{}", m.cost_usd);
}

#[tokio::test]
async fn a_virtual_key_works_until_revoked_expired_or_over_budget() {
    let up = healthy().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let db = Database::open(&path).await.unwrap();
    let keys = db.keys();
    let (active, key) = keys
        .create(
            &NewKey {
                name: "team".into(),
                models: Some(vec!["m".into()]),
                budget_daily: Some(0.0005),
                ..NewKey::default()
            },
            "test",
        )
        .await
        .unwrap();
    let (_, expired) = keys
        .create(
            &NewKey {
                name: "old".into(),
                expires_at: Some(now_ms() - 1),
                ..NewKey::default()
            },
            "test",
        )
        .await
        .unwrap();
    let gw = gateway(&path, &up.base_url()).await;
    let with = |k: &str| Client::new(gw.url()).header("authorization", &format!("Bearer {k}"));

    let client = with(key.expose());
    assert_eq!(
        client
            .post("/v1/chat/completions", chat("m", false))
            .await
            .status,
        200
    );
    // Only its models.
    assert_eq!(
        client
            .post("/v1/chat/completions", chat("other", false))
            .await
            .status,
        404
    );
    // The first request cost 385 µ$ of the 500 µ$ daily budget; the second spends it.
    assert_eq!(
        client
            .post("/v1/chat/completions", chat("m", false))
            .await
            .status,
        200
    );
    let over = client.post("/v1/chat/completions", chat("m", false)).await;
    assert_eq!(over.status, 429);
    let error = tests::assert_openai_error(&over.body);
    assert_eq!(error["code"], "budget_exceeded");
    assert!(error["message"].as_str().unwrap().contains("daily budget"));
    let spent = keys.spend(&active.id, 0).await.unwrap();
    assert!((spent - 2.0 * 385e-6).abs() < 1e-12, "{spent}");

    let reply = with(expired.expose())
        .post("/v1/chat/completions", chat("m", false))
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        tests::assert_openai_error(&reply.body)["code"],
        "key_expired"
    );

    keys.revoke(&active.id, "test").await.unwrap();
    let reply = client
        .send(Method::POST, "/v1/chat/completions", chat("m", false))
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        tests::assert_openai_error(&reply.body)["code"],
        "key_revoked"
    );
    let wrong = with("sk-sb-not-a-key")
        .post("/v1/chat/completions", chat("m", false))
        .await;
    assert_eq!(wrong.status, 401);
}

#[tokio::test]
async fn usage_records_past_their_retention_are_deleted_at_start() {
    let up = healthy().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let day = 86_400_000;
    let now = now_ms();
    let db = Database::open(&path).await.unwrap();
    // Two records older than 40 days, one 39 days old, one from now.
    for (i, age_days) in [100, 41, 39, 0].into_iter().enumerate() {
        let record = switchboard_state::UsageRecord {
            request_id: format!("req-{i}"),
            key_id: None,
            model: "m".into(),
            provider: "up".into(),
            status: 200,
            prompt_tokens: 1,
            completion_tokens: 1,
            cached_tokens: 0,
            estimated: false,
            cost_usd: 0.0,
            latency_ms: 1,
            created_at: now - age_days * day,
        };
        db.usage().record(&record).await.unwrap();
    }
    let toml = format!(
        "[state]\npath = \"{}\"\nusage_retention_days = 40\n{}\n[[models]]\nname = \"m\"\nprovider = \"up\"\n",
        path.display(),
        provider("up", &up.base_url())
    );
    let gw = TestGateway::start(&toml).await;
    // The first round runs as the server starts; wait for it (bounded).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while db.usage().count().await.unwrap() != 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "old records still there"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let kept = db
        .usage()
        .aggregate(&Default::default(), &[switchboard_state::GroupBy::Day])
        .await
        .unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    // New requests are still recorded.
    let client = Client::new(gw.url());
    assert_eq!(
        client
            .post("/v1/chat/completions", chat("m", false))
            .await
            .status,
        200
    );
    assert_eq!(db.usage().count().await.unwrap(), 3);
}
