//! A scriptable mock upstream: a real hyper server (HTTP/1.1 and h2c) on 127.0.0.1:0.
//!
//! A test gives it a function from the request it saw to a [`Reply`]: a JSON body with any
//! status and headers, an SSE stream (optionally paced, or held at a gate after its first
//! frame), or silence. The upstream records every request and notices when the gateway
//! drops a stream before its end (the client went away, or a timeout fired).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

/// One request as the upstream saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path and query.
    pub path: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// Request body.
    pub body: Bytes,
    /// HTTP version it arrived with.
    pub version: http::Version,
}

impl Seen {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What the upstream answers.
pub enum Reply {
    /// A whole body.
    Body {
        /// HTTP status.
        status: u16,
        /// Extra headers.
        headers: Vec<(&'static str, String)>,
        /// `content-type`.
        content_type: &'static str,
        /// The body (bytes as they are: a test may send some that are not UTF-8).
        body: Bytes,
    },
    /// An SSE body sent frame by frame.
    Sse {
        /// The raw frames (each with its blank line), sent as separate writes.
        frames: Vec<String>,
        /// Pause between frames.
        delay: Duration,
        /// When set, everything after the first frame waits for this to be notified.
        gate: Option<Arc<Notify>>,
        /// When set, the stream never ends after its frames (a stuck upstream).
        hold_open: bool,
    },
    /// A streaming body of another framing (Ollama's NDJSON, for example), sent piece by
    /// piece with the given `content-type`.
    Chunks {
        /// `content-type`.
        content_type: &'static str,
        /// The pieces, sent as separate writes.
        chunks: Vec<String>,
        /// Pause between pieces.
        delay: Duration,
    },
    /// Accept the request and never answer.
    Silence,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: impl Into<String>) -> Self {
        Self::status_json(200, body)
    }

    /// Any status with a JSON body.
    pub fn status_json(status: u16, body: impl Into<String>) -> Self {
        Self::Body {
            status,
            headers: Vec::new(),
            content_type: "application/json",
            body: Bytes::from(body.into()),
        }
    }

    /// Adds a response header (to a `Body` reply).
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        if let Self::Body { headers, .. } = &mut self {
            headers.push((name, value.into()));
        }
        self
    }

    /// An SSE body of `text`, split into its frames.
    pub fn sse(text: &str) -> Self {
        Self::Sse {
            frames: split_frames(text),
            delay: Duration::ZERO,
            gate: None,
            hold_open: false,
        }
    }

    /// A 200 streaming `chunks` one write each, with `content_type` (e.g.
    /// `application/x-ndjson`).
    pub fn chunks(content_type: &'static str, chunks: Vec<String>) -> Self {
        Self::Chunks {
            content_type,
            chunks,
            delay: Duration::ZERO,
        }
    }

    /// Pauses between frames (or pieces, for [`Reply::chunks`]).
    pub fn delay(mut self, d: Duration) -> Self {
        if let Self::Sse { delay, .. } | Self::Chunks { delay, .. } = &mut self {
            *delay = d;
        }
        self
    }

    /// Holds everything after the first frame until `gate` is notified.
    pub fn gate(mut self, g: Arc<Notify>) -> Self {
        if let Self::Sse { gate, .. } = &mut self {
            *gate = Some(g);
        }
        self
    }

    /// Never ends the stream after the frames.
    pub fn hold_open(mut self) -> Self {
        if let Self::Sse { hold_open, .. } = &mut self {
            *hold_open = true;
        }
        self
    }
}

