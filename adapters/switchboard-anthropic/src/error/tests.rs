//! Anthropic error bodies (one recorded, the others from the documented shapes) mapped to
//! OpenAI's.

use super::*;

const RECORDED_400: &str = include_str!("../../fixtures/anthropic-issue-17366-error.json");

fn map(status: u16, headers: &[(&'static str, &str)], body: &str) -> GatewayError {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    map_error_response(
        StatusCode::from_u16(status).unwrap(),
        &map,
        body.as_bytes(),
        &["sk-ant-secret-key".to_owned()],
    )
}

fn body(kind: &str, message: &str) -> String {
    serde_json::json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_1"})
        .to_string()
}

#[test]
fn a_recorded_400_keeps_its_type_and_message() {
    let err = map(400, &[], RECORDED_400);
    assert_eq!(err.status(), 400);
    assert_eq!(err.kind(), "invalid_request_error");
    assert!(
        err.message()
            .starts_with("messages.2.content.0: unexpected `tool_use_id`")
    );
    assert_eq!(err.fault(), Fault::Client);
    let v: Value = serde_json::from_slice(&err.body_json()).unwrap();
    assert_eq!(v["error"]["code"], Value::Null);
}

#[test]
fn overloaded_529_is_a_retryable_503() {
    let err = map(529, &[], &body("overloaded_error", "Overloaded"));
    assert_eq!(err.class(), switchboard_core::ErrorClass::Transient);
    assert_eq!(err.status(), 503);
    assert_eq!(err.kind(), "overloaded_error");
    assert_eq!(err.message(), "Overloaded");
    assert_eq!(err.fault(), Fault::Upstream);
}

#[test]
fn a_rate_limit_keeps_retry_after_and_the_rate_headers() {
    let err = map(
        429,
        &[
            ("retry-after", "7"),
            ("anthropic-ratelimit-requests-remaining", "0"),
        ],
        &body(
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
        ),
    );
    assert_eq!(err.status(), 429);
    assert_eq!(err.kind(), "rate_limit_error");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.headers()["anthropic-ratelimit-requests-remaining"], "0");
}

#[test]
fn the_spend_limit_429_says_not_to_retry() {
    let text = serde_json::json!({"type": "error", "error": {
        "type": "rate_limit_error", "message": "You have reached your specified API usage limits.",
        "details": {"error_code": "enforced_spend_limit_reached"}}})
    .to_string();
    let err = map(429, &[("retry-after", "30")], &text);
    assert_eq!(err.status(), 429);
    assert_eq!(err.kind(), "insufficient_quota");
    assert_eq!(err.code(), Some("enforced_spend_limit_reached"));
    assert!(err.message().contains("do not retry"));
    assert_eq!(err.class(), switchboard_core::ErrorClass::PerKey);
    assert_eq!(err.retry_after(), None);
    assert!(err.headers().get("retry-after").is_none());
    assert_eq!(err.headers()["x-should-retry"], "false");
}

#[test]
fn server_errors_and_text_bodies() {
    let err = map(500, &[], &body("api_error", "Internal server error"));
    assert_eq!((err.status().as_u16(), err.kind()), (502, "api_error"));
    let err = map(413, &[], "<html>Request Entity Too Large</html>");
    assert_eq!(err.status(), 413);
    assert!(err.message().contains("Request Entity Too Large"));
    let err = map(
        401,
        &[],
        &body(
            "authentication_error",
            "invalid x-api-key sk-ant-secret-key",
        ),
    );
    assert_eq!(
        (err.status().as_u16(), err.kind()),
        (401, "authentication_error")
    );
    assert!(!err.message().contains("sk-ant-secret-key"));
    assert!(err.message().contains(REDACTED));
}

#[test]
fn stream_error_events_take_their_status_from_the_type() {
    for (kind, status) in [
        ("overloaded_error", 503),
        ("rate_limit_error", 429),
        ("api_error", 502),
        ("invalid_request_error", 400),
        ("something_new", 502),
    ] {
        let err = map_error_event(body(kind, "m").as_bytes(), &[]);
        assert_eq!((err.status().as_u16(), err.kind()), (status, kind));
    }
    assert_eq!(map_error_event(b"garbage", &[]).status(), 502);
}
