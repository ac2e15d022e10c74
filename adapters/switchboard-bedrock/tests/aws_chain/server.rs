//! A local HTTP/1.1 server on 127.0.0.1 that records every request and answers through a
//! handler, plus the SigV4 check a Bedrock test server makes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use switchboard_bedrock::sign::{AwsCredentials, expected_signature, parse_amz_date};
use tokio::net::TcpListener;

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Seen {
    /// A header's value as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// A running server; it stops with the test's runtime.
pub struct Server {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Serves on 127.0.0.1 with `handler`, which gets the request's index (0 for the first)
    /// and answers a status and a JSON body.
    pub async fn start(
        handler: impl Fn(usize, &Seen) -> (u16, String) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (handler, log) = (handler.clone(), log.clone());
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: http::Request<hyper::body::Incoming>| {
                            let (handler, log) = (handler.clone(), log.clone());
                            async move {
                                let (parts, body) = request.into_parts();
                                let body = body
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                let seen = Seen {
                                    method: parts.method.to_string(),
                                    path: parts
                                        .uri
                                        .path_and_query()
                                        .map(|p| p.as_str().to_owned())
                                        .unwrap_or_default(),
                                    headers: parts.headers,
                                    body,
                                };
                                let index = {
                                    let mut log = log.lock().unwrap();
                                    log.push(seen.clone());
                                    log.len() - 1
                                };
                                let (status, body) = handler(index, &seen);
                                let response = http::Response::builder()
                                    .status(status)
                                    .header("content-type", "application/json")
                                    .body(Full::new(Bytes::from(body)))
                                    .unwrap();
                                Ok::<_, Infallible>(response)
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        Self { addr, seen }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A Bedrock Runtime that answers every Converse request with a short text.
pub async fn bedrock() -> Server {
    Server::start(|_, _| {
        (
            200,
            serde_json::json!({
                "output": {"message": {"role": "assistant", "content": [{"text": "hello"}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4}
            })
            .to_string(),
        )
    })
    .await
}

/// The access key id and region of a SigV4 `authorization` header, after checking that its
/// signature is the one `secret` (and the request's session token) gives; panics if not.
pub fn signed_with(seen: &Seen, secret: &str) -> (String, String) {
    let auth = seen.header("authorization");
    let rest = auth
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .unwrap_or_else(|| panic!("not a SigV4 authorization: {auth:?}"));
    let field = |name: &str| {
        rest.split(", ")
            .find_map(|p| p.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {auth:?}"))
    };
    // AKID/DATE/REGION/bedrock/aws4_request
    let scope: Vec<&str> = field("Credential=").split('/').collect();
    let (akid, region) = (scope[0].to_owned(), scope[2].to_owned());
    assert_eq!(scope[3..], ["bedrock", "aws4_request"]);
    let signed: Vec<&str> = field("SignedHeaders=").split(';').collect();
    let time = parse_amz_date(seen.header("x-amz-date")).unwrap();
    let token = seen.header("x-amz-security-token");
    let credentials = AwsCredentials {
        access_key_id: akid.clone(),
        secret_access_key: secret.to_owned(),
        session_token: (!token.is_empty()).then(|| token.to_owned()),
    };
    let mut received = http::Request::builder()
        .method(seen.method.as_str())
        .uri(seen.path.as_str())
        .body(seen.body.clone())
        .unwrap();
    *received.headers_mut() = seen.headers.clone();
    let expected =
        expected_signature(&received, &signed, &credentials, &region, "bedrock", time).unwrap();
    assert_eq!(
        field("Signature="),
        expected,
        "the signature is made with the secret of {akid}"
    );
    (akid, region)
}
