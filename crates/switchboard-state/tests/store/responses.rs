//! Stored responses: put replaces, items are found, expiry hides and deletes.

use switchboard_state::StoredResponse;

use crate::support::memory_db;

fn record(id: &str, item_ids: &[&str], created_at: i64, expires_at: Option<i64>) -> StoredResponse {
    let outputs: Vec<String> = item_ids
        .iter()
        .filter(|i| i.starts_with("msg"))
        .map(|i| format!(r#"{{"id":"{i}","type":"message","from":"{id}"}}"#))
        .collect();
    let inputs: Vec<String> = item_ids
        .iter()
        .filter(|i| !i.starts_with("msg"))
        .map(|i| format!(r#"{{"id":"{i}","type":"function_call_output"}}"#))
        .collect();
    StoredResponse {
        id: id.to_owned(),
        previous_response_id: None,
        response: format!(r#"{{"id":"{id}","output":[{}]}}"#, outputs.join(",")).into(),
        input_items: format!("[{}]", inputs.join(",")).into(),
        item_ids: item_ids.iter().map(|s| s.to_string()).collect(),
        expires_at,
        created_at,
    }
}

#[tokio::test]
async fn put_get_replace_delete() {
    let db = memory_db().await;
    let store = db.responses();
    let mut first = record("resp_1", &["in_1", "msg_1"], 10, None);
    first.previous_response_id = Some("resp_0".into());
    store.put(&first).await.unwrap();
    let got = store.get("resp_1", 0).await.unwrap().unwrap();
    // The text comes back byte for byte.
    assert_eq!(got.response, first.response);
    assert_eq!(got.input_items, first.input_items);
    assert_eq!(got.previous_response_id.as_deref(), Some("resp_0"));
    assert_eq!(got.item_ids, vec!["in_1", "msg_1"]);

    // Replacing by id replaces the item index too.
    store
        .put(&record("resp_1", &["msg_2"], 11, None))
        .await
        .unwrap();
    assert_eq!(store.count().await.unwrap(), 1);
    assert!(store.find_item("msg_1", 0).await.unwrap().is_none());
    assert_eq!(
        store.find_item("msg_2", 0).await.unwrap().unwrap()["id"],
        "msg_2"
    );

    assert!(store.delete("resp_1").await.unwrap());
    assert!(!store.delete("resp_1").await.unwrap());
    assert!(store.get("resp_1", 0).await.unwrap().is_none());
    assert!(store.find_item("msg_2", 0).await.unwrap().is_none());
    let orphans: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM response_items")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(orphans, 0, "the item index went with the response");
}

#[tokio::test]
async fn an_item_in_two_responses_is_found_in_the_newest() {
    let db = memory_db().await;
    let store = db.responses();
    store
        .put(&record("resp_a", &["msg_x"], 1, None))
        .await
        .unwrap();
    store
        .put(&record("resp_b", &["msg_x"], 2, None))
        .await
        .unwrap();
    assert_eq!(
        store.find_item("msg_x", 0).await.unwrap().unwrap()["from"],
        "resp_b"
    );
    store.delete("resp_b").await.unwrap();
    assert_eq!(
        store.find_item("msg_x", 0).await.unwrap().unwrap()["from"],
        "resp_a"
    );
    assert_eq!(store.find_item("call_1", 0).await.unwrap(), None);
}

#[tokio::test]
async fn expired_responses_are_hidden_then_deleted() {
    let db = memory_db().await;
    let store = db.responses();
    store
        .put(&record("resp_old", &["in_1"], 1, Some(100)))
        .await
        .unwrap();
    store
        .put(&record("resp_new", &["in_2"], 2, Some(1_000)))
        .await
        .unwrap();
    store
        .put(&record("resp_kept", &["in_3"], 3, None))
        .await
        .unwrap();
    assert!(store.get("resp_old", 99).await.unwrap().is_some());
    assert!(store.get("resp_old", 100).await.unwrap().is_none());
    assert!(store.find_item("in_1", 100).await.unwrap().is_none());
    assert_eq!(
        store.find_item("in_2", 100).await.unwrap().unwrap()["id"],
        "in_2"
    );
    assert_eq!(store.expire(500).await.unwrap(), 1);
    assert_eq!(store.count().await.unwrap(), 2);
    assert_eq!(store.expire(i64::MAX).await.unwrap(), 1);
    assert!(store.get("resp_kept", i64::MAX).await.unwrap().is_some());
}

#[tokio::test]
async fn a_row_whose_text_is_not_json_is_an_error_not_a_record() {
    let db = memory_db().await;
    let store = db.responses();
    store
        .put(&record("resp_1", &["in_1", "msg_1"], 10, None))
        .await
        .unwrap();
    // The gateway sends a stored response's text as it is: what is read back is checked.
    for cut in [
        r#"UPDATE responses SET response = '{"cut": ' WHERE id = 'resp_1'"#,
        r#"UPDATE responses SET input_items = '[{"cut": ' WHERE id = 'resp_1'"#,
    ] {
        sqlx::query(cut).execute(db.pool()).await.unwrap();
        assert!(store.get("resp_1", 0).await.is_err(), "{cut}");
        store
            .put(&record("resp_1", &["in_1", "msg_1"], 10, None))
            .await
            .unwrap();
        assert!(store.get("resp_1", 0).await.unwrap().is_some());
    }
}
