//! The tagged unions of a Responses request (`input` items and their content parts,
//! `tools`, `tool_choice`) read every case in `fixtures/responses-unions/cases.json` as
//! `expected.txt` says: what each reads as, or its error (without its position).
//!
//! `expected.txt` was written by serde's derive with `flatten` (commit c464ae7), which
//! these structs used before they were read by hand (`deserialize_open_object!`), so the
//! hand-written readers keep the derive's results and errors, edge cases included: keys
//! given twice, `null` where a string goes, a `type` that is not a string, elements that
//! are not objects, missing fields. Each item and tool is read both alone and inside a
//! request.

use switchboard_core::responses::{CreateResponse, InputItem, ResponsesTool, ResponsesToolChoice};

const CASES: &str = include_str!("fixtures/responses-unions/cases.json");
const EXPECTED: &str = include_str!("fixtures/responses-unions/expected.txt");

/// A result as comparable text: the value's debug form, or the error's message without
/// its position (reading an item alone and inside a request stop at different columns).
fn outcome<T: std::fmt::Debug>(result: Result<T, serde_json::Error>) -> String {
    match result {
        Ok(value) => format!("ok: {value:?}"),
        Err(err) => {
            let err = err.to_string();
            let message = err.find(" at line ").map_or(err.as_str(), |at| &err[..at]);
            format!("error: {message}")
        }
    }
}

#[test]
fn every_case_reads_as_it_did() {
    let all: serde_json::Value = serde_json::from_str(CASES).unwrap();
    let cases = |kind: &str| -> Vec<String> {
        let list = all[kind].as_array().unwrap();
        list.iter()
            .map(|case| case.as_str().unwrap().to_owned())
            .collect()
    };
    let mut out = String::new();
    for item in cases("items") {
        out += &format!(
            "item {item}\n  {}\n",
            outcome(serde_json::from_str::<InputItem>(&item))
        );
        let body = format!(r#"{{"model":"m","input":[{item}]}}"#);
        let request = serde_json::from_str::<CreateResponse>(&body);
        out += &format!("  {}\n", outcome(request.map(|r| r.input)));
    }
    for tool in cases("tools") {
        out += &format!(
            "tool {tool}\n  {}\n",
            outcome(serde_json::from_str::<ResponsesTool>(&tool))
        );
        let body = format!(r#"{{"model":"m","tools":[{tool}]}}"#);
        let request = serde_json::from_str::<CreateResponse>(&body);
        out += &format!("  {}\n", outcome(request.map(|r| r.tools)));
    }
    for choice in cases("choices") {
        let read = serde_json::from_str::<ResponsesToolChoice>(&choice);
        out += &format!("choice {choice}\n  {}\n", outcome(read));
    }
    for (line, (got, expected)) in out.lines().zip(EXPECTED.lines()).enumerate() {
        assert_eq!(got, expected, "line {}", line + 1);
    }
    assert_eq!(out.lines().count(), EXPECTED.lines().count());
}
