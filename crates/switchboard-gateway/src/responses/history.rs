//! Reading the store for a new request: the `previous_response_id` chain and the items
//! an `item_reference` names.

use std::collections::HashMap;

use serde_json::Value;
use switchboard_core::GatewayError;
use switchboard_core::responses::{Input, InputItem};

use crate::store::{ResponseStore, unreadable};

/// Longest chain followed, so a cycle in a corrupt store cannot loop forever.
const MAX_CHAIN: usize = 10_000;

/// The items of the chain ending at `previous_id`, oldest first: each stored response's
/// own input items, then its output items. Instructions are not items, so they are not
/// inherited. A missing link is a 400, as OpenAI answers.
pub(super) async fn expand(
    store: &dyn ResponseStore,
    previous_id: &str,
) -> Result<Vec<Value>, GatewayError> {
    let mut chain = Vec::new();
    let mut next = Some(previous_id.to_owned());
    while let Some(id) = next {
        if chain.len() >= MAX_CHAIN {
            return Err(GatewayError::invalid_request(
                "the previous_response_id chain is too long",
            )
            .with_param("previous_response_id"));
        }
        let record = store.get(&id).await?.ok_or_else(|| {
            GatewayError::invalid_request(format!("Previous response with id '{id}' not found."))
                .with_param("previous_response_id")
                .with_code("previous_response_not_found")
        })?;
        next = record.previous_response_id.clone();
        chain.push(record);
    }
    let mut items = Vec::new();
    for record in chain.iter().rev() {
        items.extend(record.input_items().map_err(|e| unreadable(&e))?);
        items.extend(record.output_items().map_err(|e| unreadable(&e))?);
    }
    Ok(items)
}

/// The stored items this input refers to with `item_reference`, by id. Unknown ids are
/// left out: the translation reports them.
pub(super) async fn referenced_items(
    store: &dyn ResponseStore,
    input: &Input,
) -> Result<HashMap<String, Value>, GatewayError> {
    let mut found = HashMap::new();
    let Input::Items(items) = input else {
        return Ok(found);
    };
    for item in items {
        if let InputItem::ItemReference(reference) = item
            && let Some(value) = store.find_item(&reference.id).await?
        {
            found.insert(reference.id.clone(), value);
        }
    }
    Ok(found)
}
