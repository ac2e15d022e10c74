//! The chunk decoder, run over recorded streams (see `fixtures/NOTICE.md`) fed whole and
//! cut at every byte.

use super::*;
use switchboard_core::chat::FinishReason;

const OPENAI: &str = include_str!("../../fixtures/chat-streaming.sse");
const OPENAI_USAGE: &str = include_str!("../../fixtures/chat-streaming-detailed-usage.sse");
const XAI_TOOLS: &str = include_str!("../../fixtures/xai-tool-call.chunks.txt");
const DEEPSEEK_REASONING: &str = include_str!("../../fixtures/deepseek-reasoning.chunks.txt");

/// Replays one-JSON-per-line fixtures as the wire sends them.
fn as_sse(lines: &str) -> String {
    let mut out = String::new();
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str("data: ");
        out.push_str(line);
        out.push_str("\n\n");
    }
    out.push_str("data: [DONE]\n\n");
    out
}

fn decode_in_pieces(input: &[u8], cut: usize) -> Result<Vec<ChatChunk>, GatewayError> {
    let mut d = ChunkDecoder::default();
    let mut out = Vec::new();
    for piece in [&input[..cut], &input[cut..]] {
        d.push(piece);
        while let Some(c) = d.next_chunk()? {
            out.push(c);
        }
    }
    while let Some(c) = d.finish()? {
        out.push(c);
    }
    Ok(out)
}

/// Decodes whole, then cut at every byte (sampled evenly on large inputs, where the SSE
/// layer's own property tests already cover every split point).
fn decode(input: &str) -> Vec<ChatChunk> {
    let whole = decode_in_pieces(input.as_bytes(), input.len()).unwrap();
    let step = (input.len() / 400).max(1);
    for cut in (0..input.len()).step_by(step) {
        assert_eq!(
            decode_in_pieces(input.as_bytes(), cut).unwrap(),
            whole,
            "cut at {cut}"
        );
    }
    whole
}

fn text(chunks: &[ChatChunk]) -> String {
    chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .filter_map(|c| c.delta.content())
        .collect()
}

#[test]
fn openai_stream_decodes_to_its_text_at_every_split() {
    let chunks = decode(OPENAI);
    assert_eq!(chunks.len(), 50);
    assert!(text(&chunks).starts_with("Hi"));
    let last = chunks.last().unwrap();
    assert_eq!(last.choices[0].finish_reason(), Some(&FinishReason::Stop));
    // Vendor fields survive: every chunk keeps OpenAI's `obfuscation`.
    assert!(chunks.iter().all(|c| c.extra.contains_key("obfuscation")));
}

#[test]
fn usage_chunk_arrives_last() {
    let chunks = decode(OPENAI_USAGE);
    let last = chunks.last().unwrap();
    assert!(last.is_usage_only());
    assert_eq!(last.usage().unwrap().reasoning_tokens(), 100);
}

#[test]
fn tool_call_deltas_survive() {
    let chunks = decode(&as_sse(XAI_TOOLS));
    let calls: Vec<_> = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .flat_map(|c| c.delta.tool_calls.iter().flatten())
        .collect();
    assert!(!calls.is_empty());
    assert!(
        calls[0]
            .function
            .as_ref()
            .and_then(|f| f.name.as_deref())
            .is_some()
    );
}

#[test]
fn reasoning_content_is_read() {
    let chunks = decode(&as_sse(DEEPSEEK_REASONING));
    let reasoning: String = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .filter_map(|c| c.delta.reasoning_content())
        .collect();
    assert!(!reasoning.is_empty());
}

#[test]
fn vllm_reasoning_field_becomes_reasoning_content() {
    let chunks = decode(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"hmm\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
    );
    assert_eq!(chunks[0].choices[0].delta.reasoning_content(), Some("hmm"));
    assert!(!chunks[0].choices[0].delta.extra.contains_key("reasoning"));
}

#[test]
fn an_error_event_is_an_error() {
    let input = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
    let err = decode_in_pieces(input.as_bytes(), input.len()).unwrap_err();
    assert_eq!(err.message(), "overloaded");
    let input = "event: error\ndata: {\"message\":\"boom\"}\n\n";
    let err = decode_in_pieces(input.as_bytes(), 0).unwrap_err();
    assert_eq!(err.message(), "boom");
}

#[test]
fn a_cut_stream_is_an_error_but_a_finished_one_without_done_is_not() {
    let cut = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n";
    let err = decode_in_pieces(cut.as_bytes(), 5).unwrap_err();
    assert!(err.message().contains("before it finished"));
    // An explicit `"finish_reason": null` is not a finish.
    let cut = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n";
    assert!(decode_in_pieces(cut.as_bytes(), 5).is_err());
    let finished =
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
    assert_eq!(decode_in_pieces(finished.as_bytes(), 3).unwrap().len(), 1);
}

#[test]
fn keep_alive_comments_are_skipped() {
    let input = ": keep-alive\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n\n: keep-alive\n\ndata: [DONE]\n\n";
    assert_eq!(text(&decode(input)), "x");
}

#[test]
fn a_non_streaming_reasoning_field_becomes_reasoning_content() {
    let mut response: switchboard_core::chat::ChatResponse = serde_json::from_str(
        r#"{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"4","reasoning":"2+2"},"finish_reason":"stop"}]}"#,
    )
    .unwrap();
    normalise_response_reasoning(&mut response);
    assert_eq!(response.choices[0].message.reasoning_content(), Some("2+2"));
}
