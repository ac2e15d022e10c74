//! Mapping an upstream's non-2xx answer to a [`GatewayError`].
//!
//! An OpenAI-shaped body (`{"error":{"message",...}}`) keeps its status and fields; when
//! it already has all four keys it is forwarded verbatim. The other shapes seen in the wild
//! (vLLM's old flat `{"object":"error",...}`, TGI's `{"error":"...","error_type":...}`,
//! plain text or HTML from a proxy) are rewritten into OpenAI's shape. Credentials the
//! adapter sent are scrubbed from whatever comes back, and the headers that tell a client
//! when to retry (`retry-after`, `retry-after-ms`, `x-ratelimit-*`) are kept.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};
use switchboard_core::secret::REDACTED;
use switchboard_core::{Fault, GatewayError};

/// Longest slice of a non-JSON error body quoted in the message.
const SNIPPET: usize = 300;

/// Maps an upstream error answer. `secrets` are the values this adapter sent upstream
/// (they are replaced by `********` wherever the body echoes them).
pub fn map_error_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[String],
) -> GatewayError {
    let body = scrub(body, secrets);
    let trimmed = body.trim_ascii_start();
    let parsed: Option<Map<String, Value>> = serde_json::from_slice(trimmed).ok();
    let err = match parsed {
        Some(obj) => from_json(status, &obj, trimmed),
        None => from_text(status, trimmed),
    };
    let err = err.with_headers(kept_headers(headers));
    match retry_after(headers) {
        Some(after) => err.with_retry_after(after),
        None => err,
    }
}

fn from_json(status: StatusCode, obj: &Map<String, Value>, raw: &[u8]) -> GatewayError {
    match obj.get("error") {
        // OpenAI, Azure, vLLM >= 0.10.1, llama.cpp, DeepSeek, DashScope ...
        Some(Value::Object(e)) if e.get("message").is_some_and(Value::is_string) => {
            let err = build(status, e, true);
            let four_keys = e.get("type").is_some_and(Value::is_string)
                && ["param", "code"]
                    .iter()
                    .all(|k| e.get(*k).is_some_and(|v| v.is_string() || v.is_null()));
            if four_keys && err.status() == status {
                err.with_raw_body(Bytes::copy_from_slice(raw))
            } else {
                err
            }
        }
        // TGI: {"error": "...", "error_type": "..."}
        Some(Value::String(message)) => {
            let mut e = Map::new();
            e.insert("message".into(), Value::String(message.clone()));
            if let Some(t) = obj.get("error_type") {
                e.insert("type".into(), t.clone());
            }
            build(status, &e, false)
        }
        // vLLM < 0.10.1: {"object":"error","message":...,"type":...,"code":400}; or any
        // body with a top-level message.
        _ if obj.get("message").is_some_and(Value::is_string) => build(status, obj, false),
        _ => from_text(status, raw),
    }
}

fn build(status: StatusCode, e: &Map<String, Value>, openai_shaped: bool) -> GatewayError {
    let message = e
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let kind = e
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| default_type(status).to_owned());
    let status = if openai_shaped || status.is_client_error() {
        status
    } else {
        StatusCode::BAD_GATEWAY
    };
    let mut err = GatewayError::new(status, kind, message, fault(status));
    if let Some(param) = e.get("param").and_then(Value::as_str) {
        err = err.with_param(param.to_owned());
    }
    match e.get("code") {
        Some(Value::String(code)) => err = err.with_code(code.clone()),
        Some(Value::Number(n)) if openai_shaped => err = err.with_code(n.to_string()),
        _ => {}
    }
    err
}

fn from_text(status: StatusCode, body: &[u8]) -> GatewayError {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut message = format!("the upstream answered HTTP {}", status.as_u16());
    if !text.is_empty() {
        let cut: String = text.chars().take(SNIPPET).collect();
        message.push_str(": ");
        message.push_str(&cut);
    }
    let out_status = if status.is_client_error() {
        status
    } else {
        StatusCode::BAD_GATEWAY
    };
    GatewayError::new(out_status, default_type(status), message, fault(out_status))
        .with_code("upstream_error")
}

/// OpenAI's error `type` for a status, used when the upstream gave none.
fn default_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        400..=499 => "invalid_request_error",
        _ => "upstream_error",
    }
}

fn fault(status: StatusCode) -> Fault {
    match status.as_u16() {
        400 | 404 | 409 | 413 | 415 | 422 => Fault::Client,
        _ => Fault::Upstream,
    }
}

fn scrub(body: &[u8], secrets: &[String]) -> Vec<u8> {
    let mut out = body.to_vec();
    for secret in secrets {
        let needle = secret.as_bytes();
        if needle.is_empty() {
            continue;
        }
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

/// `retry-after-ms` (milliseconds), else `retry-after` as seconds or as an HTTP date, as
/// the OpenAI and Anthropic SDKs read them.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let read = |name: &str| -> Option<f64> {
        let v: f64 = headers.get(name)?.to_str().ok()?.trim().parse().ok()?;
        (v.is_finite() && v >= 0.0).then_some(v)
    };
    read("retry-after-ms")
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| read("retry-after").map(Duration::from_secs_f64))
        .or_else(|| {
            let date =
                httpdate::parse_http_date(headers.get("retry-after")?.to_str().ok()?).ok()?;
            Some(
                date.duration_since(std::time::SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            )
        })
}

#[cfg(test)]
mod tests;
