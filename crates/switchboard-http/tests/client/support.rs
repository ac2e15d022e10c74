//! Mock upstreams for the client tests: real hyper servers on 127.0.0.1:0, plain or TLS.
//!
//! Each server's accept loop runs on the test's runtime and stops when the test ends.
//! A handler gets the recorded request and returns the response; `Recorded` lets the test
//! check what arrived and how many TCP connections were accepted.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, Version};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use switchboard_core::{ByteStream, GatewayError};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

/// A response body the mock sends.
pub type MockBody = BoxBody<Bytes, Infallible>;

/// One request as the mock upstream saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path_and_query: String,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// What a mock upstream has seen so far.
#[derive(Debug, Default)]
pub struct Recorded {
    pub requests: Mutex<Vec<Seen>>,
    pub connections: AtomicUsize,
}

impl Recorded {
    pub fn requests(&self) -> Vec<Seen> {
        self.requests.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// A running mock upstream.
pub struct Mock {
    pub addr: SocketAddr,
    pub recorded: Arc<Recorded>,
}

/// A whole response body.
pub fn full(body: &'static str) -> MockBody {
    Full::new(Bytes::from_static(body.as_bytes()))
        .map_err(|never| match never {})
        .boxed()
}

/// A response body fed by the returned sender, chunk by chunk; it ends when the sender is
/// dropped, and the sender's `closed()` resolves when the server dropped the body (the
/// client went away).
pub fn channel_body() -> (mpsc::Sender<Bytes>, MockBody) {
    let (tx, rx) = mpsc::channel::<Bytes>(1);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let chunk = rx.recv().await?;
        Some((Ok::<_, Infallible>(Frame::data(chunk)), rx))
    });
    (tx, BodyExt::boxed(StreamBody::new(stream)))
}

/// Starts a mock (TLS when `tls` is given) whose responses stream "tick\n" forever; the
/// receiver resolves once the server notices a client went away (its next send fails).
pub async fn endless(tls: Option<tokio_rustls::TlsAcceptor>) -> (Mock, oneshot::Receiver<()>) {
    let (closed_tx, closed_rx) = oneshot::channel::<()>();
    let closed_tx = Arc::new(Mutex::new(Some(closed_tx)));
    let mock = serve_with(tls, move |_| {
        let closed_tx = closed_tx.clone();
        async move {
            let (tx, body) = channel_body();
            tokio::spawn(async move {
                while tx.send(Bytes::from_static(b"tick\n")).await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                if let Some(closed) = closed_tx.lock().unwrap().take() {
                    let _ = closed.send(());
                }
            });
            Response::new(body)
        }
    })
    .await;
    (mock, closed_rx)
}

/// Starts a plain HTTP/1.1 + h2c mock on 127.0.0.1:0.
pub async fn serve<H, F>(handler: H) -> Mock
where
    H: Fn(Seen) -> F + Send + Sync + 'static,
    F: Future<Output = Response<MockBody>> + Send + 'static,
{
    serve_with(None, handler).await
}

/// Starts a mock on 127.0.0.1:0, speaking TLS (ALPN h2, http/1.1) when `tls` is given.
pub async fn serve_with<H, F>(tls: Option<tokio_rustls::TlsAcceptor>, handler: H) -> Mock
where
    H: Fn(Seen) -> F + Send + Sync + 'static,
    F: Future<Output = Response<MockBody>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let recorded = Arc::new(Recorded::default());
    let handler = Arc::new(handler);
    let rec = recorded.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            rec.connections.fetch_add(1, Ordering::SeqCst);
            let (rec, handler, tls) = (rec.clone(), handler.clone(), tls.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let (rec, handler) = (rec.clone(), handler.clone());
                    async move {
                        let seen = record(req).await;
                        rec.requests.lock().unwrap().push(seen.clone());
                        Ok::<_, Infallible>(handler(seen).await)
                    }
                });
                let builder = auto::Builder::new(TokioExecutor::new());
                let _ = match tls {
                    Some(acceptor) => {
                        let Ok(stream) = acceptor.accept(tcp).await else {
                            return;
                        };
                        builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await
                    }
                    None => builder.serve_connection(TokioIo::new(tcp), service).await,
                };
            });
        }
    });
    Mock { addr, recorded }
}

async fn record(req: Request<Incoming>) -> Seen {
    let (parts, body) = req.into_parts();
    Seen {
        method: parts.method,
        path_and_query: parts
            .uri
            .path_and_query()
            .map(|pq| pq.to_string())
            .unwrap_or_default(),
        version: parts.version,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

/// A test CA and a `localhost` / `127.0.0.1` certificate it signed.
pub struct TestPki {
    /// The CA certificate as a PEM file under the temp dir (removed on drop).
    pub ca_file: PathBuf,
    pub acceptor: tokio_rustls::TlsAcceptor,
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca_file);
    }
}

/// Generates a fresh CA and server certificate and a TLS acceptor offering h2 and http/1.1.
pub fn test_pki(name: &str) -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();

    let ca_file = std::env::temp_dir().join(format!(
        "switchboard-http-{name}-{}-{:?}.pem",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    ));
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    TestPki {
        ca_file,
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    }
}

/// The next chunk of a body, or `None` at its end.
pub async fn next(body: &mut ByteStream) -> Option<Result<Bytes, GatewayError>> {
    futures_util::StreamExt::next(body).await
}

/// The rest of a body, concatenated.
pub async fn read_all(body: &mut ByteStream) -> String {
    let mut out = Vec::new();
    while let Some(chunk) = next(body).await {
        out.extend_from_slice(&chunk.unwrap());
    }
    String::from_utf8(out).unwrap()
}
