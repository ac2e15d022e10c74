//! The Azure chat stream, from recorded payloads (see `fixtures/NOTICE.md`), fed whole and
//! cut at every byte.

use super::*;
use switchboard_core::GatewayError;
use switchboard_core::chat::FinishReason;
use switchboard_openai::ChunkDecoder;

/// Azure's model-router stream: a prompt-filter-only first chunk, deltas with
/// `content_filter_results`, a usage-only last chunk.
const ROUTER: &str = include_str!("../../fixtures/azure-model-router.1.chunks.txt");
/// A chat tool call (OpenAI chunk shape, from xAI's compatible API).
const TOOL_CALL: &str = include_str!("../../fixtures/xai-tool-call.chunks.txt");

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
            out.push(normalise_chunk(c));
        }
    }
    while let Some(c) = d.finish()? {
        out.push(normalise_chunk(c));
    }
    Ok(out)
}

/// Decodes whole, then cut at every byte (sampled evenly on large inputs).
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

#[test]
fn the_prompt_filter_chunk_passes_with_an_object() {
    let chunks = decode(&as_sse(ROUTER));
    assert_eq!(chunks.len(), 8);
    let first = &chunks[0];
    assert!(first.choices.is_empty());
    assert_eq!(first.object, "chat.completion.chunk");
    assert!(first.extra.contains_key("prompt_filter_results"));
    assert!(first.usage().is_none());
    assert!(chunks.iter().all(|c| c.object == "chat.completion.chunk"));
    let text: String = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .filter_map(|c| c.delta.content())
        .collect();
    assert_eq!(text, "Capital of Denmark.");
    assert!(
        chunks[2].choices[0]
            .extra
            .contains_key("content_filter_results")
    );
    let finish = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .find_map(|c| c.finish_reason());
    assert_eq!(finish, Some(&FinishReason::Stop));
    let last = chunks.last().unwrap();
    assert!(last.is_usage_only());
    let usage = last.usage().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (15, 78, 93)
    );
    assert_eq!(usage.reasoning_tokens(), 64);
}

#[test]
fn a_stream_cut_by_the_filter_ends_with_content_filter() {
    let input = "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}\n\n\
data: {\"choices\":[{\"content_filter_results\":{\"violence\":{\"filtered\":true,\"severity\":\"medium\"}},\"delta\":{},\"finish_reason\":\"content_filter\",\"index\":0}],\"created\":1,\"id\":\"chatcmpl-x\",\"model\":\"gpt-4o\",\"object\":\"chat.completion.chunk\"}\n\n\
data: [DONE]\n\n";
    let chunks = decode(input);
    assert_eq!(
        chunks[1].choices[0].finish_reason(),
        Some(&FinishReason::ContentFilter)
    );
}

#[test]
fn tool_call_and_reasoning_deltas_survive() {
    let chunks = decode(&as_sse(TOOL_CALL));
    let reasoning: String = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .filter_map(|c| c.delta.reasoning_content())
        .collect();
    assert!(reasoning.starts_with("First"));
    let call = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .flat_map(|c| c.delta.tool_calls.iter().flatten())
        .next()
        .unwrap();
    let function = call.function.as_ref().unwrap();
    assert_eq!(function.name.as_deref(), Some("weather"));
    assert_eq!(
        function.arguments.as_deref(),
        Some("{\"location\":\"San Francisco\"}")
    );
}

#[tokio::test]
async fn the_stream_adapter_normalises_every_chunk() {
    let body: ByteStream = Box::pin(futures_util::stream::iter(
        as_sse(ROUTER)
            .into_bytes()
            .chunks(7)
            .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    ));
    let chunks: Vec<_> = azure_chunk_stream(body, Arc::from(Vec::new()))
        .collect::<Vec<_>>()
        .await;
    assert_eq!(chunks.len(), 8);
    assert!(
        chunks
            .iter()
            .all(|c| c.as_ref().unwrap().object == CHUNK_OBJECT)
    );
}
