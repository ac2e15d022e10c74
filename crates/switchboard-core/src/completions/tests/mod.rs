//! The completions bridge run as data over `tests/fixtures/completions/`: recorded OpenAI
//! traffic and files derived from it (sources in that folder's `NOTICE.md`). The helpers
//! live here; `request.rs` tests [`to_chat`], `response.rs` the answer's way back.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::*;
use crate::chat::ChatChunk;

mod request;
mod response;

/// The text of `tests/fixtures/<dir>/<name>`.
fn read(dir: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// A JSON file of `fixtures/completions/`.
fn json_fixture(name: &str) -> Value {
    serde_json::from_str(&read("completions", name)).unwrap_or_else(|err| panic!("{name}: {err}"))
}

/// Parses `value` as `T` and checks that writing it back gives the same JSON.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str, value: &Value) -> T {
    let parsed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(&serde_json::to_value(&parsed).unwrap(), value, "{name}");
    parsed
}

/// The lines of a one-JSON-a-line file, parsed.
fn lines(dir: &str, name: &str) -> Vec<Value> {
    let text = read(dir, name);
    let lines = text.lines().filter(|line| !line.trim().is_empty());
    lines
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Runs a request fixture through [`to_chat`] and compares with the expected chat request.
fn translates(request: &str, expected: &str) -> crate::chat::ChatRequest {
    let req: CompletionRequest = round_trip(request, &json_fixture(request));
    let chat = to_chat(&req).unwrap_or_else(|err| panic!("{request}: {err}"));
    assert_eq!(
        serde_json::to_value(&chat).unwrap(),
        json_fixture(expected),
        "{request}"
    );
    chat
}

/// Each chat chunk translated; `None` where nothing is sent.
fn translate_stream(chunks: &[Value]) -> Vec<Option<CompletionResponse>> {
    let chunks = chunks
        .iter()
        .map(|c| serde_json::from_value::<ChatChunk>(c.clone()).unwrap());
    chunks.map(|chunk| chunk_from_chat(&chunk)).collect()
}

/// A value's shape: leaves become their JSON type, arrays their first element's shape.
fn shape(value: &Value) -> Value {
    match value {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(n) if n.is_f64() => json!("number"),
        Value::Number(_) => json!("integer"),
        Value::String(_) => json!("string"),
        Value::Array(items) => Value::Array(items.first().map(shape).into_iter().collect()),
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), shape(v))).collect(),
    }
}

/// Checks that `ours` has every key of `recorded` with the same shape, and only keys the
/// `CreateCompletionResponse` schema defines.
fn assert_recorded_shape(ours: &CompletionResponse, recorded: &Value) {
    let ours = serde_json::to_value(ours).unwrap();
    fn within(ours: &Value, recorded: &Value, at: &str) {
        match (ours, recorded) {
            (Value::Object(ours), Value::Object(recorded)) => {
                for (key, want) in recorded {
                    let got = ours
                        .get(key)
                        .unwrap_or_else(|| panic!("{at}.{key} missing"));
                    within(got, want, &format!("{at}.{key}"));
                }
            }
            (Value::Array(ours), Value::Array(recorded)) if !recorded.is_empty() => {
                within(&ours[0], &recorded[0], &format!("{at}[0]"));
            }
            _ => assert_eq!(ours, recorded, "{at}"),
        }
    }
    within(&shape(&ours), &shape(recorded), "$");
    let allowed = [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "system_fingerprint",
    ];
    assert!(
        ours.as_object()
            .unwrap()
            .keys()
            .all(|k| allowed.contains(&k.as_str())),
        "{ours}"
    );
    for choice in ours["choices"].as_array().unwrap() {
        let keys: Vec<&String> = choice.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4, "{choice}");
    }
}

/// `text` as go-vcr writes it inside a double-quoted YAML string.
fn yaml_quoted(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[test]
fn extracted_fixtures_are_verbatim_in_their_cassettes() {
    for name in [
        "completion-basic",
        "completion-streaming",
        "completion-bad-request",
    ] {
        let cassette = read("completions", &format!("{name}.yaml"));
        for body in [".request.json", ".response.json"] {
            let Ok(text) = std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/completions")
                    .join(format!("{name}{body}")),
            ) else {
                continue;
            };
            let quoted = yaml_quoted(text.trim_end_matches('\n'));
            assert!(
                cassette.contains(&format!("body: \"{quoted}\"")),
                "{name}{body}"
            );
        }
    }
    let cassette = read("completions", "completion-streaming.yaml");
    for line in read("completions", "completion-streaming.chunks.jsonl").lines() {
        let quoted = yaml_quoted(&format!("data: {line}\n\n"));
        assert!(cassette.contains(&quoted), "not in the cassette: {line}");
    }
}
