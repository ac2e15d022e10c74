//! ConverseStream replays of vercel/ai's recorded events (framed into binary here), fed
//! whole and cut at every byte; InvokeModel chunk frames; exception frames mid-stream.

use base64::Engine;
use serde_json::{Value, json};

use super::*;
use crate::eventstream::{encode_event, encode_exception};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/converse");

/// A `.chunks.txt` recording (one `{"<eventType>": {...}}` per line) as wire frames.
fn framed(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(format!("{DIR}/{name}")).unwrap();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let event: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
        let (kind, payload) = event.into_iter().next().unwrap();
        out.extend(encode_event(&kind, payload.to_string().as_bytes()));
    }
    out
}

fn run(
    mut decoder: StreamDecoder,
    bytes: &[u8],
    step: usize,
) -> Result<Vec<ChatChunk>, GatewayError> {
    let mut out = Vec::new();
    for piece in bytes.chunks(step.max(1)) {
        decoder.push(piece);
        while let Some(chunk) = decoder.next_chunk()? {
            out.push(chunk);
        }
    }
    out.extend(decoder.finish()?);
    Ok(out)
}

fn converse(bytes: &[u8], step: usize) -> Result<Vec<ChatChunk>, GatewayError> {
    run(
        StreamDecoder::converse("chatcmpl-1", "m", 1, Arc::from(Vec::new())),
        bytes,
        step,
    )
}

/// Every split gives the same chunks as the whole.
fn replay(name: &str) -> Vec<ChatChunk> {
    let bytes = framed(name);
    let whole = converse(&bytes, bytes.len()).unwrap();
    for step in [1, 2, 3, 7, 64] {
        assert_eq!(converse(&bytes, step).unwrap(), whole, "{name} step {step}");
    }
    // Cut in two at every byte.
    for cut in (0..bytes.len()).step_by(1 + bytes.len() / 400) {
        let mut d = StreamDecoder::converse("chatcmpl-1", "m", 1, Arc::from(Vec::new()));
        let mut out = Vec::new();
        for piece in [&bytes[..cut], &bytes[cut..]] {
            d.push(piece);
            while let Some(c) = d.next_chunk().unwrap() {
                out.push(c);
            }
        }
        out.extend(d.finish().unwrap());
        assert_eq!(out, whole, "{name} cut {cut}");
    }
    whole
}

fn text(chunks: &[ChatChunk]) -> String {
    chunks
        .iter()
        .filter_map(|c| c.choices.first()?.delta.content())
        .collect()
}

fn reasoning(chunks: &[ChatChunk]) -> String {
    chunks
        .iter()
        .filter_map(|c| c.choices.first()?.delta.reasoning_content())
        .collect()
}

