//! Mapping Azure OpenAI's non-2xx answers to [`GatewayError`]s.
//!
//! The OpenAI-shaped part is [`switchboard_openai::map_error_response`] (status, message,
//! `param`, `code`, credentials scrubbed, `retry-after` and `x-ratelimit-*` kept). On top:
//!
//! - a prompt blocked by the content filter (400, `code: content_filter`, `type: null`)
//!   becomes a 400 `invalid_request_error` with code `content_filter`, and Azure's
//!   `innererror` (which categories fired) is kept in the body;
//! - Azure's bare status codes (`"code":"401"`, `"429"`) and `DeploymentNotFound` get
//!   OpenAI's codes (`invalid_api_key`, `rate_limit_exceeded`, `model_not_found`);
//! - a 429 whose `Retry-After` is longer than the cap (a spent daily quota asks for 86400
//!   seconds) keeps its status, but its `Retry-After` is cut to the cap and its message
//!   says to try elsewhere.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, RETRY_AFTER};
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use switchboard_core::secret::REDACTED;
use switchboard_core::{ErrorClass, Fault, GatewayError};
use switchboard_openai::map_error_response;

/// What this adapter does with an upstream error besides the OpenAI mapping.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorPolicy {
    /// The longest `Retry-After` passed on with a 429.
    pub(crate) max_retry_after: Duration,
}

/// Maps an Azure error answer. `secrets` are the credentials this adapter sent.
pub(crate) fn map_azure_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[String],
    policy: ErrorPolicy,
) -> GatewayError {
    let base = map_error_response(status, headers, body, secrets);
    let mut parts = Parts::of(&base);
    let error_object = serde_json::from_slice::<Value>(body.trim_ascii_start())
        .ok()
        .and_then(|v| v.get("error").cloned());

    match parts.code.as_deref() {
        Some("401") => parts.code = Some("invalid_api_key".into()),
        Some("429") => parts.code = Some("rate_limit_exceeded".into()),
        Some("DeploymentNotFound") => {
            parts.code = Some("model_not_found".into());
            parts.kind = "invalid_request_error".into();
            parts.param.get_or_insert_with(|| "model".to_owned());
        }
        Some("content_filter") => {
            parts.status = StatusCode::BAD_REQUEST;
            parts.fault = Fault::Client;
            parts.kind = "invalid_request_error".into();
            parts.inner = error_object
                .as_ref()
                .and_then(|e| e.get("innererror"))
                .map(|inner| scrub_value(inner, secrets));
        }
        _ => {}
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        cap_retry_after(&mut parts, policy.max_retry_after);
    }
    if parts.changed_from(&base) {
        parts.build()
    } else {
        base
    }
}

/// Cuts a `Retry-After` longer than `cap` down to it and says to go elsewhere.
fn cap_retry_after(parts: &mut Parts, cap: Duration) {
    let asked = parts
        .retry_after
        .or_else(|| retry_after_in_message(&parts.message));
    let Some(asked) = asked.filter(|asked| *asked > cap) else {
        return;
    };
    parts.retry_after = Some(cap);
    // Waiting cannot help within this request: move to another deployment at once.
    parts.class = Some(ErrorClass::PerKey);
    parts
        .headers
        .insert(RETRY_AFTER, HeaderValue::from(cap.as_secs()));
    let ms = HeaderName::from_static("retry-after-ms");
    if parts.headers.contains_key(&ms) {
        let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        parts.headers.insert(ms, HeaderValue::from(millis));
    }
    parts.message.push_str(&format!(
        " [switchboard: the upstream asked to wait {} s, more than the {} s cap; this deployment \
         is exhausted for now, try elsewhere (another deployment, region or provider)]",
        asked.as_secs(),
        cap.as_secs()
    ));
}

/// Azure's 429 messages end "Please retry after N seconds."; used when no header says it.
fn retry_after_in_message(message: &str) -> Option<Duration> {
    let at = message.find("retry after ")? + "retry after ".len();
    let digits: String = message[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().map(Duration::from_secs)
}

fn scrub_value(value: &Value, secrets: &[String]) -> Value {
    let mut text = value.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret.as_str(), REDACTED);
    }
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// A [`GatewayError`] taken apart, to be rebuilt with changes.
struct Parts {
    status: StatusCode,
    kind: String,
    message: String,
    fault: Fault,
    code: Option<Cow<'static, str>>,
    param: Option<String>,
    headers: HeaderMap,
    retry_after: Option<Duration>,
    /// Azure's `innererror`, kept in the body when set.
    inner: Option<Value>,
    /// A class set here (a spent quota is per-key, not transient).
    class: Option<ErrorClass>,
}

impl Parts {
    fn of(err: &GatewayError) -> Self {
        Self {
            status: err.status(),
            kind: err.kind().to_owned(),
            message: err.message().to_owned(),
            fault: err.fault(),
            code: err.code().map(|c| Cow::Owned(c.to_owned())),
            param: err.param().map(str::to_owned),
            headers: err.headers().clone(),
            retry_after: err.retry_after(),
            inner: None,
            class: None,
        }
    }

    fn changed_from(&self, err: &GatewayError) -> bool {
        self.status != err.status()
            || self.kind != err.kind()
            || self.message != err.message()
            || self.code.as_deref() != err.code()
            || self.param.as_deref() != err.param()
            || self.retry_after != err.retry_after()
            || self.inner.is_some()
            || self.class.is_some()
    }

    fn build(self) -> GatewayError {
        let mut err = GatewayError::new(self.status, self.kind, self.message, self.fault)
            .with_headers(self.headers);
        if let Some(code) = self.code {
            err = err.with_code(code);
        }
        if let Some(param) = self.param {
            err = err.with_param(param);
        }
        if let Some(after) = self.retry_after {
            err = err.with_retry_after(after);
        }
        if let Some(class) = self.class {
            err = err.with_class(class);
        }
        if let Some(inner) = self.inner {
            let mut body = serde_json::to_value(err.to_object())
                .unwrap_or_else(|_| json!({"message": err.message()}));
            if let Value::Object(object) = &mut body {
                object.insert("innererror".to_owned(), inner);
            }
            if let Ok(raw) = serde_json::to_vec(&json!({ "error": body })) {
                err = err.with_raw_body(Bytes::from(raw));
            }
        }
        err
    }
}

#[cfg(test)]
mod tests;
