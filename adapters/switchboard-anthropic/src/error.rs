//! Anthropic's errors → [`GatewayError`]s with OpenAI's body.
//!
//! Anthropic answers `{"type":"error","error":{"type","message"},"request_id"}`, before a
//! stream (an HTTP status) or inside one (`event: error`). The error `type` is kept as
//! OpenAI's `type`; the status is kept for 4xx, except that:
//! - 529 `overloaded_error` becomes 503 (retryable; OpenAI clients retry 503);
//! - a 429 whose `error.details.error_code` is `enforced_spend_limit_reached` stays 429
//!   but with type `insufficient_quota`, code `enforced_spend_limit_reached`, no
//!   `Retry-After`, `x-should-retry: false` and a message saying not to retry;
//! - other 5xx become 502 (503 and 504 stay).
//!
//! Credentials are scrubbed from the message; `retry-after`, `retry-after-ms`,
//! `x-should-retry` and `anthropic-ratelimit-*` headers are kept.

use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::Value;
use switchboard_core::secret::REDACTED;
use switchboard_core::{Fault, GatewayError};

/// Longest slice of a non-JSON error body quoted in the message.
const SNIPPET: usize = 300;

/// The 429 variant that no retry can fix.
const SPEND_LIMIT: &str = "enforced_spend_limit_reached";

/// Maps a non-2xx answer. `secrets` are the credentials the adapter sent.
pub fn map_error_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[String],
) -> GatewayError {
    let body = scrub(body, secrets);
    let parsed: Option<Value> = serde_json::from_slice(body.trim_ascii()).ok();
    let error = parsed.as_ref().and_then(error_object);
    let Some((kind, message, details_code)) = error else {
        return from_text(status, &body).with_headers(kept_headers(headers));
    };
    if status == StatusCode::TOO_MANY_REQUESTS && details_code.as_deref() == Some(SPEND_LIMIT) {
        return spend_limit(&message, headers);
    }
    let err = build(outward_status(status), kind.as_deref(), message);
    let err = err.with_headers(kept_headers(headers));
    match retry_after(headers) {
        Some(after) => err.with_retry_after(after),
        None => err,
    }
}

/// Maps an `error` event that arrived inside a 200 stream; the status comes from the
/// error's type (`overloaded_error` 503, `rate_limit_error` 429, `api_error` 502, ...).
pub fn map_error_event(data: &[u8], secrets: &[String]) -> GatewayError {
    let data = scrub(data, secrets);
    let parsed: Option<Value> = serde_json::from_slice(data.trim_ascii()).ok();
    match parsed.as_ref().and_then(error_object) {
        Some((kind, message, _)) => {
            let status = kind
                .as_deref()
                .map_or(StatusCode::BAD_GATEWAY, status_of_type);
            build(status, kind.as_deref(), message)
        }
        None => from_text(StatusCode::BAD_GATEWAY, &data),
    }
}

/// The outward status of an Anthropic error `type`, for errors without an HTTP status.
pub fn status_of_type(kind: &str) -> StatusCode {
    let code = match kind {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "overloaded_error" => 503,
        "timeout_error" => 504,
        _ => 502,
    };
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY)
}

/// `(type, message, details.error_code)` of `{"error":{...}}`.
fn error_object(body: &Value) -> Option<(Option<String>, String, Option<String>)> {
    let error = body.get("error")?;
    let message = error.get("message")?.as_str()?.to_owned();
    let kind = error.get("type").and_then(Value::as_str).map(str::to_owned);
    let code = error
        .pointer("/details/error_code")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some((kind, message, code))
}

fn build(status: StatusCode, kind: Option<&str>, message: String) -> GatewayError {
    let kind = kind.map_or_else(|| default_type(status).to_owned(), str::to_owned);
    GatewayError::new(status, kind, message, fault(status))
}

fn spend_limit(message: &str, headers: &HeaderMap) -> GatewayError {
    let mut kept = kept_headers(headers);
    kept.remove("retry-after");
    kept.remove("retry-after-ms");
    kept.insert("x-should-retry", HeaderValue::from_static("false"));
    GatewayError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "insufficient_quota",
        format!(
            "{message} (the Anthropic account's spend limit is reached: do not retry this \
             request; it fails until the limit is raised)"
        ),
        Fault::Upstream,
    )
    .with_code(SPEND_LIMIT)
    .with_headers(kept)
}

fn outward_status(status: StatusCode) -> StatusCode {
    match status.as_u16() {
        529 | 503 => StatusCode::SERVICE_UNAVAILABLE,
        504 => StatusCode::GATEWAY_TIMEOUT,
        400..=499 => status,
        _ => StatusCode::BAD_GATEWAY,
    }
}

fn from_text(status: StatusCode, body: &[u8]) -> GatewayError {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut message = format!("the upstream answered HTTP {}", status.as_u16());
    if !text.is_empty() {
        message.push_str(": ");
        message.extend(text.chars().take(SNIPPET));
    }
    let status = outward_status(status);
    GatewayError::new(status, default_type(status), message, fault(status))
        .with_code("upstream_error")
}

fn default_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 => "overloaded_error",
        400..=499 => "invalid_request_error",
        _ => "upstream_error",
    }
}

fn fault(status: StatusCode) -> Fault {
    match status.as_u16() {
        400 | 404 | 413 | 415 | 422 => Fault::Client,
        _ => Fault::Upstream,
    }
}

/// Replaces every credential in `body` with `********`.
pub(crate) fn scrub(body: &[u8], secrets: &[String]) -> Vec<u8> {
    let mut out = body.to_vec();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        while let Some(at) = memchr::memmem::find(&out, secret.as_bytes()) {
            out.splice(at..at + secret.len(), REDACTED.bytes());
        }
    }
    out
}

fn kept_headers(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        let n = name.as_str();
        if matches!(n, "retry-after" | "retry-after-ms" | "x-should-retry")
            || n.starts_with("anthropic-ratelimit-")
        {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// `retry-after-ms` (milliseconds) or else `retry-after` (seconds), as the SDKs read them.
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
