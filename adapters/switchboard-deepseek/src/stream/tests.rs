//! Recorded DeepSeek streams (see `fixtures/NOTICE.md`) through the OpenAI chunk decoder
//! and the [`StreamFixer`], fed whole and cut at every byte (sampled on large inputs).

use proptest::prelude::*;
use switchboard_core::chat::Usage;
use switchboard_openai::ChunkDecoder;

use super::*;

const TEXT: &str = include_str!("../../fixtures/deepseek-text.chunks.txt");
const REASONING: &str = include_str!("../../fixtures/deepseek-reasoning.chunks.txt");
const TOOL_CALL: &str = include_str!("../../fixtures/deepseek-tool-call.chunks.txt");

/// Replays one-JSON-per-line fixtures as DeepSeek's wire sends them, with a `: keep-alive`
/// comment (as DeepSeek sends under load) before the first chunk and after every tenth.
fn as_sse(lines: &str) -> String {
    let mut out = String::from(": keep-alive\n\n");
    for (i, line) in lines.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        out.push_str("data: ");
        out.push_str(line);
        out.push_str("\n\n");
        if i % 10 == 9 {
            out.push_str(": keep-alive\n\n");
        }
    }
    out.push_str("data: [DONE]\n\n");
    out
}

/// Decodes `pieces` in order; the first error ends the run.
fn run(pieces: &[&[u8]]) -> Result<Vec<ChatChunk>, GatewayError> {
    let mut decoder = ChunkDecoder::default();
    let mut fixer = StreamFixer::new();
    let mut out = Vec::new();
    for piece in pieces {
        decoder.push(piece);
        while let Some(chunk) = decoder.next_chunk()? {
            out.extend(fixer.push(chunk)?);
        }
    }
    while let Some(chunk) = decoder.finish()? {
        out.extend(fixer.push(chunk)?);
    }
    out.extend(fixer.finish());
    Ok(out)
}

/// Decodes whole, then cut in two at every byte (every `step`-th on large inputs).
fn decode(input: &str) -> Vec<ChatChunk> {
    let bytes = input.as_bytes();
    let whole = run(&[bytes]).unwrap();
    let step = (bytes.len() / 500).max(1);
    for cut in (0..bytes.len()).step_by(step) {
        let (a, b) = bytes.split_at(cut);
        assert_eq!(run(&[a, b]).unwrap(), whole, "cut at {cut}");
    }
    whole
}

fn collect(chunks: &[ChatChunk], pick: fn(&ChunkChoice) -> Option<&str>) -> String {
    chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .filter_map(pick)
        .collect()
}

fn last_usage(chunks: &[ChatChunk]) -> &Usage {
    let last = chunks.last().unwrap();
    assert!(last.is_usage_only(), "the last chunk is not usage-only");
    last.usage().unwrap()
}

fn finish(chunks: &[ChatChunk]) -> Vec<&FinishReason> {
    chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .filter_map(ChunkChoice::finish_reason)
        .collect()
}

#[test]
fn a_text_stream_keeps_every_chunk_and_ends_with_a_usage_chunk() {
    let chunks = decode(&as_sse(TEXT));
    // 402 upstream chunks, plus the usage split off the last one.
    assert_eq!(chunks.len(), 403);
    assert!(collect(&chunks, |c| c.delta.content()).starts_with("## **"));
    assert_eq!(finish(&chunks), vec![&FinishReason::Length]);
    let usage = last_usage(&chunks);
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (13, 400));
    assert_eq!(usage.cached_tokens(), 0);
    // The finishing chunk keeps `"usage": null`, like every chunk before it.
    assert_eq!(chunks[401].usage, Some(None));
}

#[test]
fn reasoning_is_streamed_as_reasoning_content_before_the_answer() {
    let chunks = decode(&as_sse(REASONING));
    let reasoning = collect(&chunks, |c| c.delta.reasoning_content());
    let answer = collect(&chunks, |c| c.delta.content());
    assert!(reasoning.starts_with("We need"), "{reasoning}");
    assert!(!answer.is_empty());
    let first_answer = chunks
        .iter()
        .position(|c| {
            c.choices
                .iter()
                .any(|c| !c.delta.content().unwrap_or_default().is_empty())
        })
        .unwrap();
    let last_reasoning = chunks
        .iter()
        .rposition(|c| {
            c.choices
                .iter()
                .any(|c| !c.delta.reasoning_content().unwrap_or_default().is_empty())
        })
        .unwrap();
    assert!(last_reasoning < first_answer);
    assert_eq!(last_usage(&chunks).reasoning_tokens(), 205);
}

