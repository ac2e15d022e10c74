//! Error mapping from the documented and observed error bodies (see `fixtures/NOTICE.md`).

use serde_json::json;

use super::*;

const NOT_FOUND: &[u8] = include_bytes!("../../fixtures/error-model-not-found-404.observed.json");
const GENERIC: &[u8] = include_bytes!("../../fixtures/error-body.docs.json");

fn map(status: u16, body: &[u8]) -> GatewayError {
    map_error_response(
        StatusCode::from_u16(status).unwrap(),
        &HeaderMap::new(),
        body,
        &["ollama-secret-key".to_owned()],
    )
}

fn body(err: &GatewayError) -> Value {
    serde_json::from_slice(&err.body_json()).unwrap()
}

#[test]
fn an_unknown_model_stays_a_404() {
    let err = map(404, NOT_FOUND);
    assert_eq!(
        (err.status().as_u16(), err.code(), err.param()),
        (404, Some("model_not_found"), Some("model"))
    );
    assert_eq!(
        body(&err),
        json!({"error":{"message":"model 'nonexistent-model-12345' not found",
            "type":"invalid_request_error","param":"model","code":"model_not_found"}})
    );
}

#[test]
fn a_server_failure_is_a_502_with_ollamas_message() {
    let err = map(500, GENERIC);
    assert_eq!(err.status(), 502);
    assert_eq!(err.kind(), "upstream_error");
    assert_eq!(err.message(), "the model failed to generate a response");
}

#[test]
fn observed_400_and_501() {
    let err = map(
        400,
        br#"{"error":"think value \"low\" is not supported for this model"}"#,
    );
    assert_eq!(
        (err.status().as_u16(), err.kind()),
        (400, "invalid_request_error")
    );
    assert!(err.message().starts_with("think value"));
    let err = map(
        501,
        br#"{"error":"this model does not support embeddings"}"#,
    );
    assert_eq!(
        (err.status().as_u16(), err.code()),
        (400, Some("unsupported"))
    );
}

#[test]
fn rate_limits_keep_their_headers() {
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", "2".parse().unwrap());
    headers.insert("x-ratelimit-remaining-requests", "0".parse().unwrap());
    let err = map_error_response(
        StatusCode::TOO_MANY_REQUESTS,
        &headers,
        br#"{"error":"too many requests"}"#,
        &[],
    );
    assert_eq!(
        (err.status().as_u16(), err.kind()),
        (429, "rate_limit_error")
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(err.headers().len(), 2);
}

#[test]
fn proxy_shapes_and_secrets() {
    let err = map(
        401,
        br#"{"error":{"message":"bad key ollama-secret-key","type":"auth"}}"#,
    );
    assert_eq!(
        (err.status().as_u16(), err.kind()),
        (401, "authentication_error")
    );
    assert_eq!(err.message(), "bad key ********");
    let err = map(503, b"<html>upstream down, token ollama-secret-key</html>");
    assert_eq!(err.status(), 502);
    assert!(
        err.message()
            .starts_with("Ollama answered HTTP 503: <html>")
    );
    assert!(!err.message().contains("ollama-secret-key"));
}

#[test]
fn stream_errors() {
    let err = stream_error(
        &json!("an error was encountered while running the model"),
        &[],
    );
    assert_eq!(
        (err.status().as_u16(), err.code()),
        (502, Some("upstream_error"))
    );
    let err = stream_error(&json!({"message":"nested"}), &[]);
    assert!(err.message().ends_with("nested"));
}
