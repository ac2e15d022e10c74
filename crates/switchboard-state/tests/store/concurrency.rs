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

const BATCH_TASKS: u64 = 64;
const BATCH_RECORDS_EACH: u64 = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_usage_records_share_commits() {
    // 64 tasks × 50 records on a file: every record is committed, and records that
    // queued up while a commit was in flight shared the next one.
    let (db, _, _dir) = file_db().await;
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..BATCH_TASKS)
        .map(|task| {
            let store = db.usage();
            tokio::spawn(async move {
                for n in 0..BATCH_RECORDS_EACH {
                    let mut record = usage(Some("k"), "gpt-4o", 200, n + 1, task as i64);
                    record.request_id = format!("req-{task}-{n}");
                    record.prompt_tokens = task * 1000 + n;
                    store.record(&record).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    // Informational only (`--nocapture`): no assertion on time.
    let elapsed = started.elapsed();
    let records = BATCH_TASKS * BATCH_RECORDS_EACH;
    let commits = db.usage().batches_written();
    eprintln!(
        "parallel_usage_records_share_commits: {records} records, {commits} commits, {elapsed:?}"
    );
    assert!(
        commits > 0 && commits < records,
        "{commits} commits for {records} records: no group commit"
    );
    assert_eq!(db.usage().count().await.unwrap(), records);
    let rows = db
        .usage()
        .aggregate(&UsageFilter::default(), &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].requests, records);
    let prompt: u64 = (0..BATCH_TASKS)
        .flat_map(|t| (0..BATCH_RECORDS_EACH).map(move |n| t * 1000 + n))
        .sum();
    assert_eq!(rows[0].prompt_tokens, prompt);
    assert_eq!(rows[0].cost_usd, 0.25 * records as f64);
    assert_eq!(db.write_failures(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closing_while_records_arrive_loses_and_doubles_nothing() {
    // Writers keep recording while the database closes: each record either returns Ok
    // and is in the file, or returns Err, is counted, and is not in the file.
    let (db, path, _dir) = file_db().await;
    let tasks: Vec<_> = (0..16u64)
        .map(|task| {
            let store = db.usage();
            tokio::spawn(async move {
                let mut ok = 0u64;
                let mut failed = 0u64;
                for n in 0..200u64 {
                    let mut record = usage(None, "gpt-4o", 200, n + 1, task as i64);
                    record.request_id = format!("req-{task}-{n}");
                    match store.record(&record).await {
                        Ok(()) => ok += 1,
                        Err(_) => failed += 1,
                    }
                }
                (ok, failed)
            })
        })
        .collect();
    // Let some records through first, then close in the middle of the stream.
    while db.usage().batches_written() < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    tokio::time::timeout(std::time::Duration::from_secs(30), db.close())
        .await
        .expect("close must not hang");
    let (mut ok, mut failed) = (0, 0);
    for task in tasks {
        let (o, f) = tokio::time::timeout(std::time::Duration::from_secs(30), task)
            .await
            .expect("a record after close must not hang")
            .unwrap();
        ok += o;
        failed += f;
    }
    assert_eq!(ok + failed, 16 * 200);
    assert!(ok > 0 && failed > 0, "ok {ok}, failed {failed}");
    assert_eq!(db.write_failures(), failed);
    let reopened = switchboard_state::Database::open(&path).await.unwrap();
    assert_eq!(reopened.usage().count().await.unwrap(), ok);
    let distinct: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT request_id) FROM usage_records")
        .fetch_one(reopened.pool())
        .await
        .unwrap();
    assert_eq!(distinct as u64, ok, "a record was written twice");
    reopened.close().await;
}
