//! Bedrock's errors → [`GatewayError`]s with OpenAI's body (providers.md §5.5).
//!
//! The exception name comes from the `x-amzn-errortype` header (text before the first
//! `:`), or the body's `__type` (text after `#`), or an event-stream frame's
//! `:exception-type`; it becomes the OpenAI `code`, and decides the status:
//! ValidationException 400, AccessDeniedException 403, ResourceNotFoundException 404,
//! ThrottlingException / ModelNotReadyException / ServiceQuotaExceededException 429,
//! ModelTimeoutException 504, ServiceUnavailableException 503, InternalServerException,
//! ModelErrorException and ModelStreamErrorException 502; signature and token errors 502
//! (the gateway's own credentials are wrong, not the client's). Otherwise a 4xx status is
//! kept and other 5xx become 502. Credentials are scrubbed from the message.

use http::{HeaderMap, StatusCode};
use serde_json::Value;
use switchboard_core::secret::REDACTED;
use switchboard_core::{Fault, GatewayError};

/// Longest slice of a non-JSON error body quoted in the message.
const SNIPPET: usize = 300;

/// Maps a non-2xx answer; `secrets` are the credentials the adapter sent.
pub fn map_error_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[String],
) -> GatewayError {
    let body = scrub(&String::from_utf8_lossy(body), secrets);
    let parsed: Option<Value> = serde_json::from_str(body.trim()).ok();
    let from_header = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(':').next())
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let from_body = parsed
        .as_ref()
        .and_then(|b| b.get("__type"))
        .and_then(Value::as_str)
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned());
    let name = from_header.or(from_body);
    let message = parsed
        .as_ref()
        .and_then(|b| b.get("message").or_else(|| b.get("Message")))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let mut m = format!("the upstream answered HTTP {}", status.as_u16());
            let text = body.trim();
            if !text.is_empty() {
                m.push_str(": ");
                m.extend(text.chars().take(SNIPPET));
            }
            m
        });
    build(name.as_deref(), status, message)
}

/// Maps an exception frame inside a 200 stream (`:exception-type` is camelCase, e.g.
/// `throttlingException`; the payload is `{"message": ...}`).
pub fn map_exception(exception_type: &str, payload: &[u8], secrets: &[String]) -> GatewayError {
    let payload = scrub(&String::from_utf8_lossy(payload), secrets);
    let message = serde_json::from_str::<Value>(&payload)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| payload.chars().take(SNIPPET).collect());
    let mut name = exception_type.to_owned();
    if let Some(first) = name.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    build(Some(&name), StatusCode::BAD_GATEWAY, message)
}

/// The outward status of a Bedrock exception name, or `None` for one we do not know.
pub fn status_of_exception(name: &str) -> Option<StatusCode> {
    let code = match name {
        "ValidationException" => 400,
        "AccessDeniedException" => 403,
        "ResourceNotFoundException" => 404,
        "ThrottlingException" | "ModelNotReadyException" | "ServiceQuotaExceededException" => 429,
        "ModelTimeoutException" => 504,
        "ServiceUnavailableException" => 503,
        "InternalServerException"
        | "ModelErrorException"
        | "ModelStreamErrorException"
        | "InvalidSignatureException"
        | "UnrecognizedClientException"
        | "ExpiredTokenException"
        | "IncompleteSignatureException" => 502,
        _ => return None,
    };
    StatusCode::from_u16(code).ok()
}

fn build(name: Option<&str>, status: StatusCode, message: String) -> GatewayError {
    let status = name
        .and_then(status_of_exception)
        .unwrap_or(match status.as_u16() {
            400..=499 => status,
            503 => StatusCode::SERVICE_UNAVAILABLE,
            504 => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::BAD_GATEWAY,
        });
    let kind = match status.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        503 => "overloaded_error",
        400..=499 => "invalid_request_error",
        _ => "upstream_error",
    };
    let fault = match status.as_u16() {
        400 | 404 | 413 | 422 => Fault::Client,
        _ => Fault::Upstream,
    };
    let err = GatewayError::new(status, kind, message, fault);
    match name {
        Some(name) => err.with_code(name.to_owned()),
        None => err.with_code("upstream_error"),
    }
}

/// Replaces every credential in `text` with `********`.
pub(crate) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret.as_str(), REDACTED);
    }
    out
}

#[cfg(test)]
mod tests;
