//! Usage reports: grouping, percentiles and CSV on known data.

use switchboard_state::{GroupBy, UsageFilter, to_csv};

use crate::support::{memory_db, usage};

const DAY: i64 = 86_400_000;
/// 2025-01-01T00:00:00Z.
const JAN_1: i64 = 1_735_689_600_000;

#[tokio::test]
async fn by_key_with_percentiles() {
    let db = memory_db().await;
    let store = db.usage();
    // key-a: latencies 1..=100 ms, every 10th an error; key-b: one request of 7 ms.
    for i in 1..=100u64 {
        let status = if i % 10 == 0 { 502 } else { 200 };
        store
            .record(&usage(Some("key-a"), "gpt-4o", status, i, JAN_1 + i as i64))
            .await
            .unwrap();
    }
    store
        .record(&usage(Some("key-b"), "gpt-4o", 429, 7, JAN_1))
        .await
        .unwrap();
    store
        .record(&usage(None, "gpt-4o", 200, 3, JAN_1))
        .await
        .unwrap();

    let rows = store
        .aggregate(&UsageFilter::default(), &[GroupBy::Key])
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    // Ordered by key; no key is "".
    assert_eq!(rows[0].key_id.as_deref(), Some(""));
    let a = &rows[1];
    assert_eq!(a.key_id.as_deref(), Some("key-a"));
    assert_eq!((a.requests, a.errors), (100, 10));
    assert_eq!(
        (a.prompt_tokens, a.completion_tokens, a.cached_tokens),
        (1000, 500, 100)
    );
    assert_eq!(a.cost_usd, 25.0);
    assert_eq!(
        (a.latency_p50_ms, a.latency_p95_ms, a.latency_p99_ms),
        (50, 95, 99)
    );
    assert_eq!(a.model, None, "not grouped by model");
    let b = &rows[2];
    assert_eq!(
        (b.requests, b.errors, b.latency_p50_ms, b.latency_p99_ms),
        (1, 1, 7, 7)
    );

    let only_b = store
        .aggregate(
            &UsageFilter {
                key_id: Some("key-b".into()),
                ..Default::default()
            },
            &[],
        )
        .await
        .unwrap();
    assert_eq!(only_b.len(), 1);
    assert_eq!(only_b[0].requests, 1);
    assert_eq!(only_b[0].key_id, None);
}

#[tokio::test]
async fn by_day_and_model_within_a_time_range() {
    let db = memory_db().await;
    let store = db.usage();
    for (model, at, latency) in [
        ("a", JAN_1 + 5, 10),
        ("a", JAN_1 + DAY - 1, 30),
        ("b", JAN_1 + 7, 20),
        ("a", JAN_1 + DAY, 40),
        ("a", JAN_1 + 2 * DAY, 50),
        ("a", JAN_1 - 1, 60),
    ] {
        store
            .record(&usage(Some("k"), model, 200, latency, at))
            .await
            .unwrap();
    }
    let filter = UsageFilter {
        from: Some(JAN_1),
        to: Some(JAN_1 + 2 * DAY),
        ..Default::default()
    };
    let rows = store
        .aggregate(&filter, &[GroupBy::Day, GroupBy::Model])
        .await
        .unwrap();
    let summary: Vec<(&str, &str, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r.day.as_deref().unwrap(),
                r.model.as_deref().unwrap(),
                r.requests,
                r.latency_p50_ms,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("2025-01-01", "a", 2, 10),
            ("2025-01-01", "b", 1, 20),
            ("2025-01-02", "a", 1, 40)
        ]
    );

    let csv = to_csv(&rows, &[GroupBy::Day, GroupBy::Model]);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "day,model,requests,errors,prompt_tokens,completion_tokens,cached_tokens,cost_usd,latency_p50_ms,latency_p95_ms,latency_p99_ms"
    );
    assert_eq!(lines[1], "2025-01-01,a,2,0,20,10,2,0.5,10,30,30");
    assert_eq!(
        lines.len(),
        5,
        "header, three rows, and the empty string after the last CRLF"
    );

    let by_provider = store
        .aggregate(
            &UsageFilter {
                provider: Some("openai".into()),
                ..Default::default()
            },
            &[GroupBy::Provider],
        )
        .await
        .unwrap();
    assert_eq!(by_provider.len(), 1);
    assert_eq!(by_provider[0].requests, 6);
    let none = store
        .aggregate(
            &UsageFilter {
                model: Some("zzz".into()),
                ..Default::default()
            },
            &[],
        )
        .await
        .unwrap();
    assert!(none.is_empty());
}
