//! The HTTP client: one keep-alive pool, one request body, one URL.

use bytes::Bytes;
use http::{Request, Response, Uri, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Where to send, what, and the pooled client to send it with. Cheap to clone.
#[derive(Clone)]
pub struct Target {
    /// The pooled HTTP/1.1 client (one connection per request in flight, kept alive).
    client: Client<HttpConnector, Full<Bytes>>,
    /// The URL.
    uri: Uri,
    /// The JSON body.
    body: Bytes,
}

/// Why a request failed.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

impl Target {
    /// A target sending `body` to `url`, which must be `http://127.0.0.1...` or
    /// `http://localhost...`: the benchmarks never leave loopback.
    pub fn new(url: &str, body: Bytes) -> Result<Self, Error> {
        let uri: Uri = url.parse()?;
        let host = uri.host().unwrap_or_default();
        if uri.scheme_str() != Some("http") || !(host == "127.0.0.1" || host == "localhost") {
            return Err(format!("`{url}` is not an http:// URL on 127.0.0.1").into());
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(usize::MAX)
            .build(connector);
        Ok(Self { client, uri, body })
    }

    /// Sends the request; resolves when the response headers are in.
    pub async fn send(&self) -> Result<Response<Incoming>, Error> {
        let request = Request::post(self.uri.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(self.body.clone()))?;
        Ok(self.client.request(request).await?)
    }
}
