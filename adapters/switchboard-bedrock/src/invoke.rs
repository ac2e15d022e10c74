//! Chat ↔ InvokeModel: the Anthropic Messages body minus `model` and `stream`, plus
//! `anthropic_version: "bedrock-2023-05-31"` (providers.md §5.1). The answer is a Messages
//! answer, read by `switchboard_anthropic::from_messages_response`.

use serde_json::Value;
use switchboard_anthropic::types::MessagesRequest;

/// The `anthropic_version` Bedrock requires in the body.
pub const BEDROCK_ANTHROPIC_VERSION: &str = "bedrock-2023-05-31";

/// Turns a Messages body into an InvokeModel body.
pub fn to_invoke_body(mut body: MessagesRequest) -> MessagesRequest {
    body.model = String::new();
    body.stream = None;
    body.extra
        .entry("anthropic_version")
        .or_insert_with(|| Value::String(BEDROCK_ANTHROPIC_VERSION.to_owned()));
    body
}
