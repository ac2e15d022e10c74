//! SigV4 against the official suite (smithy-rs' copy of awslabs/aws-c-auth's
//! `aws-signing-test-suite/v4`) and Bedrock-shaped golden vectors (providers.md §5.3).

use std::time::{Duration, SystemTime};

use super::*;

const SUITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sigv4");

fn example_credentials(token: Option<&str>) -> AwsCredentials {
    AwsCredentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        session_token: token.map(str::to_owned),
    }
}

/// A suite `request.txt` as an `http::Request` (method, path, headers, body).
fn parse_request(text: &str) -> http::Request<Bytes> {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let mut first = lines.next().unwrap().split(' ');
    let (method, path) = (first.next().unwrap(), first.next().unwrap());
    let mut request = http::Request::builder()
        .method(method)
        .uri(path)
        .body(Bytes::copy_from_slice(body.as_bytes()))
        .unwrap();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        if name.eq_ignore_ascii_case("x-amz-date") {
            continue; // the signer adds its own
        }
        request.headers_mut().append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    request
}

fn suite_case(name: &str) {
    let dir = format!("{SUITE}/{name}");
    let context: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/context.json")).unwrap())
            .unwrap();
    let mut request =
        parse_request(&std::fs::read_to_string(format!("{dir}/request.txt")).unwrap());
    let credentials = example_credentials(context["credentials"]["token"].as_str());
    let time = parse_amz_date("20150830T123600Z").unwrap();
    let signature = sign_request(&mut request, &credentials, "us-east-1", "service", time).unwrap();
    let expected = std::fs::read_to_string(format!("{dir}/header-signature.txt")).unwrap();
    assert_eq!(signature, expected.trim(), "{name}");
    let authorization = request.headers()["authorization"].to_str().unwrap();
    assert!(
        authorization.ends_with(&format!("Signature={signature}")),
        "{name}"
    );
    assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
    if let Some(token) = context["credentials"]["token"].as_str() {
        assert_eq!(request.headers()["x-amz-security-token"], token);
    }
}

#[test]
fn the_official_suite_cases_sign_to_their_expected_signatures() {
    for case in [
        "post-vanilla",
        "get-vanilla",
        "get-vanilla-with-session-token",
        "post-header-key-sort",
        "post-header-key-case",
        "post-header-value-case",
        "get-header-value-trim",
        "get-vanilla-query",
        "get-vanilla-query-order-key-case",
        "get-slashes-normalized",
        "get-unreserved",
        "post-vanilla-query",
    ] {
        suite_case(case);
    }
}

/// HMAC-SHA256 with ring (an implementation independent of `aws-sigv4`).
fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    ring::hmac::sign(&key, data).as_ref().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signature of a canonical request, computed by hand (§5.3 steps 3 and 4).
fn by_hand(canonical: &str, amz_date: &str, region: &str, service: &str, secret: &str) -> String {
    let day = &amz_date[..8];
    let hash = hex(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref());
    let to_sign =
        format!("AWS4-HMAC-SHA256\n{amz_date}\n{day}/{region}/{service}/aws4_request\n{hash}");
    let k = hmac(format!("AWS4{secret}").as_bytes(), day.as_bytes());
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, service.as_bytes());
    let k = hmac(&k, b"aws4_request");
    hex(&hmac(&k, to_sign.as_bytes()))
}

#[test]
fn double_encode_path_signs_the_suites_canonical_request() {
    // The case ships only its canonical request (dated 20210511T154045Z): the path
    // `/test/@connections/JBDvjfGEIAMCERw%3D` must be canonicalised as
    // `/test/%40connections/JBDvjfGEIAMCERw%253D`. Signing it with aws-sigv4 must give the
    // signature of exactly that canonical request, computed here by hand.
    let dir = format!("{SUITE}/double-encode-path");
    let canonical = std::fs::read_to_string(format!("{dir}/header-canonical-request.txt")).unwrap();
    assert!(canonical.contains("/test/%40connections/JBDvjfGEIAMCERw%253D\n"));
    let mut request =
        parse_request(&std::fs::read_to_string(format!("{dir}/request.txt")).unwrap());
    let time = parse_amz_date("20210511T154045Z").unwrap();
    let credentials = example_credentials(None);
    let signature = sign_request(&mut request, &credentials, "us-east-1", "service", time).unwrap();
    let expected = by_hand(
        &canonical,
        "20210511T154045Z",
        "us-east-1",
        "service",
        &credentials.secret_access_key,
    );
    assert_eq!(signature, expected);
}

