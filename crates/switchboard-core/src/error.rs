//! The one error type of the gateway, [`GatewayError`], and its OpenAI-shaped body.
//!
//! Every failure a client can see is a `GatewayError`: it knows its HTTP status, OpenAI's
//! error `type`, `code` and `param`, and whose fault it is. It renders as
//! `{"error":{"message","type","param","code"}}` with all four keys present (OpenAI's
//! `ErrorResponse` schema requires them; absent ones are `null`). The gateway's HTTP layer
//! turns it into a response in one place; this module only knows the body.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

/// Whose fault a failure is: decides logging level and, later, retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The client sent something wrong (bad JSON, unknown model, bad key).
    Client,
    /// The upstream provider failed, refused or timed out.
    Upstream,
    /// The gateway itself failed (a bug or misconfiguration).
    Gateway,
}

/// What a failed attempt means for the next one: whether to retry, move to another
/// deployment, fall back to another model, or give up. Decided once, by [`GatewayError::class`]
/// (adapters that know better set it with [`GatewayError::with_class`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The request itself is wrong (400, 404, 413 ...): the same request fails anywhere, so
    /// it is neither retried nor sent to a fallback.
    Caller,
    /// The gateway refused by its own policy (limits, keys, budgets): not retried.
    Policy,
    /// The provider failed for now (429, 5xx, refused connection, timeout): retried with
    /// backoff, on this deployment or another.
    Transient,
    /// This deployment's credentials or account cannot serve it (401, 402, 403, a spent
    /// quota or spend limit, a model missing upstream): another deployment is tried at once,
    /// without waiting, and this one is cooled down.
    PerKey,
    /// The prompt is longer than the model's context window: only a fallback model with a
    /// larger window can serve it.
    ContextWindow,
    /// The provider's content policy refused the request: only the content-policy fallbacks
    /// are tried.
    ContentFilter,
}

impl ErrorClass {
    /// The class as a short label (`transient`, `per_key` ...) for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Caller => "caller",
            ErrorClass::Policy => "policy",
            ErrorClass::Transient => "transient",
            ErrorClass::PerKey => "per_key",
            ErrorClass::ContextWindow => "context_window",
            ErrorClass::ContentFilter => "content_filter",
        }
    }
}

/// OpenAI's error envelope: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorObject,
}

/// OpenAI's error object. `param` and `code` serialise as `null` when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// A human-readable message. Never holds a secret.
    pub message: String,
    /// OpenAI's error type, e.g. `invalid_request_error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The request parameter at fault, if any.
    pub param: Option<String>,
    /// A machine-readable code, e.g. `model_not_found`.
    pub code: Option<String>,
}

/// A failure on its way to the client, with everything needed to render it.
///
/// Boxed inside, so a `Result<T, GatewayError>` stays one pointer wide on the hot path.
#[derive(Clone)]
pub struct GatewayError {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    status: StatusCode,
    kind: Cow<'static, str>,
    code: Option<Cow<'static, str>>,
    param: Option<String>,
    message: String,
    fault: Fault,
    retry_after: Option<Duration>,
    headers: HeaderMap,
    raw_body: Option<Bytes>,
    class: Option<ErrorClass>,
}

impl GatewayError {
    /// A new error with the given status, OpenAI `type` and message; no code, no param.
    pub fn new(
        status: StatusCode,
        kind: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
        fault: Fault,
    ) -> Self {
        Self {
            inner: Box::new(Inner {
                status,
                kind: kind.into(),
                code: None,
                param: None,
                message: message.into(),
                fault,
                retry_after: None,
                headers: HeaderMap::new(),
                raw_body: None,
                class: None,
            }),
        }
    }

    /// Sets the machine-readable `code`.
    pub fn with_code(mut self, code: impl Into<Cow<'static, str>>) -> Self {
        self.inner.code = Some(code.into());
        self
    }

