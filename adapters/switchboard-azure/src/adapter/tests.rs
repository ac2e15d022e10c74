//! The adapter against a fake transport: what goes up per surface, what comes back.

use std::sync::Mutex;

use futures_util::StreamExt;
use http::{Request, StatusCode};
use switchboard_core::chat::ChatMessage;
use switchboard_core::{ByteStream, Secret};

use super::*;
use crate::config::{Mode, Surface};

const RECORDED_RESPONSE: &str = include_str!("../../fixtures/azure-chat-basic.response.json");
const RECORDED_REQUEST: &str = include_str!("../../fixtures/azure-chat-basic.request.json");
const ROUTER: &str = include_str!("../../fixtures/azure-model-router.1.chunks.txt");

/// Answers every request with one status, headers and body; keeps what it was sent.
struct Fake {
    status: StatusCode,
    headers: Vec<(&'static str, &'static str)>,
    body: String,
    seen: Mutex<Vec<Request<Bytes>>>,
}

impl Fake {
    fn new(status: u16, body: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            status: StatusCode::from_u16(status).unwrap(),
            headers: Vec::new(),
            body: body.into(),
            seen: Mutex::new(Vec::new()),
        })
    }

    fn only(&self) -> Request<Bytes> {
        let mut seen = self.seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        seen.pop().unwrap()
    }
}

#[async_trait]
impl HttpTransport for Fake {
    async fn send(&self, request: Request<Bytes>) -> Result<UpstreamResponse, GatewayError> {
        self.seen.lock().unwrap().push(request);
        let mut headers = HeaderMap::new();
        for (n, v) in &self.headers {
            headers.insert(*n, v.parse().unwrap());
        }
        // Delivered in small pieces, as a network would.
        let pieces: Vec<Result<Bytes, GatewayError>> = self
            .body
            .as_bytes()
            .chunks(13)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let body: ByteStream = Box::pin(futures_util::stream::iter(pieces));
        Ok(UpstreamResponse {
            status: self.status,
            headers,
            body,
        })
    }
}

fn config(surface: Surface) -> AzureConfig {
    let mut c = AzureConfig::new("https://resource-name.cognitiveservices.azure.com");
    c.surface = surface;
    c.api_key = Some(Secret::new("azure-key-0123456789"));
    c
}

fn adapter(c: &AzureConfig, fake: &Arc<Fake>) -> AzureAdapter {
    AzureAdapter::new(c, fake.clone()).unwrap()
}

fn as_sse(lines: &str) -> String {
    let mut out: String = lines.lines().map(|l| format!("data: {l}\n\n")).collect();
    out.push_str("data: [DONE]\n\n");
    out
}

fn json_of(req: &Request<Bytes>) -> serde_json::Value {
    serde_json::from_slice(req.body()).unwrap()
}

#[tokio::test]
async fn chat_on_the_deployments_surface_reads_the_recorded_answer() {
    let fake = Fake::new(200, RECORDED_RESPONSE);
    let mut c = config(Surface::Deployments);
    c.api_version = Some("2024-12-01-preview".into());
    let mut request: ChatRequest = serde_json::from_str(RECORDED_REQUEST).unwrap();
    request.max_tokens = Some(50);
    let response = adapter(&c, &fake)
        .chat(&CallContext::default(), request)
        .await
        .unwrap();
    assert!(response.choices[0].message.text().starts_with("Hi there!"));
    assert_eq!(response.usage().unwrap().reasoning_tokens(), 192);
    let sent = fake.only();
    assert_eq!(
        sent.uri(),
        "https://resource-name.cognitiveservices.azure.com/openai/deployments/gpt-5-nano/chat/completions?api-version=2024-12-01-preview"
    );
    assert_eq!(sent.headers()["api-key"], "azure-key-0123456789");
    let body = json_of(&sent);
    assert_eq!(body["max_completion_tokens"], 50);
    assert!(body.get("max_tokens").is_none());
    assert!(body.get("stream").is_none());
}

