use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/converse");

#[test]
fn the_recorded_validation_error_is_a_400() {
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{FIXTURES}/amazon-bedrock-empty-message-validation-error.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut headers = HeaderMap::new();
    for (name, value) in recorded["headers"].as_object().into_iter().flatten() {
        if let (Ok(n), Some(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            value.as_str(),
        ) {
            headers.insert(n, v.parse().unwrap());
        }
    }
    let body = match &recorded["body"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let status = StatusCode::from_u16(recorded["status"].as_u64().unwrap_or(400) as u16).unwrap();
    let err = map_error_response(status, &headers, body.as_bytes(), &[]);
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(err.message().contains("empty"), "{}", err.message());
}

#[test]
fn exceptions_map_to_their_statuses() {
    let cases = [
        ("ThrottlingException", 429),
        ("ValidationException", 400),
        ("AccessDeniedException", 403),
        ("ModelTimeoutException", 504),
        ("ResourceNotFoundException", 404),
        ("ServiceUnavailableException", 503),
        ("InternalServerException", 502),
    ];
    for (name, status) in cases {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amzn-errortype",
            format!("{name}:http://internal.amazon.com/coral/com.amazon.bedrock/")
                .parse()
                .unwrap(),
        );
        let err = map_error_response(
            StatusCode::BAD_REQUEST,
            &headers,
            br#"{"message":"m AKIDSECRET"}"#,
            &["AKIDSECRET".to_owned()],
        );
        assert_eq!(err.status().as_u16(), status, "{name}");
        assert_eq!(err.code(), Some(name));
        assert_eq!(err.message(), "m ********");
    }
    let by_body = map_error_response(
        StatusCode::TOO_MANY_REQUESTS,
        &HeaderMap::new(),
        br#"{"__type":"com.amazon#ThrottlingException","message":"slow"}"#,
        &[],
    );
    assert_eq!(by_body.code(), Some("ThrottlingException"));
    let text = map_error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &HeaderMap::new(),
        b"oops",
        &[],
    );
    assert_eq!(text.status(), StatusCode::BAD_GATEWAY);
    assert!(text.message().contains("oops"));
    let frame = map_exception(
        "throttlingException",
        br#"{"message":"Too many tokens"}"#,
        &[],
    );
    assert_eq!(frame.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(frame.code(), Some("ThrottlingException"));
}
