//! The structural rules every event sequence must follow, whatever the chunks were.

use std::collections::BTreeMap;

use serde_json::Value;

/// What has been seen of one output item.
#[derive(Default)]
struct Seen {
    id: String,
    done: Option<Value>,
    /// Concatenated deltas by (event family, content or summary index).
    deltas: BTreeMap<(String, i64), String>,
}

/// Checks the bridge spec §4.1 rules and the openai-python / Codex constraints (§7.3, §8)
/// on a whole stream of events, as JSON.
pub(super) fn check_invariants(events: &[Value]) {
    assert!(events.len() >= 3, "too few events: {events:?}");
    assert_eq!(events[0]["type"], "response.created");
    assert_eq!(events[1]["type"], "response.in_progress");
    let terminal_types = [
        "response.completed",
        "response.incomplete",
        "response.failed",
    ];
    let mut items: Vec<Seen> = Vec::new();
    let mut last_done: Option<usize> = None;
    for (n, event) in events.iter().enumerate() {
        let kind = event["type"].as_str().unwrap();
        assert_eq!(
            event["sequence_number"], n as u64,
            "sequence number of {event}"
        );
        assert!(
            kind == "error" || event.get("error").is_none(),
            "top-level error key on {event}"
        );
        let is_terminal = terminal_types.contains(&kind);
        assert_eq!(
            is_terminal,
            n == events.len() - 1,
            "terminal event placement: {kind}"
        );
        if let Some(response) = event.get("response") {
            check_response(response, kind);
        }
        let Some(index) = event.get("output_index").and_then(Value::as_u64) else {
            continue;
        };
        let index = index as usize;
        if kind == "response.output_item.added" {
            assert_eq!(
                index,
                items.len(),
                "output_index must be the next one: {event}"
            );
            assert_eq!(event["item"]["status"], "in_progress");
            items.push(Seen {
                id: event["item"]["id"].as_str().unwrap().to_owned(),
                ..Seen::default()
            });
            continue;
        }
        let seen = items
            .get_mut(index)
            .unwrap_or_else(|| panic!("event before added: {event}"));
        assert!(seen.done.is_none(), "event after output_item.done: {event}");
        if kind == "response.output_item.done" {
            assert_eq!(
                event["item"]["id"],
                seen.id.as_str(),
                "done id differs from added"
            );
            assert!(
                last_done < Some(index),
                "items must end in output_index order"
            );
            last_done = Some(index);
            seen.done = Some(event["item"].clone());
            continue;
        }
        assert_eq!(event["item_id"], seen.id.as_str(), "item_id of {event}");
        check_part_events(seen, kind, event);
    }
    for (index, seen) in items.iter().enumerate() {
        let done = seen
            .done
            .as_ref()
            .unwrap_or_else(|| panic!("item {index} never done"));
        check_deltas_add_up(seen, done);
    }
    let output = final_output(events);
    let done_items: Vec<&Value> = items.iter().filter_map(|seen| seen.done.as_ref()).collect();
    assert_eq!(
        output.iter().collect::<Vec<_>>(),
        done_items,
        "final output != done items"
    );
}

/// The terminal response's output.
fn final_output(events: &[Value]) -> Vec<Value> {
    events.last().unwrap()["response"]["output"]
        .as_array()
        .unwrap()
        .clone()
}

/// Shapes of the response inside a lifecycle event.
fn check_response(response: &Value, kind: &str) {
    let status = response["status"].as_str().unwrap();
    let expected = match kind {
        "response.completed" => "completed",
        "response.incomplete" => "incomplete",
        "response.failed" => "failed",
        _ => "in_progress",
    };
    assert_eq!(status, expected, "status inside {kind}");
    assert_eq!(response["completed_at"].is_null(), status != "completed");
    assert_eq!(response["error"].is_null(), status != "failed");
    assert_eq!(
        response["incomplete_details"].is_null(),
        status != "incomplete"
    );
    if status == "in_progress" {
        assert_eq!(response["output"], serde_json::json!([]));
        assert!(response.get("usage").is_none());
    }
    if let Some(usage) = response.get("usage") {
        for key in ["input_tokens", "output_tokens", "total_tokens"] {
            assert!(usage[key].is_u64(), "usage.{key} must be an integer");
        }
        assert!(usage["input_tokens_details"]["cached_tokens"].is_u64());
        assert!(usage["output_tokens_details"]["reasoning_tokens"].is_u64());
    }
}

/// Part-level rules: parts are added before their deltas; text deltas carry `logprobs`;
/// reasoning events carry `summary_index`.
fn check_part_events(seen: &mut Seen, kind: &str, event: &Value) {
    let sub = event
        .get("content_index")
        .or_else(|| event.get("summary_index"))
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    if kind.starts_with("response.reasoning_summary") {
        assert!(
            event.get("summary_index").is_some(),
            "no summary_index: {event}"
        );
    }
    if kind.starts_with("response.output_text.") {
        assert!(event["logprobs"].is_array(), "no logprobs: {event}");
    }
    let family = match kind {
        "response.content_part.added" | "response.reasoning_summary_part.added" => {
            seen.deltas.insert(("part".into(), sub), String::new());
            return;
        }
        k if k.ends_with(".delta") => k.trim_end_matches(".delta").to_owned(),
        _ => return,
    };
    if family.contains("output_text") || family.contains("refusal") || family.contains("summary") {
        assert!(
            seen.deltas.contains_key(&("part".into(), sub)),
            "delta before part: {event}"
        );
    }
    let delta = event["delta"].as_str().unwrap();
    seen.deltas
        .entry((family, sub))
        .or_default()
        .push_str(delta);
}

/// The deltas of each part, argument or input add up to the final item's text.
fn check_deltas_add_up(seen: &Seen, done: &Value) {
    for ((family, sub), text) in &seen.deltas {
        let sub = *sub as usize;
        let expected = match family.as_str() {
            "part" => continue,
            "response.output_text" => &done["content"][sub]["text"],
            "response.refusal" => &done["content"][sub]["refusal"],
            "response.reasoning_summary_text" => &done["summary"][sub]["text"],
            "response.function_call_arguments" => &done["arguments"],
            "response.custom_tool_call_input" => &done["input"],
            other => panic!("unexpected delta family {other}"),
        };
        assert_eq!(expected.as_str(), Some(text.as_str()), "{family} deltas");
    }
}
