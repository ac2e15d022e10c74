//! Native pass-through to an upstream that serves `/responses` itself.

use tests::{Client, Reply, TestGateway, Upstream};

use super::*;

#[tokio::test]
async fn native_responses_are_forwarded_untouched() {
    const BODY: &str = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_up\"}}\n\nevent: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":1,\"response\":{\"id\":\"resp_up\",\"usage\":{\"input_tokens\":5,\"output_tokens\":2,\"total_tokens\":7}}}\n\n";
    let upstream = Upstream::start(|_| Reply::sse(BODY)).await;
    let gw = TestGateway::start(&format!(
        "[providers.up]\nkind = \"openai\"\nbase_url = \"{}\"\nresponses = \"native\"\n[[models]]\nname = \"alias\"\nprovider = \"up\"\nmodel = \"gpt-5\"\n",
        upstream.base_url()
    ))
    .await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            r#"{"model":"alias","input":"hi","stream":true,"store":false,"x_new":1}"#,
        )
        .await
        .text();
    assert_eq!(text, BODY);
    let seen = upstream.only_request();
    assert_eq!(seen.path, "/v1/responses");
    assert_eq!(
        std::str::from_utf8(&seen.body).unwrap(),
        r#"{"model":"gpt-5","input":"hi","stream":true,"store":false,"x_new":1}"#
    );
}

#[tokio::test]
async fn a_native_stream_cut_short_ends_with_an_error_event() {
    let upstream = Upstream::start(|_| {
        Reply::sse("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{}}\n\n")
    })
    .await;
    let gw = TestGateway::start(&format!(
        "[providers.up]\nkind = \"openai\"\nbase_url = \"{}\"\nresponses = \"native\"\n[[models]]\nname = \"*\"\nprovider = \"up\"\n",
        upstream.base_url()
    ))
    .await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            r#"{"model":"m","input":"hi","stream":true}"#,
        )
        .await
        .text();
    let events = events(&text);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["sequence_number"], 1);
}

#[tokio::test]
async fn a_native_stream_that_sends_nothing_is_a_502() {
    let upstream = Upstream::start(|_| Reply::sse("")).await;
    let gw = TestGateway::start(&format!(
        "[providers.up]\nkind = \"openai\"\nbase_url = \"{}\"\nresponses = \"native\"\n[[models]]\nname = \"*\"\nprovider = \"up\"\n",
        upstream.base_url()
    ))
    .await;
    let reply = Client::new(gw.url())
        .post(
            "/v1/responses",
            r#"{"model":"m","input":"hi","stream":true}"#,
        )
        .await;
    assert_eq!(reply.status, 502, "{}", reply.text());
    tests::assert_openai_error(&reply.body);
}
