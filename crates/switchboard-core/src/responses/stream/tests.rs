//! Tests of the chunk → event state machine, as data: each test lists the chunks it
//! feeds and the events it expects, one line per event (see [`line`]). Every run also
//! goes through [`check_invariants`], the structural rules of the bridge spec §4.1 that
//! clients depend on.

mod calls;
mod endings;
mod fixtures;
mod invariants;
mod splits;
mod text;

use serde_json::{Value, json};

use super::ResponseStream;
use crate::chat::ChatChunk;
use crate::responses::{ResponseEcho, ToolNames};

use invariants::check_invariants;

/// The response id of every test stream; item ids derive from it.
const RESPONSE_ID: &str = "resp_0123456789abcdef0123456789abcdef";

/// A stream with no custom or namespaced tools.
fn stream() -> ResponseStream {
    stream_with(ToolNames::default())
}

/// A stream that knows the given custom and namespaced tools.
fn stream_with(tool_names: ToolNames) -> ResponseStream {
    ResponseStream::new(
        RESPONSE_ID.to_owned(),
        100,
        ResponseEcho::for_model("test-model"),
        tool_names,
    )
}

/// A chunk whose choice 0 has `delta`.
fn delta(delta: Value) -> ChatChunk {
    serde_json::from_value(json!({"choices": [{"index": 0, "delta": delta}]})).unwrap()
}

/// A chunk whose choice 0 ends with `reason`.
fn finish_reason(reason: &str) -> ChatChunk {
    serde_json::from_value(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]}))
        .unwrap()
}

/// A chunk carrying one tool call piece.
fn tool_piece(piece: Value) -> ChatChunk {
    delta(json!({"tool_calls": [piece]}))
}

/// Runs `chunks` through `stream`, ends it with `finish(200)`, checks the invariants and
/// returns the events as JSON.
fn run(mut stream: ResponseStream, chunks: &[ChatChunk]) -> Vec<Value> {
    let mut events = stream.start();
    for chunk in chunks {
        events.extend(stream.push(chunk));
    }
    events.extend(stream.finish(200));
    to_json(&stream, &events)
}

/// The events as JSON, after checking the invariants and that the stream's final
/// response is the terminal event's.
fn to_json(
    stream: &ResponseStream,
    events: &[crate::responses::ResponseStreamEvent],
) -> Vec<Value> {
    let events: Vec<Value> = events
        .iter()
        .map(|event| serde_json::to_value(event).unwrap())
        .collect();
    check_invariants(&events);
    let terminal = &events.last().unwrap()["response"];
    assert_eq!(&serde_json::to_value(stream.response()).unwrap(), terminal);
    events
}

/// One event as a line: its type, `output_index[/content_index|summary_index]`, the
/// item's type and status or the part, then the name and the text it carries.
fn line(event: &Value) -> String {
    let mut out = event["type"].as_str().unwrap().to_owned();
    if let Some(index) = event.get("output_index") {
        out.push_str(&format!(" {index}"));
        for key in ["content_index", "summary_index"] {
            if let Some(sub) = event.get(key) {
                out.push_str(&format!("/{sub}"));
            }
        }
    }
    if let Some(item) = event.get("item") {
        out.push_str(&format!(
            " {} {}",
            str_of(&item["type"]),
            str_of(&item["status"])
        ));
    }
    if let Some(part) = event.get("part") {
        out.push_str(&format!(" {}", str_of(&part["type"])));
        if let Some(text) = part.get("text").or_else(|| part.get("refusal")) {
            out.push_str(&format!(" {text}"));
        }
    }
    if let Some(name) = event.get("name") {
        out.push_str(&format!(" {}", str_of(name)));
    }
    for key in ["delta", "text", "refusal", "arguments", "input"] {
        if let Some(text) = event.get(key) {
            out.push_str(&format!(" {text}"));
        }
    }
    if let Some(response) = event.get("response") {
        out.push_str(&format!(" {}", str_of(&response["status"])));
    }
    out
}

fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or("?")
}

/// Asserts the events, as [`line`]s, equal `expected`.
fn assert_lines(events: &[Value], expected: &[&str]) {
    let got: Vec<String> = events.iter().map(line).collect();
    assert_eq!(got, expected, "\ngot:\n{}", got.join("\n"));
}

/// The terminal event's response.
fn final_response(events: &[Value]) -> &Value {
    &events.last().unwrap()["response"]
}
