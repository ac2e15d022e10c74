//! The recorded data the micro-benchmarks run on (`bench/fixtures/`, provenance in its
//! `NOTICE.md`), and the small conversions that turn a recording into wire bytes.

use bytes::Bytes;

/// A realistic chat request (system prompt, a tool call and its result, three tools,
/// `stream: true`), compact JSON as SDKs send it; about 2.7 KiB.
pub const CHAT_REQUEST: &[u8] = include_bytes!("../fixtures/chat-request.json");

/// A realistic Responses request (instructions, a developer and two user messages, a
/// replayed assistant message, a function call and its output, two tools), compact JSON;
/// about 2 KiB.
pub const RESPONSES_REQUEST: &[u8] = include_bytes!("../fixtures/responses-request.json");

/// A real api.openai.com chat completion (pretty-printed by its recorder).
pub const CHAT_RESPONSE: &[u8] = include_bytes!("../fixtures/openai-chat-basic.response.json");

/// A real api.openai.com chat stream: 50 chunk frames and `data: [DONE]`, as sent.
pub const OPENAI_STREAM: &[u8] = include_bytes!("../fixtures/openai-chat-streaming.sse");

/// An Azure OpenAI chat stream (with its prompt-filter chunk), one chunk JSON per line.
pub const AZURE_CHUNKS: &str = include_str!("../fixtures/azure-model-router.1.chunks.txt");

/// A DeepSeek stream: reasoning, then a tool call, one chunk JSON per line.
pub const DEEPSEEK_CHUNKS: &str = include_str!("../fixtures/deepseek-tool-call.chunks.txt");

/// A Qwen (DashScope compatible mode) stream with a tool call, one chunk JSON per line.
pub const QWEN_CHUNKS: &str = include_str!("../fixtures/alibaba-tool-call.chunks.txt");

/// An Anthropic Messages stream, raw SSE as sent.
pub const ANTHROPIC_STREAM: &[u8] = include_bytes!("../fixtures/anthropic-basic_response.txt");

/// A Bedrock ConverseStream, one decoded event `{"<eventType>": {...}}` per line.
pub const BEDROCK_EVENTS: &str = include_str!("../fixtures/amazon-bedrock-text.chunks.txt");

/// An Ollama `/api/chat` stream, NDJSON as sent.
pub const OLLAMA_STREAM: &[u8] =
    include_bytes!("../fixtures/ollama-chat-stream-thinking.observed.ndjson");

/// An OpenAI-shaped SSE body from one-chunk-per-line recordings: `data: <line>\n\n` per
/// non-empty line, then `data: [DONE]\n\n`.
pub fn sse_from_lines(lines: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(lines.len() + 64);
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\n\n");
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}

/// `body` cut after every `separator` (a last piece without one is kept), as a server
/// that flushes each event would send it.
pub fn pieces(body: &[u8], separator: &[u8]) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while at + separator.len() <= body.len() {
        if &body[at..at + separator.len()] == separator {
            at += separator.len();
            out.push(Bytes::copy_from_slice(&body[start..at]));
            start = at;
        } else {
            at += 1;
        }
    }
    if start < body.len() {
        out.push(Bytes::copy_from_slice(&body[start..]));
    }
    out
}

/// The `data:` payloads of an SSE body, `[DONE]` left out.
pub fn sse_data(body: &[u8]) -> Vec<&[u8]> {
    body.split(|b| *b == b'\n')
        .filter_map(|line| line.strip_prefix(b"data: "))
        .filter(|data| *data != b"[DONE]")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_sse_frames_ending_with_done() {
        let body = sse_from_lines("{\"a\":1}\n\n{\"b\":2}\n");
        assert_eq!(
            body,
            b"data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n"
        );
        assert_eq!(sse_data(&body), [&b"{\"a\":1}"[..], b"{\"b\":2}"]);
    }

    #[test]
    fn pieces_end_at_each_separator() {
        let cut = pieces(b"a\n\nbb\n\nc", b"\n\n");
        assert_eq!(cut, [&b"a\n\n"[..], b"bb\n\n", b"c"]);
        assert_eq!(pieces(OPENAI_STREAM, b"\n\n").concat(), OPENAI_STREAM);
        assert_eq!(pieces(OPENAI_STREAM, b"\n\n").len(), 51);
    }

    #[test]
    fn the_recordings_are_there() {
        assert_eq!(sse_data(OPENAI_STREAM).len(), 50);
        assert!(serde_json::from_slice::<serde_json::Value>(CHAT_REQUEST).is_ok());
        assert!(serde_json::from_slice::<serde_json::Value>(CHAT_RESPONSE).is_ok());
        for lines in [AZURE_CHUNKS, DEEPSEEK_CHUNKS, QWEN_CHUNKS, BEDROCK_EVENTS] {
            for line in lines.lines().filter(|l| !l.is_empty()) {
                serde_json::from_str::<serde_json::Value>(line).unwrap();
            }
        }
        assert!(ANTHROPIC_STREAM.starts_with(b"event: message_start"));
        assert_eq!(
            OLLAMA_STREAM
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count(),
            3
        );
    }
}
