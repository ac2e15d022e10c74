//! The address guard against real sockets: a client with an `AddressPolicy` refuses a
//! loopback upstream (by name and by IP literal) before connecting, and reaches it once
//! private addresses are allowed or the policy is off.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use switchboard_core::HttpTransport;
use switchboard_http::{AddressPolicy, ClientConfig, HostAllowlist, UpstreamClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A tiny HTTP/1.1 server on 127.0.0.1 that answers every request with `200 ok` and counts
/// the connections it accepts. Stops when dropped.
struct Upstream {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Upstream {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let answer =
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                    let _ = socket.write_all(answer).await;
                });
            }
        });
        Self {
            addr,
            accepted,
            task,
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn client(address_policy: Option<AddressPolicy>) -> UpstreamClient {
    UpstreamClient::new(&ClientConfig {
        connect_timeout: Duration::from_secs(2),
        address_policy,
        ..ClientConfig::default()
    })
    .unwrap()
}

const STRICT: Option<AddressPolicy> = Some(AddressPolicy {
    allow_private: false,
});
const LENIENT: Option<AddressPolicy> = Some(AddressPolicy {
    allow_private: true,
});

fn get(url: &str) -> http::Request<Bytes> {
    http::Request::get(url).body(Bytes::new()).unwrap()
}

/// Sends a GET and returns the status and the whole body.
async fn fetch(client: &UpstreamClient, url: &str) -> (StatusCode, String) {
    let mut response = client.send(get(url)).await.unwrap();
    let mut body = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut response.body).await {
        body.extend_from_slice(&chunk.unwrap());
    }
    (response.status, String::from_utf8(body).unwrap())
}

/// The URLs that reach the test server on 127.0.0.1: a host name that resolves to it, the
/// IP literal, and a numeric host name the system resolver turns into 127.0.0.1.
fn loopback_urls(upstream: &Upstream) -> [String; 3] {
    let port = upstream.addr.port();
    [
        format!("http://localhost:{port}/v1/models?key=sk-secret"),
        format!("http://127.0.0.1:{port}/v1/models?key=sk-secret"),
        format!("http://2130706433:{port}/v1/models?key=sk-secret"),
    ]
}

#[tokio::test]
async fn a_loopback_upstream_is_refused_before_connecting() {
    let upstream = Upstream::start().await;
    let guarded = client(STRICT);

    for url in loopback_urls(&upstream) {
        let err = guarded.send(get(&url)).await.unwrap_err();

        assert_eq!(err.status(), StatusCode::BAD_GATEWAY, "{url}");
        assert_eq!(err.code(), Some("upstream_address_refused"), "{url}");
        assert_eq!(
            err.class(),
            switchboard_core::ErrorClass::PerKey,
            "not retried"
        );
        let message = err.message();
        let origin = url.split("/v1").next().unwrap();
        assert!(
            message.starts_with(&format!("could not connect to the upstream {origin}: ")),
            "{message}"
        );
        assert!(
            message.contains("it resolves to a loopback address"),
            "{message}"
        );
        // The client is not told what a name resolved to (the log is).
        if url.contains("localhost") {
            assert!(!message.contains("127.0.0.1"), "{message}");
        }
        assert!(
            !message.contains("sk-secret") && !message.contains("/v1"),
            "{message}"
        );
    }
    assert_eq!(upstream.accepted(), 0, "the server saw a connection");

    // The counter does count: an unguarded client gets through.
    let (status, _) = fetch(&client(None), &loopback_urls(&upstream)[1]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(upstream.accepted(), 1);
}

#[tokio::test]
async fn allow_private_lets_a_loopback_upstream_through() {
    let upstream = Upstream::start().await;
    let lenient = client(LENIENT);

    for url in loopback_urls(&upstream) {
        assert_eq!(
            fetch(&lenient, &url).await,
            (StatusCode::OK, "ok".to_owned()),
            "{url}"
        );
    }
    assert!(upstream.accepted() >= 1);
}

#[tokio::test]
async fn without_a_policy_nothing_is_checked() {
    let upstream = Upstream::start().await;
    let open = client(None);

    for url in loopback_urls(&upstream) {
        assert_eq!(
            fetch(&open, &url).await,
            (StatusCode::OK, "ok".to_owned()),
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_metadata_address_is_refused_even_with_allow_private() {
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/",
    ] {
        let err = client(LENIENT).send(get(url)).await.unwrap_err();

        assert_eq!(err.code(), Some("upstream_address_refused"), "{url}");
        assert!(
            err.message().contains("a cloud metadata address"),
            "{}",
            err.message()
        );
    }
}

#[tokio::test]
async fn a_host_off_the_allowlist_is_refused_before_anything_is_sent() {
    let upstream = Upstream::start().await;
    let port = upstream.addr.port();
    let config = ClientConfig {
        address_policy: LENIENT,
        allowed_hosts: Some(HostAllowlist::new(&["localhost".to_owned()]).unwrap()),
        ..ClientConfig::default()
    };
    let listed = UpstreamClient::new(&config).unwrap();
    let err = listed
        .send(get(&format!("http://127.0.0.1:{port}/v1/models")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(err.code(), Some("upstream_host_not_allowed"));
    assert_eq!(
        err.class(),
        switchboard_core::ErrorClass::PerKey,
        "not retried"
    );
    assert_eq!(upstream.accepted(), 0, "the server saw a connection");
    let (status, _) = fetch(&listed, &format!("http://localhost:{port}/v1/models")).await;
    assert_eq!(status, StatusCode::OK);
}
