//! Error mapping, tested with bodies real servers send. The OpenAI bodies are from the
//! envoyproxy/ai-gateway recorded cassettes (Apache-2.0), `chat-unknown-model.yaml` and
//! `chat-bad-request.yaml`; the vLLM and TGI shapes from their documented error formats.

use super::*;
use http::HeaderValue;
use serde_json::json;

fn map(status: u16, body: &str) -> GatewayError {
    map_error_response(
        StatusCode::from_u16(status).unwrap(),
        &HeaderMap::new(),
        body.as_bytes(),
        &["sk-secret-abcdef".to_owned()],
    )
}

fn body(err: &GatewayError) -> Value {
    serde_json::from_slice(&err.body_json()).unwrap()
}

#[test]
fn openai_body_with_four_keys_is_forwarded_verbatim() {
    let raw = r#"{
    "error": {
        "message": "The model `gpt-4.1-nano-wrong` does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": null,
        "code": "model_not_found"
    }
}
"#;
    let err = map(404, raw);
    assert_eq!(err.status(), StatusCode::NOT_FOUND);
    assert_eq!(err.code(), Some("model_not_found"));
    assert_eq!(&err.body_json()[..], raw.as_bytes());
}

#[test]
fn recorded_bad_request_keeps_param_and_code() {
    let raw = r#"{"error":{"code":"unsupported_parameter","message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","param":"max_tokens","type":"invalid_request_error"}}"#;
    let err = map(400, raw);
    assert_eq!(err.param(), Some("max_tokens"));
    assert_eq!(err.fault(), Fault::Client);
    assert_eq!(body(&err)["error"]["code"], "unsupported_parameter");
}

#[test]
fn openai_body_missing_keys_is_completed() {
    let err = map(500, r#"{"error":{"message":"boom"}}"#);
    assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body(&err),
        json!({"error":{"message":"boom","type":"upstream_error","param":null,"code":null}})
    );
}

#[test]
fn vllm_flat_error_is_reshaped() {
    let err = map(
        400,
        r#"{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}"#,
    );
    assert_eq!(
        body(&err),
        json!({"error":{"message":"max_tokens is too large","type":"BadRequestError","param":null,"code":null}})
    );
}

#[test]
fn tgi_error_is_reshaped() {
    let err = map(
        422,
        r#"{"error":"Input validation error","error_type":"validation"}"#,
    );
    assert_eq!(err.status().as_u16(), 422);
    assert_eq!(body(&err)["error"]["type"], "validation");
}

#[test]
fn html_from_a_proxy_becomes_a_502_with_a_snippet() {
    let err = map(503, "<html><body>Service Unavailable</body></html>");
    assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    assert!(
        err.message()
            .starts_with("the upstream answered HTTP 503: <html>")
    );
}

#[test]
fn echoed_credentials_are_scrubbed() {
    let err = map(
        401,
        r#"{"error":{"message":"Incorrect API key provided: sk-secret-abcdef.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
    );
    let text = String::from_utf8(err.body_json().to_vec()).unwrap();
    assert!(!text.contains("sk-secret-abcdef"), "{text}");
    assert!(text.contains("********"));
}

#[test]
fn retry_headers_are_kept_and_read() {
    let mut h = HeaderMap::new();
    h.insert("retry-after", HeaderValue::from_static("7"));
    h.insert(
        "x-ratelimit-remaining-requests",
        HeaderValue::from_static("0"),
    );
    h.insert("set-cookie", HeaderValue::from_static("a=b"));
    let err = map_error_response(
        StatusCode::TOO_MANY_REQUESTS,
        &h,
        br#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
        &[],
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.headers()["x-ratelimit-remaining-requests"], "0");
    assert!(err.headers().get("set-cookie").is_none());
    let mut h = HeaderMap::new();
    h.insert("retry-after-ms", HeaderValue::from_static("1500"));
    h.insert("retry-after", HeaderValue::from_static("9"));
    assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
    let mut h = HeaderMap::new();
    let later = std::time::SystemTime::now() + Duration::from_secs(120);
    h.insert(
        "retry-after",
        HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
    );
    let after = retry_after(&h).unwrap();
    assert!(
        after > Duration::from_secs(100) && after <= Duration::from_secs(120),
        "{after:?}"
    );
}
