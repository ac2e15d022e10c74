use serde_json::json;

use super::*;

fn record(id: &str, text: &str) -> StoredResponse {
    let response = json!({"id": id, "object": "response", "output": [
        {"id": format!("msg_{id}"), "type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}
    ]});
    let input = json!([
        {"id": format!("in_{id}"), "type": "message", "role": "user", "content": text}
    ]);
    StoredResponse {
        id: id.to_owned(),
        previous_response_id: None,
        response: serde_json::value::to_raw_value(&response).unwrap(),
        input_items: serde_json::value::to_raw_value(&input).unwrap(),
        item_ids: vec![format!("in_{id}"), format!("msg_{id}")],
        expires_at: None,
        created_at: 0,
    }
}

fn store(max_entries: usize, max_bytes: usize, ttl: Duration) -> MemoryStore {
    MemoryStore::new(StoreLimits {
        max_entries,
        max_bytes,
        ttl,
    })
}

#[tokio::test]
async fn put_get_delete_and_items() {
    let s = store(10, 1 << 20, Duration::from_secs(60));
    s.put(record("resp_1", "hello")).await.unwrap();
    assert_eq!(s.get("resp_1").await.unwrap().unwrap().id, "resp_1");
    assert_eq!(
        s.find_item("msg_resp_1").await.unwrap().unwrap()["content"][0]["text"],
        "hello"
    );
    assert_eq!(
        s.find_item("in_resp_1").await.unwrap().unwrap()["role"],
        "user"
    );
    assert!(s.delete("resp_1").await.unwrap());
    assert!(!s.delete("resp_1").await.unwrap());
    assert!(s.get("resp_1").await.unwrap().is_none());
    assert!(s.find_item("msg_resp_1").await.unwrap().is_none());
}

#[tokio::test]
async fn the_oldest_go_first_when_full() {
    let s = store(2, 1 << 20, Duration::from_secs(60));
    for id in ["resp_1", "resp_2", "resp_3"] {
        s.put(record(id, "x")).await.unwrap();
    }
    assert!(s.get("resp_1").await.unwrap().is_none());
    assert!(s.get("resp_2").await.unwrap().is_some());
    assert!(s.get("resp_3").await.unwrap().is_some());
    assert_eq!(s.len(), 2);
}

#[tokio::test]
async fn the_byte_limit_holds() {
    let one = record("resp_1", "x").size();
    let s = store(100, one * 2 + one / 2, Duration::from_secs(60));
    for id in ["resp_1", "resp_2", "resp_3"] {
        s.put(record(id, "x")).await.unwrap();
    }
    assert_eq!(s.len(), 2);
    assert!(s.get("resp_1").await.unwrap().is_none());
    let huge = record("resp_big", &"y".repeat(one * 3));
    assert!(s.put(huge).await.is_err());
}

#[tokio::test]
async fn entries_expire() {
    let s = store(10, 1 << 20, Duration::from_millis(30));
    s.put(record("resp_1", "x")).await.unwrap();
    assert!(s.get("resp_1").await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(s.get("resp_1").await.unwrap().is_none());
    assert!(s.find_item("msg_resp_1").await.unwrap().is_none());
}

#[tokio::test]
async fn replacing_an_id_keeps_the_books_straight() {
    let s = store(10, 1 << 20, Duration::from_secs(60));
    s.put(record("resp_1", "a")).await.unwrap();
    s.put(record("resp_1", "bb")).await.unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s.state().bytes, record("resp_1", "bb").size());
}

#[tokio::test]
async fn many_writers_lose_nothing() {
    let s = Arc::new(store(10_000, 64 << 20, Duration::from_secs(60)));
    let mut tasks = Vec::new();
    for t in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..100 {
                s.put(record(&format!("resp_{t}_{i}"), "x")).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.len(), 800);
}
