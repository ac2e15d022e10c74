//! The adapter over a scripted transport: what goes upstream, what comes back.

use std::sync::Mutex;

use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};
use switchboard_core::chat::FinishReason;
use switchboard_core::{Secret, UpstreamResponse};

use super::*;
use crate::testing::{TOOL_CALL, TOOL_CALL_JSON, as_sse};
use crate::{NonStream, Region};

/// Answers every request with one canned status and body, and records the requests.
struct Scripted {
    status: StatusCode,
    body: String,
    seen: Mutex<Vec<http::Request<Bytes>>>,
}

#[async_trait]
impl HttpTransport for Scripted {
    async fn send(&self, request: http::Request<Bytes>) -> Result<UpstreamResponse, GatewayError> {
        self.seen.lock().unwrap().push(request);
        let body = Bytes::from(self.body.clone());
        Ok(UpstreamResponse {
            status: self.status,
            headers: http::HeaderMap::new(),
            body: Box::pin(futures_util::stream::iter([Ok(body)])),
        })
    }
}

fn adapter(config: QwenConfig, status: u16, body: String) -> (QwenAdapter, Arc<Scripted>) {
    let transport = Arc::new(Scripted {
        status: StatusCode::from_u16(status).unwrap(),
        body,
        seen: Mutex::new(Vec::new()),
    });
    (
        QwenAdapter::new(&config, transport.clone()).unwrap(),
        transport,
    )
}

fn request(body: Value) -> ChatRequest {
    serde_json::from_value(body).unwrap()
}

fn sent(transport: &Scripted) -> (String, Value) {
    let seen = transport.seen.lock().unwrap();
    let r = seen.last().unwrap();
    (
        r.uri().to_string(),
        serde_json::from_slice(r.body()).unwrap(),
    )
}

#[tokio::test]
async fn a_non_streaming_chat_streams_upstream_and_folds() {
    let config = QwenConfig::new(Region::Singapore, Secret::new("sk-test-12345678"));
    let (a, t) = adapter(config, 200, as_sse(TOOL_CALL));
    let r = a
        .chat(
            &CallContext::default(),
            request(
                json!({"model": "qwen3-max", "messages": [{"role": "user", "content": "weather?"}],
                "reasoning_effort": "low", "max_completion_tokens": 100}),
            ),
        )
        .await
        .unwrap();
    let (uri, body) = sent(&t);
    assert_eq!(
        uri,
        "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions"
    );
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    assert_eq!(
        (
            body["enable_thinking"].clone(),
            body["thinking_budget"].clone()
        ),
        (json!(true), json!(2048))
    );
    assert_eq!(body["max_tokens"], 100);
    assert!(body.get("max_completion_tokens").is_none());
    let headers = &t.seen.lock().unwrap()[0];
    assert_eq!(
        headers.headers()["authorization"],
        "Bearer sk-test-12345678"
    );
    assert_eq!(r.choices[0].finish_reason(), Some(&FinishReason::ToolCalls));
    assert_eq!(r.usage().unwrap().total_tokens, 317);
}

#[tokio::test]
async fn direct_mode_sends_a_plain_request_with_thinking_off_where_refused() {
    let config = QwenConfig {
        base_url: Some("http://127.0.0.1:9/compatible-mode/v1".into()),
        region: Some(Region::Us),
        non_stream: NonStream::Direct,
        ..QwenConfig::default()
    };
    let (a, t) = adapter(config, 200, TOOL_CALL_JSON.to_owned());
    let r = a
        .chat(
            &CallContext::default(),
            request(json!({"model": "qwen3-32b", "messages": [], "reasoning_effort": "high", "stream": true})),
        )
        .await
        .unwrap();
    let (uri, body) = sent(&t);
    assert_eq!(
        uri,
        "http://127.0.0.1:9/compatible-mode/v1/chat/completions"
    );
    assert!(body.get("stream").is_none());
    assert_eq!(body["enable_thinking"], false);
    let call = &r.choices[0].message.tool_calls.as_ref().unwrap()[0];
    assert!(call.extra.is_empty());
}

#[tokio::test]
async fn errors_come_back_in_openais_shape() {
    let (a, _) = adapter(
        QwenConfig::default(),
        400,
        r#"{"code":"DataInspectionFailed","message":"Input data may contain inappropriate content.","request_id":"r"}"#.to_owned(),
    );
    let err = a
        .chat_stream(
            &CallContext::default(),
            request(json!({"model": "qwen-plus", "messages": []})),
        )
        .await
        .err()
        .unwrap();
    assert_eq!(
        (err.status().as_u16(), err.kind(), err.code()),
        (400, "invalid_request_error", Some("data_inspection_failed"))
    );
}

#[test]
fn every_endpoint_is_translated() {
    let (a, _) = adapter(QwenConfig::default(), 200, String::new());
    assert_eq!(a.kind(), "qwen");
    for e in [
        Endpoint::ChatCompletions,
        Endpoint::Completions,
        Endpoint::Responses,
    ] {
        assert!(!a.native(e), "{e:?}");
    }
}

#[test]
fn config_reads_region_aliases_and_refuses_unknown_keys() {
    let cfg: QwenConfig = serde_json::from_value(json!({"region": "intl"})).unwrap();
    assert_eq!(cfg.effective_base_url(), Region::Singapore.base_url());
    let cfg: QwenConfig = serde_json::from_value(json!({})).unwrap();
    assert_eq!(
        cfg.effective_base_url(),
        "https://dashscope.aliyuncs.com/compatible-mode/v1"
    );
    assert_eq!(cfg.thinking_budgets, crate::default_thinking_budgets());
    for (name, url) in [
        ("cn", "https://dashscope.aliyuncs.com/compatible-mode/v1"),
        (
            "singapore",
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        ),
        ("us", "https://dashscope-us.aliyuncs.com/compatible-mode/v1"),
        (
            "virginia",
            "https://dashscope-us.aliyuncs.com/compatible-mode/v1",
        ),
        (
            "hk",
            "https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1",
        ),
    ] {
        let cfg: QwenConfig = serde_json::from_value(json!({"region": name})).unwrap();
        assert_eq!(cfg.effective_base_url(), url, "{name}");
    }
    assert!(serde_json::from_value::<QwenConfig>(json!({"region": "mars"})).is_err());
    assert!(serde_json::from_value::<QwenConfig>(json!({"organization": "x"})).is_err());
}
