//! End to end: a gateway with `[telemetry]` serves the mock provider, and a collector on
//! 127.0.0.1 receives the OTLP/HTTP export, decodes the protobuf and shows the span.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind, status::StatusCode as Code};
use prost::Message as _;
use switchboard_core::Registry;
use switchboard_mock as _;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::{Gateway, config};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// One export the collector received: its headers and decoded body.
type Export = (HeaderMap, ExportTraceServiceRequest);

/// Starts an OTLP/HTTP collector on 127.0.0.1 that answers every export with `status`;
/// returns its base URL and what it receives. It stops with the test's runtime.
async fn collector(status: StatusCode) -> (String, mpsc::UnboundedReceiver<Export>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sender = sender.clone();
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let sender = sender.clone();
                async move {
                    assert_eq!(request.uri().path(), "/v1/traces");
                    let headers = request.headers().clone();
                    let body = request.into_body().collect().await.unwrap().to_bytes();
                    let export = ExportTraceServiceRequest::decode(body).unwrap();
                    let _ = sender.send((headers, export));
                    let mut response = http::Response::new(Full::new(Bytes::new()));
                    *response.status_mut() = status;
                    Ok::<_, Infallible>(response)
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, received)
}

/// A gateway serving `gpt-4o` (priced) from the mock as `mock-1`, with `telemetry` as
/// the body of its `[telemetry]` section.
fn gateway(telemetry: &str) -> Gateway {
    let toml = format!(
        "[state]\npath = \":memory:\"\n\n[providers.mock]\nkind = \"mock\"\n\n\
         [[models]]\nname = \"gpt-4o\"\nprovider = \"mock\"\nmodel = \"mock-1\"\n\
         price = {{ input = 2.5, output = 10.0 }}\n\n[telemetry]\n{telemetry}\n"
    );
    let config = config::parse_toml(&toml).unwrap_or_else(|e| panic!("{e}"));
    Gateway::build(&config, &Registry::linked().unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

/// Sends a chat request (with `headers`) and reads the whole answer, which closes its record.
async fn chat(gateway: &Gateway, body: serde_json::Value, headers: &[(&str, &str)]) -> Bytes {
    let mut request =
        Request::post("/v1/chat/completions").header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let response = gateway.handle(request).await;
    response.into_body().collect().await.unwrap().to_bytes()
}

/// Exports what is queued (the flush blocks, so it runs off the runtime's threads).
async fn flush(gateway: &Gateway) {
    let telemetry = gateway.inner.telemetry.clone().expect("telemetry is on");
    tokio::task::spawn_blocking(move || telemetry.flush())
        .await
        .unwrap();
}

/// The next export's spans, with the export's headers and resource attributes.
async fn next_export(
    received: &mut mpsc::UnboundedReceiver<Export>,
) -> (HeaderMap, Vec<KeyValue>, Vec<Span>) {
    let (headers, export) = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .expect("an export within 10 s")
        .expect("the collector is running");
    let mut resource = Vec::new();
    let mut spans = Vec::new();
    for resource_spans in export.resource_spans {
        resource.extend(resource_spans.resource.unwrap_or_default().attributes);
        for scope_spans in resource_spans.scope_spans {
            let scope = scope_spans.scope.unwrap_or_default();
            assert_eq!(scope.name, "switchboard");
            spans.extend(scope_spans.spans);
        }
    }
    (headers, resource, spans)
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| v.value.as_ref())
}

fn string(attributes: &[KeyValue], key: &str) -> Option<String> {
    match attribute(attributes, key)? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        other => panic!("{key} is not a string: {other:?}"),
    }
}

fn int(attributes: &[KeyValue], key: &str) -> Option<i64> {
    match attribute(attributes, key)? {
        any_value::Value::IntValue(n) => Some(*n),
        other => panic!("{key} is not an int: {other:?}"),
    }
}

