//! Streams: each frame is forwarded as it arrives, a client that leaves cancels the
//! upstream call, and a stream that fails after it started ends with an error event.

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use serde_json::json;
use tests::client::next_data;
use tests::fixtures::CHAT_STREAMING_SSE;
use tests::{Client, Reply, TestGateway, Upstream, assert_openai_error};
use tokio::sync::Notify;

const WAIT: Duration = Duration::from_secs(5);

fn stream_request() -> String {
    json!({"model":"gpt-5-nano","stream":true,"stream_options":{"include_usage":true},
        "messages":[{"role":"user","content":"Hi"}]})
    .to_string()
}

#[tokio::test]
async fn the_first_chunk_reaches_the_client_before_the_upstream_has_finished() {
    let gate = Arc::new(Notify::new());
    let g = gate.clone();
    let upstream = Upstream::start(move |_| Reply::sse(CHAT_STREAMING_SSE).gate(g.clone())).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;

    let response = Client::new(gw.url())
        .open(Method::POST, "/v1/chat/completions", stream_request())
        .await;
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    // The upstream holds everything after its first frame until the gate opens.
    let first = next_data(&mut body, WAIT).await.unwrap();
    assert!(first.starts_with(b"data: {\"id\":\"chatcmpl-"));
    assert_eq!(upstream.finished_streams(), 0);
    gate.notify_one();
    let mut rest = Vec::new();
    while let Some(data) = next_data(&mut body, WAIT).await {
        rest.extend_from_slice(&data);
    }
    let mut all = first.to_vec();
    all.extend_from_slice(&rest);
    assert_eq!(String::from_utf8(all).unwrap(), CHAT_STREAMING_SSE);
}

#[tokio::test]
async fn a_client_that_disconnects_cancels_the_upstream_call() {
    let upstream =
        Upstream::start(|_| Reply::sse(CHAT_STREAMING_SSE).delay(Duration::from_millis(200))).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let response = Client::new(gw.url())
        .open(Method::POST, "/v1/chat/completions", stream_request())
        .await;
    let mut body = response.into_body();
    assert!(next_data(&mut body, WAIT).await.is_some());
    drop(body);
    assert!(
        upstream.wait_for_drop(WAIT).await,
        "the upstream never saw its connection close"
    );
    assert_eq!(upstream.finished_streams(), 0);
}

#[tokio::test]
async fn a_stream_cut_before_done_ends_with_an_error_event() {
    let frames = tests::upstream::split_frames(CHAT_STREAMING_SSE);
    let cut: String = frames[..3].concat();
    let upstream = Upstream::start(move |_| Reply::sse(&cut)).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", stream_request())
        .await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert!(text.starts_with(&frames[..3].concat()), "{text}");
    let last = text.rsplit("data: ").next().unwrap();
    let err = assert_openai_error(last.trim().as_bytes());
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("before it finished")
    );
    assert!(!text.contains("[DONE]"));
}

#[tokio::test]
async fn an_upstream_error_event_mid_stream_is_relayed_as_the_final_event() {
    let frames = tests::upstream::split_frames(CHAT_STREAMING_SSE);
    let sse = format!(
        "{}data: {{\"error\":{{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}}}\n\n",
        frames[0]
    );
    let upstream = Upstream::start(move |_| Reply::sse(&sse)).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", stream_request())
        .await;
    let text = reply.text();
    let last = text.rsplit("data: ").next().unwrap();
    let err = assert_openai_error(last.trim().as_bytes());
    assert_eq!(err["message"], "The server had an error");
    assert!(!text.contains("[DONE]"));
}

#[tokio::test]
async fn the_total_timeout_ends_a_stuck_stream_with_an_error_event() {
    let frames = tests::upstream::split_frames(CHAT_STREAMING_SSE);
    let first = frames[0].clone();
    let upstream = Upstream::start(move |_| Reply::sse(&first).hold_open()).await;
    let gw = TestGateway::start(&format!(
        "[providers.up]\nkind = \"openai\"\nbase_url = \"{}\"\ntotal_timeout = 0.5\n[[models]]\nname = \"*\"\nprovider = \"up\"\n",
        upstream.base_url()
    ))
    .await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", stream_request())
        .await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert!(text.starts_with(&frames[0]));
    let err = assert_openai_error(text.rsplit("data: ").next().unwrap().trim().as_bytes());
    assert_eq!(err["code"], "upstream_timeout");
    assert!(upstream.wait_for_drop(WAIT).await);
}

#[tokio::test]
async fn an_error_in_the_first_event_is_an_http_error() {
    let upstream = Upstream::start(|_| {
        Reply::sse("data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":\"overloaded\"}}\n\n")
    })
    .await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", stream_request())
        .await;
    assert_eq!(reply.status, 502);
    let err = assert_openai_error(&reply.body);
    assert_eq!(err["message"], "overloaded");
}