    /// Sets the offending request `param`.
    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.inner.param = Some(param.into());
        self
    }

    /// Sets how long the client should wait before retrying (rendered as `Retry-After`).
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.inner.retry_after = Some(after);
        self
    }

    /// Overrides the class [`GatewayError::class`] would derive (an adapter that knows,
    /// say, that a 429 is a spent quota rather than a passing throttle).
    pub fn with_class(mut self, class: ErrorClass) -> Self {
        self.inner.class = Some(class);
        self
    }

    /// Headers to send with the error response (e.g. an upstream's `x-ratelimit-*`).
    pub fn with_headers(mut self, headers: HeaderMap) -> Self {
        self.inner.headers = headers;
        self
    }

    /// An upstream's own OpenAI-shaped body, forwarded instead of a re-rendered one.
    /// The caller has checked it has the four keys and holds no secret.
    pub fn with_raw_body(mut self, body: Bytes) -> Self {
        self.inner.raw_body = Some(body);
        self
    }

    /// 400: the request is malformed or names a bad value.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            message,
            Fault::Client,
        )
    }

    /// 400: the body is not valid JSON (or not the JSON shape the endpoint takes).
    pub fn invalid_json(detail: impl fmt::Display) -> Self {
        Self::invalid_request(format!(
            "We could not parse the JSON body of your request: {detail}"
        ))
        .with_code("invalid_json")
    }

    /// 400: a required parameter is missing.
    pub fn missing_param(param: &str) -> Self {
        Self::invalid_request(format!("you must provide a `{param}` parameter"))
            .with_param(param)
            .with_code("missing_required_parameter")
    }

    /// 404: no route serves this model.
    pub fn model_not_found(model: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            format!("The model `{model}` does not exist or you do not have access to it."),
            Fault::Client,
        )
        .with_param("model")
        .with_code("model_not_found")
    }

    /// 401: the gateway key is missing or wrong.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            message,
            Fault::Client,
        )
        .with_code("invalid_api_key")
    }

    /// 404: no such endpoint.
    pub fn unknown_path(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            format!("Unknown request URL: {method} {path}."),
            Fault::Client,
        )
        .with_code("unknown_url")
    }

    /// 405: the endpoint exists but not for this method.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request_error",
            format!("Method {method} is not allowed for {path}."),
            Fault::Client,
        )
        .with_code("method_not_allowed")
    }

    /// 413: the request body is larger than the configured cap.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            format!("The request body is larger than the limit of {limit} bytes."),
            Fault::Client,
        )
        .with_code("request_too_large")
    }

    /// 502: the upstream could not be reached or sent something unusable.
    pub fn bad_gateway(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            message,
            Fault::Upstream,
        )
        .with_code("upstream_unavailable")
    }

    /// 504: the upstream did not answer in time; `phase` names the timeout that fired.
    pub fn gateway_timeout(phase: &str, after: Duration) -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout_error",
            format!(
                "The upstream did not answer within the {phase} timeout of {} ms.",
                after.as_millis()
            ),
            Fault::Upstream,
        )
        .with_code("upstream_timeout")
    }

    /// 500: the gateway failed; the message must not leak internals a client should not see.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            message,
            Fault::Gateway,
        )
        .with_code("internal_error")
    }

    /// 503: the gateway is not ready or is shutting down.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            message,
            Fault::Gateway,
        )
        .with_code("unavailable")
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// OpenAI's error `type`.
    pub fn kind(&self) -> &str {
        &self.inner.kind
    }

    /// The machine-readable code, if any.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The offending parameter, if any.
    pub fn param(&self) -> Option<&str> {
        self.inner.param.as_deref()
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Whose fault it is.
    pub fn fault(&self) -> Fault {
        self.inner.fault
    }

    /// How long the client should wait before retrying, if known.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Extra headers for the error response.
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// What this failure means for a retry or a fallback: the class set with
    /// [`GatewayError::with_class`], else one derived from code, message, fault and status.
    pub fn class(&self) -> ErrorClass {
        if let Some(class) = self.inner.class {
            return class;
        }
        let code = self.inner.code.as_deref().unwrap_or_default();
        if matches!(code, "content_filter" | "content_policy_violation") {
            return ErrorClass::ContentFilter;
        }
        if code == "context_length_exceeded"
            || (self.inner.fault == Fault::Upstream || self.inner.status == StatusCode::BAD_REQUEST)
                && mentions_context_window(&self.inner.message)
        {
            return ErrorClass::ContextWindow;
        }
        if self.inner.fault != Fault::Upstream {
            return ErrorClass::Caller;
        }
        if self.inner.kind == "insufficient_quota" || code == "insufficient_quota" {
            return ErrorClass::PerKey;
        }
        match self.inner.status.as_u16() {
            401..=404 => ErrorClass::PerKey,
            408 | 409 | 425 | 429 | 500..=599 => ErrorClass::Transient,
            _ => ErrorClass::Caller,
        }
    }

    /// The error as OpenAI's error object.
    pub fn to_object(&self) -> ErrorObject {
        ErrorObject {
            message: self.inner.message.clone(),
            kind: self.inner.kind.to_string(),
            param: self.inner.param.clone(),
            code: self.inner.code.as_ref().map(|c| c.to_string()),
        }
    }

    /// The JSON body: the upstream's own body if one was kept, else
    /// `{"error":{"message","type","param","code"}}`.
    pub fn body_json(&self) -> Bytes {
        if let Some(raw) = &self.inner.raw_body {
            return raw.clone();
        }
        let body = ErrorBody {
            error: self.to_object(),
        };
        // Serialising a struct of strings cannot fail; fall back to a fixed body regardless.
        serde_json::to_vec(&body).map(Bytes::from).unwrap_or_else(|_| {
            Bytes::from_static(
                br#"{"error":{"message":"internal error","type":"server_error","param":null,"code":null}}"#,
            )
        })
    }
}

