use switchboard_state::{Database, SCHEMA_VERSION};

use crate::support::{file_db, memory_db};

#[tokio::test]
async fn a_new_database_is_at_the_latest_schema_version() {
    let db = memory_db().await;
    assert_eq!(db.schema_version().await.unwrap(), SCHEMA_VERSION);
    let (db, _, _dir) = file_db().await;
    assert_eq!(db.schema_version().await.unwrap(), SCHEMA_VERSION);
}

#[tokio::test]
async fn reopening_runs_nothing_again_and_keeps_the_version() {
    let (db, path, _dir) = file_db().await;
    db.close().await;
    for _ in 0..3 {
        let db = Database::open(&path).await.unwrap();
        assert_eq!(db.schema_version().await.unwrap(), SCHEMA_VERSION);
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(applied, SCHEMA_VERSION);
        db.close().await;
    }
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() {
    let (db, path, _dir) = file_db().await;
    // A migration this build does not know, as a newer switchboard would have left it.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'future', TRUE, X'00', 0)",
    )
    .execute(db.pool())
    .await
    .unwrap();
    db.close().await;
    let err = Database::open(&path).await.unwrap_err();
    assert!(err.to_string().contains("9999"), "{err}");
}

#[tokio::test]
async fn durability_settings_are_on() {
    let (db, _, _dir) = file_db().await;
    let mut conn = db.pool().acquire().await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    // 2 is FULL.
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(sync, 2);
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(busy >= 1000, "{busy}");
}

#[tokio::test]
async fn usage_records_keep_only_the_time_and_key_indexes() {
    // Migration 2 dropped the request id index (nothing looks records up by request id),
    // migration 3 the model and provider ones (reports filter the time range instead).
    let (db, _, _dir) = file_db().await;
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_records' \
         AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(
        indexes,
        ["usage_records_created_at", "usage_records_key_time"]
    );
}

#[tokio::test]
async fn the_key_index_holds_keyed_records_and_budgets_still_use_it() {
    // Migration 4: records without a key are not in the key index.
    let (db, _, _dir) = file_db().await;
    let sql: String = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'usage_records_key_time'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert!(sql.ends_with("WHERE key_id IS NOT NULL"), "{sql}");
    // The budget query (`UsageStore::spend`), its parameters bound as when it runs:
    // (id, parent, unused, detail) per step of the plan.
    let details: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT COALESCE(SUM(cost_usd), 0.0) FROM usage_records \
         WHERE key_id = $1 AND created_at >= $2",
    )
    .bind("key_1")
    .bind(0_i64)
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert!(
        details
            .iter()
            .any(|(_, _, _, detail)| detail.contains("USING INDEX usage_records_key_time")),
        "{details:?}"
    );
}
