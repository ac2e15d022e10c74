//! Each adapter's stream translation through the public `Adapter` trait: the adapter is
//! built by its registered factory (as the gateway builds it) over a [`ReplayTransport`]
//! that answers with a short recorded stream of its provider, and `chat_stream` is drained.
//!
//! One iteration covers what the gateway asks of an adapter per streamed request: the
//! request built from a canonical `ChatRequest` (the 2.7 KiB fixture with tools), the
//! provider's stream decoded, and canonical chunks made. Bedrock uses an API key, so no
//! SigV4 signing is timed. Recordings differ in length: per chunk, divide by the item
//! count divan prints.

#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup fails is a bug to see at once, as in a test"
)]

// Name every adapter crate so the linker keeps its `inventory` registration.
use switchboard_anthropic as _;
use switchboard_azure as _;
use switchboard_bedrock as _;
use switchboard_deepseek as _;
use switchboard_ollama as _;
use switchboard_openai as _;
use switchboard_qwen as _;

use std::sync::Arc;

use bytes::Bytes;
use divan::Bencher;
use divan::counter::ItemsCount;
use serde_json::{Value, json};
use switchboard_bench::fixtures::{self, pieces, sse_from_lines};
use switchboard_bench::{ReplayTransport, drain};
use switchboard_core::chat::ChatRequest;
use switchboard_core::{Adapter, BuildContext, CallContext, Registry};

fn main() {
    divan::main();
}

/// The adapter of `kind` built from `config`, its upstream replaying `transport`.
fn adapter(kind: &str, config: Value, transport: ReplayTransport) -> Arc<dyn Adapter> {
    let registry = Registry::linked().expect("no kind is registered twice");
    let factory = registry.get(kind).expect("the adapter crate is linked");
    (factory.build)(BuildContext {
        name: "bench",
        config: &config,
        transport: Arc::new(transport),
    })
    .expect("the benchmark's provider config is valid")
}

/// Times `chat_stream` of `adapter`, drained to its end, on a one-thread runtime.
fn drive(bencher: Bencher, adapter: Arc<dyn Adapter>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime starts");
    let request: ChatRequest =
        serde_json::from_slice(fixtures::CHAT_REQUEST).expect("the fixture is a chat request");
    let cx = CallContext::default();
    let once = |request: ChatRequest| {
        runtime.block_on(async {
            let stream = adapter.chat_stream(&cx, request).await?;
            drain(stream).await
        })
    };
    let chunks = once(request.clone()).expect("the recording translates without error");
    assert!(chunks > 0, "the recording gave no chunk");
    bencher
        .counter(ItemsCount::new(chunks))
        .with_inputs(|| request.clone())
        .bench_local_values(|request| once(request).expect("the recording translates"));
}

/// A replay of an SSE body, one piece per event.
fn sse(body: &[u8]) -> ReplayTransport {
    ReplayTransport::new("text/event-stream", pieces(body, b"\n\n"))
}

/// Kind `openai`: a recorded api.openai.com stream (50 chunks).
#[divan::bench]
fn openai(bencher: Bencher) {
    let config = json!({"base_url": "http://127.0.0.1:9/v1"});
    drive(
        bencher,
        adapter("openai", config, sse(fixtures::OPENAI_STREAM)),
    );
}

/// Kind `azure_openai`: a recorded Azure stream with its prompt-filter chunk (7 chunks).
#[divan::bench]
fn azure(bencher: Bencher) {
    let config = json!({"endpoint": "http://127.0.0.1:9", "api_key": "bench-key-0123456789"});
    let body = sse_from_lines(fixtures::AZURE_CHUNKS);
    drive(bencher, adapter("azure_openai", config, sse(&body)));
}

/// Kind `deepseek`: reasoning then a tool call (51 chunks).
#[divan::bench]
fn deepseek(bencher: Bencher) {
    let config = json!({"base_url": "http://127.0.0.1:9", "api_key": "bench-key-0123456789"});
    let body = sse_from_lines(fixtures::DEEPSEEK_CHUNKS);
    drive(bencher, adapter("deepseek", config, sse(&body)));
}

/// Kind `qwen`: a tool call with DashScope's repeated pieces (6 chunks).
#[divan::bench]
fn qwen(bencher: Bencher) {
    let config = json!({
        "base_url": "http://127.0.0.1:9/compatible-mode/v1",
        "api_key": "bench-key-0123456789",
    });
    let body = sse_from_lines(fixtures::QWEN_CHUNKS);
    drive(bencher, adapter("qwen", config, sse(&body)));
}

/// Kind `anthropic`: a recorded Messages stream (raw SSE, 8 events).
#[divan::bench]
fn anthropic(bencher: Bencher) {
    let config = json!({"base_url": "http://127.0.0.1:9", "api_key": "bench-key-0123456789"});
    drive(
        bencher,
        adapter("anthropic", config, sse(fixtures::ANTHROPIC_STREAM)),
    );
}

/// Kind `bedrock` (Converse): a recorded ConverseStream, each event one AWS event-stream
/// frame (15 events).
#[divan::bench]
fn bedrock(bencher: Bencher) {
    let config = json!({
        "region": "us-east-1",
        "endpoint": "http://127.0.0.1:9",
        "api_key": "bench-key-0123456789",
    });
    let frames: Vec<Bytes> = fixtures::BEDROCK_EVENTS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let event: serde_json::Map<String, Value> =
                serde_json::from_str(line).expect("one event per line");
            let (event_type, payload) = event.into_iter().next().expect("an event type");
            let payload = serde_json::to_vec(&payload).expect("JSON serialises");
            Bytes::from(switchboard_bedrock::eventstream::encode_event(
                &event_type,
                &payload,
            ))
        })
        .collect();
    let transport = ReplayTransport::new("application/vnd.amazon.eventstream", frames);
    drive(bencher, adapter("bedrock", config, transport));
}

/// Kind `ollama`: an observed `/api/chat` NDJSON stream (3 lines).
#[divan::bench]
fn ollama(bencher: Bencher) {
    let config = json!({"base_url": "http://127.0.0.1:9"});
    let transport = ReplayTransport::new(
        "application/x-ndjson",
        pieces(fixtures::OLLAMA_STREAM, b"\n"),
    );
    drive(bencher, adapter("ollama", config, transport));
}
