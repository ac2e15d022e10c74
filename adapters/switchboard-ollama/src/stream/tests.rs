//! The NDJSON decoder and the chunk decoder, run over the documented and observed lines
//! (see `fixtures/NOTICE.md`) fed whole and cut at every byte.

use proptest::prelude::*;
use switchboard_core::chat::FinishReason;

use super::*;

const TEXT: &str = include_str!("../../fixtures/chat-stream-text.docs.ndjson");
const TOOLS: &str = include_str!("../../fixtures/chat-stream-tool-call.docs.ndjson");
const THINKING: &str = include_str!("../../fixtures/chat-stream-thinking.observed.ndjson");
const THINKING_FIRST_LAST: &str =
    include_str!("../../fixtures/chat-stream-thinking-first-last.observed.ndjson");
const GENERATE_ERROR: &str =
    include_str!("../../fixtures/generate-stream-midstream-error.docs.ndjson");

fn decoder() -> ChunkDecoder {
    ChunkDecoder::new(
        "chatcmpl-test",
        Arc::from(vec!["secret-key-123".to_owned()]),
    )
}

/// Decodes `input` in the given pieces; an error ends the output.
fn decode_pieces(pieces: &[&[u8]]) -> (Vec<ChatChunk>, Option<GatewayError>) {
    let mut d = decoder();
    let mut out = Vec::new();
    for piece in pieces {
        d.push(piece);
        loop {
            match d.next_chunk() {
                Ok(Some(c)) => out.push(c),
                Ok(None) => break,
                Err(e) => return (out, Some(e)),
            }
        }
    }
    loop {
        match d.finish() {
            Ok(Some(c)) => out.push(c),
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e)),
        }
    }
}

/// Decodes whole, then cut at every byte, and at every byte one byte at a time; all agree.
fn decode(input: &str) -> (Vec<ChatChunk>, Option<GatewayError>) {
    let bytes = input.as_bytes();
    let (whole, err) = decode_pieces(&[bytes]);
    let key = |r: &(Vec<ChatChunk>, Option<GatewayError>)| {
        (
            r.0.clone(),
            r.1.as_ref().map(|e| (e.status(), e.message().to_owned())),
        )
    };
    let expected = key(&(whole.clone(), err.clone()));
    for cut in 0..=bytes.len() {
        let got = decode_pieces(&[&bytes[..cut], &bytes[cut..]]);
        assert_eq!(key(&got), expected, "cut at {cut}");
    }
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(key(&decode_pieces(&singles)), expected, "byte by byte");
    (whole, err)
}

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

fn finish(chunks: &[ChatChunk]) -> Option<&FinishReason> {
    chunks
        .iter()
        .flat_map(|c| &c.choices)
        .find_map(|c| c.finish_reason())
}

#[test]
fn the_documented_text_stream() {
    let (chunks, err) = decode(TEXT);
    assert!(err.is_none());
    // Content, finish, usage.
    assert_eq!(chunks.len(), 3);
    assert_eq!(chunks[0].choices[0].delta.role, Some(Role::Assistant));
    assert_eq!(text(&chunks), "The");
    assert_eq!(finish(&chunks), Some(&FinishReason::Stop));
    assert_eq!(chunks[0].model, "llama3.2");
    // 2023-08-04T08:52:19-07:00
    assert_eq!(chunks[0].created, 1_691_164_339);
    assert!(chunks.iter().all(|c| c.id == "chatcmpl-test"));
    let last = chunks.last().unwrap();
    assert!(last.is_usage_only());
    let usage = last.usage().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (26, 282, 308)
    );
}

