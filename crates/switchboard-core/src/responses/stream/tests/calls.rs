//! Tool calls: pieces by index, late names, changing ids, custom and namespaced tools.

use serde_json::json;

use super::*;

#[test]
fn two_parallel_calls_interleaved_by_index() {
    let events = run(
        stream(),
        &[
            tool_piece(json!({"index": 0, "id": "call_a", "type": "function",
                              "function": {"name": "get_weather", "arguments": "{\"city\":"}})),
            tool_piece(json!({"index": 1, "id": "call_b", "type": "function",
                              "function": {"name": "get_time", "arguments": "{\"tz\":"}})),
            tool_piece(json!({"index": 0, "function": {"arguments": "\"Paris\"}"}})),
            tool_piece(json!({"index": 1, "function": {"arguments": "\"CET\"}"}})),
            finish_reason("tool_calls"),
        ],
    );
    assert_lines(
        &events,
        &[
            "response.created in_progress",
            "response.in_progress in_progress",
            "response.output_item.added 0 function_call in_progress",
            "response.function_call_arguments.delta 0 \"{\\\"city\\\":\"",
            "response.output_item.added 1 function_call in_progress",
            "response.function_call_arguments.delta 1 \"{\\\"tz\\\":\"",
            "response.function_call_arguments.delta 0 \"\\\"Paris\\\"}\"",
            "response.function_call_arguments.delta 1 \"\\\"CET\\\"}\"",
            "response.function_call_arguments.done 0 get_weather \"{\\\"city\\\":\\\"Paris\\\"}\"",
            "response.output_item.done 0 function_call completed",
            "response.function_call_arguments.done 1 get_time \"{\\\"tz\\\":\\\"CET\\\"}\"",
            "response.output_item.done 1 function_call completed",
            "response.completed completed",
        ],
    );
    let fc = events[2]["item"]["id"].as_str().unwrap();
    assert!(fc.starts_with("fc_"));
    assert_eq!(
        events[2]["item"],
        json!({"type": "function_call", "id": fc, "call_id": "call_a", "name": "get_weather",
               "arguments": "", "status": "in_progress"})
    );
    assert_eq!(
        events[8],
        json!({"type": "response.function_call_arguments.done", "sequence_number": 8,
               "item_id": fc, "output_index": 0, "name": "get_weather",
               "arguments": "{\"city\":\"Paris\"}"})
    );
    assert_eq!(final_response(&events)["output"][1]["call_id"], "call_b");
}

#[test]
fn arguments_before_the_name_are_buffered() {
    let events = run(
        stream(),
        &[
            tool_piece(json!({"index": 0, "function": {"arguments": "{\"a\""}})),
            tool_piece(json!({"index": 0, "id": "call_1", "function": {"name": "f"}})),
            tool_piece(json!({"index": 0, "function": {"arguments": ":1}"}})),
            finish_reason("tool_calls"),
        ],
    );
    assert_lines(
        &events,
        &[
            "response.created in_progress",
            "response.in_progress in_progress",
            "response.output_item.added 0 function_call in_progress",
            "response.function_call_arguments.delta 0 \"{\\\"a\\\"\"",
            "response.function_call_arguments.delta 0 \":1}\"",
            "response.function_call_arguments.done 0 f \"{\\\"a\\\":1}\"",
            "response.output_item.done 0 function_call completed",
            "response.completed completed",
        ],
    );
}

#[test]
fn changing_ids_without_a_name_stay_one_call() {
    // Older vLLM builds put a fresh random id on every piece.
    let events = run(
        stream(),
        &[
            tool_piece(
                json!({"index": 0, "id": "chatcmpl-tool-1", "function": {"name": "f", "arguments": "{"}}),
            ),
            tool_piece(
                json!({"index": 0, "id": "chatcmpl-tool-2", "function": {"arguments": "\"x\":"}}),
            ),
            tool_piece(
                json!({"index": 0, "id": "chatcmpl-tool-3", "function": {"arguments": "2}"}}),
            ),
            finish_reason("tool_calls"),
        ],
    );
    let output = &final_response(&events)["output"];
    assert_eq!(output.as_array().unwrap().len(), 1);
    assert_eq!(output[0]["call_id"], "chatcmpl-tool-1");
    assert_eq!(output[0]["arguments"], "{\"x\":2}");
}

#[test]
fn a_new_id_and_name_on_the_same_index_is_a_new_call() {
    let events = run(
        stream(),
        &[
            tool_piece(
                json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{}"}}),
            ),
            tool_piece(
                json!({"index": 0, "id": "call_2", "function": {"name": "f", "arguments": "{\"n\":2}"}}),
            ),
            finish_reason("tool_calls"),
        ],
    );
    let output = &final_response(&events)["output"];
    assert_eq!(output[0]["call_id"], "call_1");
    assert_eq!(output[0]["arguments"], "{}");
    assert_eq!(output[1]["call_id"], "call_2");
    assert_eq!(output[1]["arguments"], "{\"n\":2}");
}

