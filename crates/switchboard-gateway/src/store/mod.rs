//! The response store: what `store: true` keeps, for `previous_response_id`,
//! `item_reference`, `GET`/`DELETE /v1/responses/{id}` and its `input_items`.
//!
//! [`ResponseStore`] is the seam. [`DatabaseStore`], the default, keeps them in the
//! gateway's SQLite state database (durable, survives restarts); [`MemoryStore`]
//! (`responses.store = "memory"`) keeps them in the process, bounded by count and bytes,
//! oldest evicted first. Both expire entries after a TTL.

mod database;
mod memory;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use switchboard_core::GatewayError;
use switchboard_core::responses::Response as ResponseObject;

pub use database::DatabaseStore;
pub use memory::{MemoryStore, StoreLimits};

/// One stored response, kept as the JSON text it was sent as: a record costs about its
/// text in memory (a parsed `Value` tree costs several times that), storing it encodes
/// the response once, and `GET /v1/responses/{id}` answers the text as it is. Items are
/// parsed only when a later request reads them. The same type the state database keeps;
/// the in-memory store ignores its `created_at` and `expires_at` (it has its own TTL).
pub use switchboard_state::StoredResponse;

/// A request's own input items as the store keeps them: their JSON array, every item
/// with an id, and those ids in order.
#[derive(Debug)]
pub struct StoredInput {
    /// The JSON text of the items' array.
    pub json: Box<str>,
    /// The items' ids, in order.
    pub ids: Vec<String>,
}

/// A record of `response` (its JSON `response_json`, as encoded for the client: taken as
/// it is, not parsed again) with the request's own `input`, indexed by the ids of its
/// input and output items.
pub fn stored_response(
    response: &ResponseObject,
    response_json: Arc<str>,
    previous_response_id: Option<String>,
    input: StoredInput,
) -> StoredResponse {
    let mut item_ids = input.ids;
    item_ids.extend(response.output.iter().map(|item| item.id().to_owned()));
    StoredResponse {
        id: response.id.clone(),
        previous_response_id,
        response: response_json,
        input_items: input.json,
        item_ids,
        expires_at: None,
        created_at: switchboard_state::now_ms(),
    }
}

/// A stored response that cannot be read back, as the client sees it.
pub(crate) fn unreadable(e: &switchboard_state::StateError) -> GatewayError {
    GatewayError::internal(format!("a stored response could not be read: {e}"))
}

/// Where stored responses live. Every method may be called concurrently.
#[async_trait]
pub trait ResponseStore: Send + Sync + 'static {
    /// Keeps `record`, replacing one with the same id. Visible to `get` once this returns.
    async fn put(&self, record: StoredResponse) -> Result<(), GatewayError>;

    /// The record with this id, if it is stored and not expired.
    async fn get(&self, id: &str) -> Result<Option<Arc<StoredResponse>>, GatewayError>;

    /// Removes a record; true if there was one.
    async fn delete(&self, id: &str) -> Result<bool, GatewayError>;

    /// An input or output item of any stored response, by item id.
    async fn find_item(&self, item_id: &str) -> Result<Option<Value>, GatewayError>;

    /// Makes the store ready to serve (opens a database), so a broken store is reported
    /// when the server starts rather than at the first request. Nothing by default.
    async fn ready(&self) -> Result<(), GatewayError> {
        Ok(())
    }
}
