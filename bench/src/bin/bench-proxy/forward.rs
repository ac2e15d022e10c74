//! One request in, the same request to the upstream, its answer back.
//!
//! What goes upstream: the method, the path and query (after the upstream URL's own path,
//! if it has one), the `content-type`, `accept` and `authorization` headers, and the body,
//! **streamed**: the request's body is handed to the client as it arrives, never collected
//! (the client sends a `content-length` when the request had one). What comes back: the
//! upstream's status and headers without the hop-by-hop ones, and its body streamed through
//! untouched, each chunk passed on as it arrives. When the upstream cannot be reached or
//! breaks off before its headers, the answer is a 502 with a short JSON body.

use std::convert::Infallible;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme, Uri};
use http::{Request, Response, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

/// The request headers that go upstream; every other one stays here.
static FORWARDED: [HeaderName; 3] = [header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION];

/// The response headers that concern one connection only, dropped from the upstream's answer
/// (hyper frames the body again for the client's connection).
static HOP_BY_HOP: [HeaderName; 7] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::TRANSFER_ENCODING,
    header::TE,
    header::TRAILER,
    header::UPGRADE,
    HeaderName::from_static("proxy-connection"),
];

/// How long an idle pooled connection to the upstream is kept (the gateway's default).
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Idle pooled connections kept to the upstream at most (the gateway's default).
const POOL_MAX_IDLE: usize = 512;

/// The body of an answer: the upstream's, streamed through, or a 502's.
pub type ProxyBody = Either<Incoming, Full<Bytes>>;

/// An `--upstream` that is not an `http://HOST[:PORT][/PATH]` URL.
#[derive(Debug)]
pub struct BadUpstream(String);

impl fmt::Display for BadUpstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an upstream URL like http://127.0.0.1:8080",
            self.0
        )
    }
}

impl std::error::Error for BadUpstream {}

/// Where requests go, and the pooled client that takes them there.
pub struct Proxy {
    /// The upstream's scheme (`http`).
    scheme: Scheme,
    /// The upstream's host and port.
    authority: Authority,
    /// The upstream URL's path without its trailing `/`; empty for none.
    prefix: String,
    /// The HTTP/1.1 client, its keep-alive pool shared by every connection.
    client: Client<HttpConnector, Incoming>,
}

impl Proxy {
    /// A proxy to `upstream` (`http://HOST:PORT`, optionally with a path to put before each
    /// request's). Called once, at start.
    pub fn new(upstream: &str) -> Result<Self, BadUpstream> {
        let bad = || BadUpstream(upstream.to_owned());
        let uri: Uri = upstream.parse().map_err(|_| bad())?;
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(bad());
        };
        if *scheme != Scheme::HTTP || uri.query().is_some() {
            return Err(bad());
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(POOL_MAX_IDLE)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        Ok(Self {
            scheme: scheme.clone(),
            authority: authority.clone(),
            prefix: uri.path().trim_end_matches('/').to_owned(),
            client,
        })
    }

    /// Sends `request` upstream and answers with what comes back (see the module's doc);
    /// a 502 when the upstream does not answer.
    pub async fn forward(
        &self,
        request: Request<Incoming>,
    ) -> Result<Response<ProxyBody>, Infallible> {
        let Ok(outgoing) = self.outgoing(request) else {
            return Ok(bad_gateway(
                "the request's path does not make an upstream URL",
            ));
        };
        Ok(match self.client.request(outgoing).await {
            Ok(response) => answer(response).map(Either::Left),
            Err(_) => bad_gateway("the upstream did not answer"),
        })
    }

    /// The request that goes upstream for `request`: its method, path and query, the
    /// [`FORWARDED`] headers and its body as they are.
    fn outgoing<B>(&self, request: Request<B>) -> Result<Request<B>, http::Error> {
        let (parts, body) = request.into_parts();
        let path_and_query = match (parts.uri.path_and_query(), self.prefix.is_empty()) {
            (Some(path), true) => path.clone(),
            (Some(path), false) => PathAndQuery::try_from(format!("{}{path}", self.prefix))?,
            (None, true) => PathAndQuery::from_static("/"),
            (None, false) => PathAndQuery::try_from(self.prefix.as_str())?,
        };
        let uri = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()?;
        let mut outgoing = Request::new(body);
        *outgoing.method_mut() = parts.method;
        *outgoing.uri_mut() = uri;
        copy_forwarded(&parts.headers, outgoing.headers_mut());
        Ok(outgoing)
    }
}

