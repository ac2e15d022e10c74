//! DashScope error answers, both spellings, through the OpenAI client's reader and then
//! [`map_error`]: status, `type`, `code`, scrubbing and retry headers.

use std::time::Duration;

use http::HeaderMap;
use switchboard_openai::map_error_response;

use super::*;

const KEY: &str = "sk-dashscope-secret-123";

fn mapped(status: u16, body: &str) -> GatewayError {
    mapped_with(status, HeaderMap::new(), body)
}

fn mapped_with(status: u16, headers: HeaderMap, body: &str) -> GatewayError {
    let status = StatusCode::from_u16(status).unwrap();
    map_error(map_error_response(
        status,
        &headers,
        body.as_bytes(),
        &[KEY.to_owned()],
    ))
}

fn triple(e: &GatewayError) -> (u16, &str, Option<&str>) {
    (e.status().as_u16(), e.kind(), e.code())
}

#[test]
fn compatible_mode_content_moderation() {
    // Real body (camel-ai/owl#432), quoted in providers.md §7.
    let e = mapped(
        400,
        r#"{"error":{"code":"data_inspection_failed","param":null,"message":"Input data may contain inappropriate content.","type":"data_inspection_failed"},"id":"chatcmpl-1","request_id":"r-1"}"#,
    );
    assert_eq!(
        triple(&e),
        (400, "invalid_request_error", Some("data_inspection_failed"))
    );
    assert_eq!(e.message(), "Input data may contain inappropriate content.");
    assert_eq!(e.fault(), Fault::Client);
}

#[test]
fn native_spellings_of_the_same_code() {
    for code in [
        "DataInspectionFailed",
        "InternalError.Algo.DataInspectionFailed",
    ] {
        let e = mapped(
            400,
            &format!(
                r#"{{"code":"{code}","message":"Input data may contain inappropriate content.","request_id":"r-2"}}"#
            ),
        );
        assert_eq!(
            triple(&e),
            (400, "invalid_request_error", Some("data_inspection_failed")),
            "{code}"
        );
    }
}

#[test]
fn bad_keys_in_both_spellings_are_401_and_scrubbed() {
    let compat = mapped(
        401,
        &format!(
            r#"{{"error":{{"message":"Incorrect API key provided: {KEY}.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}},"request_id":"r"}}"#
        ),
    );
    let native = mapped(
        401,
        r#"{"code":"InvalidApiKey","message":"Invalid API-key provided.","request_id":"r"}"#,
    );
    for e in [&compat, &native] {
        assert_eq!(
            triple(e),
            (401, "invalid_request_error", Some("invalid_api_key"))
        );
    }
    assert!(!compat.message().contains(KEY));
    assert!(compat.message().contains("********"));
}

#[test]
fn throttling_is_a_rate_limit_and_keeps_retry_after() {
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", "3".parse().unwrap());
    let e = mapped_with(
        429,
        headers,
        r#"{"code":"Throttling.RateQuota","message":"Requests rate limit exceeded, please try again later.","request_id":"r"}"#,
    );
    assert_eq!(
        triple(&e),
        (429, "rate_limit_error", Some("rate_limit_exceeded"))
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    assert!(e.headers().contains_key("retry-after"));
    let compat = mapped(
        429,
        r#"{"error":{"message":"You exceeded your current requests list.","type":"limit_requests","param":null,"code":"limit_requests"}}"#,
    );
    assert_eq!(
        triple(&compat),
        (429, "rate_limit_error", Some("rate_limit_exceeded"))
    );
}

#[test]
fn an_account_in_arrears_is_insufficient_quota() {
    let e = mapped(
        400,
        r#"{"code":"Arrearage","message":"Access denied, please make sure your account is in good standing.","request_id":"r"}"#,
    );
    assert_eq!(
        triple(&e),
        (429, "insufficient_quota", Some("insufficient_quota"))
    );
}

#[test]
fn other_codes() {
    let cases = [
        (
            400,
            r#"{"error":{"message":"parameter.enable_thinking must be set to false for non-streaming calls","type":"invalid_request_error","param":null,"code":"invalid_parameter_error"}}"#,
            (
                400,
                "invalid_request_error",
                Some("invalid_parameter_error"),
            ),
        ),
        (
            400,
            r#"{"code":"InvalidParameter","message":"Range of input length should be [1, 30720]","request_id":"r"}"#,
            (
                400,
                "invalid_request_error",
                Some("invalid_parameter_error"),
            ),
        ),
        (
            404,
            r#"{"error":{"message":"The model `qwen-nope` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#,
            (404, "invalid_request_error", Some("model_not_found")),
        ),
        (
            403,
            r#"{"code":"Model.AccessDenied","message":"Model access denied.","request_id":"r"}"#,
            (403, "permission_error", Some("access_denied")),
        ),
        (
            500,
            r#"{"code":"InternalError","message":"An internal error has occured, please try again later.","request_id":"r"}"#,
            (500, "server_error", Some("internal_error")),
        ),
        (
            503,
            r#"{"code":"ModelUnavailable","message":"Model is unavailable, please try again later.","request_id":"r"}"#,
            (503, "server_error", Some("service_unavailable")),
        ),
        (
            504,
            r#"{"code":"RequestTimeOut","message":"Request timed out, please try again later.","request_id":"r"}"#,
            (504, "timeout_error", Some("upstream_timeout")),
        ),
    ];
    for (status, body, want) in cases {
        let e = mapped(status, body);
        assert_eq!(triple(&e), want, "{body}");
    }
}

#[test]
fn errors_without_a_dashscope_code_are_left_alone() {
    let e = map_error(GatewayError::bad_gateway("connection refused"));
    assert_eq!(
        triple(&e),
        (502, "upstream_error", Some("upstream_unavailable"))
    );
    let e = map_error(GatewayError::internal("could not encode"));
    assert_eq!(triple(&e), (500, "server_error", Some("internal_error")));
    assert_eq!(e.fault(), Fault::Gateway);
    let e = mapped(502, "<html>bad gateway</html>");
    assert_eq!(triple(&e), (502, "upstream_error", Some("upstream_error")));
}

#[test]
fn snake_case_reads_both_spellings() {
    assert_eq!(snake_case("DataInspectionFailed"), "data_inspection_failed");
    assert_eq!(
        snake_case("data_inspection_failed"),
        "data_inspection_failed"
    );
    assert_eq!(
        snake_case("InternalError.Algo.InvalidParameter"),
        "internal_error.algo.invalid_parameter"
    );
    assert_eq!(snake_case("RequestTimeOut"), "request_time_out");
}
