//! Recorded DashScope streams (see `fixtures/NOTICE.md`) fed whole and cut at every
//! byte, normalised chunk by chunk.

use std::sync::Arc;

use bytes::Bytes;
use proptest::prelude::*;
use switchboard_core::chat::FinishReason;
use switchboard_core::{ByteStream, GatewayError};
use switchboard_openai::chunk_stream;

use super::*;
use crate::testing::{REASONING, TEXT, TOOL_CALL, as_sse, decode, decode_pieces};

fn text(chunks: &[ChatChunk]) -> String {
    chunks
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.delta.content())
        .collect()
}

fn reasoning(chunks: &[ChatChunk]) -> String {
    chunks
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.delta.reasoning_content())
        .collect()
}

fn finish_reasons(chunks: &[ChatChunk]) -> Vec<&FinishReason> {
    chunks
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.finish_reason())
        .collect()
}

#[test]
fn text_stream_ends_with_stop_then_usage() {
    let chunks = decode(TEXT);
    assert_eq!(chunks.len(), 174);
    assert!(text(&chunks).starts_with("## The Festival of Shared Stories"));
    assert_eq!(finish_reasons(&chunks), [&FinishReason::Stop]);
    let last = chunks.last().unwrap();
    assert!(last.is_usage_only());
    let usage = last.usage().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (18, 779, 797)
    );
    assert_eq!(usage.cached_tokens(), 0);
    // Every choice reads `finish_reason` (null until the end), as OpenAI's schema wants.
    assert!(
        chunks
            .iter()
            .flat_map(|c| &c.choices)
            .all(|c| c.finish_reason.is_some())
    );
}

#[test]
fn reasoning_comes_before_the_answer() {
    let chunks = decode(REASONING);
    let thought = reasoning(&chunks);
    assert!(
        thought.starts_with("We are asked: \"How many 'r's"),
        "{thought}"
    );
    assert!(text(&chunks).contains('3'));
    let first_text = chunks
        .iter()
        .position(|c| {
            c.choices
                .iter()
                .any(|c| c.delta.content().is_some_and(|t| !t.is_empty()))
        })
        .unwrap();
    let last_thought = chunks
        .iter()
        .rposition(|c| {
            c.choices
                .iter()
                .any(|c| c.delta.reasoning_content().is_some_and(|t| !t.is_empty()))
        })
        .unwrap();
    assert!(last_thought < first_text);
    let usage = chunks.last().unwrap().usage().unwrap();
    assert_eq!(usage.reasoning_tokens(), 1084);
    assert_eq!(usage.completion_tokens, 1355);
}

#[test]
fn repeated_empty_tool_call_ids_are_removed() {
    let chunks = decode(TOOL_CALL);
    let pieces: Vec<_> = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .flat_map(|c| c.delta.tool_calls.iter().flatten())
        .collect();
    assert_eq!(pieces.len(), 4);
    assert_eq!(
        pieces[0].id.as_deref(),
        Some("call_eee11723464a4b9eb8cee71d")
    );
    assert_eq!(pieces[0].r#type.as_deref(), Some("function"));
    assert_eq!(
        pieces[0].function.as_ref().unwrap().name.as_deref(),
        Some("weather")
    );
    for later in &pieces[1..] {
        assert_eq!((later.id.as_deref(), later.r#type.as_deref()), (None, None));
        assert_eq!(later.index, 0);
    }
    let arguments: String = pieces
        .iter()
        .filter_map(|p| p.function.as_ref()?.arguments.as_deref())
        .collect();
    assert_eq!(arguments, r#"{"location": "San Francisco"}"#);
    assert_eq!(finish_reasons(&chunks), [&FinishReason::ToolCalls]);
    let usage = chunks.last().unwrap().usage().unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (295, 22));
}

#[test]
fn written_back_a_chunk_has_no_empty_id() {
    let chunks = decode(TOOL_CALL);
    let json = serde_json::to_string(&chunks[1]).unwrap();
    assert!(!json.contains(r#""id":"""#), "{json}");
    assert!(json.contains(r#""finish_reason":null"#), "{json}");
}

fn body(parts: Vec<&'static str>) -> ByteStream {
    Box::pin(futures_util::stream::iter(parts.into_iter().map(|p| {
        Ok::<_, GatewayError>(Bytes::from_static(p.as_bytes()))
    })))
}

#[tokio::test]
async fn a_mid_stream_error_is_mapped_like_an_error_answer() {
    let upstream = body(vec![
        "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\",\"role\":\"assistant\"},\"index\":0}],\"object\":\"chat.completion.chunk\",\"model\":\"qwen-plus\",\"id\":\"c\"}\n\n",
        "data: {\"error\":{\"code\":\"data_inspection_failed\",\"param\":null,\"message\":\"Output data may contain inappropriate content.\",\"type\":\"data_inspection_failed\"},\"id\":\"c\",\"request_id\":\"r\"}\n\n",
    ]);
    let mut stream = normalise(chunk_stream(upstream, Arc::from(Vec::new())));
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.choices[0].delta.content(), Some("Hi"));
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(
        (err.status().as_u16(), err.kind(), err.code()),
        (400, "invalid_request_error", Some("data_inspection_failed"))
    );
    assert!(stream.next().await.is_none());
}

proptest! {
    /// Any three pieces decode like the whole stream.
    #[test]
    fn any_two_cuts_decode_like_the_whole(a in 0usize..2000, b in 0usize..2000) {
        let wire = as_sse(TOOL_CALL);
        let bytes = wire.as_bytes();
        let (a, b) = (a.min(b) % bytes.len(), a.max(b) % bytes.len());
        let (a, b) = (a.min(b), a.max(b));
        let whole = decode_pieces(&[bytes]).unwrap();
        let cut = decode_pieces(&[&bytes[..a], &bytes[a..b], &bytes[b..]]).unwrap();
        prop_assert_eq!(cut, whole);
    }

    /// Arbitrary bytes never panic the decoder.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_pieces(&[&bytes]);
    }
}
