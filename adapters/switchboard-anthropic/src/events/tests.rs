//! The event decoder fed event JSON directly, as Bedrock's InvokeModelWithResponseStream
//! delivers it (no SSE framing).

use super::*;
use switchboard_core::chat::FinishReason;

fn run(events: &[Value]) -> Vec<ChatChunk> {
    let mut decoder = EventDecoder::new(1);
    let mut out = Vec::new();
    for event in events {
        out.extend(decoder.decode(event.to_string().as_bytes()).unwrap());
    }
    out.extend(decoder.finish().unwrap());
    out
}

fn start() -> Value {
    json!({"type": "message_start", "message": {"id": "msg_bdrk_1", "model": "claude", "usage": {"input_tokens": 10, "output_tokens": 1}}})
}

fn stop(reason: &str) -> [Value; 2] {
    [
        json!({"type": "message_delta", "delta": {"stop_reason": reason}, "usage": {"output_tokens": 15}}),
        json!({"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 10, "outputTokenCount": 15}}),
    ]
}

#[test]
fn a_whole_input_up_front_is_taken_as_the_arguments() {
    let mut events = vec![
        start(),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{\"a\": 1}"}}),
        json!({"type": "content_block_stop", "index": 0}),
    ];
    events.extend(stop("tool_use"));
    let chunks = run(&events);
    let args: String = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .flat_map(|c| c.delta.tool_calls.iter().flatten())
        .filter_map(|t| t.function.as_ref()?.arguments.clone())
        .collect();
    assert_eq!(args, r#"{"a":1}"#);
    let finish = chunks.iter().rev().nth(1).unwrap();
    assert_eq!(
        finish.choices[0].finish_reason(),
        Some(&FinishReason::ToolCalls)
    );
    assert_eq!(
        chunks.last().unwrap().usage().unwrap().completion_tokens,
        15
    );
}

#[test]
fn redacted_thinking_is_announced_whole_and_pause_turn_is_kept() {
    let mut events = vec![
        start(),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "redacted_thinking", "data": "EmwKAhgB"}}),
        json!({"type": "content_block_stop", "index": 0}),
    ];
    events.extend(stop("pause_turn"));
    let chunks = run(&events);
    assert_eq!(
        chunks[1].choices[0].delta.extra["thinking_blocks"],
        json!([{"type": "redacted_thinking", "data": "EmwKAhgB"}])
    );
    let finish = &chunks[chunks.len() - 2].choices[0];
    assert_eq!(finish.finish_reason(), Some(&FinishReason::Stop));
    assert_eq!(finish.extra["stop_reason"], "pause_turn");
}

#[test]
fn after_message_stop_nothing_more_is_decoded() {
    let mut decoder = EventDecoder::new(0);
    decoder.decode(start().to_string().as_bytes()).unwrap();
    for event in stop("end_turn") {
        decoder.decode(event.to_string().as_bytes()).unwrap();
    }
    assert!(decoder.is_done());
    assert!(
        decoder
            .decode(br#"{"type":"error","error":{"type":"x","message":"y"}}"#)
            .unwrap()
            .is_empty()
    );
    assert!(decoder.finish().unwrap().is_empty());
}

#[test]
fn unreadable_json_is_a_502() {
    let err = EventDecoder::new(0).decode(b"{not json").unwrap_err();
    assert_eq!(err.status(), 502);
}
