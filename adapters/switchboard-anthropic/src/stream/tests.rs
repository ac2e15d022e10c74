//! Recorded Messages streams (see `fixtures/NOTICE.md`) fed whole and cut at every byte
//! (sampled evenly on large inputs).

use super::*;
use serde_json::Value;
use switchboard_core::chat::FinishReason;

const BASIC: &str = include_str!("../../fixtures/basic_response.txt");
const TOOL_USE: &str = include_str!("../../fixtures/tool_use_response.txt");
const INCOMPLETE: &str = include_str!("../../fixtures/incomplete_partial_json_response.txt");
const REFUSAL: &str = include_str!("../../fixtures/refusal_response.txt");
const THINKING_REFUSAL: &str = include_str!("../../fixtures/stream-a-refusal.sse");
const SERVER_TOOL: &str = include_str!("../../fixtures/stream-a-toolrefusal.sse");
const TEXT: &str = include_str!("../../fixtures/anthropic-text.chunks.txt");
const JSON_TOOL: &str = include_str!("../../fixtures/anthropic-json-tool.1.chunks.txt");
const NO_ARGS: &str = include_str!("../../fixtures/anthropic-tool-no-args.chunks.txt");
const CLEAR_THINKING: &str = include_str!("../../fixtures/anthropic-clear-thinking.1.chunks.txt");
const SONNET5: &str =
    include_str!("../../fixtures/anthropic-claude-sonnet-5-reasoning-summarized.chunks.txt");
const REFUSAL_NO_BLOCK: &str = include_str!("../../fixtures/anthropic-refusal.chunks.txt");
const DELTA_INPUT: &str =
    include_str!("../../fixtures/anthropic-message-delta-input-tokens.chunks.txt");

/// Replays one-JSON-per-line fixtures as the wire sends them: `event: <type>` plus the
/// line as `data`, no `[DONE]`.
pub(crate) fn as_sse(lines: &str) -> String {
    let mut out = String::new();
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let event: Value = serde_json::from_str(line).unwrap();
        out.push_str(&format!(
            "event: {}\ndata: {line}\n\n",
            event["type"].as_str().unwrap()
        ));
    }
    out
}

fn decode_in_pieces(input: &[u8], cut: usize) -> Result<Vec<ChatChunk>, GatewayError> {
    let mut d = SseChunkDecoder::new(7, Arc::from(Vec::new()));
    let mut out = Vec::new();
    for piece in [&input[..cut], &input[cut..]] {
        d.push(piece);
        while let Some(c) = d.next_chunk()? {
            out.push(c);
        }
    }
    out.extend(d.finish()?);
    Ok(out)
}

fn decode(input: &str) -> Vec<ChatChunk> {
    let whole = decode_in_pieces(input.as_bytes(), input.len()).unwrap();
    let step = (input.len() / 500).max(1);
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
    deltas(chunks).filter_map(|d| d.content()).collect()
}

fn reasoning(chunks: &[ChatChunk]) -> String {
    deltas(chunks)
        .filter_map(|d| d.reasoning_content())
        .collect()
}

fn deltas(chunks: &[ChatChunk]) -> impl Iterator<Item = &switchboard_core::chat::ChunkDelta> {
    chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .map(|c| &c.delta)
}

/// `(index, id, name, arguments)` of every call, pieces joined.
fn calls(chunks: &[ChatChunk]) -> Vec<(u32, String, String, String)> {
    let mut out: Vec<(u32, String, String, String)> = Vec::new();
    for call in deltas(chunks).flat_map(|d| d.tool_calls.iter().flatten()) {
        let f = call.function.clone().unwrap_or_default();
        match out.iter_mut().find(|c| c.0 == call.index) {
            Some(c) => c.3.push_str(f.arguments.as_deref().unwrap_or("")),
            None => out.push((
                call.index,
                call.id.clone().unwrap_or_default(),
                f.name.unwrap_or_default(),
                f.arguments.unwrap_or_default(),
            )),
        }
    }
    out
}

fn finish(chunks: &[ChatChunk]) -> FinishReason {
    let finishes: Vec<_> = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .filter_map(|c| c.finish_reason().cloned())
        .collect();
    assert_eq!(finishes.len(), 1, "one finish_reason per stream");
    finishes[0].clone()
}

