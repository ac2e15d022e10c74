//! Cheap looks into OpenAI chat SSE frames and bodies on the pass-through path: is this
//! `[DONE]`, an error, or a chunk carrying usage? Only frames that can be one of those are
//! parsed; an ordinary content chunk costs two `memmem` scans.

use memchr::memmem;
use serde::Deserialize;
use serde::de::IgnoredAny;
use switchboard_core::chat::Usage;
use switchboard_core::sse::parse_frame;
use switchboard_core::{ErrorBody, GatewayError};

/// What a frame is, as far as the gateway cares.
#[derive(Debug)]
pub(crate) enum FrameKind {
    /// `data: [DONE]`.
    Done,
    /// `data: {"error": ...}`: the upstream reports a failure in the stream.
    Error(GatewayError),
    /// A chunk with a usage object; `usage_only` when its `choices` is empty.
    Usage { usage: Usage, usage_only: bool },
    /// Anything else: forwarded untouched.
    Plain,
}

#[derive(Deserialize)]
struct UsageTap {
    #[serde(default)]
    choices: Option<Vec<IgnoredAny>>,
    #[serde(default)]
    usage: Option<Usage>,
}

/// Classifies one raw frame.
pub(crate) fn inspect(frame: &[u8]) -> FrameKind {
    let maybe_done = memmem::find(frame, b"[DONE]").is_some();
    let maybe_error = memmem::find(frame, b"{\"error\"").is_some();
    let maybe_usage = has_usage_object(frame);
    if !(maybe_done || maybe_error || maybe_usage) {
        return FrameKind::Plain;
    }
    let Ok(Some(event)) = parse_frame(frame) else {
        return FrameKind::Plain;
    };
    if event.is_done() {
        return FrameKind::Done;
    }
    if maybe_error && let Ok(body) = serde_json::from_str::<ErrorBody>(&event.data) {
        let e = body.error;
        let mut err = GatewayError::bad_gateway(e.message);
        if let Some(code) = e.code {
            err = err.with_code(code);
        }
        return FrameKind::Error(err);
    }
    match serde_json::from_str::<UsageTap>(&event.data) {
        Ok(UsageTap {
            choices,
            usage: Some(usage),
        }) => FrameKind::Usage {
            usage,
            usage_only: choices.is_some_and(|c| c.is_empty()),
        },
        _ => FrameKind::Plain,
    }
}

/// The usage of a whole non-streaming body, if it reports one.
pub(crate) fn body_usage(body: &[u8]) -> Option<Usage> {
    serde_json::from_slice::<UsageTap>(body.trim_ascii_start())
        .ok()?
        .usage
}

/// True when some `"usage":` in the frame is followed by an object (not `null`).
fn has_usage_object(frame: &[u8]) -> bool {
    memmem::find_iter(frame, b"\"usage\":").any(|at| {
        frame[at + 8..]
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_recorded_openai_frames() {
        // From the envoyproxy/ai-gateway cassette chat-streaming-detailed-usage.yaml (Apache-2.0).
        let content = br#"data: {"id":"chatcmpl-C4Hq5a6K3RaPMymUv70btQNYv6SvY","object":"chat.completion.chunk","created":1755137921,"model":"gpt-5-nano-2025-08-07","service_tier":"default","system_fingerprint":null,"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}],"usage":null,"obfuscation":"WuQNX"}

"#;
        assert!(matches!(inspect(content), FrameKind::Plain));
        let usage = br#"data: {"id":"chatcmpl-C4Hq5a6K3RaPMymUv70btQNYv6SvY","object":"chat.completion.chunk","created":1755137921,"model":"gpt-5-nano-2025-08-07","service_tier":"default","system_fingerprint":null,"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":100,"total_tokens":112,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":100,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"obfuscation":"t9"}

"#;
        match inspect(usage) {
            FrameKind::Usage { usage, usage_only } => {
                assert!(usage_only);
                assert_eq!(usage.total_tokens, 112);
                assert_eq!(usage.reasoning_tokens(), 100);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(inspect(b"data: [DONE]\n\n"), FrameKind::Done));
        assert!(matches!(inspect(b": keep-alive\n\n"), FrameKind::Plain));
    }

    #[test]
    fn usage_on_a_content_chunk_is_not_usage_only() {
        let frame = br#"data: {"choices":[{"index":0,"delta":{"content":"x"}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}

"#;
        assert!(matches!(
            inspect(frame),
            FrameKind::Usage {
                usage_only: false,
                ..
            }
        ));
    }

    #[test]
    fn error_frames_become_errors() {
        let frame = br#"data: {"error":{"message":"overloaded","type":"server_error","param":null,"code":"overloaded"}}

"#;
        match inspect(frame) {
            FrameKind::Error(e) => {
                assert_eq!(e.message(), "overloaded");
                assert_eq!(e.code(), Some("overloaded"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn escaped_lookalikes_in_content_stay_plain() {
        let frame = br#"data: {"choices":[{"index":0,"delta":{"content":"{\"error\": 1, \"usage\": {}} [DONE]"}}]}

"#;
        assert!(matches!(inspect(frame), FrameKind::Plain));
    }

    #[test]
    fn body_usage_reads_a_non_streaming_body() {
        let body = br#"  {"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#;
        assert_eq!(body_usage(body).unwrap().total_tokens, 7);
        assert!(body_usage(b"{}").is_none());
    }
}
