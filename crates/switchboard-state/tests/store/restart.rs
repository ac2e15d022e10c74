//! Nothing is lost across a restart: write, drop the database, reopen, read.

use switchboard_state::{Database, NewKey, StoredResponse, UsageFilter};

use crate::support::{file_db, usage};

fn response(id: &str) -> StoredResponse {
    StoredResponse {
        id: id.to_owned(),
        previous_response_id: None,
        response: format!(r#"{{"id":"{id}","output":[{{"id":"msg_1","type":"message"}}]}}"#).into(),
        input_items: r#"[{"id":"in_1","type":"message"}]"#.into(),
        item_ids: vec!["in_1".into(), "msg_1".into()],
        expires_at: None,
        created_at: 1,
    }
}

#[tokio::test]
async fn responses_keys_and_usage_survive_a_restart() {
    let (db, path, _dir) = file_db().await;
    db.responses().put(&response("resp_1")).await.unwrap();
    let (key, plaintext) = db
        .keys()
        .create(
            &NewKey {
                name: "team-a".into(),
                ..NewKey::default()
            },
            "test",
        )
        .await
        .unwrap();
    db.usage()
        .record(&usage(Some(&key.id), "gpt-4o", 200, 10, 1_000))
        .await
        .unwrap();
    // Dropped without close: what `record` and `put` returned Ok for must already be on disk.
    drop(db);

    let db = Database::open(&path).await.unwrap();
    let stored = db.responses().get("resp_1", 0).await.unwrap().unwrap();
    assert_eq!(stored.response, response("resp_1").response);
    assert_eq!(stored.item_ids, vec!["in_1", "msg_1"]);
    let item = db.responses().find_item("msg_1", 0).await.unwrap().unwrap();
    assert_eq!(item["type"], "message");
    let found = db
        .keys()
        .find_by_plaintext(plaintext.expose())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, key);
    let rows = db
        .usage()
        .aggregate(&UsageFilter::default(), &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].requests, 1);
    assert_eq!(db.keys().spend(&key.id, 0).await.unwrap(), 0.25);
}

#[tokio::test]
async fn a_committed_write_is_in_the_files_before_close() {
    // A second, independent pool on the same file sees the write at once: it was
    // committed to the WAL, not held in the first pool's memory.
    let (db, path, _dir) = file_db().await;
    db.usage()
        .record(&usage(None, "m", 200, 1, 5))
        .await
        .unwrap();
    let other = Database::open(&path).await.unwrap();
    assert_eq!(other.usage().count().await.unwrap(), 1);
}
