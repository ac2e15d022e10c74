//! How a stream ends: the chat `finish_reason` or the gateway error, as the response's
//! final status (bridge spec §3.3 and §4.3).

use super::super::response::{IncompleteReason, ResponseError};
use crate::chat::FinishReason;
use crate::error::GatewayError;

/// How the response ends.
pub(super) enum Outcome {
    /// `completed`, `response.completed`.
    Completed,
    /// `incomplete` for this reason, `response.incomplete`.
    Incomplete(IncompleteReason),
    /// `failed` with this error, `response.failed`.
    Failed(ResponseError),
}

/// The outcome of a stream that ended with `finish_reason` (bridge spec §3.3).
pub(super) fn outcome(finish_reason: Option<&FinishReason>) -> Outcome {
    match finish_reason {
        Some(FinishReason::Length) => Outcome::Incomplete(IncompleteReason::MaxOutputTokens),
        Some(FinishReason::ContentFilter) => Outcome::Incomplete(IncompleteReason::ContentFilter),
        Some(FinishReason::Other(reason))
            if matches!(
                reason.as_str(),
                "error" | "abort" | "insufficient_system_resource"
            ) =>
        {
            Outcome::Failed(ResponseError {
                code: "server_error".to_owned(),
                message: format!("The upstream stopped generating (finish_reason `{reason}`)."),
            })
        }
        _ => Outcome::Completed,
    }
}

/// The `error` of a failed response: codes Codex acts on are kept, a 429 is a rate
/// limit, anything else is `server_error` (which Codex retries).
pub(super) fn response_error(error: &GatewayError) -> ResponseError {
    const KEPT: [&str; 4] = [
        "rate_limit_exceeded",
        "context_length_exceeded",
        "insufficient_quota",
        "invalid_prompt",
    ];
    let code = [error.code(), Some(error.kind())]
        .into_iter()
        .flatten()
        .find(|code| KEPT.contains(code))
        .unwrap_or(if error.status() == http::StatusCode::TOO_MANY_REQUESTS {
            "rate_limit_exceeded"
        } else {
            "server_error"
        });
    ResponseError {
        code: code.to_owned(),
        message: error.message().to_owned(),
    }
}