#[test]
fn the_documented_tool_call_arrives_whole_with_an_id() {
    let (chunks, err) = decode(TOOLS);
    assert!(err.is_none());
    let calls: Vec<&ToolCallDelta> = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .flat_map(|c| c.delta.tool_calls.iter().flatten())
        .collect();
    assert_eq!(calls.len(), 1);
    let call = calls[0];
    assert_eq!(call.index, 0);
    let id = call.id.as_deref().unwrap();
    assert!(id.starts_with("call_") && id.len() == 29, "{id}");
    assert_eq!(call.r#type.as_deref(), Some("function"));
    let f = call.function.as_ref().unwrap();
    assert_eq!(f.name.as_deref(), Some("get_weather"));
    assert_eq!(f.arguments.as_deref(), Some("{\"city\":\"Tokyo\"}"));
    // done_reason "stop" after tool calls is tool_calls.
    assert_eq!(finish(&chunks), Some(&FinishReason::ToolCalls));
    assert_eq!(chunks.last().unwrap().usage().unwrap().prompt_tokens, 169);
}

#[test]
fn observed_thinking_is_reasoning_content_and_length_stays() {
    let (chunks, err) = decode(THINKING);
    assert!(err.is_none());
    assert_eq!(reasoning(&chunks), "Okay,");
    assert_eq!(text(&chunks), "");
    assert_eq!(finish(&chunks), Some(&FinishReason::Length));
    assert_eq!(
        chunks.last().unwrap().usage().unwrap().completion_tokens,
        20
    );
    let (chunks, _) = decode(THINKING_FIRST_LAST);
    assert_eq!(reasoning(&chunks), "Okay");
    assert_eq!(chunks.last().unwrap().usage().unwrap().prompt_tokens, 22);
}

#[test]
fn thinking_then_text_then_a_mid_stream_error() {
    // Documented lines put together: observed thinking lines, the docs' content line, then
    // the docs' mid-stream error line (documented for /api/generate, same rule on /api/chat).
    let mut thinking = THINKING.lines().take(2).collect::<Vec<_>>().join("\n");
    thinking.push('\n');
    let input = format!(
        "{thinking}{}\n{}\n",
        TEXT.lines().next().unwrap(),
        GENERATE_ERROR.lines().last().unwrap()
    );
    let (chunks, err) = decode(&input);
    assert_eq!(reasoning(&chunks), "Okay,");
    assert_eq!(text(&chunks), "The");
    // Only the first chunk carries the role.
    let roles = chunks
        .iter()
        .filter(|c| c.choices[0].delta.role.is_some())
        .count();
    assert_eq!(roles, 1);
    assert!(finish(&chunks).is_none());
    let err = err.unwrap();
    assert_eq!(err.status(), 502);
    assert!(
        err.message()
            .contains("an error was encountered while running the model")
    );
}

#[test]
fn an_error_line_first_is_an_error_before_any_chunk() {
    let (chunks, err) =
        decode("{\"error\":\"model requires more system memory (secret-key-123)\"}\n");
    assert!(chunks.is_empty());
    let err = err.unwrap();
    assert!(err.message().contains("more system memory"));
    assert!(
        !err.message().contains("secret-key-123"),
        "{}",
        err.message()
    );
}

#[test]
fn a_cut_stream_is_an_error_and_a_missing_final_newline_is_not() {
    let first_line = format!("{}\n", TEXT.lines().next().unwrap());
    let (chunks, err) = decode(&first_line);
    assert_eq!(text(&chunks), "The");
    assert!(err.unwrap().message().contains("before it finished"));
    let (chunks, err) = decode(TEXT.trim_end());
    assert!(err.is_none());
    assert_eq!(finish(&chunks), Some(&FinishReason::Stop));
}

#[test]
fn crlf_blank_lines_and_lines_after_done_are_tolerated() {
    let input = format!("\r\n{}\r\n\n{{\"junk\":1}}\n", TEXT.replace('\n', "\r\n"));
    let (chunks, err) = decode(&input);
    assert!(err.is_none());
    assert_eq!(text(&chunks), "The");
}

#[test]
fn a_done_line_with_content_and_several_tool_calls() {
    let input = concat!(
        r#"{"model":"m","created_at":"2026-01-10T16:55:30Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_d1imwj4g","function":{"index":0,"name":"a","arguments":{}}},{"function":{"index":1,"name":"b","arguments":{"x":[1,2]}}}]},"done":false}"#,
        "\n",
        r#"{"model":"m","message":{"role":"assistant","content":"!"},"done":true,"done_reason":"stop"}"#,
        "\n"
    );
    let (chunks, err) = decode(input);
    assert!(err.is_none());
    let calls: Vec<&ToolCallDelta> = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .flat_map(|c| c.delta.tool_calls.iter().flatten())
        .collect();
    assert_eq!(calls[0].id.as_deref(), Some("call_d1imwj4g"));
    assert_eq!(calls[1].index, 1);
    assert_eq!(
        calls[1].function.as_ref().unwrap().arguments.as_deref(),
        Some("{\"x\":[1,2]}")
    );
    assert_eq!(text(&chunks), "!");
    assert_eq!(finish(&chunks), Some(&FinishReason::ToolCalls));
    // No counts on the done line: usage is zeros, not absent.
    assert_eq!(chunks.last().unwrap().usage().unwrap().total_tokens, 0);
}

#[test]
fn a_garbled_line_is_a_502() {
    let (_, err) = decode("{\"model\":\n");
    assert_eq!(err.unwrap().status(), 502);
}

#[test]
fn the_ndjson_decoder_keeps_long_streams_small() {
    let mut d = NdjsonDecoder::default();
    let line = "x".repeat(1000);
    for _ in 0..1000 {
        d.push(line.as_bytes());
        d.push(b"\n");
        assert_eq!(d.next_line().unwrap().unwrap().len(), 1000);
    }
    assert!(d.buf.capacity() < 200 * 1024);
    assert!(d.next_line().unwrap().is_none());
    assert!(d.finish().is_none());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), cut in 0usize..512) {
        let cut = cut.min(bytes.len());
        let _ = decode_pieces(&[&bytes[..cut], &bytes[cut..]]);
    }

    #[test]
    fn lines_are_the_same_at_any_split(lines in proptest::collection::vec("[a-z{}\" é]{0,20}", 0..8), cuts in proptest::collection::vec(0usize..200, 0..6)) {
        let input = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let bytes = input.as_bytes();
        let mut points: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
        points.sort_unstable();
        let mut d = NdjsonDecoder::default();
        let mut got = Vec::new();
        let mut from = 0;
        for p in points.into_iter().chain([bytes.len()]) {
            d.push(&bytes[from..p]);
            from = p;
            while let Some(line) = d.next_line().unwrap() {
                got.push(String::from_utf8(line).unwrap());
            }
        }
        prop_assert!(d.finish().is_none());
        prop_assert_eq!(got, lines);
    }
}
