//! Usage records: reports (grouping, percentiles and CSV on known data), and the group
//! commit behind `record` (durability, batching, failures, close).

use std::time::Duration;

use futures_util::future::join_all;
use switchboard_state::{Database, GroupBy, UsageFilter, to_csv};

use crate::support::{file_db, memory_db, usage};

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

#[tokio::test]
async fn a_lone_record_is_committed_before_record_returns() {
    let (db, path, _dir) = file_db().await;
    db.usage()
        .record(&usage(Some("k"), "gpt-4o", 200, 12, JAN_1))
        .await
        .unwrap();
    // Another pool on the same file sees it at once: it was committed, not just queued.
    let other = Database::open(&path).await.unwrap();
    assert_eq!(other.usage().count().await.unwrap(), 1);
    assert_eq!(db.usage().batches_written(), 1);
    other.close().await;
    db.close().await;
}

#[tokio::test]
async fn records_queued_together_share_one_commit_in_memory() {
    // On this single-threaded runtime every record below is queued before the writer
    // task first runs, so all are written in one transaction.
    let db = memory_db().await;
    let store = db.usage();
    let records: Vec<_> = (0..20u64)
        .map(|i| usage(Some("k"), "gpt-4o", 200, i + 1, JAN_1))
        .collect();
    let results = join_all(records.iter().map(|r| store.record(r))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(store.count().await.unwrap(), 20);
    assert_eq!(store.batches_written(), 1);
    // Another store of the same database shares the writer and its counter.
    assert_eq!(db.usage().batches_written(), 1);
}

#[tokio::test]
async fn a_bad_record_in_a_batch_fails_alone_and_is_counted() {
    let (db, _, _dir) = file_db().await;
    let store = db.usage();
    let mut records: Vec<_> = (0..20u64)
        .map(|i| usage(Some("k"), "gpt-4o", 200, i + 1, JAN_1))
        .collect();
    // SQLite stores a NaN as NULL, which `cost_usd REAL NOT NULL` rejects.
    records[7].cost_usd = f64::NAN;
    // Queued together (single-threaded runtime), so they meet in one batch, which fails
    // and is written again one record at a time.
    let results = join_all(records.iter().map(|r| store.record(r))).await;
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result.is_err(), i == 7, "record {i}: {result:?}");
    }
    assert_eq!(db.write_failures(), 1);
    assert_eq!(store.count().await.unwrap(), 19);
    assert_eq!(
        store.batches_written(),
        19,
        "the good records, one commit each"
    );
    let row = &store.aggregate(&UsageFilter::default(), &[]).await.unwrap()[0];
    assert_eq!(row.cost_usd, 0.25 * 19.0);

    // The writer goes on: the next record is written as usual.
    store
        .record(&usage(Some("k"), "gpt-4o", 200, 99, JAN_1))
        .await
        .unwrap();
    assert_eq!(store.count().await.unwrap(), 20);
    assert_eq!(store.batches_written(), 20);
}

#[tokio::test]
async fn records_queued_before_close_are_written() {
    let (db, path, _dir) = file_db().await;
    let store = db.usage();
    let records: Vec<_> = (0..10u64)
        .map(|i| usage(None, "gpt-4o", 200, i + 1, JAN_1))
        .collect();
    // The records are queued first, then `close` runs: it waits for them.
    let (results, ()) = tokio::join!(
        join_all(records.iter().map(|r| store.record(r))),
        db.close()
    );
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let reopened = Database::open(&path).await.unwrap();
    assert_eq!(reopened.usage().count().await.unwrap(), 10);
    reopened.close().await;
}

