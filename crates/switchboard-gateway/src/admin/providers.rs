//! `POST /admin/providers/{name}/test`: the minimal call `switchboard doctor` makes, for one
//! provider: its latency, or the upstream's exact error and the likely fix.

use http::{Response, StatusCode};
use serde_json::json;
use switchboard_core::GatewayError;

use crate::body::ResponseBody;
use crate::{Gateway, respond};

/// Probes provider `name`: 200 with `{"ok": true, "latency_ms", "call"}` or
/// `{"ok": false, "status", "code", "message", "hint"}`; 404 for a provider no route uses.
pub(super) async fn test(
    gateway: &Gateway,
    name: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    let report = gateway.probe(name).await.ok_or_else(|| {
        GatewayError::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            format!("No provider named `{name}` is used by a route."),
            switchboard_core::Fault::Client,
        )
        .with_code("not_found")
    })?;
    let latency_ms = (report.latency.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    let body = match &report.error {
        None => json!({"provider": report.provider, "kind": report.kind, "call": report.call,
            "ok": true, "latency_ms": latency_ms}),
        Some(e) => json!({"provider": report.provider, "kind": report.kind, "call": report.call,
            "ok": false, "latency_ms": latency_ms, "status": e.status, "code": e.code,
            "message": e.message, "hint": e.hint}),
    };
    Ok(respond::json_value(StatusCode::OK, &body))
}
