//! The stored input against the way it was stored before (each item turned into a
//! `Value`, then given its type and id), on the same inputs: the same items, the same ids
//! where the client sent them, fresh ids of the right type where it did not.

use std::collections::HashMap;

use serde_json::{Value, json};
use switchboard_core::responses::{Input, InputItem};

use super::{new_item_id, stored_input};

/// How the input was stored before: every item as a `Value`, `type` (`message` when
/// absent) and a fresh id added where missing.
fn reference(input: &Input, references: &HashMap<String, Value>) -> Vec<Value> {
    match input {
        Input::Text(text) => vec![json!({
            "id": new_item_id("message"),
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        })],
        Input::Items(items) => items
            .iter()
            .filter_map(|item| match item {
                InputItem::ItemReference(r) => references.get(&r.id).cloned(),
                other => serde_json::to_value(other).ok(),
            })
            .map(|mut item| {
                if let Some(object) = item.as_object_mut() {
                    let kind = object
                        .entry("type")
                        .or_insert_with(|| Value::String("message".into()))
                        .as_str()
                        .unwrap_or("message")
                        .to_owned();
                    if !object.get("id").is_some_and(Value::is_string) {
                        object.insert("id".into(), Value::String(new_item_id(&kind)));
                    }
                }
                item
            })
            .collect(),
    }
}

/// A fresh id's random digits replaced, so two runs compare; the prefix stays.
fn masked(mut items: Value, sent: &[&str]) -> Value {
    for item in items.as_array_mut().unwrap() {
        let id = item["id"].as_str().unwrap().to_owned();
        if !sent.contains(&id.as_str()) {
            let (prefix, digits) = id.rsplit_once('_').unwrap();
            assert_eq!(digits.len(), 32, "{id}");
            assert!(digits.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
            item["id"] = Value::String(format!("{prefix}_<fresh>"));
        }
    }
    items
}

#[test]
fn the_stored_input_is_what_it_was() {
    let references: HashMap<String, Value> = [(
        "msg_stored".to_owned(),
        json!({"id": "msg_stored", "type": "message", "role": "assistant",
               "content": [{"type": "output_text", "text": "earlier", "annotations": []}]}),
    )]
    .into();
    let sent = ["msg_a", "fc_a", "msg_stored", "ws_1"];
    let inputs = [
        json!("Hello there"),
        json!([
            {"role": "user", "content": "no type, no id"},
            {"type": "message", "id": "msg_a", "role": "developer",
             "content": [{"type": "input_text", "text": "typed"}], "phase": "x"},
            {"type": "function_call", "id": "fc_a", "call_id": "c", "name": "f", "arguments": "{}"},
            {"type": "function_call", "call_id": "c2", "name": "g", "arguments": {"a": 1}},
            {"type": "function_call_output", "call_id": "c", "output": "done"},
            {"type": "custom_tool_call", "call_id": "c3", "name": "apply_patch", "input": "p"},
            {"type": "custom_tool_call_output", "call_id": "c3", "output": [{"type": "input_text", "text": "ok"}]},
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "s"}]},
            {"type": "item_reference", "id": "msg_stored"},
            {"id": "msg_missing"},
            {"type": "web_search_call", "id": "ws_1", "status": "completed"},
            {"type": "web_search_call", "status": "completed"},
            {"type": "compaction", "id": 7, "encrypted_content": "e"},
        ]),
    ];
    for input in inputs {
        let input: Input = serde_json::from_value(input).unwrap();
        let stored = stored_input(input.clone(), &references).unwrap();
        let got: Value = serde_json::from_str(&stored.json).unwrap();
        let ids: Vec<&str> = got
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap())
            .collect();
        assert_eq!(stored.ids, ids, "the ids are the items' own, in order");
        let expected = Value::Array(reference(&input, &references));
        assert_eq!(masked(got, &sent), masked(expected, &sent));
    }
}

#[test]
fn fresh_ids_have_their_types_prefix() {
    let input: Input = serde_json::from_value(json!([
        {"role": "user", "content": "x"},
        {"type": "function_call_output", "call_id": "c", "output": "y"},
        {"type": "reasoning", "summary": []},
    ]))
    .unwrap();
    let stored = stored_input(input, &HashMap::new()).unwrap();
    let prefixes: Vec<&str> = stored
        .ids
        .iter()
        .map(|id| id.rsplit_once('_').unwrap().0)
        .collect();
    assert_eq!(prefixes, ["msg", "fco", "rs"]);
}