#[tokio::test]
async fn record_after_close_fails_at_once() {
    for started in [true, false] {
        let (db, path, _dir) = file_db().await;
        let store = db.usage();
        if started {
            store
                .record(&usage(None, "gpt-4o", 200, 1, JAN_1))
                .await
                .unwrap();
        }
        db.close().await;
        let result = tokio::time::timeout(
            Duration::from_secs(10),
            store.record(&usage(None, "gpt-4o", 200, 2, JAN_1)),
        )
        .await
        .expect("record after close must not hang");
        assert!(result.is_err(), "started {started}");
        assert_eq!(db.write_failures(), 1, "started {started}");
        let reopened = Database::open(&path).await.unwrap();
        assert_eq!(
            reopened.usage().count().await.unwrap(),
            u64::from(started),
            "started {started}"
        );
        reopened.close().await;
    }
}

#[tokio::test]
async fn a_closed_memory_database_refuses_records() {
    let db = memory_db().await;
    db.usage()
        .record(&usage(None, "gpt-4o", 200, 1, JAN_1))
        .await
        .unwrap();
    db.close().await;
    assert!(
        db.usage()
            .record(&usage(None, "gpt-4o", 200, 2, JAN_1))
            .await
            .is_err()
    );
    assert_eq!(db.write_failures(), 1);
}

/// Tasks alive on this test's runtime.
fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// The number of alive tasks once it has stopped changing: opening a pool and returning a
/// connection to it run short tasks of their own, which wait for SQLite's thread. Up to 10 s.
async fn settled_tasks() -> usize {
    let mut last = alive_tasks();
    let mut same = 0;
    for _ in 0..1000 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let now = alive_tasks();
        if now == last {
            same += 1;
            if same == 20 {
                break;
            }
        } else {
            (last, same) = (now, 0);
        }
    }
    last
}

/// One writer task runs while the database is open, and it ends when the database is
/// closed (`close`) or its last handle is dropped.
async fn writer_task_ends(close: bool) {
    let (db, _, _dir) = file_db().await;
    let before = settled_tasks().await;
    db.usage()
        .record(&usage(None, "gpt-4o", 200, 1, JAN_1))
        .await
        .unwrap();
    assert_eq!(settled_tasks().await, before + 1, "one writer task");
    if close {
        tokio::time::timeout(Duration::from_secs(10), db.close())
            .await
            .expect("close waits for the writer task, which must end");
    } else {
        // The last handle goes: the task sees its queue closed and ends.
        drop(db);
    }
    assert!(settled_tasks().await <= before, "the writer task ended");
}

#[tokio::test]
async fn the_writer_task_ends_when_the_database_closes() {
    writer_task_ends(true).await;
}

#[tokio::test]
async fn the_writer_task_ends_when_the_last_handle_goes() {
    writer_task_ends(false).await;
}

#[tokio::test]
async fn prune_deletes_only_older_records_across_several_batches() {
    let (db, _path, _dir) = file_db().await;
    let store = db.usage();
    // More old records than one batch holds, so pruning takes several transactions.
    let old = switchboard_state::PRUNE_BATCH as u64 + 500;
    let cutoff = JAN_1 + 10 * DAY;
    let records: Vec<_> = (0..old)
        .map(|i| usage(Some("key-a"), "gpt-4o", 200, i, JAN_1 + i as i64))
        .chain((0..10).map(|i| usage(Some("key-a"), "gpt-4o", 200, i, cutoff + i as i64)))
        .collect();
    for chunk in records.chunks(256) {
        let written = join_all(chunk.iter().map(|r| store.record(r))).await;
        assert!(written.iter().all(Result::is_ok));
    }
    assert_eq!(store.count().await.unwrap(), old + 10);

    assert_eq!(store.prune_before(cutoff).await.unwrap(), old);
    assert_eq!(store.count().await.unwrap(), 10);
    // The record made exactly at the cutoff is kept; the spend from it still counts.
    assert_eq!(store.spend("key-a", cutoff).await.unwrap(), 2.5);
    // Nothing left to prune.
    assert_eq!(store.prune_before(cutoff).await.unwrap(), 0);
    assert_eq!(db.write_failures(), 0);
}
