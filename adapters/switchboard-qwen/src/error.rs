//! DashScope's error codes → OpenAI's error envelope with the right status.
//!
//! The OpenAI client underneath has already read the body (compatible mode's
//! `{"error":{"code","param","message","type"},"id","request_id"}`, or the native API's flat
//! `{"code","message","request_id"}`), scrubbed the key from it and kept `retry-after`.
//! What is left here is DashScope's vocabulary: the same failure is spelled
//! `data_inspection_failed` in compatible mode and `DataInspectionFailed` (or
//! `InternalError.Algo.DataInspectionFailed`) in the native API, and compatible mode puts
//! the code in `type` too. Both spellings are matched; known codes get OpenAI's status,
//! `type` and, where OpenAI has one, its `code`.

use std::borrow::Cow;

use http::StatusCode;
use switchboard_core::{Fault, GatewayError};

/// What one DashScope failure becomes.
struct Mapped {
    status: StatusCode,
    kind: &'static str,
    code: Cow<'static, str>,
}

/// Maps an error the OpenAI client produced from a DashScope answer. Errors that carry
/// no DashScope code (a refused connection, a timeout) are returned unchanged.
pub(crate) fn map_error(err: GatewayError) -> GatewayError {
    if err.fault() == Fault::Gateway {
        // Our own failure (`internal_error` from encoding, say), not DashScope's code.
        return err;
    }
    let found = [err.code(), Some(err.kind())]
        .into_iter()
        .flatten()
        .find_map(|code| classify(code, err.status()));
    let Some(mapped) = found else {
        return err;
    };
    let fault = match mapped.status.as_u16() {
        400 | 404 | 413 | 422 => Fault::Client,
        _ => Fault::Upstream,
    };
    let mut out = GatewayError::new(mapped.status, mapped.kind, err.message(), fault)
        .with_code(mapped.code)
        .with_headers(err.headers().clone());
    if let Some(param) = err.param() {
        out = out.with_param(param.to_owned());
    }
    if let Some(after) = err.retry_after() {
        out = out.with_retry_after(after);
    }
    out
}

/// The OpenAI rendering of a DashScope `code` (either spelling), or `None` for a code
/// DashScope does not use. `status` is the upstream's, used where a code alone is vague.
fn classify(code: &str, status: StatusCode) -> Option<Mapped> {
    let snake = snake_case(code);
    // The native API qualifies codes (`InternalError.Algo.DataInspectionFailed`,
    // `Throttling.RateQuota`): the first segment names the family, the last the case.
    let mut segments = snake.split('.');
    let family = segments.next().unwrap_or_default();
    let last = snake.rsplit('.').next().unwrap_or_default();
    let m = |status: StatusCode, kind: &'static str, code: &'static str| {
        Some(Mapped {
            status,
            kind,
            code: Cow::Borrowed(code),
        })
    };
    match (family, last) {
        (_, "data_inspection_failed") => m(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "data_inspection_failed",
        ),
        ("invalid_api_key", _) => m(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "invalid_api_key",
        ),
        ("arrearage", _) | ("insufficient_quota", _) => m(
            StatusCode::TOO_MANY_REQUESTS,
            "insufficient_quota",
            "insufficient_quota",
        ),
        ("throttling", _) | ("limit_requests", _) | ("rate_limit_exceeded", _) => m(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "rate_limit_exceeded",
        ),
        ("model_not_found", _) | ("model_not_exist", _) => m(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "model_not_found",
        ),
        ("access_denied", _) | ("model_access_denied", _) => {
            m(StatusCode::FORBIDDEN, "permission_error", "access_denied")
        }
        ("model", "access_denied") => m(StatusCode::FORBIDDEN, "permission_error", "access_denied"),
        ("invalid_parameter", _) | ("invalid_parameter_error", _) | (_, "invalid_parameter") => m(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "invalid_parameter_error",
        ),
        ("request_time_out", _) | ("request_timeout", _) => m(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout_error",
            "upstream_timeout",
        ),
        ("service_unavailable", _) | ("model_unavailable", _) | ("model_serving_error", _) => m(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "service_unavailable",
        ),
        ("internal_error", _) => {
            if status.is_client_error() {
                // A qualified internal error about the input is still the input's fault.
                return None;
            }
            m(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal_error",
            )
        }
        _ => None,
    }
}

/// `InternalError.Algo.DataInspectionFailed` → `internal_error.algo.data_inspection_failed`;
/// an already snake-cased code is unchanged.
fn snake_case(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 8);
    let mut previous_lower = false;
    for c in code.trim().chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

#[cfg(test)]
mod tests;
