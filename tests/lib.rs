//! The harness of switchboard's end-to-end tests: a scriptable mock upstream (a real hyper
//! server on 127.0.0.1:0 that speaks OpenAI's wire format), a gateway started in-process on
//! a real socket, and a small HTTP client. Every server stops when its handle is dropped.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a panic is a failed test"
)]

// Link the adapters the tests use, so their registrations are kept.
use switchboard_anthropic as _;
use switchboard_azure as _;
use switchboard_bedrock as _;
use switchboard_deepseek as _;
use switchboard_mock as _;
use switchboard_ollama as _;
use switchboard_openai as _;
use switchboard_qwen as _;

pub mod client;
pub mod gateway;
pub mod schema;
pub mod upstream;

pub use client::{Client, Reply as ClientReply};
pub use gateway::TestGateway;
pub use upstream::{Reply, Seen, Upstream};

/// Recorded OpenAI traffic (see `fixtures/NOTICE.md`).
pub mod fixtures {
    /// A non-streaming request body (envoy cassette `chat-basic.yaml`).
    pub const CHAT_BASIC_REQUEST: &str = include_str!("fixtures/chat-basic.request.json");
    /// Its response body.
    pub const CHAT_BASIC_RESPONSE: &str = include_str!("fixtures/chat-basic.response.json");
    /// A streamed answer with `obfuscation` fields (envoy cassette `chat-streaming.yaml`).
    pub const CHAT_STREAMING_SSE: &str = include_str!("fixtures/chat-streaming.sse");
    /// A streamed answer ending with a usage-only chunk (`chat-streaming-detailed-usage.yaml`).
    pub const CHAT_STREAMING_USAGE_SSE: &str =
        include_str!("fixtures/chat-streaming-detailed-usage.sse");
}

/// Every error body must be OpenAI's `ErrorResponse` (all four keys, `param` and `code`
/// possibly null); returns the error object.
pub fn assert_openai_error(body: &[u8]) -> serde_json::Map<String, serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "error body is not JSON ({e}): {}",
            String::from_utf8_lossy(body)
        )
    });
    schema::validate("ErrorResponse", &v);
    v["error"]
        .as_object()
        .unwrap_or_else(|| panic!("no error object in {v}"))
        .clone()
}
