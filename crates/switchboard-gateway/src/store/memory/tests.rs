use serde_json::json;

use super::*;
use std::time::Instant;

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
        response: response.to_string().into(),
        input_items: input.to_string().into(),
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
    // An expired response nobody asks for goes at the next put, its bytes with it.
    s.put(record("resp_2", "x")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    s.put(record("resp_3", "x")).await.unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s.state().bytes, record("resp_3", "x").size());
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

#[tokio::test]
async fn an_item_held_twice_stays_found_while_its_newest_holder_lives() {
    let s = store(2, 1 << 20, Duration::from_secs(60));
    let mut first = record("resp_1", "x");
    first.item_ids.push("shared".into());
    let mut second = record("resp_2", "y");
    second.item_ids.push("shared".into());
    s.put(first).await.unwrap();
    s.put(second).await.unwrap();
    let owner = s.state().owner_of("shared", Instant::now()).unwrap();
    assert_eq!(owner.id, "resp_2");
    // The older holder goes (deleted, or evicted by a third put): the item stays found.
    assert!(s.delete("resp_1").await.unwrap());
    assert_eq!(
        s.state().owner_of("shared", Instant::now()).unwrap().id,
        "resp_2"
    );
    s.put(record("resp_3", "z")).await.unwrap();
    s.put(record("resp_4", "z")).await.unwrap();
    assert!(s.state().owner_of("shared", Instant::now()).is_none());
    assert_eq!(s.len(), 2);
}

#[tokio::test]
async fn a_replaced_response_is_not_evicted_by_its_old_place_in_line() {
    let s = store(2, 1 << 20, Duration::from_secs(60));
    s.put(record("resp_1", "a")).await.unwrap();
    s.put(record("resp_2", "b")).await.unwrap();
    // resp_1 again: now the newest. The next put evicts resp_2, the oldest.
    s.put(record("resp_1", "c")).await.unwrap();
    s.put(record("resp_3", "d")).await.unwrap();
    assert!(s.get("resp_2").await.unwrap().is_none());
    let kept = s.get("resp_1").await.unwrap().unwrap();
    assert!(kept.response.contains("\"c\""));
    assert!(s.find_item("msg_resp_1").await.unwrap().is_some());
}

#[tokio::test]
async fn a_ttl_too_long_for_the_clock_never_expires() {
    let s = store(10, 1 << 20, Duration::MAX);
    s.put(record("resp_1", "x")).await.unwrap();
    assert!(s.get("resp_1").await.unwrap().is_some());
}

/// A model of the store without hashes, serials or shared pointers: responses in a list,
/// oldest first, and a map of item id → the response id that owns it.
#[derive(Default)]
struct Model {
    held: Vec<(String, Vec<String>, usize)>,
    items: std::collections::HashMap<String, String>,
}

impl Model {
    fn remove(&mut self, id: &str) {
        if let Some(at) = self.held.iter().position(|(held, ..)| held == id) {
            let (_, items, _) = self.held.remove(at);
            for item in items {
                if self.items.get(&item).is_some_and(|owner| owner == id) {
                    self.items.remove(&item);
                }
            }
        }
    }

    fn put(&mut self, id: &str, items: Vec<String>, bytes: usize, limits: &StoreLimits) {
        self.remove(id);
        while !self.held.is_empty()
            && (self.held.len() >= limits.max_entries || self.bytes() + bytes > limits.max_bytes)
        {
            let oldest = self.held[0].0.clone();
            self.remove(&oldest);
        }
        for item in &items {
            self.items.insert(item.clone(), id.to_owned());
        }
        self.held.push((id.to_owned(), items, bytes));
    }

    fn bytes(&self) -> usize {
        self.held.iter().map(|(.., bytes)| bytes).sum()
    }
}

/// Random puts (new ids, replaced ids, items shared between responses) and deletes,
/// checked against [`Model`] after every step: what is held, the byte count, and which
/// response owns each item.
#[test]
fn the_tables_agree_with_a_plain_model() {
    let limits = StoreLimits {
        max_entries: 8,
        max_bytes: 2_000,
        ttl: Duration::from_secs(60),
    };
    let mut rng = fastrand::Rng::with_seed(7);
    let mut tables = tables::Tables::default();
    let mut model = Model::default();
    let now = Instant::now();
    for _ in 0..5_000 {
        let id = format!("resp_{}", rng.u8(..24));
        if rng.u8(..5) == 0 {
            assert_eq!(
                tables.remove(&id),
                model.held.iter().any(|(h, ..)| *h == id)
            );
            model.remove(&id);
        } else {
            let mut record = record(&id, &"t".repeat(rng.usize(..200)));
            // Items of its own, and some drawn from a small shared pool.
            for _ in 0..rng.usize(..3) {
                record.item_ids.push(format!("shared_{}", rng.u8(..10)));
            }
            let bytes = record.size();
            let items = record.item_ids.clone();
            tables.insert(record, bytes, Some(now + limits.ttl), &limits, now);
            model.put(&id, items, bytes, &limits);
        }
        assert_eq!(tables.len(), model.held.len());
        assert_eq!(tables.bytes, model.bytes());
        for n in 0..24 {
            let id = format!("resp_{n}");
            let held = model.held.iter().any(|(h, ..)| *h == id);
            assert_eq!(tables.live(&id, now).is_some(), held, "{id}");
            for item in [format!("in_{id}"), format!("msg_{id}")] {
                let owner = tables.owner_of(&item, now).map(|r| r.id.clone());
                assert_eq!(owner.as_ref(), model.items.get(&item), "{item}");
            }
        }
        for n in 0..10 {
            let item = format!("shared_{n}");
            let owner = tables.owner_of(&item, now).map(|r| r.id.clone());
            assert_eq!(owner.as_ref(), model.items.get(&item), "{item}");
        }
    }
}
