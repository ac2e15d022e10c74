//! Connection failures: refused, connect timeout, relative URLs. Messages name the origin
//! only, never the path or query (a query may hold a key).

use std::time::Duration;

use http::StatusCode;
use switchboard_core::HttpTransport;
use switchboard_http::{ClientConfig, UpstreamClient};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::next;
use crate::{client, get};

#[tokio::test]
async fn a_refused_connection_is_a_502_naming_only_the_origin() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);

    let url = format!("http://127.0.0.1:{port}/v1/chat/completions?key=sk-secret");
    let err = client().send(get(&url)).await.unwrap_err();

    assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    let message = err.message();
    assert!(
        message.contains(&format!("http://127.0.0.1:{port}")),
        "{message}"
    );
    assert!(message.to_lowercase().contains("refused"), "{message}");
    assert!(!message.contains("/v1/chat"), "{message}");
    assert!(!message.contains("sk-secret"), "{message}");
}

#[tokio::test]
async fn an_unresolvable_host_is_a_502() {
    // `.invalid` never resolves (RFC 6761).
    let err = client()
        .send(get("http://upstream.invalid/v1/models?key=sk-secret"))
        .await
        .unwrap_err();

    assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    assert!(
        err.message().contains("http://upstream.invalid:80"),
        "{}",
        err.message()
    );
    assert!(!err.message().contains("sk-secret"), "{}", err.message());
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_connect_that_hangs_is_a_504_after_the_connect_timeout() {
    // A listener whose accept queue is full drops further SYNs (Linux), so a connect hangs
    // until the client's connect timeout fires.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(100),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(stream)) => fillers.push(stream),
            _ => break,
        }
    }
    let client = UpstreamClient::new(&ClientConfig {
        connect_timeout: Duration::from_millis(200),
        ..ClientConfig::default()
    })
    .unwrap();

    let started = std::time::Instant::now();
    let err = client
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();

    assert_eq!(err.status(), StatusCode::GATEWAY_TIMEOUT, "{err:?}");
    assert!(err.message().contains("connect"), "{}", err.message());
    assert!(started.elapsed() < Duration::from_secs(5));
    drop((fillers, listener));
}

#[tokio::test]
async fn a_tls_handshake_that_stalls_is_a_504_after_the_connect_timeout() {
    // The TCP connect succeeds at once; the server then never answers the ClientHello.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let client = UpstreamClient::new(&ClientConfig {
        connect_timeout: Duration::from_millis(200),
        ..ClientConfig::default()
    })
    .unwrap();

    let started = std::time::Instant::now();
    let err = client
        .send(get(&format!("https://{addr}/v1/models")))
        .await
        .unwrap_err();

    assert_eq!(err.status(), StatusCode::GATEWAY_TIMEOUT, "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    holder.abort();
}

#[tokio::test]
async fn a_relative_url_is_an_internal_error() {
    let err = client().send(get("/v1/models")).await.unwrap_err();
    assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn a_body_cut_short_is_a_502_after_the_data_that_arrived() {
    // A raw upstream that promises 100 bytes, sends 5 and hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 1024];
        let _ = tcp.read(&mut request).await.unwrap();
        tcp.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhello")
            .await
            .unwrap();
    });

    let mut response = client()
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap();

    assert_eq!(
        &next(&mut response.body).await.unwrap().unwrap()[..],
        b"hello"
    );
    let err = next(&mut response.body).await.unwrap().unwrap_err();
    assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    assert!(
        err.message()
            .starts_with("the upstream connection broke mid-response: "),
        "{}",
        err.message()
    );
    assert!(
        next(&mut response.body).await.is_none(),
        "a failed body ends"
    );
}
