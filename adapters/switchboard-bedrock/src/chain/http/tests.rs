//! The bridge from aws-smithy's HTTP types to the transport and back, with a transport
//! that records what it is asked and answers as told.

use std::sync::Mutex;

use async_trait::async_trait;
use switchboard_core::{GatewayError, UpstreamResponse};

use super::*;

/// What the fake transport does with a request.
enum Reply {
    /// Answers this status, headers and body.
    Answer(u16, Vec<(&'static str, &'static str)>, &'static str),
    /// Fails with this error.
    Fail(GatewayError),
    /// Never answers.
    Hang,
}

struct Fake {
    reply: Reply,
    seen: Mutex<Vec<http::Request<Bytes>>>,
}

impl Fake {
    fn new(reply: Reply) -> Arc<Self> {
        Arc::new(Self {
            reply,
            seen: Mutex::new(Vec::new()),
        })
    }
}

#[async_trait]
impl HttpTransport for Fake {
    async fn send(&self, request: http::Request<Bytes>) -> Result<UpstreamResponse, GatewayError> {
        self.seen.lock().unwrap().push(request);
        match &self.reply {
            Reply::Answer(status, headers, body) => {
                let mut map = http::HeaderMap::new();
                for (name, value) in headers {
                    map.append(*name, http::HeaderValue::from_static(value));
                }
                let chunks = vec![Ok(Bytes::from_static(body.as_bytes()))];
                Ok(UpstreamResponse {
                    status: http::StatusCode::from_u16(*status).unwrap(),
                    headers: map,
                    body: Box::pin(futures_util::stream::iter(chunks)),
                })
            }
            Reply::Fail(e) => Err(e.clone()),
            Reply::Hang => std::future::pending().await,
        }
    }
}

fn connector(fake: &Arc<Fake>, timeout: Duration) -> TransportConnector {
    TransportConnector {
        transport: fake.clone(),
        timeout,
    }
}

fn request() -> HttpRequest {
    let mut request = HttpRequest::new(SdkBody::from("Action=AssumeRoleWithWebIdentity"));
    request.set_method("POST").unwrap();
    request
        .set_uri("http://127.0.0.1:9/v1/credentials?x=1")
        .unwrap();
    request
        .headers_mut()
        .insert("content-type", "application/x-www-form-urlencoded");
    request
        .headers_mut()
        .insert("authorization", "container-token");
    request
}

#[tokio::test]
async fn a_call_goes_through_the_transport_whole_and_comes_back_whole() {
    let fake = Fake::new(Reply::Answer(
        200,
        vec![
            ("content-type", "application/json"),
            ("x-amzn-requestid", "r1"),
        ],
        r#"{"AccessKeyId":"AKID"}"#,
    ));
    let response = connector(&fake, Duration::from_secs(5))
        .call(request())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("x-amzn-requestid"), Some("r1"));
    assert_eq!(
        response.body().bytes(),
        Some(&br#"{"AccessKeyId":"AKID"}"#[..])
    );

    let seen = fake.seen.lock().unwrap();
    let sent = &seen[0];
    assert_eq!(sent.method(), "POST");
    assert_eq!(
        sent.uri().to_string(),
        "http://127.0.0.1:9/v1/credentials?x=1"
    );
    assert_eq!(sent.headers()["authorization"], "container-token");
    assert_eq!(
        sent.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(&sent.body()[..], b"Action=AssumeRoleWithWebIdentity");
}

#[tokio::test]
async fn error_statuses_are_answers_not_failures() {
    let fake = Fake::new(Reply::Answer(404, vec![], "not found"));
    let response = connector(&fake, Duration::from_secs(5))
        .call(request())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn transport_failures_become_connector_errors_aws_config_can_classify() {
    let timeout = Fake::new(Reply::Fail(GatewayError::gateway_timeout(
        "connect",
        Duration::from_secs(1),
    )));
    let error = connector(&timeout, Duration::from_secs(5))
        .call(request())
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");

    let refused = Fake::new(Reply::Fail(GatewayError::bad_gateway("connection refused")));
    let error = connector(&refused, Duration::from_secs(5))
        .call(request())
        .await
        .unwrap_err();
    assert!(error.is_io(), "{error:?}");
}

#[tokio::test]
async fn a_call_that_never_answers_times_out() {
    let fake = Fake::new(Reply::Hang);
    let started = std::time::Instant::now();
    let error = connector(&fake, Duration::from_millis(100))
        .call(request())
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_timeout_is_connect_plus_read() {
    let settings = |connect: Option<u64>, read: Option<u64>| {
        let mut builder = HttpConnectorSettings::builder();
        builder.set_connect_timeout(connect.map(Duration::from_secs));
        builder.set_read_timeout(read.map(Duration::from_secs));
        call_timeout(&builder.build())
    };
    assert_eq!(settings(Some(2), Some(5)), Duration::from_secs(7));
    assert_eq!(settings(Some(1), None), Duration::from_secs(1));
    assert_eq!(settings(None, Some(3)), Duration::from_secs(3));
    assert_eq!(settings(None, None), DEFAULT_CALL_TIMEOUT);
}

#[test]
fn a_body_not_in_memory_is_refused_rather_than_sent_empty() {
    let mut request = request();
    *request.body_mut() = SdkBody::taken();
    assert!(to_http(request).unwrap_err().is_user());
}
