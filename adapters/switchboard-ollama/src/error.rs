//! Ollama's errors → [`GatewayError`]s in OpenAI's shape.
//!
//! Ollama answers `{"error":"<message>"}` with 400, 404, 429, 500, 501 or 502
//! (`docs/api/errors.mdx`); a proxy in front of it may answer OpenAI's nested shape or
//! plain text. A failure after a 200 arrives as an NDJSON line `{"error":"..."}`.
//! Credentials are scrubbed from whatever is quoted; `retry-after` and `x-ratelimit-*`
//! headers are kept.

use std::time::Duration;

use http::{HeaderMap, StatusCode};
use serde_json::Value;
use switchboard_core::secret::REDACTED;
use switchboard_core::{Fault, GatewayError};

/// Longest slice of a non-JSON error body quoted in the message.
const SNIPPET: usize = 300;

/// Maps a non-2xx answer. 4xx statuses are kept (a 404 for an unknown model stays a 404,
/// with code `model_not_found`); 501 (a capability the model lacks) becomes 400; other
/// statuses become 502.
pub fn map_error_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[String],
) -> GatewayError {
    let message = message_of(status, &scrub(body, secrets));
    let out = match status.as_u16() {
        400..=499 => status,
        501 => StatusCode::BAD_REQUEST,
        _ => StatusCode::BAD_GATEWAY,
    };
    let kind = match out.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        429 => "rate_limit_error",
        400..=499 => "invalid_request_error",
        _ => "upstream_error",
    };
    let fault = match out.as_u16() {
        401 | 403 | 429 => Fault::Upstream,
        400..=499 => Fault::Client,
        _ => Fault::Upstream,
    };
    let mut err = GatewayError::new(out, kind, message.clone(), fault);
    err = if out == StatusCode::NOT_FOUND && message.contains("not found") {
        err.with_code("model_not_found").with_param("model")
    } else if status == StatusCode::NOT_IMPLEMENTED {
        err.with_code("unsupported")
    } else if out.is_server_error() {
        err.with_code("upstream_error")
    } else {
        err
    };
    let err = err.with_headers(kept_headers(headers));
    match retry_after(headers) {
        Some(after) => err.with_retry_after(after),
        None => err,
    }
}

/// An `{"error": ...}` line inside a 200 stream: a 502, since the upstream failed.
pub(crate) fn stream_error(error: &Value, secrets: &[String]) -> GatewayError {
    let text = match error {
        Value::String(s) => s.clone(),
        other => other
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| other.to_string(), str::to_owned),
    };
    let text = String::from_utf8_lossy(&scrub(text.as_bytes(), secrets)).into_owned();
    GatewayError::new(
        StatusCode::BAD_GATEWAY,
        "upstream_error",
        format!("Ollama failed while answering: {text}"),
        Fault::Upstream,
    )
    .with_code("upstream_error")
}

/// The message: Ollama's `error` string, OpenAI's `error.message`, or the start of the text.
fn message_of(status: StatusCode, body: &[u8]) -> String {
    if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body.trim_ascii()) {
        match obj.get("error") {
            Some(Value::String(m)) => return m.clone(),
            Some(Value::Object(e)) => {
                if let Some(m) = e.get("message").and_then(Value::as_str) {
                    return m.to_owned();
                }
            }
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut message = format!("Ollama answered HTTP {}", status.as_u16());
    if !text.is_empty() {
        message.push_str(": ");
        message.extend(text.chars().take(SNIPPET));
    }
    message
}

fn scrub(body: &[u8], secrets: &[String]) -> Vec<u8> {
    let mut out = body.to_vec();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let needle = secret.as_bytes();
        while let Some(at) = memchr::memmem::find(&out, needle) {
            out.splice(at..at + needle.len(), REDACTED.bytes());
        }
    }
    out
}

fn kept_headers(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        let n = name.as_str();
        if n == "retry-after" || n == "retry-after-ms" || n.starts_with("x-ratelimit-") {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// `retry-after-ms` (milliseconds) or else `retry-after` (seconds).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let read = |name: &str| -> Option<f64> {
        let v: f64 = headers.get(name)?.to_str().ok()?.trim().parse().ok()?;
        (v.is_finite() && v >= 0.0).then_some(v)
    };
    read("retry-after-ms")
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| read("retry-after").map(Duration::from_secs_f64))
}

#[cfg(test)]
mod tests;