#[tokio::test]
async fn chat_stream_on_v1_names_the_configured_deployment_in_the_body() {
    let fake = Fake::new(200, as_sse(ROUTER));
    let mut c = config(Surface::V1);
    c.deployment = Some("router-prod".into());
    let request = ChatRequest {
        model: "model-router".into(),
        messages: vec![ChatMessage::user("Capital of Denmark?")],
        ..Default::default()
    };
    let chunks: Vec<_> = adapter(&c, &fake)
        .chat_stream(&CallContext::default(), request)
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(chunks.len(), 8);
    assert!(chunks[0].as_ref().unwrap().choices.is_empty());
    let sent = fake.only();
    assert_eq!(
        sent.uri(),
        "https://resource-name.cognitiveservices.azure.com/openai/v1/chat/completions"
    );
    let body = json_of(&sent);
    assert_eq!(body["model"], "router-prod");
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn raw_chat_on_the_deployments_surface_takes_the_deployment_from_the_body() {
    let fake = Fake::new(200, RECORDED_RESPONSE);
    let a = adapter(&config(Surface::Deployments), &fake);
    let body = Bytes::from_static(
        br#"{"model":"gpt-5-nano","messages":[{"role":"user","content":"Hello!"}]}"#,
    );
    let raw = a
        .send_raw(
            &CallContext::default(),
            RawRequest {
                endpoint: Endpoint::ChatCompletions,
                body: body.clone(),
                stream: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(raw.status, 200);
    let sent = fake.only();
    assert_eq!(
        sent.uri().path(),
        "/openai/deployments/gpt-5-nano/chat/completions"
    );
    assert_eq!(sent.uri().query(), Some("api-version=2024-10-21"));
    assert_eq!(sent.body(), &body, "the body goes up untouched");
}

#[tokio::test]
async fn raw_responses_splice_the_configured_deployment() {
    for surface in [Surface::V1, Surface::Deployments] {
        let fake = Fake::new(200, "{}");
        let mut c = config(surface);
        c.deployment = Some("gpt-5-1-prod".into());
        c.api_version = (surface == Surface::Deployments).then(|| "2025-04-01-preview".into());
        c.responses = Mode::Auto;
        let a = adapter(&c, &fake);
        assert!(a.native(Endpoint::Responses));
        a.send_raw(
            &CallContext::default(),
            RawRequest {
                endpoint: Endpoint::Responses,
                body: Bytes::from_static(br#"{"model":"gpt-5.1","input":"hi"}"#),
                stream: false,
            },
        )
        .await
        .unwrap();
        let sent = fake.only();
        let expected = match surface {
            Surface::V1 => "/openai/v1/responses",
            Surface::Deployments => "/openai/responses",
        };
        assert_eq!(sent.uri().path(), expected);
        assert_eq!(
            sent.body(),
            &Bytes::from_static(br#"{"model":"gpt-5-1-prod","input":"hi"}"#)
        );
    }
}

#[tokio::test]
async fn a_day_long_429_is_capped_on_every_path() {
    let fake = Arc::new(Fake {
        status: StatusCode::TOO_MANY_REQUESTS,
        headers: vec![("retry-after", "86400")],
        body: r#"{"error":{"code":"429","message":"Please retry after 86400 seconds."}}"#.into(),
        seen: Mutex::new(Vec::new()),
    });
    let a = adapter(&config(Surface::V1), &fake);
    let err = a
        .send_raw(
            &CallContext::default(),
            RawRequest {
                endpoint: Endpoint::ChatCompletions,
                body: Bytes::from_static(br#"{"model":"m","messages":[]}"#),
                stream: true,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert!(err.message().contains("try elsewhere"));
}

#[tokio::test]
async fn models_come_from_config_or_the_upstream() {
    let fake = Fake::new(200, "");
    let mut c = config(Surface::Deployments);
    c.deployment = Some("prod".into());
    let models = adapter(&c, &fake)
        .list_models(&CallContext::default())
        .await
        .unwrap();
    assert_eq!(models[0].id, "prod");
    assert!(fake.seen.lock().unwrap().is_empty());

    let fake = Fake::new(
        200,
        r#"{"object":"list","data":[{"id":"gpt-4o-2024-08-06","object":"model","created_at":1723075200,"status":"succeeded","capabilities":{"chat_completion":true}}]}"#,
    );
    let models = adapter(&config(Surface::Deployments), &fake)
        .list_models(&CallContext::default())
        .await
        .unwrap();
    assert_eq!(models[0].id, "gpt-4o-2024-08-06");
    assert_eq!(fake.only().uri().path(), "/openai/models");
}

#[test]
fn native_endpoints_follow_the_config() {
    let fake = Fake::new(200, "");
    let a = adapter(&config(Surface::V1), &fake);
    assert!(a.native(Endpoint::ChatCompletions));
    assert!(a.native(Endpoint::Responses));
    assert!(!a.native(Endpoint::Completions));
    let mut c = config(Surface::Deployments);
    c.completions = Mode::Native;
    let a = adapter(&c, &fake);
    assert!(!a.native(Endpoint::Responses));
    assert!(a.native(Endpoint::Completions));
}
