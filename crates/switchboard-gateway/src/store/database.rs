//! [`DatabaseStore`]: stored responses in the gateway's SQLite state database
//! (`switchboard-state`), so they survive a restart and are shared by everything that opens
//! the same file. A response is durable (committed, `synchronous = FULL`) before the
//! Responses stream's terminal event goes out.
//!
//! The database is the gateway's [`StateHandle`], opened when the server starts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use switchboard_core::GatewayError;
use switchboard_state::{Database, now_ms};

use super::{ResponseStore, StoredResponse};
use crate::state::{StateHandle, failed};

/// Expired responses are deleted every this many writes.
const EXPIRE_EVERY: u64 = 256;

/// Stored responses in the state database.
pub struct DatabaseStore {
    state: Arc<StateHandle>,
    ttl: Duration,
    writes: AtomicU64,
}

impl DatabaseStore {
    /// A store in `state`'s database, keeping responses for `ttl`.
    pub fn new(state: Arc<StateHandle>, ttl: Duration) -> Arc<Self> {
        Arc::new(Self {
            state,
            ttl,
            writes: AtomicU64::new(0),
        })
    }

    async fn database(&self) -> Result<&Database, GatewayError> {
        self.state.db().await
    }

    fn expires_at(&self, now: i64) -> Option<i64> {
        i64::try_from(self.ttl.as_millis())
            .ok()
            .map(|ttl| now.saturating_add(ttl))
    }
}

#[async_trait]
impl ResponseStore for DatabaseStore {
    async fn put(&self, mut record: StoredResponse) -> Result<(), GatewayError> {
        let db = self.database().await?;
        let now = now_ms();
        record.created_at = now;
        record.expires_at = self.expires_at(now);
        let responses = db.responses();
        responses.put(&record).await.map_err(|e| failed(&e))?;
        if self.writes.fetch_add(1, Ordering::Relaxed) % EXPIRE_EVERY == EXPIRE_EVERY - 1
            && let Err(e) = responses.expire(now).await
        {
            tracing::warn!(error = %e, "could not delete expired responses");
        }
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<Arc<StoredResponse>>, GatewayError> {
        let db = self.database().await?;
        let found = db
            .responses()
            .get(id, now_ms())
            .await
            .map_err(|e| failed(&e))?;
        Ok(found.map(Arc::new))
    }

    async fn delete(&self, id: &str) -> Result<bool, GatewayError> {
        let db = self.database().await?;
        db.responses().delete(id).await.map_err(|e| failed(&e))
    }

    async fn find_item(&self, item_id: &str) -> Result<Option<Value>, GatewayError> {
        let db = self.database().await?;
        db.responses()
            .find_item(item_id, now_ms())
            .await
            .map_err(|e| failed(&e))
    }

    async fn ready(&self) -> Result<(), GatewayError> {
        // For the operator at start: the whole reason (it names the file).
        self.state
            .open()
            .await
            .map(|_| ())
            .map_err(|e| GatewayError::internal(format!("{} ({e})", self.state.path())))
    }
}