/// Appends every value of the [`FORWARDED`] headers of `from` to `to`.
fn copy_forwarded(from: &HeaderMap, to: &mut HeaderMap) {
    for name in &FORWARDED {
        for value in from.get_all(name) {
            to.append(name.clone(), value.clone());
        }
    }
}

/// `response` without its [`HOP_BY_HOP`] headers.
fn answer<B>(mut response: Response<B>) -> Response<B> {
    let headers = response.headers_mut();
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
    response
}

/// A 502 with an OpenAI-shaped error body saying `message`.
fn bad_gateway(message: &'static str) -> Response<ProxyBody> {
    let body = format!(
        "{{\"error\":{{\"message\":\"bench-proxy: {message}\",\"type\":\"bad_gateway\",\
         \"param\":null,\"code\":null}}}}"
    );
    let mut response = Response::new(Either::Right(Full::new(Bytes::from(body))));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;
    use http_body_util::BodyExt;

    fn proxy(upstream: &str) -> Proxy {
        // The client needs no runtime until it sends.
        Proxy::new(upstream).unwrap()
    }

    fn request(uri: &str) -> Request<&'static str> {
        Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("content-type", "application/json")
            .header("accept", "text/event-stream")
            .header("authorization", "Bearer sk-test")
            .header("x-bench-chunks", "3")
            .header("cookie", "a=b")
            .header("connection", "keep-alive")
            .header("host", "127.0.0.1:9")
            .body("{}")
            .unwrap()
    }

    #[test]
    fn the_upstream_gets_the_method_path_three_headers_and_the_body() {
        let out = proxy("http://127.0.0.1:41700")
            .outgoing(request("/v1/chat/completions?x=1"))
            .unwrap();
        assert_eq!(out.method(), Method::POST);
        assert_eq!(
            out.uri().to_string(),
            "http://127.0.0.1:41700/v1/chat/completions?x=1"
        );
        let names: Vec<&str> = out.headers().keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["content-type", "accept", "authorization"]);
        assert_eq!(out.headers()["authorization"], "Bearer sk-test");
        assert_eq!(*out.body(), "{}");
    }

    #[test]
    fn an_upstream_path_goes_before_the_request_path() {
        let out = proxy("http://127.0.0.1:41700/base/")
            .outgoing(request("/v1/models"))
            .unwrap();
        assert_eq!(
            out.uri().to_string(),
            "http://127.0.0.1:41700/base/v1/models"
        );
    }

    #[test]
    fn only_http_urls_are_upstreams() {
        for bad in [
            "127.0.0.1:1",
            "https://127.0.0.1:1",
            "/v1",
            "http://h/?q=1",
            "",
        ] {
            assert!(Proxy::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hop_by_hop_headers_are_dropped_from_the_answer() {
        let mut response = Response::new(());
        for (name, value) in [
            ("content-type", "text/event-stream"),
            ("cache-control", "no-cache"),
            ("connection", "keep-alive"),
            ("keep-alive", "timeout=5"),
            ("transfer-encoding", "chunked"),
            ("te", "trailers"),
            ("trailer", "x-sum"),
            ("upgrade", "h2c"),
            ("proxy-connection", "close"),
        ] {
            response.headers_mut().insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let kept: Vec<String> = answer(response)
            .headers()
            .keys()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(kept, ["content-type", "cache-control"]);
    }

    #[tokio::test]
    async fn a_bad_gateway_is_json() {
        let response = bad_gateway("the upstream did not answer");
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            json["error"]["message"],
            "bench-proxy: the upstream did not answer"
        );
        assert!(json["error"]["code"].is_null());
    }
}