fn last_usage(chunks: &[ChatChunk]) -> switchboard_core::chat::Usage {
    let last = chunks.last().unwrap();
    assert!(last.is_usage_only(), "the stream ends with a usage chunk");
    last.usage().unwrap().clone()
}

#[test]
fn basic_text_stream() {
    let chunks = decode(BASIC);
    assert_eq!(
        chunks[0].choices[0].delta.role,
        Some(switchboard_core::chat::Role::Assistant)
    );
    assert_eq!(chunks[0].id, "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK");
    assert_eq!(chunks[0].model, "claude-3-opus-latest");
    assert!(chunks.iter().all(|c| c.created == 7));
    assert_eq!(text(&chunks), "Hello there!");
    assert_eq!(finish(&chunks), FinishReason::Stop);
    let usage = last_usage(&chunks);
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (11, 6, 17)
    );
}

#[test]
fn text_then_a_tool_call_split_mid_token() {
    let chunks = decode(TOOL_USE);
    assert_eq!(
        text(&chunks),
        "I'll check the current weather in Paris for you."
    );
    assert_eq!(
        calls(&chunks),
        vec![(
            0,
            "toolu_01NRLabsLyVHZPKxbKvkfSMn".into(),
            "get_weather".into(),
            r#"{"location": "Paris"}"#.into()
        )]
    );
    assert_eq!(finish(&chunks), FinishReason::ToolCalls);
    assert_eq!(last_usage(&chunks).prompt_tokens, 377);
    assert_eq!(last_usage(&chunks).completion_tokens, 65);
}

#[test]
fn a_tool_call_cut_by_max_tokens_keeps_its_partial_arguments() {
    let chunks = decode(INCOMPLETE);
    let calls = calls(&chunks);
    assert_eq!(calls.len(), 1);
    assert!(calls[0].3.starts_with(r#"{"filename": "taxes.txt""#));
    assert_eq!(finish(&chunks), FinishReason::Length);
}

#[test]
fn refusals_are_content_filter() {
    assert_eq!(finish(&decode(REFUSAL)), FinishReason::ContentFilter);
    let chunks = decode(&as_sse(REFUSAL_NO_BLOCK));
    assert_eq!(finish(&chunks), FinishReason::ContentFilter);
    assert_eq!(text(&chunks), "");
}

#[test]
fn thinking_becomes_reasoning_content_and_a_signed_block() {
    let chunks = decode(THINKING_REFUSAL);
    assert!(reasoning(&chunks).starts_with("Simple educational question"));
    assert_eq!(text(&chunks), "Hi");
    let blocks: Vec<&Value> = deltas(&chunks)
        .filter_map(|d| d.extra.get("thinking_blocks"))
        .collect();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0][0]["type"], "thinking");
    assert_eq!(
        blocks[0][0]["thinking"].as_str().unwrap(),
        reasoning(&chunks)
    );
    assert_eq!(
        blocks[0][0]["signature"],
        "c3ludGhldGljLXNpZ25hdHVyZS1maXh0dXJlLWEtbm90LWEtcmVhbC1zaWduYXR1cmU="
    );
    let usage = last_usage(&chunks);
    assert_eq!(
        (usage.completion_tokens, usage.reasoning_tokens()),
        (106, 67)
    );
}

#[test]
fn padded_thinking_streams_decode() {
    for fixture in [SONNET5, CLEAR_THINKING] {
        let chunks = decode(&as_sse(fixture));
        assert!(!reasoning(&chunks).is_empty());
        assert!(!text(&chunks).is_empty());
        assert_eq!(finish(&chunks), FinishReason::Stop);
        assert!(deltas(&chunks).any(|d| d.extra.contains_key("thinking_blocks")));
    }
    assert_eq!(last_usage(&decode(&as_sse(SONNET5))).reasoning_tokens(), 62);
}

#[test]
fn server_tools_are_not_client_tool_calls() {
    let chunks = decode(SERVER_TOOL);
    assert!(calls(&chunks).is_empty());
}

