//! Chat ↔ Converse / ConverseStream (providers.md §5.2), with no HTTP.
//!
//! The request goes through `switchboard-anthropic`'s translation first (system lifting,
//! turn merging, tool results, thinking from `reasoning_effort`) and its Messages body is
//! then rewritten in Converse's camelCase shape ([`request`]). Answers and stream events go
//! the other way: a Converse answer becomes a Messages answer ([`response`]) and each
//! ConverseStream event the Anthropic events it stands for ([`stream`]), so the usage and
//! finish-reason rules are the Anthropic adapter's (§0.3, §0.4). Bedrock's own stop reasons
//! `guardrail_intervened` and `content_filtered` become `content_filter`.

pub mod request;
pub mod response;
pub mod stream;

pub use request::to_converse_request;
pub use response::from_converse_response;
pub use stream::ConverseEvents;

/// The Anthropic stop reason that stands for a Converse one.
pub(crate) fn stop_reason(reason: &str) -> &str {
    match reason {
        "guardrail_intervened" | "content_filtered" => "refusal",
        "malformed_model_output" | "malformed_tool_use" => "end_turn",
        other => other,
    }
}
