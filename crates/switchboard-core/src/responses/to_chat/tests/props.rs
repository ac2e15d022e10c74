//! Properties of the assembly over arbitrary item sequences: whatever order calls,
//! outputs, messages and reasoning arrive in, the chat conversation keeps the rules chat
//! upstreams enforce.

use proptest::prelude::*;

use super::*;
use crate::chat::{ChatMessage, Role};

/// One input item from a small vocabulary, so that ids collide often.
fn item() -> impl Strategy<Value = Value> {
    let id = || (0..3u8).prop_map(|n| format!("c{n}"));
    prop_oneof![
        Just(msg("user", "u")),
        Just(msg("developer", "d")),
        Just(said("a")),
        Just(reasoning("r", Value::Null)),
        id().prop_map(|id| fc(&id, "f", "")),
        id().prop_map(|id| out(&id, "o")),
        id().prop_map(
            |id| json!({"type": "custom_tool_call", "call_id": id, "name": "p",
                                  "input": "x"})
        ),
        id().prop_map(
            |id| json!({"type": "custom_tool_call_output", "call_id": id,
                                  "output": "y"})
        ),
        Just(json!({"type": "web_search_call", "id": "ws_1", "status": "completed"})),
    ]
}

/// Checks the rules: one system message, first; no tool message without its call right
/// before; every call answered by the tool messages right after it.
fn check_rules(messages: &[ChatMessage]) -> Result<(), TestCaseError> {
    for (index, message) in messages.iter().enumerate() {
        prop_assert!(
            message.role != Role::System || index == 0,
            "system at {index}"
        );
    }
    let mut index = 0;
    while let Some(message) = messages.get(index) {
        prop_assert!(
            message.role != Role::Tool,
            "tool message without a call at {index}"
        );
        index += 1;
        let Some(calls) = &message.tool_calls else {
            continue;
        };
        let mut ids: Vec<&str> = calls.iter().map(|call| call.id.as_str()).collect();
        while let Some(answer) = messages.get(index).filter(|next| next.role == Role::Tool) {
            let id = answer.tool_call_id.as_deref().unwrap_or_default();
            let position = ids.iter().position(|call| *call == id);
            prop_assert!(position.is_some(), "answer to {id} is not for this message");
            ids.retain(|call| *call != id);
            index += 1;
        }
        prop_assert!(ids.is_empty(), "unanswered calls {ids:?}");
        for call in calls {
            prop_assert!(serde_json::from_str::<Value>(&call.function.arguments).is_ok());
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_item_order_keeps_the_chat_rules(items in prop::collection::vec(item(), 0..14)) {
        let translation = run(json!({"model": "m", "instructions": "i", "input": items}), &[], &[],
                              SystemPolicy::MergeLeading);
        let translation = translation.map_err(|err| TestCaseError::fail(err.to_string()))?;
        check_rules(&translation.request.messages)?;
    }
}
