//! The response store: what `store: true` keeps, for `previous_response_id`,
//! `item_reference`, `GET`/`DELETE /v1/responses/{id}` and its `input_items`.
//!
//! [`ResponseStore`] is the seam; [`MemoryStore`] is the default: bounded by count and
//! bytes, entries expire after a TTL, oldest evicted first. A durable backend implements
//! the same trait.

mod memory;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use switchboard_core::GatewayError;

pub use memory::{MemoryStore, StoreLimits};

/// One stored response.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// The `resp_…` id.
    pub id: String,
    /// The response this one continued, if any.
    pub previous_response_id: Option<String>,
    /// The `Response` object as sent to the client.
    pub response: Value,
    /// This request's own input items (not the expanded history), each with an `id`.
    pub input_items: Vec<Value>,
}

impl StoredResponse {
    /// The response's output items.
    pub fn output_items(&self) -> &[Value] {
        self.response
            .get("output")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// Ids of every item (input and output) it holds.
    pub fn item_ids(&self) -> impl Iterator<Item = &str> {
        self.input_items
            .iter()
            .chain(self.output_items())
            .filter_map(|item| item.get("id").and_then(Value::as_str))
    }
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
}
