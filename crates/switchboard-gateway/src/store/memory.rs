//! [`MemoryStore`]: the in-process response store.

mod tables;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::Value;
use switchboard_core::GatewayError;

use self::tables::Tables;
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

/// Responses in memory, bounded by [`StoreLimits`]; lost at restart.
pub struct MemoryStore {
    limits: StoreLimits,
    state: Mutex<Tables>,
}

impl MemoryStore {
    /// An empty store with `limits`.
    pub fn new(limits: StoreLimits) -> Self {
        Self {
            limits,
            state: Mutex::new(Tables::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, Tables> {
        // A panic while holding the lock cannot leave the tables half-updated in a way that
        // matters more than losing the store, so a poisoned lock is simply taken over.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of responses held (expired ones included until they are noticed).
    pub fn len(&self) -> usize {
        self.state().len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        // A TTL too long for the clock never expires (`store_ttl` may be any positive
        // number of seconds).
        let expires = now.checked_add(self.limits.ttl);
        self.state()
            .insert(record, bytes, expires, &self.limits, now);
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<Arc<StoredResponse>>, GatewayError> {
        Ok(self.state().live(id, Instant::now()))
    }

    async fn delete(&self, id: &str) -> Result<bool, GatewayError> {
        Ok(self.state().remove(id))
    }

    async fn find_item(&self, item_id: &str) -> Result<Option<Value>, GatewayError> {
        let owner = self.state().owner_of(item_id, Instant::now());
        let Some(record) = owner else {
            return Ok(None);
        };
        // Parsed outside the lock.
        let mut items = record.input_items().map_err(|e| unreadable(&e))?;
        items.extend(record.output_items().map_err(|e| unreadable(&e))?);
        Ok(items
            .into_iter()
            .find(|item| item.get("id").and_then(Value::as_str) == Some(item_id)))
    }
}

#[cfg(test)]
mod tests;
