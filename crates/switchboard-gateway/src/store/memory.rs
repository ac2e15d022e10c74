//! [`MemoryStore`]: the in-process response store.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::Value;
use switchboard_core::GatewayError;

use super::{ResponseStore, StoredResponse, unreadable};

/// How much the memory store may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// Most responses kept; the oldest goes first.
    pub max_entries: usize,
    /// Most bytes kept (JSON size of responses and their input items).
    pub max_bytes: usize,
    /// How long a response is kept.
    pub ttl: Duration,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_bytes: 256 << 20,
            ttl: Duration::from_secs(24 * 3600),
        }
    }
}

struct Entry {
    record: Arc<StoredResponse>,
    bytes: usize,
    expires: Instant,
}

/// The maps share each response id (`Arc<str>`): one allocation per response, not one
/// per map and per item.
#[derive(Default)]
struct State {
    entries: HashMap<Arc<str>, Entry>,
    /// Item id → response id.
    items: HashMap<String, Arc<str>>,
    /// Response ids, oldest first (may hold ids already removed).
    order: VecDeque<Arc<str>>,
    bytes: usize,
}

/// Responses in memory, bounded by [`StoreLimits`]; lost at restart.
pub struct MemoryStore {
    limits: StoreLimits,
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store with `limits`.
    pub fn new(limits: StoreLimits) -> Self {
        Self {
            limits,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters more than losing the store, so a poisoned lock is simply taken over.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of responses held (expired ones included until they are noticed).
    pub fn len(&self) -> usize {
        self.state().entries.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl State {
    fn remove(&mut self, id: &str) -> Option<Entry> {
        let entry = self.entries.remove(id)?;
        self.bytes -= entry.bytes;
        for item in &entry.record.item_ids {
            if self.items.get(item).is_some_and(|owner| &**owner == id) {
                self.items.remove(item);
            }
        }
        Some(entry)
    }

    fn live(&mut self, id: &str, now: Instant) -> Option<Arc<StoredResponse>> {
        let expired = self.entries.get(id).is_some_and(|e| e.expires <= now);
        if expired {
            self.remove(id);
        }
        self.entries.get(id).map(|e| e.record.clone())
    }

    /// Drops the oldest entries until `limits` hold with `incoming` more bytes.
    fn make_room(&mut self, limits: &StoreLimits, incoming: usize, now: Instant) {
        while let Some(oldest) = self.order.front() {
            let over = self.entries.len() >= limits.max_entries
                || self.bytes + incoming > limits.max_bytes;
            let stale = self.entries.get(&**oldest).is_none_or(|e| e.expires <= now);
            if !(over || stale) {
                break;
            }
            if let Some(oldest) = self.order.pop_front() {
                self.remove(&oldest);
            }
        }
    }
}

#[async_trait]
impl ResponseStore for MemoryStore {
    async fn put(&self, record: StoredResponse) -> Result<(), GatewayError> {
        let bytes = record.size();
        if bytes > self.limits.max_bytes {
            return Err(GatewayError::internal(format!(
                "the response is larger than the store's limit of {} bytes",
                self.limits.max_bytes
            )));
        }
        let now = Instant::now();
        let mut state = self.state();
        state.remove(&record.id);
        state.make_room(&self.limits, bytes, now);
        let id: Arc<str> = Arc::from(record.id.as_str());
        for item in &record.item_ids {
            state.items.insert(item.to_owned(), id.clone());
        }
        state.bytes += bytes;
        state.order.push_back(id.clone());
        state.entries.insert(
            id,
            Entry {
                record: Arc::new(record),
                bytes,
                expires: now + self.limits.ttl,
            },
        );
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<Arc<StoredResponse>>, GatewayError> {
        Ok(self.state().live(id, Instant::now()))
    }

    async fn delete(&self, id: &str) -> Result<bool, GatewayError> {
        Ok(self.state().remove(id).is_some())
    }

    async fn find_item(&self, item_id: &str) -> Result<Option<Value>, GatewayError> {
        let mut state = self.state();
        let Some(owner) = state.items.get(item_id).cloned() else {
            return Ok(None);
        };
        let Some(record) = state.live(&owner, Instant::now()) else {
            return Ok(None);
        };
        // Parsed outside the lock.
        drop(state);
        let mut items = record.input_items().map_err(|e| unreadable(&e))?;
        items.extend(record.output_items().map_err(|e| unreadable(&e))?);
        Ok(items
            .into_iter()
            .find(|item| item.get("id").and_then(Value::as_str) == Some(item_id)))
    }
}

#[cfg(test)]
mod tests;
