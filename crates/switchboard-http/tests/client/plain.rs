//! Plain HTTP/1.1: bodies both ways, streaming, hop-by-hop headers, pooling, cancellation.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode, Version};
use switchboard_core::HttpTransport;
use tokio::sync::Notify;

use crate::support::{channel_body, endless, full, next, read_all, serve};
use crate::{client, get};

#[tokio::test]
async fn a_post_arrives_with_its_body_and_headers() {
    let mock = serve(|_| async { Response::new(full("pong")) }).await;
    let request = http::Request::post(format!("http://{}/v1/chat?x=1", mock.addr))
        .header("content-type", "application/json")
        .header("authorization", "Bearer sk-test")
        .body(Bytes::from_static(b"{\"ping\":true}"))
        .unwrap();

    let mut response = client().send(request).await.unwrap();

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(read_all(&mut response.body).await, "pong");
    let seen = &mock.recorded.requests()[0];
    assert_eq!(seen.method, http::Method::POST);
    assert_eq!(seen.path_and_query, "/v1/chat?x=1");
    assert_eq!(seen.version, Version::HTTP_11);
    assert_eq!(seen.headers["content-type"], "application/json");
    assert_eq!(seen.headers["authorization"], "Bearer sk-test");
    assert_eq!(seen.headers["host"], mock.addr.to_string());
    assert_eq!(&seen.body[..], b"{\"ping\":true}");
}

#[tokio::test]
async fn the_response_streams_chunk_by_chunk() {
    // The server sends "one", then waits until the client says it has seen it before
    // sending the rest: the first chunk must reach the client before the last is sent.
    let seen_first = Arc::new(Notify::new());
    let gate = seen_first.clone();
    let mock = serve(move |_| {
        let gate = gate.clone();
        async move {
            let (tx, body) = channel_body();
            tokio::spawn(async move {
                tx.send(Bytes::from_static(b"one")).await.unwrap();
                gate.notified().await;
                tx.send(Bytes::from_static(b"two")).await.unwrap();
                tokio::time::sleep(Duration::from_millis(10)).await;
                tx.send(Bytes::from_static(b"three")).await.unwrap();
            });
            Response::new(body)
        }
    })
    .await;

    let mut response = client()
        .send(get(&format!("http://{}/stream", mock.addr)))
        .await
        .unwrap();

    let first = next(&mut response.body).await.unwrap().unwrap();
    assert_eq!(&first[..], b"one");
    seen_first.notify_one();
    assert_eq!(read_all(&mut response.body).await, "twothree");
}

#[tokio::test]
async fn hop_by_hop_headers_are_stripped_both_ways() {
    let mock = serve(|_| async {
        let mut response = Response::new(full("ok"));
        let headers = response.headers_mut();
        headers.insert("connection", "x-secret-hop".parse().unwrap());
        headers.insert("x-secret-hop", "1".parse().unwrap());
        headers.insert("keep-alive", "timeout=5".parse().unwrap());
        headers.insert("x-end-to-end", "kept".parse().unwrap());
        response
    })
    .await;
    let request = http::Request::get(format!("http://{}/", mock.addr))
        .header("connection", "x-foo")
        .header("x-foo", "hop")
        .header("keep-alive", "timeout=5")
        .header("te", "trailers")
        .header("x-bar", "kept")
        .body(Bytes::new())
        .unwrap();

    let response = client().send(request).await.unwrap();

    let seen = &mock.recorded.requests()[0];
    for name in ["x-foo", "keep-alive", "te"] {
        assert!(
            !seen.headers.contains_key(name),
            "{name} reached the server"
        );
    }
    assert_eq!(seen.headers["x-bar"], "kept");
    for name in ["connection", "x-secret-hop", "keep-alive"] {
        assert!(
            !response.headers.contains_key(name),
            "{name} reached the adapter"
        );
    }
    assert_eq!(response.headers["x-end-to-end"], "kept");
}

#[tokio::test]
async fn sequential_requests_reuse_one_connection() {
    let mock = serve(|_| async { Response::new(full("again")) }).await;
    let client = client();

    for _ in 0..3 {
        let mut response = client
            .send(get(&format!("http://{}/", mock.addr)))
            .await
            .unwrap();
        assert_eq!(read_all(&mut response.body).await, "again");
    }

    assert_eq!(mock.recorded.requests().len(), 3);
    assert_eq!(mock.recorded.connections(), 1);
}

#[test]
fn the_client_is_built_without_a_runtime() {
    let _client = client();
}

#[tokio::test]
async fn clones_share_the_pool() {
    let mock = serve(|_| async { Response::new(full("shared")) }).await;
    let first = client();
    let second = first.clone();

    for client in [&first, &second] {
        let mut response = client
            .send(get(&format!("http://{}/", mock.addr)))
            .await
            .unwrap();
        assert_eq!(read_all(&mut response.body).await, "shared");
    }

    assert_eq!(mock.recorded.connections(), 1);
}

#[tokio::test]
async fn dropping_the_body_mid_response_closes_the_upstream_connection() {
    let (mock, closed) = endless(None).await;

    let mut response = client()
        .send(get(&format!("http://{}/endless", mock.addr)))
        .await
        .unwrap();
    let first = next(&mut response.body).await.unwrap().unwrap();
    assert_eq!(&first[..], b"tick\n");
    drop(response);

    tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .expect("the upstream kept streaming after the body was dropped")
        .unwrap();
}