fn boolean(attributes: &[KeyValue], key: &str) -> Option<bool> {
    match attribute(attributes, key)? {
        any_value::Value::BoolValue(b) => Some(*b),
        other => panic!("{key} is not a bool: {other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_request_becomes_one_client_span_under_the_callers_trace() {
    let (url, mut received) = collector(StatusCode::OK).await;
    let gateway = gateway(&format!(
        "otlp_endpoint = \"{url}\"\nservice_name = \"switchboard-test\"\n\
         headers = {{ authorization = \"Bearer collector-token\" }}"
    ));
    let body = chat(
        &gateway,
        serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}),
        &[("traceparent", TRACEPARENT), ("x-request-id", "req-otel-1")],
    )
    .await;
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let usage = &answer["usage"];
    flush(&gateway).await;

    let (headers, resource, spans) = next_export(&mut received).await;
    assert_eq!(headers["content-type"], "application/x-protobuf");
    assert_eq!(headers["authorization"], "Bearer collector-token");
    assert_eq!(
        string(&resource, "service.name").as_deref(),
        Some("switchboard-test")
    );
    assert_eq!(spans.len(), 1, "{spans:?}");
    let span = &spans[0];
    assert_eq!(span.name, "chat gpt-4o");
    assert_eq!(span.kind, SpanKind::Client as i32);
    assert_eq!(hex(&span.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(hex(&span.parent_span_id), "00f067aa0ba902b7");
    assert_ne!(hex(&span.span_id), "00f067aa0ba902b7");
    assert!(span.start_time_unix_nano > 0);
    assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
    assert_eq!(
        span.status.clone().unwrap_or_default().code,
        Code::Unset as i32
    );

    let a = &span.attributes;
    assert_eq!(string(a, "gen_ai.operation.name").as_deref(), Some("chat"));
    assert_eq!(string(a, "gen_ai.provider.name").as_deref(), Some("mock"));
    assert_eq!(string(a, "gen_ai.request.model").as_deref(), Some("gpt-4o"));
    assert_eq!(
        string(a, "gen_ai.response.model").as_deref(),
        Some("mock-1")
    );
    // The mock counts a message's words plus one: "hello there" is 3 prompt tokens.
    assert_eq!(int(a, "gen_ai.usage.input_tokens"), Some(3));
    assert_eq!(
        int(a, "gen_ai.usage.input_tokens"),
        usage["prompt_tokens"].as_i64()
    );
    let output = int(a, "gen_ai.usage.output_tokens").expect("output tokens");
    assert!(output > 0);
    assert_eq!(Some(output), usage["completion_tokens"].as_i64());
    // The mock has no URL, so no server.address (see span.rs for providers that have one).
    assert_eq!(string(a, "server.address"), None);
    assert_eq!(int(a, "http.response.status_code"), Some(200));
    assert_eq!(string(a, "error.type"), None);
    assert_eq!(
        string(a, "switchboard.request_id").as_deref(),
        Some("req-otel-1")
    );
    assert_eq!(string(a, "switchboard.route").as_deref(), Some("gpt-4o"));
    assert_eq!(
        string(a, "switchboard.deployment").as_deref(),
        Some("mock/mock-1")
    );
    assert_eq!(int(a, "switchboard.attempts"), Some(1));
    assert_eq!(boolean(a, "switchboard.fallback"), Some(false));
    assert_eq!(boolean(a, "switchboard.stream"), Some(false));
    assert_eq!(boolean(a, "switchboard.tokens_estimated"), Some(false));
    let expected_cost = (3.0 * 2.5 + output as f64 * 10.0) / 1_000_000.0;
    match attribute(a, "switchboard.cost_usd") {
        Some(any_value::Value::DoubleValue(cost)) => {
            assert!(
                (cost - expected_cost).abs() < 1e-12,
                "{cost} vs {expected_cost}"
            )
        }
        other => panic!("switchboard.cost_usd: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_is_traced_when_it_ends_and_a_failure_carries_its_error_type() {
    let (url, mut received) = collector(StatusCode::OK).await;
    let gateway = gateway(&format!("otlp_endpoint = \"{url}\""));
    let body = chat(
        &gateway,
        serde_json::json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "one two three"}]}),
        &[],
    )
    .await;
    assert!(body.ends_with(b"data: [DONE]\n\n"), "{body:?}");
    chat(
        &gateway,
        serde_json::json!({"model": "nope", "messages": [{"role": "user", "content": "hi"}]}),
        &[],
    )
    .await;
    flush(&gateway).await;

    let mut spans = Vec::new();
    while spans.len() < 2 {
        spans.extend(next_export(&mut received).await.2);
    }
    assert_eq!(spans.len(), 2, "{spans:?}");
    let stream = spans
        .iter()
        .find(|s| s.name == "chat gpt-4o")
        .expect("the stream's span");
    // No traceparent: a new trace, with no parent.
    assert!(stream.parent_span_id.is_empty());
    assert_eq!(stream.trace_id.len(), 16);
    let a = &stream.attributes;
    assert_eq!(boolean(a, "switchboard.stream"), Some(true));
    assert_eq!(int(a, "gen_ai.usage.input_tokens"), Some(4));
    assert!(int(a, "gen_ai.usage.output_tokens").is_some_and(|n| n > 0));

    let failed = spans
        .iter()
        .find(|s| s.name == "chat nope")
        .expect("the failure's span");
    let a = &failed.attributes;
    assert_eq!(int(a, "http.response.status_code"), Some(404));
    assert_eq!(string(a, "error.type").as_deref(), Some("caller"));
    assert_eq!(int(a, "switchboard.attempts"), Some(0));
    assert_eq!(string(a, "gen_ai.provider.name"), None);
    assert_eq!(string(a, "gen_ai.response.model"), None);
    assert_eq!(
        failed.status.clone().unwrap_or_default().code,
        Code::Error as i32
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsampled_and_non_model_requests_export_nothing() {
    let (url, mut received) = collector(StatusCode::OK).await;
    let gateway = gateway(&format!("otlp_endpoint = \"{url}\"\nsample_ratio = 0.0"));
    chat(
        &gateway,
        serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
        &[],
    )
    .await;
    // A caller's sampled parent wins over the ratio.
    chat(
        &gateway,
        serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
        &[("traceparent", TRACEPARENT)],
    )
    .await;
    let models = gateway
        .handle(
            Request::get("/v1/models")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await;
    assert_eq!(models.status(), StatusCode::OK);
    drop(models);
    flush(&gateway).await;
    let (_, _, spans) = next_export(&mut received).await;
    assert_eq!(spans.len(), 1, "{spans:?}");
    assert_eq!(hex(&spans[0].trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
    // The flush has returned, so anything else would have arrived by now.
    assert!(received.try_recv().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_collector_never_fails_a_request() {
    let (url, mut received) = collector(StatusCode::SERVICE_UNAVAILABLE).await;
    let gateway = gateway(&format!("otlp_endpoint = \"{url}\""));
    for _ in 0..3 {
        let body = chat(
            &gateway,
            serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
            &[],
        )
        .await;
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(answer["object"], "chat.completion");
    }
    flush(&gateway).await;
    // The collector saw the batch and refused it; the gateway dropped it and carries on.
    let (_, _, spans) = next_export(&mut received).await;
    assert_eq!(spans.len(), 3);
    let telemetry = gateway.inner.telemetry.clone().expect("telemetry is on");
    assert_eq!(telemetry.failed_exports(), 1);

    // Nothing listens here: the export fails to connect, and requests still succeed.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let gateway = crate::telemetry::tests::gateway(&format!("otlp_endpoint = \"{dead}\""));
    let body = chat(
        &gateway,
        serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
        &[],
    )
    .await;
    assert!(body.starts_with(b"{"), "{body:?}");
    flush(&gateway).await;
    let telemetry = gateway.inner.telemetry.clone().expect("telemetry is on");
    assert_eq!(telemetry.failed_exports(), 1);
}