#[test]
fn a_tool_call_first_and_one_without_arguments() {
    let chunks = decode(&as_sse(JSON_TOOL));
    let c = calls(&chunks);
    assert_eq!(c[0].0, 0);
    let args: Value = serde_json::from_str(&c[0].3).unwrap();
    assert_eq!(args["elements"][0]["temperature"], 58);
    let chunks = decode(&as_sse(NO_ARGS));
    let c = calls(&chunks);
    // The tool_use block is Anthropic's block 1 but the first tool call: index 0.
    assert_eq!(
        (c[0].0, c[0].2.as_str(), c[0].3.as_str()),
        (0, "updateIssueList", "{}")
    );
    assert_eq!(finish(&chunks), FinishReason::ToolCalls);
}

#[test]
fn usage_takes_the_last_message_delta() {
    let usage = last_usage(&decode(&as_sse(DELTA_INPUT)));
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (61, 2));
    let usage = last_usage(&decode(&as_sse(TEXT)));
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (12, 30));
    assert_eq!(usage.cached_tokens(), 0);
}

#[test]
fn cache_tokens_count_in_the_prompt() {
    let input = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\",\"usage\":{\"input_tokens\":5,\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":2000,\"output_tokens\":1}}}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    let usage = last_usage(&decode(input));
    assert_eq!(usage.prompt_tokens, 2105);
    assert_eq!(usage.cached_tokens(), 2000);
    assert_eq!(usage.total_tokens, 2114);
    let details = usage.prompt_tokens_details.unwrap();
    assert_eq!(details.extra["cache_write_tokens"], 100);
}

#[test]
fn an_error_event_ends_the_stream_with_an_error() {
    let input = format!(
        "{}event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}}}\n\n",
        &BASIC[..BASIC.find("event: content_block_stop").unwrap()]
    );
    for cut in [0, 40, input.len() / 2, input.len()] {
        let err = decode_in_pieces(input.as_bytes(), cut).unwrap_err();
        assert_eq!(err.status(), 503);
        assert_eq!(err.kind(), "overloaded_error");
        assert_eq!(err.message(), "Overloaded");
    }
}

#[test]
fn a_cut_stream_is_an_error_but_one_cut_after_message_delta_finishes() {
    let cut = &BASIC[..BASIC.find("event: message_delta").unwrap()];
    let err = decode_in_pieces(cut.as_bytes(), 10).unwrap_err();
    assert!(err.message().contains("before it finished"));
    let almost = &BASIC[..BASIC.find("event: message_stop").unwrap()];
    let chunks = decode_in_pieces(almost.as_bytes(), 10).unwrap();
    assert_eq!(finish(&chunks), FinishReason::Stop);
    assert!(chunks.last().unwrap().is_usage_only());
}

#[tokio::test]
async fn chunk_stream_reads_a_body_in_pieces() {
    use futures_util::StreamExt;
    let pieces: Vec<Result<bytes::Bytes, GatewayError>> = TOOL_USE
        .as_bytes()
        .chunks(37)
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .collect();
    let body: switchboard_core::ByteStream = Box::pin(futures_util::stream::iter(pieces));
    let stream = chunk_stream(body, SseChunkDecoder::new(7, Arc::from(Vec::new())));
    let chunks: Vec<ChatChunk> = stream.map(Result::unwrap).collect().await;
    assert_eq!(chunks, decode(TOOL_USE));
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512), cut in 0usize..512) {
        let cut = cut.min(bytes.len());
        let _ = decode_in_pieces(&bytes, cut);
    }

    #[test]
    fn any_two_cuts_decode_the_same(a in 0usize..2000, b in 0usize..2000) {
        let input = THINKING_REFUSAL.as_bytes();
        let (a, b) = (a.min(input.len()), b.min(input.len()));
        let (a, b) = (a.min(b), a.max(b));
        let mut d = SseChunkDecoder::new(7, Arc::from(Vec::new()));
        let mut out = Vec::new();
        for piece in [&input[..a], &input[a..b], &input[b..]] {
            d.push(piece);
            while let Some(c) = d.next_chunk().unwrap() {
                out.push(c);
            }
        }
        out.extend(d.finish().unwrap());
        proptest::prop_assert_eq!(out, decode_in_pieces(input, input.len()).unwrap());
    }
}
