//! However the upstream cuts its deltas, the final response is the same.

use proptest::prelude::*;
use serde_json::json;

use super::*;

const REASONING: &str = "Plan: call f.";
const TEXT: &str = "Sure — calling ✓ now.";
const ARGS: &str = "{\"input\":\"line 1\\nline \\\"2\\\" \\u00e9\"}";

/// `text` cut at the given char positions, as pieces.
fn cut(text: &str, at: &[usize]) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut bounds: Vec<usize> = at.iter().map(|n| n % (chars.len() + 1)).collect();
    bounds.extend([0, chars.len()]);
    bounds.sort_unstable();
    bounds.dedup();
    bounds
        .windows(2)
        .map(|pair| chars[pair[0]..pair[1]].iter().collect())
        .collect()
}

/// The chunks of one scenario (reasoning, text, one custom tool call) with the given cuts.
fn scenario(cuts: &[usize]) -> Vec<ChatChunk> {
    let mut chunks: Vec<ChatChunk> = cut(REASONING, cuts)
        .into_iter()
        .map(|piece| delta(json!({"reasoning_content": piece})))
        .collect();
    chunks.extend(
        cut(TEXT, cuts)
            .into_iter()
            .map(|piece| delta(json!({"content": piece}))),
    );
    chunks.push(tool_piece(
        json!({"index": 0, "id": "call_1", "function": {"name": "apply_patch"}}),
    ));
    chunks.extend(
        cut(ARGS, cuts)
            .into_iter()
            .map(|piece| tool_piece(json!({"index": 0, "function": {"arguments": piece}}))),
    );
    chunks.push(finish_reason("tool_calls"));
    chunks
}

fn custom_stream() -> ResponseStream {
    let mut names = ToolNames::default();
    names.add_custom("apply_patch");
    stream_with(names)
}

proptest! {
    #[test]
    fn any_cut_gives_the_same_response(cuts in proptest::collection::vec(0usize..64, 0..12)) {
        let whole = run(custom_stream(), &scenario(&[]));
        let split = run(custom_stream(), &scenario(&cuts));
        prop_assert_eq!(final_response(&split), final_response(&whole));
        prop_assert_eq!(&final_response(&whole)["output"][2]["input"], "line 1\nline \"2\" é");
    }
}