#[test]
fn a_streamed_tool_call_and_cache_hits() {
    let chunks = decode(&as_sse(TOOL_CALL));
    let calls: Vec<_> = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .flat_map(|c| c.delta.tool_calls.iter().flatten())
        .collect();
    assert_eq!(
        calls[0].id.as_deref(),
        Some("call_00_ioIn7yN9p1ZOMNpDLwd4MgAF")
    );
    let args: String = calls
        .iter()
        .filter_map(|c| c.function.as_ref()?.arguments.as_deref())
        .collect();
    let args: serde_json::Value = serde_json::from_str(&args).unwrap();
    assert_eq!(args["location"], "San Francisco");
    assert_eq!(finish(&chunks), vec![&FinishReason::ToolCalls]);
    let usage = last_usage(&chunks);
    assert_eq!(usage.cached_tokens(), 320);
    assert_eq!(usage.extra["prompt_cache_hit_tokens"], 320);
}

const ROLE: &str = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n";
const WORD: &str = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n";
const STARVED: &str = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"logprobs\":null,\"finish_reason\":\"insufficient_system_resource\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6,\"prompt_cache_hit_tokens\":0,\"prompt_cache_miss_tokens\":5}}\n\n";
const DONE: &str = "data: [DONE]\n\n";

#[test]
fn insufficient_resources_before_any_output_is_a_503() {
    let input = [": keep-alive\n\n", ROLE, STARVED, DONE].concat();
    for cut in 0..input.len() {
        let (a, b) = input.as_bytes().split_at(cut);
        let err = run(&[a, b]).unwrap_err();
        assert_eq!(err.status().as_u16(), 503, "cut at {cut}");
        assert_eq!(err.code(), Some("insufficient_system_resource"));
    }
}

#[test]
fn insufficient_resources_after_output_is_length() {
    let chunks = decode(&[ROLE, WORD, STARVED, DONE].concat());
    assert_eq!(
        collect(&chunks, |c| c.delta.role.as_ref().map(|r| r.as_str())),
        "assistant"
    );
    assert_eq!(collect(&chunks, |c| c.delta.content()), "Hel");
    assert_eq!(finish(&chunks), vec![&FinishReason::Length]);
    let serialised = serde_json::to_string(&chunks).unwrap();
    assert!(!serialised.contains("insufficient_system_resource"));
}

#[test]
fn an_empty_answer_that_stops_normally_is_passed_on() {
    let stop = STARVED.replace("insufficient_system_resource", "stop");
    let chunks = decode(&[ROLE, stop.as_str(), DONE].concat());
    assert_eq!(chunks.len(), 3);
    assert_eq!(finish(&chunks), vec![&FinishReason::Stop]);
}

#[test]
fn the_opening_chunk_is_held_only_until_output() {
    let mut fixer = StreamFixer::new();
    let chunk = |sse: &str| -> ChatChunk {
        serde_json::from_str(sse.trim().trim_start_matches("data: ")).unwrap()
    };
    assert!(fixer.push(chunk(ROLE)).unwrap().is_empty());
    assert_eq!(fixer.push(chunk(WORD)).unwrap().len(), 2);
    assert_eq!(fixer.push(chunk(WORD)).unwrap().len(), 1);
    assert!(fixer.finish().is_empty());
}

proptest! {
    #[test]
    fn any_split_decodes_like_the_whole(cuts in proptest::collection::vec(0.0f64..1.0, 0..8)) {
        // The tool-call stream: reasoning, tool-call pieces, usage and keep-alives.
        let input = as_sse(TOOL_CALL);
        let bytes = input.as_bytes();
        let mut at: Vec<usize> = cuts.iter().map(|c| (c * bytes.len() as f64) as usize).collect();
        at.push(0);
        at.push(bytes.len());
        at.sort_unstable();
        let pieces: Vec<&[u8]> = at.windows(2).map(|w| &bytes[w[0]..w[1]]).collect();
        prop_assert_eq!(run(&pieces).unwrap(), run(&[bytes]).unwrap());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = run(&[&bytes]);
    }

    #[test]
    fn arbitrary_data_lines_never_panic(lines in proptest::collection::vec("[ -~]{0,64}", 0..8)) {
        let text: String = lines.iter().map(|l| format!("data: {l}\n\n")).collect();
        let _ = run(&[text.as_bytes()]);
    }
}
