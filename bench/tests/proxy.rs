//! `bench-proxy` between a client and `bench-upstream`: what comes through it equals what
//! the upstream answers directly, streams arrive chunk by chunk, an upstream that is not
//! there is a 502, and SIGTERM stops it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failed test"
)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

const UPSTREAM: &str = env!("CARGO_BIN_EXE_bench-upstream");
const PROXY: &str = env!("CARGO_BIN_EXE_bench-proxy");

/// How long a program may take to print its address.
const STARTUP: Duration = Duration::from_secs(20);

/// A program that prints `... listening on http://ADDR`, killed when dropped (so also
/// when a test fails).
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(program: &str, args: &[&str]) -> Self {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = send.send(line);
        });
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let line = lines.recv_timeout(STARTUP).unwrap_or_default();
        let addr = line
            .trim()
            .split("listening on http://")
            .nth(1)
            .and_then(|a| a.parse().ok());
        server.addr = addr.unwrap_or_else(|| panic!("{program} printed {line:?}"));
        server
    }

    fn upstream() -> Self {
        Self::start(UPSTREAM, &["--port", "0"])
    }

    fn proxy(upstream: &str) -> Self {
        Self::start(PROXY, &["--port", "0", "--upstream", upstream])
    }

    fn url(&self) -> String {
        format!("http://{}/v1/chat/completions", self.addr)
    }

    /// Waits up to `limit` for the process to exit.
    fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status, content type, and the body's chunks with when each arrived.
struct Answer {
    status: StatusCode,
    content_type: String,
    chunks: Vec<(Instant, Bytes)>,
}

impl Answer {
    fn body(&self) -> String {
        let bytes: Vec<u8> = self.chunks.iter().flat_map(|(_, b)| b.to_vec()).collect();
        String::from_utf8(bytes).unwrap()
    }
}

async fn post(url: &str, body: &str, header: Option<(&str, &str)>) -> Answer {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let mut request = Request::post(url).header("content-type", "application/json");
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), client.request(request))
        .await
        .unwrap()
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let mut body = response.into_body();
    let mut chunks = Vec::new();
    while let Some(frame) = tokio::time::timeout(Duration::from_secs(10), body.frame())
        .await
        .unwrap()
    {
        if let Ok(data) = frame.unwrap().into_data() {
            chunks.push((Instant::now(), data));
        }
    }
    Answer {
        status,
        content_type,
        chunks,
    }
}

const CHAT: &str =
    r#"{"model":"bench","messages":[{"role":"user","content":"Why is the sky blue?"}]}"#;

#[tokio::test]
async fn a_chat_answer_comes_through_as_the_upstream_gives_it() {
    let upstream = Server::upstream();
    let proxy = Server::proxy(&format!("http://{}", upstream.addr));
    let direct = post(&upstream.url(), CHAT, None).await;
    let proxied = post(&proxy.url(), CHAT, None).await;
    assert_eq!(direct.status, StatusCode::OK);
    assert_eq!(proxied.status, StatusCode::OK);
    assert_eq!(proxied.content_type, "application/json");
    assert!(
        direct.body().contains("\"chat.completion\""),
        "{}",
        direct.body()
    );
    assert_eq!(proxied.body(), direct.body());

    // Headers other than content-type, accept and authorization stay with the proxy: the
    // upstream reads `x-bench-chunks` when it gets it.
    let header = Some(("x-bench-chunks", "2"));
    let short = post(&upstream.url(), CHAT, header).await;
    assert_ne!(short.body(), direct.body());
    let proxied = post(&proxy.url(), CHAT, header).await;
    assert_eq!(proxied.body(), direct.body());
}

#[tokio::test]
async fn a_stream_comes_through_chunk_by_chunk() {
    let upstream = Server::upstream();
    let proxy = Server::proxy(&format!("http://{}/", upstream.addr));
    // Six content chunks 50 ms apart: about 300 ms from the first frame to the last.
    let stream = r#"{"model":"bench/chunks=6/delay_ms=50","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}"#;
    let direct = post(&upstream.url(), stream, None).await;
    let proxied = post(&proxy.url(), stream, None).await;
    assert_eq!(proxied.status, StatusCode::OK);
    assert!(
        proxied.content_type.starts_with("text/event-stream"),
        "{}",
        proxied.content_type
    );
    assert_eq!(proxied.body(), direct.body());
    assert!(
        proxied.body().ends_with("data: [DONE]\n\n"),
        "{}",
        proxied.body()
    );
    assert!(proxied.body().contains("\"usage\":{"), "{}", proxied.body());
    // Collected and sent whole, the body would arrive in one go at the end.
    let first = proxied.chunks.first().unwrap().0;
    let last = proxied.chunks.last().unwrap().0;
    assert!(proxied.chunks.len() >= 4, "{} chunks", proxied.chunks.len());
    assert!(
        last - first >= Duration::from_millis(150),
        "the first chunk came {:?} before the last",
        last - first
    );
}

#[tokio::test]
async fn an_upstream_that_is_not_there_is_a_502() {
    // A port that was free a moment ago: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let proxy = Server::proxy(&format!("http://127.0.0.1:{port}"));
    let answer = post(&proxy.url(), CHAT, None).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(answer.content_type, "application/json");
    let json: serde_json::Value = serde_json::from_str(&answer.body()).unwrap();
    assert!(json["error"]["message"].is_string(), "{json}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it() {
    let mut proxy = Server::proxy("http://127.0.0.1:9");
    let sent = Command::new("kill")
        .args(["-TERM", &proxy.child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = proxy.wait_exit(Duration::from_secs(10));
    // Its own handler ran: exit code 0, not death by the signal.
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{status:?}");
}
