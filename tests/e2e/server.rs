//! The listening side: health, request ids, h2c, TLS with h2 by ALPN, graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Version};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use tests::client::next_data;
use tests::{Client, TestGateway};

const CHAT: &str = r#"{"model":"mock","messages":[{"role":"user","content":"Hello"}]}"#;

#[tokio::test]
async fn health_ready_and_request_ids() {
    let gw = TestGateway::mock().await;
    let client = Client::new(gw.url());
    let health = client.get("/health").await;
    assert_eq!(
        (health.status.as_u16(), health.json()["status"].as_str()),
        (200, Some("ok"))
    );
    let ready = client.get("/ready").await;
    assert_eq!(ready.status, 200);
    assert!(
        health.headers["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
    let head = client.send(Method::HEAD, "/health", Bytes::new()).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let mine = Client::new(gw.url()).header("x-request-id", "trace-42");
    assert_eq!(
        mine.get("/health").await.headers["x-request-id"],
        "trace-42"
    );
}

#[tokio::test]
async fn h2c_prior_knowledge_is_served() {
    let gw = TestGateway::mock().await;
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http::<Full<Bytes>>();
    let req = Request::post(format!("{}/v1/chat/completions", gw.url()))
        .body(Full::new(Bytes::from_static(CHAT.as_bytes())))
        .unwrap();
    let response = client.request(req).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "You said: Hello");
}

#[tokio::test]
async fn tls_termination_speaks_h2_by_alpn() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    let gw = TestGateway::start(&format!(
        "[server.tls]\ncert = \"{}\"\nkey = \"{}\"\n[providers.m]\nkind = \"mock\"\n[[models]]\nname = \"*\"\nprovider = \"m\"\n",
        cert_path.display(),
        key_path.display()
    ))
    .await;

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = Request::post("https://localhost/v1/chat/completions")
        .body(Full::new(Bytes::from_static(CHAT.as_bytes())))
        .unwrap();
    let response = sender.send_request(req).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), Version::HTTP_2);
}

#[tokio::test]
async fn shutdown_drains_a_stream_in_flight_and_refuses_new_connections() {
    let mut gw = TestGateway::mock().await;
    let response = Client::new(gw.url())
        .open(
            Method::POST,
            "/v1/chat/completions",
            json!({"model":"mock-tokens8-delay100","stream":true,"messages":[]}).to_string(),
        )
        .await;
    let mut body = response.into_body();
    assert!(next_data(&mut body, Duration::from_secs(5)).await.is_some());

    let server = gw.shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(gw.gateway.is_draining());
    assert!(tokio::net::TcpStream::connect(gw.addr).await.is_err());
    // The server (and in the binary, the process) waits for the stream in flight.
    assert!(
        !server.is_finished(),
        "run() returned while a stream was in flight"
    );

    let mut rest = Vec::new();
    while let Some(data) = next_data(&mut body, Duration::from_secs(5)).await {
        rest.extend_from_slice(&data);
    }
    assert!(
        String::from_utf8(rest)
            .unwrap()
            .ends_with("data: [DONE]\n\n")
    );
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server did not stop after draining")
        .unwrap();
}
