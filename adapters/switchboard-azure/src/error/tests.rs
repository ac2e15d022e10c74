//! Azure's error bodies, as providers.md §2 quotes them (no recorded Azure error
//! cassette exists in the fixture sources), mapped to OpenAI's errors.

use super::*;

const POLICY: ErrorPolicy = ErrorPolicy {
    max_retry_after: Duration::from_secs(60),
};

/// The prompt-filter 400 of providers.md §2, with a filled `content_filter_result`.
const CONTENT_FILTER: &str = r#"{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":true,"detected":true},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}}}"#;

const DAILY_429: &str = r#"{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 86400 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."}}"#;

fn map(status: u16, headers: &[(&'static str, &str)], body: &str) -> GatewayError {
    let mut h = HeaderMap::new();
    for (name, value) in headers {
        h.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    map_azure_error(
        StatusCode::from_u16(status).unwrap(),
        &h,
        body.as_bytes(),
        &["azure-secret-key-123".to_owned()],
        POLICY,
    )
}

fn body(err: &GatewayError) -> Value {
    serde_json::from_slice(&err.body_json()).unwrap()
}

#[test]
fn a_filtered_prompt_is_a_400_content_filter_with_its_details() {
    let err = map(400, &[], CONTENT_FILTER);
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    assert_eq!(err.fault(), Fault::Client);
    assert_eq!(err.kind(), "invalid_request_error");
    assert_eq!(err.code(), Some("content_filter"));
    assert_eq!(err.param(), Some("prompt"));
    let b = body(&err);
    let e = b["error"].as_object().unwrap();
    for key in ["message", "type", "param", "code"] {
        assert!(e.contains_key(key), "{key} missing: {b}");
    }
    assert_eq!(e["type"], "invalid_request_error");
    assert_eq!(
        e["innererror"]["content_filter_result"]["jailbreak"]["filtered"],
        true
    );
    assert!(!e.contains_key("status"));
}

#[test]
fn a_day_long_retry_after_is_capped_and_says_try_elsewhere() {
    let err = map(
        429,
        &[
            ("retry-after", "86400"),
            ("retry-after-ms", "86400000"),
            ("x-ratelimit-remaining-requests", "0"),
        ],
        DAILY_429,
    );
    assert_eq!(err.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(err.headers()["retry-after"], "60");
    assert_eq!(err.headers()["retry-after-ms"], "60000");
    assert_eq!(err.headers()["x-ratelimit-remaining-requests"], "0");
    assert_eq!(err.code(), Some("rate_limit_exceeded"));
    assert!(err.message().contains("try elsewhere"), "{}", err.message());
    assert!(err.message().contains("86400 s"));
    assert_eq!(err.class(), switchboard_core::ErrorClass::PerKey);
    assert!(
        err.message()
            .starts_with("Requests to the ChatCompletions_Create")
    );
}

#[test]
fn the_wait_in_the_message_counts_when_no_header_says_it() {
    let err = map(429, &[], DAILY_429);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(err.headers()["retry-after"], "60");
    assert!(err.message().contains("try elsewhere"));
}

#[test]
fn a_short_retry_after_is_kept() {
    let body =
        r#"{"error":{"code":"429","message":"Rate limit is exceeded. Try again in 2 seconds."}}"#;
    let err = map(429, &[("retry-after", "2")], body);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(err.headers()["retry-after"], "2");
    assert!(!err.message().contains("switchboard"));
    assert_eq!(err.class(), switchboard_core::ErrorClass::Transient);
    assert_eq!(err.code(), Some("rate_limit_exceeded"));
    assert_eq!(err.kind(), "rate_limit_error");
}

#[test]
fn azure_codes_become_openai_codes() {
    let err = map(
        401,
        &[],
        r#"{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}"#,
    );
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(err.code(), Some("invalid_api_key"));
    let err = map(
        404,
        &[],
        r#"{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}}"#,
    );
    assert_eq!(err.status(), StatusCode::NOT_FOUND);
    assert_eq!(err.code(), Some("model_not_found"));
    assert_eq!(err.param(), Some("model"));
    assert_eq!(err.kind(), "invalid_request_error");
}

#[test]
fn a_four_key_openai_body_is_left_alone() {
    let raw = r#"{"error":{"message":"Unsupported parameter: 'max_tokens'","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}"#;
    let err = map(400, &[], raw);
    assert_eq!(err.body_json(), raw.as_bytes());
}

#[test]
fn the_key_is_scrubbed_everywhere() {
    let raw = r#"{"error":{"message":"bad key azure-secret-key-123","type":null,"param":null,"code":"content_filter","innererror":{"echo":"azure-secret-key-123"}}}"#;
    let err = map(400, &[], raw);
    let text = String::from_utf8(err.body_json().to_vec()).unwrap();
    assert!(!text.contains("azure-secret-key-123"), "{text}");
    assert!(text.contains(REDACTED));
}

proptest::proptest! {
    #[test]
    fn any_body_and_retry_after_maps_without_panicking(
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
        after in "[0-9]{0,7}",
        status in 400u16..600,
    ) {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_str(&after).unwrap());
        let err = map_azure_error(
            StatusCode::from_u16(status).unwrap(),
            &h,
            &body,
            &["azure-secret-key-123".to_owned()],
            POLICY,
        );
        proptest::prop_assert!(err.retry_after().is_none_or(|d| d <= Duration::from_secs(60)) || status != 429);
        let _ = err.body_json();
    }

    #[test]
    fn any_message_is_searched_safely(message in ".{0,80}") {
        let _ = retry_after_in_message(&message);
        let _ = retry_after_in_message(&format!("{message}retry after {message}"));
    }
}
