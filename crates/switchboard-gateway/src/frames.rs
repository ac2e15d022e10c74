//! Cheap looks into OpenAI chat SSE frames on the pass-through path: is this
//! `[DONE]`, an error, or a chunk carrying usage? Only frames that can be one of those are
//! parsed; an ordinary content chunk costs three `memmem` scans.

use std::sync::LazyLock;

use http::StatusCode;
use memchr::memmem::Finder;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use switchboard_core::chat::Usage;
use switchboard_core::sse::parse_frame;
use switchboard_core::{Fault, GatewayError};

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

// The needles' searchers, built once: `memmem::find` builds one per call, which cost
// more than the search itself on a chunk frame (about 1,100 instructions a frame).
/// Finds `[DONE]`.
static DONE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"[DONE]"));
/// Finds `{"error"`.
static ERROR: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"{\"error\""));
/// Finds `"usage":`.
static USAGE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"usage\":"));

/// Classifies one raw frame.
pub(crate) fn inspect(frame: &[u8]) -> FrameKind {
    let maybe_done = DONE.find(frame).is_some();
    let named_error = frame.starts_with(b"event:") || frame.starts_with(b"error:");
    let maybe_error = named_error || ERROR.find(frame).is_some();
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
    if event.event.as_deref() == Some("error") {
        return FrameKind::Error(error_from_json(&event.data).unwrap_or_else(|| {
            GatewayError::bad_gateway(format!("the upstream reported: {}", event.data.trim()))
        }));
    }
    if maybe_error && let Some(err) = error_from_json(&event.data) {
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

/// An error reported inside a stream: `{"error":{"message",...}}` (its `type`, `code` and
/// `param` kept; a numeric code as text), `{"error":"text"}`, or a bare `{"message":...}`
/// (what `event: error` frames carry). A 502: the stream had already been accepted.
fn error_from_json(data: &str) -> Option<GatewayError> {
    let value: Value = serde_json::from_str(data).ok()?;
    let object = match value.get("error") {
        Some(Value::String(message)) => return Some(GatewayError::bad_gateway(message.clone())),
        Some(Value::Object(object)) => object,
        _ => value.as_object()?,
    };
    let message = object.get("message")?.as_str()?;
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("upstream_error")
        .to_owned();
    let mut err = GatewayError::new(StatusCode::BAD_GATEWAY, kind, message, Fault::Upstream);
    match object.get("code") {
        Some(Value::String(code)) => err = err.with_code(code.clone()),
        Some(Value::Number(code)) => err = err.with_code(code.to_string()),
        _ => {}
    }
    if let Some(param) = object.get("param").and_then(Value::as_str) {
        err = err.with_param(param.to_owned());
    }
    Some(err)
}

/// True when some `"usage":` in the frame is followed by an object (not `null`).
fn has_usage_object(frame: &[u8]) -> bool {
    USAGE.find_iter(frame).any(|at| {
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
                assert_eq!(e.kind(), "server_error");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_error_shapes_are_recognised() {
        let cases: [(&[u8], &str, Option<&str>); 4] = [
            (
                b"data: {\"error\":{\"message\":\"m1\",\"code\":503}}\n\n",
                "m1",
                Some("503"),
            ),
            (
                b"data: {\"error\":\"m2\"}\n\n",
                "m2",
                Some("upstream_unavailable"),
            ),
            (b"event: error\ndata: {\"message\":\"m3\"}\n\n", "m3", None),
            (
                b"error: {\"message\":\"m4\",\"type\":\"t\"}\n\n",
                "m4",
                None,
            ),
        ];
        for (frame, message, code) in cases {
            match inspect(frame) {
                FrameKind::Error(e) => {
                    assert_eq!(e.message(), message);
                    assert_eq!(e.code(), code);
                    assert_eq!(e.status().as_u16(), 502);
                }
                other => panic!("{other:?}"),
            }
        }
        match inspect(b"event: error\ndata: plain words\n\n") {
            FrameKind::Error(e) => assert!(e.message().contains("plain words")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn escaped_lookalikes_in_content_stay_plain() {
        let frame = br#"data: {"choices":[{"index":0,"delta":{"content":"{\"error\": 1, \"usage\": {}} [DONE]"}}]}

"#;
        assert!(matches!(inspect(frame), FrameKind::Plain));
    }
}