#[test]
fn stop_with_tool_calls_still_completes() {
    let events = run(
        stream(),
        &[
            tool_piece(
                json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{}"}}),
            ),
            finish_reason("stop"),
        ],
    );
    assert_eq!(events.last().unwrap()["type"], "response.completed");
    assert_eq!(final_response(&events)["output"][0]["status"], "completed");
}

#[test]
fn missing_id_is_synthesized_and_empty_arguments_become_an_object() {
    let events = run(
        stream(),
        &[
            tool_piece(json!({"index": 0, "function": {"name": "ping", "arguments": ""}})),
            // A piece that never gets a name is dropped: no client could run it.
            tool_piece(json!({"index": 1, "function": {"arguments": "{}"}})),
            finish_reason("tool_calls"),
        ],
    );
    let output = final_response(&events)["output"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(output.len(), 1);
    let call_id = output[0]["call_id"].as_str().unwrap();
    assert!(
        call_id.starts_with("call_") && call_id.len() == 29,
        "{call_id}"
    );
    assert_eq!(output[0]["arguments"], "{}");
}

#[test]
fn custom_tool_streams_its_unwrapped_input() {
    let mut names = ToolNames::default();
    names.add_custom("apply_patch");
    let events = run(
        stream_with(names),
        &[
            tool_piece(
                json!({"index": 0, "id": "call_p", "function": {"name": "apply_patch", "arguments": "{\"input\":\"*** Begin"}}),
            ),
            tool_piece(json!({"index": 0, "function": {"arguments": " Patch\\n+a \\\"q\\\"\\"}})),
            tool_piece(json!({"index": 0, "function": {"arguments": "n*** End Patch\"}"}})),
            finish_reason("tool_calls"),
        ],
    );
    assert_lines(
        &events,
        &[
            "response.created in_progress",
            "response.in_progress in_progress",
            "response.output_item.added 0 custom_tool_call in_progress",
            "response.custom_tool_call_input.delta 0 \"*** Begin\"",
            "response.custom_tool_call_input.delta 0 \" Patch\\n+a \\\"q\\\"\"",
            "response.custom_tool_call_input.delta 0 \"\\n*** End Patch\"",
            "response.custom_tool_call_input.done 0 \"*** Begin Patch\\n+a \\\"q\\\"\\n*** End Patch\"",
            "response.output_item.done 0 custom_tool_call completed",
            "response.completed completed",
        ],
    );
    let ctc = events[2]["item"]["id"].as_str().unwrap();
    assert!(ctc.starts_with("ctc_"));
    assert_eq!(
        events[7]["item"],
        json!({"type": "custom_tool_call", "id": ctc, "call_id": "call_p", "name": "apply_patch",
               "input": "*** Begin Patch\n+a \"q\"\n*** End Patch", "status": "completed"})
    );
}

#[test]
fn custom_tool_with_raw_arguments_sends_the_input_at_the_end() {
    let mut names = ToolNames::default();
    names.add_custom("apply_patch");
    let events = run(
        stream_with(names),
        &[
            tool_piece(
                json!({"index": 0, "id": "call_p", "function": {"name": "apply_patch", "arguments": "*** Begin Patch"}}),
            ),
            finish_reason("tool_calls"),
        ],
    );
    assert_eq!(events[3]["type"], "response.custom_tool_call_input.delta");
    assert_eq!(events[3]["delta"], "*** Begin Patch");
    assert_eq!(
        final_response(&events)["output"][0]["input"],
        "*** Begin Patch"
    );
}

#[test]
fn namespaced_call_carries_its_namespace() {
    let mut names = ToolNames::default();
    let chat_name = names.add_namespaced("multi_agent_v1", "spawn_agent");
    let events = run(
        stream_with(names),
        &[
            tool_piece(
                json!({"index": 0, "id": "call_n", "function": {"name": chat_name, "arguments": "{}"}}),
            ),
            finish_reason("tool_calls"),
        ],
    );
    assert_eq!(events[2]["item"]["namespace"], "multi_agent_v1");
    assert_eq!(events[2]["item"]["name"], "spawn_agent");
    assert_eq!(events[4]["type"], "response.function_call_arguments.done");
    assert_eq!(events[4]["name"], "spawn_agent");
    let item = &final_response(&events)["output"][0];
    assert_eq!(
        (item["name"].as_str(), item["namespace"].as_str()),
        (Some("spawn_agent"), Some("multi_agent_v1"))
    );
}

#[test]
fn text_after_a_tool_call_opens_a_new_message() {
    let events = run(
        stream(),
        &[
            delta(json!({"content": "Let me check."})),
            tool_piece(
                json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{}"}}),
            ),
            delta(json!({"content": "Done."})),
            finish_reason("tool_calls"),
        ],
    );
    let output = final_response(&events)["output"]
        .as_array()
        .unwrap()
        .clone();
    let kinds: Vec<&str> = output
        .iter()
        .map(|item| item["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["message", "function_call", "message"]);
    assert_ne!(output[0]["id"], output[2]["id"]);
    assert_eq!(output[2]["content"][0]["text"], "Done.");
}
