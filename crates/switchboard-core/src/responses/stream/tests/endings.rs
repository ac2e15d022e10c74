//! How a response ends: finish reasons, failures, usage, heartbeats, the SSE frame.

use bytes::BytesMut;
use http::StatusCode;
use serde_json::json;

use super::*;
use crate::error::{Fault, GatewayError};

#[test]
fn length_ends_incomplete_with_open_items_incomplete() {
    let events = run(
        stream(),
        &[
            delta(json!({"content": "Once upon"})),
            finish_reason("length"),
        ],
    );
    assert_lines(
        &events[events.len() - 2..],
        &[
            "response.output_item.done 0 message incomplete",
            "response.incomplete incomplete",
        ],
    );
    let response = final_response(&events);
    assert_eq!(
        response["incomplete_details"],
        json!({"reason": "max_output_tokens"})
    );
    assert_eq!(response["completed_at"], json!(null));
    assert_eq!(response["error"], json!(null));
}

#[test]
fn content_filter_ends_incomplete() {
    let events = run(
        stream(),
        &[
            delta(json!({"content": "x"})),
            finish_reason("content_filter"),
        ],
    );
    assert_eq!(events.last().unwrap()["type"], "response.incomplete");
    assert_eq!(
        final_response(&events)["incomplete_details"],
        json!({"reason": "content_filter"})
    );
}

#[test]
fn upstream_error_finish_reason_fails() {
    let events = run(
        stream(),
        &[delta(json!({"content": "x"})), finish_reason("error")],
    );
    assert_eq!(events.last().unwrap()["type"], "response.failed");
    assert_eq!(final_response(&events)["error"]["code"], "server_error");
}

#[test]
fn no_finish_reason_and_no_content_still_completes() {
    let events = run(stream(), &[]);
    assert_lines(
        &events,
        &[
            "response.created in_progress",
            "response.in_progress in_progress",
            "response.completed completed",
        ],
    );
    assert_eq!(final_response(&events)["output"], json!([]));
}

/// Runs `chunks`, then fails the stream with `error`.
fn run_failing(chunks: &[ChatChunk], error: &GatewayError) -> Vec<Value> {
    let mut stream = stream();
    let mut events = stream.start();
    for chunk in chunks {
        events.extend(stream.push(chunk));
    }
    events.extend(stream.fail(error, 300));
    assert!(
        stream.finish(301).is_empty(),
        "nothing after the terminal event"
    );
    to_json(&stream, &events)
}

#[test]
fn mid_stream_failure_closes_items_incomplete() {
    let chunks = [
        delta(json!({"reasoning_content": "hmm"})),
        tool_piece(
            json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{\"a\""}}),
        ),
    ];
    let events = run_failing(
        &chunks,
        &GatewayError::bad_gateway("connection reset by upstream"),
    );
    assert_lines(
        &events[2..],
        &[
            "response.output_item.added 0 reasoning in_progress",
            "response.reasoning_summary_part.added 0/0 summary_text \"\"",
            "response.reasoning_summary_text.delta 0/0 \"hmm\"",
            "response.reasoning_summary_text.done 0/0 \"hmm\"",
            "response.reasoning_summary_part.done 0/0 summary_text \"hmm\"",
            "response.output_item.done 0 reasoning completed",
            "response.output_item.added 1 function_call in_progress",
            "response.function_call_arguments.delta 1 \"{\\\"a\\\"\"",
            "response.function_call_arguments.done 1 f \"{\\\"a\\\"\"",
            "response.output_item.done 1 function_call incomplete",
            "response.failed failed",
        ],
    );
    let response = final_response(&events);
    assert_eq!(
        response["error"],
        json!({"code": "server_error", "message": "connection reset by upstream"})
    );
    assert_eq!(response["completed_at"], json!(null));
    assert_eq!(response["output"][1]["status"], "incomplete");
}

#[test]
fn failure_codes_codex_acts_on() {
    let rate = GatewayError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "requests",
        "Please try again in 11.054s.",
        Fault::Upstream,
    );
    let context = GatewayError::invalid_request("too long").with_code("context_length_exceeded");
    for (error, code) in [
        (rate, "rate_limit_exceeded"),
        (context, "context_length_exceeded"),
    ] {
        let events = run_failing(&[delta(json!({"content": "x"}))], &error);
        assert_eq!(final_response(&events)["error"]["code"], code);
        let message = &events[events.len() - 2];
        assert_eq!(message["item"]["status"], "incomplete");
    }
}

#[test]
fn a_reasoning_part_cut_by_failure_says_so() {
    let events = run_failing(
        &[delta(json!({"reasoning_content": "hm"}))],
        &GatewayError::internal("x"),
    );
    let part_done = events
        .iter()
        .find(|event| event["type"] == "response.reasoning_summary_part.done")
        .unwrap();
    assert_eq!(part_done["status"], "incomplete");
}

#[test]
fn usage_from_the_last_chunk_that_has_it() {
    let mut usage_every_chunk = delta(json!({"content": "a"}));
    usage_every_chunk.usage = Some(serde_json::from_value(json!({"prompt_tokens": 1})).unwrap());
    let last: ChatChunk = serde_json::from_value(json!({"choices": [], "usage": {
        "prompt_tokens": 339, "completion_tokens": 83, "total_tokens": 422,
        "completion_tokens_details": {"reasoning_tokens": 39},
        "prompt_cache_hit_tokens": 320, "prompt_cache_miss_tokens": 19}}))
    .unwrap();
    let events = run(stream(), &[usage_every_chunk, finish_reason("stop"), last]);
    assert_eq!(
        final_response(&events)["usage"],
        json!({"input_tokens": 339,
               "input_tokens_details": {"cached_tokens": 320, "cache_write_tokens": 0},
               "output_tokens": 83, "output_tokens_details": {"reasoning_tokens": 39},
               "total_tokens": 422})
    );
}

#[test]
fn heartbeat_is_a_numbered_in_progress_without_output() {
    let mut stream = stream();
    let mut events = stream.start();
    events.extend(stream.push(&delta(json!({"content": "a"}))));
    let beat = stream.heartbeat();
    assert_eq!(beat.sequence_number(), events.len() as u64);
    let json = serde_json::to_value(&beat).unwrap();
    assert_eq!(json["type"], "response.in_progress");
    assert_eq!(json["response"]["output"], json!([]));
    events.push(beat);
    events.extend(stream.finish(200));
    to_json(&stream, &events);
}

#[test]
fn push_starts_the_stream_and_start_runs_once() {
    let mut stream = stream();
    let events = stream.push(&delta(json!({"content": "a"})));
    assert_eq!(events[0].event_type(), "response.created");
    assert!(stream.start().is_empty());
    let mut all = events;
    all.extend(stream.finish(200));
    to_json(&stream, &all);
    assert!(stream.push(&delta(json!({"content": "b"}))).is_empty());
}

#[test]
fn sse_frame_is_one_event_and_one_data_line() {
    let mut stream = stream();
    let events = stream.start();
    let mut out = BytesMut::new();
    events[0].write_sse(&mut out);
    let text = std::str::from_utf8(&out).unwrap();
    let data = text
        .strip_prefix("event: response.created\ndata: ")
        .and_then(|rest| rest.strip_suffix("\n\n"))
        .unwrap();
    assert!(!data.contains('\n'));
    let parsed: crate::responses::ResponseStreamEvent = serde_json::from_str(data).unwrap();
    assert_eq!(parsed, events[0]);
}
