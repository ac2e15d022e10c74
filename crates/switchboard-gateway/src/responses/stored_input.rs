//! A request's own input as the response store keeps it: each item with an id (OpenAI
//! assigns one to items that came without; ids must be unique across the store for
//! `item_reference`), references stored resolved, so replaying the response later does
//! not depend on the referenced one still being stored.
//!
//! The items are written as JSON from their typed form, not turned into `Value` trees
//! first and written from those: the trees cost an allocation per key and per string, and
//! were dropped right after.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;
use switchboard_core::GatewayError;
use switchboard_core::chat::Role;
use switchboard_core::responses::{
    Input, InputContent, InputItem, InputPart, MessageInput, TextPart, ids,
};

use crate::store::StoredInput;

/// One item as stored: a typed item given its id, or a value (a resolved reference, an
/// item type the gateway does not model).
#[derive(Serialize)]
#[serde(untagged)]
enum Stored {
    Typed(InputItem),
    Value(Value),
}

/// The input of a request as stored, taken over from the request (which no longer needs
/// it once translated); `references` are the stored items its `item_reference`s name, by
/// id (one not found is left out).
pub(super) fn stored_input(
    input: Input,
    references: &HashMap<String, Value>,
) -> Result<StoredInput, GatewayError> {
    let mut ids = Vec::new();
    let stored: Vec<Stored> = match input {
        Input::Text(text) => {
            let id = new_item_id("message");
            ids.push(id.clone());
            vec![Stored::Typed(InputItem::Message(MessageInput {
                role: Role::User,
                content: InputContent::Parts(vec![InputPart::InputText(TextPart {
                    text,
                    extra: serde_json::Map::new(),
                })]),
                id: Some(id),
                ..MessageInput::default()
            }))]
        }
        Input::Items(items) => items
            .into_iter()
            .filter_map(|item| stored_item(item, references, &mut ids))
            .collect(),
    };
    let json = crate::json_text::encode(&stored).map_err(|e| {
        GatewayError::internal(format!("could not encode the input to store it: {e}"))
    })?;
    Ok(StoredInput { json, ids })
}

/// `item` as stored, its id pushed onto `ids`; `None` for a reference to an item that is
/// not stored.
fn stored_item(
    mut item: InputItem,
    references: &HashMap<String, Value>,
    ids: &mut Vec<String>,
) -> Option<Stored> {
    let kind = item_type(&item);
    let id = match &mut item {
        InputItem::Message(item) => &mut item.id,
        InputItem::FunctionCall(item) => &mut item.id,
        InputItem::CustomToolCall(item) => &mut item.id,
        InputItem::FunctionCallOutput(item) | InputItem::CustomToolCallOutput(item) => &mut item.id,
        InputItem::Reasoning(item) => &mut item.id,
        InputItem::ItemReference(reference) => {
            let value = references.get(&reference.id)?.clone();
            return Some(Stored::Value(with_id(value, ids)));
        }
        InputItem::Unknown(value) => {
            return Some(Stored::Value(with_id(std::mem::take(value), ids)));
        }
    };
    let id = id.get_or_insert_with(|| new_item_id(kind));
    ids.push(id.clone());
    Some(Stored::Typed(item))
}

/// An item kept as a value (a type the gateway does not model, a resolved reference),
/// with `type` (`message` if it had none) and an id of that type if it had none that is
/// a string.
fn with_id(mut value: Value, ids: &mut Vec<String>) -> Value {
    if let Some(object) = value.as_object_mut() {
        let kind = object
            .entry("type")
            .or_insert_with(|| Value::String("message".into()))
            .as_str()
            .unwrap_or("message")
            .to_owned();
        match object.get("id").and_then(Value::as_str) {
            Some(id) => ids.push(id.to_owned()),
            None => {
                let id = new_item_id(&kind);
                ids.push(id.clone());
                object.insert("id".into(), Value::String(id));
            }
        }
    }
    value
}

/// The `type` a typed item is written with.
fn item_type(item: &InputItem) -> &'static str {
    match item {
        InputItem::Message(_) => "message",
        InputItem::FunctionCall(_) => "function_call",
        InputItem::FunctionCallOutput(_) => "function_call_output",
        InputItem::CustomToolCall(_) => "custom_tool_call",
        InputItem::CustomToolCallOutput(_) => "custom_tool_call_output",
        InputItem::Reasoning(_) => "reasoning",
        InputItem::ItemReference(_) => "item_reference",
        InputItem::Unknown(_) => "item",
    }
}

/// A fresh id for an input item of type `kind`, with OpenAI's prefix for that type.
fn new_item_id(kind: &str) -> String {
    let prefix = match kind {
        "message" => "msg",
        "function_call" => "fc",
        "function_call_output" => "fco",
        "custom_tool_call" => "ctc",
        "custom_tool_call_output" => "ctco",
        "reasoning" => "rs",
        _ => "item",
    };
    ids::random_id(prefix, fastrand::u128(..))
}

#[cfg(test)]
mod tests;