fn finish(chunks: &[ChatChunk]) -> String {
    let reason = chunks
        .iter()
        .find_map(|c| c.choices.first()?.finish_reason().cloned());
    serde_json::to_value(reason)
        .unwrap()
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn a_text_stream_replays() {
    let chunks = replay("amazon-bedrock-text.chunks.txt");
    assert!(!text(&chunks).is_empty());
    assert_eq!(finish(&chunks), "stop");
    let usage = chunks.last().unwrap().usage().unwrap();
    assert!(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    assert_eq!(
        usage.total_tokens,
        usage.prompt_tokens + usage.completion_tokens
    );
}

#[test]
fn a_reasoning_stream_surfaces_reasoning_content_and_its_signed_block() {
    let chunks = replay("amazon-bedrock-reasoning.chunks.txt");
    assert!(!reasoning(&chunks).is_empty());
    assert!(!text(&chunks).is_empty());
    let block = chunks
        .iter()
        .find_map(|c| {
            c.choices
                .first()?
                .delta
                .extra
                .get("thinking_blocks")
                .cloned()
        })
        .unwrap();
    assert!(!block[0]["signature"].as_str().unwrap().is_empty());
}

#[test]
fn tool_streams_give_tool_calls_with_valid_arguments() {
    for name in [
        "amazon-bedrock-tool-no-args.chunks.txt",
        "amazon-bedrock-redacted-content.chunks.txt",
    ] {
        let chunks = replay(name);
        assert_eq!(finish(&chunks), "tool_calls", "{name}");
        let mut args = String::new();
        let mut names = Vec::new();
        for c in &chunks {
            for call in c
                .choices
                .first()
                .and_then(|ch| ch.delta.tool_calls.clone())
                .into_iter()
                .flatten()
            {
                if let Some(f) = call.function {
                    names.extend(f.name);
                    args.push_str(f.arguments.as_deref().unwrap_or(""));
                }
            }
        }
        assert_eq!(names.len(), 1, "{name}");
        let _: Value =
            serde_json::from_str(&args).unwrap_or_else(|e| panic!("{name}: {args}: {e}"));
    }
}

#[test]
fn the_live_binary_capture_decodes() {
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{DIR}/issue-18994-live-converse-stream.json")).unwrap(),
    )
    .unwrap();
    let b64 = recorded["bodyBase64"]
        .as_str()
        .or_else(|| {
            recorded
                .pointer("/response/bodyBase64")
                .and_then(Value::as_str)
        })
        .unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let whole = converse(&bytes, bytes.len()).unwrap();
    assert_eq!(converse(&bytes, 1).unwrap(), whole);
    assert!(!text(&whole).is_empty());
}

#[test]
fn an_exception_frame_mid_stream_is_a_mapped_error() {
    let mut bytes = encode_event("messageStart", br#"{"role":"assistant"}"#);
    bytes.extend(encode_event(
        "contentBlockDelta",
        br#"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#,
    ));
    bytes.extend(encode_exception(
        "throttlingException",
        br#"{"message":"Too many tokens"}"#,
    ));
    let err = converse(&bytes, 1).unwrap_err();
    assert_eq!(err.status().as_u16(), 429);
    let recorded = std::fs::read_to_string(format!(
        "{DIR}/model-stream-error-exception.eventstream.base64.txt"
    ))
    .unwrap();
    let frame = base64::engine::general_purpose::STANDARD
        .decode(recorded.trim())
        .unwrap();
    let err = converse(&frame, 3).unwrap_err();
    assert_eq!(err.code(), Some("ModelStreamErrorException"));
    assert_eq!(err.status().as_u16(), 502);
}

#[test]
fn a_cut_stream_is_an_error() {
    let bytes = framed("amazon-bedrock-text.chunks.txt");
    assert!(converse(&bytes[..bytes.len() / 2], 1).is_err());
}

#[test]
fn invoke_chunks_carry_anthropic_events() {
    let events = [
        json!({"type":"message_start","message":{"id":"msg_bdrk_1","model":"claude","role":"assistant","content":[],"usage":{"input_tokens":10,"output_tokens":1}}}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}),
        json!({"type":"content_block_stop","index":0}),
        json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}),
        json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}),
        json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}),
        json!({"type":"content_block_stop","index":1}),
        json!({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":15}}),
        json!({"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":10,"outputTokenCount":15,"invocationLatency":1798,"firstByteLatency":1507}}),
    ];
    let mut bytes = Vec::new();
    for event in &events {
        let b64 = base64::engine::general_purpose::STANDARD.encode(event.to_string());
        bytes.extend(encode_event(
            "chunk",
            json!({"bytes": b64, "p": "abcdef"}).to_string().as_bytes(),
        ));
    }
    let invoke = |step| {
        run(
            StreamDecoder::invoke(1, Arc::from(Vec::new())),
            &bytes,
            step,
        )
    };
    let whole = invoke(bytes.len()).unwrap();
    for step in [1, 2, 5, 33] {
        assert_eq!(invoke(step).unwrap(), whole);
    }
    assert_eq!(text(&whole), "Hello");
    assert_eq!(finish(&whole), "tool_calls");
    let usage = whole.last().unwrap().usage().unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (10, 15));
}
