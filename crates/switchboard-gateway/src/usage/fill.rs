//! Filling in the usage of a request whose provider reported none: the text that went out
//! is collected while the answer passes (cheaply: only strings already parsed, or frames
//! already in memory), and tokenized once, when the request ends and only if no usage came.

use bytes::Bytes;
use serde_json::Value;
use switchboard_core::chat::{ChatChunk, ChatRequest, ChatResponse, Usage};

use super::estimate::{OutputCounter, estimate_prompt_tokens, estimated_usage};
use super::tokenizer::count_tokens;

/// Largest amount of a passed-through stream kept for an estimate.
pub const MAX_KEPT_BYTES: usize = 1 << 20;

/// The text of a canonical chunk's deltas (content, reasoning, refusal, tool arguments).
pub fn push_chunk(counter: &mut OutputCounter, chunk: &ChatChunk) {
    for choice in &chunk.choices {
        let delta = &choice.delta;
        for text in [delta.content(), delta.reasoning_content(), delta.refusal()]
            .into_iter()
            .flatten()
        {
            counter.push(text);
        }
        for call in delta.tool_calls.iter().flatten() {
            if let Some(function) = &call.function {
                for text in [&function.name, &function.arguments].into_iter().flatten() {
                    counter.push(text);
                }
            }
        }
    }
}

/// The text of a canonical answer's messages.
pub fn push_response(counter: &mut OutputCounter, response: &ChatResponse) {
    for choice in &response.choices {
        let message = &choice.message;
        counter.push(&message.text());
        if let Some(reasoning) = message.reasoning_content() {
            counter.push(reasoning);
        }
        for call in message.tool_calls.iter().flatten() {
            counter.push(&call.function.name);
            counter.push(&call.function.arguments);
        }
    }
}

/// The text of OpenAI-shaped JSON, as it was relayed unparsed: each choice's `message` or
/// `delta` strings (`content`, `reasoning_content`, `reasoning`, `refusal`, tool call
/// arguments) and a legacy completion's `text`.
pub fn push_json(counter: &mut OutputCounter, json: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    for choice in value
        .get("choices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(text) = choice.get("text").and_then(Value::as_str) {
            counter.push(text);
        }
        let Some(body) = choice.get("delta").or_else(|| choice.get("message")) else {
            continue;
        };
        for key in ["content", "reasoning_content", "reasoning", "refusal"] {
            if let Some(text) = body.get(key).and_then(Value::as_str) {
                counter.push(text);
            }
        }
        for call in body
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(args) = call.pointer("/function/arguments").and_then(Value::as_str) {
                counter.push(args);
            }
        }
    }
}

/// The text of relayed SSE frames (`data: {...}`), as [`push_json`] reads each.
pub fn push_frames(counter: &mut OutputCounter, frames: &[Bytes]) {
    for frame in frames {
        for line in frame.split(|b| *b == b'\n') {
            if let Some(data) = line.strip_prefix(b"data:") {
                push_json(counter, data.trim_ascii());
            }
        }
    }
}

/// Tokens of a request body's prompt: a chat request is counted message by message
/// ([`estimate_prompt_tokens`]); another body (Responses, legacy completions) by the text
/// of its `instructions`, `input`, `prompt`, `messages` and `tools`.
pub fn prompt_tokens(body: &[u8]) -> u64 {
    if let Ok(request) = serde_json::from_slice::<ChatRequest>(body)
        && !request.messages.is_empty()
    {
        return estimate_prompt_tokens(&request);
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return 0;
    };
    let mut text = String::new();
    for key in ["instructions", "input", "prompt", "messages", "tools"] {
        if let Some(part) = value.get(key) {
            collect_strings(part, &mut text);
        }
    }
    count_tokens(&text)
}

fn collect_strings(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// The estimated usage of a request whose provider reported none.
pub fn estimate(body: &[u8], output: Option<&OutputCounter>) -> Usage {
    estimated_usage(prompt_tokens(body), output.map_or(0, OutputCounter::tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relayed_frames_and_bodies_are_read_for_their_text() {
        let mut counter = OutputCounter::new();
        let frames = [
            Bytes::from_static(b"data: {\"choices\":[{\"delta\":{\"content\":\"hello\"}}]}\n\n"),
            Bytes::from_static(
                b"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\" world\"}}]}}]}\n\n",
            ),
            Bytes::from_static(b"data: [DONE]\n\n"),
        ];
        push_frames(&mut counter, &frames);
        assert_eq!(counter.tokens(), 2, "hello world");
        let mut counter = OutputCounter::new();
        push_json(
            &mut counter,
            br#"{"choices":[{"text":"hello"},{"message":{"content":" world"}}]}"#,
        );
        assert_eq!(counter.tokens(), 2);
    }

    #[test]
    fn a_prompt_is_counted_from_any_request_shape() {
        let chat = br#"{"model":"m","messages":[{"role":"user","content":"hello world"}]}"#;
        // 3 (priming) + 3 (message) + 1 (role "user") + 2 (text).
        assert_eq!(prompt_tokens(chat), 9);
        let responses = br#"{"model":"m","instructions":"hello","input":"world"}"#;
        assert!(prompt_tokens(responses) >= 2);
        assert_eq!(prompt_tokens(b"not json"), 0);
        let usage = estimate(chat, None);
        assert_eq!((usage.prompt_tokens, usage.completion_tokens), (9, 0));
    }
}