/// Splits SSE text into frames, each keeping its terminating blank line.
pub fn split_frames(text: &str) -> Vec<String> {
    let mut frames = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("\n\n") {
        frames.push(rest[..at + 2].to_owned());
        rest = &rest[at + 2..];
    }
    if !rest.is_empty() {
        frames.push(rest.to_owned());
    }
    frames
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

#[derive(Default)]
struct Shared {
    seen: Mutex<Vec<Seen>>,
    dropped_streams: AtomicUsize,
    finished_streams: AtomicUsize,
    dropped: Notify,
}

/// A running mock upstream; stops when dropped.
pub struct Upstream {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    _stop: oneshot::Sender<()>,
    tls: Option<TlsFiles>,
}

/// The certificate of a TLS upstream, as a PEM file a gateway can trust.
struct TlsFiles {
    _dir: tempfile::TempDir,
    ca: std::path::PathBuf,
}

impl Upstream {
    /// Starts an upstream answering with `handler`.
    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        Self::start_with(handler, None).await
    }

    /// Starts an HTTPS upstream (certificate for `localhost`, ALPN h2 and http/1.1).
    pub async fn start_tls(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("upstream-ca.pem");
        std::fs::write(&ca, cert.cert.pem()).unwrap();
        let key =
            rustls::pki_types::PrivateKeyDer::try_from(cert.key_pair.serialize_der()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let mut upstream = Self::start_with(handler, Some(acceptor)).await;
        upstream.tls = Some(TlsFiles { _dir: dir, ca });
        upstream
    }

    /// The PEM file to trust for a TLS upstream.
    pub fn ca_file(&self) -> &std::path::Path {
        &self.tls.as_ref().expect("not a TLS upstream").ca
    }

    async fn start_with(
        handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let handler: Arc<Handler> = Arc::new(handler);
        let (stop, mut stopped) = oneshot::channel::<()>();
        let accept_shared = shared.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = tokio::select! {
                    r = listener.accept() => match r { Ok(p) => p, Err(_) => continue },
                    _ = &mut stopped => return,
                };
                let shared = accept_shared.clone();
                let handler = handler.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let shared = shared.clone();
                        let handler = handler.clone();
                        async move { Ok::<_, Infallible>(answer(req, &shared, &*handler).await) }
                    });
                    let builder = auto::Builder::new(TokioExecutor::new());
                    let _ = match tls {
                        None => {
                            builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await
                        }
                        Some(acceptor) => match acceptor.accept(stream).await {
                            Ok(tls) => builder.serve_connection(TokioIo::new(tls), service).await,
                            Err(_) => return,
                        },
                    };
                });
            }
        });
        Self {
            addr,
            shared,
            _stop: stop,
            tls: None,
        }
    }

    /// An upstream that answers every request with `body` as JSON.
    pub async fn json(body: &'static str) -> Self {
        Self::start(move |_| Reply::json(body)).await
    }

    /// `http://ADDR/v1` (or `https://localhost:PORT/v1`), the base URL to configure.
    pub fn base_url(&self) -> String {
        match self.tls {
            None => format!("http://{}/v1", self.addr),
            Some(_) => format!("https://localhost:{}/v1", self.addr.port()),
        }
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The only request seen; panics unless exactly one arrived.
    pub fn only_request(&self) -> Seen {
        let seen = self.seen();
        assert_eq!(
            seen.len(),
            1,
            "expected one upstream request, saw {}",
            seen.len()
        );
        seen.into_iter().next().unwrap()
    }

    /// Streams that were dropped before their end (the gateway hung up).
    pub fn dropped_streams(&self) -> usize {
        self.shared.dropped_streams.load(Ordering::SeqCst)
    }

    /// Streams sent to their end.
    pub fn finished_streams(&self) -> usize {
        self.shared.finished_streams.load(Ordering::SeqCst)
    }

    /// Waits (up to `limit`) until a stream has been dropped; true if one was.
    pub async fn wait_for_drop(&self, limit: Duration) -> bool {
        let wait = async {
            while self.dropped_streams() == 0 {
                self.shared.dropped.notified().await;
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok() || self.dropped_streams() > 0
    }
}

async fn answer(
    req: Request<Incoming>,
    shared: &Arc<Shared>,
    handler: &Handler,
) -> Response<BoxBody<Bytes, Infallible>> {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let headers = req.headers().clone();
    let version = req.version();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let seen = Seen {
        path,
        headers,
        body,
        version,
    };
    let reply = handler(&seen);
    shared.seen.lock().unwrap().push(seen);
    match reply {
        Reply::Body {
            status,
            headers,
            content_type,
            body,
        } => {
            let mut response = Response::new(Full::new(body).boxed());
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            response
                .headers_mut()
                .insert("content-type", content_type.parse().unwrap());
            for (name, value) in headers {
                response.headers_mut().append(name, value.parse().unwrap());
            }
            response
        }
        Reply::Sse {
            frames,
            delay,
            gate,
            hold_open,
        } => {
            let guard = StreamGuard {
                shared: shared.clone(),
                finished: false,
            };
            let state = (frames.into_iter(), 0usize, guard);
            let stream = futures_util::stream::unfold(state, move |(mut frames, i, guard)| {
                let gate = gate.clone();
                async move {
                    if i == 1
                        && let Some(g) = &gate
                    {
                        g.notified().await;
                    }
                    if i > 0 && !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    match frames.next() {
                        Some(frame) => Some((
                            Ok::<_, Infallible>(Frame::data(Bytes::from(frame))),
                            (frames, i + 1, guard),
                        )),
                        None if hold_open => {
                            std::future::pending::<()>().await;
                            None
                        }
                        None => {
                            guard.finish();
                            None
                        }
                    }
                }
            });
            let mut response = Response::new(BodyExt::boxed(StreamBody::new(stream)));
            response.headers_mut().insert(
                "content-type",
                "text/event-stream; charset=utf-8".parse().unwrap(),
            );
            response
        }
        Reply::Chunks {
            content_type,
            chunks,
            delay,
        } => {
            let guard = StreamGuard {
                shared: shared.clone(),
                finished: false,
            };
            let state = (chunks.into_iter(), 0usize, guard);
            let stream =
                futures_util::stream::unfold(state, move |(mut chunks, i, guard)| async move {
                    if i > 0 && !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    match chunks.next() {
                        Some(chunk) => Some((
                            Ok::<_, Infallible>(Frame::data(Bytes::from(chunk))),
                            (chunks, i + 1, guard),
                        )),
                        None => {
                            guard.finish();
                            None
                        }
                    }
                });
            let mut response = Response::new(BodyExt::boxed(StreamBody::new(stream)));
            response
                .headers_mut()
                .insert("content-type", content_type.parse().unwrap());
            response
        }
        Reply::Silence => {
            std::future::pending::<()>().await;
            unreachable!()
        }
    }
}

/// Counts a stream as finished or dropped when the server lets go of it.
struct StreamGuard {
    shared: Arc<Shared>,
    finished: bool,
}

impl StreamGuard {
    fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        if self.finished {
            self.shared.finished_streams.fetch_add(1, Ordering::SeqCst);
        } else {
            self.shared.dropped_streams.fetch_add(1, Ordering::SeqCst);
            self.shared.dropped.notify_one();
        }
    }
}
