//! The adapter over a scripted transport: what goes up, what comes back.

use std::sync::Mutex;

use bytes::Bytes;
use futures_util::StreamExt;
use switchboard_core::UpstreamResponse;
use switchboard_core::chat::ChatMessage;

use super::*;

/// Answers every request with one status and body, and keeps the requests.
struct Scripted {
    status: u16,
    body: &'static str,
    seen: Mutex<Vec<http::Request<Bytes>>>,
}

#[async_trait]
impl HttpTransport for Scripted {
    async fn send(&self, request: http::Request<Bytes>) -> Result<UpstreamResponse, GatewayError> {
        self.seen.lock().unwrap().push(request);
        let body = Bytes::from_static(self.body.as_bytes());
        Ok(UpstreamResponse {
            status: http::StatusCode::from_u16(self.status).unwrap(),
            headers: http::HeaderMap::new(),
            body: Box::pin(futures_util::stream::iter([Ok(body)])),
        })
    }
}

fn adapter(status: u16, body: &'static str) -> (DeepSeekAdapter, Arc<Scripted>) {
    let transport = Arc::new(Scripted {
        status,
        body,
        seen: Mutex::new(Vec::new()),
    });
    let mut config = DeepSeekConfig::new("http://127.0.0.1:9");
    config.api_key = Some(switchboard_core::Secret::new("sk-test-deepseek"));
    let adapter = DeepSeekAdapter::new(&config, transport.clone()).unwrap();
    (adapter, transport)
}

fn request() -> ChatRequest {
    ChatRequest {
        model: "deepseek-chat".into(),
        messages: vec![ChatMessage::new(
            switchboard_core::chat::Role::Developer,
            "be brief",
        )],
        reasoning_effort: Some("none".into()),
        ..ChatRequest::default()
    }
}

#[tokio::test]
async fn the_quirks_wrap_the_openai_client() {
    let (adapter, transport) = adapter(200, include_str!("../../fixtures/deepseek-tool-call.json"));
    assert_eq!(adapter.kind(), "deepseek");
    for endpoint in [
        Endpoint::ChatCompletions,
        Endpoint::Completions,
        Endpoint::Responses,
    ] {
        assert!(!adapter.native(endpoint));
    }
    let answer = adapter
        .chat(&CallContext::default(), request())
        .await
        .unwrap();
    assert_eq!(answer.usage().unwrap().cached_tokens(), 320);
    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen[0].uri(), "http://127.0.0.1:9/chat/completions");
    assert_eq!(
        seen[0].headers()["authorization"],
        "Bearer sk-test-deepseek"
    );
    let sent: serde_json::Value = serde_json::from_slice(seen[0].body()).unwrap();
    assert_eq!(sent["messages"][0]["role"], "system");
    assert_eq!(sent["thinking"]["type"], "disabled");
}

#[tokio::test]
async fn a_starved_stream_fails_first() {
    let (adapter, _) = adapter(
        200,
        concat!(
            ": keep-alive\n\n",
            "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
            "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"insufficient_system_resource\"}]}\n\n",
            "data: [DONE]\n\n"
        ),
    );
    let mut stream = adapter
        .chat_stream(&CallContext::default(), request())
        .await
        .unwrap();
    let first = stream.next().await.unwrap().unwrap_err();
    assert_eq!(first.status().as_u16(), 503);
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn a_402_is_a_balance_error() {
    let (adapter, _) = adapter(
        402,
        r#"{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}"#,
    );
    let err = adapter
        .chat_stream(&CallContext::default(), request())
        .await
        .err()
        .unwrap();
    assert_eq!(err.status().as_u16(), 402);
    assert!(err.message().contains("Balance"));
}
