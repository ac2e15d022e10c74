//! Text, reasoning and refusal.

use serde_json::json;

use super::*;

#[test]
fn text_only() {
    let events = run(
        stream(),
        &[
            delta(json!({"role": "assistant", "content": ""})),
            delta(json!({"content": "Hel"})),
            delta(json!({"content": "lo"})),
            finish_reason("stop"),
        ],
    );
    assert_lines(
        &events,
        &[
            "response.created in_progress",
            "response.in_progress in_progress",
            "response.output_item.added 0 message in_progress",
            "response.content_part.added 0/0 output_text \"\"",
            "response.output_text.delta 0/0 \"Hel\"",
            "response.output_text.delta 0/0 \"lo\"",
            "response.output_text.done 0/0 \"Hello\"",
            "response.content_part.done 0/0 output_text \"Hello\"",
            "response.output_item.done 0 message completed",
            "response.completed completed",
        ],
    );
    let id = events[2]["item"]["id"].as_str().unwrap();
    assert!(id.starts_with("msg_"));
    assert_eq!(
        events[4],
        json!({"type": "response.output_text.delta", "sequence_number": 4, "item_id": id,
               "output_index": 0, "content_index": 0, "delta": "Hel", "logprobs": []})
    );
    assert_eq!(
        events[3]["part"],
        json!({"type": "output_text", "text": "", "annotations": [], "logprobs": []})
    );
    let response = final_response(&events);
    assert_eq!(
        response["output"],
        json!([{"type": "message", "id": id, "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": "Hello", "annotations": [], "logprobs": []}]}])
    );
    assert_eq!(response["completed_at"], 200);
    assert_eq!(response["created_at"], 100);
    assert_eq!(response["id"], RESPONSE_ID);
    assert_eq!(response["model"], "test-model");
    assert!(response.get("usage").is_none(), "no usage was reported");
}

#[test]
fn reasoning_then_text() {
    let events = run(
        stream(),
        &[
            delta(json!({"role": "assistant", "content": null, "reasoning_content": ""})),
            delta(json!({"content": null, "reasoning_content": "Think"})),
            delta(json!({"content": null, "reasoning_content": "ing"})),
            // DeepSeek starts the answer with blank lines: held back, then sent with the text.
            delta(json!({"content": "\n\n", "reasoning_content": null})),
            delta(json!({"content": "Hi", "reasoning_content": null})),
            finish_reason("stop"),
        ],
    );
    assert_lines(
        &events,
        &[
            "response.created in_progress",
            "response.in_progress in_progress",
            "response.output_item.added 0 reasoning in_progress",
            "response.reasoning_summary_part.added 0/0 summary_text \"\"",
            "response.reasoning_summary_text.delta 0/0 \"Think\"",
            "response.reasoning_summary_text.delta 0/0 \"ing\"",
            "response.reasoning_summary_text.done 0/0 \"Thinking\"",
            "response.reasoning_summary_part.done 0/0 summary_text \"Thinking\"",
            "response.output_item.done 0 reasoning completed",
            "response.output_item.added 1 message in_progress",
            "response.content_part.added 1/0 output_text \"\"",
            "response.output_text.delta 1/0 \"\\n\\nHi\"",
            "response.output_text.done 1/0 \"\\n\\nHi\"",
            "response.content_part.done 1/0 output_text \"\\n\\nHi\"",
            "response.output_item.done 1 message completed",
            "response.completed completed",
        ],
    );
    let rs = events[2]["item"]["id"].as_str().unwrap();
    assert!(rs.starts_with("rs_"));
    assert_eq!(
        events[2]["item"],
        json!({"type": "reasoning", "id": rs, "status": "in_progress", "summary": [],
               "encrypted_content": null})
    );
    assert_eq!(
        events[8]["item"],
        json!({"type": "reasoning", "id": rs, "status": "completed",
               "summary": [{"type": "summary_text", "text": "Thinking"}],
               "content": [{"type": "reasoning_text", "text": "Thinking"}],
               "encrypted_content": null})
    );
    assert_eq!(
        events[4],
        json!({"type": "response.reasoning_summary_text.delta", "sequence_number": 4,
               "item_id": rs, "output_index": 0, "summary_index": 0, "delta": "Think"})
    );
}

#[test]
fn vllm_reasoning_field_is_read_too() {
    let events = run(
        stream(),
        &[delta(json!({"reasoning": "hmm"})), finish_reason("stop")],
    );
    assert_eq!(
        final_response(&events)["output"][0]["summary"][0]["text"],
        "hmm"
    );
}

#[test]
fn refusal_gets_its_own_part() {
    let events = run(
        stream(),
        &[
            delta(json!({"content": "Sorry."})),
            delta(json!({"refusal": "I can't"})),
            delta(json!({"refusal": " help."})),
            finish_reason("stop"),
        ],
    );
    assert_lines(
        &events,
        &[
            "response.created in_progress",
            "response.in_progress in_progress",
            "response.output_item.added 0 message in_progress",
            "response.content_part.added 0/0 output_text \"\"",
            "response.output_text.delta 0/0 \"Sorry.\"",
            "response.output_text.done 0/0 \"Sorry.\"",
            "response.content_part.done 0/0 output_text \"Sorry.\"",
            "response.content_part.added 0/1 refusal \"\"",
            "response.refusal.delta 0/1 \"I can't\"",
            "response.refusal.delta 0/1 \" help.\"",
            "response.refusal.done 0/1 \"I can't help.\"",
            "response.content_part.done 0/1 refusal \"I can't help.\"",
            "response.output_item.done 0 message completed",
            "response.completed completed",
        ],
    );
    assert_eq!(events[7]["part"], json!({"type": "refusal", "refusal": ""}));
}

#[test]
fn whitespace_before_tool_calls_makes_no_message() {
    let events = run(
        stream(),
        &[
            delta(json!({"content": "\n\n"})),
            tool_piece(
                json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{}"}}),
            ),
            finish_reason("tool_calls"),
        ],
    );
    let output = final_response(&events)["output"].as_array().unwrap();
    assert_eq!(output.len(), 1);
    assert_eq!(output[0]["type"], "function_call");
}

#[test]
fn reasoning_after_text_opens_a_new_reasoning_item() {
    let events = run(
        stream(),
        &[
            delta(json!({"reasoning_content": "a"})),
            delta(json!({"content": "b"})),
            delta(json!({"reasoning_content": "c"})),
            delta(json!({"content": "d"})),
            finish_reason("stop"),
        ],
    );
    let types: Vec<&str> = final_response(&events)["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["reasoning", "message", "reasoning", "message"]);
}
