//! DeepSeek's own failures, and the one conversion of them into [`GatewayError`].
//!
//! Upstream error bodies are OpenAI-shaped and mapped by `switchboard_openai`'s
//! `map_error_response` (status, type, code, credentials scrubbed, `Retry-After` kept);
//! [`refine`] then adjusts what DeepSeek means differently.

use http::StatusCode;
use switchboard_core::{Fault, GatewayError};

/// What this adapter itself refuses or reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeepSeekError {
    /// The request asked for several choices; DeepSeek generates one.
    #[error("DeepSeek generates one choice per request; `n` = {0} is not supported")]
    UnsupportedN(u32),
    /// DeepSeek stopped with `finish_reason: insufficient_system_resource` before it
    /// produced anything: the service is overloaded, so this is a retryable 503.
    #[error(
        "DeepSeek stopped for lack of system resources before producing any output \
         (finish_reason `insufficient_system_resource`); retry later"
    )]
    InsufficientSystemResource,
}

impl From<DeepSeekError> for GatewayError {
    fn from(err: DeepSeekError) -> Self {
        let message = err.to_string();
        match err {
            DeepSeekError::UnsupportedN(_) => GatewayError::invalid_request(message)
                .with_param("n")
                .with_code("unsupported_parameter"),
            DeepSeekError::InsufficientSystemResource => GatewayError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                message,
                Fault::Upstream,
            )
            .with_code("insufficient_system_resource"),
        }
    }
}

/// Adjusts a mapped upstream error: a 402 is DeepSeek's "Insufficient Balance". It keeps
/// status 402 and the body's `type` and `code`, its message always says "balance", and it
/// carries no `Retry-After`: topping up the account is the only cure, so no retry or
/// fallback should treat it as transient (providers.md §0.5). Everything else is unchanged.
pub fn refine(err: GatewayError) -> GatewayError {
    if err.status() != StatusCode::PAYMENT_REQUIRED {
        return err;
    }
    let upstream = err.message();
    let message = if upstream.to_ascii_lowercase().contains("balance") {
        format!("DeepSeek: {upstream} (top up the account; retrying will not help)")
    } else if upstream.is_empty() {
        "DeepSeek: Insufficient Balance (top up the account; retrying will not help)".to_owned()
    } else {
        format!(
            "DeepSeek: Insufficient Balance: {upstream} (top up the account; retrying will not help)"
        )
    };
    let mut out = GatewayError::new(
        StatusCode::PAYMENT_REQUIRED,
        err.kind().to_owned(),
        message,
        Fault::Upstream,
    )
    .with_code(err.code().unwrap_or("insufficient_balance").to_owned());
    if let Some(param) = err.param() {
        out = out.with_param(param.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;
    use switchboard_openai::map_error_response;

    use super::*;

    /// DeepSeek's real 402 body (as quoted in Aider-AI/aider#4851).
    const BALANCE: &str = r#"{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}"#;

    #[test]
    fn a_402_says_balance_keeps_type_and_code_and_has_no_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "3".parse().unwrap());
        let mapped = map_error_response(
            StatusCode::PAYMENT_REQUIRED,
            &headers,
            BALANCE.as_bytes(),
            &[],
        );
        let err = refine(mapped);
        assert_eq!(err.status(), StatusCode::PAYMENT_REQUIRED);
        assert_eq!(err.kind(), "unknown_error");
        assert_eq!(err.code(), Some("invalid_request_error"));
        assert!(err.message().contains("Insufficient Balance"));
        assert!(err.retry_after().is_none());
        let body: serde_json::Value = serde_json::from_slice(&err.body_json()).unwrap();
        assert_eq!(body["error"]["param"], serde_json::Value::Null);
    }

    #[test]
    fn a_402_without_the_word_still_says_balance() {
        let mapped = map_error_response(StatusCode::PAYMENT_REQUIRED, &HeaderMap::new(), b"", &[]);
        let err = refine(mapped);
        assert!(err.message().contains("Balance"), "{}", err.message());
        assert_eq!(err.code(), Some("upstream_error"));
        // Not retried: another deployment (another account) is tried at once.
        assert_eq!(err.class(), switchboard_core::ErrorClass::PerKey);
    }

    #[test]
    fn other_errors_pass_unchanged() {
        let err = GatewayError::bad_gateway("down");
        assert_eq!(refine(err.clone()).body_json(), err.body_json());
    }

    #[test]
    fn own_errors_render_as_openai_errors() {
        let err = GatewayError::from(DeepSeekError::UnsupportedN(3));
        assert_eq!((err.status().as_u16(), err.param()), (400, Some("n")));
        let err = GatewayError::from(DeepSeekError::InsufficientSystemResource);
        assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(err.code(), Some("insufficient_system_resource"));
        assert_eq!(err.class(), switchboard_core::ErrorClass::Transient);
    }
}