/// The phrases providers use for a prompt longer than the context window (OpenAI, vLLM,
/// DeepSeek: "maximum context length"; Anthropic: "prompt is too long"; Bedrock: "input is
/// too long"; Ollama and llama.cpp: "context length"/"context size").
fn mentions_context_window(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    [
        "maximum context length",
        "context length",
        "context window",
        "context size",
        "prompt is too long",
        "input is too long",
        "too many input tokens",
    ]
    .iter()
    .any(|phrase| lower.contains(phrase))
}

impl fmt::Debug for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayError")
            .field("status", &self.inner.status.as_u16())
            .field("type", &self.inner.kind)
            .field("code", &self.inner.code)
            .field("param", &self.inner.param)
            .field("message", &self.inner.message)
            .field("fault", &self.inner.fault)
            .field("class", &self.class())
            .finish()
    }
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.inner.status.as_u16(),
            self.inner.kind,
            self.inner.message
        )
    }
}

impl std::error::Error for GatewayError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(err: &GatewayError) -> serde_json::Value {
        serde_json::from_slice(&err.body_json()).unwrap()
    }

    #[test]
    fn body_always_has_the_four_keys() {
        for err in [
            GatewayError::invalid_request("bad"),
            GatewayError::missing_param("model"),
            GatewayError::model_not_found("nope"),
            GatewayError::unauthorized("no key"),
            GatewayError::payload_too_large(10),
            GatewayError::bad_gateway("down"),
            GatewayError::gateway_timeout("first byte", Duration::from_secs(1)),
            GatewayError::internal("oops"),
        ] {
            let v = keys(&err);
            let obj = v["error"].as_object().unwrap();
            for key in ["message", "type", "param", "code"] {
                assert!(obj.contains_key(key), "{key} missing in {v}");
            }
        }
    }

    #[test]
    fn absent_param_and_code_render_as_null() {
        let err = GatewayError::new(StatusCode::IM_A_TEAPOT, "x", "y", Fault::Client);
        assert_eq!(
            keys(&err),
            serde_json::json!({"error":{"message":"y","type":"x","param":null,"code":null}})
        );
    }

    #[test]
    fn model_not_found_names_the_model_and_param() {
        let err = GatewayError::model_not_found("gpt-9");
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(err.param(), Some("model"));
        assert_eq!(err.code(), Some("model_not_found"));
        assert!(err.message().contains("gpt-9"));
    }

    #[test]
    fn classes_follow_provider_status_and_codes() {
        let upstream = |status: u16, kind: &'static str| {
            GatewayError::new(
                StatusCode::from_u16(status).unwrap(),
                kind,
                "m",
                Fault::Upstream,
            )
        };
        assert_eq!(
            upstream(429, "rate_limit_error").class(),
            ErrorClass::Transient
        );
        assert_eq!(upstream(503, "x").class(), ErrorClass::Transient);
        assert_eq!(upstream(529, "x").class(), ErrorClass::Transient);
        assert_eq!(upstream(401, "x").class(), ErrorClass::PerKey);
        assert_eq!(upstream(402, "x").class(), ErrorClass::PerKey);
        assert_eq!(upstream(403, "x").class(), ErrorClass::PerKey);
        assert_eq!(
            upstream(429, "insufficient_quota").class(),
            ErrorClass::PerKey
        );
        assert_eq!(
            upstream(400, "invalid_request_error").class(),
            ErrorClass::Caller
        );
        assert_eq!(
            GatewayError::bad_gateway("refused").class(),
            ErrorClass::Transient
        );
        assert_eq!(
            GatewayError::gateway_timeout("first byte", Duration::from_secs(1)).class(),
            ErrorClass::Transient
        );
        assert_eq!(
            GatewayError::model_not_found("m").class(),
            ErrorClass::Caller
        );
        assert_eq!(GatewayError::internal("bug").class(), ErrorClass::Caller);
        assert_eq!(
            upstream(400, "invalid_request_error")
                .with_code("context_length_exceeded")
                .class(),
            ErrorClass::ContextWindow
        );
        let anthropic = GatewayError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "prompt is too long: 210000 tokens > 200000 maximum",
            Fault::Client,
        );
        assert_eq!(anthropic.class(), ErrorClass::ContextWindow);
        assert_eq!(
            GatewayError::invalid_request("blocked")
                .with_code("content_filter")
                .class(),
            ErrorClass::ContentFilter
        );
        assert_eq!(
            upstream(429, "x").with_class(ErrorClass::PerKey).class(),
            ErrorClass::PerKey
        );
    }

    #[test]
    fn a_kept_raw_body_is_rendered_verbatim() {
        let raw = Bytes::from_static(
            br#"{"error":{"message":"m","type":"t","param":null,"code":"c"},"x":1}"#,
        );
        let err = GatewayError::bad_gateway("ignored").with_raw_body(raw.clone());
        assert_eq!(err.body_json(), raw);
    }
}
