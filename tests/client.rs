//! A small HTTP client for the tests: whole answers, or a response whose body is read frame
//! by frame.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A whole answer.
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An HTTP/1.1 client to one base URL.
pub struct Client {
    base: String,
    inner: HyperClient<HttpConnector, Full<Bytes>>,
    headers: Vec<(String, String)>,
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:1234`).
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            base: base.into(),
            inner: HyperClient::builder(TokioExecutor::new()).build_http(),
            headers: Vec::new(),
        }
    }

    /// Sends `name: value` with every request.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends a request and returns the response with its body still streaming.
    pub async fn open(
        &self,
        method: Method,
        path: &str,
        body: impl Into<Bytes>,
    ) -> Response<Incoming> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path))
            .header("content-type", "application/json");
        for (n, v) in &self.headers {
            req = req.header(n.as_str(), v.as_str());
        }
        let req = req.body(Full::new(body.into())).unwrap();
        tokio::time::timeout(Duration::from_secs(20), self.inner.request(req))
            .await
            .expect("the gateway did not answer within 20 s")
            .unwrap()
    }

    /// Sends a request and reads the whole answer.
    pub async fn send(&self, method: Method, path: &str, body: impl Into<Bytes>) -> Reply {
        let response = self.open(method, path, body).await;
        let (parts, body) = response.into_parts();
        let body = tokio::time::timeout(Duration::from_secs(20), body.collect())
            .await
            .expect("the body did not end within 20 s")
            .unwrap()
            .to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: impl Into<Bytes>) -> Reply {
        self.send(Method::POST, path, body).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, Bytes::new()).await
    }

    /// `POST /v1/chat/completions`.
    pub async fn chat(&self, body: &serde_json::Value) -> Reply {
        self.post("/v1/chat/completions", body.to_string()).await
    }
}

/// Reads the next data frame of a streaming body, waiting at most `limit`.
pub async fn next_data(body: &mut Incoming, limit: Duration) -> Option<Bytes> {
    loop {
        let frame = tokio::time::timeout(limit, body.frame())
            .await
            .expect("no frame within the limit")?
            .unwrap();
        if let Ok(data) = frame.into_data() {
            return Some(data);
        }
    }
}