/// The Bedrock request of providers.md §5.3's golden vectors.
fn bedrock_request(path: &str) -> http::Request<Bytes> {
    let body = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"#;
    http::Request::builder()
        .method("POST")
        .uri(format!(
            "https://bedrock-runtime.us-east-1.amazonaws.com{path}"
        ))
        .header("host", "bedrock-runtime.us-east-1.amazonaws.com")
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(Bytes::from_static(body.as_bytes()))
        .unwrap()
}

#[test]
fn bedrock_golden_vectors_double_encode_the_model_ids_colon() {
    let time = parse_amz_date("20240101T000000Z").unwrap();
    let cases = [
        (
            "/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/invoke",
            None,
            "3da16fd417b735b330d54d7b44208ff010938e9f2390d903acebe445b822630d",
        ),
        (
            "/model/us.anthropic.claude-3-haiku-20240307-v1:0/invoke",
            None,
            "afa94cac8f9d3c01f70063d15b407887f22409c17031739430e5659c3919afb0",
        ),
        (
            "/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/invoke",
            Some("FQoGZXIvYXdzEXAMPLETOKEN"),
            "3a5a7bc5f82defea0b8750c08139e9b0549faf3b0313cd8d8eb895f0faae0d2a",
        ),
    ];
    for (path, token, expected) in cases {
        let mut request = bedrock_request(path);
        let signature = sign_request(
            &mut request,
            &example_credentials(token),
            "us-east-1",
            "bedrock",
            time,
        )
        .unwrap();
        assert_eq!(signature, expected, "{path}");
    }
    // The canonical request of the first row, by hand: `%3A` becomes `%253A`.
    let canonical = "POST\n/model/us.anthropic.claude-3-haiku-20240307-v1%253A0/invoke\n\n\
        accept:application/json\ncontent-type:application/json\n\
        host:bedrock-runtime.us-east-1.amazonaws.com\nx-amz-date:20240101T000000Z\n\n\
        accept;content-type;host;x-amz-date\n\
        616eb59224eb795b641b4c541ad9ee8b939a1e8798f73b54fce66bb79ddbb992";
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    assert_eq!(
        by_hand(
            canonical,
            "20240101T000000Z",
            "us-east-1",
            "bedrock",
            secret
        ),
        cases[0].2
    );
}

#[test]
fn a_server_recomputes_the_signature_from_what_it_received() {
    let time = parse_amz_date("20240101T000000Z").unwrap();
    let credentials = example_credentials(Some("tok"));
    let mut request = bedrock_request("/model/eu.anthropic.claude-x-v1%3A0/converse");
    let signature = sign_request(&mut request, &credentials, "eu-west-1", "bedrock", time).unwrap();
    let signed = [
        "accept",
        "content-type",
        "host",
        "x-amz-date",
        "x-amz-security-token",
    ];
    let again = expected_signature(
        &request,
        &signed,
        &credentials,
        "eu-west-1",
        "bedrock",
        time,
    )
    .unwrap();
    assert_eq!(again, signature);
    *request.uri_mut() = "/model/eu.anthropic.claude-x-v1:0/converse"
        .parse()
        .unwrap();
    let tampered = expected_signature(
        &request,
        &signed,
        &credentials,
        "eu-west-1",
        "bedrock",
        time,
    )
    .unwrap();
    assert_ne!(tampered, signature);
}

#[test]
fn amz_dates_parse() {
    assert_eq!(
        parse_amz_date("20150830T123600Z").unwrap(),
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160)
    );
    assert_eq!(parse_amz_date("2015-08-30"), None);
    assert_eq!(parse_amz_date("20150830X123600Z"), None);
}
