//! Many writers at once: no count is lost or corrupted.

use switchboard_state::{GroupBy, UsageFilter};

use crate::support::{file_db, memory_db, usage};

const WRITERS: u64 = 200;

async fn hammer(db: &switchboard_state::Database) {
    let tasks: Vec<_> = (0..WRITERS)
        .map(|i| {
            let store = db.usage();
            tokio::spawn(async move {
                let key = format!("key-{}", i % 4);
                let mut record = usage(
                    Some(&key),
                    "gpt-4o",
                    if i % 10 == 0 { 500 } else { 200 },
                    i + 1,
                    1_000 + i as i64,
                );
                record.prompt_tokens = i;
                record.cost_usd = 0.5;
                store.record(&record).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

fn check(rows: &[switchboard_state::UsageRow]) {
    assert_eq!(rows.len(), 4);
    let requests: u64 = rows.iter().map(|r| r.requests).sum();
    let prompt: u64 = rows.iter().map(|r| r.prompt_tokens).sum();
    let errors: u64 = rows.iter().map(|r| r.errors).sum();
    let cost: f64 = rows.iter().map(|r| r.cost_usd).sum();
    assert_eq!(requests, WRITERS);
    assert_eq!(prompt, (0..WRITERS).sum::<u64>());
    assert_eq!(errors, WRITERS / 10);
    // 0.5 is exact in binary, so the sum is exact.
    assert_eq!(cost, 0.5 * WRITERS as f64);
    for row in rows {
        assert_eq!(row.requests, WRITERS / 4, "{row:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_usage_writers_to_a_file_lose_nothing() {
    let (db, _, _dir) = file_db().await;
    hammer(&db).await;
    assert_eq!(db.usage().count().await.unwrap(), WRITERS);
    check(
        &db.usage()
            .aggregate(&UsageFilter::default(), &[GroupBy::Key])
            .await
            .unwrap(),
    );
    assert_eq!(db.write_failures(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_usage_writers_to_memory_lose_nothing() {
    let db = memory_db().await;
    hammer(&db).await;
    check(
        &db.usage()
            .aggregate(&UsageFilter::default(), &[GroupBy::Key])
            .await
            .unwrap(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_transactions_do_not_fail_with_busy() {
    // Read-then-write transactions from many tasks: each takes the write lock first
    // (BEGIN IMMEDIATE), so none fails with SQLITE_BUSY on a lock upgrade.
    let (db, _, _dir) = file_db().await;
    let keys = db.keys();
    let (key, _) = keys
        .create(
            &switchboard_state::NewKey {
                name: "k".into(),
                ..Default::default()
            },
            "t",
        )
        .await
        .unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let keys = keys.clone();
            let id = key.id.clone();
            tokio::spawn(async move {
                let update = switchboard_state::KeyUpdate {
                    name: Some(format!("k{i}")),
                    ..Default::default()
                };
                keys.update(&id, &update, "t").await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let updates = db
        .audit()
        .list(&switchboard_state::AuditQuery {
            target: Some(key.id.clone()),
            limit: Some(1000),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(updates.len(), 51);
}
