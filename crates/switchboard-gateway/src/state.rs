//! [`StateHandle`]: the gateway's embedded database (`[state] path`), opened once — when the
//! server starts, or at first use — and shared by everything that keeps state: stored
//! responses, usage records, virtual keys, the admin API.

use switchboard_core::GatewayError;
use switchboard_state::{Database, StateError};
use tokio::sync::OnceCell;

use crate::spend_cache::SpendCache;

/// The state database, opened lazily, with what the gateway keeps derived from it.
pub struct StateHandle {
    path: String,
    db: OnceCell<Database>,
    spend: SpendCache,
}

impl StateHandle {
    /// A handle on the database at `path` (`:memory:` for one that lives with the
    /// process). Nothing is opened yet.
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            db: OnceCell::new(),
            spend: SpendCache::default(),
        }
    }

    /// What virtual keys have spent (read from the database, kept up to date by the usage
    /// records this instance writes).
    pub(crate) fn spend(&self) -> &SpendCache {
        &self.spend
    }

    /// The configured path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The database, opened (and migrated) on first call.
    pub async fn open(&self) -> Result<&Database, StateError> {
        if let Some(db) = self.db.get() {
            return Ok(db);
        }
        // Boxed: opening (connecting, migrating) is a future of several KiB, and this one
        // is part of every request's; inline, every request would carry and copy it.
        Box::pin(self.db.get_or_try_init(|| Database::open(&self.path))).await
    }

    /// The database, or a 500 for a client that names no path or query (the reason is
    /// logged).
    pub async fn db(&self) -> Result<&Database, GatewayError> {
        self.open().await.map_err(|e| failed(&e))
    }
}

/// A database failure as a client sees it: a 500 that says which store, never a path or a
/// query. The whole error is logged.
pub fn failed(e: &StateError) -> GatewayError {
    tracing::warn!(error = %e, "the state database failed");
    GatewayError::internal("the gateway's state database could not be read or written")
}
